package plan_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/model"
)

// The renderer writes the committed golden assemblies byte for byte: the
// example's and the organization example's, StackSet bodies included, in
// Go alone. The cdk tier checks that the CDK writes what it renders
// (stacks.TestTheCDKWritesWhatThePlanRenders), and TestGoldenIsCurrent
// that the golden assembly is what the CDK writes today.
func TestRenderedTemplatesAreTheGoldenOnes(t *testing.T) {
	org, err := os.ReadFile("../../examples/organization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file   string
		yaml   []byte
		golden string
	}{
		{iamstack.ExampleFile, iamstack.Example(), "../../testdata/golden"},
		{"examples/organization.yaml", org, "../../testdata/golden-organization"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			m, err := model.Parse(tc.file, tc.yaml)
			if err != nil {
				t.Fatal(err)
			}
			p, err := plan.New(m)
			if err != nil {
				t.Fatal(err)
			}
			files, _ := filepath.Glob(filepath.Join(tc.golden, "*.template.json"))
			var ids []string
			for _, f := range files {
				ids = append(ids, strings.TrimSuffix(filepath.Base(f), ".template.json"))
			}
			var planned []string
			for _, s := range p.Stacks {
				planned = append(planned, s.ID)
				want, err := os.ReadFile(filepath.Join(tc.golden, s.ID+".template.json"))
				if err != nil {
					t.Errorf("stack %s has no golden template: %v", s.ID, err)
					continue
				}
				got := s.Template().JSON()
				if !bytes.Equal(got, want) {
					t.Errorf("%s: the rendered template differs from the golden one at byte %d:\n%s", s.ID, firstDiff(got, want), excerpt(got, firstDiff(got, want)))
				}
				if n := s.TemplateSize(); n != len(want) {
					t.Errorf("%s: TemplateSize %d, the template is %d bytes", s.ID, n, len(want))
				}
				for _, ss := range s.StackSets {
					var tpl struct {
						Resources map[string]struct{ Properties struct{ TemplateBody string } }
					}
					if err := json.Unmarshal(want, &tpl); err != nil {
						t.Fatal(err)
					}
					body := tpl.Resources[ss.LogicalID].Properties.TemplateBody
					if n := ss.Template.TemplateSize(); n != len(body) {
						t.Errorf("StackSet %s: TemplateSize %d, its TemplateBody is %d bytes", ss.Name, n, len(body))
					}
				}
			}
			slices.Sort(ids)
			slices.Sort(planned)
			if !slices.Equal(ids, planned) {
				t.Errorf("planned stacks %v, golden templates %v", planned, ids)
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func excerpt(b []byte, at int) string {
	return string(b[max(0, at-200):min(len(b), at+200)])
}
