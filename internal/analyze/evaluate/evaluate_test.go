package evaluate

import (
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/iamstack/iamstack/internal/policy"
)

func doc(t *testing.T, j string) policy.Document {
	t.Helper()
	d, err := policy.Parse([]byte(j))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

const (
	alice    = "arn:aws:iam::111111111111:user/infra/alice"
	userAcct = "111111111111"
	roleAcct = "222222222222"
	opsRole  = "arn:aws:iam::222222222222:role/infra-OpsR"
)

func TestEvaluate(t *testing.T) {
	mfa := map[string][]string{"aws:username": {"alice"}, "aws:MultiFactorAuthPresent": {"true"}, "aws:MultiFactorAuthAge": {"60"}}
	noMFA := map[string][]string{"aws:username": {"alice"}}
	withKey := func(base map[string][]string, k, v string) map[string][]string {
		out := map[string][]string{}
		for kk, vv := range base {
			out[kk] = vv
		}
		out[k] = []string{v}
		return out
	}
	same := func(action, resource string, ctx map[string][]string) Request {
		return Request{Principal: alice, PrincipalAccount: userAcct, Action: action, Resource: resource, ResourceAccount: userAcct, Context: ctx}
	}
	cross := func(ctx map[string][]string) Request {
		return Request{Principal: alice, PrincipalAccount: userAcct, Action: "sts:AssumeRole", Resource: opsRole, ResourceAccount: roleAcct, Context: ctx}
	}
	allowAll := `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`
	cases := []struct {
		name     string
		req      Request
		identity []string
		boundary string
		resource string
		want     Decision
	}{
		{"no policy: implicit deny", same("s3:GetObject", "arn:aws:s3:::b/k", noMFA), nil, "", "", ImplicitDeny},
		{"allow *", same("s3:GetObject", "arn:aws:s3:::b/k", noMFA), []string{allowAll}, "", "", Allow},
		{"action case-insensitive, wildcard", same("IAM:getUser", "arn:aws:iam::111111111111:user/infra/alice", noMFA),
			[]string{`{"Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}`}, "", "", Allow},
		{"resource is case-sensitive", same("s3:GetObject", "arn:aws:s3:::B/k", noMFA),
			[]string{`{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}]}`}, "", "", ImplicitDeny},
		{"explicit deny wins", same("s3:GetObject", "arn:aws:s3:::b/k", noMFA),
			[]string{allowAll, `{"Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}`}, "", "", ExplicitDeny},
		{"NotAction deny without MFA: listed action passes", same("iam:ChangePassword", alice, noMFA),
			[]string{allowAll, `{"Statement":[{"Effect":"Deny","NotAction":["iam:ChangePassword"],"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}`}, "", "", Allow},
		{"NotAction deny without MFA: other action denied", same("iam:CreateAccessKey", alice, noMFA),
			[]string{allowAll, `{"Statement":[{"Effect":"Deny","NotAction":["iam:ChangePassword"],"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}`}, "", "", ExplicitDeny},
		{"BoolIfExists false: key absent (long-term keys) denies", same("iam:CreateAccessKey", alice, noMFA),
			[]string{allowAll, `{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}`}, "", "", ExplicitDeny},
		{"BoolIfExists false: MFA present passes", same("iam:CreateAccessKey", alice, mfa),
			[]string{allowAll, `{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}`}, "", "", Allow},
		{"Bool true: key absent does not match", same("iam:CreateUser", "*", noMFA),
			[]string{`{"Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`}, "", "", ImplicitDeny},
		{"${aws:username} in resource: own user", same("iam:CreateAccessKey", alice, noMFA),
			[]string{`{"Statement":[{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::111111111111:user/infra/${aws:username}"}]}`}, "", "", Allow},
		{"${aws:username} in resource: someone else", same("iam:CreateAccessKey", "arn:aws:iam::111111111111:user/infra/bob", noMFA),
			[]string{`{"Statement":[{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::111111111111:user/infra/${aws:username}"}]}`}, "", "", ImplicitDeny},
		{"undefined variable matches nothing", same("iam:CreateAccessKey", alice, map[string][]string{}),
			[]string{`{"Statement":[{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::111111111111:user/infra/${aws:username}"}]}`}, "", "", ImplicitDeny},
		{"boundary removes an allow", same("ec2:RunInstances", "*", noMFA),
			[]string{allowAll}, `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, "", ImplicitDeny},
		{"boundary keeps what it allows", same("s3:PutObject", "arn:aws:s3:::b/k", noMFA),
			[]string{allowAll}, `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, "", Allow},
		{"numeric: MFA age under the bound", same("iam:CreateUser", "*", mfa),
			[]string{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}}]}`}, "", "", Allow},
		{"numeric: MFA age over the bound", same("iam:CreateUser", "*", withKey(mfa, "aws:MultiFactorAuthAge", "7200")),
			[]string{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}}]}`}, "", "", ImplicitDeny},
		{"StringNotEquals on an absent key holds", same("iam:CreateRole", "*", noMFA),
			[]string{allowAll, `{"Statement":[{"Effect":"Deny","Action":"iam:CreateRole","Resource":"*","Condition":{"StringNotEquals":{"iam:PermissionsBoundary":"arn:aws:iam::111111111111:policy/b"}}}]}`}, "", "", ExplicitDeny},
		{"StringNotEquals with the right value", same("iam:CreateRole", "*", withKey(noMFA, "iam:PermissionsBoundary", "arn:aws:iam::111111111111:policy/b")),
			[]string{allowAll, `{"Statement":[{"Effect":"Deny","Action":"iam:CreateRole","Resource":"*","Condition":{"StringNotEquals":{"iam:PermissionsBoundary":"arn:aws:iam::111111111111:policy/b"}}}]}`}, "", "", Allow},
		{"Null true: key absent", same("s3:GetObject", "*", noMFA),
			[]string{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"aws:MultiFactorAuthAge":"true"}}}]}`}, "", "", Allow},
		{"ForAnyValue:StringLike over a multivalued key", same("s3:GetObject", "*", withKey(noMFA, "aws:TagKeys", "team")),
			[]string{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAnyValue:StringLike":{"aws:TagKeys":["te*"]}}}]}`}, "", "", Allow},
		{"ForAllValues on an absent key holds", same("s3:GetObject", "*", noMFA),
			[]string{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}}]}`}, "", "", Allow},
		{"ArnLike on the principal", same("s3:GetObject", "*", withKey(noMFA, "aws:PrincipalArn", alice)),
			[]string{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:user/infra/*"}}}]}`}, "", "", Allow},
		{"condition key names are case-insensitive", same("s3:GetObject", "*", map[string][]string{"AWS:USERNAME": {"alice"}}),
			[]string{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":"alice"}}}]}`}, "", "", Allow},
		// Trust policies.
		{"trust naming the account root: identity must allow too", cross(mfa), nil, "",
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`, ImplicitDeny},
		{"trust naming the account root, identity allows", cross(mfa),
			[]string{`{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/infra-OpsR"}]}`}, "",
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`, Allow},
		{"cross account, identity allows but trust names another account", cross(mfa),
			[]string{allowAll}, "", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}`, ImplicitDeny},
		{"cross account, trust names the user ARN, identity silent", cross(mfa), nil, "",
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/infra/alice"},"Action":"sts:AssumeRole"}]}`, ImplicitDeny},
		{"same account, trust names the user ARN, identity silent", Request{Principal: "arn:aws:iam::222222222222:user/infra/ci", PrincipalAccount: roleAcct, Action: "sts:AssumeRole", Resource: opsRole, ResourceAccount: roleAcct}, nil, "",
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222222222222:user/infra/ci"]},"Action":"sts:AssumeRole"}]}`, Allow},
		{"same account, trust names the account root, identity silent", Request{Principal: "arn:aws:iam::222222222222:user/infra/ci", PrincipalAccount: roleAcct, Action: "sts:AssumeRole", Resource: opsRole, ResourceAccount: roleAcct}, nil, "",
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"sts:AssumeRole"}]}`, ImplicitDeny},
		{"trust with conditions: session name must be the user name", cross(withKey(mfa, "sts:RoleSessionName", "mallory")), []string{allowAll}, "",
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:RoleSessionName":"${aws:username}"}}}]}`, ImplicitDeny},
		{"a deny in the trust policy wins", cross(mfa), []string{allowAll}, "",
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`, ExplicitDeny},
		{"a Deny with NotPrincipal excludes the caller it names", cross(mfa), []string{allowAll}, "",
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"},{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111111111111:user/infra/alice","arn:aws:iam::111111111111:root"]},"Action":"sts:AssumeRole"}]}`, Allow},
		{"a Deny with NotPrincipal applies to everyone else", cross(mfa), []string{allowAll}, "",
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"},{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:user/infra/bob"},"Action":"sts:AssumeRole"}]}`, ExplicitDeny},
		{"NotPrincipal naming only the account does not exclude its users", cross(mfa), []string{allowAll}, "",
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"},{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`, ExplicitDeny},
		{"a role without trust policy trusts nobody", cross(mfa), []string{allowAll}, "", "", ImplicitDeny},
		{"identity allows, but not in another account's resource without its policy", Request{Principal: alice, PrincipalAccount: userAcct, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", ResourceAccount: roleAcct},
			[]string{allowAll}, "", "", ImplicitDeny},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var ps Policies
			for i, j := range tc.identity {
				ps.Identity = append(ps.Identity, Policy{Name: "p" + string(rune('0'+i)), Document: doc(t, j)})
			}
			if tc.boundary != "" {
				ps.Boundary = &Policy{Name: "boundary", Document: doc(t, tc.boundary)}
			}
			if tc.resource != "" {
				ps.Resource = &Policy{Name: "trust", Document: doc(t, tc.resource)}
			}
			if got := Evaluate(tc.req, ps); got.Decision != tc.want {
				t.Errorf("got %v (allowed by %v, denied by %v), want %v", got.Decision, got.AllowedBy, got.DeniedBy, tc.want)
			}
		})
	}
}

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true}, {"a*c", "abbbc", true}, {"a*c", "abbb", false}, {"a?c", "abc", true},
		{"*:OpsR:*", ":AdminR:OpsR:", true}, {"*:OpsR:*", ":OpsRX:", false}, {"**a", "ba", true},
	} {
		if got := glob(tc.pattern, tc.s); got != tc.want {
			t.Errorf("glob(%q, %q) = %v", tc.pattern, tc.s, got)
		}
	}
}

