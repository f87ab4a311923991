package access_test

import (
	"fmt"
	"strings"

	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/evaluate"
	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/policy"
)

// attack is one request an attacker holding OpsR makes, or has a role it
// created make, in OpsR's account. Resources are formats of the account ID
// (%[1]s) and region (%[2]s).
type attack struct {
	route    string
	created  bool // made by a role OpsR created with the boundary and AdministratorAccess
	prodOnly bool // the RDS guardrail applies in prod
	action   string
	resource string
	context  map[string][]string
	allow    bool // a positive control: OpsR's legitimate power
}

const (
	cdkExec      = "arn:aws:iam::%[1]s:role/cdk-hnb659fds-cfn-exec-role-%[1]s-%[2]s"
	cdkDeploy    = "arn:aws:iam::%[1]s:role/cdk-hnb659fds-deploy-role-%[1]s-%[2]s"
	stagingKey   = "arn:aws:s3:::cdk-hnb659fds-assets-%[1]s-%[2]s/3f1c9d0e5a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d.json"
	opsRole      = "arn:aws:iam::%[1]s:role/infra/ops/app"
	appStack     = "arn:aws:cloudformation:%[2]s:%[1]s:stack/app-api/4f0e8a10-0000-0000-0000-000000000000"
	probeGroup   = "arn:aws:iam::%[1]s:group/attacker"
	adminPolicy  = "arn:aws:iam::aws:policy/AdministratorAccess"
	otherRegion  = "ap-southeast-2"
	opsBoundaryK = "iam:PermissionsBoundary"
	database     = "arn:aws:rds:%[2]s:%[1]s:db:orders"
	instance     = "arn:aws:ec2:%[2]s:%[1]s:instance/i-0123456789abcdef0"
	// firstPassword is a first-password secret as its ARN reads, with
	// the random characters Secrets Manager appends.
	firstPassword    = "arn:aws:secretsmanager:%[2]s:%[1]s:secret:infra/first-password/alice.martin-AbCdEf"
	person           = "arn:aws:iam::%[1]s:user/infra/alice.martin"
	stackSetInstance = "arn:aws:cloudformation:%[2]s:%[1]s:stack/StackSet-infra-workloads-5b2e0e34-0000-0000-0000-000000000000/1"
)

// arn fills a resource format with an account and region.
func arn(format, account, region string) string {
	if !strings.Contains(format, "%") {
		return format
	}
	return fmt.Sprintf(format, account, region)
}

func boundaryCtx(account string) map[string][]string {
	return map[string][]string{opsBoundaryK: {names.Scheme{Partition: "aws", Prefix: "infra"}.PolicyARN(account, policy.OpsBoundaryName)}}
}

