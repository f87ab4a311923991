// Package access answers, from synthesized templates alone, who can assume
// which role in which account (with or without MFA, through which policy),
// what each user can do directly, and which principals can raise their own
// access by a known privilege-escalation method.
package access

import (
	"cmp"
	"fmt"
	"index/suffixarray"
	"iter"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/evaluate"
	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/parallel"
	"github.com/iamstack/iamstack/internal/policy"
	"github.com/iamstack/iamstack/internal/progress"
)

// Entry is one thing a user can do: assume a role, or act directly in their
// own account.
type Entry struct {
	User     string `json:"user"`
	UserARN  string `json:"userArn"`
	UserKind string `json:"userKind"` // human or cicd
	// Type is "assume-role" or "direct".
	Type    string `json:"type"`
	Account string `json:"account"`
	// AccountID is the account's ID, or for the accounts an OU's StackSet
	// deploys to, the OU's ID.
	AccountID string `json:"accountId"`
	Role      string `json:"role,omitempty"`
	RoleARN   string `json:"roleArn,omitempty"`
	// Capability describes a direct entry: "own credentials", "full IAM".
	Capability string `json:"capability,omitempty"`
	// MFA is true when the entry needs an MFA session.
	MFA               bool `json:"mfa"`
	MaxSessionSeconds int  `json:"maxSessionSeconds,omitempty"`
	// Through lists the roles assumed before this one, first to last, when
	// the role is reached by role chaining ("dev/ReadR").
	Through []string `json:"through,omitempty"`
	Via     []string `json:"via"`
	// SignIn says how the user reaches the entry: "iam" (an IAM user),
	// "identity-center", or both while the user migrates.
	SignIn []string `json:"signIn,omitempty"`
	// Findings are the escalation findings of the role assumed, or of the
	// user for direct entries.
	Findings []Finding `json:"findings"`
}

// Finding is a privilege-escalation method a principal's policies allow.
type Finding struct {
	Principal    string `json:"principal"` // "OpsR in dev", "user alice in identity"
	PrincipalARN string `json:"principalArn"`
	Method       string `json:"method"`
	Action       string `json:"action"`
	Target       string `json:"target"`
	// Steps are the calls of a chain, in order, when it takes more than one.
	Steps []string `json:"steps,omitempty"`
	// ByDesign says why iamstack accepts the finding, when it does.
	ByDesign string `json:"byDesign,omitempty"`
}

func (f Finding) String() string {
	s := fmt.Sprintf("%s can %s on %s (%s)", f.Principal, f.Action, f.Target, f.Method)
	if len(f.Steps) > 0 {
		s += ": " + strings.Join(f.Steps, " -> ")
	}
	if f.ByDesign != "" {
		s += " [by design: " + f.ByDesign + "]"
	}
	return s
}

// Report is the whole analysis of an assembly. Its findings are computed
// when it is made; its access matrix as it is read (Entries, EntriesOf), a
// user at a time: at 5,000 people and 500 accounts the matrix is millions of
// entries, and holding it took gigabytes. A report is read by one goroutine
// at a time.
type Report struct {
	Findings []Finding
	// Admins are principals with full power: they get no findings.
	Admins []string
	// Unknown lists AWS managed policies the analysis had no document for.
	Unknown []string
	// External are the principals outside the assembly that role trust
	// policies admit: other accounts, identity providers, AWS services.
	External []External
	// matrix makes the entries; nil in an empty report.
	matrix *matrix
}

// Entries yields the access matrix: every user's entries, ordered by user,
// type, account, role and capability, the same on every read. Each read
// computes it again, a user at a time, so that what it holds is one user's
// entries, not the organization's.
func (r Report) Entries() iter.Seq[Entry] {
	return func(yield func(Entry) bool) {
		if r.matrix == nil {
			return
		}
		for _, u := range r.matrix.users {
			if !r.matrix.each(u, yield) {
				return
			}
		}
	}
}

