package access

import (
	"slices"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/policy"
)

// The escalation analysis does not stop at iamstack's templates: an account
// holds more than iamstack puts there, and most routes to administrator run
// through what stands beside it. Every account is analysed as a
// bootstrapped, Organizations-created account with an administrator made by
// hand (docs/security.md, "What OpsR can and cannot do"), plus whatever the model
// declares in standingResources.

const (
	// cdkQualifier is `cdk bootstrap`'s default qualifier.
	cdkQualifier = "hnb659fds"
	// managementAccount stands for the Organizations management account,
	// which the templates do not name.
	managementAccount = "000000000000"
)

// runsAs is a resource whose content decides what a role does: a stack
// deployed under a service role, a store the next deploy reads, a workload.
type runsAs struct {
	what   string // "stack application-stack", for findings
	arn    string
	action string // the call that changes what runs
	role   string // ARN of the role it runs under
}

// estate is one account as the escalation analysis sees it.
type estate struct {
	id, region, partition string
	roles, users          []assembly.Principal // iamstack's and standing
	groups                []assembly.Group
	boundaries            []string // customer managed policy ARNs a new principal may carry
	runners               []runsAs
	// stackRunners are stacks, also probed for DeleteStack.
	stackRunners []runsAs
	// firstPasswords, ownStacks and pipeline are the account's control
	// plane (control.go): people's first passwords, iamstack's stacks, and
	// what every `cdk deploy` of the account trusts.
	firstPasswords []firstPassword
	ownStacks      []ownStack
	pipeline       []controlResource
	// ssoProviders are the SAML providers the roles Identity Center
	// provisions in the account trust.
	ssoProviders []string
}

// estates builds every account of the inventory with its standing resources.
func estates(inv *assembly.Inventory) map[string]*estate {
	out := map[string]*estate{}
	get := func(id, region string) *estate {
		if e, ok := out[id]; ok {
			return e
		}
		e := &estate{id: id, region: region, partition: names.PartitionOf(region)}
		out[id] = e
		e.addDefaults()
		return e
	}
	for _, r := range inv.Roles {
		e := get(r.Account, r.Region)
		e.roles = append(e.roles, r)
		if r.PermissionSet != "" {
			for _, st := range r.Trust.Document.Statements {
				for _, p := range st.Principal["Federated"] {
					if !slices.Contains(e.ssoProviders, p) {
						e.ssoProviders = append(e.ssoProviders, p)
					}
				}
			}
		}
	}
	for _, u := range inv.Users {
		e := get(u.Account, u.Region)
		e.users = append(e.users, u)
	}
	for _, g := range inv.Groups {
		if e, ok := out[g.Account]; ok {
			e.groups = append(e.groups, g)
		}
	}
	for _, mp := range inv.ManagedPolicies {
		if e, ok := out[mp.Account]; ok {
			e.boundaries = append(e.boundaries, mp.ARN)
		}
	}
	for _, s := range inv.Standing {
		e, ok := out[s.Account]
		if !ok {
			continue
		}
		e.addStanding(s)
	}
	for _, e := range out {
		e.addControl(inv)
	}
	return out
}

func (e *estate) iam(resource string) string {
	return "arn:" + e.partition + ":iam::" + e.id + ":" + resource
}

func (e *estate) addStanding(s assembly.Standing) {
	switch s.Kind {
	case metadata.Role, metadata.User:
		p, _ := assembly.StandingPrincipal(s, e.partition, e.region)
		if s.Kind == metadata.Role {
			e.roles = append(e.roles, p)
		} else {
			e.users = append(e.users, p)
		}
	case metadata.Stack:
		// An update, or a change set executed later, runs under the stack's
		// service role unless the caller names another.
		r := runsAs{what: "stack " + s.Name, arn: "arn:" + e.partition + ":cloudformation:" + e.region + ":" + e.id + ":stack/" + s.Name + "/standing",
			action: "cloudformation:UpdateStack", role: s.RunsAs}
		cs := r
		cs.action = "cloudformation:CreateChangeSet"
		e.runners = append(e.runners, r, cs)
		e.stackRunners = append(e.stackRunners, r)
	case metadata.Workload:
		w := policy.Workloads[s.Service]
		e.runners = append(e.runners, runsAs{what: s.Service + " " + s.Name, arn: w.ARN(e.partition, e.region, e.id, s.Name),
			action: w.Action, role: s.RunsAs})
	}
}

