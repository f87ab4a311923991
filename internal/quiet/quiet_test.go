package quiet_test

import (
	"os"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/quiet"
)

// The Makefile and cdk.json, which cannot import the list, set the same
// defaults, each overridable from the environment.
func TestMakefileAndCDKJSONSetTheDefaults(t *testing.T) {
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	cdk, err := os.ReadFile("../../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range quiet.Defaults {
		key, value, _ := strings.Cut(kv, "=")
		if want := "export " + key + " ?= " + value + "\n"; !strings.Contains(string(mk), want) {
			t.Errorf("the Makefile lacks %q", want)
		}
		if want := key + "=${" + key + ":-" + value + "}"; !strings.Contains(string(cdk), want) {
			t.Errorf("cdk.json's app lacks %q", want)
		}
	}
}

func TestEnvKeepsWhatTheUserSets(t *testing.T) {
	env := quiet.Env([]string{"CDK_VALIDATION=true", "HOME=/root"})
	if len(env) != 3 || env[0] != "CDK_VALIDATION=true" || env[2] != "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20" {
		t.Errorf("got %v", env)
	}
	if quiet.IsSet([]string{"CDK_VALIDATION=true"}) || !quiet.IsSet(env) {
		t.Error("IsSet")
	}
}
