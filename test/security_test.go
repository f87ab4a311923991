//go:build integration

package test

import (
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/model"
)

// checkSecurity checks, from the synthesized JSON alone plus the model's
// declared grants, every property the README promises.
func checkSecurity(t *testing.T, m *model.Model, tpls map[string]template, raw map[string][]byte) {
	t.Helper()
	prefix := m.Prefix() + "-"
	userOnly := m.UserOnlyAccount()
	root := "arn:aws:iam::" + userOnly.ID + ":root"
	accountID := map[string]string{}
	for _, n := range m.AccountNames() {
		a, _ := m.Account(n)
		accountID[n] = a.ID
	}

	type pair struct{ account, role string } // account ID, role short name
	humans := map[string]map[string]any{}    // user name -> properties
	assumeAllows := map[string][]map[string]any{}
	trusts := map[pair][]map[string]any{}
	var sawDenyMFA, sawDenySession bool
	groupNames := map[string]string{} // logical ID -> name, for {"Ref": ...} in Groups

	for id, tpl := range tpls {
		if n := len(tpl.Resources); n > 500 {
			t.Errorf("%s: %d resources, over CloudFormation's 500", id, n)
		}
		if n := len(raw[id]); n > 1<<20 {
			t.Errorf("%s: template is %d bytes, over CloudFormation's 1 MB", id, n)
		}
		stackAccount := ""
		for name, acctID := range accountID {
			if id == m.Prefix()+"-"+name || strings.HasPrefix(id, m.Prefix()+"-"+name+"-users-") {
				stackAccount = acctID
			}
		}
		if stackAccount == "" {
			t.Fatalf("stack %s belongs to no account of the model", id)
		}
		groupPolicies := map[string][]string{}
		policies := map[string]map[string]any{}
		for lid, r := range tpl.Resources {
			p := r.Properties
			switch r.Type {
			case "AWS::IAM::ManagedPolicy":
				policies[lid] = p
				name := p["ManagedPolicyName"].(string)
				if !strings.HasPrefix(name, prefix) {
					t.Errorf("%s: policy %s lacks the prefix %q", id, name, prefix)
				}
				if n := compactLen(t, p["PolicyDocument"]); n > 6144 {
					t.Errorf("%s: policy %s is %d characters, over IAM's 6,144", id, name, n)
				}
				for _, s := range statements(p["PolicyDocument"]) {
					if s["Principal"] == "*" {
						t.Errorf("%s: policy %s has Principal \"*\"", id, name)
					}
				}
			case "AWS::IAM::Group":
				name := p["GroupName"].(string)
				if !strings.HasPrefix(name, prefix) {
					t.Errorf("%s: group %s lacks the prefix", id, name)
				}
				refs := strs(p["ManagedPolicyArns"])
				if len(refs) > 10 {
					t.Errorf("%s: group %s has %d managed policies, over IAM's 10", id, name, len(refs))
				}
				if _, inline := p["Policies"]; inline {
					t.Errorf("%s: group %s has an inline policy", id, name)
				}
				groupPolicies[name] = refs
				groupNames[lid] = name
			case "AWS::IAM::Role":
				name := p["RoleName"].(string)
				if !strings.HasPrefix(name, prefix) {
					t.Errorf("%s: role %s lacks the prefix", id, name)
				}
				if stackAccount == userOnly.ID {
					t.Errorf("%s: role %s in the user-only account", id, name)
				}
				if n := len(strs(p["ManagedPolicyArns"])); n > 10 {
					t.Errorf("%s: role %s has %d managed policies, over IAM's 10", id, name, n)
				}
				if n := compactLen(t, p["AssumeRolePolicyDocument"]); n > 2048 {
					t.Errorf("%s: trust policy of %s is %d characters, over IAM's 2,048", id, name, n)
				}
				trusts[pair{stackAccount, strings.TrimPrefix(name, prefix)}] = statements(p["AssumeRolePolicyDocument"])
			case "AWS::IAM::User":
				name := p["UserName"].(string)
				for _, direct := range []string{"ManagedPolicyArns", "Policies", "PermissionsBoundary"} {
					if _, ok := p[direct]; ok {
						t.Errorf("%s: user %s has %s", id, name, direct)
					}
				}
				// A console password only for people marked console, never
				// in the template: a Secrets Manager reference, reset at first sign-in.
				lp, hasLogin := p["LoginProfile"].(map[string]any)
				if wantLogin := userConsole(m, name) && stackAccount == userOnly.ID; hasLogin != wantLogin {
					t.Errorf("%s: user %s has a login profile: %v, console: %v", id, name, hasLogin, wantLogin)
				} else if hasLogin {
					join, _ := lp["Password"].(map[string]any)["Fn::Join"].([]any)
					parts := strs(join[1])
					if len(parts) != 3 || parts[0] != "{{resolve:secretsmanager:" || !strings.HasPrefix(parts[1], `{"Ref":"FirstPassword`) || lp["PasswordResetRequired"] != true {
						t.Errorf("%s: user %s's first password is not a Secrets Manager reference reset at sign-in: %v", id, name, lp)
					}
				}
				if n := len(strs(p["Groups"])); n > 10 {
					t.Errorf("%s: user %s is in %d groups, over IAM's 10", id, name, n)
				}
				if _, human := m.User(name); human && stackAccount == userOnly.ID {
					humans[name] = p
				} else if _, ci := m.CICDUser(name); !ci {
					t.Errorf("%s: user %s is in no section of the model", id, name)
				} else if slices.Contains(groupsOf(p, groupNames), prefix+"ManageOwnUserG") {
					t.Errorf("%s: CI/CD user %s is in ManageOwnUserG, whose MFA deny would lock it out", id, name)
				}
			}
		}
		// AssumeRoleG statements, resolved through the group's policy references.
		for g, refs := range groupPolicies {
			if !strings.HasPrefix(g, prefix+"AssumeRoleG") {
				continue
			}
			for _, ref := range refs {
				lid := strings.TrimSuffix(strings.TrimPrefix(ref, `{"Ref":"`), `"}`)
				doc, ok := policies[lid]
				if !ok {
					t.Fatalf("%s: group %s references %s, not a policy of the stack", id, g, ref)
				}
				for _, s := range statements(doc["PolicyDocument"]) {
					switch s["Effect"] {
					case "Allow":
						assumeAllows[g] = append(assumeAllows[g], s)
					case "Deny":
						sawDenyMFA = sawDenyMFA || slices.Equal(cond(s, "BoolIfExists", "aws:MultiFactorAuthPresent"), []string{"false"})
						sawDenySession = sawDenySession || slices.Equal(cond(s, "StringNotEquals", "sts:RoleSessionName"), []string{"${aws:username}"})
					}
				}
			}
		}
	}
	if len(humans) != len(m.UserNames()) {
		t.Errorf("templates hold %d human users, the model %d", len(humans), len(m.UserNames()))
	}
	if !sawDenyMFA || !sawDenySession {
		t.Errorf("AssumeRoleG lacks its denies: without MFA %v, foreign session name %v", sawDenyMFA, sawDenySession)
	}

	// Every human trust requires a bounded MFA, the session name, the grant
	// tag, and admits principals of the user-only account only.
	for pr, stmts := range trusts {
		for _, s := range stmts {
			principals := strs(s["Principal"].(map[string]any)["AWS"])
			if slices.Equal(principals, []string{root}) {
				if !slices.Equal(cond(s, "Bool", "aws:MultiFactorAuthPresent"), []string{"true"}) {
					t.Errorf("trust of %s in %s: no MFA required", pr.role, pr.account)
				}
				age := cond(s, "NumericLessThan", "aws:MultiFactorAuthAge")
				if n, err := strconv.Atoi(strings.Join(age, "")); err != nil || n > m.MFAMaxAgeSeconds() {
					t.Errorf("trust of %s in %s: MFA age bound %v, want at most %d", pr.role, pr.account, age, m.MFAMaxAgeSeconds())
				}
				if !slices.Equal(cond(s, "StringEquals", "sts:RoleSessionName"), []string{"${aws:username}"}) {
					t.Errorf("trust of %s in %s: session name not bound to the user name", pr.role, pr.account)
				}
				continue
			}
			// Otherwise: CI/CD users of this very account, that the model lets assume the role.
			for _, p := range principals {
				name := p[strings.LastIndex(p, "/")+1:]
				ci, ok := m.CICDUser(name)
				if !ok || accountID[ci.Account] != pr.account || !strings.HasPrefix(p, "arn:aws:iam::"+pr.account+":user/") || !slices.Contains(ci.Roles, pr.role) {
					t.Errorf("trust of %s in %s admits %s, which the model does not grant it", pr.role, pr.account, p)
				}
			}
		}
	}

	// Exactness: from the templates, which (account, role) can each human
	// assume? Both sides must allow: an AssumeRoleG allow whose tag pattern
	// matches the user's tag, and a trust whose tag pattern matches too.
	// A StringLike on a principal tag holds when any of its patterns
	// matches, after ${aws:ResourceAccount} is replaced by the role's
	// account; aws:ResourceAccount and aws:ResourceOrgPaths bound the
	// accounts (the example names no organization: no path matches).
	conditionsHold := func(s map[string]any, tags map[string]string, account string) bool {
		c, _ := s["Condition"].(map[string]any)
		like, _ := c["StringLike"].(map[string]any)
		for k, v := range like {
			val, ok := tags[strings.TrimPrefix(k, "aws:PrincipalTag/")]
			if !ok || !strings.HasPrefix(k, "aws:PrincipalTag/") {
				return false
			}
			if !slices.ContainsFunc(strs(v), func(pattern string) bool {
				ok, _ := path.Match(strings.ReplaceAll(pattern, "${aws:ResourceAccount}", account), val)
				return ok
			}) {
				return false
			}
		}
		if eq, ok := c["StringEquals"].(map[string]any); ok {
			if ids, ok := eq["aws:ResourceAccount"]; ok && !slices.Contains(strs(ids), account) {
				return false
			}
		}
		if _, ok := c["ForAnyValue:StringLike"]; ok {
			return false
		}
		return len(like) > 0
	}
	resourceMatches := func(s map[string]any, arn string) bool {
		return slices.ContainsFunc(strs(s["Resource"]), func(pattern string) bool {
			ok, _ := path.Match(pattern, arn)
			return ok
		})
	}
	for name, p := range humans {
		tags := map[string]string{}
		for _, tag := range p["Tags"].([]any) {
			kv := tag.(map[string]any)
			tags[kv["Key"].(string)] = kv["Value"].(string)
		}
		var got []string
		for pr, stmts := range trusts {
			roleARN := "arn:aws:iam::" + pr.account + ":role/" + prefix + pr.role
			identity := false
			for _, g := range groupsOf(p, groupNames) {
				for _, s := range assumeAllows[g] {
					identity = identity || resourceMatches(s, roleARN) && conditionsHold(s, tags, pr.account)
				}
			}
			trust := slices.ContainsFunc(stmts, func(s map[string]any) bool { return conditionsHold(s, tags, pr.account) })
			if identity && trust {
				got = append(got, pr.account+"/"+pr.role)
			}
			if trust != identity {
				t.Errorf("%s: identity side allows %s: %v, trust side: %v; both sides must agree", name, roleARN, identity, trust)
			}
		}
		var want []string
		for _, g := range m.UserGrants(name) {
			want = append(want, accountID[g.Account]+"/"+g.Role)
		}
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s can assume %v according to the templates; the model grants %v", name, got, want)
		}
	}
}

// groupsOf resolves a user's Groups property, literal names or references.
func groupsOf(user map[string]any, names map[string]string) []string {
	var out []string
	for _, g := range strs(user["Groups"]) {
		if lid, ok := strings.CutPrefix(g, `{"Ref":"`); ok {
			g = names[strings.TrimSuffix(lid, `"}`)]
		}
		out = append(out, g)
	}
	return out
}

// userConsole tells whether the model gives a person a console password.
func userConsole(m *model.Model, name string) bool {
	u, _ := m.User(name)
	return u.Console
}
