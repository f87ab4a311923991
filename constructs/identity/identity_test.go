//go:build cdk || integration

package identity_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/iamstack/iamstack/constructs/identity"
	"github.com/iamstack/iamstack/internal/jsiiexit"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsiiexit.Close()
	os.Exit(code)
}

// The logical ID in the props is the resource's wherever the construct is
// created: at a stack's root under that id (where the stack keeps it, with
// no override), under another id, and inside a team's own construct.
func TestLogicalIDIsPinnedWhateverTheScope(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("s"), nil)
	own := constructs.NewConstruct(stack, jsii.String("TeamConstruct"))
	identity.NewUser(stack, "UserAtRoot", &identity.UserProps{LogicalID: "UserAtRoot", Name: "a", Path: "/"})
	identity.NewUser(stack, "another-id", &identity.UserProps{LogicalID: "UserOtherID", Name: "b", Path: "/"})
	identity.NewUser(own, "UserNested", &identity.UserProps{LogicalID: "UserNested", Name: "c", Path: "/",
		FirstPassword: &identity.FirstPasswordProps{LogicalID: "UserNestedSecret", SecretName: "c", PasswordLength: 32}})
	identity.NewRole(own, "RoleNested", &identity.RoleProps{LogicalID: "RoleNested", Name: "r", MaxSessionDuration: 3600,
		Trust: map[string]any{"Version": "2012-10-17", "Statement": []any{}}})
	resources := *assertions.Template_FromStack(stack, nil).ToJSON()
	got, _ := resources["Resources"].(map[string]any)
	for _, id := range []string{"UserAtRoot", "UserOtherID", "UserNested", "UserNestedSecret", "RoleNested"} {
		if _, ok := got[id]; !ok {
			keys := make([]string, 0, len(got))
			for k := range got {
				keys = append(keys, k)
			}
			t.Errorf("no resource %s; the template has %v", id, keys)
		}
	}
	if len(got) != 5 {
		t.Errorf("%d resources, want 5", len(got))
	}
}

// The suppressions the resources carry: a duplicate, and a reason beyond
// Latin-1.
var (
	policyNag = []identity.NagSuppression{
		{ID: "AwsSolutions-IAM5", Reason: "the bucket's objects are all this role reads"},
		{ID: "AwsSolutions-IAM5", Reason: "the bucket's objects are all this role reads"},
	}
	secretNag = []identity.NagSuppression{{ID: "AwsSolutions-SMG4", Reason: "rotated by the person at first sign-in — not on a schedule"}}
)

// resources renders every kind of resource a Batch makes, with references
// between them, into scope; nag says whether they carry suppressions.
func resources(scope constructs.Construct, generic, nag bool) {
	b := &identity.Batch{Generic: generic}
	resourcesInto(b, scope, nag)
	b.Create(scope)
}

