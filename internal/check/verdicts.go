package check

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/keys"
	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/parallel"
	"github.com/iamstack/iamstack/model"
)

// Nag reads the cdk-nag reports a synthesis with nag wrote into dir and
// returns the findings no suppression accepted.
func Nag(dir string) ([]Violation, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*-NagReport.csv"))
	if len(files) == 0 {
		return nil, fmt.Errorf("no cdk-nag report in %s: synthesize with --nag", dir)
	}
	seen := map[string]bool{}
	var out []Violation
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, row := range rows[1:] {
			if len(row) < 6 || row[2] != "Non-Compliant" {
				continue
			}
			key := row[0] + row[1]
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, Violation{Rule: row[0], Resource: strings.TrimSuffix(row[1], "/Resource"), Message: row[5]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Resource+out[i].Rule < out[j].Resource+out[j].Rule })
	return out, nil
}

// SameTemplates names the templates of dir that are byte for byte the
// same file in baseDir (none when baseDir is ""): templates are
// deterministic, so these were linted when the base passed the check.
func SameTemplates(dir, baseDir string) (map[string]bool, error) {
	same := map[string]bool{}
	if baseDir == "" {
		return same, nil
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.template.json"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		head, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if base, err := os.ReadFile(filepath.Join(baseDir, filepath.Base(f))); err == nil && bytes.Equal(head, base) {
			same[filepath.Base(f)] = true
		}
	}
	return same, nil
}

// CfnLint runs cfn-lint on every template in dir but those skip names. Errors fail the check;
// warnings are reported. cfn-lint reads .cfnlintrc.yaml from the working
// directory: that is where a warning is accepted, with a comment why. Each
// finding names its template (by file name: the directory may be
// temporary), its line, the resource path and the model entity the resource
// comes from.
func CfnLint(dir string, skip map[string]bool) (errs, warnings []string, err error) {
	return cfnLint(dir, skip, true, nil)
}

// lintPlan is what cfn-lint reads for the templates: byShape, one template
// of each shape and one resource of each shape in them; else each whole.
func lintPlan(dir string, files []string, tmp string, byShape bool, memo *shapeMemo) ([]shape, *pool, error) {
	if !byShape {
		var groups []shape
		p := &pool{}
		for _, f := range files {
			groups = append(groups, shape{{file: f}})
			p.linted = append(p.linted, lintedFile{path: f, template: f})
		}
		return groups, p, nil
	}
	groups := shapes(dir, files, memo)
	var reps []string
	for _, g := range groups {
		reps = append(reps, g[0].file)
	}
	p, err := newPool(reps)
	if err != nil {
		return nil, nil, err
	}
	return groups, p, p.write(tmp)
}

