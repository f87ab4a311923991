package access

import (
	"maps"
	"slices"
	"strings"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/catalog"
	"github.com/iamstack/iamstack/internal/policy"
)

// Class is what a principal may do, by access level and by risk, as
// cloudsplaining groups it: every action of the IAM catalog that an Allow of
// its identity policies (and its boundary) names, on some resource, and no
// unconditional Deny on every resource takes away. It counts what the
// policies make possible; which resources, and under which conditions, is
// the escalation analysis's and the matrix's business.
type Class struct {
	Principal string `json:"principal"`
	// Levels counts the actions by access level: List, Read, Write,
	// Permissions management, Tagging.
	Levels map[string]int `json:"levels"`
	// Risks lists, by risk, the actions that carry it.
	Risks map[string][]string `json:"risks"`
}

// The risks, as cloudsplaining names them.
const (
	RiskPrivilegeEscalation        = "privilege escalation"
	RiskResourceExposure           = "resource exposure"
	RiskCredentialsExposure        = "credentials exposure"
	RiskDataExfiltration           = "data exfiltration"
	RiskInfrastructureModification = "infrastructure modification"
)

// credentialsExposure are the actions that return credentials
// (cloudsplaining's list).
var credentialsExposure = []string{
	"chime:CreateApiKey", "codepipeline:PollForJobs", "cognito-identity:GetCredentialsForIdentity",
	"cognito-identity:GetOpenIdToken", "cognito-identity:GetOpenIdTokenForDeveloperIdentity", "connect:GetFederationToken",
	"ec2:GetPasswordData", "ecr:GetAuthorizationToken", "gamelift:RequestUploadCredentials", "iam:CreateAccessKey",
	"iam:CreateLoginProfile", "iam:CreateServiceSpecificCredential", "iam:ResetServiceSpecificCredential",
	"iam:UpdateAccessKey", "lightsail:GetInstanceAccessDetails", "lightsail:GetRelationalDatabaseMasterUserPassword",
	"rds-db:connect", "redshift:GetClusterCredentials", "sso:GetRoleCredentials", "sts:AssumeRole",
	"sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity", "sts:GetFederationToken", "sts:GetSessionToken",
}

// dataExfiltration are the actions that read data out (cloudsplaining's
// list).
var dataExfiltration = []string{"s3:GetObject", "secretsmanager:GetSecretValue", "ssm:GetParameter", "ssm:GetParameters",
	"ssm:GetParametersByPath"}

// Classify classifies what a principal may do.
func Classify(inv *assembly.Inventory, p assembly.Principal) Class {
	cat := catalog.Get()
	allowed := map[string]bool{} // "service:Action"
	for _, pol := range p.Identity {
		for _, s := range pol.Document.Statements {
			if s.Effect == policy.Allow {
				for a := range expand(cat, s) {
					allowed[a] = true
				}
			}
		}
	}
	if p.Boundary != nil {
		bounded := map[string]bool{}
		for _, s := range p.Boundary.Document.Statements {
			if s.Effect == policy.Allow {
				for a := range expand(cat, s) {
					bounded[a] = true
				}
			}
		}
		for a := range allowed {
			if !bounded[a] {
				delete(allowed, a)
			}
		}
	}
	policies := p.Identity
	if p.Boundary != nil {
		policies = append(slices.Clip(policies), *p.Boundary)
	}
	for _, pol := range policies {
		for _, s := range pol.Document.Statements {
			if s.Effect == policy.Deny && len(s.Conditions) == 0 && slices.Contains(s.Resources, "*") {
				for a := range expand(cat, s) {
					delete(allowed, a)
				}
			}
		}
	}
	c := Class{Principal: display(inv, p), Levels: map[string]int{}, Risks: map[string][]string{}}
	for _, a := range slices.Sorted(maps.Keys(allowed)) {
		svc, name, _ := strings.Cut(a, ":")
		level := catalog.Level(cat.Services[svc].Actions[name])
		c.Levels[level]++
		risk := func(r string) { c.Risks[r] = append(c.Risks[r], a) }
		if slices.ContainsFunc(methods[:], func(m struct{ method, action, target string }) bool { return strings.EqualFold(m.action, a) }) ||
			strings.EqualFold(a, "iam:PassRole") {
			risk(RiskPrivilegeEscalation)
		}
		if level == "Permissions management" {
			risk(RiskResourceExposure)
		}
		if slices.ContainsFunc(credentialsExposure, func(x string) bool { return strings.EqualFold(x, a) }) {
			risk(RiskCredentialsExposure)
		}
		if slices.ContainsFunc(dataExfiltration, func(x string) bool { return strings.EqualFold(x, a) }) {
			risk(RiskDataExfiltration)
		}
		if level == "Write" || level == "Tagging" || level == "Permissions management" {
			risk(RiskInfrastructureModification)
		}
	}
	return c
}

// expand yields the catalog actions a statement's Action or NotAction
// names.
func expand(cat *catalog.Data, s policy.Statement) func(func(string) bool) {
	return func(yield func(string) bool) {
		each := func(svc string, pattern string) bool {
			for _, a := range cat.MatchActions(svc, pattern) {
				if !yield(svc + ":" + a) {
					return false
				}
			}
			return true
		}
		if len(s.Actions) > 0 {
			for _, pattern := range s.Actions {
				if pattern == "*" {
					for _, svc := range cat.ServiceNames() {
						if !each(svc, "*") {
							return
						}
					}
					continue
				}
				svc, name, _ := strings.Cut(pattern, ":")
				if !each(strings.ToLower(svc), name) {
					return
				}
			}
			return
		}
		// NotAction: every action none of its patterns names.
		for _, svc := range cat.ServiceNames() {
			for _, a := range cat.Actions(svc) {
				full := svc + ":" + a
				if slices.ContainsFunc(s.NotActions, func(p string) bool { return policy.GlobFold(p, full) }) {
					continue
				}
				if !yield(full) {
					return
				}
			}
		}
	}
}
