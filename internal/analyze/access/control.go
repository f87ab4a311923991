package access

import (
	"slices"
	"strconv"
	"strings"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/evaluate"
	"github.com/iamstack/iamstack/internal/catalog"
	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/policy"
)

// The control plane of an account, as the escalation analysis sees it
// beyond the privilege-escalation methods: what signs in as a person (their
// first password), what makes a root session (sts:AssumeRoot), the stacks
// that hold iamstack's identities, and the names chained sessions take. A
// principal that may act on any of these gets a finding, whichever route
// it takes; and a contained principal (OpsR, and the roles it creates) gets
// a finding for every write the IAM catalog lists, in the services that
// confer power, on anything of the control plane, so that a route through
// an action nobody listed still shows.

// firstPassword is a console user's first-password secret.
type firstPassword struct {
	arn, user string
}

// ownStack is a stack iamstack creates in an account.
type ownStack struct {
	name, arn string
}

// addControl adds an account's share of what the inventory holds: the
// first-password secrets of its users and iamstack's stacks in it.
func (e *estate) addControl(inv *assembly.Inventory) {
	for _, sec := range inv.Secrets {
		if sec.Account == e.id && sec.Entity.Kind == metadata.EntityUser {
			e.firstPasswords = append(e.firstPasswords, firstPassword{sec.ARN, sec.Entity.Name})
		}
	}
	for _, st := range inv.Stacks {
		if st.Account == e.id && st.Name != "" {
			e.ownStacks = append(e.ownStacks, ownStack{st.Name,
				"arn:" + e.partition + ":cloudformation:" + st.Region + ":" + e.id + ":stack/" + st.Name + "/" + assembly.StackSetInstanceUUID})
		}
	}
}

// rootTaskPolicy is the root-task policy the analysis asks sts:AssumeRoot
// for: one that lets the session give the root user a password.
const rootTaskPolicy = "arn:aws:iam::aws:policy/root-task/IAMCreateRootUserPassword"

// foreignSessionName is the session name a caller chooses to pass for
// someone else.
const foreignSessionName = "someone-else"

// control adds the findings of p on the account's control plane.
func (s *search) control(p assembly.Principal, pr *prober, add func(method, action, target string, steps []string)) {
	for _, fp := range s.e.firstPasswords {
		for _, a := range []string{"secretsmanager:GetSecretValue", "secretsmanager:PutResourcePolicy"} {
			if pr.allowed(a, fp.arn, nil) {
				add("read a person's first password: sign in as them before they do, choose their password, enrol an MFA device and take their grants",
					a, "first password of "+fp.user, []string{a + " " + fp.arn, "sign in as " + fp.user})
				break
			}
		}
	}
	// No identity statement of most principals names sts:AssumeRoot; the
	// others are asked of every account's root, in one context.
	if len(pr.policies("sts:AssumeRoot").Identity) > 0 {
		s.assumeRoot(pr, add)
	}
	s.identityCenterControl(pr, add)
	for _, st := range s.e.ownStacks {
		if acts := first(pr.allowedActions("cloudformation", st.arn, s.stackRole()), stackChanges); len(acts) > 0 {
			add("change iamstack's own stack: a stack policy, termination protection, an update or a deletion that freezes, replaces or removes its identities",
				acts[0], "stack "+st.name, truncate(acts))
		}
	}
	if p.Kind == "role" {
		for _, e := range s.edges(p) {
			if !strings.HasPrefix(e.method, "assume a role") || e.to.Kind != "role" {
				continue
			}
			if pr.assumes(*e.to, map[string][]string{"sts:RoleSessionName": {foreignSessionName}}) {
				add("assume a role under a session name of its choosing: CloudTrail in the role's account names whoever the caller picks, not who made the first hop",
					"sts:AssumeRole", display(s.inv, *e.to), []string{"sts:AssumeRole " + e.to.ARN + " as session " + foreignSessionName})
			}
		}
	}
	if s.contained(p) {
		s.controlWrites(pr, "", add)
		for _, e := range s.creatable(pr) {
			s.controlWrites(s.prober(*e.to), "through a role it creates ("+strings.Join(e.path(), ", ")+"): ", add)
		}
	}
}

