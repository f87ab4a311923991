// Package scaffold writes what a repository holding only an identity model
// needs (`iamstack init`): a starter model and its schema, cdk.json whose
// app is the installed binary, a Makefile of the binary's targets,
// .gitignore, package.json pinning the CDK CLI for `cdk deploy`, and the
// GitHub workflows that check pull requests and deploy through OIDC.
package scaffold

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/iamstack/iamstack/internal/atomicdir"
)

//go:embed files files/.github
var files embed.FS

// Options say what to write.
type Options struct {
	// Schema is the model's JSON Schema, written beside the model.
	Schema []byte
	// CDKVersion is the aws-cdk CLI version package.json pins.
	CDKVersion string
	// Version is the iamstack release the workflows install.
	Version string
	// GitHub, "org/repo", adds the role DeployR that deploy.yml assumes
	// through GitHub's OIDC provider, trusting one subject per
	// environment of the starter model.
	GitHub string
	// Force overwrites files that exist.
	Force bool
}

var githubRepo = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// Write writes the files into dir, each aside and renamed into place, and
// returns their paths relative to dir. Without Force it writes nothing when
// any of them exists.
func Write(dir string, opts Options) ([]string, error) {
	if opts.GitHub != "" && !githubRepo.MatchString(opts.GitHub) {
		return nil, fmt.Errorf("--github %q: write the repository as org/repo", opts.GitHub)
	}
	out := map[string][]byte{}
	err := fs.WalkDir(files, "files", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(path, "files/")
		if rel == "gitignore" {
			rel = ".gitignore" // embed leaves dot files out of a directory pattern
		}
		out[rel] = []byte(strings.ReplaceAll(string(b), "IAMSTACK_VERSION_PIN", opts.Version))
		return nil
	})
	if err != nil {
		return nil, err
	}
	role := ""
	if opts.GitHub != "" {
		role = fmt.Sprintf(deployRole, opts.GitHub)
	}
	out["iamstack.yaml"] = []byte(strings.Replace(string(out["iamstack.yaml"]), "IAMSTACK_DEPLOY_ROLE\n", role, 1))
	out["iamstack.schema.json"] = opts.Schema
	pkg, err := json.MarshalIndent(map[string]any{"name": "identity", "private": true,
		"description":     "The CDK CLI that cdk deploy and iamstack promote --deploy run.",
		"devDependencies": map[string]string{"aws-cdk": opts.CDKVersion}}, "", "  ")
	if err != nil {
		return nil, err
	}
	out["package.json"] = append(pkg, '\n')

	var names, existing []string
	for name := range out {
		names = append(names, name)
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			existing = append(existing, name)
		}
	}
	slices.Sort(names)
	slices.Sort(existing)
	if len(existing) > 0 && !opts.Force {
		return nil, fmt.Errorf("%s exist already in %s: nothing written; pass --force to overwrite them", strings.Join(existing, ", "), dir)
	}
	for _, name := range names {
		if err := atomicdir.WriteFile(filepath.Join(dir, name), out[name], 0o644); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// deployRole is the starter's roles for the workflows, in the identity
// account. DeployR (deploy.yml) trusts the repository's deploy job in each
// environment, by the exact subject GitHub gives a job that names its
// environment, and may assume only the roles the CDK's bootstrap creates
// to deploy stacks and publish their files (bootstrap every account with
// --trust <identity>). DriftR (drift.yml) trusts the drift environment's
// job and may only assume DriftReadR, which reads what iamstack drift
// reads in every account and nothing else.
const deployRole = `  DeployR:
    description: GitHub Actions deploys the releases of %[1]s through it (deploy.yml).
    enabledIn: [identity]
    trust:
      - github: "repo:%[1]s:environment:env/dev"
      - github: "repo:%[1]s:environment:env/prod"
    statements:
      - sid: CDKBootstrapRoles
        effect: Allow
        actions: ["sts:AssumeRole", "sts:TagSession"]
        resources: ["arn:aws:iam::*:role/cdk-hnb659fds-deploy-role-*", "arn:aws:iam::*:role/cdk-hnb659fds-file-publishing-role-*"]
    waivers:
      AwsSolutions-IAM5: "The CDK names its bootstrap roles by account and region: one pattern per kind of role."
      IAMSTACK-ESCALATION: "Deploying is full power by design: CloudFormation deploys through the CDK's execution role. Only this repository's deploy job, in a protected environment, assumes DeployR."
  DriftR:
    description: GitHub Actions reads every account for drift through it (drift.yml).
    enabledIn: [identity]
    trust:
      - github: "repo:%[1]s:environment:drift"
    statements:
      - sid: ReadEveryAccount
        effect: Allow
        actions: ["sts:AssumeRole"]
        resources: ["arn:aws:iam::*:role/infra-DriftReadR"]   # <prefix>-DriftReadR
    waivers:
      AwsSolutions-IAM5: "DriftReadR exists in every account: only the account is a wildcard."
  DriftReadR:
    description: Reads IAM for iamstack drift, from identity/DriftR only.
    enabledIn: [all, identity]
    trust:
      - role: identity/DriftR
    statements:
      - sid: ReadIAM
        effect: Allow
        actions: ["iam:GetAccountAuthorizationDetails", "iam:GetRole", "iam:GetLoginProfile", "iam:ListMFADevices",
                  "iam:ListAccessKeys", "iam:ListOpenIDConnectProviders", "iam:GetOpenIDConnectProvider"]
        resources: ["*"]
    waivers:
      AwsSolutions-IAM5: "What drift reads covers every user and role of the account."
`