// ByUser yields the access matrix a user at a time, in Entries' order:
// each user's name and their entries, which are computed only as the
// caller ranges over them. A caller that decides users of one shape once
// (Shape) reads a few dozen users' entries, not millions.
func (r Report) ByUser() iter.Seq2[string, iter.Seq[Entry]] {
	return func(yield func(string, iter.Seq[Entry]) bool) {
		if r.matrix == nil {
			return
		}
		for _, u := range r.matrix.users {
			if !yield(u, func(y func(Entry) bool) { r.matrix.each(u, y) }) {
				return
			}
		}
	}
}

// Member is the IAM user of that name whose entries are its shape's (see
// Shape), with the shape: ok is false when the user's entries are not one
// shape's (more than one user of the name, Identity Center, or a user a
// policy names). A caller that decided a shape has decided its members.
func (r Report) Member(user string) (u assembly.Principal, shape string, ok bool) {
	if r.matrix == nil {
		return u, "", false
	}
	return r.matrix.member(user)
}

// IdentityCenter tells whether the report's assembly has Identity Center:
// without it, every person signs in as an IAM user, and no entry says how
// (Entry.SignIn).
func (r Report) IdentityCenter() bool {
	return r.matrix != nil && r.matrix.shapes.inv.IdentityCenter != nil
}

// Shape is the shape of an IAM user of the report's assembly (see shapes):
// users of one shape get the same decision on every request that differs
// only in who of them makes it, so a caller deciding one request for
// thousands of people decides it once per shape. "" for a user a policy
// names, who is decided alone.
func (r Report) Shape(u assembly.Principal) string {
	if r.matrix == nil {
		return ""
	}
	return r.matrix.shapes.key(u)
}

// Users counts the users of the matrix, IAM or Identity Center.
func (r Report) Users() int {
	if r.matrix == nil {
		return 0
	}
	return len(r.matrix.users)
}

// EntriesOf are one user's entries, as Entries yields them: of a person and
// of a CI/CD user of the same name, if both exist.
func (r Report) EntriesOf(user string) []Entry {
	if r.matrix == nil {
		return nil
	}
	return r.matrix.of(user)
}

// External is one principal outside the assembly that a role trusts.
type External struct {
	Account   string `json:"account"`
	Role      string `json:"role"`
	RoleARN   string `json:"roleArn"`
	Type      string `json:"type"` // AWS, Federated or Service
	Principal string `json:"principal"`
	// Conditions are the trust statement's conditions, "operator key=values".
	Conditions []string `json:"conditions,omitempty"`
}

// MFAAge is the age, in seconds, of the MFA session the analysis assumes
// when it evaluates a request with MFA.
const MFAAge = "60"

// Analyze computes the report for an inventory.
func Analyze(inv *assembly.Inventory) Report { return AnalyzeWith(inv, nil) }

// AnalyzeWith is Analyze, telling progress (when not nil) how many of the
// inventory's principals it has searched for escalations: at 500 accounts
// that takes seconds. The matrix is computed as it is read (Entries).
func AnalyzeWith(inv *assembly.Inventory, progress progress.Func) Report {
	rep := Report{Unknown: inv.Unknown}
	findings := map[string][]Finding{} // by principal ARN
	searches := map[string]*search{}
	for id, e := range estates(inv) {
		searches[id] = newSearch(inv, e)
	}
	w := newWorld(searches)
	shapes := newShapes(inv)
	principals := append(append([]assembly.Principal(nil), inv.Roles...), inv.Users...)
	keys := make([]string, len(principals))
	for i, p := range principals {
		if p.Kind == "user" {
			keys[i] = shapes.key(p)
		}
	}
	for i, r := range searchAll(searches, w, principals, keys, progress) {
		p := principals[i]
		if r.admin {
			rep.Admins = append(rep.Admins, display(inv, p))
		}
		findings[p.ARN] = r.findings
		rep.Findings = append(rep.Findings, r.findings...)
	}
	rep.External = externals(inv)
	rep.matrix = newMatrix(inv, shapes, findings)
	return rep
}

