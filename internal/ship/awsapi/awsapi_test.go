package awsapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// With an endpoint, every call goes there: a profile's role (role_arn with
// a source_profile) is assumed at the endpoint too, not at AWS's STS.
func TestEndpointTakesAProfilesRoleAssumption(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		calls = append(calls, string(b))
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::111111111111:assumed-role/r/s</Arn><AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult></AssumeRoleResponse>`)
	}))
	defer server.Close()
	dir := t.TempDir()
	config := "[profile base]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = secret\n" +
		"[profile member]\nrole_arn = arn:aws:iam::111111111111:role/r\nsource_profile = base\n"
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	for _, tc := range []struct {
		name           string
		flag, variable string
	}{
		{"--endpoint-url", server.URL, ""},
		{"AWS_ENDPOINT_URL", "", server.URL},
		{"both", server.URL, server.URL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls = nil
			os.Unsetenv("AWS_ENDPOINT_URL")
			if tc.variable != "" {
				t.Setenv("AWS_ENDPOINT_URL", tc.variable)
			}
			cfg, err := Load(context.Background(), Options{Profile: "member", Region: "eu-west-1", Endpoint: tc.flag})
			if err != nil {
				t.Fatal(err)
			}
			creds, err := cfg.Credentials.Retrieve(context.Background())
			if err != nil {
				t.Fatalf("the role is not assumed at the endpoint: %v", err)
			}
			if creds.AccessKeyID != "ASIAEXAMPLE" || len(calls) != 1 || !strings.Contains(calls[0], "Action=AssumeRole") {
				t.Errorf("credentials %s, calls to the endpoint %q", creds.AccessKeyID, calls)
			}
		})
	}
}

// An account's profile is named by IAMSTACK_PROFILE_ and its name in
// capitals, what is not a letter or digit an underscore.
func TestProfileVariable(t *testing.T) {
	for account, want := range map[string]string{
		"identity": "IAMSTACK_PROFILE_IDENTITY",
		"dev-01":   "IAMSTACK_PROFILE_DEV_01",
		"Prod.EU":  "IAMSTACK_PROFILE_PROD_EU",
	} {
		if got := ProfileVariable(account); got != want {
			t.Errorf("%s: %s, want %s", account, got, want)
		}
	}
}
