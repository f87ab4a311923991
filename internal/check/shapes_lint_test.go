//go:build integration

package check

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/synthetic"
)

// editResources changes the resources of one template, as a change of that
// account's alone would.
func editResources(t *testing.T, file string, edit func(resources map[string]any)) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	b = mutateResources(t, b, func(resources, _ map[string]any) { edit(resources) })
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// breakRole sets a role's maximum session out of IAM's bounds in one
// template.
func breakRole(t *testing.T, file string) {
	t.Helper()
	editResources(t, file, func(resources map[string]any) {
		resources["RoleReadR"].(map[string]any)["Properties"].(map[string]any)["MaxSessionDuration"] = 999999
	})
}

// Linting one template per shape is sound: a change to one account's
// template alone makes it a shape of its own, and its finding is that
// account's only; the same finding in every template of a shape is each
// one's, named by its own file and account.
func TestLintingByShapeIsSound(t *testing.T) {
	dir, _ := renderedTemplates(t, sameShapes)
	if errs, _, err := CfnLint(dir, nil); err != nil || len(errs) != 0 {
		t.Fatalf("untouched: %q %v", errs, err)
	}
	breakRole(t, filepath.Join(dir, "infra-dev-b.template.json"))
	errs, _, err := CfnLint(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	one := regexp.MustCompile(`^infra-dev-b\.template\.json:[0-9]+: E3034 999999 is greater than the maximum of 43200 \(at Resources/RoleReadR/Properties/MaxSessionDuration; from role ReadR in dev-b\)$`)
	if len(errs) != 1 || !one.MatchString(errs[0]) {
		t.Errorf("one account's change: %q", errs)
	}

	dir, _ = renderedTemplates(t, sameShapes)
	for _, a := range []string{"dev-a", "dev-b", "dev-c"} {
		breakRole(t, filepath.Join(dir, "infra-"+a+".template.json"))
	}
	if len(shapes(dir, []string{filepath.Join(dir, "infra-dev-a.template.json"), filepath.Join(dir, "infra-dev-b.template.json"),
		filepath.Join(dir, "infra-dev-c.template.json")}, nil)) != 1 {
		t.Fatal("the three broken alike are not one shape: the test would not show the attribution")
	}
	errs, _, err = CfnLint(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 3 {
		t.Fatalf("a finding of a shape of three: %q", errs)
	}
	for i, a := range []string{"dev-a", "dev-b", "dev-c"} {
		each := regexp.MustCompile(`^infra-` + a + `\.template\.json:[0-9]+: E3034 .*; from role ReadR in ` + a + `\)$`)
		if !each.MatchString(errs[i]) {
			t.Errorf("finding %d: %q, want one of %s", i, errs[i], a)
		}
	}
}

// Accounts whose names, of every length and signature, appear only in their
// templates' descriptions and metadata are one shape, linted as its member
// of the longest name; findings there send each other signature's first
// member to cfn-lint too. The findings are those of linting every template
// whole: none, untouched; each account's own, broken alike; and the one
// account whose name makes its description longer than CloudFormation's
// 1,024 characters, its finding alone.
func TestLintingByShapeIsSoundAcrossNameLengths(t *testing.T) {
	dev := []string{"dev-a", "dev-b", "dev-c", "dev-long"}
	files := func(dir string) []string {
		var out []string
		for _, a := range dev {
			out = append(out, filepath.Join(dir, "infra-"+a+".template.json"))
		}
		return out
	}
	oneShape := func(dir string) {
		t.Helper()
		g := shapes(dir, files(dir), nil)
		if len(g) != 1 || len(g[0].bySignature()) < 2 {
			t.Fatalf("the dev accounts are %d shapes: the test needs one of several signatures", len(g))
		}
	}
	dir, _ := renderedTemplates(t, sameShapes)
	oneShape(dir)
	if errs := lintedAsWhole(t, dir); len(errs) != 0 {
		t.Fatalf("untouched: %q", errs)
	}

	for _, f := range files(dir) {
		breakRole(t, f)
	}
	oneShape(dir)
	errs := lintedAsWhole(t, dir)
	if len(errs) != len(dev) {
		t.Fatalf("the same break in %d accounts: %q", len(dev), errs)
	}
	for i, a := range dev {
		if !strings.HasPrefix(errs[i], "infra-"+a+".template.json:") || !strings.HasSuffix(errs[i], " in "+a+")") {
			t.Errorf("finding %d: %q, want %s's", i, errs[i], a)
		}
	}

	dir, _ = renderedTemplates(t, sameShapes)
	long := "dev-" + strings.Repeat("x", 1024)
	file := filepath.Join(dir, "infra-dev-b.template.json")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(replaceWord(string(b), "dev-b", long)), 0o644); err != nil {
		t.Fatal(err)
	}
	oneShape(dir)
	errs = lintedAsWhole(t, dir)
	if len(errs) != 1 || !strings.HasPrefix(errs[0], "infra-dev-b.template.json:") || !strings.Contains(errs[0], "Description") {
		t.Errorf("a description over the limit in dev-b alone: %q", errs)
	}
}

// breakCIUser gives an account's CI/CD user a path IAM refuses in one
// template, and returns the user's logical ID.
func breakCIUser(t *testing.T, file string) string {
	t.Helper()
	var id string
	editResources(t, file, func(resources map[string]any) {
		for logicalID, r := range resources {
			if strings.HasPrefix(logicalID, "CicdUser") {
				r.(map[string]any)["Properties"].(map[string]any)["Path"] = "no-slashes"
				id = logicalID
			}
		}
	})
	if id == "" {
		t.Fatalf("no CI/CD user in %s", file)
	}
	return id
}

// Linting by shape is sound across organizational units and CI/CD users
// named after their accounts: one account's broken user is its finding
// alone; the same break in three accounts of two OUs is three findings,
// each naming its own file, logical ID and account.
func TestLintingByShapeIsSoundAcrossOUsAndCIUsers(t *testing.T) {
	accounts := []string{"dev-05", "dev-09", "dev-13"}
	files := func(dir string) []string {
		var out []string
		for _, a := range accounts {
			out = append(out, filepath.Join(dir, "infra-"+a+".template.json"))
		}
		return out
	}
	dir, _ := perAccountCI(t)
	id := breakCIUser(t, files(dir)[1])
	errs, _, err := CfnLint(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	one := regexp.MustCompile(`^infra-dev-09\.template\.json:[0-9]+: E[0-9]+ .*\(at Resources/` + id + `/Properties/Path; from CI/CD user ci-dev-09 in dev-09\)$`)
	if len(errs) != 1 || !one.MatchString(errs[0]) {
		t.Errorf("one account's change: %q", errs)
	}

	dir, _ = perAccountCI(t)
	var ids []string
	for _, f := range files(dir) {
		ids = append(ids, breakCIUser(t, f))
	}
	if len(shapes(dir, files(dir), nil)) != 1 {
		t.Fatal("the three broken alike are not one shape: the test would not show the attribution")
	}
	errs, _, err = CfnLint(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 3 {
		t.Fatalf("a finding of a shape of three: %q", errs)
	}
	for i, a := range accounts {
		each := regexp.MustCompile(`^infra-` + a + `\.template\.json:[0-9]+: E[0-9]+ .*\(at Resources/` + ids[i] + `/Properties/Path; from CI/CD user ci-` + a + ` in ` + a + `\)$`)
		if !each.MatchString(errs[i]) {
			t.Errorf("finding %d: %q, want one of %s's %s", i, errs[i], a, ids[i])
		}
	}
}

// lintedAsWhole lints the templates of dir by shape, as the gate does, and
// returns the errors, failing the test unless the findings are those of
// cfn-lint reading every template whole.
func lintedAsWhole(t *testing.T, dir string) []string {
	t.Helper()
	errs, warnings, err := cfnLint(dir, nil, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantErrs, wantWarnings, err := cfnLint(dir, nil, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(errs, wantErrs) || !slices.Equal(warnings, wantWarnings) {
		t.Errorf("by shape:\n%s\n%s\nwhole:\n%s\n%s", strings.Join(errs, "\n"), strings.Join(warnings, "\n"),
			strings.Join(wantErrs, "\n"), strings.Join(wantWarnings, "\n"))
	}
	return errs
}

// Linting one resource of each shape is sound: on a model whose users are
// broken one alone, a whole shape alike across two templates, a twin, and
// a user of the stack that holds the groups its users name, cfn-lint's
// findings read by shape are the findings it makes reading every template
// whole, each naming its own template, line, logical ID and user.
func TestLintingByResourceShapeIsSound(t *testing.T) {
	dir, _ := poolModel(t)
	props := func(r any) map[string]any { return r.(map[string]any)["Properties"].(map[string]any) }
	var shapeTags string
	for i, stack := range []string{"infra-identity-users-1", "infra-identity-users-2"} {
		editResources(t, filepath.Join(dir, stack+".template.json"), func(resources map[string]any) {
			ids := usersOf(resources)
			if i == 0 {
				b, _ := json.Marshal(props(resources[ids[1]])["Tags"])
				shapeTags = string(b)
			}
			for _, id := range ids {
				if b, _ := json.Marshal(props(resources[id])["Tags"]); string(b) == shapeTags {
					props(resources[id])["Path"] = "shape-broken"
				}
			}
			if i == 0 {
				props(resources[ids[0]])["Path"] = "no-slashes"
			} else {
				resources["Twin"] = resources[ids[5]]
			}
		})
	}
	editResources(t, filepath.Join(dir, "infra-identity.template.json"), func(resources map[string]any) {
		ids := usersOf(resources)
		props(resources[ids[len(ids)-1]])["Path"] = "no-slashes"
	})
	joined := strings.Join(lintedAsWhole(t, dir), "\n")
	for _, want := range []string{"E3019", "infra-identity-users-1.template.json", "infra-identity-users-2.template.json", "infra-identity.template.json:"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no finding with %s: the model does not test what it says", want)
		}
	}
	if n := strings.Count(joined, "'shape-broken'"); n < 4 {
		t.Errorf("%d findings of the shape broken alike: too few to show the attribution\n%s", n, joined)
	}
}

// setDescription gives a template another description, its bytes
// otherwise as they are: its frame and its resources' shapes stay.
func setDescription(t *testing.T, file, description string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	at := regexp.MustCompile(`"Description": "[^"]*"`).FindIndex(b)
	if at == nil {
		t.Fatalf("%s has no description", file)
	}
	value, _ := json.Marshal(description)
	b = slices.Concat(b[:at[0]], []byte(`"Description": `), value, b[at[1]:])
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A template all of whose resources stand elsewhere is read once for the
// copies alike (fillerKey), and again when that one has findings: with
// a description over CloudFormation's limit in both, or in the twin alone,
// cfn-lint's findings read that way are those of reading every template
// whole, each in its own template.
func TestFillerTwinsAreLintedAsTheirs(t *testing.T) {
	for _, both := range []bool{true, false} {
		dir, files := renderedTemplates(t, string(synthetic.Model(synthetic.Size{Users: 300, Accounts: 5, UserStacks: 8})))
		p, err := newPool(files)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(p.linted, func(lf lintedFile) bool { return lf.twin != nil })
		if i < 0 {
			t.Fatal("no filler's copy stands with another: the model does not test what it says")
		}
		twin, first := p.linted[i].template, p.linted[i].twin.template
		long := strings.Repeat("a", 1100)
		setDescription(t, twin, long)
		if both {
			setDescription(t, first, long)
		}
		joined := strings.Join(lintedAsWhole(t, dir), "\n")
		if !strings.Contains(joined, filepath.Base(twin)+":2: E1003") || strings.Contains(joined, filepath.Base(first)) != both {
			t.Errorf("both %v: the description over the limit is not found where it is:\n%s", both, joined)
		}
	}
}
