//go:build integration

package test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// startMoto runs moto_server, through test/moto/launcher.py (which adds the
// CloudFormation handlers moto lacks: README, "Testing"), on a free loopback
// port as account id, and returns its endpoint. moto stops with the test.
func startMoto(t *testing.T, account string) string {
	t.Helper()
	python := motoPython(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(python, filepath.Join(repoRoot(t), "test", "moto", "launcher.py"), "127.0.0.1", fmt.Sprint(port))
	// AWS managed policies exist, as in AWS: the launcher's roles attach
	// them (cdk bootstrap's lookup role attaches ReadOnlyAccess), and an
	// unknown one then fails the deploy.
	cmd.Env = append(os.Environ(), "MOTO_ACCOUNT_ID="+account, "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	var stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	// Wait by readiness, not for a fixed short time: on a busy machine the
	// Python interpreter alone takes seconds to import moto. The deadline
	// is only there so that a server that never listens fails the test with
	// what it printed.
	deadline := time.Now().Add(motoStartDeadline)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("moto_server exited before it listened on %s (%v); it printed:\n%s", addr, err, stderr.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			// moto recognises path-style S3 URLs only on "localhost", which
			// the cdk CLI's template URL then uses: still loopback.
			return fmt.Sprintf("http://localhost:%d", port)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("moto_server did not listen on %s within %v; it printed:\n%s", addr, motoStartDeadline, stderr.String())
	return ""
}

// motoStartDeadline is how long moto_server may take to listen: generous,
// since it is waited for by readiness and only a broken server reaches it.
const motoStartDeadline = 3 * time.Minute

// syncBuffer is a bytes.Buffer that the child's output and the test may use
// at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// motoPython is the Python that runs moto_server, read from its first line:
// the launcher imports moto, so it must be that interpreter.
func motoPython(t *testing.T) string {
	t.Helper()
	server, err := exec.LookPath("moto_server")
	if err != nil {
		t.Fatal("moto_server is not on PATH; install it with `pip install \"moto[server]\"` (see README)")
	}
	f, err := os.Open(server)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	if python, ok := strings.CutPrefix(strings.TrimSpace(line), "#!"); ok && !strings.Contains(python, " ") {
		return python
	}
	return "python3"
}

// awsEnv is the environment of the AWS CLI and the cdk CLI for a moto
// account. Each account gets its own access key: the cdk CLI caches the
// account of an access key across runs.
//
// The cdk CLI's cache (CDK_HOME, ~/.cdk by default) is the test's own: the
// deploy tests run side by side, and two CLIs writing one cache file at
// once could tear it.
func awsEnv(t *testing.T, endpoint, account string) []string {
	return []string{"CDK_HOME=" + t.TempDir(), "AWS_ENDPOINT_URL=" + endpoint, "AWS_ACCESS_KEY_ID=testing" + account, "AWS_SECRET_ACCESS_KEY=testing",
		"AWS_DEFAULT_REGION=eu-west-1", "AWS_REGION=eu-west-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20", "CDK_VALIDATION=false"}
}

// A release is deployed for real: promote --deploy runs the cdk CLI against
// moto_server on loopback, after a real `cdk bootstrap`, and the roles are
// read back through the IAM API with the trust policies the release holds.
func TestPromoteDeploysTheRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("releases and deploys; skipped with -short")
	}
	t.Parallel() // its own repositories and servers
	const dev = "222222222222"
	endpoint := startMoto(t, dev)
	env := awsEnv(t, endpoint, dev)
	cdk := filepath.Join(repoRoot(t), "node_modules", ".bin", "cdk")
	withEnv := func(cmd *exec.Cmd) *exec.Cmd {
		cmd.Env = append(append(os.Environ(), env...), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20")
		return cmd
	}
	if out, err := withEnv(exec.Command(cdk, "bootstrap", "aws://"+dev+"/eu-west-1", "--app", "")).CombinedOutput(); err != nil {
		t.Fatalf("cdk bootstrap against moto: %v\n%s", err, out)
	}

	r := newReleaseRepo(t)
	r.mustIamstack("release", "--golden", "testdata/golden")
	promoteTo := func(envName string) (string, error) {
		cmd := withEnv(exec.Command(r.bin, "promote", "--deploy", envName, "v0.1.0"))
		cmd.Dir = r.dir
		// moto 5.2.1's DeleteChangeSet breaks the change-set path: deploy directly.
		cmd.Env = append(cmd.Env, "IAMSTACK_CDK="+cdk, "IAMSTACK_CDK_DEPLOY_ARGS=--method=direct", "CDK_VALIDATION=false")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	promote := func() string {
		out, err := promoteTo("dev")
		if err != nil {
			t.Fatalf("promote --deploy: %v\n%s", err, out)
		}
		return out
	}
	// Killed by its PID while the cdk CLI deploys, promote leaves nothing
	// running (the cdk CLI and its children die with it); run again, it
	// converges: the stack is deployed, and recorded once.
	killed := withEnv(exec.Command(r.bin, "promote", "--deploy", "dev", "v0.1.0"))
	killed.Dir = r.dir
	killed.Env = append(killed.Env, "IAMSTACK_CDK="+cdk, "IAMSTACK_CDK_DEPLOY_ARGS=--method=direct", "CDK_VALIDATION=false")
	stdout, err := killed.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	killed.Stderr = killed.Stdout
	if err := killed.Start(); err != nil {
		t.Fatal(err)
	}
	var seen strings.Builder
	for sc := bufio.NewScanner(stdout); sc.Scan(); {
		seen.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "deploying infra-dev ") {
			break
		}
	}
	if !strings.Contains(seen.String(), "deploying infra-dev ") {
		killed.Process.Kill()
		t.Fatalf("the promotion never reached its deploy:\n%s", seen.String())
	}
	// Kill promote once its cdk CLI runs.
	deploying := "deploy\x00--app\x00" + r.dir
	for deadline := time.Now().Add(time.Minute); len(processesWith(deploying)) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			killed.Process.Kill()
			t.Fatalf("no cdk deploy of %s ran within a minute of %q", r.dir, seen.String())
		}
	}
	killed.Process.Kill()
	killed.Wait()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		left := processesWith(deploying)
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a minute after promote was killed, its cdk CLI still runs: %q", left)
		}
	}
	// The kill may fall before the stack is made or after: either way the
	// promotion run again leaves it deployed (read back below).
	out := promote()
	if !(strings.Contains(out, "infra-dev: deployed") || strings.Contains(out, "infra-dev: unchanged")) || strings.Contains(out, "infra-identity") {
		t.Errorf("the dev environment deploys infra-dev only:\n%s", out)
	}

	// Read the roles back and compare them with the released template.
	var tpl template
	b, _ := os.ReadFile(filepath.Join(r.dir, ".iamstack/releases/v0.1.0/assembly/infra-dev.template.json"))
	json.Unmarshal(b, &tpl)
	roles := 0
	for _, res := range tpl.Resources {
		if res.Type != "AWS::IAM::Role" {
			continue
		}
		roles++
		name := res.Properties["RoleName"].(string)
		cmd := withEnv(exec.Command("aws", "iam", "get-role", "--role-name", name, "--output", "json"))
		got, err := cmd.Output()
		if err != nil {
			t.Errorf("role %s is not in IAM after the deploy: %v", name, err)
			continue
		}
		var role struct {
			Role struct {
				AssumeRolePolicyDocument any
				MaxSessionDuration       float64
			}
		}
		json.Unmarshal(got, &role)
		if !reflect.DeepEqual(role.Role.AssumeRolePolicyDocument, res.Properties["AssumeRolePolicyDocument"]) {
			t.Errorf("role %s: IAM holds trust %v, the release %v", name, role.Role.AssumeRolePolicyDocument, res.Properties["AssumeRolePolicyDocument"])
		}
		if role.Role.MaxSessionDuration != res.Properties["MaxSessionDuration"] {
			t.Errorf("role %s: max session %v, the release %v", name, role.Role.MaxSessionDuration, res.Properties["MaxSessionDuration"])
		}
	}
	if roles != 4 {
		t.Errorf("the dev template holds %d roles, want 4", roles)
	}
	records, _ := filepath.Glob(filepath.Join(r.dir, ".iamstack/deploys/dev-*-v0.1.0.json"))
	if len(records) != 1 {
		t.Errorf("deploy records: %v", records)
	}

	// Plan mode, with credentials: the access diff and cdk diff against what
	// the account runs, which is this very release.
	plan := withEnv(exec.Command(r.bin, "promote", "--plan", "dev", "v0.1.0"))
	plan.Dir = r.dir
	// moto's change sets are unreliable (see above): diff against the template.
	plan.Env = append(plan.Env, "IAMSTACK_CDK="+cdk, "CDK_VALIDATION=false", "IAMSTACK_CDK_DIFF_ARGS=--no-change-set")
	planOut, err := plan.CombinedOutput()
	if err != nil || !strings.Contains(string(planOut), "cdk diff infra-dev (account dev):") || !strings.Contains(string(planOut), "There were no differences") {
		t.Errorf("plan with credentials: %v\n%s", err, planOut)
	}

	// The same promotion again changes nothing: no new tag, the stack unchanged.
	if out := promote(); !strings.Contains(out, "dev already runs v0.1.0: nothing to change") || !strings.Contains(out, "infra-dev: unchanged") {
		t.Errorf("a repeated promotion:\n%s", out)
	}

	// A stack that cannot be deployed stops the promotion and records what
	// was and was not deployed: infra covers prod, whose stack is bound to
	// account 333333333333, and these credentials are dev's, which see no
	// staging bucket of prod's to verify.
	out, err = promoteTo("infra")
	if err == nil || !strings.Contains(out, "deploying infra-prod refused before anything changed") || !strings.Contains(out, "Deployed before it: infra-dev. Not deployed: infra-prod, infra-identity.") {
		t.Errorf("a failed stack must stop the promotion with what was deployed:\n%s", out)
	}
	records, _ = filepath.Glob(filepath.Join(r.dir, ".iamstack/deploys/infra-*-v0.1.0.json"))
	if len(records) != 1 {
		t.Fatalf("no record of the failed deploy: %v", records)
	}
	rb, _ := os.ReadFile(records[0])
	var rec []struct{ Stack, Status string }
	json.Unmarshal(rb, &rec)
	got := fmt.Sprint(rec)
	if got != "[{infra-dev unchanged} {infra-prod refused} {infra-identity not-deployed}]" {
		t.Errorf("deploy record: %s", got)
	}

	// Someone who may write to the CDK staging bucket plants a template under
	// the release's key: the cdk CLI would skip its own upload and deploy it.
	// The promotion refuses before anything changes.
	var assets struct {
		Files map[string]struct {
			Destinations map[string]struct{ BucketName, ObjectKey string }
		}
	}
	ab, _ := os.ReadFile(filepath.Join(r.dir, ".iamstack/releases/v0.1.0/assembly/infra-dev.assets.json"))
	json.Unmarshal(ab, &assets)
	var bucket, key string
	for _, f := range assets.Files {
		for _, d := range f.Destinations {
			bucket, key = strings.ReplaceAll(strings.ReplaceAll(d.BucketName, "${AWS::AccountId}", dev), "${AWS::Region}", "eu-west-1"), d.ObjectKey
		}
	}
	planted := filepath.Join(t.TempDir(), "planted.json")
	os.WriteFile(planted, []byte(`{"Resources":{"Backdoor":{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]},"ManagedPolicyArns":["arn:aws:iam::aws:policy/AdministratorAccess"]}}}}`), 0o644)
	if out, err := withEnv(exec.Command("aws", "s3api", "put-object", "--bucket", bucket, "--key", key, "--body", planted)).CombinedOutput(); err != nil {
		t.Fatalf("plant the object: %v\n%s", err, out)
	}
	out, err = promoteTo("dev")
	if err == nil || !strings.Contains(out, "deploying infra-dev refused before anything changed") || !strings.Contains(out, "someone wrote to the CDK staging bucket") {
		t.Fatalf("a planted staging object must stop the deploy:\n%s", out)
	}
	if out, err := withEnv(exec.Command("aws", "iam", "get-role", "--role-name", "Backdoor")).CombinedOutput(); err == nil {
		t.Errorf("the planted template was deployed:\n%s", out)
	}
	gt, err := withEnv(exec.Command("aws", "cloudformation", "get-template", "--stack-name", "infra", "--output", "json")).Output()
	if err != nil || !strings.Contains(string(gt), "infra-OpsR-Boundary") {
		t.Errorf("the stack no longer runs the release: %v\n%s", err, gt)
	}
}

// processesWith are the command lines (arguments joined by NUL, as
// /proc/PID/cmdline holds them) of the running processes that contain s.
func processesWith(s string) []string {
	var out []string
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		cmdline, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !strings.Contains(string(cmdline), s) {
			continue
		}
		if stat, err := os.ReadFile(filepath.Join(d, "stat")); err == nil {
			if _, rest, _ := strings.Cut(string(stat), ") "); strings.HasPrefix(rest, "Z") {
				continue // dead, not yet reaped
			}
		}
		out = append(out, strings.ReplaceAll(string(cmdline), "\x00", " "))
	}
	return out
}
