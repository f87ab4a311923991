package model_test

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/model"
)

// trustSamples are, for every trust kind, an entry the model accepts and
// one it refuses at that kind's key. A kind without samples fails
// TestEveryTrustKindIsComplete: a new kind comes with its tests.
var trustSamples = map[string]struct{ good, bad string }{
	"account": {`{account: "999988887777", externalId: vendor-1234}`, `{account: "9999"}`},
	"role":    {`{role: dev/ChainR}`, `{role: dev/NoSuchR}`},
	"github":  {`{github: "repo:acme/app:ref:refs/heads/main"}`, `{github: "acme/app"}`},
	"oidc": {`{oidc: oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF, subject: "system:serviceaccount:payments:api"}`,
		`{oidc: "https://gitlab.com", audience: https://gitlab.com, subject: "project_path:acme/app:ref_type:branch:ref:main"}`},
	"service": {`{service: lambda.amazonaws.com}`, `{service: lamda.amazonaws.com}`},
}

// schemaDef is what the tests read of a type in the committed schema.
type schemaDef struct {
	Properties map[string]any                `json:"properties"`
	OneOf      []struct{ Required []string } `json:"oneOf"`
}

// schemaDefs are the committed schema's types, by name.
func schemaDefs(t *testing.T) map[string]schemaDef {
	t.Helper()
	var schema struct {
		Defs map[string]schemaDef `json:"$defs"`
	}
	b, err := os.ReadFile("../iamstack.schema.json")
	if err == nil {
		err = json.Unmarshal(b, &schema)
	}
	if err != nil {
		t.Fatal(err)
	}
	return schema.Defs
}

// trustModel is a valid model whose role TrustedR admits entry.
func trustModel(entry string) string {
	return `apiVersion: iamstack/v1
region: eu-west-1
accounts:
  - {name: identity, id: "111111111111", type: user-only}
  - {name: dev, id: "222222222222", type: dev}
roles:
  ChainR:
    statements: [{effect: Allow, actions: ["s3:ListAllMyBuckets"], resources: ["*"]}]
  TrustedR:
    statements: [{effect: Allow, actions: ["s3:ListAllMyBuckets"], resources: ["*"]}]
    trust:
      - ` + entry + `
users:
  alice: {grants: {ReadR: [dev]}}
`
}

// Every kind a trust may name has a key of the YAML type, an entry in the
// schema's exactly-one-of, a check that refuses a bad value at its key, and
// statements in the role's trust.
func TestEveryTrustKindIsComplete(t *testing.T) {
	keys := map[string]bool{}
	tt := reflect.TypeOf(model.Trust{})
	for i := 0; i < tt.NumField(); i++ {
		keys[strings.Split(tt.Field(i).Tag.Get("yaml"), ",")[0]] = true
	}
	var oneOf []string
	for _, o := range schemaDefs(t)["Trust"].OneOf {
		oneOf = append(oneOf, o.Required...)
	}
	if !slices.Equal(oneOf, model.TrustKinds) {
		t.Errorf("the schema's Trust names exactly one of %v, the kinds are %v: run make schema", oneOf, model.TrustKinds)
	}

	for _, kind := range model.TrustKinds {
		t.Run(kind, func(t *testing.T) {
			if !keys[kind] {
				t.Fatalf("model.Trust has no key %q", kind)
			}
			s, ok := trustSamples[kind]
			if !ok {
				t.Fatalf("no samples for trust kind %q in trustSamples", kind)
			}
			m, err := model.Parse("m.yaml", []byte(trustModel(s.good)))
			if err != nil {
				t.Fatalf("good sample refused: %v", err)
			}
			entries := m.RoleTrusts("TrustedR", "dev")
			if len(entries) != 1 {
				t.Fatalf("%d entries, want 1", len(entries))
			}
			ctx := model.TrustContext{Scheme: m.Scheme(), AccountID: "222222222222"}
			sts := entries[0].Statements(m, ctx)
			if len(sts) == 0 {
				t.Fatal("no statement")
			}
			for _, st := range sts {
				if st.Sid == "" || len(st.Principal) == 0 || len(st.Actions) == 0 {
					t.Errorf("statement without Sid, principal or action: %+v", st)
				}
			}
			if issuer, audience := entries[0].OIDCProvider(); (issuer == "") != (audience == "") {
				t.Errorf("issuer %q with audience %q: a provider needs both", issuer, audience)
			}

			_, err = model.Parse("m.yaml", []byte(trustModel(s.bad)))
			if err == nil || !strings.Contains(err.Error(), "roles.TrustedR.trust[0]."+kind+": ") {
				t.Errorf("bad sample: got %v, want a problem at roles.TrustedR.trust[0].%s", err, kind)
			}
		})
	}
}

// Reordering a role's entries moves no statement: accounts and roles keep
// the model's order among themselves, GitHub subjects and services become
// one statement each, after them.
func TestTrustOrderIsTheModelsAndKinds(t *testing.T) {
	entries := []string{`{service: lambda.amazonaws.com}`, `{github: "repo:a/b:ref:refs/heads/main"}`,
		`{account: "999988887777"}`, `{role: dev/ChainR}`, `{github: "repo:a/b:environment:prod"}`, `{service: ec2.amazonaws.com}`}
	m, err := model.Parse("m.yaml", []byte(trustModel(strings.Join(entries, "\n      - "))))
	if err != nil {
		t.Fatal(err)
	}
	var sids []string
	ctx := model.TrustContext{Scheme: m.Scheme(), AccountID: "222222222222"}
	for _, e := range m.RoleTrusts("TrustedR", "dev") {
		for _, st := range e.Statements(m, ctx) {
			sids = append(sids, st.Sid)
		}
	}
	want := []string{"Account999988887777", "Role222222222222ChainR", "GitHubActions", "Services"}
	if !slices.Equal(sids, want) {
		t.Errorf("statements %v, want %v", sids, want)
	}
	gh := m.RoleTrusts("TrustedR", "dev")[2].(model.GitHubTrust)
	if !slices.Equal(gh.Subjects, []string{"repo:a/b:ref:refs/heads/main", "repo:a/b:environment:prod"}) {
		t.Errorf("GitHub subjects %v", gh.Subjects)
	}
}

// A trust naming no kind, or two, is refused with the kinds it may name.
func TestTrustNamesExactlyOneKind(t *testing.T) {
	for _, entry := range []string{`{externalId: abc}`, `{account: "999988887777", service: lambda.amazonaws.com}`} {
		_, err := model.Parse("m.yaml", []byte(trustModel(entry)))
		if err == nil || !strings.Contains(err.Error(), "a trust names exactly one of account, role, github, oidc and service") {
			t.Errorf("%s: got %v", entry, err)
		}
	}
}
