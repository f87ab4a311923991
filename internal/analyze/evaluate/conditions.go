package evaluate

import (
	"cmp"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iamstack/iamstack/internal/policy"
)

// Context is a request context prepared for evaluation: condition keys are
// matched case-insensitively, as IAM does. The keys that describe the
// resource (aws:ResourceAccount, aws:ResourceOrgID, aws:ResourceOrgPaths)
// come from the request being decided, so one principal's context serves
// every resource.
type Context struct {
	keys map[string][]string
	// over are keys With adds or replaces, looked up before keys: the
	// analysis asks a principal's context with one key more thousands of
	// times (a boundary, a session name), and copying every key each time
	// was a tenth of its work.
	over map[string][]string
	// The resource's account, organization and organization paths.
	account, orgID string
	orgPaths       []string
}

// NewContext prepares a request context.
func NewContext(m map[string][]string) Context {
	c := Context{keys: make(map[string][]string, len(m))}
	for k, v := range m {
		c.keys[strings.ToLower(k)] = v
	}
	return c
}

// With returns the context with more keys, or other values for some: c is
// unchanged.
func (c Context) With(m map[string][]string) Context {
	out := c
	out.over = make(map[string][]string, len(c.over)+len(m))
	for k, v := range c.over {
		out.over[k] = v
	}
	for k, v := range m {
		out.over[strings.ToLower(k)] = v
	}
	return out
}

// The resource keys, lower-cased as the context keeps keys.
const (
	keyResourceAccount  = "aws:resourceaccount"
	keyResourceOrgID    = "aws:resourceorgid"
	keyResourceOrgPaths = "aws:resourceorgpaths"
)

func (c Context) get(key string) ([]string, bool) { return c.lookup(strings.ToLower(key)) }

// lookup is get of a key already lower-cased.
func (c Context) lookup(key string) ([]string, bool) {
	if v, ok := c.over[key]; ok {
		return v, ok
	}
	if v, ok := c.keys[key]; ok {
		return v, ok
	}
	switch {
	case key == keyResourceAccount && c.account != "":
		return []string{c.account}, true
	case key == keyResourceOrgID && c.orgID != "":
		return []string{c.orgID}, true
	case key == keyResourceOrgPaths && len(c.orgPaths) > 0:
		return c.orgPaths, true
	}
	return nil, false
}

// For is the context as a request sees it: with its resource's account
// and organization, which conditions and policy variables may name
// (aws:ResourceAccount). A caller that matches patterns without evaluating
// (MayAllow, LiteralResources, ResourceClass) passes it the context For the
// request it stands for.
func (c Context) For(req Request) Context {
	c.account, c.orgID, c.orgPaths = req.ResourceAccount, req.ResourceOrgID, req.ResourceOrgPaths
	return c
}

// substitute replaces policy variables in s. It reports false when a
// variable has no single value in the context: the pattern then matches
// nothing, as in IAM.
func (c Context) substitute(s string) (string, bool) {
	before, name, after, found := nextVariable(s)
	if !found {
		return s, true
	}
	var b strings.Builder
	for ; found; before, name, after, found = nextVariable(after) {
		b.WriteString(before)
		switch name {
		case "*", "?", "$":
			b.WriteString(name)
		default:
			v, ok := c.get(name)
			if !ok || len(v) != 1 {
				return "", false
			}
			b.WriteString(v[0])
		}
	}
	b.WriteString(before)
	return b.String(), true
}

// nextVariable finds the first policy variable of s, ${name}: the text
// before it, its name and the text after. found is false when s has none
// (an unclosed ${ is text), before then all of s.
func nextVariable(s string) (before, name, after string, found bool) {
	i := strings.Index(s, "${")
	if i < 0 {
		return s, "", "", false
	}
	j := strings.IndexByte(s[i:], '}')
	if j < 0 {
		return s, "", "", false
	}
	return s[:i], s[i+2 : i+j], s[i+j+1:], true
}

// condition is one key under one operator of a statement's Condition
// block, read once for every request it decides (compileConditions).
type condition struct {
	opText string
	op     policy.Operator
	// invalid is an operator IAM refuses: the condition never holds.
	invalid bool
	// key is lower-cased, as the context keeps keys.
	key    string
	values []string
	// literal are, when the values are many (minSet) and the operator
	// compares by equality, the values that match a request value only by
	// being equal to it: no policy variable, and for a Like or Arn
	// operator no wildcard. rest are the others, compared one by one.
	literal map[string]bool
	rest    []string
}

// minSet is the number of values from which a condition looks its literal
// values up in a set: a grant to hundreds of accounts lists every one
// (aws:ResourceAccount), and the analysis decides it for every role of the
// organization.
const minSet = 8

// compileConditions reads a statement's Condition block for evaluation.
// Every condition must hold: the shortest first, the quickest to refute,
// then by operator and key, so that every decision reads them in one
// order.
func compileConditions(conds policy.Conditions) []condition {
	if len(conds) == 0 {
		return nil
	}
	var out []condition
	for op, kv := range conds {
		for key, values := range kv {
			out = append(out, compileCondition(op, key, values))
		}
	}
	slices.SortFunc(out, func(a, b condition) int {
		return cmp.Or(cmp.Compare(len(a.values), len(b.values)), strings.Compare(a.opText, b.opText), strings.Compare(a.key, b.key))
	})
	return out
}

