package deploy_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/internal/ship/deploy"
	"github.com/iamstack/iamstack/internal/ship/release"
	"github.com/iamstack/iamstack/model"
)

// mustPlan parses and plans a model.
func mustPlan(t *testing.T, yaml []byte) (*model.Model, *plan.Plan) {
	t.Helper()
	m, err := model.Parse("m.yaml", yaml)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.New(m)
	if err != nil {
		t.Fatal(err)
	}
	return m, p
}

func TestOrder(t *testing.T) {
	m, p := mustPlan(t, []byte(strings.Replace(string(iamstack.Example()), "passwordChangeWithoutMFA: true", "passwordChangeWithoutMFA: true\nuserStacks: 3", 1)))
	var got []string
	for _, s := range deploy.Order(p, m, "infra") {
		got = append(got, s.ID+"@"+s.AccountID)
	}
	want := "infra-dev@222222222222 infra-prod@333333333333 infra-identity@111111111111 infra-identity-users-1@111111111111 infra-identity-users-2@111111111111"
	if strings.Join(got, " ") != want {
		t.Errorf("order %v, want %s", got, want)
	}
	got = nil
	for _, s := range deploy.Order(p, m, "dev") {
		got = append(got, s.ID)
	}
	if strings.Join(got, " ") != "infra-dev" {
		t.Errorf("environment dev: %v", got)
	}
}

// fakeCDK deploys by recording, and fails or reports no change on request.
type fakeCDK struct {
	deployed  []string
	fail      string
	unchanged string
}

func (f *fakeCDK) Deploy(id, profile string) (string, error) {
	if id == f.fail {
		return "line 1\nStack " + id + " failed: ROLLBACK_COMPLETE\n", fmt.Errorf("exit status 1")
	}
	f.deployed = append(f.deployed, id+"/"+profile)
	if id == f.unchanged {
		return id + " (no changes)\n", nil
	}
	return id + ": deployed\n", nil
}

func (f *fakeCDK) Diff(id, profile string) (string, error) { return "no differences in " + id, nil }

// fakeStore is the staging bucket and the deployed templates.
type fakeStore struct {
	objects  map[string][]byte
	deployed map[string][]byte
}

func (s fakeStore) Object(bucket, key string) ([]byte, bool, error) {
	b, ok := s.objects[bucket+"/"+key]
	return b, ok, nil
}

func (s fakeStore) DeployedTemplate(name string) ([]byte, error) {
	if b, ok := s.deployed[name]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("no stack %s", name)
}

// assembly writes a two-stack cloud assembly and returns its stacks.
func assembly(t *testing.T) (string, []deploy.Step, map[string][]byte) {
	t.Helper()
	dir := t.TempDir()
	stacks := []deploy.Step{{ID: "infra-dev", Name: "infra", Account: "dev", AccountID: "222222222222"},
		{ID: "infra-identity", Name: "infra", Account: "identity", AccountID: "111111111111"}}
	templates := map[string][]byte{}
	for _, s := range stacks {
		tpl := []byte(fmt.Sprintf(`{"Resources":{"R":{"Type":"AWS::IAM::Role","Properties":{"RoleName":"%s"}}}}`, s.ID))
		sum := sha256.Sum256(tpl)
		h := hex.EncodeToString(sum[:])
		os.WriteFile(filepath.Join(dir, s.ID+".template.json"), tpl, 0o644)
		os.WriteFile(filepath.Join(dir, s.ID+".assets.json"), []byte(fmt.Sprintf(`{"files":{"%s":{"source":{"path":"%s.template.json"},
			"destinations":{"d":{"bucketName":"cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}","objectKey":"%s.json"}}}}}`, h, s.ID, h)), 0o644)
		templates[s.ID] = tpl
	}
	return dir, stacks, templates
}

func deployer(dir string, cdk deploy.CDK, store fakeStore) deploy.Deployer {
	return deploy.Deployer{CDK: cdk, Store: func(string, string) release.ObjectStore { return store },
		Profile: func(a string) string { return a + "-admin" }, Assembly: dir, Region: "eu-west-1",
		RecordDir: filepath.Join(dir, "records"), Now: func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) }}
}

func records(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var rs []deploy.Record
	json.Unmarshal(b, &rs)
	var out []string
	for _, r := range rs {
		out = append(out, r.Stack+":"+string(r.Status))
	}
	return strings.Join(out, " ")
}

