package check

import (
	"encoding/json"
	"index/suffixarray"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/parallel"
)

// A large organization's accounts of one type get templates that differ
// only in the account's ID, name and organizational unit, and in the
// logical IDs of resources named after the account (a CI/CD user of each
// account: its logical ID carries its name and a hash of it): cfn-lint,
// which takes most of the gate's time, lints one template of each shape,
// and its findings are attributed to every template of the shape, with
// what distinguishes each written back. The shape is the template with:
//   - the account's ID replaced, and its name where no letter or digit
//     adjoins it, by the name's signature (signature): cfn-lint's rules read
//     lengths and patterns, and names of one signature, which the loader has
//     made of IAM's name characters, give the same verdicts in the same
//     places;
//   - the account's organizational unit (the last of its orgPath) replaced,
//     with the lengths of its two parts kept: AWS makes them of lowercase
//     letters and digits, which no pattern tells apart;
//   - each resource's logical ID replaced by its position and length, where
//     the ID appears only as a whole string (a key, a Ref, a GetAtt, a
//     DependsOn): to cfn-lint a logical ID is a name of letters and digits
//     of some length that others point to, and renaming one consistently
//     changes nothing it checks but the names in its findings. An ID that
//     also appears inside another string stays as it is, in the shape.
//
// The name's signature is part of the shape only where the name appears
// outside the template's description and the metadata of the template and
// of its resources, which is all iamstack writes of it (a CI/CD user named
// after its account puts it elsewhere). There, cfn-lint checks nothing of
// it but its length: the description is a string of at most 1,024
// characters (E1004, E1003), metadata values are of any JSON type
// (iamstack's key is none of those cfn-lint reads, and IAM's name
// characters make no dynamic reference), and a longer name makes a larger
// template (E1002). So a shape's accounts of every name, which at 500 real
// accounts are hundreds of signatures, are linted as one: its member of the
// longest name is linted, and when cfn-lint finds nothing there it finds
// nothing in any; when it finds something, each signature's first member is
// linted too (bySignature, cfnLint), so that every finding is of a
// template of its own signature. cdk-nag (nagshapes.go) reads resources'
// properties, never the description or iamstack's metadata.

// shape is the templates of one shape: the first is linted.
type shape []shapeMember

// shapeMember is one template and what distinguishes it in its shape.
type shapeMember struct {
	file, id, name, ou string
	// logicalIDs are the resources' logical IDs, in the template's order,
	// "" for those kept in the shape (an ID inside another string).
	logicalIDs []string
}

// bySignature splits a shape by its members' names' signatures, in the
// order they first appear: the shape's first member's first. A shape whose
// key has the signature is one.
func (g shape) bySignature() []shape {
	var out []shape
	index := map[string]int{}
	for _, m := range g {
		sig := signature(m.name)
		i, ok := index[sig]
		if !ok {
			i = len(out)
			index[sig] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], m)
	}
	return out
}

// shapes groups the template files by shape, in the files' order. A
// StackSet's template, which every account of an OU shares, has no account
// ID: its shape sets aside the name and OU its metadata gives. memo, when
// not nil, keeps each file's shape for the next caller.
func shapes(dir string, files []string, memo *shapeMemo) []shape {
	ids := map[string]string{}
	if stacks, err := assembly.StackFiles(dir); err == nil {
		for _, f := range stacks {
			ids[filepath.Join(dir, f.TemplateFile)] = f.Account()
		}
	}
	// Each file's key, on every core; then the files grouped in order.
	members := make([]shapeMember, len(files))
	keys := make([]string, len(files)) // "" for a shape of its own
	parallel.For(len(files), func(i int) { members[i], keys[i] = memo.shapeOf(files[i], ids[files[i]]) })
	var out []shape
	index := map[string]int{}
	for i, m := range members {
		if keys[i] == "" {
			out = append(out, shape{m})
			continue
		}
		if j, ok := index[keys[i]]; ok {
			out[j] = append(out[j], m)
			continue
		}
		index[keys[i]] = len(out)
		out = append(out, shape{m})
	}
	// The member of the longest name first, the one read: its description
	// and template are the longest of the shape.
	for _, g := range out {
		longest := 0
		for i, m := range g {
			if len(m.name) > len(g[longest].name) {
				longest = i
			}
		}
		m := g[longest]
		copy(g[1:longest+1], g[:longest])
		g[0] = m
	}
	return out
}

