//go:build cdk || integration

package stacks_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/jsiiexit"
	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/model"
	"github.com/iamstack/iamstack/stacks"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsiiexit.Close()
	os.Exit(code)
}

func exampleStacks(t *testing.T) map[string]awscdk.Stack {
	t.Helper()
	m, err := model.Parse(iamstack.ExampleFile, iamstack.Example())
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.New(m)
	if err != nil {
		t.Fatal(err)
	}
	return stacks.NewApp(awscdk.NewApp(nil), p, &stacks.AppProps{})
}

// assert turns a failed CDK assertion (a panic through jsii) into a test error.
func assert(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	f()
}

func TestMemberAccountStack(t *testing.T) {
	all := exampleStacks(t)
	dev := all["infra-dev"]
	if got := *dev.StackName(); got != "infra" {
		t.Errorf("stack name %q, want infra in every account", got)
	}
	if got := *dev.Account(); got != "222222222222" {
		t.Errorf("stack bound to account %q", got)
	}
	tpl := assertions.Template_FromStack(dev, nil)
	assert(t, "four roles in dev (BillingR is prod-only)", func() { tpl.ResourceCountIs(jsii.String("AWS::IAM::Role"), jsii.Number(4)) })
	assert(t, "AdminR: one-hour sessions, AdministratorAccess", func() {
		tpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), &map[string]any{
			"RoleName":           "infra-AdminR",
			"MaxSessionDuration": 3600,
			"ManagedPolicyArns":  assertions.Match_ArrayWith(&[]any{"arn:aws:iam::aws:policy/AdministratorAccess"}),
		})
	})
	assert(t, "DeployR waits for the CI/CD user its trust names", func() {
		tpl.HasResource(jsii.String("AWS::IAM::Role"), &map[string]any{
			"Properties": assertions.Match_ObjectLike(&map[string]any{"RoleName": "infra-DeployR"}),
			"DependsOn":  []any{"CicdUserCiDevED5EA46B"},
		})
	})
	resources := (*tpl.ToJSON())["Resources"].(map[string]any)
	for _, id := range []string{"RoleAdminR", "RoleOpsR", "RoleReadR", "RoleDeployR", "PolicyGuardrails", "CicdUserCiDevED5EA46B"} {
		if _, ok := resources[id]; !ok {
			t.Errorf("logical ID %s is missing: logical IDs are a public contract", id)
		}
	}
}

func TestUserOnlyStack(t *testing.T) {
	tpl := assertions.Template_FromStack(exampleStacks(t)["infra-identity"], nil)
	assert(t, "no roles in the user-only account", func() { tpl.ResourceCountIs(jsii.String("AWS::IAM::Role"), jsii.Number(0)) })
	assert(t, "six people", func() { tpl.ResourceCountIs(jsii.String("AWS::IAM::User"), jsii.Number(6)) })
	assert(t, "alice: self-management, AssumeRoleG and PowerG by reference, grants as tags", func() {
		tpl.HasResourceProperties(jsii.String("AWS::IAM::User"), &map[string]any{
			"UserName": "alice.martin",
			"Path":     "/infra/",
			"Groups": []any{
				map[string]any{"Ref": "GroupManageOwnUserG"},
				map[string]any{"Ref": "GroupAssumeRoleG"},
				map[string]any{"Ref": "GroupPowerG"},
			},
			"Tags": assertions.Match_ArrayWith(&[]any{map[string]any{"Key": "infra-grants-AdminR", "Value": ":222222222222:333333333333:"}}),
		})
	})
	for _, g := range []string{"infra-AssumeRoleG", "infra-ManageOwnUserG", "infra-PowerG"} {
		assert(t, fmt.Sprintf("group %s", g), func() {
			tpl.HasResourceProperties(jsii.String("AWS::IAM::Group"), &map[string]any{"GroupName": g})
		})
	}
}

// The CDK carries the rendered resources and writes nothing of its own:
// every template of every example's cloud assembly is, byte for byte, what
// the plan renders, with generic resources and with the L1 classes that
// cdk-nag checks.
func TestTheCDKWritesWhatThePlanRenders(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.yaml")
	files = append(files, "../iamstack.yaml", "../testdata/given-names.yaml", "../testdata/identity-center-external.yaml", "spread")
	for _, f := range files {
		var m *model.Model
		var err error
		if f == "spread" {
			// Permission sets spread over more stacks than there are: the
			// empty ones hold a placeholder, which the CDK writes too.
			yaml, _ := os.ReadFile("../testdata/identity-center-external.yaml")
			spread := strings.Replace(string(yaml), "  signIn: identity-center\n", "  signIn: identity-center\n  stacks: 5\n", 1)
			m, err = model.ParseFiles("identity-center-external.yaml", []byte(spread), model.Dir("../testdata"))
		} else {
			m, err = model.Load(f)
		}
		if err != nil {
			t.Fatal(err)
		}
		p, err := plan.New(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, generic := range []bool{true, false} {
			dir := t.TempDir()
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir), Context: &map[string]any{
				"aws:cdk:enable-path-metadata": false, stacks.NoCreationStacks: true}})
			stacks.NewApp(app, p, &stacks.AppProps{Generic: generic})
			app.Synth(nil)
			for _, s := range p.Stacks {
				got, err := os.ReadFile(filepath.Join(dir, s.ID+".template.json"))
				if err != nil {
					t.Fatal(err)
				}
				if want := s.Template().JSON(); !bytes.Equal(got, want) {
					t.Errorf("%s, %s (generic %v): the CDK wrote a template other than the rendered one", f, s.ID, generic)
				}
			}
		}
	}
}