// compareEntries orders the matrix by user, type, account, role and
// capability; entries that compare equal are one entry of the matrix,
// reached more than one way (mergeSignIns), and a diff's key.
func compareEntries(a, b Entry) int {
	return cmp.Or(strings.Compare(a.User, b.User), strings.Compare(a.Type, b.Type), strings.Compare(a.Account, b.Account),
		strings.Compare(a.Role, b.Role), strings.Compare(a.Capability, b.Capability))
}

// Context is the request context of a principal: who it is, its tags, the
// region of its stack as requested region, and (for a user) its user name,
// which the AWS CLI profiles iamstack generates also use as session name.
func Context(p assembly.Principal, mfa bool) map[string][]string {
	ctx := map[string][]string{
		"aws:PrincipalArn":     {p.ARN},
		"aws:PrincipalAccount": {p.Account},
		"aws:SecureTransport":  {"true"},
		"aws:RequestedRegion":  {p.Region},
	}
	if p.Kind == "user" {
		ctx["aws:username"] = []string{p.Name}
		ctx["aws:PrincipalType"] = []string{"User"}
		ctx["sts:RoleSessionName"] = []string{p.Name}
	} else {
		// A role session as STS makes it: aws:userid is the role's ID and
		// the session's name, and a chained AssumeRole keeps that name.
		ctx["aws:PrincipalType"] = []string{"AssumedRole"}
		ctx["aws:userid"] = []string{RoleSessionUserID(RoleSessionName)}
		ctx["sts:RoleSessionName"] = []string{RoleSessionName}
	}
	for k, v := range p.Tags {
		ctx["aws:PrincipalTag/"+k] = []string{v}
	}
	if mfa {
		ctx["aws:MultiFactorAuthPresent"] = []string{"true"}
		ctx["aws:MultiFactorAuthAge"] = []string{MFAAge}
	}
	return ctx
}

// RoleSessionName is the session name the analysis gives a role's session:
// an honest caller keeps it when it chains into the next role.
const RoleSessionName = "session"

// RoleSessionUserID is aws:userid of a role session named name: STS writes
// "<role ID>:<session name>"; the analysis has no role ID, and no policy of
// iamstack's reads one.
func RoleSessionUserID(name string) string { return "AROAEXAMPLEROLEID:" + name }

// AssumeRole is the request of principal p to assume role r.
func AssumeRole(p, r assembly.Principal, mfa bool) (evaluate.Request, evaluate.Policies) {
	req := assumeRequest(p, r)
	req.Context = Context(p, mfa)
	return req, evaluate.Policies{Identity: p.Identity, Boundary: p.Boundary, Resource: r.Trust}
}

// assumeRequest is p's request to assume r without its context, for
// callers that prepare the context once per principal (evaluate.EvaluateIn).
func assumeRequest(p, r assembly.Principal) evaluate.Request {
	req := r.ResourceRequest("sts:AssumeRole")
	req.Principal, req.PrincipalAccount = p.ARN, p.Account
	return req
}

func (s *shapes) userEntries(u assembly.Principal, findings map[string][]Finding) []Entry {
	inv := s.inv
	kind := "cicd"
	if isHuman(u) {
		kind = "human"
	}
	home := inv.Account(u.Account)
	var out []Entry
	assumeNarrowed := evaluate.Narrow(evaluate.Policies{Identity: u.Identity, Boundary: u.Boundary}, "sts:AssumeRole")
	ctxNoMFA, ctxMFA := evaluate.NewContext(Context(u, false)), evaluate.NewContext(Context(u, true))
	for r := range s.assumable(u, ctxMFA, assumeNarrowed) {
		ps := assumeNarrowed
		ps.Resource = r.Trust
		req := assumeRequest(u, r)
		noMFA := evaluate.EvaluateIn(ctxNoMFA, req, ps)
		withMFA := evaluate.EvaluateIn(ctxMFA, req, ps)
		if withMFA.Decision != evaluate.Allow && noMFA.Decision != evaluate.Allow {
			continue
		}
		res := withMFA
		if noMFA.Decision == evaluate.Allow {
			res = noMFA
		}
		a := inv.Account(r.Account)
		out = append(out, Entry{User: u.Name, UserARN: u.ARN, UserKind: kind, Type: "assume-role", Account: a.Name, AccountID: cmp.Or(a.OU, a.ID),
			Role: inv.RoleShortName(r), RoleARN: r.ARN, MFA: noMFA.Decision != evaluate.Allow,
			MaxSessionSeconds: r.MaxSessionSeconds, Via: res.AllowedBy, Findings: nonNil(findings[r.ARN])})
	}
	out = append(out, s.chained(out, findings)...)
	for _, c := range directCapabilities(u) {
		c.User, c.UserARN, c.UserKind, c.Account, c.AccountID = u.Name, u.ARN, kind, home.Name, home.ID
		c.Findings = nonNil(findings[u.ARN])
		out = append(out, c)
	}
	return out
}

