package check

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/synthetic"
)

// poolModel is 300 people in three user stacks and a few accounts: teams
// make their users alike but for their names.
func poolModel(t *testing.T) (string, []string) {
	t.Helper()
	return renderedTemplates(t, string(synthetic.Model(synthetic.Size{Users: 300, Accounts: 5, UserStacks: 3})))
}

// keyLine is the line of resource id's key in a file's data.
func keyLine(t *testing.T, data []byte, id string) int {
	t.Helper()
	i := bytes.Index(data, []byte(`"`+id+`": {`))
	if i < 0 {
		t.Fatalf("no resource %s", id)
	}
	return 1 + bytes.Count(data[:i], []byte("\n"))
}

// resourceBody is a resource's value in a template, as its bytes.
func resourceBody(t *testing.T, data []byte, id string) string {
	t.Helper()
	for _, e := range layout("", data).entries {
		if e.id == id {
			b := string(data[e.start:e.end])
			return b[strings.IndexByte(b, ':')+1:]
		}
	}
	t.Fatalf("no resource %s", id)
	return ""
}

// Every resource is read once: in a linted file, or as a member of the
// resource that stands for its shape, whose bytes are the member's with the
// member's name; the copies are the templates without the members, and
// their lines map back to the templates'.
func TestPoolReadsEachResourceOnce(t *testing.T) {
	_, files := poolModel(t)
	// A stack whose every resource stands in another: cfn-lint reads one
	// of them, whose findings are dropped there (filler).
	for _, f := range files {
		if strings.HasSuffix(f, "-users-1.template.json") {
			b, _ := os.ReadFile(f)
			again := strings.Replace(f, "-users-1.", "-users-9.", 1)
			os.WriteFile(again, bytes.Replace(b, []byte("part 2"), []byte("part 9"), 1), 0o644)
			files = append(files, again)
		}
	}
	p, err := newPool(files)
	if err == nil {
		err = p.write(t.TempDir())
	}
	if err != nil {
		t.Fatal(err)
	}
	data := map[string][]byte{}
	for _, f := range files {
		data[f], _ = os.ReadFile(f)
	}
	seen := map[string]int{} // file + ID
	var users, read int
	for _, lf := range p.linted {
		copyData, err := os.ReadFile(lf.path)
		if err != nil {
			t.Fatal(err)
		}
		var whole, copied map[string]any
		if err := json.Unmarshal(data[lf.template], &whole); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(copyData, &copied); err != nil {
			t.Fatalf("%s: %v", lf.path, err)
		}
		for k, v := range whole {
			if k != "Resources" && fmt.Sprint(v) != fmt.Sprint(copied[k]) {
				t.Errorf("%s: %s differs from the template's", lf.path, k)
			}
		}
		for id, v := range copied["Resources"].(map[string]any) {
			if fmt.Sprint(v) != fmt.Sprint(whole["Resources"].(map[string]any)[id]) {
				t.Errorf("%s: resource %s differs from the template's", lf.path, id)
			}
			at := lf.self[id]
			if at.id != id || at.file != lf.template {
				t.Errorf("%s: %s is read as %+v", lf.path, id, at)
			}
			if got, want := lf.line(keyLine(t, copyData, id)), keyLine(t, data[lf.template], id); got != want || at.line != want {
				t.Errorf("%s: %s at line %d (place %d), want %d", lf.path, id, got, at.line, want)
			}
			if id != lf.filler {
				seen[lf.template+" "+id]++
				read++
			}
		}
		for id, members := range lf.members {
			rep := lf.self[id]
			for _, m := range members {
				seen[m.file+" "+m.id]++
				if got := keyLine(t, data[m.file], m.id); got != m.line {
					t.Errorf("%s in %s: line %d, want %d", m.id, m.file, m.line, got)
				}
				want := resourceBody(t, data[m.file], m.id)
				if got := replaceWord(resourceBody(t, data[rep.file], rep.id), rep.name, m.name); got != want || len(m.name) != len(rep.name) {
					t.Errorf("%s stands for %s, which differs but for the name:\n%s\n%s", rep.id, m.id, got, want)
				}
			}
		}
	}
	for _, f := range files {
		var tpl struct {
			Resources map[string]struct{ Type string }
		}
		json.Unmarshal(data[f], &tpl)
		for id, r := range tpl.Resources {
			if seen[f+" "+id] != 1 {
				t.Errorf("%s in %s is read %d times", id, filepath.Base(f), seen[f+" "+id])
			}
			if r.Type == "AWS::IAM::User" {
				users++
			}
		}
	}
	if users < 400 || read > users/4 {
		t.Errorf("%d resources read for %d users", read, users)
	}
	if last := p.linted[len(p.linted)-1]; last.filler == "" || len(last.self) != 1 {
		t.Errorf("the stack whose resources all stand elsewhere reads %d, filler %q", len(last.self), last.filler)
	}
}