// assumeRoot adds a finding for every account whose root p may take a
// session of.
func (s *search) assumeRoot(pr *prober, add func(method, action, target string, steps []string)) {
	ctx := pr.with(map[string][]string{"sts:TaskPolicyArn": {rootTaskPolicy}})
	for _, id := range s.accountIDs() {
		root := "arn:" + s.e.partition + ":iam::" + id + ":root"
		if pr.allowedIn(ctx, "sts:AssumeRoot", root) {
			add("take a root session in the account (from the management account or a delegated administrator), and so full power there",
				"sts:AssumeRoot", "root of "+s.inv.Account(id).Name, []string{"sts:AssumeRoot " + root + " with " + rootTaskPolicy})
		}
	}
}

// identityCenterControl adds the findings of p on IAM Identity Center:
// the SAML provider its roles in the account trust, whose metadata decides
// who signs in as them, and in the instance's account its administration,
// which assigns any permission set to anyone.
func (s *search) identityCenterControl(pr *prober, add func(method, action, target string, steps []string)) {
	for _, provider := range s.e.ssoProviders {
		for _, a := range samlProviderWrites {
			if pr.allowed(a, provider, nil) {
				add("rewrite or replace Identity Center's SAML provider in the account: whoever controls its metadata signs in as any permission set's role there",
					a, "Identity Center's SAML provider in "+s.inv.Account(s.e.id).Name, []string{a + " " + provider})
				break
			}
		}
	}
	ic := s.inv.IdentityCenter
	if ic == nil || ic.Account != s.e.id {
		return
	}
	store := "arn:" + s.e.partition + ":identitystore::" + ic.Account + ":identitystore/" + ic.IdentityStoreID
	for _, a := range identityCenterAdministration {
		resource := ic.InstanceARN
		if strings.HasPrefix(a, "identitystore:") {
			resource = store
		}
		if pr.allowed(a, resource, nil) {
			add("administer IAM Identity Center: assign anyone, itself included, any permission set in any account, or change who is in a group",
				a, "Identity Center "+ic.InstanceARN, []string{a + " " + resource})
			return
		}
	}
}

// samlProviderWrites change what an IAM SAML provider trusts.
var samlProviderWrites = []string{"iam:UpdateSAMLProvider", "iam:DeleteSAMLProvider", "iam:CreateSAMLProvider"}

// identityCenterAdministration are the calls that decide who reaches which
// permission set, and what a permission set allows.
var identityCenterAdministration = []string{
	"sso:CreateAccountAssignment", "sso:CreatePermissionSet", "sso:PutInlinePolicyToPermissionSet",
	"sso:AttachManagedPolicyToPermissionSet", "sso:AttachCustomerManagedPolicyReferenceToPermissionSet",
	"sso:PutPermissionsBoundaryToPermissionSet", "sso:ProvisionPermissionSet", "sso:UpdatePermissionSet",
	"identitystore:CreateGroupMembership", "identitystore:CreateUser", "identitystore:UpdateUser",
}

// contained tells whether p is a principal iamstack contains: OpsR.
func (s *search) contained(p assembly.Principal) bool {
	return p.Kind == "role" && p.Entity.Kind == metadata.EntityRole && p.Entity.Name == opsRole
}

// opsRole is OpsR's name in the model.
const opsRole = "OpsR"

// controlWrites reports every write (access level Write, Permissions
// management or Tagging) of the catalog that pr may make on a resource of
// the account's control plane, each probed with its own service's writes:
// the services that confer power over the account (IAM, STS,
// CloudFormation, Secrets Manager, and S3, ECR and SSM of the deploy
// pipeline); and every write that names no resource, on the account as a
// whole, in accountServices, but deliberateAccountWrites.
func (s *search) controlWrites(pr *prober, how string, add func(method, action, target string, steps []string)) {
	ctx := s.stackRole()
	if s.controls == nil {
		s.controls = s.controlResources()
	}
	for _, r := range s.controls {
		if acts := pr.allowedActions(r.service, r.arn, ctx); len(acts) > 0 {
			add(how+"write to the account's control plane, which OpsR's containment keeps read-only", acts[0], r.what, truncate(acts))
		}
	}
	account := "account " + s.inv.Account(s.e.id).Name
	for _, svc := range accountServices {
		var acts []string
		for _, a := range pr.allowedActions(svc, "*", ctx) {
			if unscoped(a) && deliberateAccountWrites[a] == "" {
				acts = append(acts, a)
			}
		}
		if len(acts) > 0 {
			add(how+"change a setting of the whole account (a call that names no resource), which OpsR's containment keeps read-only", acts[0], account, truncate(acts))
		}
	}
}