// chainedSessionSeconds is the longest session role chaining gives, whatever
// the role's maximum.
const chainedSessionSeconds = 3600

// chained follows role chaining from the roles a user assumes directly: the
// roles whose trust admits a session of a role already reached, when that
// session's policies allow the call. A chained session is taken to keep the
// MFA of its first hop, which can only make the report say more.
func (s *shapes) chained(direct []Entry, findings map[string][]Finding) []Entry {
	reached := map[string]bool{}
	queue := make([]Entry, 0, len(direct))
	for _, e := range direct {
		reached[e.RoleARN] = true
		queue = append(queue, e)
	}
	var out []Entry
	for len(queue) > 0 {
		from := queue[0]
		queue = queue[1:]
		for _, h := range s.hops(from.RoleARN, from.MFA) {
			if reached[h.to.ARN] {
				continue
			}
			reached[h.to.ARN] = true
			a := s.inv.Account(h.to.Account)
			e := Entry{User: from.User, UserARN: from.UserARN, UserKind: from.UserKind, Type: "assume-role",
				Account: a.Name, AccountID: cmp.Or(a.OU, a.ID), Role: s.inv.RoleShortName(h.to), RoleARN: h.to.ARN, MFA: from.MFA,
				MaxSessionSeconds: min(h.to.MaxSessionSeconds, chainedSessionSeconds),
				Through:           append(append([]string(nil), from.Through...), from.Account+"/"+from.Role),
				Via:               h.via, Findings: nonNil(findings[h.to.ARN])}
			out = append(out, e)
			queue = append(queue, e)
		}
	}
	return out
}

// hop is a role that a session of another role may assume, and the
// policies that allow it.
type hop struct {
	to  assembly.Principal
	via []string
}

// hops are the roles a session of role arn may assume, with or without
// MFA: the same for every user who reaches the role, so computed once.
func (s *shapes) hops(arn string, mfa bool) []hop {
	k := hopKey{arn, mfa}
	s.hopsMu.Lock()
	hs, ok := s.hopsOf[k]
	s.hopsMu.Unlock()
	if ok {
		return hs
	}
	p := s.roles[arn]
	ctx := evaluate.NewContext(Context(p, mfa))
	narrowed := evaluate.Narrow(evaluate.Policies{Identity: p.Identity, Boundary: p.Boundary}, "sts:AssumeRole")
	for r := range s.assumable(p, ctx, narrowed) {
		if r.ARN == arn {
			continue
		}
		ps := narrowed
		ps.Resource = r.Trust
		if res := evaluate.EvaluateIn(ctx, assumeRequest(p, r), ps); res.Decision == evaluate.Allow {
			hs = append(hs, hop{r, res.AllowedBy})
		}
	}
	s.hopsMu.Lock()
	s.hopsOf[k] = hs
	s.hopsMu.Unlock()
	return hs
}

type hopKey struct {
	arn string
	mfa bool
}

