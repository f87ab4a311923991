package check

import (
	"bytes"
	"encoding/json"
	"fmt"
	"index/suffixarray"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/iamstack/iamstack/internal/plan"
)

// A user stack holds hundreds of users, and cfn-lint spends most of its time
// on each resource (its schema validation is built again per resource): at
// 5,000 people the user stacks were most of the gate. Users of one team are
// alike but for their names, so cfn-lint reads each shape of resource once:
// the templates it lints keep one resource of each shape, in the first
// template that has it, and the findings on that resource are each
// member's, with the member's template, line, logical ID and name.
//
// A resource is pooled (read as its shape) only when nothing but its own
// content decides cfn-lint's verdicts on it:
//   - nothing refers to it (its logical ID appears nowhere else in the
//     template): cfn-lint's rules across resources are about references.
//     One that refers to others (a Ref, an Fn::, a Condition, DependsOn)
//     stands only for resources of its own template, which refer to the
//     same (the logical IDs are in the shape) and are never pooled
//     themselves: a cycle through a pooled resource would refer to it;
//   - it is named (metadata iamstack.name) with IAM's name characters, and
//     its properties carry the name as a whole value: in the shape the name
//     is replaced by its signature wherever no letter or digit adjoins it,
//     and names of one signature give the same verdicts (shapes.go);
//   - no other resource of its type has the same value in the property
//     that carries the name: E3019, primary identifiers unique in a
//     template, compares resources, so such twins stay for cfn-lint to see;
//   - its template is within CloudFormation's limits of resources and size
//     (plan.MaxResourcesPerStack, plan.MaxTemplateSize): E3001 and E1002
//     count what the template holds, so one over them is read whole.
//
// A shape is per frame: the template's other sections (but its
// description, which no rule on a resource reads), so that a resource is
// read with the same parameters, transforms, conditions and cfn-lint
// settings as its members.

// pool is the resources of some templates by shape, and the templates
// cfn-lint reads in their place.
type pool struct {
	// linted are the files cfn-lint reads: each template, or its copy
	// without the resources another resource of their shape stands for.
	linted []lintedFile
}

// lintedFile is a file cfn-lint reads and the template it stands for.
type lintedFile struct {
	// path is the file cfn-lint reads: the template, or its copy once
	// written.
	path, template string
	// copy is the template without the resources others stand for, nil
	// when it has none; lines maps its lines to the template's: each
	// segment's first line in the copy and in the template.
	copy  []byte
	lines [][2]int
	// members are, by logical ID of a resource read here, the resources of
	// its shape it stands for in this and other templates.
	members map[string][]place
	// self is the resource's own place in the template, by logical ID.
	self map[string]place
	// filler is a resource kept only because cfn-lint refuses a template
	// without one, when all others stand elsewhere: it stands there too.
	filler string
	// twin is, for a filler's copy, an earlier one cfn-lint reads in its
	// place (fillerKey), nil for none.
	twin *lintedFile
}

// place is a resource in a template.
type place struct {
	file, id, name string
	line           int // its key's line
}

// iamName is IAM's pattern for the names of users, groups, roles and
// policies.
var iamName = regexp.MustCompile(`^[\w+=,.@-]+$`)

// resourceEntry is a resource of a template, where it lies in the bytes.
type resourceEntry struct {
	id         string
	start, end int // from its key's opening quote to its value's end
	line       int // its key's line
	typ, name  string
	shape      string // "" when it is read as itself
}

// templateLayout is a template's bytes and where its resources lie.
type templateLayout struct {
	file     string
	data     []byte
	frame    string
	entries  []resourceEntry
	tooLarge bool
}

