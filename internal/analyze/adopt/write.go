package adopt

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// MappingFile names the `cdk import --resource-mapping` file of a stack.
func MappingFile(stackID string) string { return stackID + ".import.json" }

// Write copies the cloud assembly in dir to out as the import phase: the
// template of every stack with imports holds only the resources to import,
// retained on deletion (as CloudFormation's import requires) and without
// references to resources not imported yet, which the template cannot
// resolve; the deploy after the import brings them in. Beside each such
// template, MappingFile(stack) is the `cdk import --resource-mapping` file.
// Stacks without imports are copied unchanged.
func Write(dir, out string, a Adoption) error {
	stacks, err := readStacks(dir)
	if err != nil {
		return err
	}
	if err := copyDir(dir, out); err != nil {
		return err
	}
	byStack := map[string][]Import{}
	for _, im := range a.Imports {
		byStack[im.Stack] = append(byStack[im.Stack], im)
	}
	for _, s := range stacks {
		imports := byStack[s.id]
		if len(imports) == 0 {
			continue
		}
		mapping := map[string]map[string]string{}
		keep := map[string]bool{}
		for _, im := range imports {
			mapping[im.LogicalID] = im.Identifier
			keep[im.LogicalID] = true
		}
		resources, _ := s.tpl["Resources"].(map[string]any)
		phase := map[string]any{}
		for id := range keep {
			phase[id] = importable(resources[id].(map[string]any), keep)
		}
		tpl := map[string]any{}
		for k, v := range s.tpl {
			tpl[k] = v
		}
		tpl["Resources"] = phase
		delete(tpl, "Outputs") // an import changes nothing else, outputs included
		if err := writeJSON(filepath.Join(out, s.file), tpl); err != nil {
			return err
		}
		if err := writeJSON(filepath.Join(out, MappingFile(s.id)), mapping); err != nil {
			return err
		}
	}
	return nil
}

// importable is a resource as the import phase holds it: retained, and
// without the properties and dependencies that name resources not imported.
func importable(r map[string]any, keep map[string]bool) map[string]any {
	out := map[string]any{}
	for k, v := range r {
		out[k] = v
	}
	out["DeletionPolicy"], out["UpdateReplacePolicy"] = "Retain", "Retain"
	if deps, ok := r["DependsOn"].([]any); ok {
		var kept []any
		for _, d := range deps {
			if id, _ := d.(string); keep[id] {
				kept = append(kept, d)
			}
		}
		delete(out, "DependsOn")
		if len(kept) > 0 {
			out["DependsOn"] = kept
		}
	}
	props, _ := r["Properties"].(map[string]any)
	p := map[string]any{}
	for k, v := range props {
		if list, ok := v.([]any); ok {
			var kept []any
			for _, e := range list {
				if !refersElsewhere(e, keep) {
					kept = append(kept, e)
				}
			}
			if len(kept) > 0 {
				p[k] = kept
			}
			continue
		}
		if !refersElsewhere(v, keep) {
			p[k] = v
		}
	}
	out["Properties"] = p
	return out
}

// refersElsewhere tells whether a value names a resource not kept, with Ref
// or Fn::GetAtt (pseudo parameters such as AWS::AccountId are not resources).
func refersElsewhere(v any, keep map[string]bool) bool {
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["Ref"].(string); ok && !strings.HasPrefix(ref, "AWS::") && !keep[ref] {
			return true
		}
		if att, ok := v["Fn::GetAtt"].([]any); ok && len(att) > 0 {
			if id, _ := att[0].(string); !keep[id] {
				return true
			}
		}
		for _, e := range v {
			if refersElsewhere(e, keep) {
				return true
			}
		}
	case []any:
		return slices.ContainsFunc(v, func(e any) bool { return refersElsewhere(e, keep) })
	}
	return false
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// copyDir copies the regular files of a cloud assembly.
func copyDir(from, to string) error {
	if from == to {
		return fmt.Errorf("adopt: write the import phase to another directory than %s", from)
	}
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		target := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}
