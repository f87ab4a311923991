//go:build integration

package test

import (
	"os"
	"os/exec"
	"path/filepath"
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