// attacks are the routes of issue 9, each a regression test, and the
// positive controls that show OpsR keeps its power.
var attacks = []attack{
	{route: "groups: create", action: "iam:CreateGroup", resource: probeGroup},
	{route: "groups: create under the ops path", action: "iam:CreateGroup", resource: "arn:aws:iam::%[1]s:group/infra/ops/attacker"},
	{route: "groups: attach AdministratorAccess", action: "iam:AttachGroupPolicy", resource: probeGroup},
	{route: "groups: add ci-dev to one's own group", action: "iam:AddUserToGroup", resource: probeGroup},
	{route: "CDK trust: rewrite the execution role's trust", action: "iam:UpdateAssumeRolePolicy", resource: cdkExec},
	{route: "CDK trust: rewrite the deploy role's trust", action: "iam:UpdateAssumeRolePolicy", resource: cdkDeploy},
	{route: "CDK trust: attach a policy to the deploy role", action: "iam:AttachRolePolicy", resource: cdkDeploy},
	{route: "CDK trust: assume the deploy role", action: "sts:AssumeRole", resource: cdkDeploy},
	{route: "staging bucket: plant a template", action: "s3:PutObject", resource: stagingKey},
	{route: "staging bucket: delete a template", action: "s3:DeleteObject", resource: stagingKey},
	{route: "staging bucket: bucket policy", action: "s3:PutBucketPolicy", resource: "arn:aws:s3:::cdk-hnb659fds-assets-%[1]s-%[2]s"},
	{route: "container assets: push an image", action: "ecr:PutImage", resource: "arn:aws:ecr:%[2]s:%[1]s:repository/cdk-hnb659fds-container-assets-%[1]s-%[2]s"},
	{route: "bootstrap version parameter", action: "ssm:PutParameter", resource: "arn:aws:ssm:%[2]s:%[1]s:parameter/cdk-bootstrap/hnb659fds/version"},
	{route: "CDKToolkit stack, even under an ops role", action: "cloudformation:UpdateStack", resource: "arn:aws:cloudformation:%[2]s:%[1]s:stack/CDKToolkit/1",
		context: map[string][]string{"cloudformation:RoleArn": {opsRole}}},
	{route: "service role: update a stack under its own role", action: "cloudformation:UpdateStack", resource: appStack},
	{route: "service role: change set under the stack's role", action: "cloudformation:CreateChangeSet", resource: appStack},
	{route: "service role: delete a stack under its role", action: "cloudformation:DeleteStack", resource: appStack},
	{route: "service role: name the execution role", action: "cloudformation:UpdateStack", resource: appStack,
		context: map[string][]string{"cloudformation:RoleArn": {cdkExec}}},
	{route: "service role: stack set instances", action: "cloudformation:CreateStackInstances", resource: "arn:aws:cloudformation:%[2]s:%[1]s:stackset/admin:1"},
	{route: "guardrails: a created role acts outside the regions", created: true, action: "ec2:RunInstances",
		resource: "arn:aws:ec2:" + otherRegion + ":%[1]s:instance/i-0123456789abcdef0", context: map[string][]string{"aws:RequestedRegion": {otherRegion}}},
	{route: "guardrails: a created role deletes a database", created: true, prodOnly: true, action: "rds:DeleteDBInstance", resource: database},
	{route: "guardrails: a created role rewrites the CDK trust", created: true, action: "iam:UpdateAssumeRolePolicy", resource: cdkExec},
	{route: "guardrails: OpsR creates a user with keys", action: "iam:CreateUser", resource: "arn:aws:iam::%[1]s:user/infra/ops/bot"},
	{route: "extra: rewrite OrganizationAccountAccessRole's trust", action: "iam:UpdateAssumeRolePolicy", resource: "arn:aws:iam::%[1]s:role/OrganizationAccountAccessRole"},
	{route: "extra: pass an unmanaged admin role", action: "iam:PassRole", resource: "arn:aws:iam::%[1]s:role/unmanaged-admin"},
	{route: "extra: keys for an unmanaged admin user", action: "iam:CreateAccessKey", resource: "arn:aws:iam::%[1]s:user/unmanaged-admin"},
	{route: "extra: a console password for an unmanaged admin user", action: "iam:CreateLoginProfile", resource: "arn:aws:iam::%[1]s:user/unmanaged-admin"},
	{route: "extra: a new version of a policy outside the ops path", action: "iam:CreatePolicyVersion", resource: "arn:aws:iam::%[1]s:policy/legacy-admin"},
	{route: "extra: change iamstack's stack, even under an ops role", action: "cloudformation:UpdateStack", resource: "arn:aws:cloudformation:%[2]s:%[1]s:stack/infra/1",
		context: map[string][]string{"cloudformation:RoleArn": {opsRole}}},
	{route: "extra: an identity provider", action: "iam:CreateOpenIDConnectProvider", resource: "arn:aws:iam::%[1]s:oidc-provider/token.actions.githubusercontent.com"},
	{route: "extra: leave the organization", action: "organizations:LeaveOrganization", resource: "*"},
	{route: "extra: delete automated instance backups", prodOnly: true, action: "rds:DeleteDBInstanceAutomatedBackup",
		resource: "arn:aws:rds:%[2]s:%[1]s:auto-backup:ab-0123456789abcdefghijklmnopq"},
	{route: "extra: delete automated cluster backups", prodOnly: true, action: "rds:DeleteDBClusterAutomatedBackup",
		resource: "arn:aws:rds:%[2]s:%[1]s:cluster-auto-backup:cab-0123456789abcdefghijklmnop"},
	{route: "extra: switch deletion protection off", prodOnly: true, action: "rds:ModifyDBInstance", resource: database},
	{route: "extra: switch cluster protection off", prodOnly: true, action: "rds:ModifyDBCluster", resource: "arn:aws:rds:%[2]s:%[1]s:cluster:orders"},

	// Issue 26: credentials are a class of their own; STS gives OpsR its
	// own roles' sessions only; every stack iamstack creates is
	// read-only, under any name; CloudFormation's account settings stay.
	{route: "credentials: read a first password", action: "secretsmanager:GetSecretValue", resource: firstPassword},
	{route: "credentials: open a first password to another account", action: "secretsmanager:PutResourcePolicy", resource: firstPassword},
	{route: "credentials: overwrite a first password", action: "secretsmanager:PutSecretValue", resource: firstPassword},
	{route: "credentials: a created role reads a first password", created: true, action: "secretsmanager:GetSecretValue", resource: firstPassword},
	{route: "credentials: a console password for a person", action: "iam:CreateLoginProfile", resource: person},
	{route: "credentials: reset a person's password", action: "iam:UpdateLoginProfile", resource: person},
	{route: "credentials: an MFA device for a person", action: "iam:EnableMFADevice", resource: person},
	{route: "credentials: delete a person's MFA device", action: "iam:DeleteVirtualMFADevice", resource: "arn:aws:iam::%[1]s:mfa/alice.martin"},
	{route: "credentials: keys for a person", action: "iam:CreateAccessKey", resource: person},
	{route: "credentials: a created role gives a person keys", created: true, action: "iam:CreateAccessKey", resource: person},
	{route: "credentials: tag a person with a grant", action: "iam:TagUser", resource: person},
	{route: "sts: a root session in a member account", action: "sts:AssumeRoot", resource: "arn:aws:iam::444444444444:root",
		context: map[string][]string{"sts:TaskPolicyArn": {"arn:aws:iam::aws:policy/root-task/IAMCreateRootUserPassword"}}},
	{route: "sts: a created role takes a root session", created: true, action: "sts:AssumeRoot", resource: "arn:aws:iam::444444444444:root",
		context: map[string][]string{"sts:TaskPolicyArn": {"arn:aws:iam::aws:policy/root-task/IAMCreateRootUserPassword"}}},
	{route: "sts: a federation token", action: "sts:GetFederationToken", resource: "arn:aws:sts::%[1]s:federated-user/attacker"},
	{route: "sts: a web identity token", action: "sts:GetWebIdentityToken", resource: "*"},
	{route: "sts: a role of another account", action: "sts:AssumeRole", resource: "arn:aws:iam::444444444444:role/admin"},
	{route: "stacks: a stack policy on the StackSet instance stack", action: "cloudformation:SetStackPolicy", resource: stackSetInstance},
	{route: "stacks: update the StackSet instance stack under an ops role", action: "cloudformation:UpdateStack", resource: stackSetInstance,
		context: map[string][]string{"cloudformation:RoleArn": {opsRole}}},
	{route: "stacks: delete the StackSet instance stack under an ops role", action: "cloudformation:DeleteStack", resource: stackSetInstance,
		context: map[string][]string{"cloudformation:RoleArn": {opsRole}}},
	{route: "stacks: termination protection of iamstack's stack", action: "cloudformation:UpdateTerminationProtection", resource: "arn:aws:cloudformation:%[2]s:%[1]s:stack/infra/1"},
	{route: "stacks: a stack refactor", action: "cloudformation:CreateStackRefactor", resource: "*"},
	{route: "stacks: execute a stack refactor", action: "cloudformation:ExecuteStackRefactor", resource: "*"},
	{route: "settings: stop every StackSet", action: "cloudformation:DeactivateOrganizationsAccess", resource: "*"},
	{route: "settings: activate a hook", action: "cloudformation:ActivateType", resource: "*"},
	{route: "settings: configure a hook", action: "cloudformation:SetTypeConfiguration", resource: "*"},
	{route: "Identity Center: rewrite the SAML provider its roles trust", action: "iam:UpdateSAMLProvider", resource: "arn:aws:iam::%[1]s:saml-provider/AWSSSO_0123456789ABCDEF_DO_NOT_DELETE"},
	{route: "Identity Center: delete the SAML provider", action: "iam:DeleteSAMLProvider", resource: "arn:aws:iam::%[1]s:saml-provider/AWSSSO_0123456789ABCDEF_DO_NOT_DELETE"},
	{route: "Identity Center: create a provider of its name", created: true, action: "iam:CreateSAMLProvider", resource: "arn:aws:iam::%[1]s:saml-provider/AWSSSO_FEDCBA9876543210_DO_NOT_DELETE"},

	{route: "control: create a role under the ops path with the boundary", allow: true, action: "iam:CreateRole", resource: opsRole},
	{route: "control: attach a policy to it", allow: true, action: "iam:AttachRolePolicy", resource: opsRole},
	{route: "control: pass it to a service", allow: true, action: "iam:PassRole", resource: opsRole},
	{route: "control: a service-linked role", allow: true, action: "iam:CreateServiceLinkedRole", resource: "arn:aws:iam::%[1]s:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"},
	{route: "control: update an application stack under an ops role", allow: true, action: "cloudformation:UpdateStack", resource: appStack,
		context: map[string][]string{"cloudformation:RoleArn": {opsRole}}},
	{route: "control: run instances in the home region", allow: true, action: "ec2:RunInstances", resource: instance},
	{route: "control: a created role runs instances in the home region", created: true, allow: true, action: "ec2:RunInstances", resource: instance},
}

