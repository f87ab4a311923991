//go:build cdk || integration

package access_test

import (
	"testing"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/evaluate"
	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/internal/policy"
	"github.com/iamstack/iamstack/model"
)

// nearMiss is one request against a role's trust, what it must get, and
// whether the independent simulator can decide it: in its strict mode it
// does not take an OIDC issuer's claims from the request (it reports the
// condition unmatched with the right values), so it confirms refusals of
// web identities only.
type nearMiss struct {
	what     string
	req      evaluate.Request
	identity []evaluate.Policy
	allow    bool
	oracle   bool
}

// decideNearMisses runs every nearMiss on trust through iamstack's evaluator and,
// where it can, the independent one.
func decideNearMisses(t *testing.T, trust *evaluate.Policy, attacks []nearMiss) {
	t.Helper()
	var cases []case_
	var asked []nearMiss
	for _, a := range attacks {
		c := case_{a.what, a.req, evaluate.Policies{Identity: a.identity, Resource: trust}}
		if ours := evaluate.Evaluate(c.req, c.ps).Decision == evaluate.Allow; ours != a.allow {
			t.Errorf("%s: want allowed=%v; iamstack %v", a.what, a.allow, ours)
		}
		if a.oracle {
			cases, asked = append(cases, c), append(asked, a)
		}
	}
	for i, answer := range askOracle(t, cases) {
		if (answer.Result == "Allowed") != asked[i].allow {
			t.Errorf("%s: want allowed=%v; the independent simulator %s %s", asked[i].what, asked[i].allow, answer.Result, answer.Detail)
		}
	}
}

// withoutCondition is a copy of a trust without the condition key: what the near
// misses must then get through, so that a test of it can fail.
func withoutCondition(trust *evaluate.Policy, key string) *evaluate.Policy {
	doc := policy.Document{}
	for _, st := range trust.Document.Statements {
		c := policy.Conditions{}
		for op, keys := range st.Conditions {
			for k, v := range keys {
				if k != key {
					if c[op] == nil {
						c[op] = map[string][]string{}
					}
					c[op][k] = v
				}
			}
		}
		st.Conditions = c
		doc.Statements = append(doc.Statements, st)
	}
	return &evaluate.Policy{Name: trust.Name + " without " + key, Document: doc}
}

// admitsOnlyWith fails unless the near miss gets through the trust without
// the condition key: the key is what refuses it.
func admitsOnlyWith(t *testing.T, trust *evaluate.Policy, key string, n nearMiss) {
	t.Helper()
	ps := evaluate.Policies{Identity: n.identity, Resource: withoutCondition(trust, key)}
	if evaluate.Evaluate(n.req, ps).Decision != evaluate.Allow {
		t.Errorf("%s: refused even without %s; the test would not see it go", n.what, key)
	}
}

// webIdentity is a token of issuer for role with claims, presented to STS.
func webIdentity(account, issuer string, role assembly.Principal, claims map[string]string) evaluate.Request {
	ctx := map[string][]string{}
	for k, v := range claims {
		ctx[issuer+":"+k] = []string{v}
	}
	return evaluate.Request{Principal: "arn:aws:iam::" + account + ":oidc-provider/" + issuer, PrincipalAccount: account,
		Action: "sts:AssumeRoleWithWebIdentity", Resource: role.ARN, ResourceAccount: role.Account, Context: ctx}
}

// mayAssume is an identity policy that allows every STS call: an outside
// principal's own side, so that only the trust decides.
var mayAssume = []evaluate.Policy{{Name: "sts", Document: policy.NewDocument(policy.Statement{
	Effect: policy.Allow, Actions: []string{"sts:*"}, Resources: []string{"*"}})}}

