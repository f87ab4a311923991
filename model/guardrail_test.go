package model_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/policy"
	"github.com/iamstack/iamstack/model"
)

// guardrailSamples are, for every key of guardrails, a value the model
// accepts and one it refuses under that key. A guardrail kind without
// samples fails TestEveryGuardrailIsComplete: a new kind comes with its
// tests.
var guardrailSamples = map[string]struct{ good, bad string }{
	"regionRestriction": {`{regions: [eu-west-1], exemptRoles: [ReadR]}`, `{regions: [eu-west-9]}`},
	"rdsDeletePrevent":  {`{accounts: [dev]}`, `{resources: ["arn:aws:s3:::bucket"]}`},
	"custom": {`[{name: NoIGWDelete, statements: [{effect: Deny, actions: ["ec2:DeleteInternetGateway"], resources: ["*"]}]}]`,
		`[{name: NoIGWDelete, statements: [{effect: Allow, actions: ["ec2:DeleteInternetGateway"], resources: ["*"]}]}]`},
}

func guardrailModel(key, value string) string {
	return `apiVersion: iamstack/v1
region: eu-west-1
accounts:
  - {name: identity, id: "111111111111", type: user-only}
  - {name: dev, id: "222222222222", type: dev}
guardrails:
  ` + key + `: ` + value + `
users:
  alice: {grants: {ReadR: [dev]}}
`
}

// Every guardrail the model may configure has a schema entry, a check that
// refuses a bad value under its key, and deny statements in the accounts it
// covers, which leave out the roles it exempts.
func TestEveryGuardrailIsComplete(t *testing.T) {
	defs := schemaDefs(t)
	empty, err := model.Parse("m.yaml", []byte(strings.Replace(guardrailModel("custom", "[]"), "guardrails:\n  custom: []\n", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	builtIn := len(empty.GuardrailStatements("dev"))

	gt := reflect.TypeOf(model.Guardrails{})
	for i := 0; i < gt.NumField(); i++ {
		key := strings.Split(gt.Field(i).Tag.Get("yaml"), ",")[0]
		t.Run(key, func(t *testing.T) {
			if _, ok := defs["Guardrails"].Properties[key]; !ok {
				t.Errorf("the schema's Guardrails has no %q: run make schema", key)
			}
			s, ok := guardrailSamples[key]
			if !ok {
				t.Fatalf("no samples for guardrail %q in guardrailSamples", key)
			}
			m, err := model.Parse("m.yaml", []byte(guardrailModel(key, s.good)))
			if err != nil {
				t.Fatalf("good sample refused: %v", err)
			}
			stmts := m.GuardrailStatements("dev")
			if len(stmts) <= builtIn {
				t.Fatalf("%d statements in dev, the built-in guardrails alone give %d", len(stmts), builtIn)
			}
			for _, st := range stmts[builtIn:] {
				if st.Effect != policy.Deny {
					t.Errorf("a guardrail allows: %+v", st)
				}
			}
			if strings.Contains(s.good, "exemptRoles: [ReadR]") {
				doc := policy.NewDocument(stmts[builtIn:]...).JSON()
				if arn := m.Scheme().RoleARN("222222222222", "ReadR"); !strings.Contains(string(doc), arn) {
					t.Errorf("the exempted role %s is not left out:\n%s", arn, doc)
				}
			}
			_, err = model.Parse("m.yaml", []byte(guardrailModel(key, s.bad)))
			if err == nil || !strings.Contains(err.Error(), "guardrails."+key) {
				t.Errorf("bad sample: got %v, want a problem under guardrails.%s", err, key)
			}
		})
	}
}
