//go:build integration

package test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack"
)

// iamstack baseline against moto: apply sets the account alias and the
// password policy the model declares, which IAM then holds; a second apply
// changes nothing; verify finds nothing but what only the root user can
// change (moto's root user has no MFA).
func TestBaselineAppliesAndVerifies(t *testing.T) {
	if testing.Short() {
		t.Skip("calls moto; skipped with -short")
	}
	t.Parallel()
	dev := newAccount(t, "222222222222")
	example := string(iamstack.Example())
	withBaseline := strings.Replace(example, "    alias: example-dev\n", "    alias: acme-dev-7f3a\n", 1)
	if withBaseline == example {
		t.Fatal("the example's dev account changed: update the test")
	}
	withBaseline += "\nbaseline:\n  passwordPolicy: {minimumLength: 16}\n  passwordPolicyIn:\n    prod: {minimumLength: 20, maxAgeDays: 90}\n"
	file := filepath.Join(t.TempDir(), "iamstack.yaml")
	if err := os.WriteFile(file, []byte(withBaseline), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, int) {
		out, err := dev.cmd(iamstackBinary(t), append([]string{"baseline"}, append(args, "--model", file, "--account", "dev")...)...).CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}
	out, code := run("apply")
	if code != 0 || !strings.Contains(out, `dev: set the account alias to "acme-dev-7f3a" (was none)`) || !strings.Contains(out, "dev: set the password policy to length>=16") {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	var aliases struct{ AccountAliases []string }
	if err := dev.aws(&aliases, "iam", "list-account-aliases"); err != nil || len(aliases.AccountAliases) != 1 || aliases.AccountAliases[0] != "acme-dev-7f3a" {
		t.Errorf("aliases %v %v", aliases.AccountAliases, err)
	}
	var pp struct {
		PasswordPolicy struct {
			MinimumPasswordLength                                                   int
			RequireSymbols, RequireNumbers, RequireUppercaseCharacters              bool
			RequireLowercaseCharacters, AllowUsersToChangePassword, ExpirePasswords bool
			PasswordReusePrevention                                                 int
		}
	}
	if err := dev.aws(&pp, "iam", "get-account-password-policy"); err != nil {
		t.Fatal(err)
	}
	if p := pp.PasswordPolicy; p.MinimumPasswordLength != 16 || !p.RequireSymbols || !p.RequireNumbers || !p.RequireUppercaseCharacters ||
		!p.RequireLowercaseCharacters || !p.AllowUsersToChangePassword || p.ExpirePasswords || p.PasswordReusePrevention != 24 {
		t.Errorf("the password policy IAM holds: %+v", p)
	}
	if out, code := run("apply"); code != 0 || strings.TrimSpace(out) != "dev: nothing to change\ndev: warning: root user MFA is off; the model wants on (only the root user can change it)" {
		t.Errorf("a second apply: exit %d\n%s", code, out)
	}
	if out, code := run("verify"); code != 1 || strings.TrimSpace(out) != "dev: root user MFA is off; the model wants on (only the root user can change it)" {
		t.Errorf("verify: exit %d\n%s", code, out)
	}
}

// The baseline stack deploys in us-east-1, where AWS sends the root user's
// events: the rule matches the root user's console sign-ins and API calls
// and targets the topic, which only that rule may publish to (over TLS),
// and the model's addresses are subscribed.
func TestBaselineStackDeploys(t *testing.T) {
	if testing.Short() {
		t.Skip("deploys; skipped with -short")
	}
	t.Parallel()
	dev := newAccount(t, "222222222222")
	if out, err := dev.cmd(dev.cdk, "bootstrap", "aws://222222222222/us-east-1", "--app", "").CombinedOutput(); err != nil {
		t.Fatalf("cdk bootstrap us-east-1: %v\n%s", err, out)
	}
	model := string(iamstack.Example()) + "\nbaseline:\n  rootSignInAlert: {emails: [security@example.com, oncall@example.com]}\n"
	dev.synthAndDeploy(model, "infra-dev-baseline")
	east := func(v any, args ...string) {
		t.Helper()
		if err := dev.aws(v, append(args, "--region", "us-east-1")...); err != nil {
			t.Fatal(err)
		}
	}
	var rule struct{ Name, State, EventPattern string }
	east(&rule, "events", "describe-rule", "--name", "infra-root-sign-in")
	var pattern struct {
		DetailType []string `json:"detail-type"`
		Detail     struct {
			UserIdentity struct{ Type []string } `json:"userIdentity"`
		}
	}
	if err := json.Unmarshal([]byte(rule.EventPattern), &pattern); err != nil || rule.State != "ENABLED" ||
		!slices.Equal(pattern.Detail.UserIdentity.Type, []string{"Root"}) || !slices.Contains(pattern.DetailType, "AWS Console Sign In via CloudTrail") {
		t.Errorf("rule %+v, pattern %+v (%v)", rule, pattern, err)
	}
	topic := "arn:aws:sns:us-east-1:222222222222:infra-root-sign-in"
	var targets struct{ Targets []struct{ Arn string } }
	east(&targets, "events", "list-targets-by-rule", "--rule", "infra-root-sign-in")
	if len(targets.Targets) != 1 || targets.Targets[0].Arn != topic {
		t.Errorf("the rule's targets %+v", targets.Targets)
	}
	var subs struct {
		Subscriptions []struct{ Endpoint, Protocol string }
	}
	east(&subs, "sns", "list-subscriptions-by-topic", "--topic-arn", topic)
	var emails []string
	for _, s := range subs.Subscriptions {
		emails = append(emails, s.Protocol+":"+s.Endpoint)
	}
	slices.Sort(emails)
	if !slices.Equal(emails, []string{"email:oncall@example.com", "email:security@example.com"}) {
		t.Errorf("subscriptions %v", emails)
	}
	var attrs struct{ Attributes struct{ Policy string } }
	east(&attrs, "sns", "get-topic-attributes", "--topic-arn", topic)
	if !strings.Contains(attrs.Attributes.Policy, `"aws:SourceArn":"arn:aws:events:us-east-1:222222222222:rule/infra-root-sign-in"`) ||
		!strings.Contains(attrs.Attributes.Policy, `"aws:SecureTransport":"false"`) {
		t.Errorf("the topic's policy: %s", attrs.Attributes.Policy)
	}
}
