package release

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/ship/awsapi"
)

// A release deploys exactly what its manifest records. The cdk CLI publishes
// a stack's template to the account's CDK staging bucket under its SHA-256
// and hands CloudFormation that object's URL; it skips the upload when an
// object of that key already exists. Whoever can write to the bucket can
// plant the next deploy's template, which CloudFormation then runs under the
// execution role (an administrator by default). So before a deploy every
// staged object that exists must hold the release's bytes, and after it the
// stack must run the release's template.

// ObjectStore reads the staging bucket and the deployed templates as the
// deploying credentials see them.
type ObjectStore interface {
	// Object returns an object's bytes; found is false when there is none.
	Object(bucket, key string) (data []byte, found bool, err error)
	// DeployedTemplate returns the template a stack runs, as JSON.
	DeployedTemplate(stackName string) ([]byte, error)
}

// StagedFile is one file asset the cdk CLI publishes before a deploy.
type StagedFile struct {
	// Path is the file in the cloud assembly.
	Path string
	// Bucket and Key are where the cdk CLI puts it and CloudFormation reads it.
	Bucket, Key string
	// SHA256 is the asset's ID: the hash of its bytes.
	SHA256 string
}

// ErrTampered reports staged bytes that are not the release's.
var ErrTampered = errors.New("not the release's bytes")

type assetManifest struct {
	Files map[string]struct {
		Source struct {
			Path string `json:"path"`
		} `json:"source"`
		Destinations map[string]struct {
			BucketName string `json:"bucketName"`
			ObjectKey  string `json:"objectKey"`
		} `json:"destinations"`
	} `json:"files"`
}

// StagedFiles lists the file assets of a stack of the cloud assembly in
// dir, with placeholders resolved for its account and region. Each local
// file must hash to its asset ID.
func StagedFiles(dir, stackID, account, region string) ([]StagedFile, error) {
	b, err := os.ReadFile(filepath.Join(dir, stackID+".assets.json"))
	if err != nil {
		return nil, fmt.Errorf("staged files of %s: %w", stackID, err)
	}
	var m assetManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("staged files of %s: %s.assets.json: %w", stackID, stackID, err)
	}
	resolve := strings.NewReplacer("${AWS::AccountId}", account, "${AWS::Region}", region)
	var out []StagedFile
	for id, f := range m.Files {
		path := filepath.Join(dir, f.Source.Path)
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("staged files of %s: %w", stackID, err)
		}
		if got := sha256Hex(data); got != id {
			return nil, fmt.Errorf("staged files of %s: %s hashes to %s, but the assembly names it %s: %w", stackID, f.Source.Path, got, id, ErrTampered)
		}
		for _, d := range f.Destinations {
			out = append(out, StagedFile{Path: path, Bucket: resolve.Replace(d.BucketName), Key: resolve.Replace(d.ObjectKey), SHA256: id})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Bucket+out[i].Key < out[j].Bucket+out[j].Key })
	return out, nil
}

// VerifyStaged checks that every staged object that already exists holds
// exactly the release's bytes. An object that does not exist yet is fine:
// the cdk CLI uploads the release's own.
func VerifyStaged(store ObjectStore, files []StagedFile) error {
	for _, f := range files {
		data, found, err := store.Object(f.Bucket, f.Key)
		if err != nil {
			return fmt.Errorf("read s3://%s/%s: %w", f.Bucket, f.Key, err)
		}
		if !found {
			continue
		}
		if got := sha256Hex(data); got != f.SHA256 {
			return fmt.Errorf("s3://%s/%s has SHA-256 %s, the release %s: someone wrote to the CDK staging bucket, and the cdk CLI would deploy their object instead of the release (it skips uploading an object that exists). Delete the object as an administrator, find out who wrote it (CloudTrail data events), then deploy again: %w",
				f.Bucket, f.Key, got, f.SHA256, ErrTampered)
		}
	}
	return nil
}

// VerifyDeployed checks that a stack runs the release's template.
func VerifyDeployed(store ObjectStore, stackName, templatePath string) error {
	want, err := os.ReadFile(templatePath)
	if err != nil {
		return err
	}
	got, err := store.DeployedTemplate(stackName)
	if err != nil {
		return fmt.Errorf("read the template stack %s runs: %w", stackName, err)
	}
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		return fmt.Errorf("%s: %w", templatePath, err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		return fmt.Errorf("the template stack %s runs is not JSON: %w", stackName, err)
	}
	if !reflect.DeepEqual(w, g) {
		return fmt.Errorf("stack %s runs a template that is not the release's %s: %w", stackName, filepath.Base(templatePath), ErrTampered)
	}
	return nil
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// SDKStore reads the staging bucket and the deployed templates through the
// AWS SDK, with the deploying credentials.
type SDKStore struct {
	Options awsapi.Options
}

// Object implements ObjectStore.
func (s SDKStore) Object(bucket, key string) ([]byte, bool, error) {
	ctx := context.Background()
	cfg, err := awsapi.Load(ctx, s.Options)
	if err != nil {
		return nil, false, err
	}
	out, err := awsapi.S3(cfg).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		var noBucket *s3types.NoSuchBucket
		var noKey *s3types.NoSuchKey
		var status interface{ HTTPStatusCode() int }
		switch {
		case errors.As(err, &noBucket) || awsapi.Code(err) == "NoSuchBucket":
			return nil, false, fmt.Errorf("the CDK staging bucket %s does not exist for these credentials: bootstrap the account (docs/operations.md#first-time-setup-of-an-account), or use its credentials", bucket)
		case errors.As(err, &noKey) || awsapi.Code(err) == "NotFound" || errors.As(err, &status) && status.HTTPStatusCode() == 404:
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("read s3://%s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	return data, err == nil, err
}

// DeployedTemplate implements ObjectStore: the template as the stack was
// given it (TemplateStage Original).
func (s SDKStore) DeployedTemplate(stackName string) ([]byte, error) {
	ctx := context.Background()
	cfg, err := awsapi.Load(ctx, s.Options)
	if err != nil {
		return nil, err
	}
	out, err := cloudformation.NewFromConfig(cfg).GetTemplate(ctx, &cloudformation.GetTemplateInput{
		StackName: aws.String(stackName), TemplateStage: cftypes.TemplateStageOriginal})
	if err != nil {
		return nil, err
	}
	return []byte(aws.ToString(out.TemplateBody)), nil
}

// StackNames maps the stack artifacts of the cloud assembly in dir to their
// CloudFormation stack names.
func StackNames(dir string) (map[string]string, error) {
	files, err := assembly.StackFiles(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, f := range files {
		out[f.ID] = f.StackName
	}
	return out, nil
}
