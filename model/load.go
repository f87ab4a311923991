package model

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Problem is one thing wrong with a model, located in its file.
type Problem struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"` // 0 when the problem has no single place (a missing section)
	Path string `json:"path,omitempty"` // field path: users."alice.smith".grants.AdminR[0]
	Msg  string `json:"message"`        // what is wrong and what would be right
}

func (p Problem) Error() string {
	loc := p.File
	if p.Line > 0 {
		loc += ":" + strconv.Itoa(p.Line)
	}
	if p.Path == "" {
		return loc + ": " + p.Msg
	}
	return loc + ": " + p.Path + ": " + p.Msg
}

// Error lists every problem found in a model, in file order.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return fmt.Sprintf("%d problem(s) in the model:\n%s", len(lines), strings.Join(lines, "\n"))
}

// Load reads, decodes, defaults and validates the model at path. The error,
// when not nil, is an *Error listing every problem, or an I/O error.
func Load(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	return ParseFiles(path, data, Dir(filepath.Dir(path)))
}

// LoadUnlocked is Load without the lock file an external Identity Center
// directory needs: for the command that writes it.
func LoadUnlocked(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	return parse(path, data, nil, true)
}

// Parse is Load for a model already in memory, with no file beside it;
// file names it in errors.
func Parse(file string, data []byte) (*Model, error) { return ParseFiles(file, data, nil) }

// ParseFiles is Parse for a model whose files beside it (its Identity
// Center lock file) files reads: from a directory, or a git ref.
func ParseFiles(file string, data []byte, files Files) (*Model, error) {
	return parse(file, data, files, false)
}

func parse(file string, data []byte, files Files, unlocked bool) (*Model, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{Problems: []Problem{{File: file, Msg: "the file is empty; a model starts with `apiVersion: " + APIVersion + "` (iamstack.yaml is a complete example)"}}}
		}
		return nil, &Error{Problems: []Problem{yamlProblem(file, data, err)}}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Error{Problems: []Problem{{File: file, Line: extra.Line,
			Msg: "the file holds more than one YAML document; keep one model per file"}}}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	c := &walker{file: file, lines: map[string]int{}}
	c.walk(root, reflect.TypeOf(Spec{}), nil)
	var m Model
	if err := decodeSpec(root, &m.spec); err != nil {
		// A value of the wrong shape, which the walk has reported with its
		// path: validating the rest would only add confusion.
		if len(c.problems) == 0 {
			c.problems = append(c.problems, yamlProblem(file, data, err))
		}
		return nil, c.err()
	}
	// Unknown keys were reported by the walk and ignored by Decode: validate
	// the rest too, so that one typo does not hide other problems.
	m.file = file
	v := &validator{walker: c, m: &m, files: files, unlocked: unlocked}
	v.run()
	if len(c.problems) > 0 {
		return nil, c.err()
	}
	return &m, nil
}

// entryByEntry are the mappings of the model that grow with the
// organization, by key: yaml.v3 checks each key of a mapping it decodes
// against every other, which takes seconds at tens of thousands of people,
// so these are decoded an entry at a time, their keys checked once.
var entryByEntry = []string{"users", "cicdUsers", "teams"}

// decodeSpec decodes the model: entryByEntry's mappings an entry at a time,
// the rest as a whole.
func decodeSpec(root *yaml.Node, spec *Spec) error {
	if root.Kind != yaml.MappingNode {
		return root.Decode(spec)
	}
	// A shallow copy of the root without the large mappings.
	rest := *root
	rest.Content = nil
	large := map[string]*yaml.Node{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if slices.Contains(entryByEntry, k.Value) && v.Kind == yaml.MappingNode {
			if _, twice := large[k.Value]; twice {
				return fmt.Errorf("yaml: unmarshal errors:\n  line %d: mapping key %q already defined", k.Line, k.Value)
			}
			large[k.Value] = v
			continue
		}
		rest.Content = append(rest.Content, k, v)
	}
	if err := rest.Decode(spec); err != nil {
		return err
	}
	sv := reflect.ValueOf(spec).Elem()
	for name, n := range large {
		field := sv.FieldByIndex(specField(name).Index)
		m := reflect.MakeMapWithSize(field.Type(), len(n.Content)/2)
		seen := make(map[string]int, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if line, dup := seen[k.Value]; dup {
				return fmt.Errorf("yaml: unmarshal errors:\n  line %d: mapping key %q already defined at line %d", k.Line, k.Value, line)
			}
			seen[k.Value] = k.Line
			var key string
			if err := k.Decode(&key); err != nil {
				return err
			}
			val := reflect.New(field.Type().Elem())
			if err := v.Decode(val.Interface()); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(key), val.Elem())
		}
		field.Set(m)
	}
	return nil
}