// What cfn-lint finds on a resource is each member's; on a filler, which
// its shape's first stands for, nothing: that first's findings are its.
func TestPoolFindingsOfFillersAreTheirShapes(t *testing.T) {
	rep := place{file: "/a/users-1.template.json", id: "UserAlice01", name: "alice", line: 10}
	m := place{file: "/a/users-2.template.json", id: "UserBobby02", name: "bobby", line: 30}
	lf := &lintedFile{path: "/tmp/1-users-1.template.json", template: rep.file, self: map[string]place{rep.id: rep},
		members: map[string][]place{rep.id: {m}}, lines: [][2]int{{1, 1}, {5, 10}}}
	var f lintFinding
	f.Filename, f.Message, f.Rule.Id = lf.path, "'alice' at UserAlice01 is wrong", "E3031"
	f.Location.Path, f.Location.Start.LineNumber = []any{"Resources", rep.id, "Properties", "UserName"}, 7
	got := lf.findings([]lintFinding{f})
	if len(got) != 2 || got[0].Filename != rep.file || got[0].Location.Start.LineNumber != 12 ||
		got[1].Filename != m.file || got[1].Location.Start.LineNumber != 32 || got[1].Message != "'bobby' at UserBobby02 is wrong" ||
		got[1].Location.Path[1] != m.id {
		t.Errorf("%+v", got)
	}
	filler := &lintedFile{path: m.file, template: m.file, self: map[string]place{m.id: m}, filler: m.id}
	f.Filename, f.Location.Path = m.file, []any{"Resources", m.id, "Properties", "UserName"}
	var frame lintFinding
	frame.Filename, frame.Location.Path = m.file, []any{"Description"}
	if got := filler.findings([]lintFinding{f, frame}); len(got) != 1 || got[0].Location.Path[0] != "Description" {
		t.Errorf("a filler's findings: %+v", got)
	}
}

