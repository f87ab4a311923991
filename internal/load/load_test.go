package load

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/iamstack/iamstack"
)

func TestSource(t *testing.T) {
	t.Setenv(EnvModel, "from-env.yaml")
	if got := Source("explicit.yaml"); got != "explicit.yaml" {
		t.Errorf("an explicit path must win over %s: %q", EnvModel, got)
	}
	if got := Source(""); got != "from-env.yaml" {
		t.Errorf("%s ignored: %q", EnvModel, got)
	}
	t.Setenv(EnvModel, "")
	if got := Source(""); got != "" {
		t.Errorf("no model named: want \"\" (./iamstack.yaml), got %q", got)
	}
}

func TestContextValue(t *testing.T) {
	for in, want := range map[string]string{
		`{"model":"a.yaml","other":1}`: "a.yaml",
		`{"model":3}`:                  "",
		`{}`:                           "",
		``:                             "",
		`not json`:                     "",
	} {
		if got := ContextValue(in, "model"); got != want {
			t.Errorf("ContextValue(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPlanReportsQuotaProblemsWithTheFile(t *testing.T) {
	if _, _, err := Plan(Example); err != nil {
		t.Fatalf("the embedded example: %v", err)
	}
	if _, _, err := Plan("/nonexistent/model.yaml"); err == nil {
		t.Error("a missing file was accepted")
	}
}

func TestDefaultIsTheWorkingDirectorysModel(t *testing.T) {
	t.Setenv(EnvModel, "")
	t.Chdir(t.TempDir())
	if _, err := Model(""); !errors.Is(err, ErrNoModel) {
		t.Fatalf("without a file: %v, want ErrNoModel", err)
	}
	if m, err := Model(Example); err != nil || m.Prefix() != "infra" {
		t.Fatalf("the embedded example, asked for: %v", err)
	}
	yaml := strings.Replace(string(iamstack.Example()), "prefix: infra", "prefix: corp", 1)
	if err := os.WriteFile("iamstack.yaml", []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if m, err := Model(""); err != nil || m.Prefix() != "corp" {
		t.Errorf("./iamstack.yaml must win over the embedded copy: %v %v", m, err)
	}
}