// specField is the Spec field of a YAML key.
func specField(key string) reflect.StructField {
	t := reflect.TypeOf(Spec{})
	for i := range t.NumField() {
		if f := t.Field(i); strings.Split(f.Tag.Get("yaml"), ",")[0] == key {
			return f
		}
	}
	panic("model: no Spec field for " + key) // entryByEntry names Spec's keys
}

var yamlLine = regexp.MustCompile(`line (\d+): `)

// maxProbes bounds the extra parses yamlProblem makes to find the line of a
// syntax error in a large file.
const maxProbes = 400

// yamlProblem locates a YAML syntax error. yaml.v3 reports the line where
// the enclosing block or flow collection starts (counted from 0 for parser
// errors), not the line that breaks it. The broken line is the one after the
// longest prefix of the file that still parses, so yamlProblem looks for it
// from the end, within maxProbes parses, and names both lines.
func yamlProblem(file string, data []byte, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
	p := Problem{File: file, Msg: "malformed YAML: " + msg}
	m := yamlLine.FindStringSubmatch(msg)
	if m == nil {
		return p
	}
	context, _ := strconv.Atoi(m[1])
	msg = strings.Replace(msg, m[0], "", 1)
	if strings.HasPrefix(msg, "did not find expected") {
		context++ // a parser error: its line counts from 0
	}
	p.Line, p.Msg = context, "malformed YAML: "+msg
	lines := bytes.SplitAfter(data, []byte("\n"))
	for k, probes := len(lines)-1, 0; k >= context && probes < maxProbes; k, probes = k-1, probes+1 {
		var n yaml.Node
		if yaml.Unmarshal(bytes.Join(lines[:k], nil), &n) == nil {
			if k+1 != context {
				p.Line = k + 1
				p.Msg += fmt.Sprintf(" (in the block that starts at line %d)", context)
			}
			break
		}
	}
	return p
}

// path is a field path inside the model.
type path []string

func (p path) key(k string) path { return append(append(path(nil), p...), k) }
func (p path) index(i int) path  { return append(append(path(nil), p...), "["+strconv.Itoa(i)+"]") }
func (p path) String() string {
	var b strings.Builder
	for _, seg := range p {
		switch {
		case strings.HasPrefix(seg, "["):
			b.WriteString(seg)
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			if plainKey.MatchString(seg) {
				b.WriteString(seg)
			} else {
				b.WriteString(strconv.Quote(seg))
			}
		}
	}
	return b.String()
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// walker walks the YAML tree against the Go types: it rejects unknown keys
// and mistyped values with their path and line, and records where every
// field is so that validation can point at it.
type walker struct {
	file     string
	lines    map[string]int
	problems []Problem
	// fields caches yamlFields by type: a model walks one struct per
	// person, of a handful of types.
	fields map[reflect.Type]map[string]reflect.StructField
}

func (c *walker) add(line int, p path, format string, args ...any) {
	c.problems = append(c.problems, Problem{File: c.file, Line: line, Path: p.String(), Msg: fmt.Sprintf(format, args...)})
}

// at reports a problem at the line of a field, or of its closest recorded parent.
func (c *walker) at(p path, format string, args ...any) {
	c.add(lineOf(c.lines, p), p, format, args...)
}

// lineOf is the line of a field, or of its closest recorded parent.
func lineOf(lines map[string]int, p path) int {
	for q := p; ; q = q[:len(q)-1] {
		if l, ok := lines[q.String()]; ok {
			return l
		}
		if len(q) == 0 {
			return 0
		}
	}
}

func (c *walker) err() *Error {
	sort.SliceStable(c.problems, func(i, j int) bool { return c.problems[i].Line < c.problems[j].Line })
	return &Error{Problems: c.problems}
}

var (
	textUnmarshaler = reflect.TypeOf((*interface{ UnmarshalText([]byte) error })(nil)).Elem()
	yamlUnmarshaler = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()
)

// The model is read as written: YAML aliases and merge keys, which would
// make one line stand for many, are refused (docs/model.md says so).
const mergeKeyProblem = "YAML merge keys (<<) are not supported, as aliases are not: write the keys out"

// isMergeKey tells whether a mapping key is YAML's merge key.
func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && k.Tag == "!!merge"
}

