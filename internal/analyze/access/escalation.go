package access

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/evaluate"
	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/policy"
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

// probeRegions are regions a region restriction is looked for in.
var probeRegions = []string{"ap-southeast-2", "sa-east-1", "me-south-1", "us-west-2"}

// reachDepth bounds the chains the analysis follows from one principal
// through others (assume, rewrite a trust, take over a user, write what a
// role runs): PMapper's graphs rarely need more.
const reachDepth = 3

const adminPolicyARNSuffix = ":iam::aws:policy/AdministratorAccess"

// probeName names the principals and groups the analysis imagines creating.
const probeName = "iamstack-escalation-probe"

// search is the escalation analysis of one account.
type search struct {
	inv         *assembly.Inventory
	e           *estate
	adminPolicy string
	admin       map[principalKey]bool
	reach       map[principalKey][]string // chain to full power; absent: none
	visiting    map[principalKey]bool
	probers     map[principalKey]*prober
	// memo is shared with the searches run by the same goroutine
	// (searchAll).
	memo    *memo
	edgesOf map[principalKey][]edge
	targets map[string]*targetSet // by kind, "other-user" under "user"
	// services are policy sets cut to one service (prober.forService), by
	// policy set and service.
	services map[narrowKey]*serviceView
	// masks are allowedOn's answers, by maskKey.
	masks map[maskKey][]int
	// controls are the account's control plane (controlResources), listed
	// once: every account's root among them.
	controls []controlResource
	// stackRoleKeys are the context of a stack operation under an ops
	// role (stackRole).
	stackRoleKeys extraKeys
	// w is every account's search: a chain that assumes a role in another
	// account goes on in that account's search.
	w *world
}

// world is the searches of every account, and which roles each account
// may be admitted by.
type world struct {
	searches map[string]*search // by account ID
	// trusting lists, by the account ID a role's trust names as an AWS
	// principal (its root or one of its principals), the roles of every
	// account, iamstack's and standing; under "*", those whose trust may
	// admit any account (a wildcard, NotPrincipal, or a value not read).
	trusting map[string][]*assembly.Principal
	// accounts are the IDs of every account, sorted.
	accounts []string
}

func newWorld(searches map[string]*search) *world {
	w := &world{searches: searches, trusting: map[string][]*assembly.Principal{}, accounts: slices.Sorted(maps.Keys(searches))}
	for _, id := range slices.Sorted(maps.Keys(searches)) {
		roles := searches[id].e.roles
		for i := range roles {
			r := &roles[i]
			for _, acct := range trustedAccounts(*r) {
				w.trusting[acct] = append(w.trusting[acct], r)
			}
		}
		searches[id].w = w
	}
	return w
}

