package plan

import (
	"fmt"
	"strconv"

	"github.com/iamstack/iamstack/internal/cfn"
	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/policy"
)

// The logical IDs of a root sign-in alert's resources.
const (
	rootAlertTopic  = "RootSignInTopic"
	rootAlertPolicy = "RootSignInTopicPolicy"
	rootAlertRule   = "RootSignInRule"
)

// rootAlertIDs are the logical IDs of a root alert with n subscribers.
func rootAlertIDs(n int) []string {
	ids := []string{rootAlertTopic, rootAlertPolicy, rootAlertRule}
	for i := range n {
		ids = append(ids, rootAlertSubscription(i))
	}
	return ids
}

func rootAlertSubscription(i int) string { return "RootSignInSubscription" + strconv.Itoa(i+1) }

// baselineStacks are, when the model asks for a root sign-in alert, a stack
// per listed account in the region AWS sends the root user's events to.
// An OU's accounts, which no stack of their own reaches, get none.
func (b *builder) baselineStacks() []Stack {
	alert, ok := b.m.RootSignInAlert()
	if !ok {
		return nil
	}
	var out []Stack
	for _, name := range b.m.AccountNames() {
		a, _ := b.m.Account(name)
		st := b.newStack(a, b.s.BaselineStackID(name), b.s.BaselineStackName(), "alerts on the root user's activity")
		st.Kind = BaselineStack
		st.Region = names.GlobalEventsRegion(b.s.Partition)
		st.RootAlert = &RootAlert{Name: b.s.RootSignInAlertName(), Emails: alert.Emails, Entity: shared(a, "RootSignInAlert")}
		out = append(out, st)
	}
	return out
}

// rootAlert renders a root sign-in alert: the topic, only EventBridge's rule
// of this account publishing to it and only over TLS, its subscribers, and
// the rule on the root user's console sign-ins and API calls
// (AWS's knowledge-center rule, root-user-account-eventbridge-rule).
func (r *renderer) rootAlert(t *cfn.Template, a *RootAlert) {
	s := r.stack
	partition := names.PartitionOf(s.Region)
	topicARN := fmt.Sprintf("arn:%s:sns:%s:%s:%s", partition, s.Region, s.AccountID, a.Name)
	ruleARN := fmt.Sprintf("arn:%s:events:%s:%s:rule/%s", partition, s.Region, s.AccountID, a.Name)
	meta := func(supp []Suppression) []cfn.Field { return resourceMetadata(a.Entity, supp) }
	r.add(t, cfn.Resource{LogicalID: rootAlertTopic, Type: "AWS::SNS::Topic", Metadata: meta([]Suppression{{ID: "AwsSolutions-SNS2",
		Reason: "EventBridge cannot publish to a topic encrypted with the AWS managed key, and the alert says only that the root user acted: no secret to keep."}}),
		Properties: map[string]any{"TopicName": a.Name, "DisplayName": "Root user activity"}})
	doc := policy.NewDocument(
		policy.Statement{Sid: "EventBridgeRulePublishes", Effect: policy.Allow, Principal: policy.Principal{"Service": {"events.amazonaws.com"}},
			Actions: []string{"sns:Publish"}, Resources: []string{topicARN}, Conditions: policy.Conditions{"ArnEquals": {"aws:SourceArn": {ruleARN}}}},
		policy.Statement{Sid: "TLSOnly", Effect: policy.Deny, Principal: policy.Principal{"AWS": {"*"}},
			Actions: []string{"sns:Publish"}, Resources: []string{topicARN}, Conditions: policy.Conditions{"Bool": {"aws:SecureTransport": {"false"}}}})
	r.add(t, cfn.Resource{LogicalID: rootAlertPolicy, Type: "AWS::SNS::TopicPolicy", Metadata: meta(nil),
		Properties: map[string]any{"Topics": []any{cfn.Ref(rootAlertTopic)}, "PolicyDocument": r.document(doc)}})
	for i, e := range a.Emails {
		r.add(t, cfn.Resource{LogicalID: rootAlertSubscription(i), Type: "AWS::SNS::Subscription", Metadata: meta(nil),
			Properties: map[string]any{"Protocol": "email", "Endpoint": e, "TopicArn": cfn.Ref(rootAlertTopic)}})
	}
	r.add(t, cfn.Resource{LogicalID: rootAlertRule, Type: "AWS::Events::Rule", Metadata: meta(nil),
		Properties: map[string]any{"Name": a.Name, "Description": "The root user signed in or called an API.", "State": "ENABLED",
			"EventPattern": map[string]any{
				"detail-type": []any{"AWS Console Sign In via CloudTrail", "AWS API Call via CloudTrail"},
				"detail":      map[string]any{"userIdentity": map[string]any{"type": []any{"Root"}}}},
			"Targets": []any{map[string]any{"Id": rootAlertTopic, "Arn": cfn.Ref(rootAlertTopic)}}}})
}
