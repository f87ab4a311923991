//go:build cdk || integration

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOnboardingCommands(t *testing.T) {
	t.Setenv("IAMSTACK_MODEL", "../../iamstack.yaml") // the example, as a team's file
	dir := filepath.Join(t.TempDir(), "asm")
	if _, err := run(t, "synth", "--out", dir); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "onboard", "carol.silva", "--assembly", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"URL:       https://example-identity.signin.aws.amazon.com/console",
		"aws secretsmanager get-secret-value --secret-id infra/first-password/carol.silva",
		"[profile infra-dev-AdminR]",
		"aws sts get-caller-identity --profile infra-dev-AdminR",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("onboard output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "infra-prod-AdminR") {
		t.Error("carol has no AdminR in prod, but got a profile for it")
	}
	out, _ = run(t, "onboard", "dan.okafor", "--assembly", dir)
	if !strings.Contains(out, "You sign in with the AWS CLI only") || strings.Contains(out, "secretsmanager") || strings.Contains(out, "Security credentials > Assign MFA device") {
		t.Errorf("a user without console access:\n%s", out)
	}
	if _, err := run(t, "onboard", "nobody", "--assembly", dir); err == nil {
		t.Error("onboarding an unknown user succeeded")
	}
	if _, err := run(t, "onboard", "carol.silvaa", "--assembly", dir); err == nil || !strings.Contains(err.Error(), `(did you mean "carol.silva"?)`) {
		t.Errorf("a misspelled user: %v", err)
	}
	if _, err := run(t, "onboard", "ci-dev", "--assembly", dir); err == nil || !strings.Contains(err.Error(), "ci-dev is a CI/CD user of account dev, not a person") {
		t.Errorf("onboarding a CI/CD user: %v", err)
	}
	// A CI/CD user's profiles carry no mfa_serial: it signs with its key alone.
	cfg, err := run(t, "awsconfig", "--user", "ci-dev", "--assembly", dir)
	if err != nil || strings.Contains(cfg, "mfa_serial") || !strings.Contains(cfg, "[profile infra-dev-DeployR]") {
		t.Errorf("awsconfig for a CI/CD user: %v\n%s", err, cfg)
	}
	if _, err := run(t, "awsconfig", "--user", "hugo.meyr", "--assembly", dir); err == nil || !strings.Contains(err.Error(), "no user \"hugo.meyr\" in the templates") {
		t.Errorf("an unknown user: %v", err)
	}

	all := t.TempDir()
	if _, err := run(t, "awsconfig", "--all", all, "--assembly", dir); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(all, "*"))
	if len(files) != 12 {
		t.Errorf("--all wrote %d files, want a config and a credentials file for each of 6 people", len(files))
	}

	c, err := run(t, "const")
	if err != nil || !strings.Contains(c, "PROD_IAM_ADMINR_ROLE=infra-AdminR\n") {
		t.Errorf("const: %v\n%s", err, c)
	}
	tpl := filepath.Join(t.TempDir(), "aws-cli.credentials.tpl")
	os.WriteFile(tpl, []byte("[${AWS_ACCOUNT_NAME}]\naws_access_key_id = ${AWS_ACCESS_KEY_ID}\n"), 0o644)
	if _, err := run(t, "render", tpl); err == nil || !strings.Contains(err.Error(), "aws-cli.credentials.tpl:2: undefined variable ${AWS_ACCESS_KEY_ID}") {
		t.Errorf("render with an undefined variable: %v", err)
	}
	out, err = run(t, "render", tpl, "--set", "AWS_ACCESS_KEY_ID=AKIAEXAMPLE")
	if err != nil || out != "[infra-identity]\naws_access_key_id = AKIAEXAMPLE\n" {
		t.Errorf("render: %v %q", err, out)
	}
}

// A person of Identity Center is onboarded through the access portal and
// sso profiles, never an IAM password or access key.
func TestOnboardingThroughIdentityCenter(t *testing.T) {
	out, err := run(t, "onboard", "--model", "../../examples/identity-center.yaml", "ana.lima")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Onboarding ana.lima (IAM Identity Center)", "https://d-9067a1b2c3.awsapps.com/start",
		"iamstack awsconfig --user ana.lima --format sso --merge ~/.aws/config", "[sso-session corp]", "aws sso login --sso-session corp"} {
		if !strings.Contains(out, want) {
			t.Errorf("onboarding lacks %q:\n%s", want, out)
		}
	}
	for _, never := range []string{"access key", "secretsmanager", "mfa_serial"} {
		if strings.Contains(out, never) {
			t.Errorf("onboarding through Identity Center mentions %q:\n%s", never, out)
		}
	}
}
