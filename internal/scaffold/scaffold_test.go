package scaffold_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/internal/scaffold"
	"github.com/iamstack/iamstack/model"
	"gopkg.in/yaml.v3"
)

// The starter model loads and plans, with and without the deploy role;
// every workflow is YAML; a second init refuses to overwrite.
func TestWrite(t *testing.T) {
	for _, github := range []string{"", "acme/identity"} {
		dir := t.TempDir()
		written, err := scaffold.Write(dir, scaffold.Options{Schema: iamstack.Schema(), CDKVersion: "2.1148.1", Version: "v1.2.3", GitHub: github})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{".gitignore", "Makefile", "cdk.json", "iamstack.schema.json", "iamstack.yaml", "package.json",
			".github/workflows/check.yml", ".github/workflows/deploy.yml"} {
			if !strings.Contains(strings.Join(written, " "), want) {
				t.Errorf("%s not written (%v)", want, written)
			}
		}
		m, err := model.Load(filepath.Join(dir, "iamstack.yaml"))
		if err != nil {
			t.Fatalf("github %q: the starter model: %v", github, err)
		}
		if _, err := plan.New(m); err != nil {
			t.Fatal(err)
		}
		for _, account := range m.AccountNames() {
			if !m.RoleEnabled("DeployR", account) {
				continue
			}
			if trusts := m.RoleTrusts("DeployR", account); (github != "") != (len(trusts) == 1) {
				t.Errorf("github %q: DeployR trusts %v in %s", github, trusts, account)
			}
		}
		for _, wf := range []string{"check.yml", "deploy.yml"} {
			b, _ := os.ReadFile(filepath.Join(dir, ".github/workflows", wf))
			var doc struct {
				On   any `yaml:"on"`
				Jobs map[string]struct {
					Uses string         `yaml:"uses"`
					With map[string]any `yaml:"with"`
				} `yaml:"jobs"`
			}
			if err := yaml.Unmarshal(b, &doc); err != nil || doc.On == nil || len(doc.Jobs) == 0 {
				t.Errorf("%s: not a workflow: %v", wf, err)
			}
			for name, j := range doc.Jobs {
				// Each job calls iamstack's reusable workflow of the same name
				// (.github/workflows/model-*.yml), pinned to the version.
				want := "iamstack/iamstack/.github/workflows/model-" + strings.TrimSuffix(wf, ".yml") + ".yml@v1.2.3"
				if j.Uses != want || j.With["iamstack-version"] != "v1.2.3" {
					t.Errorf("%s: job %s uses %q with %v, want %s", wf, name, j.Uses, j.With, want)
				}
				if _, err := os.Stat(filepath.Join("../..", strings.TrimPrefix(strings.Split(want, "@")[0], "iamstack/iamstack/"))); err != nil {
					t.Errorf("%s: the reusable workflow it calls is not in this repository: %v", wf, err)
				}
			}
		}
		if _, err := scaffold.Write(dir, scaffold.Options{Schema: iamstack.Schema()}); err == nil || !strings.Contains(err.Error(), "exist already") {
			t.Errorf("a second init: %v", err)
		}
	}
	if _, err := scaffold.Write(t.TempDir(), scaffold.Options{GitHub: "not a repo"}); err == nil {
		t.Error("a GitHub repository that is not org/repo is accepted")
	}
}
