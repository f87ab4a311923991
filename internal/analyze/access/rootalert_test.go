//go:build cdk || integration

package access_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/analyze/assembly/assemblytest"
	"github.com/iamstack/iamstack/internal/analyze/evaluate"
	"github.com/iamstack/iamstack/internal/policy"
	"github.com/iamstack/iamstack/model"
)

// The root sign-in alert's topic takes messages from its own EventBridge
// rule alone, over TLS: another rule (of this account or another), a plain
// HTTP publish, a role of another account that allows itself sns:*, are
// refused, by both evaluators.
func TestRootAlertTopicTakesItsRuleAlone(t *testing.T) {
	m, err := model.Parse("m.yaml", append(iamstack.Example(), []byte("\nbaseline:\n  rootSignInAlert: {emails: [security@example.com]}\n")...))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(assemblytest.Templates(t, m), "infra-dev-baseline.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Resources map[string]struct{ Properties map[string]any }
	}
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	doc, err := policy.FromValue(tpl.Resources["RootSignInTopicPolicy"].Properties["PolicyDocument"])
	if err != nil {
		t.Fatal(err)
	}
	topicPolicy := &evaluate.Policy{Name: "topic", Document: doc}
	const dev, topic = "222222222222", "arn:aws:sns:us-east-1:222222222222:infra-root-sign-in"
	rule := "arn:aws:events:us-east-1:" + dev + ":rule/infra-root-sign-in"
	mayPublish := []evaluate.Policy{{Name: "sns", Document: policy.NewDocument(policy.Statement{
		Effect: policy.Allow, Actions: []string{"sns:*"}, Resources: []string{"*"}})}}
	// EventBridge publishes for the account whose rule fires, as the
	// differential test's services do.
	publish := func(what, principal, account string, ctx map[string][]string, identity []evaluate.Policy) case_ {
		return case_{what, evaluate.Request{Principal: principal, PrincipalAccount: account, Action: "sns:Publish",
			Resource: topic, ResourceAccount: dev, Context: ctx}, evaluate.Policies{Identity: identity, Resource: topicPolicy}}
	}
	cases := []case_{
		publish("its rule, over TLS", "events.amazonaws.com", dev, map[string][]string{"aws:SourceArn": {rule}, "aws:SecureTransport": {"true"}}, nil),
		publish("another rule of the account", "events.amazonaws.com", dev, map[string][]string{
			"aws:SourceArn": {"arn:aws:events:us-east-1:" + dev + ":rule/other"}, "aws:SecureTransport": {"true"}}, nil),
		publish("a rule of another account of that name", "events.amazonaws.com", dev, map[string][]string{
			"aws:SourceArn": {"arn:aws:events:us-east-1:999999999999:rule/infra-root-sign-in"}, "aws:SecureTransport": {"true"}}, nil),
		publish("its rule over plain HTTP", "events.amazonaws.com", dev, map[string][]string{"aws:SourceArn": {rule}, "aws:SecureTransport": {"false"}}, nil),
		publish("a role of another account allowed sns:*", "arn:aws:iam::999999999999:role/spam", "999999999999",
			map[string][]string{"aws:SecureTransport": {"true"}, "aws:PrincipalArn": {"arn:aws:iam::999999999999:role/spam"}}, mayPublish),
	}
	bothDecide(t, cases, []bool{true, false, false, false, false})
}
