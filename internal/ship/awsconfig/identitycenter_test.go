package awsconfig_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/assembly/assemblytest"
	"github.com/iamstack/iamstack/internal/ship/awsconfig"
	"github.com/iamstack/iamstack/model"
)

// identityCenter renders examples/identity-center.yaml in Go and analyses it.
func identityCenter(t testing.TB) (*assembly.Inventory, access.Report) {
	t.Helper()
	m, err := model.Load("../../../examples/identity-center.yaml")
	if err != nil {
		t.Fatal(err)
	}
	inv := assemblytest.Inventory(t, m)
	return inv, access.Analyze(inv)
}

// A person's sso profiles are exactly their Identity Center entries: one
// per permission set and account, named as the IAM profiles are, from one
// sso-session; a role reached by chaining is assumed from the profile of
// the hop before it. Each format refuses the people it cannot serve.
func TestIdentityCenterProfiles(t *testing.T) {
	inv, rep := identityCenter(t)
	ps, err := awsconfig.For(inv, rep, "dara.kim", awsconfig.FormatSSO)
	if err != nil {
		t.Fatal(err)
	}
	session := ps.List[0]
	if !session.Session || session.Name != "corp" || session.Get("sso_start_url") != "https://d-9067a1b2c3.awsapps.com/start" ||
		session.Get("sso_region") != "eu-west-1" || session.Get("sso_registration_scopes") != "sso:account:access" {
		t.Errorf("sso-session: %+v", session)
	}
	want := map[string]bool{}
	for e := range rep.Entries() {
		if e.User == "dara.kim" && e.Type == "assume-role" {
			want["corp-"+e.Account+"-"+e.Role] = true
		}
	}
	for _, p := range ps.List[1:] {
		if !want[p.Name] {
			t.Errorf("profile %s is no entry of dara.kim's", p.Name)
		}
		delete(want, p.Name)
		switch {
		case p.Name == "corp-management-ReportsR":
			if p.Get("source_profile") != "corp-data-DataR" || p.Get("role_session_name") != "dara.kim" || p.Get("sso_session") != "" {
				t.Errorf("the chained profile: %+v", p)
			}
		case p.Get("sso_session") != "corp" || p.Get("sso_role_name") != "corp-"+p.Name[strings.LastIndex(p.Name, "-")+1:] || len(p.Get("sso_account_id")) != 12:
			t.Errorf("profile %+v", p)
		}
	}
	if len(want) > 0 {
		t.Errorf("entries without a profile: %v", want)
	}

	var wrong *awsconfig.FormatError
	if _, err := awsconfig.For(inv, rep, "ana.lima", awsconfig.FormatAWSCLI); !errors.As(err, &wrong) {
		t.Errorf("aws-cli profiles for a person of Identity Center only: %v", err)
	}
	if _, err := awsconfig.For(inv, rep, "eli.park", awsconfig.FormatSSO); !errors.As(err, &wrong) {
		t.Errorf("sso profiles for an IAM user: %v", err)
	}
	// Granted: Identity Center for those who use it, the IAM user for the others.
	for user, sso := range map[string]bool{"ana.lima": true, "dara.kim": true, "eli.park": false} {
		ps, err := awsconfig.For(inv, rep, user, awsconfig.FormatGranted)
		if err != nil || ps.List[0].Session != sso {
			t.Errorf("granted profiles of %s: sso=%v, want %v (%v)", user, ps.List[0].Session, sso, err)
		}
	}
	var b bytes.Buffer
	if err := awsconfig.WriteGrantedRegistry(&b, "bob+ops@example.com"); err != nil || !strings.Contains(b.String(), "awsConfig:\n  - ./bob+ops@example.com.config\n") || strings.Contains(b.String(), "{{") {
		t.Errorf("granted.yml:\n%s", b.String())
	}
}

// Merging a person's block into a config file replaces exactly the block
// written before and keeps every other byte; a second person's block is
// appended; markers that do not pair up are refused with the line.
func TestMerge(t *testing.T) {
	block := func(user, body string) []byte {
		return []byte("# >>> iamstack awsconfig " + user + " >>>\n" + body + "# <<< iamstack awsconfig " + user + " <<<\n")
	}
	mine := "[default]\nregion = us-east-1\n; a comment of mine\n"
	out, err := awsconfig.Merge("config", []byte(mine), "ana", block("ana", "[profile a]\nregion = eu-west-1\n"))
	if err != nil {
		t.Fatal(err)
	}
	out, err = awsconfig.Merge("config", append(out, "[profile mine]\nregion = ap-south-1\n"...), "bob", block("bob", "[profile b]\n"))
	if err != nil {
		t.Fatal(err)
	}
	out, err = awsconfig.Merge("config", out, "ana", block("ana", "[profile a2]\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := mine + "\n" + string(block("ana", "[profile a2]\n")) + "[profile mine]\nregion = ap-south-1\n\n" + string(block("bob", "[profile b]\n"))
	if string(out) != want {
		t.Errorf("merged:\n%s\nwant:\n%s", out, want)
	}
	for name, broken := range map[string]string{
		"no end":     "x\n# >>> iamstack awsconfig ana >>>\n[profile a]\n",
		"end only":   "# <<< iamstack awsconfig ana <<<\n",
		"two starts": string(block("ana", "")) + string(block("ana", "")),
		"end, start": "# <<< iamstack awsconfig ana <<<\n# >>> iamstack awsconfig ana >>>\n",
	} {
		if _, err := awsconfig.Merge("config", []byte(broken), "ana", block("ana", "")); err == nil || !strings.HasPrefix(err.Error(), "config:") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// The sso profiles load in botocore, the AWS CLI's own loader, as the
// profiles they are (checked in the integration tier with the CLI itself).
func TestIdentityCenterProfilesWriteTheirMarkers(t *testing.T) {
	inv, rep := identityCenter(t)
	ps, _ := awsconfig.For(inv, rep, "ana.lima", awsconfig.FormatSSO)
	var b bytes.Buffer
	ps.WriteConfig(&b)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if lines[0] != "# >>> iamstack awsconfig ana.lima >>>" || lines[len(lines)-1] != "# <<< iamstack awsconfig ana.lima <<<" {
		t.Errorf("markers: %q ... %q", lines[0], lines[len(lines)-1])
	}
	if err := ps.WriteCredentials(&b); err == nil {
		t.Error("a credentials template for a person without an access key")
	}
}
