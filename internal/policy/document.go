// Package policy builds IAM policy documents as typed Go values, measures them
// against IAM's size quotas and splits them into managed policies.
//
// Documents are plain data: building, sizing and splitting them needs no CDK,
// so everything here tests in milliseconds.
package policy

import (
	"encoding/json"
	"fmt"
)

// Version is the only policy language version IAM accepts for new policies.
const Version = "2012-10-17"

// ManagedPolicyMaxSize is IAM's quota on a customer managed policy, counted
// without whitespace.
const ManagedPolicyMaxSize = 6144

// InlineRolePoliciesMaxSize is IAM's quota on a role's inline policies
// together, counted as ManagedPolicyMaxSize is.
const InlineRolePoliciesMaxSize = 10240

// TrustPolicyMaxSize is IAM's default quota on a role trust policy.
const TrustPolicyMaxSize = 2048

// Effect is Allow or Deny.
type Effect string

// The two effects a statement can have.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Conditions maps a condition operator to its keys and their values:
// {"Bool": {"aws:MultiFactorAuthPresent": ["true"]}}.
type Conditions map[string]map[string][]string

// Principal maps a principal type ("AWS", "Service", "Federated") to its values.
type Principal map[string][]string

// Statement is one statement of a policy document. Exactly one of Actions and
// NotActions, and at most one of Resources and NotResources, is set.
type Statement struct {
	Sid          string     `yaml:"sid"`
	Effect       Effect     `yaml:"effect"`
	Principal    Principal  `yaml:"-"`
	NotPrincipal Principal  `yaml:"-"`
	Actions      []string   `yaml:"actions"`
	NotActions   []string   `yaml:"notActions"`
	Resources    []string   `yaml:"resources"`
	NotResources []string   `yaml:"notResources"`
	Conditions   Conditions `yaml:"conditions"`
	// RetiredActions, in a model, are actions of Actions or NotActions the
	// IAM catalog no longer lists (a service AWS retired or renamed, such
	// as macie:* or budget:View*) that a migrated policy keeps as it is:
	// the validation accepts exactly these unknown actions. IAM ignores
	// them; they are written as the policy has them, and never rendered
	// as a field.
	RetiredActions []string `yaml:"retiredActions"`
}

// Document is an IAM policy document.
type Document struct {
	Statements []Statement
}

// NewDocument returns a document holding the given statements.
func NewDocument(statements ...Statement) Document {
	return Document{Statements: statements}
}

// MarshalJSON writes the document in IAM's JSON grammar. Lists of one element
// are written as a bare string, as IAM itself shows them, and map keys are
// sorted, so the output is deterministic.
func (d Document) MarshalJSON() ([]byte, error) {
	stmts := d.Statements
	if stmts == nil {
		stmts = []Statement{}
	}
	return json.Marshal(struct {
		Version   string      `json:"Version"`
		Statement []Statement `json:"Statement"`
	}{Version, stmts})
}

// MarshalJSON writes one statement in IAM's JSON grammar.
func (s Statement) MarshalJSON() ([]byte, error) {
	out := struct {
		Sid          string                    `json:"Sid,omitempty"`
		Effect       Effect                    `json:"Effect"`
		Principal    map[string]any            `json:"Principal,omitempty"`
		NotPrincipal map[string]any            `json:"NotPrincipal,omitempty"`
		Action       any                       `json:"Action,omitempty"`
		NotAction    any                       `json:"NotAction,omitempty"`
		Resource     any                       `json:"Resource,omitempty"`
		NotResource  any                       `json:"NotResource,omitempty"`
		Condition    map[string]map[string]any `json:"Condition,omitempty"`
	}{
		Sid:         s.Sid,
		Effect:      s.Effect,
		Action:      oneOrMany(s.Actions),
		NotAction:   oneOrMany(s.NotActions),
		Resource:    oneOrMany(s.Resources),
		NotResource: oneOrMany(s.NotResources),
	}
	out.Principal = principalJSON(s.Principal)
	out.NotPrincipal = principalJSON(s.NotPrincipal)
	if len(s.Conditions) > 0 {
		out.Condition = map[string]map[string]any{}
		for op, kv := range s.Conditions {
			out.Condition[op] = map[string]any{}
			for k, v := range kv {
				out.Condition[op][k] = oneOrMany(v)
			}
		}
	}
	return json.Marshal(out)
}

