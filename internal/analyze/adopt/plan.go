package adopt

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
)

// stack is one template of an assembly, kept whole so that an import-phase
// copy can be written.
type stack struct {
	id, account, file string
	tpl               map[string]any
}

// readStacks reads the stacks of the cloud assembly in dir, sorted by ID.
func readStacks(dir string) ([]stack, error) {
	files, err := assembly.StackFiles(dir)
	if err != nil {
		return nil, err
	}
	var out []stack
	for _, f := range files {
		tb, err := os.ReadFile(filepath.Join(dir, f.TemplateFile))
		if err != nil {
			return nil, fmt.Errorf("read cloud assembly %s: %w", dir, err)
		}
		var tpl map[string]any
		if err := json.Unmarshal(tb, &tpl); err != nil {
			return nil, fmt.Errorf("read cloud assembly %s: %s: %w", dir, f.TemplateFile, err)
		}
		out = append(out, stack{id: f.ID, account: f.Account(), file: f.TemplateFile, tpl: tpl})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("read cloud assembly %s: no stacks", dir)
	}
	return out, nil
}

// resources are a stack's IAM resources an import can take, by logical ID.
func (s stack) resources() []Resource {
	res, _ := s.tpl["Resources"].(map[string]any)
	var out []Resource
	for _, id := range slices.Sorted(maps.Keys(res)) {
		r, _ := res[id].(map[string]any)
		typ, _ := r["Type"].(string)
		k, ok := resourceKinds[typ]
		if !ok {
			continue
		}
		props, _ := r["Properties"].(map[string]any)
		name, _ := props[k.nameProp].(string)
		path, _ := props["Path"].(string)
		if path == "" {
			path = "/"
		}
		_, login := props["LoginProfile"]
		out = append(out, Resource{Stack: s.id, LogicalID: id, Type: typ, Kind: k.kind, Name: name, Path: path, LoginProfile: login,
			Policies: attachedNames(res, props), Inline: inlineNames(props)})
	}
	return out
}

// attachedNames are the names of the managed policies a resource's
// ManagedPolicyArns attaches: an ARN's last part, or the name of the
// template's policy a Ref points at.
func attachedNames(res map[string]any, props map[string]any) []string {
	arns, _ := props["ManagedPolicyArns"].([]any)
	var out []string
	for _, a := range arns {
		switch v := a.(type) {
		case string:
			out = append(out, v[strings.LastIndex(v, "/")+1:])
		case map[string]any:
			id, _ := v["Ref"].(string)
			target, _ := res[id].(map[string]any)
			p, _ := target["Properties"].(map[string]any)
			if name, ok := p["ManagedPolicyName"].(string); ok {
				out = append(out, name)
			}
		}
	}
	return out
}

// inlineNames are the names of a resource's inline policies (Policies).
func inlineNames(props map[string]any) []string {
	ps, _ := props["Policies"].([]any)
	var out []string
	for _, p := range ps {
		m, _ := p.(map[string]any)
		if name, ok := m["PolicyName"].(string); ok {
			out = append(out, name)
		}
	}
	return out
}

// forAccount returns the listing of an account, if any.
func forAccount(listings []*Listing, account string) *Listing {
	for _, l := range listings {
		if l.Account == account {
			return l
		}
	}
	return nil
}

// ignored refuses a listing of an account that no stack deploys to: it
// would be ignored, and is most likely the listing of another account.
func ignored(stacks []stack, listings []*Listing) error {
	for _, l := range listings {
		if !slices.ContainsFunc(stacks, func(s stack) bool { return s.account == l.Account }) {
			return fmt.Errorf("a listing is of account %s, where the model deploys no stack: list an account of the model", l.Account)
		}
	}
	return nil
}

// Plan finds, in the cloud assembly in dir, the resources the listings
// show to exist already. Stacks of accounts without a listing are left out.
func Plan(dir string, listings []*Listing) (Adoption, error) {
	stacks, err := readStacks(dir)
	if err != nil {
		return Adoption{}, err
	}
	if err := ignored(stacks, listings); err != nil {
		return Adoption{}, err
	}
	var a Adoption
	for _, s := range stacks {
		l := forAccount(listings, s.account)
		if l == nil {
			continue
		}
		for _, r := range s.resources() {
			e, ok := l.Lookup(r.Kind, r.Name)
			if !ok {
				a.New = append(a.New, r)
				continue
			}
			id := resourceKinds[r.Type].idProp
			value := e.Name
			if r.Kind == Policy {
				value = e.ARN
			}
			a.Imports = append(a.Imports, Import{Resource: r, Identifier: map[string]string{id: value}})
			a.Findings = append(a.Findings, findings(r, e)...)
		}
	}
	return a, nil
}

