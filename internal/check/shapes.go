package check

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
)

// A large organization's accounts of one type get templates that differ
// only in the account's ID and name: cfn-lint, which takes most of the
// gate's time, lints one template of each shape, and its findings are
// attributed to every template of the shape, with the ID and name written
// back. The shape is the template with the account's ID and its name (as
// a whole word) replaced, and the name's length: cfn-lint's rules read
// lengths and patterns, and names of one length in the same places give
// the same verdicts.

// shape is the templates of one shape: the first is linted.
type shape []shapeMember

// shapeMember is one template and what distinguishes it in its shape.
type shapeMember struct {
	file, id, name string
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
				Iamstack struct{ Account string } `json:"iamstack"`
			}
		}
		if json.Unmarshal(data, &tpl) != nil || tpl.Metadata.Iamstack.Account == "" {
			out = append(out, shape{m})
			continue
		}
		m.name = tpl.Metadata.Iamstack.Account
		key := normalized(string(data), m.id, m.name) + "\x00" + strconv.Itoa(len(m.name))
		if i, ok := index[key]; ok {
			out[i] = append(out[i], m)
			continue
		}
		index[key] = len(out)
		out = append(out, shape{m})
	}
	return out
}

// normalized is a template with an account's ID and name replaced.
func normalized(s, id, name string) string {
	s = strings.ReplaceAll(s, id, "000000000000")
	w := word(name)
	// Twice: a match takes the character around it, which the next
	// occurrence may begin with.
	return w.ReplaceAllString(w.ReplaceAllString(s, "${1}\x01${2}"), "${1}\x01${2}")
}

// word matches a name as a whole word: between characters a name holds
// none of.
func word(name string) *regexp.Regexp {
	return regexp.MustCompile(`(^|[^A-Za-z0-9_.-])` + regexp.QuoteMeta(name) + `($|[^A-Za-z0-9_.-])`)
}

// as is a finding of the shape's linted template written for another
// member: its file, and the ID and name in its message.
func (m shapeMember) as(rep shapeMember, f lintFinding) lintFinding {
	if m.file == rep.file {
		return f
	}
	f.Filename = m.file
	if rep.id != "" {
		f.Message = strings.ReplaceAll(f.Message, rep.id, m.id)
	}
	if rep.name != "" {
		w := word(rep.name)
		f.Message = w.ReplaceAllString(w.ReplaceAllString(f.Message, "${1}"+m.name+"${2}"), "${1}"+m.name+"${2}")
	}
	return f
}