func principalJSON(p Principal) map[string]any {
	if len(p) == 0 {
		return nil
	}
	out := map[string]any{}
	for k, v := range p {
		out[k] = oneOrMany(v)
	}
	return out
}

func oneOrMany(v []string) any {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return v[0]
	default:
		return v
	}
}

// JSON returns the document as minified JSON.
func (d Document) JSON() []byte {
	b, err := json.Marshal(d)
	if err != nil {
		// Every field is a string, a slice or a map of strings: encoding cannot fail.
		panic(fmt.Sprintf("policy: marshal document: %v", err))
	}
	return b
}

// Size is the document's length as IAM counts it against its quotas:
// minified JSON, whitespace excluded.
func (d Document) Size() int { return len(d.JSON()) }

// Map returns the document as generic JSON values, the form CloudFormation
// properties take: what decoding JSON() gives, built without the round
// trip, which a synthesis would otherwise pay for every document.
func (d Document) Map() map[string]any {
	stmts := make([]any, len(d.Statements))
	for i, s := range d.Statements {
		stmts[i] = s.jsonValue()
	}
	return map[string]any{"Version": Version, "Statement": stmts}
}

// jsonValue is what decoding the statement's MarshalJSON gives.
func (s Statement) jsonValue() map[string]any {
	out := map[string]any{"Effect": string(s.Effect)}
	if s.Sid != "" {
		out["Sid"] = s.Sid
	}
	for key, p := range map[string]Principal{"Principal": s.Principal, "NotPrincipal": s.NotPrincipal} {
		if len(p) > 0 {
			m := map[string]any{}
			for k, v := range p {
				m[k] = oneOrManyValue(v)
			}
			out[key] = m
		}
	}
	for key, v := range map[string][]string{"Action": s.Actions, "NotAction": s.NotActions, "Resource": s.Resources, "NotResource": s.NotResources} {
		if len(v) > 0 {
			out[key] = oneOrManyValue(v)
		}
	}
	if len(s.Conditions) > 0 {
		cond := map[string]any{}
		for op, kv := range s.Conditions {
			m := map[string]any{}
			for k, v := range kv {
				m[k] = oneOrManyValue(v)
			}
			cond[op] = m
		}
		out["Condition"] = cond
	}
	return out
}

// oneOrManyValue is oneOrMany as JSON decodes it: nil, a string, or []any.
func oneOrManyValue(v []string) any {
	if len(v) < 2 {
		return oneOrMany(v)
	}
	out := make([]any, len(v))
	for i, e := range v {
		out[i] = e
	}
	return out
}

// Split packs statements, in order, into as few documents as possible that each
// fit within limit characters. It fails when one statement alone does not fit.
func Split(statements []Statement, limit int) ([]Document, error) {
	envelope := NewDocument().Size()
	var docs []Document
	var cur []Statement
	size := envelope
	for i, s := range statements {
		n := len(s.mustJSON())
		if envelope+n > limit {
			return nil, fmt.Errorf("statement %d (%s) is %d characters on its own; a policy may hold %d", i+1, s.describe(), envelope+n, limit)
		}
		grown := size + n
		if len(cur) > 0 {
			grown++ // the comma between statements
		}
		if len(cur) > 0 && grown > limit {
			docs = append(docs, NewDocument(cur...))
			cur, grown = nil, envelope+n
		}
		cur = append(cur, s)
		size = grown
	}
	if len(cur) > 0 {
		docs = append(docs, NewDocument(cur...))
	}
	return docs, nil
}

func (s Statement) mustJSON() []byte {
	b, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("policy: marshal statement: %v", err))
	}
	return b
}

func (s Statement) describe() string {
	if s.Sid != "" {
		return "Sid " + s.Sid
	}
	acts := s.Actions
	if len(acts) == 0 {
		acts = s.NotActions
	}
	if len(acts) > 0 {
		return fmt.Sprintf("%s %s", s.Effect, acts[0])
	}
	return string(s.Effect)
}
