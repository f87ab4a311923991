package awsconfig_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/evaluate"
	"github.com/iamstack/iamstack/internal/ship/awsconfig"
	"github.com/iamstack/iamstack/model"
)

var (
	inv *assembly.Inventory
	rep access.Report
	m   *model.Model
)

// TestMain analyses the example's committed cloud assembly (`make golden`).
func TestMain(t *testing.M) {
	var err error
	if m, err = model.Parse(iamstack.ExampleFile, iamstack.Example()); err != nil {
		panic(err)
	}
	if inv, err = assembly.Read("../../../testdata/golden"); err != nil {
		panic(err)
	}
	rep = access.Analyze(inv)
	os.Exit(t.Run())
}

func templateRole(t *testing.T, arn string) assembly.Principal {
	t.Helper()
	for _, r := range inv.Roles {
		if r.ARN == arn {
			return r
		}
	}
	t.Fatalf("no role %s in the templates", arn)
	return assembly.Principal{}
}

func TestProfilesAreExactlyTheAssumableRoles(t *testing.T) {
	for _, user := range m.UserNames() {
		ps, err := awsconfig.ForUser(inv, rep, user)
		if err != nil {
			t.Fatal(err)
		}
		var u assembly.Principal
		for _, x := range inv.Users {
			if x.Name == user {
				u = x
			}
		}
		for _, p := range ps.List[1:] {
			r := templateRole(t, p.Get("role_arn"))
			ctx := access.Context(u, true)
			ctx["sts:RoleSessionName"] = []string{p.Get("role_session_name")}
			req, pol := access.AssumeRole(u, r, true)
			if d := evaluate.EvaluateIn(evaluate.NewContext(ctx), req, pol).Decision; d != evaluate.Allow {
				t.Errorf("%s: profile %s: assuming %s is %v", user, p.Name, r.ARN, d)
			}
			if p.Get("duration_seconds") != itoa(r.MaxSessionSeconds) {
				t.Errorf("%s: profile %s asks %s seconds; the role allows %d", user, p.Name, p.Get("duration_seconds"), r.MaxSessionSeconds)
			}
			if p.Get("mfa_serial") != "arn:aws:iam::111111111111:mfa/"+user || p.Get("source_profile") != "infra-identity" {
				t.Errorf("%s: profile %s: %v", user, p.Name, p.Settings)
			}
		}
		if want := len(m.UserGrants(user)) + 1; len(ps.List) != want {
			t.Errorf("%s: %d profiles, want %d (one per grant and the source)", user, len(ps.List), want)
		}
	}
	if _, err := awsconfig.ForUser(inv, rep, "nobody"); err == nil {
		t.Error("a user absent from the templates got profiles")
	}
}

func TestCredentialsTemplateHoldsNoSecret(t *testing.T) {
	ps, _ := awsconfig.ForUser(inv, rep, "bob.nguyen")
	var b bytes.Buffer
	ps.WriteCredentials(&b)
	// The keys are comments: no tool reads a placeholder as a key.
	if !strings.Contains(b.String(), "[infra-identity]\n# aws_access_key_id = <your access key ID>\n# aws_secret_access_key = <your secret access key>\n") {
		t.Errorf("credentials template:\n%s", b.String())
	}
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(l, "aws_") {
			t.Errorf("a key line a tool would read: %q", l)
		}
	}
}

func TestConstAndRenderSeedTemplates(t *testing.T) {
	c := awsconfig.Const(m)
	for _, want := range []string{"GLOBAL_AWS_REGION=eu-west-1\n", "AWS_ACCOUNT_ID=111111111111\n", "AWS_ACCOUNT_NAME=infra-identity\n",
		"DEV_AWS_ACCOUNT_ID=222222222222\n", "DEV_IAM_READR_ROLE=infra-ReadR\n", "PROD_IAM_BILLINGR_ROLE=infra-BillingR\n"} {
		if !strings.Contains(c, want) {
			t.Errorf("CONST.inc lacks %q:\n%s", want, c)
		}
	}
	if strings.Contains(c, "DEV_IAM_BILLINGR_ROLE") {
		t.Error("CONST.inc names a role that is switched off in dev")
	}
	vars, err := awsconfig.ParseConst("CONST.inc", []byte(c))
	if err != nil {
		t.Fatal(err)
	}
	// Seed 002's example template, as it is written there.
	tpl := "[profile ${AWS_ACCOUNT_NAME}]\nregion = ${GLOBAL_AWS_REGION}\nsource_profile = ${AWS_ACCOUNT_NAME}\n\n" +
		"[profile ${DEV_AWS_ACCOUNT_NAME}_read]\nregion = ${GLOBAL_AWS_REGION}\nrole_arn = arn:aws:iam::${DEV_AWS_ACCOUNT_ID}:role/${DEV_IAM_READR_ROLE}\nsource_profile = ${AWS_ACCOUNT_NAME}\n"
	out, err := awsconfig.Render("aws-cli.config.tpl", []byte(tpl), vars)
	if err != nil {
		t.Fatal(err)
	}
	if want := "role_arn = arn:aws:iam::222222222222:role/infra-ReadR\n"; !strings.Contains(string(out), want) {
		t.Errorf("rendered:\n%s", out)
	}
}

func TestRender(t *testing.T) {
	vars := map[string]string{"A": "1", "LONG_NAME": "x"}
	cases := []struct {
		tpl, want, err string
	}{
		{"a=${A}\n", "a=1\n", ""},
		{"cost: $$5 and $${A} stays\n", "cost: $5 and ${A} stays\n", ""},
		{"$HOME and $ alone\n", "$HOME and $ alone\n", ""},
		{"line one\nb=${B}\nc=${NAME}\n", "", "t.tpl:2: undefined variable ${B}; define it in CONST.inc or with --set B=...\n  t.tpl:3: undefined variable ${NAME}; define it in CONST.inc or with --set NAME=... (defined: LONG_NAME)"},
		{"x=${A\n", "", "t.tpl:1: unterminated ${ (write $$ for a literal $)"},
	}
	for _, tc := range cases {
		out, err := awsconfig.Render("t.tpl", []byte(tc.tpl), vars)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("Render(%q) error %v, want %q", tc.tpl, err, tc.err)
		case tc.err == "" && (err != nil || string(out) != tc.want):
			t.Errorf("Render(%q) = %q, %v; want %q", tc.tpl, out, err, tc.want)
		}
	}
	if _, err := awsconfig.ParseConst("C.inc", []byte("# c\nexport A=\"1\"\nnot a line\n")); err == nil || !strings.Contains(err.Error(), "C.inc:3: expected KEY=VALUE") {
		t.Errorf("ParseConst error %v", err)
	}
}

func itoa(n int) string {
	var b []byte
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
