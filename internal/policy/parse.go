package policy

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Parse reads a policy document in IAM's JSON grammar, accepting a string or
// a list wherever IAM does. Principal "*" is read as {"AWS": ["*"]}.
func Parse(data []byte) (Document, error) {
	var raw struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return Document{}, fmt.Errorf("parse policy: %w", err)
	}
	var list []json.RawMessage
	if len(raw.Statement) > 0 && raw.Statement[0] == '{' {
		list = []json.RawMessage{raw.Statement}
	} else if err := json.Unmarshal(raw.Statement, &list); err != nil {
		return Document{}, fmt.Errorf("parse policy: Statement: %w", err)
	}
	var d Document
	for i, r := range list {
		s, err := parseStatement(r)
		if err != nil {
			return Document{}, fmt.Errorf("parse policy: statement %d: %w", i+1, err)
		}
		d.Statements = append(d.Statements, s)
	}
	return d, nil
}

// FromValue parses a policy document already decoded as generic JSON values.
func FromValue(v any) (Document, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return Document{}, err
	}
	return Parse(b)
}

func parseStatement(data []byte) (Statement, error) {
	var raw struct {
		Sid          string                           `json:"Sid"`
		Effect       Effect                           `json:"Effect"`
		Principal    json.RawMessage                  `json:"Principal"`
		NotPrincipal json.RawMessage                  `json:"NotPrincipal"`
		Action       stringList                       `json:"Action"`
		NotAction    stringList                       `json:"NotAction"`
		Resource     stringList                       `json:"Resource"`
		NotResource  stringList                       `json:"NotResource"`
		Condition    map[string]map[string]stringList `json:"Condition"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return Statement{}, err
	}
	if raw.Effect != Allow && raw.Effect != Deny {
		return Statement{}, fmt.Errorf("effect %q", raw.Effect)
	}
	s := Statement{Sid: raw.Sid, Effect: raw.Effect, Actions: raw.Action, NotActions: raw.NotAction,
		Resources: raw.Resource, NotResources: raw.NotResource}
	if len(raw.Principal) > 0 {
		p, err := parsePrincipal(raw.Principal)
		if err != nil {
			return Statement{}, err
		}
		s.Principal = p
	}
	if len(raw.NotPrincipal) > 0 {
		p, err := parsePrincipal(raw.NotPrincipal)
		if err != nil {
			return Statement{}, err
		}
		s.NotPrincipal = p
	}
	if len(raw.Condition) > 0 {
		s.Conditions = Conditions{}
		for op, kv := range raw.Condition {
			s.Conditions[op] = map[string][]string{}
			for k, v := range kv {
				s.Conditions[op][k] = v
			}
		}
	}
	return s, nil
}

func parsePrincipal(data []byte) (Principal, error) {
	var star string
	if json.Unmarshal(data, &star) == nil {
		if star != "*" {
			return nil, fmt.Errorf("principal %q", star)
		}
		return Principal{"AWS": {"*"}}, nil
	}
	var m map[string]stringList
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("principal: %w", err)
	}
	p := Principal{}
	for k, v := range m {
		vals := append([]string(nil), v...)
		sort.Strings(vals)
		p[k] = vals
	}
	return p, nil
}

// stringList is a JSON string or list of strings; numbers and booleans, which
// IAM accepts in conditions, are read as their text.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one any
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	switch v := one.(type) {
	case []any:
		for _, e := range v {
			s, err := scalar(e)
			if err != nil {
				return err
			}
			*l = append(*l, s)
		}
		return nil
	default:
		s, err := scalar(v)
		if err != nil {
			return err
		}
		*l = stringList{s}
		return nil
	}
}

func scalar(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool, float64:
		return fmt.Sprint(x), nil
	default:
		return "", fmt.Errorf("expected a string, found %T", v)
	}
}
