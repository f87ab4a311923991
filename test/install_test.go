//go:build integration

package test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

// `go install github.com/iamstack/iamstack/cmd/iamstack@vX.Y.Z` is how a
// team installs iamstack. It works only from a module as the proxy serves
// it: no replace directive, every file it needs committed, nothing from
// outside the module. The test serves this commit as a release through a
// file proxy, installs it the way a team would, and asks the installed
// binary what it is and what it pins.
func TestGoInstallAtAVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary from a module zip; skipped with -short")
	}
	t.Parallel() // its own moto and directories: it runs beside the other deploy tests
	const version = "v0.99.0"
	root := repoRoot(t)
	proxy := t.TempDir()
	at := filepath.Join(proxy, "github.com", "iamstack", "iamstack", "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(at, version+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	// The committed tree only, as a tag would hold it.
	if err := zip.CreateFromVCS(f, module.Version{Path: "github.com/iamstack/iamstack", Version: version}, root, "HEAD", ""); err != nil {
		t.Fatalf("the module does not zip as the proxy would serve it: %v", err)
	}
	f.Close()
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	info := fmt.Sprintf(`{"Version":%q,"Time":%q}`, version, time.Now().UTC().Format(time.RFC3339))
	for name, body := range map[string]string{"list": version + "\n", version + ".info": info, version + ".mod": string(gomod)} {
		if err := os.WriteFile(filepath.Join(at, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	gobin := t.TempDir()
	upstream := strings.TrimSpace(run(t, root, "go", "env", "GOPROXY"))
	install := exec.Command("go", "install", "github.com/iamstack/iamstack/cmd/iamstack@"+version)
	install.Dir = t.TempDir() // outside any module, as a team runs it
	install.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=",
		"GOPROXY=file://"+filepath.ToSlash(proxy)+","+upstream,
		"GONOSUMDB=github.com/iamstack/iamstack", "GOWORK=off")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go install ...@%s: %v\n%s", version, err, out)
	}

	bin := filepath.Join(gobin, "iamstack")
	cmd := exec.Command(bin, "version", "--format", "json")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("iamstack version: %v", err)
	}
	var v struct {
		Version      string
		Dependencies map[string]string
		Catalog      string
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("iamstack version --format json: %v\n%s", err, out)
	}
	if v.Version != version || v.Dependencies["github.com/aws/aws-cdk-go/awscdk/v2"] == "" || v.Catalog == "" {
		t.Errorf("the installed binary says it is %+v", v)
	}

	// A released binary pins itself in what init writes: no --pin needed.
	dir := t.TempDir()
	cmd = exec.Command(bin, "init", "--github", "acme/identity", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("iamstack init: %v\n%s", err, out)
	}
	wf, err := os.ReadFile(filepath.Join(dir, ".github", "workflows", "check.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "/.github/workflows/model-check.yml@" + version; !strings.Contains(string(wf), want) {
		t.Errorf("check.yml does not call the reusable workflow at %s:\n%s", version, wf)
	}
	cmd = exec.Command(bin, "validate")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("validate in the new repository: %v\n%s", err, out)
	}
}
