package access

import (
	"cmp"
	"slices"
	"strings"

	"github.com/iamstack/iamstack/assembly"
	"github.com/iamstack/iamstack/evaluate"
)

// The privilege-escalation methods checked (Rhino Security Labs' list, as
// used by PMapper, cloudsplaining and Pacu), by the action that opens them
// and the kind of resource it targets.
var methods = []struct {
	method, action, target string
}{
	{"new policy version", "iam:CreatePolicyVersion", "policy"},
	{"switch policy version", "iam:SetDefaultPolicyVersion", "policy"},
	{"attach a policy to a user", "iam:AttachUserPolicy", "user"},
	{"inline policy on a user", "iam:PutUserPolicy", "user"},
	{"attach a policy to a group", "iam:AttachGroupPolicy", "group"},
	{"inline policy on a group", "iam:PutGroupPolicy", "group"},
	{"attach a policy to a role", "iam:AttachRolePolicy", "role"},
	{"inline policy on a role", "iam:PutRolePolicy", "role"},
	{"join a group", "iam:AddUserToGroup", "group"},
	{"rewrite a trust policy", "iam:UpdateAssumeRolePolicy", "role"},
	{"take over a user's keys", "iam:CreateAccessKey", "other-user"},
	{"take over a user's console", "iam:CreateLoginProfile", "other-user"},
	{"take over a user's console", "iam:UpdateLoginProfile", "other-user"},
}

// passRoleServices are the services that run code under a passed role.
var passRoleServices = map[string]string{
	"ec2:RunInstances":                 "ec2.amazonaws.com",
	"lambda:CreateFunction":            "lambda.amazonaws.com",
	"cloudformation:CreateStack":       "cloudformation.amazonaws.com",
	"glue:CreateDevEndpoint":           "glue.amazonaws.com",
	"datapipeline:CreatePipeline":      "datapipeline.amazonaws.com",
	"sagemaker:CreateNotebookInstance": "sagemaker.amazonaws.com",
	"codestar:CreateProject":           "codestar.amazonaws.com",
}

// adminProbes are actions only a principal with full power holds together.
var adminProbes = []string{"iam:CreateUser", "iam:PutRolePolicy", "ec2:RunInstances", "kms:Decrypt", "organizations:LeaveOrganization"}

const adminPolicyARNSuffix = ":iam::aws:policy/AdministratorAccess"