// newPool reads the templates (one of each account shape: shapes.go) and
// makes a copy of each that has resources another stands for (write).
func newPool(templates []string) (*pool, error) {
	p := &pool{}
	// By shape: the resource read for it, and the file that reads it.
	type reading struct {
		at place
		in *lintedFile
	}
	first := map[string]reading{}
	fillers := map[string]*lintedFile{} // by fillerKey, the first copy of each
	layouts := make([]*templateLayout, len(templates))
	for i, f := range templates {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		layouts[i] = layout(f, data)
	}
	p.linted = make([]lintedFile, len(templates))
	for i, l := range layouts {
		lf := &p.linted[i]
		*lf = lintedFile{path: l.file, template: l.file, members: map[string][]place{}, self: map[string]place{}}
		var keep []resourceEntry
		for _, e := range l.entries {
			at := place{file: l.file, id: e.id, name: e.name, line: e.line}
			if e.shape == "" {
				keep = append(keep, e)
				lf.self[e.id] = at
				continue
			}
			if rep, ok := first[e.shape]; ok {
				rep.in.members[rep.at.id] = append(rep.in.members[rep.at.id], at)
				continue
			}
			first[e.shape] = reading{at, lf}
			keep = append(keep, e)
			lf.self[e.id] = at
		}
		if len(keep) == len(l.entries) {
			continue
		}
		if len(keep) == 0 {
			// A template keeps a resource: cfn-lint refuses one without.
			// Its shape's first still stands for it: what cfn-lint finds
			// on it here is dropped (findings). The one of the least
			// shape, so that templates of the same shapes keep the same
			// (fillerKey).
			e := slices.MinFunc(l.entries, func(a, b resourceEntry) int { return strings.Compare(a.shape, b.shape) })
			keep = append(keep, e)
			lf.self[e.id] = place{file: l.file, id: e.id, name: e.name, line: e.line}
			lf.filler = e.id
		}
		lf.copy, lf.lines = l.without(keep)
		if lf.filler != "" {
			if k, ok := fillerKey(l, lf.copy, keep[0]); ok {
				if twin, ok := fillers[k]; ok {
					lf.twin = twin
				} else {
					fillers[k] = lf
				}
			}
		}
	}
	return p, nil
}

// alnumAsX is a logical ID's character as cfn-lint tells them apart: a
// letter or digit, or another.
func alnumAsX(r rune) rune {
	if r < 0x80 && alnum(byte(r)) {
		return 'x'
	}
	return r
}

// fillerKey is what cfn-lint reads of a filler's copy (a template all of
// whose resources stand elsewhere, but the one it keeps): copies of one
// key are alike but for their description, of the same signature, and
// their filler, of the same shape (its name of the same signature) under
// a logical ID of as many letters and digits (to cfn-lint a logical ID is
// that: shapes.go). cfn-lint finds on such a copy, but on its filler
// (whose findings are dropped), what it finds on the first of its key,
// which is linted in its place (twin); it is read only when that one has
// findings (cfnLint): their lines and texts are then its own. The 20 user
// stacks of 5,000 people are such copies. ok is false for a description
// that is not text.
func fillerKey(l *templateLayout, copy []byte, filler resourceEntry) (key string, ok bool) {
	var t struct{ Description any }
	if json.Unmarshal(copy, &t) != nil {
		return "", false
	}
	description, ok := t.Description.(string)
	if !ok && t.Description != nil {
		return "", false
	}
	return strings.Join([]string{l.frame, signature(description), filler.shape, strings.Map(alnumAsX, filler.id)}, "\x00"), true
}

