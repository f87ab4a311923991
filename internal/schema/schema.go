// Package schema generates the JSON Schema of the identity model from its Go
// types: every key the strict loader accepts, with the doc comment of its Go
// field as description and iamstack's own vocabularies (regions, rule IDs,
// condition operators, standing resource kinds, workload services) as enums,
// so that editors complete and check a model as it is typed. `make schema`
// writes iamstack.schema.json; a test fails when the committed file is stale.
package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/policy"
	"github.com/iamstack/iamstack/internal/rules"
	"github.com/iamstack/iamstack/model"
)

// ID is the schema's identifier.
const ID = "https://iamstack.dev/schema/iamstack-v1.json"

// Comments reads the doc comments of the struct fields in the Go source of
// the given directories, keyed "Type.Field".
func Comments(dirs ...string) (map[string]string, error) {
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, dir := range dirs {
		pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool {
			return !strings.HasSuffix(fi.Name(), "_test.go")
		}, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("schema: read %s: %w", dir, err)
		}
		for _, pkg := range pkgs {
			for _, f := range pkg.Files {
				ast.Inspect(f, func(n ast.Node) bool {
					ts, ok := n.(*ast.TypeSpec)
					if !ok {
						return true
					}
					st, ok := ts.Type.(*ast.StructType)
					if !ok {
						return true
					}
					for _, fld := range st.Fields.List {
						text := strings.TrimSpace(fld.Doc.Text())
						if text == "" {
							text = strings.TrimSpace(fld.Comment.Text())
						}
						for _, name := range fld.Names {
							if text != "" {
								out[ts.Name.Name+"."+name.Name] = strings.Join(strings.Fields(text), " ")
							}
						}
					}
					return true
				})
			}
		}
	}
	return out, nil
}

// Generate returns the JSON Schema of model.Model, indented, with a final
// newline.
func Generate(comments map[string]string) ([]byte, error) {
	g := &generator{comments: comments, defs: map[string]any{}}
	root := g.object(reflect.TypeOf(model.Spec{}), "")
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = ID
	root["title"] = "iamstack identity model"
	root["required"] = []string{"apiVersion", "region", "accounts"}
	root["$defs"] = g.defs
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type generator struct {
	comments map[string]string
	defs     map[string]any
}

var (
	durationType    = reflect.TypeOf(model.Duration{})
	sessionTagsType = reflect.TypeOf(model.SessionTags{})
)

// vocabularies are the enums of fields whose values come from one of
// iamstack's lists, by "Type.Field".
func vocabularies() map[string][]string {
	return map[string][]string{
		"Spec.Region":               names.Regions(),
		"Spec.APIVersion":           {model.APIVersion},
		"RegionRestriction.Regions": names.Regions(),
		"StandingResource.Kind":     metadata.Kinds,
		"StandingResource.Service":  slices.Sorted(maps.Keys(policy.Workloads)),
		"Removal.Kind":              model.RemovalKinds,
		"Statement.Effect":          {string(policy.Allow), string(policy.Deny)},
		"IdentityCenter.Region":     names.Regions(),
		"IdentityCenter.Directory":  model.Directories,
		"IdentityCenter.SignIn":     model.SignIns,
		"IdentityCenter.MFA":        model.IdentityCenterMFAs,
		"User.SignIn":               model.SignIns,
	}
}

func (g *generator) schema(t reflect.Type, owner, field string) map[string]any {
	if t == durationType {
		return map[string]any{"type": "string", "pattern": `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`,
			"description": "a duration such as 1h, 90m or 12h"}
	}
	if t == sessionTagsType {
		return map[string]any{"oneOf": []any{
			map[string]any{"type": "boolean"},
			map[string]any{"type": "array", "uniqueItems": true, "maxItems": 50,
				"items": map[string]any{"type": "string", "minLength": 1, "maxLength": 128}},
		}}
	}
	if enum, ok := vocabularies()[owner+"."+field]; ok {
		if t.Kind() == reflect.Slice {
			return map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": enum}}
		}
		return map[string]any{"type": "string", "enum": enum}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schema(t.Elem(), owner, field)
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": g.schema(t.Elem(), owner, field+"[]")}
	case reflect.Map:
		s := map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem(), owner, field+"{}")}
		switch t.Name() {
		case "Waivers":
			s["propertyNames"] = map[string]any{"enum": rules.IDs()}
		case "Conditions":
			s["propertyNames"] = map[string]any{"pattern": operatorPattern()}
		}
		return s
	case reflect.Struct:
		name := t.Name()
		if _, ok := g.defs[name]; !ok {
			g.defs[name] = nil // placeholder against recursion
			g.defs[name] = g.object(t, name)
		}
		return map[string]any{"$ref": "#/$defs/" + name}
	}
	panic(fmt.Sprintf("schema: no JSON Schema for %s", t))
}

// object is a struct's schema: its yaml keys, and nothing else.
func (g *generator) object(t reflect.Type, name string) map[string]any {
	props := map[string]any{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || key == "-" || key == "" {
			continue
		}
		s := g.schema(f.Type, t.Name(), f.Name)
		if doc := g.comments[t.Name()+"."+f.Name]; doc != "" {
			if _, ref := s["$ref"]; ref {
				s = map[string]any{"allOf": []any{s}, "description": doc}
			} else {
				s["description"] = doc
			}
		}
		props[key] = s
	}
	obj := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if kinds, ok := oneOfKeys[name]; ok {
		var branches []any
		for _, k := range kinds {
			branches = append(branches, map[string]any{"required": []string{k}})
		}
		obj["oneOf"] = branches
	}
	if deps, ok := dependentRequired[name]; ok {
		obj["dependentRequired"] = deps
	}
	return obj
}

// oneOfKeys are, by type, the keys of which an object names exactly one: a
// trust names one kind of principal.
var oneOfKeys = map[string][]string{"Trust": model.TrustKinds}

// dependentRequired are, by type, keys that need others.
var dependentRequired = map[string]map[string][]string{"Trust": {"externalId": {"account"}}}

// operatorPattern matches IAM's condition operators with their qualifiers
// and IfExists suffix (policy.ConditionOperators).
func operatorPattern() string {
	return `^((ForAnyValue|ForAllValues):)?(` + strings.Join(policy.ConditionOperators(), "|") + `)(IfExists)?$`
}