// cfnLint is CfnLint, reading each template whole unless byShape (tests
// compare the two), with the shapes of the templates memo keeps.
func cfnLint(dir string, skip map[string]bool, byShape bool, memo *shapeMemo) (errs, warnings []string, err error) {
	all, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
	if len(all) == 0 {
		return nil, nil, fmt.Errorf("no templates in %s", dir)
	}
	var files []string
	for _, f := range all {
		if !skip[filepath.Base(f)] {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		return nil, nil, nil
	}
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		return nil, nil, fmt.Errorf("cfn-lint is not on PATH: install it with `pip install cfn-lint`")
	}
	// The templates StackSets deploy travel inside their stack's template:
	// cfn-lint reads each as a file of its own.
	bodies, err := os.MkdirTemp("", "iamstack-stacksets-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(bodies)
	inner, err := stackSetTemplates(files, bodies)
	if err != nil {
		return nil, nil, err
	}
	files = append(files, inner...)
	// One template of each shape (shapes.go), each resource shape once in
	// them (pool.go): a large model has dozens of shapes and hundreds of
	// templates.
	groups, p, err := lintPlan(dir, files, bodies, byShape, memo)
	if err != nil {
		return nil, nil, err
	}
	// A copy that stands with another (fillerKey) is read only when
	// that one has findings: then they are its own to find.
	byFile, err := lintPool(p, func(lf *lintedFile) bool { return lf.twin == nil })
	if err != nil {
		return nil, nil, err
	}
	found := func(lf *lintedFile) bool { return len(lf.findings(byFile[lf.path])) > 0 }
	again, err := lintPool(p, func(lf *lintedFile) bool { return lf.twin != nil && found(lf.twin) })
	if err != nil {
		return nil, nil, err
	}
	maps.Copy(byFile, again)
	byTemplate := map[string][]lintFinding{}
	for i := range p.linted {
		lf := &p.linted[i]
		for _, f := range lf.findings(byFile[lf.path]) {
			byTemplate[f.Filename] = append(byTemplate[f.Filename], f)
		}
	}
	// A shape's findings are its members', when the linted template had
	// any, those of its names' signature (shapes.go): the first member of
	// each other signature is linted whole, for its own.
	var findings []lintFinding
	var whole pool
	var bySig []shape
	for _, g := range groups {
		fs := byTemplate[g[0].file]
		if len(fs) == 0 {
			continue
		}
		subs := g.bySignature()
		for _, f := range fs {
			for _, m := range subs[0] {
				findings = append(findings, m.as(g[0], f))
			}
		}
		for _, s := range subs[1:] {
			bySig = append(bySig, s)
			whole.linted = append(whole.linted, lintedFile{path: s[0].file, template: s[0].file})
		}
	}
	if len(bySig) > 0 {
		byFile, err := lintPool(&whole, func(*lintedFile) bool { return true })
		if err != nil {
			return nil, nil, err
		}
		for _, s := range bySig {
			for _, f := range byFile[s[0].file] {
				for _, m := range s {
					findings = append(findings, m.as(s[0], f))
				}
			}
		}
	}
	sort.SliceStable(findings, func(i, j int) bool {
		a, b := findings[i], findings[j]
		return a.Filename < b.Filename || a.Filename == b.Filename && a.Location.Start.LineNumber < b.Location.Start.LineNumber
	})
	entities := map[string]map[string]metadata.Entity{} // template -> logical ID -> entity
	for _, f := range findings {
		if unknownToCfnLint(f) {
			continue
		}
		name := filepath.Base(f.Filename)
		if _, ok := entities[name]; !ok {
			entities[name] = resourceEntities(f.Filename)
		}
		var path []string
		for _, p := range f.Location.Path {
			path = append(path, fmt.Sprint(p))
		}
		line := fmt.Sprintf("%s:%d: %s %s (at %s", name, f.Location.Start.LineNumber, f.Rule.Id, lintMessage(f.Message), strings.Join(path, "/"))
		if len(path) > 1 && path[0] == "Resources" {
			if e, ok := entities[name][path[1]]; ok && e.Kind != "" {
				line += "; from " + e.String()
			}
		}
		line += ")"
		if f.Level == "Error" {
			errs = append(errs, line)
		} else {
			warnings = append(warnings, line)
		}
	}
	return errs, warnings, nil
}

// newTypes are the resource types iamstack writes that the pinned cfn-lint
// (1.51.0) predates: its E3006, "does not exist", is about cfn-lint, not the
// template. (A registry schema passed with --registry-schemas is not
// applied either: 1.51.0 validates only the types its own provider
// modules list.) aws-cdk-lib's L1 class checks these resources' properties
// when the CDK synthesizes them, and the plan's tests check what they hold.
var newTypes = []string{"AWS::IdentityStore::User"}

// unknownToCfnLint tells whether a finding is cfn-lint not knowing one of
// newTypes.
func unknownToCfnLint(f lintFinding) bool {
	return f.Rule.Id == "E3006" && slices.ContainsFunc(newTypes, func(t string) bool { return strings.Contains(f.Message, "'"+t+"'") })
}

// lintMessage shortens a cfn-lint message that lists every value it allows
// (W3037 lists every service prefix, hundreds): the list says nothing the
// value and the rule do not.
func lintMessage(msg string) string {
	const marker = " is not one of ["
	i := strings.Index(msg, marker)
	if i < 0 || len(msg) < 300 || !strings.HasSuffix(msg, "]") {
		return msg
	}
	n := strings.Count(msg[i:], ",") + 1
	return fmt.Sprintf("%s is not one of the %d values cfn-lint knows", msg[:i], n)
}

type lintFinding struct {
	Filename string
	Level    string
	Message  string
	Location struct {
		Path  []any
		Start struct{ LineNumber int }
	}
	Rule struct{ Id string }
}

// lintPool runs cfn-lint on the pool's files that read says, a process
// per core but one (lintProcesses), each on its share, and returns the
// findings by file: cfn-lint is single-threaded, and a core is left to the
// rest of the gate, which runs meanwhile (run.go). Left, not shared: while
// the processes run, the gate's goroutines keep to that core
// (parallel.Cede). On two cores, cfn-lint sharing both with the analysis,
// the CDK's synthesis and the collector ended seconds after all of them,
// the gate's last step; left a core, it ends with them, and the gate
// spends less CPU in all.
func lintPool(p *pool, read func(lf *lintedFile) bool) (map[string][]lintFinding, error) {
	byFile := map[string][]lintFinding{}
	var shares [][]string
	for _, share := range p.shares(read, lintProcesses) {
		if len(share) > 0 {
			shares = append(shares, share)
		}
	}
	results := make([][]lintFinding, len(shares))
	errs := make([]error, len(shares))
	defer parallel.Cede(len(shares))()
	var wg sync.WaitGroup
	for w, share := range shares {
		wg.Go(func() { results[w], errs[w] = runCfnLint(share) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, r := range results {
		for _, f := range r {
			byFile[f.Filename] = append(byFile[f.Filename], f)
		}
	}
	return byFile, nil
}

// lintAlone is the load (bytes read, and 4 KiB a file) past which cfn-lint
// takes every core, the one left to the rest of the gate too: some 15 s of
// cfn-lint on one core, which reads about 130 KiB of templates a second
// after a 2 s start. The rest of the gate takes 10-15 s at 5,000 people and
// 500 accounts; a load that large is a model of hundreds of shapes of
// account (CI/CD users named after accounts whose names differ in length
// and characters: shapes.go), and cfn-lint then went on alone for half a
// minute after the rest was done. Below it, another process's start is not
// paid back: on the 5,000 x 500 model of `make bench` two processes made
// the gate slower (BENCHMARKS.md).
const lintAlone = 2 << 20

// lintProcesses is how many cfn-lint processes read a load of files.
func lintProcesses(load int64) int {
	if load > lintAlone {
		return runtime.NumCPU()
	}
	return runtime.NumCPU() - 1
}

// runCfnLint runs one cfn-lint process on some templates.
func runCfnLint(files []string) ([]lintFinding, error) {
	cmd := exec.Command("cfn-lint", append([]string{"--format", "json", "--"}, files...)...)
	// Some messages print a Python set (E3019's resources), whose order
	// changes from run to run unless string hashing is seeded: the gate's
	// output is the same for the same templates.
	cmd.Env = append(os.Environ(), "PYTHONHASHSEED=0")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	runErr := cmd.Run()
	if ee, ok := runErr.(*exec.ExitError); runErr != nil && !ok {
		return nil, fmt.Errorf("cfn-lint: %w", runErr)
	} else if ok && ee.ExitCode()&^(2|4|8) != 0 {
		return nil, fmt.Errorf("cfn-lint failed (exit %d): %s", ee.ExitCode(), stderr.String())
	}
	var findings []lintFinding
	if err := json.Unmarshal(out.Bytes(), &findings); err != nil {
		return nil, fmt.Errorf("cfn-lint's JSON output: %w", err)
	}
	return findings, nil
}

// resourceEntities reads the model entity of every resource of a template.
func resourceEntities(file string) map[string]metadata.Entity {
	var t struct {
		Resources map[string]struct {
			Metadata struct {
				Iamstack metadata.Entity `json:"iamstack"`
			}
		}
	}
	b, err := os.ReadFile(file)
	if err == nil {
		json.Unmarshal(b, &t)
	}
	out := map[string]metadata.Entity{}
	for id, r := range t.Resources {
		out[id] = r.Metadata.Iamstack
	}
	return out
}

// Removal is a user, group, role or OIDC provider that a change deletes or
// replaces.
type Removal struct {
	Kind, Name, Account string
	// How: "deleted", or "replaced (...why...)".
	How string
	// Acknowledged is the model's reason, when it acknowledges the removal.
	Acknowledged string
}

func (r Removal) String() string {
	s := fmt.Sprintf("%s %s in account %s is %s", r.Kind, r.Name, r.Account, r.How)
	if r.Acknowledged != "" {
		return s + " (acknowledged: " + r.Acknowledged + ")"
	}
	lost := map[string]string{"user": "MFA devices, access keys and password", "group": "membership", "role": "sessions and any trust others rely on",
		model.RemovalOIDCProvider: "federated sign-ins (every role that trusts it refuses its tokens until it exists again)"}[r.Kind]
	return s + ": its " + lost + " would be lost. If intended, add it to acknowledgedRemovals in the model: {kind: " + r.Kind + ", name: " + r.Name + ", account: " + r.Account + ", reason: <why>}"
}

// Removals lists the users, groups, roles and OIDC providers of base that head deletes or
// that CloudFormation would replace: gone, moved to another stack, or given
// another logical ID.
func Removals(base, head *assembly.Inventory, m *model.Model) []Removal {
	// path is a role's: CloudFormation replaces a role whose Path changes
	// (createOnlyProperties), while users and groups move in place.
	type where struct{ stack, logicalID, path string }
	index := func(inv *assembly.Inventory) map[string]where {
		out := map[string]where{}
		for _, u := range inv.Users {
			out["user\x00"+u.Account+"\x00"+u.Name] = where{u.Stack, u.LogicalID, ""}
		}
		for _, r := range inv.Roles {
			if r.PermissionSet != "" {
				continue // Identity Center's, not a resource of a stack
			}
			out["role\x00"+r.Account+"\x00"+r.Name] = where{r.Stack, r.LogicalID, r.Path}
		}
		// A person of Identity Center's directory is a user of the
		// instance's account: deleting one is as loud as an IAM user.
		if ic := inv.IdentityCenter; ic != nil {
			for name, id := range ic.DirectoryUsers {
				out["user\x00"+ic.Account+"\x00"+name] = where{ic.Stack, id, ""}
			}
		}
		for _, g := range inv.Groups {
			out["group\x00"+g.Account+"\x00"+g.Name] = where{g.Stack, g.LogicalID, ""}
		}
		for _, p := range inv.OIDCProviders {
			out[model.RemovalOIDCProvider+"\x00"+p.Account+"\x00"+p.Name] = where{p.Stack, p.LogicalID, ""}
		}
		return out
	}
	before, after := index(base), index(head)
	var out []Removal
	for k, b := range before {
		parts := strings.Split(k, "\x00")
		r := Removal{Kind: parts[0], Account: base.Account(parts[1]).Name, Name: parts[2]}
		a, kept := after[k]
		switch {
		case !kept:
			r.How = "deleted"
		case a.stack != b.stack:
			r.How = fmt.Sprintf("replaced (moved from stack %s to %s)", b.stack, a.stack)
		case a.logicalID != b.logicalID:
			r.How = fmt.Sprintf("replaced (logical ID %s becomes %s)", b.logicalID, a.logicalID)
		case a.path != b.path:
			r.How = fmt.Sprintf("replaced (path %s becomes %s)", b.path, a.path)
		default:
			continue
		}
		for _, ack := range m.AcknowledgedRemovals() {
			if ack.Acknowledges(r.Kind, r.Name, r.Account) {
				r.Acknowledged = ack.Reason
			}
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// Golden compares the templates in dir with the golden files in golden,
// resource by resource, and describes every difference.
func Golden(dir, golden string) ([]string, error) {
	want, err := templates(golden)
	if err != nil {
		return nil, err
	}
	got, err := templates(dir)
	if err != nil {
		return nil, err
	}
	var diffs []string
	for _, name := range keys.SortedUnion(want, got) {
		w, inWant := want[name]
		g, inGot := got[name]
		switch {
		case !inGot:
			diffs = append(diffs, name+": missing from the synthesis")
			continue
		case !inWant:
			diffs = append(diffs, name+": not in the golden files")
			continue
		}
		wr, gr := resources(w), resources(g)
		for _, id := range keys.SortedUnion(wr, gr) {
			a, inA := wr[id]
			b, inB := gr[id]
			switch {
			case !inA:
				diffs = append(diffs, fmt.Sprintf("%s: resource %s added:\n  %s", name, id, brief(b)))
			case !inB:
				diffs = append(diffs, fmt.Sprintf("%s: resource %s removed", name, id))
			default:
				if changes := structuralDiff("", a, b); len(changes) > 0 {
					diffs = append(diffs, fmt.Sprintf("%s: resource %s changed:\n  %s", name, id, strings.Join(changes, "\n  ")))
				}
			}
		}
		if top(w) != top(g) {
			diffs = append(diffs, name+": template sections other than Resources changed")
		}
	}
	return diffs, nil
}

func templates(dir string) (map[string]map[string]any, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
	if len(files) == 0 {
		return nil, fmt.Errorf("no templates in %s", dir)
	}
	out := map[string]map[string]any{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var t map[string]any
		if err := json.Unmarshal(b, &t); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out[filepath.Base(f)] = t
	}
	return out, nil
}

func resources(t map[string]any) map[string]any {
	rs, _ := t["Resources"].(map[string]any)
	return rs
}

// structuralDiff names every path where two JSON values differ, with the
// golden value and the new one: "Properties.MaxSessionDuration: 3600 -> 7200".
func structuralDiff(path string, a, b any) []string {
	at := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			break
		}
		var out []string
		for _, k := range keys.SortedUnion(x, y) {
			va, inA := x[k]
			vb, inB := y[k]
			switch {
			case !inA:
				out = append(out, fmt.Sprintf("%s: added %s", at(k), brief(vb)))
			case !inB:
				out = append(out, fmt.Sprintf("%s: removed (was %s)", at(k), brief(va)))
			default:
				out = append(out, structuralDiff(at(k), va, vb)...)
			}
		}
		return out
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			break
		}
		var out []string
		for i := range x {
			out = append(out, structuralDiff(fmt.Sprintf("%s[%d]", path, i), x[i], y[i])...)
		}
		return out
	}
	if brief(a) == brief(b) {
		return nil
	}
	return []string{fmt.Sprintf("%s: %s -> %s", path, brief(a), brief(b))}
}

// brief is a JSON value in one line of at most 200 characters.
func brief(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 200 {
		return string(b[:197]) + "..."
	}
	return string(b)
}

func top(t map[string]any) string {
	c := map[string]any{}
	for k, v := range t {
		if k != "Resources" {
			c[k] = v
		}
	}
	b, _ := json.Marshal(c)
	return string(b)
}

// stackSetTemplates writes the TemplateBody of every StackSet in the
// templates to dir, as <template>.<logical ID>.template.json, and lists
// the files.
func stackSetTemplates(templates []string, dir string) ([]string, error) {
	var out []string
	for _, f := range templates {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		bodies, err := assembly.StackSetBodies(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, body := range bodies {
			name := filepath.Join(dir, strings.TrimSuffix(filepath.Base(f), ".template.json")+"."+body.LogicalID+".template.json")
			if err := os.WriteFile(name, []byte(body.Body), 0o644); err != nil {
				return nil, err
			}
			out = append(out, name)
		}
	}
	return out, nil
}
