// Package cfn writes CloudFormation templates byte for byte as the AWS CDK
// writes them (JSON.stringify with one space of indent), and compact as a
// StackSet's body. It knows the format, not iamstack's resources: the plan
// renders those (plan.Stack.Template), and the CDK layer carries them.
package cfn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Template is a CloudFormation template, in the CDK's order of sections.
type Template struct {
	Description string
	// Metadata is the template's Metadata section.
	Metadata  map[string]any
	Resources []Resource
	// Bootstrap adds what the CDK's default synthesizer adds: the bootstrap
	// version parameter and the rule that checks it. A StackSet's template
	// (bootstrapless) has neither.
	Bootstrap bool
}

// Resource is one resource of a template.
type Resource struct {
	LogicalID string
	Type      string
	// Properties are JSON values; an Object's keys are written sorted, as
	// the CDK writes an L1 resource's properties.
	Properties map[string]any
	// DependsOn are logical IDs, in the order the template lists them.
	DependsOn []string
	// Metadata is written in its order.
	Metadata []Field
}

// Field is one key of an Object whose keys keep their order.
type Field struct {
	Key   string
	Value any
}

// MarshalJSON writes the object with its keys in order.
func (o Object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.Key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Ref is a reference to a resource of the same template.
func Ref(logicalID string) map[string]any { return map[string]any{"Ref": logicalID} }

// Object is a JSON object whose keys keep their order.
type Object []Field

// The CDK's default synthesizer's additions (aws-cdk-lib 2.270).
var (
	bootstrapParameters = map[string]any{"BootstrapVersion": Object{
		{"Type", "AWS::SSM::Parameter::Value<String>"},
		{"Default", "/cdk-bootstrap/hnb659fds/version"},
		{"Description", "Version of the CDK Bootstrap resources in this environment, automatically retrieved from SSM Parameter Store. [cdk:skip]"},
	}}
	bootstrapRules = map[string]any{"CheckBootstrapVersion": Object{
		{"Assertions", []any{Object{
			{"Assert", map[string]any{"Fn::Not": []any{map[string]any{"Fn::Contains": []any{
				[]any{"1", "2", "3", "4", "5"}, map[string]any{"Ref": "BootstrapVersion"}}}}}},
			{"AssertDescription", "CDK bootstrap stack version 6 required. Please run 'cdk bootstrap' with a recent version of the CDK CLI."},
		}}},
	}}
)

// tree is the template as ordered JSON values.
func (t Template) tree() Object {
	var top Object
	if t.Description != "" {
		top = append(top, Field{"Description", t.Description})
	}
	if len(t.Metadata) > 0 {
		top = append(top, Field{"Metadata", t.Metadata})
	}
	if len(t.Resources) > 0 {
		resources := make(Object, len(t.Resources))
		for i, r := range t.Resources {
			resources[i] = Field{r.LogicalID, r.tree()}
		}
		top = append(top, Field{"Resources", resources})
	}
	if t.Bootstrap {
		top = append(top, Field{"Parameters", bootstrapParameters}, Field{"Rules", bootstrapRules})
	}
	return top
}

// tree is the resource in the order CfnResource renders it: Type,
// Properties (left out when empty), DependsOn, Metadata.
func (r Resource) tree() Object {
	out := Object{{"Type", r.Type}}
	if len(r.Properties) > 0 {
		out = append(out, Field{"Properties", r.Properties})
	}
	if len(r.DependsOn) > 0 {
		out = append(out, Field{"DependsOn", r.DependsOn})
	}
	if len(r.Metadata) > 0 {
		out = append(out, Field{"Metadata", Object(r.Metadata)})
	}
	return out
}

// JSON is the template as the CDK writes it into the cloud assembly.
func (t Template) JSON() []byte {
	var b bytes.Buffer
	write(&b, t.tree(), 0)
	return b.Bytes()
}

// Body is the template as a StackSet's TemplateBody: compact, every
// Object's keys sorted, so that it does not change with the CDK's layout.
func (t Template) Body() []byte {
	// Through encoding/json, as the body always was: it sorts keys and
	// escapes <, > and & as \u003c, \u003e and \u0026.
	b, err := json.Marshal(plain(t.tree()))
	if err != nil {
		panic(fmt.Sprintf("cfn: %v", err)) // JSON values: cannot fail
	}
	return b
}

// plain turns ordered objects into maps, for encoding/json.
func plain(v any) any {
	switch x := v.(type) {
	case Object:
		m := make(map[string]any, len(x))
		for _, f := range x {
			m[f.Key] = plain(f.Value)
		}
		return m
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = plain(e)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	}
	return v
}

// write writes v as JSON.stringify(v, undefined, 1) would.
func write(b *bytes.Buffer, v any, depth int) {
	nl := func(d int) {
		b.WriteByte('\n')
		for range d {
			b.WriteByte(' ')
		}
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		writeString(b, x)
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int:
		b.WriteString(strconv.Itoa(x))
	case float64:
		b.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
	case Object:
		if len(x) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		for i, f := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(depth + 1)
			writeString(b, f.Key)
			b.WriteString(": ")
			write(b, f.Value, depth+1)
		}
		nl(depth)
		b.WriteByte('}')
	case map[string]any:
		write(b, sorted(x), depth)
	case map[string]string:
		write(b, sorted(x), depth)
	case map[string][]string:
		write(b, sorted(x), depth)
	case []string:
		write(b, anys(x), depth)
	case []map[string]any:
		write(b, anys(x), depth)
	case []any:
		if len(x) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(depth + 1)
			write(b, e, depth+1)
		}
		nl(depth)
		b.WriteByte(']')
	default:
		panic(fmt.Sprintf("cfn: no JSON for %T", v)) // a programming error, caught by the tests
	}
}

// sorted is a map as an object with its keys sorted.
func sorted[V any](m map[string]V) Object {
	o := make(Object, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		o = append(o, Field{k, m[k]})
	}
	return o
}

func anys[E any](list []E) []any {
	out := make([]any, len(list))
	for i, e := range list {
		out[i] = e
	}
	return out
}

// writeString writes s as JSON.stringify does: ", \ and control characters
// escaped (\b \f \n \r \t by name, others as \u00xx), lone surrogates
// (invalid UTF-8 here) as U+FFFD, everything else as it is.
func writeString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20:
			fmt.Fprintf(b, `\u%04x`, r)
		case r == utf8.RuneError && size == 1:
			b.WriteString("\uFFFD")
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
}