// Every trust beyond people the migration example writes admits exactly
// what it names: an EKS cluster's service account, a GitLab pipeline on
// main, each environment's workflow in its own account only, a role of the
// tooling account iamstack does not manage by its exact ARN, and an audit
// firm only with its external ID and a young MFA session. The attacks are
// the near misses an attacker controls: another service account or
// namespace, another audience or provider, another branch, project or ref
// type, the other environment, a look-alike role, no or old MFA.
func TestOutsideTrustsHoldAgainstNearMisses(t *testing.T) {
	f := named(t, "examples/platform-migration.yaml")
	dev, _ := f.m.Account("dev")
	prod, _ := f.m.Account("prod")
	const eks = "oidc.eks.eu-central-1.amazonaws.com/id/5C2E1F0A9B8D7E6F5A4B3C2D1E0F9A8B"
	const github = "token.actions.githubusercontent.com"

	t.Run("EKS service account", func(t *testing.T) {
		pod := roleIn(t, f, "prod", "PaymentsPodR")
		sa := func(sub, aud string) evaluate.Request {
			return webIdentity(prod.ID, eks, pod, map[string]string{"sub": sub, "aud": aud})
		}
		other := sa("system:serviceaccount:payments:api", "sts.amazonaws.com")
		other.Principal = "arn:aws:iam::" + prod.ID + ":oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/FFFF1F0A9B8D7E6F5A4B3C2D1E0F9A8B"
		worker := nearMiss{what: "another service account of the namespace", req: sa("system:serviceaccount:payments:worker", "sts.amazonaws.com"), oracle: true}
		admitsOnlyWith(t, pod.Trust, eks+":sub", worker)
		decideNearMisses(t, pod.Trust, []nearMiss{
			{what: "the payments api service account", req: sa("system:serviceaccount:payments:api", "sts.amazonaws.com"), allow: true},
			worker,
			{what: "a service account of that name in another namespace", req: sa("system:serviceaccount:default:api", "sts.amazonaws.com"), oracle: true},
			{what: "a token for another audience", req: sa("system:serviceaccount:payments:api", "https://kubernetes.default.svc"), oracle: true},
			{what: "the same subject from another cluster", req: other, oracle: true},
		})
	})

	t.Run("GitLab pipeline", func(t *testing.T) {
		pipeline := roleIn(t, f, "dev", "PipelineR")
		job := func(sub string) evaluate.Request {
			return webIdentity(dev.ID, "gitlab.com", pipeline, map[string]string{"sub": sub, "aud": "https://gitlab.com"})
		}
		decideNearMisses(t, pipeline.Trust, []nearMiss{
			{what: "the infra project on main", req: job("project_path:acme/infra:ref_type:branch:ref:main"), allow: true},
			{what: "a feature branch", req: job("project_path:acme/infra:ref_type:branch:ref:feature"), oracle: true},
			{what: "a tag named main", req: job("project_path:acme/infra:ref_type:tag:ref:main"), oracle: true},
			{what: "a fork's main", req: job("project_path:mallory/infra:ref_type:branch:ref:main"), oracle: true},
		})
	})

	t.Run("per-account GitHub environments", func(t *testing.T) {
		for _, c := range []struct {
			account       model.Account
			own, other    string
			accountName   string
			otherAccounts string
		}{{dev, "dev", "prod", "dev", "prod"}, {prod, "prod", "dev", "prod", "dev"}} {
			deploy := roleIn(t, f, c.accountName, "DeployR")
			env := func(e string) evaluate.Request {
				return webIdentity(c.account.ID, github, deploy, map[string]string{"sub": "repo:acme/shop:environment:" + e, "aud": "sts.amazonaws.com"})
			}
			decideNearMisses(t, deploy.Trust, []nearMiss{
				{what: c.accountName + "'s own environment", req: env(c.own), allow: true},
				{what: "the " + c.other + " environment's workflow in " + c.accountName, req: env(c.other), oracle: true},
			})
		}
	})

	t.Run("a role outside the model by ARN", func(t *testing.T) {
		deploy := roleIn(t, f, "prod", "DeployR")
		as := func(arn string) evaluate.Request {
			account := arn[len("arn:aws:iam::") : len("arn:aws:iam::")+12]
			return evaluate.Request{Principal: arn, PrincipalAccount: account, Action: "sts:AssumeRole", Resource: deploy.ARN,
				ResourceAccount: prod.ID, Context: map[string][]string{"aws:PrincipalArn": {arn}, "aws:PrincipalAccount": {account}}}
		}
		other := nearMiss{what: "another role of the tooling account", req: as("arn:aws:iam::300000000002:role/ci/other-runner"), identity: mayAssume, oracle: true}
		admitsOnlyWith(t, deploy.Trust, "aws:PrincipalArn", other)
		decideNearMisses(t, deploy.Trust, []nearMiss{
			{what: "the Terraform runner", req: as("arn:aws:iam::300000000002:role/ci/terraform-runner"), identity: mayAssume, allow: true, oracle: true},
			other,
			{what: "a role of that name at another path", req: as("arn:aws:iam::300000000002:role/terraform-runner"), identity: mayAssume, oracle: true},
			{what: "a role of that path and name in another account", req: as("arn:aws:iam::999999999999:role/ci/terraform-runner"), identity: mayAssume, oracle: true},
		})
	})

	t.Run("an outside account with MFA", func(t *testing.T) {
		auditor := roleIn(t, f, "prod", "AuditorR")
		firm := func(ctx map[string][]string) evaluate.Request {
			ctx["aws:PrincipalArn"] = []string{"arn:aws:iam::999900001111:user/auditor"}
			return evaluate.Request{Principal: "arn:aws:iam::999900001111:user/auditor", PrincipalAccount: "999900001111", Action: "sts:AssumeRole",
				Resource: auditor.ARN, ResourceAccount: prod.ID, Context: ctx}
		}
		withMFA := func(age string, externalID ...string) map[string][]string {
			ctx := map[string][]string{"aws:MultiFactorAuthPresent": {"true"}, "aws:MultiFactorAuthAge": {age}}
			if len(externalID) > 0 {
				ctx["sts:ExternalId"] = externalID
			}
			return ctx
		}
		old := nearMiss{what: "an auditor whose MFA is two hours old", req: firm(withMFA("7200", "acme-audit-2026")), identity: mayAssume, oracle: true}
		admitsOnlyWith(t, auditor.Trust, "aws:MultiFactorAuthAge", old)
		decideNearMisses(t, auditor.Trust, []nearMiss{
			{what: "an auditor with the external ID and fresh MFA", req: firm(withMFA("60", "acme-audit-2026")), identity: mayAssume, allow: true, oracle: true},
			{what: "an auditor without MFA", req: firm(map[string][]string{"sts:ExternalId": {"acme-audit-2026"}}), identity: mayAssume, oracle: true},
			old,
			{what: "an auditor without the external ID", req: firm(withMFA("60")), identity: mayAssume, oracle: true},
		})
	})
}