// shapeMemo keeps the shape of each template file: the gate computes the
// shapes of the head's rendering twice, for the plan of what cdk-nag reads
// and for cfn-lint, side by side (run.go), and the files do not change in
// between.
type shapeMemo struct {
	mu sync.Mutex
	of map[string]*memoShape // by file
}

type memoShape struct {
	once   sync.Once
	member shapeMember
	key    string
}

func newShapeMemo() *shapeMemo { return &shapeMemo{of: map[string]*memoShape{}} }

// shapeOf is the package's shapeOf, computed once per file: a second
// caller waits for the first's answer. A nil memo keeps nothing.
func (sm *shapeMemo) shapeOf(file, accountID string) (shapeMember, string) {
	if sm == nil {
		return shapeOf(file, accountID)
	}
	sm.mu.Lock()
	e, ok := sm.of[file]
	if !ok {
		e = &memoShape{}
		sm.of[file] = e
	}
	sm.mu.Unlock()
	e.once.Do(func() { e.member, e.key = shapeOf(file, accountID) })
	return e.member, e.key
}

// shapeOf is a template file as a member of its shape, and the shape's
// key: "" when the file is a shape of its own (no account, or unreadable).
func shapeOf(file, accountID string) (shapeMember, string) {
	m := shapeMember{file: file, id: accountID}
	data, err := os.ReadFile(file)
	if err != nil {
		return m, ""
	}
	// The sections by their exact keys (encoding/json matches struct
	// fields whatever their case; CloudFormation's keys are not so).
	var tpl map[string]json.RawMessage
	var meta struct {
		Iamstack struct{ Account, OrgPath string } `json:"iamstack"`
	}
	if json.Unmarshal(data, &tpl) != nil || json.Unmarshal(tpl["Metadata"], &meta) != nil || meta.Iamstack.Account == "" {
		return m, ""
	}
	m.name = meta.Iamstack.Account
	m.ou = lastOU(meta.Iamstack.OrgPath)
	text := normalized(string(data), m.id, m.name, m.ou)
	var key string
	key, m.logicalIDs = withoutLogicalIDs(text, data)
	if !m.nameOnlyIn(text, tpl) {
		key += "\x00" + signature(m.name)
	}
	return m, key
}

// nameOnlyIn tells whether the member's name appears in its template
// (normalized: text; its sections: tpl) only in the description and the
// metadata of the template and of its resources: whether every placeholder
// normalized put in its place is in those. Each is normalized as the whole
// was; the characters beside a section are JSON's, never a letter or digit.
func (m shapeMember) nameOnlyIn(text string, tpl map[string]json.RawMessage) bool {
	count := func(raw json.RawMessage) int {
		return strings.Count(normalized(string(raw), m.id, m.name, m.ou), "\x01")
	}
	want := strings.Count(text, "\x01")
	if want == 0 {
		return true
	}
	var resources map[string]map[string]json.RawMessage
	if json.Unmarshal(tpl["Resources"], &resources) != nil {
		return false
	}
	found := count(tpl["Description"]) + count(tpl["Metadata"])
	for _, r := range resources {
		found += count(r["Metadata"])
	}
	return found == want
}

// normalized is a template with an account's ID, name and OU replaced.
func normalized(s, id, name, ou string) string {
	if id != "" {
		s = strings.ReplaceAll(s, id, "000000000000")
	}
	if ou != "" {
		head, tail, _ := strings.Cut(strings.TrimPrefix(ou, "ou-"), "-")
		s = strings.ReplaceAll(s, ou, "\x02"+strconv.Itoa(len(head))+"-"+strconv.Itoa(len(tail)))
	}
	return replaceWord(s, name, "\x01")
}

