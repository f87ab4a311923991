//go:build cdk || integration

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamstack/iamstack"
)

func TestAccessAndDiff(t *testing.T) {
	t.Setenv("IAMSTACK_MODEL", "../../iamstack.yaml") // the example, as a team's file
	base := filepath.Join(t.TempDir(), "base")
	if _, err := run(t, "synth", "--out", base); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(t.TempDir(), "changed.yaml")
	changed := strings.Replace(string(iamstack.Example()), "frank.osei:\n    grants:\n      ReadR: [prod]", "frank.osei:\n    grants:\n      AdminR: [prod]", 1)
	if err := os.WriteFile(model, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	head := filepath.Join(t.TempDir(), "head")
	if _, err := run(t, "synth", "--model", model, "--out", head); err != nil {
		t.Fatal(err)
	}

	out, err := run(t, "access", "--assembly", base)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"ci-dev (CI/CD)   dev       DeployR                   no        1h",
		"frank.osei       prod      ReadR                     required  8h",
		"Administrators (full power, no escalation to find): AdminR in dev, AdminR in prod",
		"Escalation findings: 0 open, 85 by design",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("access output lacks %q:\n%s", want, out)
		}
	}

	out, err = run(t, "access", "--assembly", base, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var entries []map[string]any
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		for _, k := range []string{"user", "account", "accountId", "mfa", "findings"} {
			if _, ok := e[k]; !ok {
				t.Errorf("entry lacks %q: %v", k, e)
			}
		}
		if e["type"] == "assume-role" && (e["role"] == nil || e["roleArn"] == nil) {
			t.Errorf("assume-role entry without role: %v", e)
		}
	}

	out, err = run(t, "access", "diff", base, head)
	if err != nil {
		t.Fatal(err)
	}
	if want := "+ frank.osei can assume AdminR in prod (MFA)\n- frank.osei can assume ReadR in prod (MFA)\n"; out != want {
		t.Errorf("diff:\n%s\nwant:\n%s", out, want)
	}
	if out, _ := run(t, "access", "diff", base, base); out != "no change in access\n" {
		t.Errorf("diff of an assembly with itself: %q", out)
	}
}
