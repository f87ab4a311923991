package model

import (
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/iamstack/iamstack/internal/catalog"
	"github.com/iamstack/iamstack/internal/policy"
)

func (v *validator) statements(p path, stmts []policy.Statement, denyOnly bool) {
	sids := map[string]int{}
	for i, s := range stmts {
		sp := p.index(i)
		if s.Sid != "" {
			if !sidPattern.MatchString(s.Sid) {
				v.at(sp.key("sid"), "sid %q: IAM allows only letters and digits in a statement ID", s.Sid)
			}
			if j, dup := sids[s.Sid]; dup {
				v.at(sp.key("sid"), "sid %q is the sid of statement %d too: IAM refuses a policy whose statement IDs repeat", s.Sid, j)
			}
			sids[s.Sid] = i
		}
		switch s.Effect {
		case policy.Allow:
			if denyOnly {
				v.at(sp.key("effect"), "a guardrail only denies; use effect: Deny")
			}
		case policy.Deny:
		default:
			v.at(sp.key("effect"), "effect %q must be Allow or Deny", s.Effect)
		}
		if (len(s.Actions) == 0) == (len(s.NotActions) == 0) {
			v.at(sp, "a statement needs exactly one of actions and notActions")
		}
		listed := append(append([]string(nil), s.Actions...), s.NotActions...)
		for j, a := range listed {
			field := "actions"
			if j >= len(s.Actions) {
				field, j = "notActions", j-len(s.Actions)
			}
			if !actionPattern.MatchString(a) {
				v.at(sp.key(field).index(j), "%q is not an action; write service:Action, such as s3:GetObject or ec2:Describe*", a)
				continue
			}
			if !slices.Contains(s.RetiredActions, a) {
				v.action(sp.key(field).index(j), a)
			}
		}
		for j, a := range s.RetiredActions {
			rp := sp.key("retiredActions").index(j)
			switch {
			case !slices.Contains(listed, a):
				v.at(rp, "%q is not among the statement's actions: retiredActions names actions the statement lists that IAM no longer knows", a)
			case v.knownAction(a):
				v.at(rp, "%q is an action IAM knows: remove it from retiredActions, which is for actions AWS has retired", a)
			}
		}
		if len(s.NotActions) == 0 {
			v.resourcesFitActions(sp, s)
		}
		if (len(s.Resources) == 0) == (len(s.NotResources) == 0) {
			v.at(sp, "a statement needs exactly one of resources and notResources; use [\"*\"] for every resource")
		}
		for j, r := range append(append([]string(nil), s.Resources...), s.NotResources...) {
			field := "resources"
			if j >= len(s.Resources) {
				field, j = "notResources", j-len(s.Resources)
			}
			// A policy variable may hold colons; a literal ARN has six
			// fields, and with fewer IAM matches nothing.
			if strings.HasPrefix(r, "arn:") && !strings.Contains(r, "${") && strings.Count(r, ":") < 5 {
				v.at(sp.key(field).index(j), "%q is not an ARN: an ARN has six fields, arn:partition:service:region:account:resource (an S3 bucket's is arn:aws:s3:::bucket)", r)
			}
		}
		for op, kv := range s.Conditions {
			if _, err := policy.ParseOperator(op); err != nil {
				base := strings.TrimSuffix(op[strings.Index(op, ":")+1:], "IfExists")
				v.at(sp.key("conditions").key(op), "%v%s; IAM's operators: %s, each optionally with IfExists and a ForAnyValue: or ForAllValues: qualifier",
					err, suggest(base, policy.ConditionOperators()), strings.Join(policy.ConditionOperators(), ", "))
			}
			for k, vals := range kv {
				if len(vals) == 0 {
					v.at(sp.key("conditions").key(op).key(k), "condition key %q has no values", k)
				}
				v.conditionKey(sp.key("conditions").key(op).key(k), op, k)
			}
		}
	}
}

// sidPattern is what IAM allows in a statement ID.
var sidPattern = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// scope checks where the guardrail at p applies (accounts; none is all)
// and the roles it exempts: roles of the model, each once, each existing in
// an account it covers, since an exemption anywhere else would do nothing.
func (v *validator) scope(p path, accounts, exempt []string) {
	covered := v.resolve(p.key("accounts"), accounts)
	if len(accounts) == 0 {
		if v.present(p.key("accounts")) {
			v.at(p.key("accounts"), "accounts is empty, which would mean every account: list the accounts or types it covers, or omit the key (or write [all]) for every account")
		}
		covered = v.accountNames()
	}
	seen := map[string]bool{}
	for i, r := range exempt {
		ep := p.key("exemptRoles").index(i)
		enabled, ok := v.res.enabled[r]
		switch {
		case !ok:
			names := slices.Sorted(maps.Keys(v.res.enabled))
			v.at(ep, "no role is called %q%s; roles: %s", r, suggest(r, names), quoted(names))
		case seen[r]:
			v.at(ep, "role %s is exempted twice", r)
		case !slices.ContainsFunc(covered, func(a string) bool { return enabled[a] }):
			v.at(ep, "role %s exists in none of the accounts this guardrail covers: the exemption would apply nowhere", r)
		}
		seen[r] = true
	}
}

// enabledInAny tells whether a role exists in any of the accounts names.
func (v *validator) enabledInAny(role string, names []string) bool {
	return slices.ContainsFunc(names, func(a string) bool { return v.res.enabled[role][a] })
}