// write writes, in dir, the copies cfn-lint reads in place of templates.
func (p *pool) write(dir string) error {
	for i := range p.linted {
		lf := &p.linted[i]
		if lf.copy == nil {
			continue
		}
		lf.path = filepath.Join(dir, fmt.Sprintf("%d-%s", i, filepath.Base(lf.template)))
		if err := os.WriteFile(lf.path, lf.copy, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// findings are a linted file's findings as the template's and, for a
// resource that stands for others, as each of theirs.
func (lf *lintedFile) findings(fs []lintFinding) []lintFinding {
	var out []lintFinding
	for _, f := range fs {
		f.Filename = lf.template
		f.Location.Start.LineNumber = lf.line(f.Location.Start.LineNumber)
		out = append(out, f)
		if len(f.Location.Path) < 2 || f.Location.Path[0] != "Resources" {
			continue
		}
		id, _ := f.Location.Path[1].(string)
		rep, ok := lf.self[id]
		if !ok {
			continue
		}
		if id == lf.filler {
			out = out[:len(out)-1]
			continue
		}
		for _, m := range lf.members[id] {
			out = append(out, rep.as(m, f))
		}
	}
	return out
}

// line is the template's line of the linted file's line n.
func (lf *lintedFile) line(n int) int {
	if lf.lines == nil {
		return n
	}
	i := sort.Search(len(lf.lines), func(i int) bool { return lf.lines[i][0] > n }) - 1
	if i < 0 {
		return n
	}
	return lf.lines[i][1] + n - lf.lines[i][0]
}

// as is a finding on the resource at rep written for m, a resource of its
// shape: m's template, line, logical ID and name.
func (rep place) as(m place, f lintFinding) lintFinding {
	f.Filename = m.file
	f.Location.Start.LineNumber = m.line + f.Location.Start.LineNumber - rep.line
	rewrite := func(s string) string {
		return replaceWord(strings.ReplaceAll(s, rep.id, m.id), rep.name, m.name)
	}
	f.Message = rewrite(f.Message)
	path := make([]any, len(f.Location.Path))
	for i, p := range f.Location.Path {
		if s, ok := p.(string); ok {
			p = rewrite(s)
		}
		path[i] = p
	}
	f.Location.Path = path
	return f
}

// layout finds a template's resources and which of them are pooled; a
// template it cannot read is read whole by cfn-lint.
func layout(file string, data []byte) *templateLayout {
	l := &templateLayout{file: file, data: data}
	l.entries, l.frame = resourceEntries(data)
	l.tooLarge = len(l.entries) > plan.MaxResourcesPerStack || len(data) > plan.MaxTemplateSize
	if !l.tooLarge {
		l.findShapes()
	}
	return l
}

// resourceEntries are a template's resources, where each lies in its
// bytes, and its frame: its other sections but the description, with its
// Resources empty. None when the template does not parse.
func resourceEntries(data []byte) ([]resourceEntry, string) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, ""
	}
	var (
		entries []resourceEntry
		frame   []byte
		// line is the line at offset, counted on from the last entry.
		line, offset = 1, 0
	)
	for dec.More() {
		start := keyStart(data, int(dec.InputOffset()))
		key, err := dec.Token()
		if err != nil {
			return nil, ""
		}
		if key == "Resources" {
			if t, err := dec.Token(); err != nil || t != json.Delim('{') {
				return nil, ""
			}
			for dec.More() {
				var e resourceEntry
				e.start = keyStart(data, int(dec.InputOffset()))
				id, err := dec.Token()
				if err != nil {
					return nil, ""
				}
				var raw json.RawMessage
				if dec.Decode(&raw) != nil {
					return nil, ""
				}
				e.id, _ = id.(string)
				e.end = int(dec.InputOffset())
				line += bytes.Count(data[offset:e.start], []byte("\n"))
				e.line, offset = line, e.start
				entries = append(entries, e)
			}
			if _, err := dec.Token(); err != nil {
				return nil, ""
			}
			frame = append(frame, `"Resources":{}`...)
			continue
		}
		var raw json.RawMessage
		if dec.Decode(&raw) != nil {
			return nil, ""
		}
		if key != "Description" {
			frame = append(frame, data[start:dec.InputOffset()]...)
		}
	}
	return entries, string(frame)
}

// keyStart is where the key after offset begins: its opening quote.
func keyStart(data []byte, offset int) int {
	if i := bytes.IndexByte(data[offset:], '"'); i >= 0 {
		return offset + i
	}
	return offset
}

// findShapes sets the shape of each resource that is pooled.
func (l *templateLayout) findShapes() {
	index := suffixarray.New(l.data)
	type named struct{ typ, prop, value string }
	// How many resources of a type have each top-level string property.
	count := map[named]int{}
	props := make([]map[string]any, len(l.entries))
	bodies := make([]map[string]any, len(l.entries))
	for i := range l.entries {
		e := &l.entries[i]
		var r map[string]any
		raw := l.data[e.start:e.end]
		raw = raw[bytes.IndexByte(raw, ':')+1:]
		if json.Unmarshal(raw, &r) != nil {
			continue
		}
		bodies[i] = r
		e.typ, _ = r["Type"].(string)
		ps, _ := r["Properties"].(map[string]any)
		props[i] = ps
		for k, v := range ps {
			if s, ok := v.(string); ok {
				count[named{e.typ, k, s}]++
			}
		}
	}
	for i := range l.entries {
		e := &l.entries[i]
		r := bodies[i]
		if r == nil {
			continue
		}
		meta, _ := r["Metadata"].(map[string]any)
		iamstack, _ := meta["iamstack"].(map[string]any)
		name, _ := iamstack["name"].(string)
		if !iamName.MatchString(name) || len(index.Lookup([]byte(e.id), 2)) != 1 {
			continue
		}
		carried := false
		for k, v := range props[i] {
			if v == name {
				if count[named{e.typ, k, name}] > 1 {
					carried = false
					break
				}
				carried = true
			}
		}
		if !carried {
			continue
		}
		body := string(l.data[e.start:e.end])
		body = body[strings.IndexByte(body, ':')+1:]
		e.name = name
		scope := l.frame
		if r["Condition"] != nil || r["DependsOn"] != nil || refers(r) {
			// What it refers to is another resource of this template.
			scope = l.file + "\x00" + scope
		}
		e.shape = scope + "\x00" + replaceWord(body, name, "\x01"+signature(name))
	}
}

// refers tells whether a value holds an intrinsic function.
func refers(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if k == "Ref" || strings.HasPrefix(k, "Fn::") || refers(x) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if refers(x) {
				return true
			}
		}
	}
	return false
}

