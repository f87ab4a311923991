package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Markdown renders a schema Generate made as the model's reference: the top
// level's keys, then each type's, with type, whether required, and the
// description. `make schema` writes it to docs/reference.md; a test fails
// when the committed file is stale.
func Markdown(schema []byte) ([]byte, error) {
	var s node
	if err := json.Unmarshal(schema, &s); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("# Model reference\n\n")
	b.WriteString("Every key of `iamstack.yaml`, generated from `iamstack.schema.json` (`make schema`), which is\n")
	b.WriteString("generated from the model's Go types. [model.md](model.md) explains the sections with examples.\n\n")
	b.WriteString("## Top level\n\n")
	table(&b, &s)
	for _, name := range slices.Sorted(maps.Keys(s.Defs)) {
		fmt.Fprintf(&b, "\n## %s\n\n", name)
		d := s.Defs[name]
		if d.Description != "" {
			b.WriteString(d.Description + "\n\n")
		}
		if one := exactlyOne(d); len(one) > 0 {
			fmt.Fprintf(&b, "Names exactly one of `%s`.\n\n", strings.Join(one, "`, `"))
		}
		table(&b, d)
	}
	return b.Bytes(), nil
}

// node is the part of a JSON Schema the reference shows.
type node struct {
	Type                 any              `json:"type"`
	Description          string           `json:"description"`
	Ref                  string           `json:"$ref"`
	Enum                 []any            `json:"enum"`
	Pattern              string           `json:"pattern"`
	Items                *node            `json:"items"`
	AdditionalProperties any              `json:"additionalProperties"`
	Properties           map[string]*node `json:"properties"`
	Required             []string         `json:"required"`
	OneOf                []*node          `json:"oneOf"`
	AllOf                []*node          `json:"allOf"`
	Defs                 map[string]*node `json:"$defs"`
}

func table(b *bytes.Buffer, n *node) {
	if len(n.Properties) == 0 {
		return
	}
	b.WriteString("| key | type | required | description |\n|---|---|---|---|\n")
	for _, k := range slices.Sorted(maps.Keys(n.Properties)) {
		p := n.Properties[k]
		req := ""
		if slices.Contains(n.Required, k) {
			req = "yes"
		}
		desc := p.Description
		if len(p.Enum) > 0 && len(p.Enum) <= 12 {
			vals := make([]string, len(p.Enum))
			for i, v := range p.Enum {
				vals[i] = fmt.Sprintf("`%v`", v)
			}
			desc = strings.TrimSpace(desc + " One of " + strings.Join(vals, ", ") + ".")
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s |\n", k, typeOf(p), req, cell(desc))
	}
}

// exactlyOne are the keys of which an object must name exactly one: a
// oneOf whose branches each require one key.
func exactlyOne(n *node) []string {
	var out []string
	for _, o := range n.OneOf {
		if len(o.Required) != 1 || len(o.Properties) > 0 {
			return nil
		}
		out = append(out, o.Required[0])
	}
	return out
}

// typeOf names a property's type as a reader of the model sees it.
func typeOf(n *node) string {
	switch {
	case n == nil:
		return "any"
	case n.Ref != "":
		name := strings.TrimPrefix(n.Ref, "#/$defs/")
		return fmt.Sprintf("[%s](#%s)", name, strings.ToLower(name))
	case len(n.AllOf) == 1:
		return typeOf(n.AllOf[0])
	case len(n.OneOf) > 0:
		alts := make([]string, len(n.OneOf))
		for i, o := range n.OneOf {
			alts[i] = typeOf(o)
		}
		return strings.Join(alts, " or ")
	}
	switch t, _ := n.Type.(string); t {
	case "array":
		return "list of " + typeOf(n.Items)
	case "object":
		if v, ok := n.AdditionalProperties.(map[string]any); ok {
			raw, _ := json.Marshal(v)
			var item node
			if json.Unmarshal(raw, &item) == nil {
				return "map of " + typeOf(&item)
			}
		}
		return "object"
	case "":
		return "any"
	default:
		return t
	}
}

// cell makes text safe in a table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