// Resources of one class get one decision: every pair of users below with
// equal classes under a policy set is decided alike, and the patterns that
// name users apart split them into classes.
func TestResourceClassDecidesAlike(t *testing.T) {
	users := []string{"alice", "alan", "bob", "carol", "infra/dave", "infra/erin"}
	arn := func(u string) string { return "arn:aws:iam::111111111111:user/" + u }
	policies := map[string][]string{
		"every user": {`{"Statement":[{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::111111111111:user/*"}]}`},
		"but oneself": {`{"Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},
			{"Effect":"Deny","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::111111111111:user/${aws:username}"}]}`},
		"a prefix and a path": {`{"Statement":[{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":["arn:aws:iam::111111111111:user/a*","arn:aws:iam::111111111111:user/infra/*"]}]}`},
		"not resource":        {`{"Statement":[{"Effect":"Allow","Action":"iam:CreateAccessKey","NotResource":"arn:aws:iam::111111111111:user/infra/*"}]}`},
		"boundary": {`{"Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`,
			`{"Statement":[{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::111111111111:user/?o*"}]}`},
	}
	wantClasses := map[string]int{"every user": 1, "but oneself": 2, "a prefix and a path": 3, "not resource": 2, "boundary": 2}
	for name, docs := range policies {
		ps := Policies{Identity: []Policy{{Name: "id", Document: doc(t, docs[0])}}}
		if len(docs) > 1 {
			ps.Boundary = &Policy{Name: "boundary", Document: doc(t, docs[1])}
		}
		ctx := map[string][]string{"aws:username": {"alice"}}
		c := NewContext(ctx)
		classes := map[string]Decision{}
		for _, u := range users {
			req := Request{Principal: arn("alice"), PrincipalAccount: userAcct, Action: "iam:CreateAccessKey", Resource: arn(u), ResourceAccount: userAcct, Context: ctx}
			k := ResourceClass(c, ps, arn(u))
			d := Evaluate(req, ps).Decision
			if seen, ok := classes[k]; ok && seen != d {
				t.Errorf("%s: %s is in a class decided %v, but is %v", name, u, seen, d)
			}
			classes[k] = d
		}
		if len(classes) != wantClasses[name] {
			t.Errorf("%s: %d classes, want %d", name, len(classes), wantClasses[name])
		}
	}
}