// Session tags and source identity reach the callers the role trusts
// beyond people as they reach people: a CI/CD user tags its session only
// with the keys the role names (configure-aws-credentials tags sessions)
// and names its session only after itself; an outside account tags with
// those keys and, naming its own callers, sets any source identity. No
// tag is transitive. Decided from the plan, by both evaluators.
func TestMachinesAndAccountsPassWhatTheRoleAllows(t *testing.T) {
	m, err := model.Parse("tags.yaml", []byte(`apiVersion: iamstack/v1
region: eu-west-1
accounts:
  - {name: identity, id: "111111111111", type: user-only}
  - {name: dev, id: "222222222222", type: dev}
roles:
  TaggedR:
    statements: [{effect: Allow, actions: ["s3:ListAllMyBuckets"], resources: ["*"]}]
    sessionTags: [Repository, Workflow]
    sourceIdentity: true
  VendorR:
    statements: [{effect: Allow, actions: ["s3:ListAllMyBuckets"], resources: ["*"]}]
    sessionTags: [Repository, Workflow]
    sourceIdentity: true
    trust:
      - {account: "999911112222"}
users:
  alice: {grants: {ReadR: [dev]}}
cicdUsers:
  ci: {account: dev, roles: [TaggedR]}
`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.New(m)
	if err != nil {
		t.Fatal(err)
	}
	trusts := map[string]*evaluate.Policy{}
	for _, st := range p.Stacks {
		for _, r := range st.Roles {
			trusts[r.Name] = &evaluate.Policy{Name: r.Name + " trust", Document: r.Trust}
		}
	}
	if trusts["infra-TaggedR"] == nil || trusts["infra-VendorR"] == nil {
		t.Fatalf("roles in the plan: %v", trusts)
	}
	const ci = "arn:aws:iam::222222222222:user/infra-cicd/ci"
	const vendor = "arn:aws:iam::999911112222:role/vendor"
	role := "arn:aws:iam::222222222222:role/infra-TaggedR"
	call := func(principal, action string, ctx map[string][]string) evaluate.Request {
		account := principal[len("arn:aws:iam::") : len("arn:aws:iam::")+12]
		ctx["aws:PrincipalArn"] = []string{principal}
		ctx["aws:PrincipalAccount"] = []string{account}
		if principal == ci {
			ctx["aws:username"] = []string{"ci"}
		}
		return evaluate.Request{Principal: principal, PrincipalAccount: account, Action: action, Resource: role, ResourceAccount: "222222222222", Context: ctx}
	}
	tags := func(keys ...string) map[string][]string { return map[string][]string{"aws:TagKeys": keys} }
	decideNearMisses(t, trusts["infra-TaggedR"], []nearMiss{
		{what: "the CI/CD user assumes", req: call(ci, "sts:AssumeRole", map[string][]string{}), allow: true, oracle: true},
		{what: "the CI/CD user tags with the role's keys", req: call(ci, "sts:TagSession", tags("Repository", "Workflow")), allow: true, oracle: true},
		{what: "the CI/CD user tags with another key", req: call(ci, "sts:TagSession", tags("Repository", "Actor")), oracle: true},
		{what: "the CI/CD user makes a tag transitive", req: call(ci, "sts:TagSession",
			map[string][]string{"aws:TagKeys": {"Repository"}, "sts:TransitiveTagKeys": {"Repository"}}), oracle: true},
		{what: "the CI/CD user names itself", req: call(ci, "sts:SetSourceIdentity", map[string][]string{"sts:SourceIdentity": {"ci"}}), allow: true, oracle: true},
		{what: "the CI/CD user passes for alice", req: call(ci, "sts:SetSourceIdentity", map[string][]string{"sts:SourceIdentity": {"alice"}}), oracle: true},
	})
	role = "arn:aws:iam::222222222222:role/infra-VendorR"
	decideNearMisses(t, trusts["infra-VendorR"], []nearMiss{
		{what: "the trusted account tags with the role's keys", req: call(vendor, "sts:TagSession", tags("Workflow")), identity: mayAssume, allow: true, oracle: true},
		{what: "the trusted account tags with another key", req: call(vendor, "sts:TagSession", tags("infra-grant-AdminR")), identity: mayAssume, oracle: true},
		{what: "the trusted account names its caller", req: call(vendor, "sts:SetSourceIdentity", map[string][]string{"sts:SourceIdentity": {"auditor-7"}}), identity: mayAssume, allow: true, oracle: true},
		{what: "another account tags", req: call("arn:aws:iam::999999999999:role/x", "sts:TagSession", tags("Workflow")), identity: mayAssume, oracle: true},
	})
}