// without is the template with only the resources keep, and where each of
// its segments came from: its first line in the copy and in the template.
func (l *templateLayout) without(keep []resourceEntry) ([]byte, [][2]int) {
	first, last := l.entries[0], l.entries[len(l.entries)-1]
	sep := []byte(",")
	if len(l.entries) > 1 {
		sep = l.data[first.end:l.entries[1].start]
	}
	out := bytes.Clone(l.data[:first.start])
	lines := [][2]int{{1, 1}}
	for i, e := range keep {
		if i > 0 {
			out = append(out, sep...)
		}
		lines = append(lines, [2]int{1 + bytes.Count(out, []byte("\n")), e.line})
		out = append(out, l.data[e.start:e.end]...)
	}
	// The tail's lines from the one after the last resource's end, which
	// is that resource's.
	tail := 2 + bytes.Count(l.data[:last.end], []byte("\n"))
	lines = append(lines, [2]int{2 + bytes.Count(out, []byte("\n")), tail})
	out = append(out, l.data[last.end:]...)
	return out, lines
}

// shares splits the files cfn-lint reads into shares of about the same
// load, the largest first: its time grows with what it reads. procs says
// how many shares the whole load makes.
func (p *pool) shares(read func(lf *lintedFile) bool, procs func(load int64) int) [][]string {
	type file struct {
		path string
		load int64
	}
	var files []file
	var total int64
	for i := range p.linted {
		lf := &p.linted[i]
		if !read(lf) {
			continue
		}
		f := file{path: lf.path, load: 4096} // what each file costs whatever its size
		if st, err := os.Stat(lf.path); err == nil {
			f.load += st.Size()
		}
		files = append(files, f)
		total += f.load
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].load > files[j].load })
	n := max(1, procs(total))
	shares := make([][]string, n)
	load := make([]int64, n)
	for _, f := range files {
		least := 0
		for w := range n {
			if load[w] < load[least] {
				least = w
			}
		}
		shares[least] = append(shares[least], f.path)
		load[least] += f.load
	}
	return shares
}