func TestNarrow(t *testing.T) {
	mixed := Policy{Name: "mixed", Document: doc(t, `{"Statement": [
		{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
		{"Effect": "Allow", "Action": ["iam:*", "sts:AssumeRole"], "Resource": "*"},
		{"Effect": "Deny", "NotAction": "iam:CreateUser", "Resource": "*"}]}`)}
	iamOnly := Policy{Name: "iam-only", Document: doc(t, `{"Statement": [{"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}]}`)}
	boundary := Policy{Name: "boundary", Document: doc(t, `{"Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}`)}
	ps := Policies{Identity: []Policy{mixed, iamOnly}, Boundary: &boundary}
	tests := []struct {
		action string
		// identity are, by policy name, the statements kept (their index in
		// the policy); boundary those of the boundary.
		identity map[string][]int
		boundary []int
	}{
		{"s3:GetObject", map[string][]int{"mixed": {0, 2}}, nil},
		{"iam:GetRole", map[string][]int{"mixed": {1, 2}, "iam-only": {0}}, []int{0}},
		{"iam:CreateUser", map[string][]int{"mixed": {1}}, []int{0}},
		{"STS:assumerole", map[string][]int{"mixed": {1, 2}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			n := Narrow(ps, tt.action)
			got := map[string][]int{}
			for _, p := range n.Identity {
				orig := mixed
				if p.Name == iamOnly.Name {
					orig = iamOnly
				}
				got[p.Name] = statementIndexes(t, orig, p)
			}
			if !reflect.DeepEqual(got, tt.identity) {
				t.Errorf("identity statements kept = %v, want %v", got, tt.identity)
			}
			// A boundary that allows nothing of the action still bounds it:
			// it stays, empty.
			if n.Boundary == nil {
				t.Fatal("the boundary was dropped")
			}
			if b := statementIndexes(t, boundary, *n.Boundary); !reflect.DeepEqual(b, tt.boundary) {
				t.Errorf("boundary statements kept = %v, want %v", b, tt.boundary)
			}
			// Narrowing never changes a decision.
			for _, resource := range []string{"*", "arn:aws:iam::111111111111:user/bob"} {
				req := Request{Principal: alice, PrincipalAccount: userAcct, Action: tt.action, Resource: resource, ResourceAccount: userAcct}
				if a, b := Evaluate(req, ps).Decision, Evaluate(req, n).Decision; a != b {
					t.Errorf("%s: narrowed decision %v, whole %v", resource, b, a)
				}
			}
		})
	}
	if n := Narrow(ps, "iam:GetUser"); &n.Identity[1].Document.Statements[0] != &iamOnly.Document.Statements[0] ||
		&n.Boundary.Document.Statements[0] != &boundary.Document.Statements[0] {
		t.Error("the document of a policy kept whole was copied, not shared")
	}
	if c := NewPolicy(boundary.Name, boundary.Document); NarrowPolicy(c, "iam:GetUser") != c {
		t.Error("a policy kept whole whose conditions were read was narrowed again, not shared")
	}
	if n := Narrow(Policies{}, "iam:GetUser"); n.Boundary != nil || n.Resource != nil || n.Identity != nil {
		t.Errorf("narrowing no policies gave %+v", n)
	}
}