// escalations lists the escalation findings of a principal, or reports it as
// an administrator, which has nothing left to escalate to.
func escalations(inv *assembly.Inventory, p assembly.Principal) ([]Finding, bool) {
	partition := partitionOf(p.ARN)
	adminPolicy := "arn:" + partition + adminPolicyARNSuffix
	// People act with MFA sessions: the strongest case. An attacker attaches
	// AdministratorAccess.
	raw := Context(p, true)
	raw["iam:PolicyARN"] = []string{adminPolicy}
	ctx := evaluate.NewContext(raw)
	base := evaluate.Policies{Identity: p.Identity, Boundary: p.Boundary}
	allowed := func(action, resource string, extra map[string][]string, ps evaluate.Policies) (bool, []string) {
		c := ctx
		if len(extra) > 0 {
			c = ctx.With(extra)
		}
		if !evaluate.MayAllow(c, ps, action, resource) {
			return false, nil
		}
		r := evaluate.EvaluateIn(c, evaluate.Request{Principal: p.ARN, PrincipalAccount: p.Account, Action: action,
			Resource: resource, ResourceAccount: p.Account}, ps)
		return r.Decision == evaluate.Allow, r.AllowedBy
	}
	admin := true
	for _, a := range adminProbes {
		if ok, _ := allowed(a, "*", nil, evaluate.Narrow(base, a)); !ok {
			admin = false
		}
	}
	if admin {
		return nil, true
	}
	var out []Finding
	add := func(method, action, target string) {
		f := Finding{Principal: display(inv, p), PrincipalARN: p.ARN, Method: method, Action: action, Target: target}
		if p.Kind == "user" && slices.Contains(p.Groups, inv.Account(p.Account).Prefix+"-PowerG") {
			f.ByDesign = "PowerG holds full IAM power in the user-only account"
		}
		out = append(out, f)
	}
	for _, m := range methods {
		ps := evaluate.Narrow(base, m.action)
		if len(ps.Identity) == 0 {
			continue
		}
		for _, t := range targets(inv, p, m.target) {
			var extra map[string][]string
			if t.boundary != "" {
				extra = map[string][]string{"iam:PermissionsBoundary": {t.boundary}}
			}
			if ok, _ := allowed(m.action, t.arn, extra, ps); ok {
				add(m.method, m.action, t.name)
			}
		}
	}
	// A role that trusts a service can be passed to it and run as.
	passRole := evaluate.Narrow(base, "iam:PassRole")
	for _, r := range inv.Roles {
		if r.Account != p.Account || r.ARN == p.ARN || len(passRole.Identity) == 0 {
			continue
		}
		if ok, _ := allowed("iam:PassRole", r.ARN, nil, passRole); !ok {
			continue
		}
		for action, service := range passRoleServices {
			if !trustsService(r, service) {
				continue
			}
			if ok, _ := allowed(action, "*", nil, evaluate.Narrow(base, action)); ok {
				add("pass a role to "+service, "iam:PassRole+"+action, r.Name)
			}
		}
	}
	// Creating an unbounded role or user and granting it anything escalates.
	for _, create := range []struct{ action, attach, kind string }{
		{"iam:CreateRole", "iam:AttachRolePolicy", "role"}, {"iam:CreateUser", "iam:AttachUserPolicy", "user"},
	} {
		probe := "arn:" + partition + ":iam::" + p.Account + ":" + create.kind + "/iamstack-escalation-probe"
		okCreate, _ := allowed(create.action, probe, nil, evaluate.Narrow(base, create.action))
		okAttach, _ := allowed(create.attach, probe, nil, evaluate.Narrow(base, create.attach))
		if okCreate && okAttach {
			add("create an unbounded "+create.kind, create.action+"+"+create.attach, "a new "+create.kind+" without permissions boundary")
		}
	}
	sortFindings(out)
	return out, false
}

type target struct{ name, arn, boundary string }

func targets(inv *assembly.Inventory, p assembly.Principal, kind string) []target {
	var out []target
	switch kind {
	case "policy":
		for _, mp := range inv.ManagedPolicies {
			if mp.Account == p.Account {
				out = append(out, target{mp.Name, mp.ARN, ""})
			}
		}
	case "user", "other-user":
		for _, u := range inv.Users {
			if u.Account == p.Account && (kind == "user" || u.ARN != p.ARN) {
				out = append(out, target{u.Name, u.ARN, u.BoundaryARN})
			}
		}
	case "group":
		for _, g := range inv.Groups {
			if g.Account == p.Account {
				out = append(out, target{g.Name, g.ARN, ""})
			}
		}
	case "role":
		for _, r := range inv.Roles {
			if r.Account == p.Account {
				out = append(out, target{r.Name, r.ARN, r.BoundaryARN})
			}
		}
	}
	return out
}

func trustsService(r assembly.Principal, service string) bool {
	if r.Trust == nil {
		return false
	}
	for _, s := range r.Trust.Document.Statements {
		if s.Effect == "Allow" && slices.Contains(s.Principal["Service"], service) {
			return true
		}
	}
	return false
}

func partitionOf(arn string) string {
	if parts := strings.SplitN(arn, ":", 3); len(parts) == 3 {
		return parts[1]
	}
	return "aws"
}

func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Principal, b.Principal), cmp.Compare(a.Action, b.Action), cmp.Compare(a.Target, b.Target))
	})
}