// accountServices are the services whose calls that name no resource
// change who holds power in an account or its organization: IAM's account
// settings, STS's, Organizations', CloudFormation's (StackSets' access to
// the organization, extensions that run in every deploy), KMS's, IAM
// Identity Center's and its identity store's.
var accountServices = []string{"cloudformation", "identitystore", "iam", "kms", "organizations", "secretsmanager", "sso", "sts"}

// deliberateAccountWrites are the calls of accountServices that name no
// resource and that OpsR may make, with why each raises nobody's access.
// docs/security.md's "What OpsR can and cannot do" lists them; any other such
// call OpsR may make is a finding.
var deliberateAccountWrites = map[string]string{
	"cloudformation:CancelResourceRequest":   cloudControl,
	"cloudformation:CreateResource":          cloudControl,
	"cloudformation:DeleteResource":          cloudControl,
	"cloudformation:UpdateResource":          cloudControl,
	"cloudformation:CreateGeneratedTemplate": iacGenerator,
	"cloudformation:DeleteGeneratedTemplate": iacGenerator,
	"cloudformation:StartResourceScan":       iacGenerator,
	"cloudformation:UpdateGeneratedTemplate": iacGenerator,
	"cloudformation:CreateUploadBucket":      "the bucket the console uploads templates to; OpsR's stacks still run under its own roles",
	"cloudformation:CreateStackSet":          "only under a role of the ops path (StacksRunUnderOpsRoles), never service-managed, and with no instances (NoStackSetInstances)",
	"kms:CreateKey":                          "a new key, with a key policy OpsR writes: it is OpsR's, and reaches nothing OpsR could not reach",
	"kms:GenerateRandom":                     "returns random bytes; changes nothing",
	"kms:ConnectCustomKeyStore":              customKeyStores,
	"kms:CreateCustomKeyStore":               customKeyStores,
	"kms:DeleteCustomKeyStore":               customKeyStores,
	"kms:DisconnectCustomKeyStore":           customKeyStores,
	"kms:UpdateCustomKeyStore":               customKeyStores,
}

const (
	cloudControl    = "Cloud Control API: it changes a resource with the caller's own permissions (or a role it passes, only an ops role), so no more than OpsR may do directly"
	iacGenerator    = "the IaC generator scans resources into a template; it reads, and changes no resource"
	customKeyStores = "custom key stores hold keys for OpsR's services; disconnecting one stops those keys (as scheduling a key's deletion, which OpsR may do in kms, would), but grants nobody anything"
)

// unscoped tells whether an action names no resource type.
func unscoped(action string) bool {
	svc, name, _ := strings.Cut(action, ":")
	_, found := slices.BinarySearch(catalog.Get().Services[svc].Unscoped, name)
	return found
}

// controlResource is one resource of an account's control plane.
type controlResource struct{ service, what, arn string }

// controlResources are what no contained principal may change: every role,
// user, group and managed policy but those under the ops path and
// service-linked roles, every root of the organization's accounts, the
// deploy pipeline (its bucket, repository, version parameter and the
// CDKToolkit stack), and the first passwords. iamstack's own stacks are
// probed for every principal (control).
func (s *search) controlResources() []controlResource {
	scheme := names.Scheme{Partition: s.e.partition, Prefix: s.inv.Account(s.e.id).Prefix}
	ops := scheme.OpsPath()
	var out []controlResource
	iam := func(what, arn, path string) {
		if path != ops && !strings.HasPrefix(path, "/aws-service-role/") {
			out = append(out, controlResource{"iam", what, arn})
		}
	}
	for _, r := range s.e.roles {
		iam("role "+r.Name, r.ARN, r.Path)
	}
	for _, u := range s.e.users {
		iam("user "+u.Name, u.ARN, u.Path)
		out = append(out, controlResource{"iam", "MFA device of " + u.Name, s.e.iam("mfa/" + u.Name)})
	}
	for _, g := range s.e.groups {
		iam("group "+g.Name, g.ARN, "/")
	}
	for _, mp := range s.inv.ManagedPolicies {
		if mp.Account == s.e.id && !strings.Contains(mp.ARN, ":policy"+ops) {
			out = append(out, controlResource{"iam", "policy " + mp.Name, mp.ARN})
		}
	}
	for _, id := range s.accountIDs() {
		out = append(out, controlResource{"sts", "root of " + s.inv.Account(id).Name, "arn:" + s.e.partition + ":iam::" + id + ":root"})
	}
	out = append(out, s.e.pipeline...)
	for _, fp := range s.e.firstPasswords {
		out = append(out, controlResource{"secretsmanager", "first password of " + fp.user, fp.arn})
	}
	return out
}