// externals lists what role trust policies admit from outside the
// assembly: federated and service principals, and AWS principals of
// accounts it does not hold (principals of its own accounts are evaluated
// as users and chained roles).
func externals(inv *assembly.Inventory) []External {
	var out []External
	known := map[string]bool{}
	for _, p := range append(slices.Clone(inv.Roles), inv.Users...) {
		known[p.ARN] = true
	}
	for _, r := range inv.Roles {
		// A permission set's role trusts its account's Identity Center
		// SAML provider, as AWS writes it: the assignments say who.
		if r.Trust == nil || r.PermissionSet != "" {
			continue
		}
		for _, st := range r.Trust.Document.Statements {
			if st.Effect != policy.Allow {
				continue
			}
			conds := conditionStrings(st.Conditions)
			for _, typ := range slices.Sorted(maps.Keys(st.Principal)) {
				for _, pr := range st.Principal[typ] {
					callers := []string{pr}
					if _, own := inv.Accounts[principalAccount(pr)]; own && typ == "AWS" {
						callers = outsideCallers(st, pr, known)
					}
					for _, c := range callers {
						out = append(out, External{Account: inv.Account(r.Account).Name, Role: inv.RoleShortName(r), RoleARN: r.ARN,
							Type: typ, Principal: c, Conditions: conds})
					}
				}
			}
		}
	}
	return out
}

// outsideCallers are the principals an AWS principal of an account in the
// assembly admits that the templates do not create: the principal itself
// when it names one, and when it is the account (its root), each caller its
// aws:PrincipalArn condition names that matches none of known (a role
// iamstack does not manage, trusted by its ARN), or the account itself
// when no condition narrows it. A pattern is iamstack's own.
func outsideCallers(st policy.Statement, principal string, known map[string]bool) []string {
	if !strings.HasSuffix(principal, ":root") {
		if known[principal] {
			return nil
		}
		return []string{principal}
	}
	var named []string
	for op, keys := range st.Conditions {
		if parsed, err := policy.ParseOperator(op); err == nil && !parsed.Negated && (strings.HasPrefix(parsed.Positive, "Arn") || strings.HasPrefix(parsed.Positive, "String")) {
			named = append(named, keys["aws:PrincipalArn"]...)
		}
	}
	if len(named) == 0 {
		return []string{principal}
	}
	var out []string
	for _, arn := range slices.Sorted(slices.Values(named)) {
		// A pattern is iamstack's own: its people's path, a permission
		// set's roles (a role trusted by its ARN is named exactly).
		if !known[arn] && !strings.ContainsAny(arn, "*?") {
			out = append(out, arn)
		}
	}
	return out
}

// principalAccount is the account of an AWS principal: an account ID, or
// the account field of an ARN; "" for "*".
func principalAccount(p string) string {
	if parts := strings.SplitN(p, ":", 6); len(parts) == 6 {
		return parts[4]
	}
	if p == "*" {
		return ""
	}
	return p
}

func conditionStrings(c policy.Conditions) []string {
	var out []string
	for _, op := range slices.Sorted(maps.Keys(c)) {
		for _, k := range slices.Sorted(maps.Keys(c[op])) {
			out = append(out, fmt.Sprintf("%s %s=%s", op, k, strings.Join(c[op][k], ",")))
		}
	}
	return out
}

// isHuman tells people from machines by the model entity iamstack wrote on
// the user; CI/CD users are entities of their own kind.
func isHuman(u assembly.Principal) bool { return u.Entity.Kind == metadata.EntityUser }

// directCapabilities probes what a user can do in their own account.
func directCapabilities(u assembly.Principal) []Entry {
	probe := func(action, resource string, mfa bool) evaluate.Result {
		return evaluate.Evaluate(evaluate.Request{Principal: u.ARN, PrincipalAccount: u.Account, Action: action,
			Resource: resource, ResourceAccount: u.Account, Context: Context(u, mfa)},
			evaluate.Policies{Identity: u.Identity, Boundary: u.Boundary})
	}
	var out []Entry
	capability := func(name, action, resource string) {
		without, with := probe(action, resource, false), probe(action, resource, true)
		if with.Decision != evaluate.Allow && without.Decision != evaluate.Allow {
			return
		}
		res := with
		if without.Decision == evaluate.Allow {
			res = without
		}
		out = append(out, Entry{Type: "direct", Capability: name, MFA: without.Decision != evaluate.Allow, Via: res.AllowedBy})
	}
	capability("own credentials", "iam:CreateAccessKey", u.ARN)
	capability("full IAM", "iam:AttachUserPolicy", u.ARN)
	return out
}