func compileCondition(opText, key string, values []string) condition {
	op, err := policy.ParseOperator(opText)
	c := condition{opText: opText, op: op, invalid: err != nil, key: strings.ToLower(key), values: values, rest: values}
	if err != nil || len(values) < minSet {
		return c
	}
	var wildcards string
	switch op.Positive {
	case "StringEquals", "BinaryEquals":
	case "StringLike", "ArnEquals", "ArnLike":
		wildcards = "*?"
	default:
		return c
	}
	c.literal, c.rest = map[string]bool{}, nil
	for _, v := range values {
		if strings.Contains(v, "${") || strings.ContainsAny(v, wildcards) {
			c.rest = append(c.rest, v)
		} else {
			c.literal[v] = true
		}
	}
	return c
}

// conditionsHold tells whether every condition of a statement holds: every
// operator, every key under it (AND); any value of a key (OR).
func conditionsHold(conds []condition, ctx Context) bool {
	for i := range conds {
		if !conds[i].holds(ctx) {
			return false
		}
	}
	return true
}

func (c *condition) holds(ctx Context) bool {
	if c.invalid {
		return false // IAM refuses such a policy; here it never matches
	}
	set, ifExists := c.op.Set, c.op.IfExists
	reqValues, present := ctx.lookup(c.key)

	if c.op.Name == "Null" {
		want := len(c.values) > 0 && strings.EqualFold(c.values[0], "true")
		return want == !present
	}
	if !present {
		switch {
		case ifExists:
			return true
		case set == "ForAllValues":
			return true // vacuously true over no values
		case set == "ForAnyValue":
			return false
		default:
			return c.op.Negated
		}
	}
	// Variables in the policy's values are substituted as they are
	// compared: most values have none, and a copy per request of every
	// condition's values was most of the analysis's allocation.
	base, neg := c.op.Positive, c.op.Negated
	matchesAny := func(rv string) bool {
		if c.literal[rv] {
			return true
		}
		for _, v := range c.rest {
			if pv, ok := ctx.substitute(v); ok && compare(base, pv, rv) {
				return true
			}
		}
		return false
	}
	switch set {
	case "ForAllValues":
		for _, rv := range reqValues {
			if matchesAny(rv) == neg {
				return false
			}
		}
		return true
	case "ForAnyValue":
		for _, rv := range reqValues {
			if matchesAny(rv) != neg {
				return true
			}
		}
		return false
	default:
		any := false
		for _, rv := range reqValues {
			any = any || matchesAny(rv)
		}
		return any != neg
	}
}

// compare applies a positive operator to a policy value and a request value.
// An operator it does not know never matches.
func compare(op, pv, rv string) bool {
	switch op {
	case "StringEquals":
		return pv == rv
	case "StringEqualsIgnoreCase":
		return strings.EqualFold(pv, rv)
	case "StringLike":
		return glob(pv, rv)
	case "Bool":
		return strings.EqualFold(pv, rv)
	case "BinaryEquals":
		return pv == rv // base64, compared as written
	case "ArnEquals", "ArnLike":
		return arnMatch(pv, rv)
	case "NumericEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals":
		p, err1 := strconv.ParseFloat(pv, 64)
		r, err2 := strconv.ParseFloat(rv, 64)
		return err1 == nil && err2 == nil && ordered(op, r, p)
	case "DateEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals":
		p, ok1 := parseTime(pv)
		r, ok2 := parseTime(rv)
		return ok1 && ok2 && ordered(strings.Replace(op, "Date", "Numeric", 1), float64(r.Unix()), float64(p.Unix()))
	case "IpAddress":
		prefix, err := netip.ParsePrefix(pv)
		if err != nil {
			a, err := netip.ParseAddr(pv)
			if err != nil {
				return false
			}
			prefix = netip.PrefixFrom(a, a.BitLen())
		}
		addr, err := netip.ParseAddr(rv)
		return err == nil && prefix.Contains(addr)
	}
	return false
}

// ordered compares the request value r to the policy value p.
func ordered(op string, r, p float64) bool {
	switch op {
	case "NumericEquals":
		return r == p
	case "NumericLessThan":
		return r < p
	case "NumericLessThanEquals":
		return r <= p
	case "NumericGreaterThan":
		return r > p
	case "NumericGreaterThanEquals":
		return r >= p
	}
	return false
}

func parseTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, true
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), true
	}
	return time.Time{}, false
}

// Projection spells the values this context gives the keys that policies
// read: the keys of their conditions, and the policy variables anywhere in
// their resources and condition values. Two contexts of the same
// projection get the same decision from the policies on every request that
// differs in nothing else: a caller deciding one request for many
// principals of the same policies decides it once per projection.
func (c Context) Projection(ps Policies) string {
	read := map[string]bool{}
	// The variables as substitute reads them.
	variables := func(s string) {
		for _, name, after, found := nextVariable(s); found; _, name, after, found = nextVariable(after) {
			read[strings.ToLower(name)] = true
		}
	}
	doc := func(p *Policy) {
		if p == nil {
			return
		}
		for _, st := range p.Document.Statements {
			for _, kv := range st.Conditions {
				for k, vs := range kv {
					read[strings.ToLower(k)] = true
					for _, v := range vs {
						variables(v)
					}
				}
			}
			for _, r := range st.Resources {
				variables(r)
			}
			for _, r := range st.NotResources {
				variables(r)
			}
		}
	}
	for i := range ps.Identity {
		doc(&ps.Identity[i])
	}
	doc(ps.Boundary)
	doc(ps.Resource)
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(read)) {
		b.WriteString(k)
		if v, ok := c.get(k); ok {
			b.WriteByte('=')
			for _, x := range v {
				b.WriteString(x)
				b.WriteByte('\x01')
			}
		}
		b.WriteByte('\x00')
	}
	return b.String()
}