// signature is a name with each letter made a or A and each digit 0, other
// characters kept: what the patterns cfn-lint holds names to can tell
// apart (a character class, a length), not which letter is where.
func signature(name string) string {
	b := []byte(name)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			b[i] = 'a'
		case 'A' <= c && c <= 'Z':
			b[i] = 'A'
		case '0' <= c && c <= '9':
			b[i] = '0'
		}
	}
	return string(b)
}

// ouID is an organizational unit's ID, as AWS makes them.
var ouID = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$`)

// lastOU is the organizational unit an orgPath ends in, "" for none.
func lastOU(orgPath string) string {
	parts := strings.Split(strings.TrimSuffix(orgPath, "/"), "/")
	if last := parts[len(parts)-1]; ouID.MatchString(last) {
		return last
	}
	return ""
}

// withoutLogicalIDs replaces, in text (the template data normalized), each
// logical ID of the template's resources that appears only as a whole
// string by its position and length, and returns them, "" for an ID kept.
func withoutLogicalIDs(text string, data []byte) (string, []string) {
	ids := resourceIDs(data)
	out := make([]string, len(ids))
	// Every occurrence of every ID: a scan of the text for each, or for a
	// user stack (hundreds of resources in a template of 100 KB) a lookup
	// in an index of it.
	count := func(id string) (all, whole int) {
		return strings.Count(text, id), strings.Count(text, `"`+id+`"`)
	}
	if len(ids)*len(text) > 1<<22 {
		index := suffixarray.New([]byte(text))
		count = func(id string) (all, whole int) {
			at := index.Lookup([]byte(id), -1)
			for _, j := range at {
				if j > 0 && j+len(id) < len(text) && text[j-1] == '"' && text[j+len(id)] == '"' {
					whole++
				}
			}
			return len(at), whole
		}
	}
	var pairs []string
	for i, id := range ids {
		if all, whole := count(id); all != whole {
			continue
		}
		pairs = append(pairs, `"`+id+`"`, `"\x03`+strconv.Itoa(i)+":"+strconv.Itoa(len(id))+`"`)
		out[i] = id
	}
	// One pass: a quoted ID is never part of another quoted ID.
	return strings.NewReplacer(pairs...).Replace(text), out
}

// resourceIDs are the keys of a template's Resources, in their order.
func resourceIDs(data []byte) []string {
	entries, _ := resourceEntries(data)
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.id
	}
	return ids
}

// replaceWord replaces name in s with repl where no letter or digit
// adjoins it.
func replaceWord(s, name, repl string) string {
	if name == "" {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; ; {
		j := strings.Index(s[i:], name)
		if j < 0 {
			break
		}
		j += i
		end := j + len(name)
		if (j == 0 || !alnum(s[j-1])) && (end == len(s) || !alnum(s[end])) {
			b.WriteString(s[last:j])
			b.WriteString(repl)
			last, i = end, end
			continue
		}
		i = j + 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func alnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// as is a finding of the shape's linted template written for another
// member: its file, and its ID, name, OU and logical IDs in the message and
// the path.
func (m shapeMember) as(rep shapeMember, f lintFinding) lintFinding {
	if m.file == rep.file {
		return f
	}
	f.Filename = m.file
	f.Message = m.rewrite(rep, f.Message)
	path := make([]any, len(f.Location.Path))
	for i, p := range f.Location.Path {
		if s, ok := p.(string); ok {
			p = m.rewrite(rep, s)
		}
		path[i] = p
	}
	f.Location.Path = path
	return f
}

// rewrite is text of the representative's with the member's ID, name, OU
// and logical IDs in place of the representative's.
func (m shapeMember) rewrite(rep shapeMember, text string) string {
	var pairs []string
	if rep.id != "" {
		pairs = append(pairs, rep.id, m.id)
	}
	if rep.ou != "" {
		pairs = append(pairs, rep.ou, m.ou)
	}
	for i, id := range rep.logicalIDs {
		if id != "" && i < len(m.logicalIDs) && id != m.logicalIDs[i] {
			pairs = append(pairs, id, m.logicalIDs[i])
		}
	}
	// One pass: an ID of the representative's is never the rewritten text
	// of another.
	text = strings.NewReplacer(pairs...).Replace(text)
	return replaceWord(text, rep.name, m.name)
}