// mutateResources edits the resources of a template and writes it as the
// CDK does.
func mutateResources(t *testing.T, data []byte, edit func(resources map[string]any, tpl map[string]any)) []byte {
	t.Helper()
	var tpl map[string]any
	if err := json.Unmarshal(data, &tpl); err != nil {
		t.Fatal(err)
	}
	edit(tpl["Resources"].(map[string]any), tpl)
	b, err := json.MarshalIndent(tpl, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// usersOf are a template's IAM users' logical IDs, sorted.
func usersOf(resources map[string]any) []string {
	var ids []string
	for id, r := range resources {
		if r.(map[string]any)["Type"] == "AWS::IAM::User" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// A resource is pooled only when nothing but its own bytes decides
// cfn-lint's verdicts on it: not one another names, nor a twin by name,
// nor one named with characters IAM refuses, nor any of a template over
// CloudFormation's limits.
func TestPoolKeepsWhatOthersDecide(t *testing.T) {
	_, files := poolModel(t)
	var users string
	for _, f := range files {
		if strings.HasSuffix(f, "-users-1.template.json") {
			users = f
		}
	}
	data, err := os.ReadFile(users)
	if err != nil {
		t.Fatal(err)
	}
	props := func(r any) map[string]any { return r.(map[string]any)["Properties"].(map[string]any) }
	tests := []struct {
		name string
		edit func(resources, tpl map[string]any) []string // the users that must be read
	}{
		{"twins by name", func(resources, _ map[string]any) []string {
			ids := usersOf(resources)
			resources["Twin"] = resources[ids[5]]
			return []string{ids[5], "Twin"}
		}},
		{"named by an output", func(resources, tpl map[string]any) []string {
			ids := usersOf(resources)
			tpl["Outputs"] = map[string]any{"Out": map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{ids[3], "Arn"}}}}
			return ids[3:4]
		}},
		{"a name IAM refuses", func(resources, _ map[string]any) []string {
			ids := usersOf(resources)
			r := resources[ids[2]].(map[string]any)
			name := "bad name"
			r["Metadata"].(map[string]any)["iamstack"].(map[string]any)["name"] = name
			props(r)["UserName"] = name
			return ids[2:3]
		}},
		{"over the resource limit", func(resources, _ map[string]any) []string {
			ids := usersOf(resources)
			for i := 0; len(resources) <= 500; i++ {
				r, _ := json.Marshal(resources[ids[0]])
				var c map[string]any
				json.Unmarshal(r, &c)
				name := fmt.Sprintf("extra.%04d", i)
				c["Metadata"].(map[string]any)["iamstack"].(map[string]any)["name"] = name
				props(c)["UserName"] = name
				resources[fmt.Sprintf("Extra%04d", i)] = c
			}
			return usersOf(resources)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var must []string
			mutated := mutateResources(t, data, func(resources, tpl map[string]any) { must = tt.edit(resources, tpl) })
			f := filepath.Join(t.TempDir(), filepath.Base(users))
			if err := os.WriteFile(f, mutated, 0o644); err != nil {
				t.Fatal(err)
			}
			p, err := newPool([]string{f})
			if err != nil {
				t.Fatal(err)
			}
			lf := p.linted[0]
			for _, id := range must {
				if _, ok := lf.self[id]; !ok {
					t.Errorf("%s is not read as itself", id)
				}
			}
			for id := range lf.self {
				for _, m := range lf.members[id] {
					for _, id := range must {
						if m.id == id {
							t.Errorf("%s is pooled", id)
						}
					}
				}
			}
		})
	}
}

// The files cfn-lint reads are shared out whole, each once, as many shares
// as procs makes of the whole load, the largest files first to the least
// loaded share; a file read leaves out is in none.
func TestSharesSplitTheLoad(t *testing.T) {
	dir := t.TempDir()
	p := &pool{}
	for i, size := range []int{9000, 100, 5000, 4000, 300, 8000} {
		path := filepath.Join(dir, fmt.Sprintf("%d.json", i))
		if err := os.WriteFile(path, bytes.Repeat([]byte{' '}, size), 0o644); err != nil {
			t.Fatal(err)
		}
		p.linted = append(p.linted, lintedFile{path: path, template: path})
	}
	skipped := p.linted[5].path
	var asked int64
	shares := p.shares(func(lf *lintedFile) bool { return lf.path != skipped }, func(load int64) int {
		asked = load
		return 2
	})
	if want := int64(9000 + 100 + 5000 + 4000 + 300 + 5*4096); asked != want {
		t.Errorf("procs asked about a load of %d, want %d", asked, want)
	}
	if len(shares) != 2 {
		t.Fatalf("%d shares, want 2", len(shares))
	}
	base := func(paths []string) []string {
		var out []string
		for _, s := range paths {
			out = append(out, filepath.Base(s))
		}
		return out
	}
	// 9000 to one, 5000 and 4000 to the other; 300, then 100, each to the
	// lighter then.
	if got := [][]string{base(shares[0]), base(shares[1])}; !slices.Equal(got[0], []string{"0.json", "4.json"}) ||
		!slices.Equal(got[1], []string{"2.json", "3.json", "1.json"}) {
		t.Errorf("shares %v", got)
	}
	if got := p.shares(func(*lintedFile) bool { return true }, func(int64) int { return 0 }); len(got) != 1 || len(got[0]) != 6 {
		t.Errorf("no process asked for: %d shares, want every file in one", len(got))
	}
}