// accountIDs are the IDs of every account of the inventory, sorted.
func (s *search) accountIDs() []string {
	if s.w == nil {
		return []string{s.e.id}
	}
	return s.w.accounts
}

// stackRole names a role of the ops path as the stack operation's
// role: the strongest request a contained principal can make.
func (s *search) stackRole() extraKeys {
	if s.stackRoleKeys.keys == nil {
		scheme := names.Scheme{Partition: s.e.partition, Prefix: s.inv.Account(s.e.id).Prefix}
		s.stackRoleKeys = newExtraKeys(map[string][]string{"cloudformation:RoleArn": {s.e.iam("role" + scheme.OpsPath() + probeName)}})
	}
	return s.stackRoleKeys
}

// extraKeys are keys a request's context adds, spelled once (contextKey)
// for the thousands of requests that share them.
type extraKeys struct {
	keys map[string][]string
	key  string
}

func newExtraKeys(keys map[string][]string) extraKeys { return extraKeys{keys, contextKey(keys)} }

// classKey is a request's extra keys (contextKey) and its resource's class
// (evaluate.ResourceClass).
type classKey struct{ extra, class string }

// allowedActions are the actions of a service, of access level Write,
// Permissions management or Tagging, that the principal may make on a
// resource, in the catalog's order.
//
// Resources the service's cut policies cannot tell apart
// (evaluate.ResourceClass) get the same actions, decided once: a contained
// principal is probed on the root of every account of the organization and
// every role and user of its own, and hundreds of accounts would otherwise
// cost hundreds of decisions of each write for each principal.
func (pr *prober) allowedActions(service, resource string, extra extraKeys) []string {
	v := pr.forService(service)
	if !v.mayReach(resource) {
		return nil
	}
	ctx := v.withKeys(extra)
	k := classKey{extra.key, evaluate.ResourceClass(ctx, v.base, resource)}
	if acts, ok := v.decided[k]; ok {
		return acts
	}
	// Every write at once: the view's statements are matched against the
	// resource and the context once, not once per write.
	decisions := evaluate.EvaluateActions(ctx, evaluate.Request{Principal: v.p.ARN, PrincipalAccount: v.p.Account,
		Resource: resource, ResourceAccount: v.s.e.id}, v.base, v.writes)
	var out []string
	for i, a := range v.writes {
		if decisions[i] == evaluate.Allow {
			out = append(out, a)
		}
	}
	v.decided[k] = out
	return out
}

// serviceView is a principal with its policies cut to the calls of one
// service (serviceOnly): it decides that service's calls as the principal
// does, and narrows hundreds of them from a few statements, not from
// ReadOnlyAccess's thousands of actions each time.
type serviceView struct {
	*prober
	// writes are the service's writes that an Allow of the cut identity
	// policies names: no other can be allowed.
	writes []string
	// reach are the Resource patterns of those Allows; anywhere is true
	// when one of them has NotResource, or a policy variable in a Resource,
	// which a pattern match cannot settle.
	reach    []string
	anywhere bool
	// decided are the writes allowed on a class of resources, by
	// contextKey and evaluate.ResourceClass (allowedActions).
	decided map[classKey][]string
}