// action checks an action against the IAM catalog: its service exists, and
// it names an action of that service (a pattern, at least one). In IAM a
// misspelled action grants nothing, silently.
func (v *validator) action(p path, a string) {
	if a == "*" {
		return
	}
	cat := catalog.Get()
	svc, name, _ := strings.Cut(a, ":")
	svc = strings.ToLower(svc) // IAM matches actions without regard to case
	if _, ok := cat.Services[svc]; !ok {
		v.at(p, "%q: no IAM service has the prefix %q%s", a, svc, suggest(svc, cat.ServiceNames()))
		return
	}
	if strings.ContainsAny(name, "*?") {
		if len(cat.MatchActions(svc, name)) == 0 {
			v.at(p, "%q matches no action of %s", a, svc)
		}
		return
	}
	if len(cat.MatchActions(svc, name)) == 0 {
		actions := cat.Actions(svc)
		for i := range actions {
			actions[i] = svc + ":" + actions[i]
		}
		v.at(p, "%q is not an action of %s%s", a, svc, suggest(a, actions))
	}
}

// knownAction tells whether the catalog knows an action, or an action a
// pattern matches.
func (v *validator) knownAction(a string) bool {
	svc, name, _ := strings.Cut(a, ":")
	return len(catalog.Get().MatchActions(strings.ToLower(svc), name)) > 0
}

// keyTypes are the condition key types each operator family compares; an
// operator outside its family on a key of another type never matches.
var keyTypes = map[string][]string{
	"Numeric": {"Numeric"}, "Date": {"Date"}, "Bool": {"Bool", "ArrayOfBool"}, "IpAddress": {"IPAddress"}, "NotIpAddress": {"IPAddress"},
}

// conditionKey checks a condition key against the IAM catalog and its type
// against the operator. In IAM a misspelled key silently never matches.
func (v *validator) conditionKey(p path, op, key string) {
	cat := catalog.Get()
	typ, ok := cat.ConditionKey(key)
	if !ok {
		v.at(p, "condition key %q does not exist%s", key, suggest(key, cat.ConditionKeys(key)))
		return
	}
	parsed, err := policy.ParseOperator(op)
	if err != nil || parsed.Name == "Null" {
		return
	}
	for family, types := range keyTypes {
		if (parsed.Positive == family || strings.HasPrefix(parsed.Positive, family)) && !slices.Contains(types, typ) {
			v.at(p, "%s compares %s values, but %s is a %s key: the condition can never match", op, strings.ToLower(family), key, typ)
		}
	}
}

// resourcesFitActions refuses a statement that can never match: its
// resources are ARNs of services none of its actions act on.
func (v *validator) resourcesFitActions(p path, s policy.Statement) {
	cat := catalog.Get()
	arnServices := map[string]bool{}
	for _, a := range s.Actions {
		svc, _, _ := strings.Cut(a, ":")
		svc = strings.ToLower(svc)
		if a == "*" || strings.ContainsAny(svc, "*?") {
			return
		}
		for _, format := range cat.Services[svc].Resources {
			if parts := strings.SplitN(format, ":", 4); len(parts) == 4 {
				arnServices[parts[2]] = true
			}
		}
	}
	if len(arnServices) == 0 {
		return
	}
	for i, r := range s.Resources {
		parts := strings.SplitN(r, ":", 6)
		if len(parts) < 6 || parts[0] != "arn" || strings.ContainsAny(parts[2], "*?$") {
			continue
		}
		if !arnServices[parts[2]] {
			v.at(p.key("resources").index(i), "%q is an ARN of service %q, on which none of the statement's actions (%s) act: the statement can never match it", r, parts[2], strings.Join(s.Actions, ", "))
			continue
		}
		// A service whose every ARN leaves the region (or the account)
		// empty, as IAM's and S3 buckets' do, matches no ARN that sets it.
		for _, part := range []struct {
			index int
			what  string
		}{{3, "region"}, {4, "account"}} {
			if value := parts[part.index]; value != "" && !strings.ContainsAny(value, "*?$") && !v.arnField(parts[2], part.index) {
				v.at(p.key("resources").index(i), "%q names %s %q, but ARNs of %s have none: the statement can never match it", r, part.what, value, parts[2])
			}
		}
		if acct := parts[4]; acct != "" && !strings.ContainsAny(acct, "*?$") && !accountIDPattern.MatchString(acct) && acct != "aws" {
			v.at(p.key("resources").index(i), "%q: account %q is not a 12-digit account ID", r, acct)
		}
	}
}

// arnField tells whether some ARN format of the service sets the field
// (3: region, 4: account).
func (v *validator) arnField(service string, index int) bool {
	cat := catalog.Get()
	for _, s := range cat.Services {
		for _, format := range s.Resources {
			parts := strings.SplitN(format, ":", 6)
			if len(parts) == 6 && parts[2] == service && parts[index] != "" {
				return true
			}
		}
	}
	return false
}

// managedPolicies checks AWS managed policy names against the catalog.
func (v *validator) managedPolicies(p path, names []string) {
	cat := catalog.Get()
	for i, mp := range names {
		if !cat.ManagedPolicy(mp) {
			v.at(p.index(i), "%q is not an AWS managed policy%s (names as in the ARN after policy/, such as ReadOnlyAccess or job-function/Billing)", mp, suggest(mp, cat.ManagedPolicyNames))
		}
	}
}
