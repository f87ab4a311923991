//go:build integration

package test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/analyze/adopt"
)

// Adoption, as far as moto goes: a person who already exists in the
// user-only account (with an access key and an MFA device) is in the listing
// `aws iam get-account-authorization-details` gives; the check refuses the
// change that would create them again, a plain deploy would indeed fail,
// and `iamstack adopt` writes the import phase and the `cdk import` mapping
// that names them, which an IMPORT change set accepts. moto 5.2.1 executes
// such a change set as a creation (the test logs its answer), so the import
// itself is CloudFormation's to prove.
func TestAdoptExistingUser(t *testing.T) {
	if testing.Short() {
		t.Skip("deploys; skipped with -short")
	}
	t.Parallel() // its own moto and directories: it runs beside the other deploy tests
	id := newAccount(t, "111111111111")
	for _, args := range [][]string{
		{"iam", "create-user", "--user-name", "dan.okafor", "--path", "/infra/"},
		{"iam", "create-access-key", "--user-name", "dan.okafor"},
	} {
		if err := id.aws(nil, args...); err != nil {
			t.Fatal(err)
		}
	}
	var mfa struct{ VirtualMFADevice struct{ SerialNumber string } }
	if err := id.aws(&mfa, "iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", "dan.okafor",
		"--outfile", filepath.Join(t.TempDir(), "qr.png"), "--bootstrap-method", "QRCodePNG"); err != nil {
		t.Fatal(err)
	}
	if err := id.aws(nil, "iam", "enable-mfa-device", "--user-name", "dan.okafor", "--serial-number", mfa.VirtualMFADevice.SerialNumber,
		"--authentication-code1", "123456", "--authentication-code2", "654321"); err != nil {
		t.Fatal(err)
	}
	out, err := id.cmd("aws", "iam", "get-account-authorization-details", "--output", "json").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("get-account-authorization-details: %v: %s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	dir := t.TempDir()
	listing := filepath.Join(dir, "identity.json")
	if err := os.WriteFile(listing, out, 0o644); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "iamstack.yaml")
	if err := os.WriteFile(model, iamstack.Example(), 0o644); err != nil {
		t.Fatal(err)
	}
	iam := func(args ...string) (string, error) {
		c := id.cmd(iamstackBinary(t), args...)
		b, err := c.CombinedOutput()
		return string(b), err
	}

	// The check refuses the change that creates dan.okafor.
	got, err := iam("check", "--no-base", "--model", model, "--existing", listing)
	if err == nil || !strings.Contains(got, "the change creates 1 resource(s) that already exist") ||
		!strings.Contains(got, "user dan.okafor (UserDanOkafor7355838A in stack infra-identity): already exists in account 111111111111") {
		t.Fatalf("check with the listing: %v\n%s", err, got)
	}

	// adopt writes the import phase.
	phase := filepath.Join(dir, "cdk.adopt")
	got, err = iam("adopt", "--model", model, "--listing", listing, "--out", phase)
	if err != nil {
		t.Fatalf("adopt: %v\n%s", err, got)
	}
	mappingFile := filepath.Join(phase, adopt.MappingFile("infra-identity"))
	if !strings.Contains(got, "user dan.okafor (UserDanOkafor7355838A) as UserName=dan.okafor") ||
		!strings.Contains(got, "cdk import --app "+phase+" infra-identity --resource-mapping "+mappingFile) {
		t.Errorf("adopt's report:\n%s", got)
	}
	var mapping map[string]map[string]string
	b, err := os.ReadFile(mappingFile)
	if err != nil || json.Unmarshal(b, &mapping) != nil || mapping["UserDanOkafor7355838A"]["UserName"] != "dan.okafor" || len(mapping) != 1 {
		t.Errorf("mapping %s: %v %s", mappingFile, err, b)
	}

	// What moto answers to the IMPORT change set cdk import would create.
	tpl := filepath.Join(phase, "infra-identity.template.json")
	res, err := id.cmd("aws", "cloudformation", "create-change-set", "--stack-name", "infra", "--change-set-name", "adopt",
		"--change-set-type", "IMPORT", "--template-body", "file://"+tpl, "--resources-to-import",
		`[{"ResourceType":"AWS::IAM::User","LogicalResourceId":"UserDanOkafor7355838A","ResourceIdentifier":{"UserName":"dan.okafor"}}]`,
		"--parameters", "ParameterKey=BootstrapVersion,ParameterValue=/cdk-bootstrap/hnb659fds/version").CombinedOutput()
	if err != nil {
		t.Fatalf("the IMPORT change set cdk import would create: %v\n%s", err, res)
	}
	// moto accepts the change set but executes it as a creation, so it
	// fails on the existing user: real import is CloudFormation's to test.
	res, err = id.cmd("aws", "cloudformation", "execute-change-set", "--stack-name", "infra", "--change-set-name", "adopt").CombinedOutput()
	t.Logf("moto 5.2.1 executes an IMPORT change set as a creation (err %v): %s", err, strings.TrimSpace(string(res)))
	if err := id.aws(nil, "cloudformation", "delete-stack", "--stack-name", "infra"); err != nil {
		t.Fatal(err)
	}

	// Without the import, the deploy fails on the existing user.
	asm := filepath.Join(dir, "asm")
	if got, err := iam("synth", "--model", model, "--out", asm); err != nil {
		t.Fatalf("synth: %v\n%s", err, got)
	}
	deploy := id.cmd(id.cdk, "deploy", "--app", asm, "--exclusively", "--require-approval", "never", "--method=direct",
		"--parameters", "BootstrapVersion=/cdk-bootstrap/hnb659fds/version", "infra-identity")
	if b, err := deploy.CombinedOutput(); err == nil {
		t.Errorf("deploying over an existing user succeeded; the check's refusal would be needless:\n%s", b)
	} else if ee, ok := err.(*exec.ExitError); !ok || !strings.Contains(strings.ToLower(string(b)), "already exists") {
		t.Errorf("the deploy failed otherwise than on the existing user: %v\n%s", ee, b)
	}
	// The person keeps their key and MFA device.
	var keys struct{ AccessKeyMetadata []any }
	var devices struct{ MFADevices []any }
	if err := id.aws(&keys, "iam", "list-access-keys", "--user-name", "dan.okafor"); err != nil || len(keys.AccessKeyMetadata) != 1 {
		t.Errorf("dan.okafor's access keys: %v %v", keys, err)
	}
	if err := id.aws(&devices, "iam", "list-mfa-devices", "--user-name", "dan.okafor"); err != nil || len(devices.MFADevices) != 1 {
		t.Errorf("dan.okafor's MFA devices: %v %v", devices, err)
	}
}