func TestRun(t *testing.T) {
	dir, stacks, templates := assembly(t)
	// Each deploy "lands" the release's template: what VerifyDeployed reads.
	landed := fakeStore{deployed: map[string][]byte{"infra": templates["infra-dev"]}}

	t.Run("every stack deployed, in order, with its account's profile", func(t *testing.T) {
		cdk := &fakeCDK{unchanged: "infra-identity"}
		d := deployer(dir, cdk, landed)
		d.Store = func(p, _ string) release.ObjectStore {
			if p == "identity-admin" {
				return fakeStore{deployed: map[string][]byte{"infra": templates["infra-identity"]}}
			}
			return landed
		}
		var out bytes.Buffer
		file, err := d.Run(&out, "infra", "v1.0.0", stacks)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(cdk.deployed, " ") != "infra-dev/dev-admin infra-identity/identity-admin" {
			t.Errorf("deployed %v", cdk.deployed)
		}
		if filepath.Base(file) != "infra-20261122-100000-v1.0.0.json" || records(t, file) != "infra-dev:deployed infra-identity:unchanged" {
			t.Errorf("record %s: %s", file, records(t, file))
		}
		if !strings.Contains(out.String(), "deploying infra-dev (account dev, profile dev-admin)...") {
			t.Errorf("output:\n%s", out.String())
		}
	})

	t.Run("a planted staging object stops it before anything changes", func(t *testing.T) {
		cdk := &fakeCDK{}
		sum := sha256.Sum256(templates["infra-dev"])
		planted := fakeStore{objects: map[string][]byte{
			"cdk-hnb659fds-assets-222222222222-eu-west-1/" + hex.EncodeToString(sum[:]) + ".json": []byte(`{"Resources":{}}`)}}
		file, err := deployer(dir, cdk, planted).Run(&bytes.Buffer{}, "infra", "v1.0.0", stacks)
		if err == nil || !strings.Contains(err.Error(), "deploying infra-dev refused before anything changed") || len(cdk.deployed) != 0 {
			t.Fatalf("%v; deployed %v", err, cdk.deployed)
		}
		if records(t, file) != "infra-dev:refused infra-identity:not-deployed" {
			t.Errorf("record: %s", records(t, file))
		}
	})

	t.Run("a failing stack stops the rest", func(t *testing.T) {
		cdk := &fakeCDK{fail: "infra-dev"}
		file, err := deployer(dir, cdk, landed).Run(&bytes.Buffer{}, "infra", "v1.0.0", stacks)
		if err == nil || !strings.Contains(err.Error(), "deploying infra-dev failed; stopped.") || !strings.Contains(err.Error(), "ROLLBACK_COMPLETE") ||
			!strings.Contains(err.Error(), "Deployed before it: none. Not deployed: infra-dev, infra-identity.") {
			t.Fatalf("%v", err)
		}
		if records(t, file) != "infra-dev:failed infra-identity:not-deployed" {
			t.Errorf("record: %s", records(t, file))
		}
	})

	t.Run("a stack that does not run the release afterwards stops the rest", func(t *testing.T) {
		other := fakeStore{deployed: map[string][]byte{"infra": []byte(`{"Resources":{}}`)}}
		file, err := deployer(dir, &fakeCDK{}, other).Run(&bytes.Buffer{}, "infra", "v1.0.0", stacks)
		if err == nil || !strings.Contains(err.Error(), "after deploying infra-dev: stack infra runs a template that is not the release's") {
			t.Fatalf("%v", err)
		}
		if records(t, file) != "infra-dev:tampered infra-identity:not-deployed" {
			t.Errorf("record: %s", records(t, file))
		}
	})
}

func TestDiffsSkipAccountsWithoutCredentials(t *testing.T) {
	dir, stacks, _ := assembly(t)
	d := deployer(dir, &fakeCDK{}, fakeStore{})
	d.Profile = func(a string) string {
		if a == "dev" {
			return "dev-admin"
		}
		return ""
	}
	d.CredentialsHint = func(a string) string { return "set IAMSTACK_PROFILE_" + strings.ToUpper(a) }
	var out bytes.Buffer
	if err := d.Diffs(&out, stacks, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "cdk diff infra-dev (account dev):\n    no differences in infra-dev") ||
		!strings.Contains(out.String(), "cdk diff infra-identity: skipped, no credentials for account identity (set IAMSTACK_PROFILE_IDENTITY)") {
		t.Errorf("output:\n%s", out.String())
	}
}

