package evaluate

import (
	"math/rand/v2"
	"testing"

	"github.com/iamstack/iamstack/internal/policy"
)

// EvaluateActions decides every action as EvaluateIn decides it, on
// policies drawn at random from what changes a decision: effects, actions
// and NotActions with wildcards, resources and NotResources with variables,
// conditions on MFA, the user name and the principal's ARN, a boundary,
// resources IAM protects, another account, sts:AssumeRole without a trust.
func TestEvaluateActionsIsEvaluateIn(t *testing.T) {
	actions := []string{"iam:CreateRole", "iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:CreateAccessKey", "iam:DeleteRole",
		"sts:AssumeRole", "sts:TagSession", "s3:PutObject", "kms:Decrypt", "cloudformation:UpdateStack"}
	patterns := []string{"*", "iam:*", "iam:Create*", "iam:*RolePolicy", "sts:*", "s3:Put*", "kms:Decrypt", "cloudformation:*", "IAM:createrole"}
	resources := []string{"*", "arn:aws:iam::111111111111:role/*", "arn:aws:iam::111111111111:role/ops/*", "arn:aws:iam::111111111111:user/${aws:username}",
		"arn:aws:iam::*:role/aws-service-role/*", "arn:aws:s3:::bucket/*", "arn:aws:iam::222222222222:*"}
	targets := []string{"arn:aws:iam::111111111111:role/AdminR", "arn:aws:iam::111111111111:role/ops/Job", "arn:aws:iam::111111111111:user/alice",
		"arn:aws:iam::111111111111:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing",
		"arn:aws:s3:::bucket/key", "arn:aws:iam::222222222222:role/X"}
	conditions := []policy.Conditions{nil,
		{"Bool": {"aws:MultiFactorAuthPresent": {"true"}}},
		{"StringEquals": {"aws:username": {"alice"}}},
		{"ArnLike": {"aws:PrincipalArn": {"arn:aws:iam::111111111111:user/*"}}},
		{"Null": {"aws:MultiFactorAuthAge": {"true"}}},
		{"StringNotEquals": {"iam:PermissionsBoundary": {"arn:aws:iam::111111111111:policy/Boundary"}}},
	}
	r := rand.New(rand.NewPCG(7, 33))
	pick := func(from []string, n int) []string {
		var out []string
		for range n {
			out = append(out, from[r.IntN(len(from))])
		}
		return out
	}
	statement := func() policy.Statement {
		s := policy.Statement{Effect: policy.Allow, Conditions: conditions[r.IntN(len(conditions))]}
		if r.IntN(4) == 0 {
			s.Effect = policy.Deny
		}
		if r.IntN(5) == 0 {
			s.NotActions = pick(patterns, 1+r.IntN(2))
		} else {
			s.Actions = pick(patterns, 1+r.IntN(3))
		}
		if r.IntN(5) == 0 {
			s.NotResources = pick(resources, 1+r.IntN(2))
		} else {
			s.Resources = pick(resources, 1+r.IntN(2))
		}
		return s
	}
	doc := func() policy.Document {
		var stmts []policy.Statement
		for range 1 + r.IntN(4) {
			stmts = append(stmts, statement())
		}
		return policy.NewDocument(stmts...)
	}
	compared, allowed := 0, 0
	for range 3000 {
		ps := Policies{Identity: []Policy{{Name: "a", Document: doc()}}}
		if r.IntN(2) == 0 {
			ps.Identity = append(ps.Identity, Policy{Name: "b", Document: doc()})
		}
		if r.IntN(3) == 0 {
			ps.Boundary = &Policy{Name: "boundary", Document: doc()}
		}
		raw := map[string][]string{"aws:username": {pick([]string{"alice", "bob"}, 1)[0]},
			"aws:PrincipalArn": {"arn:aws:iam::111111111111:user/alice"}}
		if r.IntN(2) == 0 {
			raw["aws:MultiFactorAuthPresent"] = []string{"true"}
			raw["aws:MultiFactorAuthAge"] = []string{"60"}
		}
		if r.IntN(3) == 0 {
			raw["iam:PermissionsBoundary"] = []string{"arn:aws:iam::111111111111:policy/Boundary"}
		}
		ctx := NewContext(raw)
		target := targets[r.IntN(len(targets))]
		req := Request{Principal: "arn:aws:iam::111111111111:user/alice", PrincipalAccount: "111111111111", Resource: target,
			ResourceAccount: "111111111111"}
		if r.IntN(6) == 0 {
			req.ResourceAccount = "222222222222"
		}
		got := EvaluateActions(ctx, req, ps, actions)
		for i, a := range actions {
			one := req
			one.Action = a
			want := EvaluateIn(ctx, one, ps).Decision
			if got[i] != want {
				t.Fatalf("%s on %s: EvaluateActions %v, EvaluateIn %v\npolicies %+v\ncontext %v", a, target, got[i], want, ps, raw)
			}
			compared++
			if want == Allow {
				allowed++
			}
		}
	}
	// Every decision was made, and enough of each kind to mean something.
	if compared != 30000 || allowed < 1000 || allowed > 29000 {
		t.Errorf("%d decisions compared, %d allowed", compared, allowed)
	}
}