// resourcesInto adds to b what resources creates; scope, if not nil, gets a
// resource of its own that b's refer to.
func resourcesInto(b *identity.Batch, scope constructs.Construct, nag bool) {
	pick := func(s []identity.NagSuppression) []identity.NagSuppression {
		if nag {
			return s
		}
		return nil
	}
	doc := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}}
	policy := b.ManagedPolicy("Policy", &identity.ManagedPolicyProps{LogicalID: "Policy", Name: "p", Description: "reads", Document: doc,
		Metadata: map[string]any{"iamstack": map[string]any{"kind": "policy"}}, NagSuppressions: pick(policyNag)})
	arns := []*string{policy, jsii.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}
	var outside []*string
	if scope != nil {
		// A resource of the app's own, outside the batch, referred to by its
		// token: in a property and in a dependency.
		ref := awsiam.NewCfnManagedPolicy(scope, jsii.String("Outside"), &awsiam.CfnManagedPolicyProps{PolicyDocument: doc}).Ref()
		arns = append(arns, ref)
		outside = append(outside, ref)
	}
	group := b.Group("Group", &identity.GroupProps{LogicalID: "Group", Name: "g", ManagedPolicyArns: arns})
	user := b.User("user-id", &identity.UserProps{LogicalID: "User", Name: "u", Path: "/people/", Groups: []*string{group},
		Tags: map[string]string{"b": "2", "a": "1"}, Metadata: map[string]any{"iamstack": map[string]any{"kind": "user"}},
		FirstPassword: &identity.FirstPasswordProps{LogicalID: "UserSecret", SecretName: "u-first", Description: "first password",
			PasswordLength: 32, ExcludeCharacters: `"'\`, NagSuppressions: pick(secretNag)}})
	provider := b.OIDCProvider("Provider", &identity.OIDCProviderProps{LogicalID: "Provider", URL: "https://token.actions.githubusercontent.com", ClientIDs: []string{"sts.amazonaws.com"}})
	b.Role("Role", &identity.RoleProps{LogicalID: "Role", Name: "r", Path: "/ops/", Description: "operates", MaxSessionDuration: 3600,
		Trust: doc, ManagedPolicyArns: []*string{policy}, DependsOn: append([]*string{user, provider}, outside...), NagSuppressions: pick(policyNag)})
}

// templates synthesizes app and returns each stack's template file.
func templates(t *testing.T, app awscdk.App) map[string]string {
	t.Helper()
	asm := app.Synth(nil)
	out := map[string]string{}
	for _, s := range *asm.Stacks() {
		b, err := os.ReadFile(*s.TemplateFullPath())
		if err != nil {
			t.Fatal(err)
		}
		out[*s.StackName()] = string(b)
	}
	return out
}

// logicalIDs reads, from the cloud assembly in dir, the logical ID each
// construct of a stack records, by its path under the stack: what the CDK
// CLI names resources by in `cdk deploy` and `cdk diff`.
func logicalIDs(t *testing.T, dir, stack string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, stack+".metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	var entries map[string][]struct {
		Type string
		Data any
	}
	if err := json.Unmarshal(b, &entries); err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	for path, list := range entries {
		for _, e := range list {
			if e.Type == "aws:cdk:logicalId" {
				out[strings.TrimPrefix(path, "/"+stack)] = e.Data
			}
		}
	}
	return out
}

// A generic batch writes the template the L1 classes write, byte for byte,
// at a stack's root and under a construct of its own, and records each
// resource's logical ID at the path the class's construct would have.
func TestGenericBatchWritesTheClassesTemplate(t *testing.T) {
	dir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	for _, name := range []string{"typed", "generic", "typedNested", "genericNested"} {
		var scope constructs.Construct = awscdk.NewStack(app, jsii.String(name), nil)
		if strings.HasSuffix(name, "Nested") {
			scope = constructs.NewConstruct(scope, jsii.String("Team"))
		}
		resources(scope, strings.HasPrefix(name, "generic"), true)
	}
	got := templates(t, app)
	for _, where := range []string{"", "Nested"} {
		if typed, generic := got["typed"+where], got["generic"+where]; typed != generic {
			t.Errorf("%q: the generic template differs from the typed one:\n%s\n---\n%s", where, typed, generic)
		}
		typed, generic := logicalIDs(t, dir, "typed"+where), logicalIDs(t, dir, "generic"+where)
		user := map[string]string{"": "/user-id", "Nested": "/Team/user-id"}[where]
		if generic[user] != "User" {
			t.Errorf("%q: the user records the logical ID %v at %s, want User", where, generic[user], user)
		}
		if !reflect.DeepEqual(typed, generic) {
			t.Errorf("%q: generic resources record the logical IDs\n%v\nwhere the typed ones record\n%v", where, generic, typed)
		}
	}
	var tpl struct{ Resources map[string]any }
	if err := json.Unmarshal([]byte(got["typed"]), &tpl); err != nil || len(tpl.Resources) != 7 {
		t.Errorf("%d resources, want 7 (%v):\n%s", len(tpl.Resources), err, got["typed"])
	}
}

// A generic resource that depends on a resource of another stack makes
// its stack depend on that stack, as a CfnResource does, and names nothing
// in its DependsOn.
func TestGenericDependencyOnAnotherStack(t *testing.T) {
	dir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	other := awscdk.NewStack(app, jsii.String("other"), nil)
	ref := awsiam.NewCfnManagedPolicy(other, jsii.String("Elsewhere"), &awsiam.CfnManagedPolicyProps{
		PolicyDocument: map[string]any{"Version": "2012-10-17", "Statement": []any{}}}).Ref()
	for _, generic := range []bool{false, true} {
		name := map[bool]string{false: "typed", true: "generic"}[generic]
		b := &identity.Batch{Generic: generic}
		b.Role("Role", &identity.RoleProps{LogicalID: "Role", Name: "r", MaxSessionDuration: 3600,
			Trust: map[string]any{"Version": "2012-10-17", "Statement": []any{}}, DependsOn: []*string{ref}})
		b.Create(awscdk.NewStack(app, jsii.String(name), nil))
	}
	got := templates(t, app)
	if got["typed"] != got["generic"] || strings.Contains(got["generic"], "DependsOn") {
		t.Errorf("the generic template differs from the typed one, or names the other stack's resource:\n%s\n---\n%s", got["generic"], got["typed"])
	}
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Artifacts map[string]struct{ Dependencies []string }
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"typed", "generic"} {
		if deps := manifest.Artifacts[name].Dependencies; !slices.Contains(deps, "other") {
			t.Errorf("stack %s depends on %v, want other among them", name, deps)
		}
	}
}

// The cdk_nag metadata a batch writes is, byte for byte, what cdk-nag's own
// NagSuppressions writes: reason first, duplicates dropped, a reason beyond
// Latin-1 base64-encoded.
func TestNagSuppressionsAreCdkNags(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	resources(awscdk.NewStack(app, jsii.String("ours"), nil), false, true)
	theirs := awscdk.NewStack(app, jsii.String("theirs"), nil)
	resources(theirs, false, false)
	for id, list := range map[string][]identity.NagSuppression{"Policy": policyNag, "UserSecret": secretNag, "Role": policyNag} {
		var s []*cdknag.NagPackSuppression
		for _, x := range list {
			s = append(s, &cdknag.NagPackSuppression{Id: jsii.String(x.ID), Reason: jsii.String(x.Reason)})
		}
		cdknag.NagSuppressions_AddResourceSuppressions(theirs.Node().FindChild(jsii.String(id)), &s, jsii.Bool(true))
	}
	got := templates(t, app)
	if got["ours"] != got["theirs"] || !strings.Contains(got["ours"], `"is_reason_encoded": true`) {
		t.Errorf("our cdk_nag metadata differs from cdk-nag's:\n%s\n---\n%s", got["ours"], got["theirs"])
	}
}

// A StackBatch creates the stacks the CDK's own calls create: names,
// environments, template metadata, resources, dependencies between stacks
// and a synthesizer of a stack's own, in every file of the cloud assembly
// that tells what to deploy.
func TestStackBatchCreatesWhatTheCallsCreate(t *testing.T) {
	metadata := func(who string) map[string]any {
		return map[string]any{"iamstack": map[string]any{"account": who, "standing": []any{"b", "a"}}}
	}
	byCalls := func(app awscdk.App) {
		first := awscdk.NewStack(app, jsii.String("first"), &awscdk.StackProps{StackName: jsii.String("first-name"), Description: jsii.String("the first"),
			Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}})
		first.TemplateOptions().SetMetadata(&map[string]any{"iamstack": metadata("first")["iamstack"]})
		b := &identity.Batch{Generic: true}
		resourcesInto(b, nil, true)
		b.Create(first)
		second := awscdk.NewStack(app, jsii.String("second"), &awscdk.StackProps{Description: jsii.String("the second"),
			Synthesizer: awscdk.NewBootstraplessSynthesizer(&awscdk.BootstraplessSynthesizerProps{})})
		second.AddStackDependency(first, jsii.String("it needs the first"))
		awscdk.NewStack(app, jsii.String("empty"), nil)
	}
	byBatch := func(app awscdk.App) {
		var sb identity.StackBatch
		b := &identity.Batch{Generic: true}
		sb.Add("first", &identity.StackProps{StackName: "first-name", Description: "the first", Account: "111111111111", Region: "eu-west-1",
			Metadata: metadata("first"), Resources: b})
		resourcesInto(b, nil, true)
		sb.Add("second", &identity.StackProps{Description: "the second",
			Synthesizer: awscdk.NewBootstraplessSynthesizer(&awscdk.BootstraplessSynthesizerProps{}),
			DependsOn:   []identity.StackDependency{{ID: "first", Reason: "it needs the first"}}})
		sb.Add("empty", &identity.StackProps{})
		if got := sb.Create(app); len(got) != 3 || *got[1].StackName() != "second" {
			t.Fatalf("Create returned %d stacks", len(got))
		}
	}
	files := map[string]map[string]string{}
	for name, build := range map[string]func(awscdk.App){"calls": byCalls, "batch": byBatch} {
		dir := t.TempDir()
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir), Context: &map[string]any{"aws:cdk:disable-creation-stack-traces": true}})
		build(app)
		app.Synth(nil)
		files[name] = map[string]string{}
		for _, f := range []string{"manifest.json", "first.template.json", "second.template.json", "empty.template.json", "first.assets.json"} {
			b, err := os.ReadFile(dir + "/" + f)
			if err != nil {
				t.Fatal(err)
			}
			files[name][f] = string(b)
		}
	}
	for f, want := range files["calls"] {
		if got := files["batch"][f]; got != want {
			t.Errorf("%s differs:\n%s\n--- by calls:\n%s", f, got, want)
		}
	}
}