// addDefaults adds what a bootstrapped, Organizations-created account holds:
// the CDK bootstrap roles, staging bucket and repository, an application
// stack deployed by `cdk deploy` under the execution role, Organizations'
// access role, and an administrator role and user made by hand.
func (e *estate) addDefaults() {
	p, acct, region := e.partition, e.id, e.region
	cdk := func(what string) string { return "cdk-" + cdkQualifier + "-" + what + "-" + acct + "-" + region }
	bucket := "arn:" + p + ":s3:::" + cdk("assets")
	repo := "arn:" + p + ":ecr:" + region + ":" + acct + ":repository/" + cdk("container-assets")
	execRole := e.iam("role/" + cdk("cfn-exec-role"))
	admin := []string{"arn:" + p + ":iam::aws:policy/AdministratorAccess"}
	trustAccount := func(id string) *policy.Document {
		d := policy.NewDocument(policy.Statement{Effect: policy.Allow, Principal: policy.Principal{"AWS": {"arn:" + p + ":iam::" + id + ":root"}},
			Actions: []string{"sts:AssumeRole"}})
		return &d
	}
	trustService := func(svc string) *policy.Document {
		d := policy.NewDocument(policy.Statement{Effect: policy.Allow, Principal: policy.Principal{"Service": {svc}},
			Actions: []string{"sts:AssumeRole"}})
		return &d
	}
	allow := func(resources []string, actions ...string) *policy.Document {
		d := policy.NewDocument(policy.Statement{Effect: policy.Allow, Actions: actions, Resources: resources})
		return &d
	}
	for _, s := range []metadata.Standing{
		{Kind: metadata.Role, Name: cdk("cfn-exec-role"), ManagedPolicyArns: admin, Trust: trustService("cloudformation.amazonaws.com")},
		{Kind: metadata.Role, Name: cdk("deploy-role"), Trust: trustAccount(acct), Policy: &policy.Document{Statements: []policy.Statement{
			{Effect: policy.Allow, Actions: []string{"cloudformation:*"}, Resources: []string{"*"}},
			{Effect: policy.Allow, Actions: []string{"iam:PassRole"}, Resources: []string{execRole}},
			{Effect: policy.Allow, Actions: []string{"s3:Get*", "s3:List*"}, Resources: []string{bucket, bucket + "/*"}},
		}}},
		{Kind: metadata.Role, Name: cdk("file-publishing-role"), Trust: trustAccount(acct),
			Policy: allow([]string{bucket, bucket + "/*"}, "s3:Abort*", "s3:DeleteObject*", "s3:GetBucket*", "s3:GetObject*", "s3:List*", "s3:PutObject*")},
		{Kind: metadata.Role, Name: cdk("image-publishing-role"), Trust: trustAccount(acct),
			Policy: allow([]string{repo}, "ecr:BatchCheckLayerAvailability", "ecr:CompleteLayerUpload", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart")},
		{Kind: metadata.Role, Name: cdk("lookup-role"), Trust: trustAccount(acct),
			ManagedPolicyArns: []string{"arn:" + p + ":iam::aws:policy/ReadOnlyAccess"}},
		{Kind: metadata.Role, Name: "OrganizationAccountAccessRole", ManagedPolicyArns: admin, Trust: trustAccount(managementAccount)},
		{Kind: metadata.Role, Name: "unmanaged-admin", ManagedPolicyArns: admin, Trust: trustAccount(acct)},
		{Kind: metadata.User, Name: "unmanaged-admin", ManagedPolicyArns: admin},
		{Kind: metadata.Stack, Name: "application-stack", RunsAs: execRole},
	} {
		e.addStanding(assembly.Standing{Standing: s, Account: acct})
	}
	e.runners = append(e.runners,
		runsAs{what: "the CDK staging bucket (the next deploy's templates)", arn: bucket + "/" + stagingObjectProbe, action: "s3:PutObject", role: execRole},
		runsAs{what: "the CDK container asset repository", arn: repo, action: "ecr:PutImage", role: execRole})
	e.pipeline = []controlResource{
		{"s3", "the CDK staging bucket", bucket},
		{"s3", "the CDK staging bucket's templates", bucket + "/" + stagingObjectProbe},
		{"ecr", "the CDK container asset repository", repo},
		{"ssm", "the CDK bootstrap version parameter", "arn:" + p + ":ssm:" + region + ":" + acct + ":parameter/cdk-bootstrap/" + cdkQualifier + "/version"},
		{"cloudformation", "stack CDKToolkit", "arn:" + p + ":cloudformation:" + region + ":" + acct + ":stack/CDKToolkit/" + assembly.StackSetInstanceUUID},
	}
}

// stagingObjectProbe is the object key probed in the staging bucket: the
// CDK names a template asset by its SHA-256.
const stagingObjectProbe = "0000000000000000000000000000000000000000000000000000000000000000.json"
