package check_test

import (
	"os"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/assembly/assemblytest"
	"github.com/iamstack/iamstack/internal/check"
	"github.com/iamstack/iamstack/model"
)

// analyzedYAML renders a model in Go and analyses its templates.
func analyzedYAML(t *testing.T, yaml string) (*model.Model, *assembly.Inventory, access.Report) {
	t.Helper()
	m, err := model.Parse("m.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	inv := assemblytest.Inventory(t, m)
	return m, inv, access.Analyze(inv)
}

// Moving a cohort between IAM users and Identity Center is a migration: it
// must leave every (person, account, role) as it was; an IAM user it
// deletes needs its acknowledgement, as any deleted user does.
func TestMigration(t *testing.T) {
	b, err := os.ReadFile("../../examples/identity-center.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ex := string(b)
	edit := func(pairs ...string) string {
		y := ex
		for i := 0; i < len(pairs); i += 2 {
			if !strings.Contains(y, pairs[i]) {
				t.Fatalf("the example no longer holds %q", pairs[i])
			}
			y = strings.Replace(y, pairs[i], pairs[i+1], 1)
		}
		return y
	}
	_, baseInv, base := analyzedYAML(t, ex)
	const chen = "  chen.wei:\n    teams: [data]\n    signIn: both\n"
	for _, tc := range []struct {
		name    string
		yaml    string
		moved   string // "user: before -> after"
		breaks  []string
		removed string // the removal the check asks to acknowledge
	}{
		{"a cohort finishes its move", edit(chen, "  chen.wei:\n    teams: [data]\n    signIn: identity-center\n"),
			"chen.wei: iam+identity-center -> identity-center", nil, "user chen.wei in account identity"},
		{"a cohort starts its move", edit("  eli.park:\n    teams: [finance]\n    console: true\n",
			"  eli.park:\n    teams: [finance]\n    signIn: both\n    email: eli.park@corp.example\n"),
			"eli.park: iam -> iam+identity-center", nil, ""},
		{"a move that changes grants too", edit(chen, "  chen.wei:\n    teams: [data, platform]\n    signIn: identity-center\n"),
			"chen.wei: iam+identity-center -> identity-center",
			[]string{"+ chen.wei can assume OpsR in dev (MFA, Identity Center) (chen.wei moves from iam+identity-center to identity-center)"}, "user chen.wei in account identity"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, headInv, head := analyzedYAML(t, tc.yaml)
			moved := check.Migrations(base, head)
			var got []string
			for u, m := range moved {
				got = append(got, u+": "+m[0]+" -> "+m[1])
			}
			if strings.Join(got, ", ") != tc.moved {
				t.Errorf("migrations %v, want %s", got, tc.moved)
			}
			breaks := check.MigrationBreaks(access.Diff(base, head), moved)
			for _, want := range tc.breaks {
				if !strings.Contains(strings.Join(breaks, "\n"), want) {
					t.Errorf("breaks %v lack %q", breaks, want)
				}
			}
			if len(tc.breaks) == 0 && len(breaks) > 0 {
				t.Errorf("a migration that keeps every entry breaks: %v", breaks)
			}
			var removals []string
			for _, r := range check.Removals(baseInv, headInv, m) {
				removals = append(removals, r.Kind+" "+r.Name+" in account "+r.Account)
			}
			if strings.Join(removals, ", ") != tc.removed {
				t.Errorf("removals %v, want %q", removals, tc.removed)
			}
		})
	}
}
