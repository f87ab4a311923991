package plan_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/model"
)

var lineFirst = regexp.MustCompile(`^[0-9]+: `)

// The bad-input corpus (testdata/bad): every model there is refused before
// synthesis (so nothing is written), with each expected problem at its
// line. A case's expectations are its trailing "# want:" comments, or a
// .want file beside it.
func TestBadModelCorpus(t *testing.T) {
	files, err := filepath.Glob("../../testdata/bad/*.yaml")
	if err != nil || len(files) < 60 {
		t.Fatalf("the corpus holds %d models (%v); it must hold at least 60", len(files), err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			wants := expectations(t, file, data)
			if len(wants) == 0 {
				t.Fatal("no expected problem: add `# want: <line>: <path>: <message>` lines")
			}
			rel := "testdata/bad/" + filepath.Base(file)
			m, err := model.Parse(rel, data)
			if err == nil {
				_, err = plan.New(m)
			}
			if err == nil {
				t.Fatal("accepted")
			}
			var merr *model.Error
			if !errors.As(err, &merr) {
				t.Fatalf("not a *model.Error: %v", err)
			}
			for _, w := range wants {
				if lineFirst.MatchString(w) {
					w = rel + ":" + w // the line must be exact
				}
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func expectations(t *testing.T, file string, data []byte) []string {
	t.Helper()
	src := string(data)
	if b, err := os.ReadFile(strings.TrimSuffix(file, ".yaml") + ".want"); err == nil {
		src = string(b)
	}
	var wants []string
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimPrefix(line, "# ")
		if w, ok := strings.CutPrefix(line, "want: "); ok {
			wants = append(wants, w)
		}
	}
	return wants
}