// findings compare what exists with what the template makes of it.
func findings(r Resource, e Existing) []Finding {
	var out []Finding
	add := func(blocking bool, format string, args ...any) {
		out = append(out, Finding{Resource: r, Blocking: blocking, Message: fmt.Sprintf(format, args...)})
	}
	if e.Name != r.Name {
		add(true, "IAM has it as %q: names differ in case only, which IAM treats as the same name and CloudFormation does not; write it as IAM has it", e.Name)
	}
	if e.Path != r.Path {
		switch r.Kind {
		case User:
			add(false, "IAM has it under path %s, the template under %s: the deploy after the import moves it in place, keeping its MFA devices, keys and password. To keep the path, give the user `path: %s` in the model", e.Path, r.Path, e.Path)
		case Group:
			add(false, "IAM has it under path %s, the template under %s: the deploy after the import moves it in place", e.Path, r.Path)
		case Role:
			add(true, "IAM has it under path %s, the template under %s: a role's path cannot change in place, so the deploy after the import would replace it. Give the role `path: %s` in the model", e.Path, r.Path, e.Path)
		default:
			add(true, "IAM has it under path %s, the template under %s: a policy's path cannot change in place, so the deploy after the import would replace it. Rename the existing policy or leave it out of the model", e.Path, r.Path)
		}
	}
	if r.LoginProfile {
		add(true, "the template gives them a first password: the deploy after the import would replace the password they have with a generated one. If they have one, set `keepPassword: true` for them in the model")
	}
	if len(e.Groups) > 0 {
		add(false, "IAM has it in groups %s: review them against the groups the template gives it before the import", strings.Join(e.Groups, ", "))
	}
	missing := func(have, kept []string) []string {
		return slices.DeleteFunc(slices.Clone(have), func(p string) bool { return slices.Contains(kept, p) })
	}
	if extra := missing(e.AttachedPolicies, r.Policies); len(extra) > 0 {
		add(false, "IAM has the managed policies %s attached, which the template does not attach: the deploy after the import detaches them; review them before the import", strings.Join(extra, ", "))
	}
	if inline := missing(e.InlinePolicies, r.Inline); len(inline) > 0 {
		add(false, "IAM has the inline policies %s, which the template does not keep: the deploy after the import deletes them; review them before the import, or keep them in the model (a role's inlinePolicies)", strings.Join(inline, ", "))
	}
	return out
}

// Collisions are the resources that the head assembly creates (absent from
// the base assembly's stack of the same ID, or every one without a base)
// and that a listing shows to exist: CloudFormation cannot create them, so
// the deploy would fail. They must be imported first.
func Collisions(headDir, baseDir string, listings []*Listing) ([]Finding, error) {
	head, err := readStacks(headDir)
	if err != nil {
		return nil, err
	}
	if err := ignored(head, listings); err != nil {
		return nil, err
	}
	inBase := map[[2]string]bool{}
	if baseDir != "" {
		base, err := readStacks(baseDir)
		if err != nil {
			return nil, err
		}
		for _, s := range base {
			for _, r := range s.resources() {
				inBase[[2]string{s.id, r.LogicalID}] = true
			}
		}
	}
	var out []Finding
	for _, s := range head {
		l := forAccount(listings, s.account)
		if l == nil {
			continue
		}
		for _, r := range s.resources() {
			if inBase[[2]string{s.id, r.LogicalID}] {
				continue
			}
			if e, ok := l.Lookup(r.Kind, r.Name); ok {
				out = append(out, Finding{Resource: r, Blocking: true, Message: fmt.Sprintf(
					"already exists in account %s (%s), so CloudFormation cannot create it and the deploy would fail. Import it first: `iamstack adopt --listing <listing> --out cdk.adopt`, then the `cdk import` it prints", s.account, e.ARN)})
			}
		}
	}
	return out, nil
}