// attackCases turns the attacks into requests for every OpsR of an
// inventory: from OpsR itself, or from a role it created.
func attackCases(name string, inv *assembly.Inventory) []case_ {
	var out []case_
	for _, r := range inv.Roles {
		if inv.RoleShortName(r) != "OpsR" {
			continue
		}
		prod := inv.Account(r.Account).Type == "prod"
		for _, a := range attacks {
			if a.prodOnly && !prod {
				continue
			}
			p := r
			if a.created {
				p = createdByOpsR(inv, r)
			}
			ctx := access.Context(p, p.Kind == "role")
			ctx["iam:PolicyARN"] = []string{adminPolicy}
			for k, v := range boundaryCtx(r.Account) {
				ctx[k] = v
			}
			for k, v := range a.context {
				ctx[k] = []string{arn(v[0], r.Account, r.Region)}
			}
			req := evaluate.Request{Principal: p.ARN, PrincipalAccount: p.Account, Action: a.action,
				Resource: arn(a.resource, r.Account, r.Region), ResourceAccount: r.Account, Context: ctx}
			ps := evaluate.Policies{Identity: p.Identity, Boundary: p.Boundary}
			if a.action == "sts:AssumeRole" {
				// The deploy role trusts its account: only OpsR's own policies can refuse.
				trust := policy.NewDocument(policy.Statement{Effect: policy.Allow, Actions: []string{"sts:AssumeRole"},
					Principal: policy.Principal{"AWS": {"arn:aws:iam::" + r.Account + ":root"}}})
				ps.Resource = &evaluate.Policy{Name: "deploy role trust", Document: trust}
			}
			out = append(out, case_{fmt.Sprintf("%s: %s in %s: %s (%s)", name, inv.RoleShortName(p), inv.Account(r.Account).Name, a.route, a.action), req, ps})
		}
	}
	return out
}

