package check

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/model"
)

// sameShapes is an organization whose three dev accounts differ only in
// their names (of one length) and IDs, with a fourth dev account of a
// longer name and a prod account.
const sameShapes = `apiVersion: iamstack/v1
region: eu-west-1
accounts:
  - {name: identity, id: "111111111111", type: user-only}
  - {name: dev-a, id: "222222222222", type: dev}
  - {name: dev-b, id: "333333333333", type: dev}
  - {name: dev-c, id: "444444444444", type: dev}
  - {name: dev-long, id: "555555555555", type: dev}
  - {name: prod, id: "666666666666", type: prod}
teams:
  devs: {grants: {OpsR: [dev], ReadR: [all]}}
users:
  alice: {teams: [devs]}
`

func renderedTemplates(t *testing.T, yaml string) (string, []string) {
	t.Helper()
	m, err := model.Parse("m.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.New(m)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := p.WriteTemplates(dir); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
	return dir, files
}

// Templates that differ only in the account's ID and name are one shape;
// a name of another length, another type, the user-only account are not.
func TestShapes(t *testing.T) {
	dir, files := renderedTemplates(t, sameShapes)
	var got [][]string
	for _, g := range shapes(dir, files) {
		var names []string
		for _, m := range g {
			names = append(names, filepath.Base(m.file))
		}
		got = append(got, names)
	}
	want := [][]string{
		{"infra-dev-a.template.json", "infra-dev-b.template.json", "infra-dev-c.template.json"},
		{"infra-dev-long.template.json"},
		{"infra-identity.template.json"},
		{"infra-prod.template.json"},
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("shapes %q, want %q", got, want)
	}
}

// A finding of the linted template is each member's, with its ID and name.
func TestShapeFindingsAreEachMembers(t *testing.T) {
	rep := shapeMember{file: "/a/infra-dev-a.template.json", id: "222222222222", name: "dev-a"}
	m := shapeMember{file: "/a/infra-dev-b.template.json", id: "333333333333", name: "dev-b"}
	f := lintFinding{Filename: rep.file, Message: "arn:aws:iam::222222222222:role/x of dev-a (account dev-a, not dev-ab)"}
	got := m.as(rep, f)
	if got.Filename != m.file || got.Message != "arn:aws:iam::333333333333:role/x of dev-b (account dev-b, not dev-ab)" {
		t.Errorf("%+v", got)
	}
}
