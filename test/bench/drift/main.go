// Command drift measures `iamstack drift` at scale against moto: a synthetic
// model's assembly (5,000 people and 500 listed accounts by default) is
// deployed into that many accounts of one moto_server on loopback, each
// reached through sts:AssumeRole (moto keys an account by the assumed
// role's), and `iamstack drift` reads them back through a profile per
// account that assumes a role in it, as an organization's would. It prints
// the deploy's and the drift's wall time, the drift's peak memory, and what
// it reported. Run it from the repository's root:
//
//	go run ./test/bench/drift [-users 5000] [-accounts 500]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamstack/iamstack/internal/parallel"
	"github.com/iamstack/iamstack/internal/ship/awsapi"
	"github.com/iamstack/iamstack/internal/synthetic"
	"github.com/iamstack/iamstack/model"
)

func main() {
	users := flag.Int("users", 5000, "people in the model")
	accounts := flag.Int("accounts", 500, "accounts in the model, the user-only one included")
	deployers := flag.Int("deployers", 8, "stacks created at once")
	flag.Parse()
	if err := run(*users, *accounts, *deployers); err != nil {
		fmt.Fprintln(os.Stderr, "drift bench:", err)
		os.Exit(1)
	}
}

// stack is a stack of the assembly to deploy.
type stack struct {
	id, name, account, template string
	dependsOn                   []string
}

func run(users, accounts, deployers int) error {
	dir, err := os.MkdirTemp("", "iamstack-drift-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	modelFile, asm, bin := filepath.Join(dir, "model.yaml"), filepath.Join(dir, "asm"), filepath.Join(dir, "iamstack")
	if err := os.WriteFile(modelFile, synthetic.Model(synthetic.Size{Users: users, Accounts: accounts, UserStacks: min(20, users/250+1)}), 0o644); err != nil {
		return err
	}
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/iamstack").CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v\n%s", err, out)
	}
	synth := exec.Command(bin, "synth", "--model", modelFile, "--out", asm)
	synth.Env = append(os.Environ(), "CDK_VALIDATION=false")
	if out, err := synth.CombinedOutput(); err != nil {
		return fmt.Errorf("synth: %v\n%s", err, out)
	}
	stacks, policies, err := readAssembly(asm)
	if err != nil {
		return err
	}
	endpoint, stop, err := startMoto(policies)
	if err != nil {
		return err
	}
	defer stop()

	start := time.Now()
	if err := deploy(endpoint, stacks, deployers); err != nil {
		return err
	}
	ids := map[string]bool{}
	for _, s := range stacks {
		ids[s.account] = true
	}
	fmt.Printf("deployed %d stacks into %d accounts of moto in %.1f s\n", len(stacks), len(ids), time.Since(start).Seconds())

	// A profile per account, assuming a role there from static
	// credentials: IAMSTACK_PROFILE_<ACCOUNT> names it, as for an
	// organization's accounts.
	names, err := accountNames(modelFile)
	if err != nil {
		return err
	}
	var cfg strings.Builder
	cfg.WriteString("[profile base]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
	env := append(os.Environ(), "AWS_CONFIG_FILE="+filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_ENDPOINT_URL="+endpoint, "AWS_REGION=eu-west-1", "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=")
	for name, id := range names {
		fmt.Fprintf(&cfg, "[profile %s]\nrole_arn = arn:aws:iam::%s:role/drift-bench\nsource_profile = base\n", name, id)
		env = append(env, awsapi.ProfileVariable(name)+"="+name)
	}
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(cfg.String()), 0o644); err != nil {
		return err
	}
	drift := exec.Command(bin, "drift", "--model", modelFile, "--assembly", asm, "--endpoint-url", endpoint, "--format", "json")
	drift.Env = env
	var out, errOut bytes.Buffer
	drift.Stdout, drift.Stderr = &out, &errOut
	start = time.Now()
	err = drift.Run()
	wall := time.Since(start)
	if _, exit := err.(*exec.ExitError); err != nil && !exit {
		return err
	}
	var report struct {
		Drifted  bool
		Findings []struct{ Account, Kind, Resource, What string }
		Errors   []string
	}
	if err := json.Unmarshal(out.Bytes(), &report); err != nil {
		return fmt.Errorf("drift's report: %v\n%s", err, errOut.String())
	}
	var peak int64
	if ru, ok := drift.ProcessState.SysUsage().(*syscall.Rusage); ok {
		peak = ru.Maxrss / 1024
	}
	fmt.Printf("iamstack drift read %d accounts in %.1f s, peak %d MiB, exit %d: %d findings, %d errors\n",
		len(names), wall.Seconds(), peak, drift.ProcessState.ExitCode(), len(report.Findings), len(report.Errors))
	kinds := map[string]int{}
	for _, f := range report.Findings {
		kinds[f.Kind+" "+strings.Fields(f.Resource)[0]]++
	}
	for k, n := range kinds {
		fmt.Printf("  %d %s\n", n, k)
	}
	for i, e := range report.Errors {
		if i == 5 {
			fmt.Printf("  ... %d errors more\n", len(report.Errors)-5)
			break
		}
		fmt.Println("  error:", e)
	}
	return nil
}

// awsManagedPolicy finds the AWS managed policies a template attaches.
var awsManagedPolicy = regexp.MustCompile(`:iam::aws:policy/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)"`)