// createdByOpsR is a role OpsR created under its path, with the boundary
// it must carry and AdministratorAccess attached.
func createdByOpsR(inv *assembly.Inventory, ops assembly.Principal) assembly.Principal {
	arn := names.Scheme{Partition: "aws", Prefix: inv.Account(ops.Account).Prefix}.PolicyARN(ops.Account, policy.OpsBoundaryName)
	var boundary *evaluate.Policy
	for _, mp := range inv.ManagedPolicies {
		if mp.ARN == arn {
			boundary = &evaluate.Policy{Name: mp.Name, Document: mp.Document}
		}
	}
	if boundary == nil {
		panic("no OpsR boundary " + arn + " in the assembly")
	}
	return assembly.Principal{Kind: "role", Account: ops.Account, Name: "app", Path: "/infra/ops/", Region: ops.Region,
		ARN: "arn:aws:iam::" + ops.Account + ":role/infra/ops/app", Boundary: boundary, BoundaryARN: arn,
		Identity: []evaluate.Policy{{Name: "AdministratorAccess", Document: policy.NewDocument(policy.Statement{
			Effect: policy.Allow, Actions: []string{"*"}, Resources: []string{"*"}})}}}
}

// case_ is one request and the policies that decide it.
type case_ struct {
	what string
	req  evaluate.Request
	ps   evaluate.Policies
}
