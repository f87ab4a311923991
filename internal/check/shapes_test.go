package check

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/iamstack/iamstack/internal/analyze/assembly/assemblytest"
	"github.com/iamstack/iamstack/internal/synthetic"
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
	dir := assemblytest.Templates(t, m)
	files, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
	return dir, files
}

// Templates that differ only in the account's ID and name are one shape,
// whatever the name's length when it is only in the description and the
// metadata, its member of the longest name first; another type, the
// user-only account are not. A CI/CD user named after its account puts the
// name in IAM names: there, a name of another signature is another shape.
func TestShapes(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       [][]string
	}{
		{"names in the description and metadata only", sameShapes, [][]string{
			{"infra-dev-long.template.json", "infra-dev-a.template.json", "infra-dev-b.template.json", "infra-dev-c.template.json"},
			{"infra-identity.template.json"},
			{"infra-prod.template.json"},
		}},
		{"CI/CD users named after their accounts", sameShapes + `cicdUsers:
  ci-dev-a: {account: dev-a, roles: [DeployR]}
  ci-dev-b: {account: dev-b, roles: [DeployR]}
  ci-dev-long: {account: dev-long, roles: [DeployR]}
roles:
  DeployR:
    statements:
      - {effect: Allow, actions: ["cloudformation:DescribeStacks"], resources: ["*"]}
`, [][]string{
			{"infra-dev-a.template.json", "infra-dev-b.template.json"},
			{"infra-dev-c.template.json"},
			{"infra-dev-long.template.json"},
			{"infra-identity.template.json"},
			{"infra-prod.template.json"},
		}},
	} {
		dir, files := renderedTemplates(t, tc.yaml)
		var got [][]string
		for _, g := range shapes(dir, files, nil) {
			var names []string
			for _, m := range g {
				names = append(names, filepath.Base(m.file))
			}
			got = append(got, names)
		}
		if !slices.EqualFunc(got, tc.want, slices.Equal) {
			t.Errorf("%s: shapes %q, want %q", tc.name, got, tc.want)
		}
	}
}

// A shape splits by its members' names' signatures, its first member's
// first, the others in the order they appear.
func TestShapeBySignature(t *testing.T) {
	g := shape{{name: "dev-long"}, {name: "dev-a"}, {name: "dev-b"}, {name: "abc-defg"}, {name: "dev-1"}}
	var got [][]string
	for _, s := range g.bySignature() {
		var names []string
		for _, m := range s {
			names = append(names, m.name)
		}
		got = append(got, names)
	}
	want := [][]string{{"dev-long", "abc-defg"}, {"dev-a", "dev-b"}, {"dev-1"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("bySignature %q, want %q", got, want)
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

// perAccountCI is an organization whose dev accounts each hold a CI/CD user
// named after the account (its logical ID carries the name and a hash of
// it) and sit in different organizational units: dev-05 in one dev OU,
// dev-09 in another, dev-13 in the first again.
func perAccountCI(t *testing.T) (string, []string) {
	t.Helper()
	return renderedTemplates(t, string(synthetic.Model(synthetic.Size{Users: 5, Accounts: 14, OUs: 8})))
}

// Accounts of one type that differ in their ID, name, OU and the logical
// IDs named after them are one shape.
func TestShapesAcrossOUsAndCIUsers(t *testing.T) {
	dir, _ := perAccountCI(t)
	var files []string
	for _, a := range []string{"dev-05", "dev-09", "dev-13"} {
		files = append(files, filepath.Join(dir, "infra-"+a+".template.json"))
	}
	g := shapes(dir, files, nil)
	if len(g) != 1 {
		t.Fatalf("%d shapes of three dev accounts", len(g))
	}
	if g[0][0].ou == g[0][1].ou || g[0][0].ou != g[0][2].ou {
		t.Errorf("OUs %q, %q, %q: the test needs two OUs", g[0][0].ou, g[0][1].ou, g[0][2].ou)
	}
	var named []string
	for _, id := range g[0][1].logicalIDs {
		if strings.Contains(id, "CiDev09") {
			named = append(named, id)
		}
	}
	if len(named) != 3 {
		t.Errorf("dev-09's logical IDs named after its CI/CD user: %q", named)
	}
}

// A finding of the linted template is written for each member with its
// own logical IDs (in the message and the path), OU, ID and name.
func TestShapeFindingsTakeEachMembersLogicalIDs(t *testing.T) {
	rep := shapeMember{file: "/a/infra-dev-05.template.json", id: "100000000005", name: "dev-05", ou: "ou-synt-00000004",
		logicalIDs: []string{"RoleReadR", "CicdUserCiDev050F0400E9", ""}}
	m := shapeMember{file: "/a/infra-dev-09.template.json", id: "100000000009", name: "dev-09", ou: "ou-synt-00000008",
		logicalIDs: []string{"RoleReadR", "CicdUserCiDev091B0413CD", ""}}
	f := lintFinding{Filename: rep.file, Message: "user ci-dev-05 (CicdUserCiDev050F0400E9) of dev-05 in ou-synt-00000004, 100000000005"}
	f.Location.Path = []any{"Resources", "CicdUserCiDev050F0400E9", "Properties", "Path", 0}
	got := m.as(rep, f)
	if got.Message != "user ci-dev-09 (CicdUserCiDev091B0413CD) of dev-09 in ou-synt-00000008, 100000000009" {
		t.Errorf("message %q", got.Message)
	}
	if want := []any{"Resources", "CicdUserCiDev091B0413CD", "Properties", "Path", 0}; !slices.Equal(got.Location.Path, want) {
		t.Errorf("path %v, want %v", got.Location.Path, want)
	}
	if f.Location.Path[1] != "CicdUserCiDev050F0400E9" {
		t.Error("the representative's finding was changed")
	}
}

// The gate's two readers of one rendering share its shapes (shapeMemo):
// read side by side through one memo, the shapes are those computed
// without, and a file's shape is computed once.
func TestShapesReadThroughAMemoAreTheSame(t *testing.T) {
	dir, files := perAccountCI(t)
	want := shapes(dir, files, nil)
	memo := newShapeMemo()
	got := make([][]shape, 2)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() { got[i] = shapes(dir, files, memo) })
	}
	wg.Wait()
	for i := range got {
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("reader %d: %d shapes through the memo, %d without", i, len(got[i]), len(want))
		}
	}
	if len(memo.of) != len(files) {
		t.Errorf("the memo holds %d files of %d", len(memo.of), len(files))
	}
}