// Name is how reports name a principal: "OpsR in dev", "user alice in
// identity", as Report.Admins and findings do.
func Name(inv *assembly.Inventory, p assembly.Principal) string { return display(inv, p) }

func display(inv *assembly.Inventory, p assembly.Principal) string {
	a := inv.Account(p.Account)
	if p.Kind == "role" && p.PermissionSet != "" {
		return inv.RoleShortName(p) + " in " + a.Name + " (Identity Center)"
	}
	if p.Kind == "role" {
		return inv.RoleShortName(p) + " in " + a.Name
	}
	return "user " + p.Name + " in " + a.Name
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// shapes shares the matrix of users that cannot be told apart: the same
// account, path, kind, groups, direct and inline policies, boundary and
// tags, and named by no policy. Their requests differ only in the user's
// name and ARN, which the policies reach only through ${aws:username}, the
// session name that equals it, and aws:PrincipalArn patterns over the path:
// so their entries are the same. A thousand people in a few dozen shapes
// are evaluated a few dozen times (issue 16).
type shapes struct {
	inv *assembly.Inventory
	// trusting and admitting list roles by the account whose principals
	// their trust may admit: trusting as trustedAccounts gives them,
	// admitting with those that admit any account, "*", merged in.
	trusting, admitting map[string][]int // indexes in inv.Roles
	// trust is every role's trust policy, to find users named there; text
	// is a policy's JSON, by account and name. Each user is looked for in
	// them, so they are indexed: thousands of users against the trust
	// policies of thousands of roles.
	trust    *suffixarray.Index
	text     map[string]*suffixarray.Index
	keys     map[string]string // by user ARN
	computed map[string][]Entry
	roles    map[string]assembly.Principal // by ARN
	// hopsOf are hops' answers; hopsMu guards them, which the shapes'
	// first members (warm) compute side by side.
	hopsOf map[hopKey][]hop
	hopsMu sync.Mutex
}

func newShapes(inv *assembly.Inventory) *shapes {
	var b []byte
	roles := map[string]assembly.Principal{}
	trusting := map[string][]int{}
	for i, r := range inv.Roles {
		if r.Trust != nil {
			b = append(b, r.Trust.Document.JSON()...)
		}
		roles[r.ARN] = r
		for _, acct := range trustedAccounts(r) {
			trusting[acct] = append(trusting[acct], i)
		}
	}
	// Every account's admitting roles, so that computing users' entries
	// side by side (warm) only reads them.
	admitting := map[string][]int{}
	for _, p := range append(slices.Clone(inv.Roles), inv.Users...) {
		id := p.Account
		if _, ok := admitting[id]; ok {
			continue
		}
		idx := append(slices.Clone(trusting[id]), trusting["*"]...)
		slices.Sort(idx)
		admitting[id] = slices.Compact(idx)
	}
	return &shapes{inv: inv, trusting: trusting, admitting: admitting, trust: suffixarray.New(b),
		text: map[string]*suffixarray.Index{}, keys: map[string]string{}, computed: map[string][]Entry{}, roles: roles,
		hopsOf: map[hopKey][]hop{}}
}

// assumable are, in the inventory's order, the roles p may be able to
// assume: those whose trust may admit p's account (trustedAccounts), and
// of those in another account only the ones its identity policies,
// narrowed to sts:AssumeRole, may allow it to, since across accounts both
// sides must allow. The others are denied whatever the conditions: with
// hundreds of accounts a role or a machine user is evaluated against the
// few roles it could reach, not against all of them. ctx is p's context,
// with MFA where the caller evaluates both ways: without, a pattern can
// only match less.
func (s *shapes) assumable(p assembly.Principal, ctx evaluate.Context, narrowed evaluate.Policies) iter.Seq[assembly.Principal] {
	idx := s.admitting[p.Account]
	return func(yield func(assembly.Principal) bool) {
		for _, i := range idx {
			r := s.inv.Roles[i]
			if r.Account != p.Account && !mayAssume(ctx, narrowed, r) {
				continue
			}
			if !yield(r) {
				return
			}
		}
	}
}

// mayAssume tells whether identity policies ps, narrowed to sts:AssumeRole,
// may allow assuming role r, conditions aside (evaluate.MayAllow): across
// accounts, a role they do not allow is denied whatever its trust says.
func mayAssume(ctx evaluate.Context, ps evaluate.Policies, r assembly.Principal) bool {
	return evaluate.MayAllow(ctx.For(r.ResourceRequest("sts:AssumeRole")), ps, "sts:AssumeRole", r.ARN)
}

// key is a user's shape, or "" when a policy names the user: such a user is
// evaluated alone.
func (s *shapes) key(u assembly.Principal) string {
	k, ok := s.keys[u.ARN]
	if !ok {
		k = s.shape(u)
		s.keys[u.ARN] = k
	}
	return k
}

func (s *shapes) shape(u assembly.Principal) string {
	if contains(s.trust, u.Name) {
		return ""
	}
	for _, p := range u.Identity {
		text, ok := s.text[u.Account+"/"+p.Name]
		if !ok {
			text = suffixarray.New(p.Document.JSON())
			s.text[u.Account+"/"+p.Name] = text
		}
		if contains(text, u.Name) {
			return ""
		}
	}
	tags := make([]string, 0, len(u.Tags))
	for k, v := range u.Tags {
		tags = append(tags, k+"="+v)
	}
	sort.Strings(tags)
	return strings.Join([]string{u.Account, u.Path, u.Entity.Kind, strings.Join(u.Groups, ","), strings.Join(u.Direct, ","),
		strings.Join(u.Inline, ","), u.BoundaryARN, strings.Join(tags, ",")}, "\x00")
}

// contains tells whether the indexed text contains sub, as strings.Contains.
func contains(text *suffixarray.Index, sub string) bool {
	return sub == "" || len(text.Lookup([]byte(sub), 1)) > 0
}

// warm computes the entries of each shape of users, side by side, one
// goroutine per core: the matrix then copies them for every member as it
// is read. Each first member's entries are what entries would compute
// for it; they depend on nothing computed before (hops are a cache of
// what they would find).
func (s *shapes) warm(users []assembly.Principal, findings map[string][]Finding) {
	var first []assembly.Principal
	for _, u := range users {
		if k := s.key(u); k != "" {
			if _, ok := s.computed[k]; !ok {
				s.computed[k] = nil
				first = append(first, u)
			}
		}
	}
	computed := make([][]Entry, len(first))
	parallel.For(len(first), func(i int) {
		computed[i] = s.sortedEntries(first[i], findings)
	})
	for i, u := range first {
		s.computed[s.key(u)] = computed[i]
	}
}

// sortedEntries are a user's IAM entries in the matrix's order, an entry
// reached two ways merged (mergeSignIns).
func (s *shapes) sortedEntries(u assembly.Principal, findings map[string][]Finding) []Entry {
	es := s.userEntries(u, findings)
	slices.SortStableFunc(es, compareEntries)
	return mergeSignIns(es)
}

// each yields a user's IAM entries in the matrix's order: its shape's,
// computed for the shape's first member (warm), with the user's name and
// own findings; or, for a user a policy names, its own. Nothing is copied
// but the entry yielded.
func (s *shapes) each(u assembly.Principal, findings map[string][]Finding, yield func(Entry) bool) bool {
	k := s.key(u)
	es, ok := s.computed[k]
	if k == "" || !ok {
		es = s.sortedEntries(u, findings)
		if k != "" {
			s.computed[k] = es
		}
	}
	for _, e := range es {
		e.User, e.UserARN = u.Name, u.ARN
		if e.Type == "direct" {
			e.Findings = nonNil(findings[u.ARN])
		}
		if !yield(e) {
			return false
		}
	}
	return true
}
