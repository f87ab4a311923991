package release_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/ship/release"
)

// fakeStore is an S3 bucket and a CloudFormation account in memory.
type fakeStore struct {
	objects  map[string][]byte // bucket/key
	deployed map[string][]byte // stack name -> template
}

func (f fakeStore) Object(bucket, key string) ([]byte, bool, error) {
	b, ok := f.objects[bucket+"/"+key]
	return b, ok, nil
}

func (f fakeStore) DeployedTemplate(stack string) ([]byte, error) {
	b, ok := f.deployed[stack]
	if !ok {
		return nil, fmt.Errorf("stack %s does not exist", stack)
	}
	return b, nil
}

// assembly writes a cloud assembly with one stack whose template is tpl.
func assembly(t *testing.T, tpl string) (dir, hash string) {
	t.Helper()
	dir = t.TempDir()
	sum := sha256.Sum256([]byte(tpl))
	hash = hex.EncodeToString(sum[:])
	os.WriteFile(filepath.Join(dir, "infra-dev.template.json"), []byte(tpl), 0o644)
	assets := fmt.Sprintf(`{"version":"54.0.0","files":{"%s":{"source":{"path":"infra-dev.template.json","packaging":"file"},
		"destinations":{"d":{"bucketName":"cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}","objectKey":"%s.json"}}}}}`, hash, hash)
	os.WriteFile(filepath.Join(dir, "infra-dev.assets.json"), []byte(assets), 0o644)
	os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"artifacts":{"infra-dev":{"type":"aws:cloudformation:stack","properties":{"stackName":"infra"}},"infra-dev.assets":{"type":"cdk:asset-manifest"}}}`), 0o644)
	return dir, hash
}

func TestVerifyStaged(t *testing.T) {
	const tpl = `{"Resources":{"Role":{"Type":"AWS::IAM::Role"}}}`
	dir, hash := assembly(t, tpl)
	files, err := release.StagedFiles(dir, "infra-dev", "222222222222", "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	bucket := "cdk-hnb659fds-assets-222222222222-eu-west-1"
	if len(files) != 1 || files[0].Bucket != bucket || files[0].Key != hash+".json" {
		t.Fatalf("staged files %+v", files)
	}
	for _, tc := range []struct {
		name    string
		objects map[string][]byte
		wantErr string
	}{
		{"not uploaded yet: the cdk CLI uploads the release's", nil, ""},
		{"the release's bytes", map[string][]byte{bucket + "/" + hash + ".json": []byte(tpl)}, ""},
		{"a planted template", map[string][]byte{bucket + "/" + hash + ".json": []byte(`{"Resources":{}}`)},
			"s3://" + bucket + "/" + hash + ".json has SHA-256 "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := release.VerifyStaged(fakeStore{objects: tc.objects}, files)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !errors.Is(err, release.ErrTampered) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want %q", err, tc.wantErr)
			}
		})
	}

	// A local template that does not hash to its asset ID is refused too.
	os.WriteFile(filepath.Join(dir, "infra-dev.template.json"), []byte(`{"Resources":{}}`), 0o644)
	if _, err := release.StagedFiles(dir, "infra-dev", "222222222222", "eu-west-1"); !errors.Is(err, release.ErrTampered) {
		t.Errorf("a changed local template: %v", err)
	}
}

func TestVerifyDeployed(t *testing.T) {
	const tpl = `{"Resources":{"Role":{"Type":"AWS::IAM::Role"}}}`
	dir, _ := assembly(t, tpl)
	names, err := release.StackNames(dir)
	if err != nil || len(names) != 1 || names["infra-dev"] != "infra" {
		t.Fatalf("stack names %v, %v", names, err)
	}
	path := filepath.Join(dir, "infra-dev.template.json")
	same := fakeStore{deployed: map[string][]byte{"infra": []byte("{\n  \"Resources\": {\"Role\": {\"Type\": \"AWS::IAM::Role\"}}\n}")}}
	if err := release.VerifyDeployed(same, "infra", path); err != nil {
		t.Errorf("the same template, formatted otherwise: %v", err)
	}
	other := fakeStore{deployed: map[string][]byte{"infra": []byte(`{"Resources":{}}`)}}
	if err := release.VerifyDeployed(other, "infra", path); !errors.Is(err, release.ErrTampered) {
		t.Errorf("another template: %v", err)
	}
	if err := release.VerifyDeployed(fakeStore{}, "infra", path); err == nil || errors.Is(err, release.ErrTampered) {
		t.Errorf("a stack that cannot be read: %v", err)
	}
}
