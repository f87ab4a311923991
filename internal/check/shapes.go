package check

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
)

// A large organization's accounts of one type get templates that differ
// only in the account's ID, name and organizational unit, and in the
// logical IDs of resources named after the account (a CI/CD user of each
// account: its logical ID carries its name and a hash of it): cfn-lint,
// which takes most of the gate's time, lints one template of each shape,
// and its findings are attributed to every template of the shape, with
// what distinguishes each written back. The shape is the template with:
//   - the account's ID replaced, and its name where no letter or digit
//     adjoins it, and the name's length kept: cfn-lint's rules read lengths
//     and patterns, and names of one length in the same places give the same
//     verdicts;
//   - the account's organizational unit (the last of its orgPath) replaced,
//     with the lengths of its two parts kept: AWS makes them of lowercase
//     letters and digits, which no pattern tells apart;
//   - each resource's logical ID replaced by its position and length, where
//     the ID appears only as a whole string (a key, a Ref, a GetAtt, a
//     DependsOn): to cfn-lint a logical ID is a name of letters and digits
//     of some length that others point to, and renaming one consistently
//     changes nothing it checks but the names in its findings. An ID that
//     also appears inside another string stays as it is, in the shape.

// shape is the templates of one shape: the first is linted.
type shape []shapeMember

// shapeMember is one template and what distinguishes it in its shape.
type shapeMember struct {
	file, id, name, ou string
	// logicalIDs are the resources' logical IDs, in the template's order,
	// "" for those kept in the shape (an ID inside another string).
	logicalIDs []string
}

// shapes groups the template files by shape, in the files' order; a file
// whose account the cloud assembly in dir does not say (a StackSet's
// template, which every account of an OU shares) is a shape of its own.
func shapes(dir string, files []string) []shape {
	ids := map[string]string{}
	if stacks, err := assembly.StackFiles(dir); err == nil {
		for _, f := range stacks {
			ids[filepath.Join(dir, f.TemplateFile)] = f.Account()
		}
	}
	var out []shape
	index := map[string]int{}
	for _, f := range files {
		m := shapeMember{file: f, id: ids[f]}
		data, err := os.ReadFile(f)
		if m.id == "" || err != nil {
			out = append(out, shape{m})
			continue
		}
		var tpl struct {
			Metadata struct {
				Iamstack struct{ Account, OrgPath string } `json:"iamstack"`
			}
		}
		if json.Unmarshal(data, &tpl) != nil || tpl.Metadata.Iamstack.Account == "" {
			out = append(out, shape{m})
			continue
		}
		m.name = tpl.Metadata.Iamstack.Account
		m.ou = lastOU(tpl.Metadata.Iamstack.OrgPath)
		text := normalized(string(data), m.id, m.name, m.ou)
		text, m.logicalIDs = withoutLogicalIDs(text, data)
		key := text + "\x00" + strconv.Itoa(len(m.name))
		if i, ok := index[key]; ok {
			out[i] = append(out[i], m)
			continue
		}
		index[key] = len(out)
		out = append(out, shape{m})
	}
	return out
}

// normalized is a template with an account's ID, name and OU replaced.
func normalized(s, id, name, ou string) string {
	s = strings.ReplaceAll(s, id, "000000000000")
	if ou != "" {
		head, tail, _ := strings.Cut(strings.TrimPrefix(ou, "ou-"), "-")
		s = strings.ReplaceAll(s, ou, "\x02"+strconv.Itoa(len(head))+"-"+strconv.Itoa(len(tail)))
	}
	w := word(name)
	// Twice: a match takes the character around it, which the next
	// occurrence may begin with.
	return w.ReplaceAllString(w.ReplaceAllString(s, "${1}\x01${2}"), "${1}\x01${2}")
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
	for i, id := range ids {
		quoted := `"` + id + `"`
		if strings.Count(text, id) != strings.Count(text, quoted) {
			continue
		}
		text = strings.ReplaceAll(text, quoted, `"\x03`+strconv.Itoa(i)+":"+strconv.Itoa(len(id))+`"`)
		out[i] = id
	}
	return text, out
}

// resourceIDs are the keys of a template's Resources, in their order.
func resourceIDs(data []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil
		}
		if key != "Resources" {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('{') {
			return nil
		}
		var ids []string
		for dec.More() {
			id, err := dec.Token()
			if err != nil {
				return nil
			}
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil
			}
			ids = append(ids, id.(string))
		}
		return ids
	}
	return nil
}

// word matches a name where no letter or digit adjoins it.
func word(name string) *regexp.Regexp {
	return regexp.MustCompile(`(^|[^A-Za-z0-9])` + regexp.QuoteMeta(name) + `($|[^A-Za-z0-9])`)
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
	if rep.name != "" {
		w := word(rep.name)
		text = w.ReplaceAllString(w.ReplaceAllString(text, "${1}"+m.name+"${2}"), "${1}"+m.name+"${2}")
	}
	return text
}
