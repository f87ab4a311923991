package access_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly/assemblytest"
	"github.com/iamstack/iamstack/model"
)

// analyzeModel plans a model, as the file org.yaml with the files beside
// it (externalOrg's lock file; nil for none), renders it in Go and
// analyses the templates.
func analyzeModel(t *testing.T, yaml string, files model.Files) access.Report {
	t.Helper()
	m, err := model.ParseFiles("org.yaml", []byte(yaml), files)
	if err != nil {
		t.Fatal(err)
	}
	return access.Analyze(assemblytest.Inventory(t, m))
}

// The policies a model keeps in its own shapes are analysed as any other:
// a person's own policy, an inline policy, a named policy, each granting a
// way to more access, is an escalation finding on its holder; the same
// shapes with harmless statements give none.
func TestKeptShapesAreAnalysed(t *testing.T) {
	shaped := func(grant string) string {
		return `apiVersion: iamstack/v1
region: eu-west-1
accounts:
  - {name: identity, id: "111111111111", type: user-only}
  - {name: dev, id: "222222222222", type: dev}
roles:
  NamedR:
    policies:
      Legacy: [{effect: Allow, actions: ["` + grant + `"], resources: ["*"]}]
  InlineR:
    inlinePolicies:
      legacy: [{effect: Allow, actions: ["` + grant + `"], resources: ["*"]}]
    waivers: {IAMSTACK-INLINE-POLICY: "kept inline while the team migrates it"}
users:
  mallory:
    grants: {NamedR: [dev], InlineR: [dev]}
    statements: [{effect: Allow, actions: ["` + grant + `"], resources: ["*"]}]
    waivers: {IAMSTACK-DIRECT-POLICY: "her own policy, reviewed each quarter"}
`
	}
	holders := func(rep access.Report) []string {
		var out []string
		for _, f := range rep.Findings {
			if f.ByDesign == "" && (strings.Contains(f.Action, "iam:AttachRolePolicy") || strings.Contains(f.Action, "iam:AttachUserPolicy")) {
				out = append(out, f.Principal)
			}
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	for _, want := range []string{"InlineR in dev", "NamedR in dev", "user mallory in identity"} {
		if got := holders(analyzeModel(t, shaped("iam:Attach*"), nil)); !slices.Contains(got, want) {
			t.Errorf("iam:Attach* kept in its shape: findings on %v, none on %s", got, want)
		}
	}
	if got := holders(analyzeModel(t, shaped("s3:GetObject"), nil)); len(got) > 0 {
		t.Errorf("s3:GetObject: findings on %v", got)
	}
}
