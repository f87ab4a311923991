//go:build integration

package awsconfig_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/ship/awsconfig"
)

// The AWS CLI on the machine reads the generated config: every expected
// profile is listed, and each role_arn is the ARN the template defines.
func TestAWSCLIReadsTheConfig(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Fatal("the AWS CLI is not on PATH; install it with `pip install awscli` (see README)")
	}
	for _, user := range m.UserNames() {
		t.Run(user, func(t *testing.T) {
			t.Parallel()
			ps, err := awsconfig.ForUser(inv, rep, user)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "config")
			var b bytes.Buffer
			ps.WriteConfig(&b)
			if err := os.WriteFile(file, b.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			aws := func(args ...string) string {
				cmd := exec.Command("aws", args...)
				cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE="+file, "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(t.TempDir(), "none"))
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("aws %v: %v", args, err)
				}
				return strings.TrimSpace(string(out))
			}
			listed := listProfiles(t, file)
			var want []string
			for _, p := range ps.List {
				want = append(want, p.Name)
			}
			slices.Sort(listed)
			slices.Sort(want)
			if !slices.Equal(listed, want) {
				t.Errorf("%s: aws lists %v, want %v", user, listed, want)
			}
			for i, p := range ps.List[1:] {
				arn := aws("configure", "get", "role_arn", "--profile", p.Name)
				if r := templateRole(t, arn); r.ARN != arn {
					t.Errorf("%s: profile %s role_arn %s is not a role of the templates", user, p.Name, arn)
				}
				if i == 0 {
					if got := aws("configure", "get", "role_session_name", "--profile", p.Name); got != user {
						t.Errorf("%s: profile %s session name %q", user, p.Name, got)
					}
				}
			}
		})
	}
}

// Every generated role profile is a role the user can assume, with MFA and
// the session name the profile sets, within the role's maximum session;
// and every role the matrix grants has a profile.
// listProfiles lists the profiles of a config file as the AWS CLI sees them:
// `aws configure list-profiles` (AWS CLI v2), or on AWS CLI v1, which lacks
// it, botocore's available_profiles: the loader the v1 CLI itself uses.
func listProfiles(t *testing.T, file string) []string {
	t.Helper()
	env := append(os.Environ(), "AWS_CONFIG_FILE="+file)
	cmd := exec.Command("aws", "configure", "list-profiles")
	cmd.Env = env
	if out, err := cmd.Output(); err == nil {
		return strings.Fields(string(out))
	}
	cmd = exec.Command("python3", "-c", "import botocore.session; print('\\n'.join(botocore.session.Session().available_profiles))")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("list the profiles of %s: neither `aws configure list-profiles` nor botocore works: %v", file, err)
	}
	return strings.Fields(string(out))
}

// The AWS CLI reads the sso profiles merged into a config file that holds
// a profile of the person's own: it lists exactly those profiles, and reads
// each one's account and permission set.
func TestAWSCLIReadsTheSSOConfig(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Fatal("the AWS CLI is not on PATH; install it with `pip install awscli` (see README)")
	}
	inv, rep := identityCenter(t)
	ps, err := awsconfig.For(inv, rep, "dara.kim", awsconfig.FormatSSO)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	ps.WriteConfig(&b)
	file := filepath.Join(t.TempDir(), "config")
	merged, err := awsconfig.Merge(file, []byte("[default]\nregion = us-east-1\n"), ps.User, b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(file, merged, 0o600)
	want := []string{"default"}
	for _, p := range ps.List[1:] {
		want = append(want, p.Name)
	}
	listed := listProfiles(t, file)
	slices.Sort(listed)
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Errorf("aws lists %v, want %v", listed, want)
	}
	// Every profile's settings as botocore, the CLI's loader, reads them:
	// one process, not one `aws configure get` per setting.
	cmd := exec.Command("python3", "-c", "import botocore.session, json; print(json.dumps(botocore.session.Session().full_config['profiles']))")
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE="+file)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("botocore: %v", err)
	}
	var read map[string]map[string]string
	if err := json.Unmarshal(out, &read); err != nil {
		t.Fatal(err)
	}
	for _, p := range ps.List[1:] {
		for _, kv := range p.Settings {
			if got := read[p.Name][kv[0]]; got != kv[1] {
				t.Errorf("profile %s: botocore reads %s = %q, want %q", p.Name, kv[0], got, kv[1])
			}
		}
	}
}