// forService is the principal's view of one service, shared by the
// principals that hold the same policies.
func (pr *prober) forService(service string) *serviceView {
	k := narrowKey{pr.set, service}
	if v, ok := pr.s.services[k]; ok {
		return v
	}
	base := evaluate.Policies{Identity: serviceOnly(pr.base.Identity, service)}
	if pr.base.Boundary != nil {
		b := serviceOnly([]evaluate.Policy{*pr.base.Boundary}, service)
		if len(b) == 0 {
			// A boundary that names none of the service's calls allows none.
			b = []evaluate.Policy{{Name: pr.base.Boundary.Name}}
		}
		base.Boundary = &b[0]
	}
	v := &serviceView{prober: &prober{s: pr.s, p: pr.p, ctx: pr.ctx, base: base, set: pr.set + "\x00" + service,
		withExtra: map[string]evaluate.Context{}}, decided: map[classKey][]string{}}
	writes := pr.s.memo.serviceWrites(service)
	named := map[string]bool{}
	for _, pol := range base.Identity {
		for _, st := range pol.Document.Statements {
			if st.Effect != policy.Allow {
				continue
			}
			names := false
			for _, w := range writes {
				if len(st.NotActions) > 0 || slices.ContainsFunc(st.Actions, func(a string) bool { return policy.GlobFold(a, w) }) {
					named[w], names = true, true
				}
			}
			if !names {
				continue
			}
			v.anywhere = v.anywhere || len(st.NotResources) > 0
			for _, r := range st.Resources {
				v.anywhere = v.anywhere || strings.Contains(r, "${")
				v.reach = append(v.reach, r)
			}
		}
	}
	for _, w := range writes {
		if named[w] {
			v.writes = append(v.writes, w)
		}
	}
	pr.s.services[k] = v
	return v
}

// mayReach tells whether an Allow naming one of the writes may reach the
// resource: most control resources are reached by none, and need no
// decision.
func (v *serviceView) mayReach(resource string) bool {
	return len(v.writes) > 0 && (v.anywhere || slices.ContainsFunc(v.reach, func(r string) bool { return policy.Glob(r, resource) }))
}

// serviceOnly keeps, of each statement, the actions that can match a call
// of the service ("*", or a pattern whose service part matches it); a
// NotAction statement stays whole, and a statement left with no action goes.
// For the service's calls, the policies decide as before.
func serviceOnly(ps []evaluate.Policy, service string) []evaluate.Policy {
	var out []evaluate.Policy
	for _, p := range ps {
		var stmts []policy.Statement
		for _, st := range p.Document.Statements {
			if len(st.NotActions) > 0 {
				stmts = append(stmts, st)
				continue
			}
			var acts []string
			for _, a := range st.Actions {
				svc, _, ok := strings.Cut(a, ":")
				if a == "*" || (ok && policy.GlobFold(svc, service)) {
					acts = append(acts, a)
				}
			}
			if len(acts) > 0 {
				st.Actions = acts
				stmts = append(stmts, st)
			}
		}
		if len(stmts) > 0 {
			out = append(out, *evaluate.NewPolicy(p.Name, policy.Document{Statements: stmts}))
		}
	}
	return out
}

// serviceWrites are a service's actions that change something, sorted.
func serviceWrites(service string) []string {
	svc, ok := catalog.Get().Services[service]
	if !ok {
		return nil
	}
	var out []string
	for name, level := range svc.Actions {
		if level == "W" || level == "P" || level == "T" {
			out = append(out, service+":"+name)
		}
	}
	slices.Sort(out)
	return out
}

// maxSteps is how many actions a finding lists before it counts the rest.
const maxSteps = 8

func truncate(actions []string) []string {
	if len(actions) <= maxSteps {
		return actions
	}
	return append(slices.Clone(actions[:maxSteps]), "and "+strconv.Itoa(len(actions)-maxSteps)+" more")
}

// stackChanges are the stack calls a finding names first when they are
// allowed: those that change what the stack holds or whether it can
// change.
var stackChanges = []string{"cloudformation:SetStackPolicy", "cloudformation:UpdateStack", "cloudformation:DeleteStack",
	"cloudformation:UpdateTerminationProtection", "cloudformation:ExecuteStackRefactor"}

// first orders acts with those of preferred that it holds first, in
// preferred's order: the calls a finding names before the rest.
func first(acts, preferred []string) []string {
	var out []string
	for _, p := range preferred {
		if slices.Contains(acts, p) {
			out = append(out, p)
		}
	}
	for _, a := range acts {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}