// fakeStackSets is what CloudFormation did with each StackSet.
type fakeStackSets map[string]deploy.Operation

func (f fakeStackSets) Latest(profile, name, callAs string) (deploy.Operation, bool, error) {
	if callAs != "DELEGATED_ADMIN" || profile != "dev-admin" {
		return deploy.Operation{}, false, fmt.Errorf("asked as %s with %q", callAs, profile)
	}
	op, ok := f[name]
	return op, ok, nil
}

// After the stack holding the StackSets deploys, the deploy says what each
// OU's StackSet did, account by account where it did not succeed, and
// records it.
func TestRunReportsStackSetOperationsPerOU(t *testing.T) {
	dir, stacks, templates := assembly(t)
	stacks = stacks[:1]
	stacks[0].StackSets = []deploy.StackSetRef{
		{Name: "infra-workloads-dev", OU: "workloads-dev", OUID: "ou-ab12-11111111", CallAs: "DELEGATED_ADMIN"},
		{Name: "infra-workloads-prod", OU: "workloads-prod", OUID: "ou-ab12-22222222", CallAs: "DELEGATED_ADMIN"},
	}
	d := deployer(dir, &fakeCDK{}, fakeStore{deployed: map[string][]byte{"infra": templates["infra-dev"]}})
	d.StackSets = fakeStackSets{"infra-workloads-dev": {ID: "op-1", Action: "UPDATE", Status: "SUCCEEDED", Results: []deploy.InstanceResult{
		{Account: "444444444444", Region: "eu-west-1", Status: "SUCCEEDED"},
		{Account: "555555555555", Region: "eu-west-1", Status: "FAILED", Reason: "Role infra-OpsR already exists"},
		{Account: "666666666666", Region: "eu-west-1", Status: "SUCCEEDED"},
	}}}
	var out bytes.Buffer
	file, err := d.Run(&out, "infra", "v1.0.0", stacks)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"OU workloads-dev (ou-ab12-11111111): StackSet infra-workloads-dev, UPDATE op-1 SUCCEEDED: 2 accounts succeeded, 1 failed, 0 other",
		"      555555555555 eu-west-1: FAILED Role infra-OpsR already exists",
		"OU workloads-prod (ou-ab12-22222222): StackSet infra-workloads-prod has run no operation",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	b, _ := os.ReadFile(file)
	var rs []deploy.Record
	if err := json.Unmarshal(b, &rs); err != nil || len(rs[0].StackSets) != 2 || rs[0].StackSets[0].Operation.ID != "op-1" ||
		rs[0].StackSets[1].Error != "no operation" {
		t.Errorf("record: %s", b)
	}
	if strings.Contains(out.String(), "changed no StackSet") {
		t.Errorf("a deploy that changed the stack says it did not:\n%s", out.String())
	}
	// Deployed again unchanged: the operations shown are an earlier deploy's.
	d.CDK = &fakeCDK{unchanged: "infra-dev"}
	out.Reset()
	if _, err := d.Run(&out, "infra", "v1.0.0", stacks); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "this deploy changed no StackSet; their latest operations, from an earlier deploy:") {
		t.Errorf("output:\n%s", out.String())
	}
}