// trustedAccounts are the account IDs a role's trust names as AWS
// principals, or "*" where it may admit any: a role's trust admits an IAM
// principal only if it lists the principal's account here, or "*". ARNs
// under another principal type count as well, since the evaluator matches
// those exactly (a service's name never equals a caller's ARN).
func trustedAccounts(r assembly.Principal) []string {
	if r.Trust == nil {
		return nil
	}
	seen := map[string]bool{}
	for _, st := range r.Trust.Document.Statements {
		if st.Effect != policy.Allow {
			continue
		}
		if len(st.NotPrincipal) > 0 {
			seen["*"] = true
		}
		for typ, vs := range st.Principal {
			for _, v := range vs {
				id := principalAccount(v)
				switch {
				case typ != "AWS" && strings.Count(v, ":") < 5:
					// A service or a provider's name, never a caller.
				case names.IsAccountToken(id):
					seen[id] = true
				default:
					seen["*"] = true
				}
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// owner is the search of p's account.
func (s *search) owner(p assembly.Principal) *search {
	if s.w != nil {
		if o, ok := s.w.searches[p.Account]; ok {
			return o
		}
	}
	return s
}

func newSearch(inv *assembly.Inventory, e *estate) *search {
	return &search{inv: inv, e: e, adminPolicy: "arn:" + e.partition + adminPolicyARNSuffix,
		admin: map[principalKey]bool{}, reach: map[principalKey][]string{}, visiting: map[principalKey]bool{},
		probers: map[principalKey]*prober{}, edgesOf: map[principalKey][]edge{}, masks: map[maskKey][]int{}, targets: map[string]*targetSet{},
		services: map[narrowKey]*serviceView{}}
}

func (s *search) isAdmin(p assembly.Principal) bool {
	k := key(p)
	if v, ok := s.admin[k]; ok {
		return v
	}
	v := fullPower(s.prober(p))
	s.admin[k] = v
	return v
}

// fullPower tells whether a principal may do everything adminProbes asks:
// an administrator, which has nothing left to escalate to and whose edges
// no search follows.
func fullPower(pr *prober) bool {
	for _, a := range adminProbes {
		if !pr.allowed(a, "*", nil) {
			return false
		}
	}
	return true
}

// principalKey tells principals apart in a search's caches: a role the
// analysis imagines creating shares its ARN with others of its kind, but
// not its boundary and policies. A struct, not a string made of the three:
// the search asks for keys millions of times.
type principalKey struct{ arn, boundary, policy string }

func key(p assembly.Principal) principalKey {
	k := principalKey{arn: p.ARN}
	if p.Boundary != nil {
		k.boundary = p.Boundary.Name
	}
	if n := len(p.Identity); n > 0 {
		k.policy = p.Identity[n-1].Name
	}
	return k
}

// edge is one way a principal acts as another: the steps it takes and who
// it then is. Every principal's edges are kept for the whole analysis, so an
// edge points at the principal it leads to instead of holding a copy.
type edge struct {
	method string
	steps  []string
	// takeOver is a take-over's call, whose one step, the call on the
	// user, is made when asked (path): an administrator of thousands of
	// users has thousands of such edges, and few lead anywhere.
	takeOver string
	to       *assembly.Principal
}

// path is the steps the edge takes.
func (e edge) path() []string {
	if e.takeOver != "" {
		return []string{e.takeOver + " " + e.to.Name}
	}
	return e.steps
}

// edges are the ways p acts as another principal of the account.
func (s *search) edges(p assembly.Principal) []edge {
	k := key(p)
	if e, ok := s.edgesOf[k]; ok {
		return e
	}
	out := s.findEdges(p)
	s.edgesOf[k] = out
	return out
}

func (s *search) findEdges(p assembly.Principal) []edge {
	pr := s.prober(p)
	var out []edge
	for i := range s.e.roles {
		r := &s.e.roles[i]
		if r.ARN == p.ARN {
			continue
		}
		if pr.assumes(*r, nil) {
			out = append(out, edge{method: "assume a role", steps: []string{"sts:AssumeRole " + r.Name}, to: r})
		}
		if pr.allowed("iam:UpdateAssumeRolePolicy", r.ARN, nil) {
			out = append(out, edge{method: "rewrite a trust policy, then assume the role",
				steps: []string{"iam:UpdateAssumeRolePolicy " + r.Name + " (to trust the caller, or an account or identity provider outside)", "sts:AssumeRole " + r.Name}, to: r})
		}
		if pr.allowed("iam:PassRole", r.ARN, nil) {
			for _, action := range slices.Sorted(maps.Keys(passRoleServices)) {
				if trustsService(*r, passRoleServices[action]) && pr.allowed(action, "*", nil) {
					out = append(out, edge{method: "pass a role to " + passRoleServices[action],
						steps: []string{"iam:PassRole " + r.Name, action + " running as " + r.Name}, to: r})
				}
			}
		}
	}
	// Every other user, decided once per class of users the principal's
	// policies cannot tell apart (allowedOn): an IAM administrator of
	// thousands of users is not probed thousands of times per action.
	takeOver := []string{"iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"}
	users := s.targetSet("user")
	allowed := make([][]int, len(takeOver))
	for i, a := range takeOver {
		allowed[i] = pr.allowedOn(a, users)
	}
	out = append(out, s.takeOvers(p, takeOver, allowed)...)
	for _, run := range s.e.runners {
		role := s.role(run.role)
		if role != nil && pr.allowed(run.action, run.arn, nil) {
			out = append(out, edge{method: "change what a role runs",
				steps: []string{run.action + " on " + run.what, "it runs as " + role.Name}, to: role})
		}
	}
	out = append(out, s.crossAccount(p, pr)...)
	return append(out, s.creatable(pr)...)
}

// takeOvers are the edges to every other user of the account that one of
// the take-over actions is allowed on (allowed: allowedOn's users of each),
// in the account's order, each by the first action allowed on it. The
// lists are merged, not the account's users walked: most people may act on
// their own user alone.
func (s *search) takeOvers(p assembly.Principal, actions []string, allowed [][]int) []edge {
	var out []edge
	next := make([]int, len(allowed)) // in each list, the first not merged
	for {
		j, by := -1, ""
		for i, on := range allowed {
			if next[i] < len(on) && (j < 0 || on[next[i]] < j) {
				j, by = on[next[i]], actions[i]
			}
		}
		if j < 0 {
			return out
		}
		for i, on := range allowed {
			if next[i] < len(on) && on[next[i]] == j {
				next[i]++
			}
		}
		if u := &s.e.users[j]; u.ARN != p.ARN {
			out = append(out, edge{method: "take over a user", takeOver: by, to: u})
		}
	}
}

// crossAccount are the roles of other accounts a role may assume: its own
// policies allow it and the other role's trust admits it (its account, or
// itself), as a standing role trusted by another account, or a role of the
// model that trusts another account, does. The chain goes on in that
// account. People and CI/CD users are left out: the roles they assume in
// other accounts are the model's grants, which the matrix reports.
func (s *search) crossAccount(p assembly.Principal, pr *prober) []edge {
	if p.Kind != "role" {
		return nil
	}
	ps := pr.policies("sts:AssumeRole")
	if len(ps.Identity) == 0 {
		return nil
	}
	if s.w == nil {
		return nil
	}
	var out []edge
	seen := map[string]bool{}
	for _, r := range append(append([]*assembly.Principal(nil), s.w.trusting[p.Account]...), s.w.trusting["*"]...) {
		if r.Account == s.e.id || seen[r.ARN] || !mayAssume(pr.ctx, ps, *r) {
			continue
		}
		seen[r.ARN] = true
		if pr.assumes(*r, nil) {
			out = append(out, edge{method: "assume a role in another account",
				steps: []string{"sts:AssumeRole " + r.Name + " in " + s.inv.Account(r.Account).Name}, to: r})
		}
	}
	return out
}

// role is the account's role with the ARN, or nil.
func (s *search) role(arn string) *assembly.Principal {
	for i := range s.e.roles {
		if s.e.roles[i].ARN == arn {
			return &s.e.roles[i]
		}
	}
	return nil
}

// creatable are the roles p can create and give AdministratorAccess to,
// each with a permissions boundary it may carry: what they can do is what
// that boundary allows.
func (s *search) creatable(pr *prober) []edge {
	// Most principals' policies leave out one of the calls, or both, and
	// may not make them: nothing to ask of each boundary.
	if len(pr.policies("iam:CreateRole").Identity) == 0 || len(pr.policies("iam:AttachRolePolicy").Identity) == 0 {
		return nil
	}
	scheme := names.Scheme{Partition: s.e.partition, Prefix: s.inv.Account(s.e.id).Prefix}
	var out []edge
	for _, path := range []string{"/", scheme.OpsPath()} {
		arn := s.e.iam("role" + path + probeName)
		for _, b := range s.e.boundaries {
			extra := map[string][]string{"iam:PermissionsBoundary": {b}}
			if !pr.allowed("iam:CreateRole", arn, extra) || !pr.allowed("iam:AttachRolePolicy", arn, extra) {
				continue
			}
			doc := s.boundaryDocument(b)
			n := &assembly.Principal{Kind: "role", Account: s.e.id, Name: probeName, Path: path, ARN: arn, Region: s.e.region,
				Identity: []evaluate.Policy{{Name: "AdministratorAccess", Document: policy.NewDocument(policy.Statement{
					Effect: policy.Allow, Actions: []string{"*"}, Resources: []string{"*"}})}},
				Boundary: evaluate.NewPolicy(b+" (boundary)", doc), BoundaryARN: b}
			out = append(out, edge{method: "create a role with a permissions boundary",
				steps: []string{"iam:CreateRole " + arn + " with boundary " + b, "iam:AttachRolePolicy AdministratorAccess to it"}, to: n})
			return out
		}
	}
	return out
}

func (s *search) boundaryDocument(arn string) policy.Document {
	for _, mp := range s.inv.ManagedPolicies {
		if mp.ARN == arn {
			return mp.Document
		}
	}
	return policy.Document{}
}

// reaches tells whether p gets full power, and by which chain.
func (s *search) reaches(p assembly.Principal, depth int) ([]string, bool) {
	if o := s.owner(p); o != s {
		return o.reaches(p, depth)
	}
	if s.isAdmin(p) {
		return nil, true
	}
	k := key(p)
	if chain, ok := s.reach[k]; ok {
		return chain, true
	}
	if depth == 0 || s.visiting[k] {
		return nil, false
	}
	s.visiting[k] = true
	defer delete(s.visiting, k)
	for _, e := range s.edges(p) {
		if sub, ok := s.reaches(*e.to, depth-1); ok {
			chain := append(append([]string(nil), e.path()...), sub...)
			s.reach[k] = chain
			return chain, true
		}
	}
	return nil, false
}

// escalations lists the escalation findings of a principal, or reports it as
// an administrator, which has nothing left to escalate to.
func escalations(s *search, p assembly.Principal) ([]Finding, bool) {
	if s.isAdmin(p) {
		return nil, true
	}
	pr := s.prober(p)
	var out []Finding
	add := func(method, action, target string, steps []string) {
		f := Finding{Principal: display(s.inv, p), PrincipalARN: p.ARN, Method: method, Action: action, Target: target, Steps: steps}
		if s.inPowerG(p) {
			f.ByDesign = "PowerG holds full IAM power in the user-only account"
		}
		out = append(out, f)
	}
	for _, m := range methods {
		if len(pr.policies(m.action).Identity) == 0 {
			continue
		}
		ts := s.targetSet(m.target)
		on := pr.allowedOn(m.action, ts)
		self := func(i int) bool { return m.target == "other-user" && ts.list[i].arn == p.ARN }
		all, n := len(ts.list), 0
		for _, i := range on {
			if !self(i) {
				n++
			}
		}
		if m.target == "other-user" {
			all -= len(ts.byARN[p.ARN])
		}
		// An administrator of thousands of users reaches every one: named
		// as one, without listing them first.
		if every, ok := s.every(m.target, all, n); ok {
			add(m.method, m.action, every, nil)
			continue
		}
		for _, i := range on {
			if !self(i) {
				add(m.method, m.action, ts.list[i].name, nil)
			}
		}
	}
	// Creating an unbounded role or user and granting it anything escalates.
	for _, create := range []struct{ action, attach, kind string }{
		{"iam:CreateRole", "iam:AttachRolePolicy", "role"}, {"iam:CreateUser", "iam:AttachUserPolicy", "user"},
	} {
		probe := s.e.iam(create.kind + "/" + probeName)
		if pr.allowed(create.action, probe, nil) && pr.allowed(create.attach, probe, nil) {
			add("create an unbounded "+create.kind, create.action+"+"+create.attach, "a new "+create.kind+" without permissions boundary", nil)
		}
	}
	s.chains(p, pr, add)
	sortFindings(out)
	return slices.CompactFunc(out, func(a, b Finding) bool {
		return a.Action == b.Action && a.Target == b.Target && a.Method == b.Method
	}), false
}

// chains adds the findings that take more than one step or go through
// something iamstack does not create.
func (s *search) chains(p assembly.Principal, pr *prober, add func(method, action, target string, steps []string)) {
	for _, e := range s.edges(p) {
		// A user of the model assuming a role of the model is a grant,
		// which the matrix lists: never an escalation, however much the
		// role may do (that is the role's, and its own findings say it).
		if e.method == "assume a role" && p.Kind == "user" && p.Entity.Kind != "" && e.to.Entity.Kind == metadata.EntityRole {
			continue
		}
		sub, ok := s.reaches(*e.to, reachDepth-1)
		if !ok {
			continue
		}
		steps := append(append([]string(nil), e.path()...), sub...)
		add(e.method+", and so full power", strings.Join(actionsOf(steps), "+"), e.to.Name, steps)
	}
	// A group of one's own: create it, attach a policy, add a user. IAM
	// authorizes AddUserToGroup against the group alone.
	group := s.e.iam("group/" + probeName)
	if pr.allowed("iam:CreateGroup", group, nil) && pr.allowed("iam:AttachGroupPolicy", group, nil) && pr.allowed("iam:AddUserToGroup", group, nil) {
		all := s.targetSet("user").list
		var unbounded []target
		for _, u := range all {
			if u.boundary == "" {
				unbounded = append(unbounded, u)
			}
		}
		for _, u := range s.named("user", len(all), unbounded) {
			add("create a group, attach a policy, add a user", "iam:CreateGroup+iam:AttachGroupPolicy+iam:AddUserToGroup", u,
				[]string{"iam:CreateGroup " + probeName, "iam:AttachGroupPolicy AdministratorAccess to it", "iam:AddUserToGroup " + u})
		}
	}
	// Long-term keys outlive the grant of whoever made them. Most
	// principals' policies leave out one of the calls, or both, and may
	// not make them: nothing to ask of each boundary.
	if len(pr.policies("iam:CreateUser").Identity) > 0 && len(pr.policies("iam:CreateAccessKey").Identity) > 0 {
		s.keyedUser(pr, add)
	}
	if pr.allowed("organizations:LeaveOrganization", "*", nil) {
		add("leave the organization, shedding every service control policy", "organizations:LeaveOrganization", "the organization", nil)
	}
	s.guardrails(p, pr, add)
	s.control(p, pr, add)
}

// keyedUser adds the finding of a principal that may create a user and
// its access keys, with no boundary or one of the account's.
func (s *search) keyedUser(pr *prober, add func(method, action, target string, steps []string)) {
	user := s.e.iam("user/" + probeName)
	for _, b := range append([]string{""}, s.e.boundaries...) {
		var extra map[string][]string
		if b != "" {
			extra = map[string][]string{"iam:PermissionsBoundary": {b}}
		}
		if pr.allowed("iam:CreateUser", user, extra) && pr.allowed("iam:CreateAccessKey", user, extra) {
			add("create a user with access keys, which outlive the caller's grant and need no MFA", "iam:CreateUser+iam:CreateAccessKey",
				"a new user", []string{"iam:CreateUser " + probeName, "iam:CreateAccessKey " + probeName})
			return
		}
	}
}

// guardrails finds the guardrails that bind p (by what it is explicitly
// denied) and every way around them: an action the guardrail should deny,
// and a principal p acts as that the guardrail does not bind.
func (s *search) guardrails(p assembly.Principal, pr *prober, add func(method, action, target string, steps []string)) {
	rds := pr.denied("rds:DeleteDBInstance", "*", nil)
	if rds {
		for _, a := range policy.RDSProtectedActions {
			if pr.allowed(a, "*", nil) {
				add("delete or unprotect data despite the RDS guardrail", a, "any database", nil)
			}
		}
	}
	region := ""
	for _, r := range probeRegions {
		if pr.denied("ec2:RunInstances", "*", map[string][]string{"aws:RequestedRegion": {r}}) {
			region = r
			break
		}
	}
	if !rds && region == "" {
		return
	}
	escapes := func(e edge) {
		if s.isAdmin(*e.to) {
			return // reported as full power already
		}
		to := s.prober(*e.to)
		if rds && to.allowed("rds:DeleteDBInstance", "*", nil) {
			add(e.method+", which the RDS guardrail does not bind", strings.Join(actionsOf(e.path()), "+"), e.to.Name,
				append(append([]string(nil), e.path()...), "rds:DeleteDBInstance"))
		}
		if region != "" && to.allowed("ec2:RunInstances", "*", map[string][]string{"aws:RequestedRegion": {region}}) {
			add(e.method+", which the region restriction does not bind", strings.Join(actionsOf(e.path()), "+"), e.to.Name,
				append(append([]string(nil), e.path()...), "ec2:RunInstances in "+region))
		}
	}
	for _, e := range s.edges(p) {
		escapes(e)
	}
	if !rds {
		return
	}
	for _, st := range s.e.stackRunners {
		role := s.role(st.role)
		if role != nil && pr.allowed("cloudformation:DeleteStack", st.arn, nil) && s.prober(*role).allowed("rds:DeleteDBInstance", "*", nil) {
			add("delete a stack under its service role, past the RDS guardrail", "cloudformation:DeleteStack", st.what,
				[]string{"cloudformation:DeleteStack on " + st.what, "it runs as " + role.Name + ", which may delete databases"})
		}
	}
}

// actionsOf keeps the API call that starts each step.
func actionsOf(steps []string) []string {
	var out []string
	for _, s := range steps {
		if a, _, _ := strings.Cut(s, " "); strings.Contains(a, ":") && !slices.Contains(out, a) {
			out = append(out, a)
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

func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Principal, b.Principal), cmp.Compare(a.Action, b.Action), cmp.Compare(a.Target, b.Target),
			cmp.Compare(a.Method, b.Method))
	})
}

// inPowerG tells whether a user is in the user-only account's PowerG, by the
// entity of its groups.
func (s *search) inPowerG(p assembly.Principal) bool {
	for _, g := range s.e.groups {
		if g.Entity.Kind == metadata.EntityShared && g.Entity.Name == names.PowerGroup && slices.Contains(p.Groups, g.Name) {
			return true
		}
	}
	return false
}