func (c *walker) walk(n *yaml.Node, t reflect.Type, p path) {
	c.lines[p.String()] = n.Line
	if n.Kind == yaml.AliasNode {
		c.add(n.Line, p, "YAML aliases are not supported; write the value out")
		return
	}
	if n.Tag == "!!null" {
		return // an empty value: the field keeps its zero value
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	// A value of more than one shape (true or a list) checks itself: the
	// walk asks the decoder Decode will use.
	if reflect.PointerTo(t).Implements(yamlUnmarshaler) {
		if err := reflect.New(t).Interface().(yaml.Unmarshaler).UnmarshalYAML(n); err != nil {
			c.add(n.Line, p, "%v", err)
		}
		return
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		if n.Kind != yaml.ScalarNode {
			c.add(n.Line, p, "expected a single value, found %s", kindName(n))
			return
		}
		if err := reflect.New(t).Interface().(interface{ UnmarshalText([]byte) error }).UnmarshalText([]byte(n.Value)); err != nil {
			c.add(n.Line, p, "%v", err)
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			c.add(n.Line, p, "expected a mapping of keys to values, found %s", kindName(n))
			return
		}
		fields, ok := c.fields[t]
		if !ok {
			if c.fields == nil {
				c.fields = map[reflect.Type]map[string]reflect.StructField{}
			}
			fields = yamlFields(t)
			c.fields[t] = fields
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if isMergeKey(k) {
				c.add(k.Line, p, mergeKeyProblem)
				continue
			}
			f, ok := fields[k.Value]
			if !ok {
				c.add(k.Line, p, "unknown key %q%s; valid keys: %s", k.Value, suggest(k.Value, sortedFieldNames(fields)), strings.Join(sortedFieldNames(fields), ", "))
				continue
			}
			c.lines[p.key(k.Value).String()] = k.Line
			c.walk(v, f.Type, p.key(k.Value))
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			c.add(n.Line, p, "expected a mapping, found %s", kindName(n))
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if isMergeKey(k) {
				c.add(k.Line, p, mergeKeyProblem)
				continue
			}
			if k.Kind != yaml.ScalarNode {
				c.add(k.Line, p, "a key must be a plain name, found %s", kindName(k))
				continue
			}
			c.walk(v, t.Elem(), p.key(k.Value))
			c.lines[p.key(k.Value).String()] = k.Line
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			c.add(n.Line, p, "expected a list, found %s; write a single item as [%s]", kindName(n), n.Value)
			return
		}
		for i, item := range n.Content {
			c.walk(item, t.Elem(), p.index(i))
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			c.add(n.Line, p, "expected a single value, found %s", kindName(n))
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			c.add(n.Line, p, "expected true or false, found %s", describe(n))
		}
	case reflect.Int:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			c.add(n.Line, p, "expected a whole number, found %s", describe(n))
		}
	default:
		panic(fmt.Sprintf("model: no YAML check for %s", t)) // a programming error, caught by the tests
	}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return fmt.Sprintf("%q", n.Value)
	}
}

func describe(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return fmt.Sprintf("%q", n.Value)
	}
	return kindName(n)
}

// yamlFields maps the YAML keys of a struct type to its fields.
func yamlFields(t reflect.Type) map[string]reflect.StructField {
	fields := map[string]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		fields[name] = f
	}
	return fields
}

func sortedFieldNames(fields map[string]reflect.StructField) []string {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// suggest returns ` (did you mean "x"?)` for the closest candidate, if close.
// DidYouMean is " (did you mean "x"?)" for the candidate closest to got, or
// "" when none is close: the suggestion every iamstack error gives.
func DidYouMean(got string, candidates []string) string { return suggest(got, candidates) }

func suggest(got string, candidates []string) string {
	best, bestDist := "", 1<<30
	for _, c := range candidates {
		if d := distance(strings.ToLower(got), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" || bestDist > max(2, len(got)/3) {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