// The deploy account's StackSets stack carries its StackSets, one per OU,
// for the report after it deploys.
func TestOrderCarriesStackSets(t *testing.T) {
	yaml, err := os.ReadFile("../../../examples/organization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, p := mustPlan(t, yaml)
	var got []string
	for _, s := range deploy.Order(p, m, m.EnvironmentNames()[0]) {
		for _, ss := range s.StackSets {
			got = append(got, fmt.Sprintf("%s: %s %s %s %s", s.ID, ss.Name, ss.OU, ss.OUID, ss.CallAs))
		}
	}
	want := []string{
		"infra-shared-stacksets: infra-workloads-dev workloads-dev ou-ab12-11111111 DELEGATED_ADMIN",
		"infra-shared-stacksets: infra-workloads-prod workloads-prod ou-ab12-22222222 DELEGATED_ADMIN",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("StackSets:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A promotion's plan says what each OU's accounts get, and what changes
// from the release the environment runs.
func TestPrintStackSetPlans(t *testing.T) {
	dev := deploy.OUPlan{OU: "workloads-dev", OUID: "ou-ab12-11111111", StackSet: "infra-workloads-dev", Roles: []string{"infra-OpsR", "infra-ReadR"}}
	prod := deploy.OUPlan{OU: "workloads-prod", OUID: "ou-ab12-22222222", StackSet: "infra-workloads-prod", Roles: []string{"infra-ReadR"}, Excluded: []string{"333333333333"}}
	devBefore := dev
	devBefore.Roles = []string{"infra-ReadR"}
	sandbox := deploy.OUPlan{OU: "sandbox", OUID: "ou-ab12-33333333", StackSet: "infra-sandbox", Roles: []string{"infra-AdminR"}}
	var out bytes.Buffer
	deploy.PrintStackSetPlans(&out, []deploy.OUPlan{dev, prod}, []deploy.OUPlan{devBefore, prod, sandbox})
	want := `StackSets: what every account of each OU gets (CloudFormation deploys it, and to accounts that join):
  OU workloads-dev (ou-ab12-11111111), StackSet infra-workloads-dev: roles infra-OpsR, infra-ReadR; listed accounts left to their own stacks: none (was: roles infra-ReadR; left out: none)
  OU workloads-prod (ou-ab12-22222222), StackSet infra-workloads-prod: roles infra-ReadR; listed accounts left to their own stacks: 333333333333
  OU sandbox (ou-ab12-33333333), StackSet infra-sandbox: removed from the model; deleting the StackSet deletes its roles in every account of the OU
`
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
	out.Reset()
	deploy.PrintStackSetPlans(&out, []deploy.OUPlan{dev}, []deploy.OUPlan{})
	if !strings.Contains(out.String(), "none (new OU)") {
		t.Errorf("a first OU is not called new:\n%s", out.String())
	}
	out.Reset()
	deploy.PrintStackSetPlans(&out, nil, nil)
	if out.Len() != 0 {
		t.Errorf("a model without OUs prints %q", out.String())
	}
}

// The Identity Center stack deploys after every member stack (its
// permission sets attach their policies), whatever its ID sorts as, and
// before the people's stacks.
func TestOrderIdentityCenter(t *testing.T) {
	yaml, err := os.ReadFile("../../../examples/identity-center.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, p := mustPlan(t, yaml)
	var got []string
	for _, s := range deploy.Order(p, m, "infra") {
		got = append(got, s.ID)
	}
	want := "corp-data corp-dev corp-management corp-prod corp-staging corp-management-identity-center corp-identity"
	if strings.Join(got, " ") != want {
		t.Errorf("order %v, want %s", got, want)
	}
}

// Environments overlap (infra holds dev's account): promoting to infra a
// release older than the one dev runs would move dev's account back, and
// is refused unless it is a rollback; a release as new or newer is not.
func TestNoStepBackAcrossEnvironments(t *testing.T) {
	dir := t.TempDir()
	r := release.Repo{Dir: dir}
	must := func(args ...string) string {
		out, err := r.Git(args...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	must("init", "--quiet", "--initial-branch", "main")
	must("config", "user.email", "test@example.com")
	must("config", "user.name", "iamstack test")
	for _, v := range []string{"v0.1.0", "v0.2.0"} {
		os.WriteFile(filepath.Join(dir, "iamstack.yaml"), []byte("# "+v+"\n"), 0o644)
		must("add", ".")
		must("commit", "--quiet", "-m", v)
		must("tag", "--annotate", v, "-m", "release "+v)
	}
	must("branch", "env/dev", "v0.2.0")
	m, _ := mustPlan(t, iamstack.Example())
	err := deploy.NoStepBack(r, m, "infra", release.Version{Minor: 1})
	if err == nil || !strings.Contains(err.Error(), "promoting v0.1.0 to infra would move accounts back to an older release: dev runs v0.2.0 (environment dev)") {
		t.Errorf("an older release over dev's account: %v", err)
	}
	if err := deploy.NoStepBack(r, m, "infra", release.Version{Minor: 2}); err != nil {
		t.Errorf("the release dev runs: %v", err)
	}
	if err := deploy.NoStepBack(r, m, "dev", release.Version{Minor: 1}); err != nil {
		t.Errorf("dev itself (Repo.Promote asks for --rollback there): %v", err)
	}
}
