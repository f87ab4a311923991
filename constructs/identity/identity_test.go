//go:build cdk || integration

package identity_test

import (
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

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