// readAssembly reads the stacks of a cloud assembly, and the names of the
// AWS managed policies their templates attach.
func readAssembly(asm string) ([]stack, string, error) {
	b, err := os.ReadFile(filepath.Join(asm, "manifest.json"))
	if err != nil {
		return nil, "", err
	}
	var m struct {
		Artifacts map[string]struct {
			Type         string
			Environment  string
			Dependencies []string
			Properties   struct{ TemplateFile, StackName string }
		}
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, "", err
	}
	var out []stack
	policies := map[string]bool{}
	for id, a := range m.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		t, err := os.ReadFile(filepath.Join(asm, a.Properties.TemplateFile))
		if err != nil {
			return nil, "", err
		}
		for _, p := range awsManagedPolicy.FindAllSubmatch(t, -1) {
			policies[string(p[1])] = true
		}
		account := strings.Split(strings.TrimPrefix(a.Environment, "aws://"), "/")[0]
		out = append(out, stack{id: id, name: a.Properties.StackName, account: account, template: string(t), dependsOn: a.Dependencies})
	}
	slices.SortFunc(out, func(a, b stack) int { return strings.Compare(a.id, b.id) })
	var names []string
	for p := range policies {
		names = append(names, p)
	}
	slices.Sort(names)
	return out, strings.Join(names, ","), nil
}

// accountNames are the model's accounts' IDs, by name.
func accountNames(modelFile string) (map[string]string, error) {
	b, err := os.ReadFile(modelFile)
	if err != nil {
		return nil, err
	}
	md, err := model.Parse(modelFile, b)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, name := range md.AccountNames() {
		a, _ := md.Account(name)
		out[name] = a.ID
	}
	return out, nil
}

// startMoto runs test/moto/launcher.py on a free loopback port, loading
// only the AWS managed policies named, and waits until it listens.
func startMoto(policies string) (endpoint string, stop func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command("python3", filepath.Join("test", "moto", "launcher.py"), "127.0.0.1", fmt.Sprint(port))
	cmd.Env = append(os.Environ(), "IAMSTACK_MOTO_AWS_POLICIES="+policies)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop = func() { cmd.Process.Kill(); cmd.Wait() }
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", l.Addr().String(), time.Second); err == nil {
			c.Close()
			return fmt.Sprintf("http://localhost:%d", port), stop, nil
		}
	}
	stop()
	return "", nil, fmt.Errorf("moto_server did not listen: %s", logs.String())
}

// deploy creates every stack in its account, each after those it depends
// on, deployers at once; the template through moto's S3, as the cdk CLI
// uploads one over CloudFormation's 51,200 bytes.
func deploy(endpoint string, stacks []stack, deployers int) error {
	ctx := context.Background()
	base, err := config.LoadDefaultConfig(ctx, config.WithRegion("eu-west-1"), config.WithBaseEndpoint(endpoint),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("testing", "testing", "")),
		config.WithSharedConfigFiles(nil), config.WithSharedCredentialsFiles(nil))
	if err != nil {
		return err
	}
	in := func(account string) aws.Config {
		c := base.Copy()
		c.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(base), "arn:aws:iam::"+account+":role/drift-bench"))
		return c
	}
	s3c := s3.NewFromConfig(base, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("templates"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintEuWest1}}); err != nil {
		return err
	}
	// The CDK's templates read the bootstrap's version from SSM.
	bootstrapped := map[string]bool{}
	var mu sync.Mutex
	deployOne := func(s stack) error {
		cfg := in(s.account)
		mu.Lock()
		first := !bootstrapped[s.account]
		bootstrapped[s.account] = true
		mu.Unlock()
		if first {
			if _, err := ssm.NewFromConfig(cfg).PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/cdk-bootstrap/hnb659fds/version"),
				Value: aws.String("30"), Type: "String", Overwrite: aws.Bool(true)}); err != nil {
				return fmt.Errorf("%s: bootstrap version: %w", s.id, err)
			}
		}
		key := s.id + ".template.json"
		if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("templates"), Key: aws.String(key), Body: strings.NewReader(s.template)}); err != nil {
			return err
		}
		cf := cloudformation.NewFromConfig(cfg)
		if _, err := cf.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String(s.name), TemplateURL: aws.String(endpoint + "/templates/" + key),
			Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityNamedIam}}); err != nil {
			return fmt.Errorf("%s: %w", s.id, err)
		}
		for {
			out, err := cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(s.name)})
			if err != nil {
				return fmt.Errorf("%s: %w", s.id, err)
			}
			switch st := out.Stacks[0].StackStatus; {
			case st == cfntypes.StackStatusCreateComplete:
				return nil
			case strings.HasSuffix(string(st), "_FAILED") || strings.Contains(string(st), "ROLLBACK"):
				return fmt.Errorf("%s: %s: %s", s.id, st, aws.ToString(out.Stacks[0].StackStatusReason))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	done := map[string]bool{}
	for len(done) < len(stacks) {
		var wave []stack
		for _, s := range stacks {
			if !done[s.id] && !slices.ContainsFunc(s.dependsOn, func(d string) bool { return isStack(stacks, d) && !done[d] }) {
				wave = append(wave, s)
			}
		}
		if len(wave) == 0 {
			return fmt.Errorf("the stacks' dependencies go round")
		}
		if err := parallel.Each(len(wave), deployers, func(i int) error { return deployOne(wave[i]) }); err != nil {
			return err
		}
		for _, s := range wave {
			done[s.id] = true
		}
	}
	return nil
}

func isStack(stacks []stack, id string) bool {
	return slices.ContainsFunc(stacks, func(s stack) bool { return s.id == id })
}