// statementIndexes are the indexes in orig of the statements narrowed holds.
func statementIndexes(t *testing.T, orig, narrowed Policy) []int {
	t.Helper()
	var out []int
	for _, s := range narrowed.Document.Statements {
		i := slices.IndexFunc(orig.Document.Statements, func(o policy.Statement) bool { return reflect.DeepEqual(o, s) })
		if i < 0 {
			t.Fatalf("%s: a narrowed statement is not the policy's: %+v", orig.Name, s)
		}
		out = append(out, i)
	}
	return out
}

func TestLiteralResources(t *testing.T) {
	const bob = "arn:aws:iam::111111111111:user/infra/bob"
	ctx := NewContext(map[string][]string{"aws:username": {"alice"}})
	tests := []struct {
		name, policy string
		want         []string // nil with ok false: not literal
		ok           bool
	}{
		{"self by variable", `{"Statement": [{"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "arn:aws:iam::111111111111:user/infra/${aws:username}"}]}`,
			[]string{alice}, true},
		{"named users", `{"Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": ["` + alice + `", "` + bob + `"]}]}`,
			[]string{alice, bob}, true},
		{"other actions and denies do not count", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
			{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}`, nil, true},
		{"a variable without a value matches nothing", `{"Statement": [{"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "arn:aws:iam::111111111111:user/${aws:PrincipalTag/team}"}]}`,
			nil, true},
		{"wildcard", `{"Statement": [{"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": ["` + alice + `", "arn:aws:iam::111111111111:user/infra/*"]}]}`, nil, false},
		{"a variable that gives a wildcard", `{"Statement": [{"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "arn:aws:iam::111111111111:user/${*}"}]}`, nil, false},
		{"NotResource", `{"Statement": [{"Effect": "Allow", "Action": "iam:CreateAccessKey", "NotResource": "` + alice + `"}]}`, nil, false},
		{"NotAction", `{"Statement": [{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}]}`, nil, false},
	}
	resources := []string{alice, bob, "arn:aws:iam::111111111111:user/infra/carol", "arn:aws:iam::111111111111:user/team"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := Policies{Identity: []Policy{{Name: "p", Document: doc(t, tt.policy)}}}
			got, ok := LiteralResources(ctx, ps, "iam:CreateAccessKey")
			if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("LiteralResources = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
			// What it promises: MayAllow holds for no resource it leaves out.
			for _, r := range resources {
				if ok && MayAllow(ctx, ps, "iam:CreateAccessKey", r) && !slices.Contains(got, r) {
					t.Errorf("MayAllow holds for %s, which LiteralResources leaves out", r)
				}
			}
		})
	}
}

// A context's projection on policies holds the values of exactly the keys
// they read: in conditions, as variables in resources and in condition
// values; contexts that differ elsewhere project alike.
func TestProjection(t *testing.T) {
	ps := Policies{Identity: []Policy{{Name: "p", Document: policy.NewDocument(
		policy.Statement{Effect: policy.Allow, Actions: []string{"iam:CreateAccessKey"}, Resources: []string{"arn:aws:iam::1:user/${aws:username}"}},
		policy.Statement{Effect: policy.Deny, Actions: []string{"*"}, Resources: []string{"*"},
			Conditions: policy.Conditions{"StringNotEquals": {"aws:PrincipalTag/team": {"${aws:PrincipalTag/owner}"}}}},
	)}}}
	base := map[string][]string{"aws:username": {"alice"}, "aws:PrincipalTag/team": {"a"}, "aws:PrincipalTag/owner": {"a"}, "aws:SourceIp": {"10.0.0.1"}}
	with := func(k, v string) map[string][]string {
		m := maps.Clone(base)
		m[k] = []string{v}
		return m
	}
	p := NewContext(base).Projection(ps)
	for _, k := range []string{"aws:username", "aws:PrincipalTag/team", "aws:PrincipalTag/owner"} {
		if NewContext(with(k, "other")).Projection(ps) == p {
			t.Errorf("a context with another %s projects alike", k)
		}
	}
	if NewContext(with("aws:SourceIp", "10.9.9.9")).Projection(ps) != p {
		t.Error("a key the policies do not read changes the projection")
	}
	if NewContext(base).With(map[string][]string{"AWS:USERNAME": {"bob"}}).Projection(ps) == p {
		t.Error("a key laid over (With) is not projected")
	}
	if NewContext(map[string][]string{"aws:username": {"alice"}}).Projection(ps) == p {
		t.Error("a missing key projects as a present one")
	}
}

// A policy whose conditions were read once decides by its document as it
// is: a document replaced since (a test taking a statement out of an
// inventory) is read again, not decided by the conditions of the old one.
func TestCompiledPolicyFollowsItsDocument(t *testing.T) {
	mfa := policy.Conditions{"Bool": {"aws:MultiFactorAuthPresent": {"true"}}}
	p := NewPolicy("p", policy.NewDocument(
		policy.Statement{Effect: policy.Allow, Actions: []string{"s3:GetObject"}, Resources: []string{"*"}, Conditions: mfa},
		policy.Statement{Effect: policy.Allow, Actions: []string{"s3:PutObject"}, Resources: []string{"*"}}))
	req := Request{Principal: "arn:aws:iam::111111111111:user/a", PrincipalAccount: "111111111111", Action: "s3:PutObject",
		Resource: "arn:aws:s3:::b/k", ResourceAccount: "111111111111", Context: map[string][]string{"aws:MultiFactorAuthPresent": {"false"}}}
	if d := Evaluate(req, Policies{Identity: []Policy{*p}}).Decision; d != Allow {
		t.Fatalf("before: %v", d)
	}
	// The first statement out: the second, unconditional, is now first.
	q := *p
	q.Document = policy.Document{Statements: p.Document.Statements[1:]}
	if d := Evaluate(req, Policies{Identity: []Policy{q}}).Decision; d != Allow {
		t.Errorf("the replaced document's put is decided by the old first statement's condition: %v", d)
	}
	if n := NarrowPolicy(&q, "s3:PutObject"); len(n.Document.Statements) != 1 || !n.isCompiled() || n.conditionsOf(0) != nil {
		t.Errorf("narrowed: %+v", n)
	}
}
