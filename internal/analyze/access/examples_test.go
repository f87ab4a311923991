//go:build cdk || integration

package access_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/analyze/access"
)

// The example organizations under examples/ give, from their templates,
// exactly the access written by hand next to them (<name>.access): every
// role each person or CI/CD user reaches, directly or by chaining, with its
// session limit and MFA, and every principal trusted from outside; and no
// open escalation finding.
func TestExampleOrganizations(t *testing.T) {
	models, err := filepath.Glob("../../../examples/*.yaml")
	if err != nil || len(models) < 2 {
		t.Fatalf("example models: %v %v", models, err)
	}
	for _, file := range models {
		t.Run(filepath.Base(file), func(t *testing.T) {
			rep := named(t, "examples/"+filepath.Base(file)).rep
			got := accessLines(rep)
			want := readAccess(t, strings.TrimSuffix(file, ".yaml")+".access")
			for _, l := range want {
				if !slices.Contains(got, l) {
					t.Errorf("missing: %s", l)
				}
			}
			for _, l := range got {
				if !slices.Contains(want, l) {
					t.Errorf("unexpected: %s", l)
				}
			}
			for _, f := range rep.Findings {
				if f.ByDesign == "" {
					t.Errorf("open finding: %s", f)
				}
			}
		})
	}
}

// accessLines writes a report in the .access format.
func accessLines(rep access.Report) []string {
	var out []string
	for e := range rep.Entries() {
		if e.Type != "assume-role" {
			continue
		}
		mfa := "no-mfa"
		if e.MFA {
			mfa = "mfa"
		}
		l := fmt.Sprintf("%s %s %s %d %s", e.User, e.Account, e.Role, e.MaxSessionSeconds, mfa)
		if len(e.Through) > 0 {
			l += " through " + strings.Join(e.Through, " ")
		}
		if slices.Contains(e.SignIn, access.SignInIdentityCenter) {
			l += " via " + strings.Join(e.SignIn, "+")
		}
		out = append(out, l)
	}
	for _, x := range rep.External {
		l := strings.Join(append([]string{"external", x.Account + "/" + x.Role, x.Type, x.Principal}, x.Conditions...), " ")
		out = append(out, l)
	}
	return out
}

func readAccess(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}
