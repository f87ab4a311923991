package access_test

import (
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
)

// beforeIssue26 are templates iamstack shipped before issue 26 closed four
// routes (testdata/before-issue26/README.md): never regenerated.
const beforeIssue26 = "testdata/before-issue26/"

// The analysis reports each of issue 26's four routes, with its chain, on
// the templates that had them: OpsR in the user-only account reading a
// person's first password; OpsR in the management account taking a root
// session in a member account; OpsR in an OU's account changing the
// StackSet instance stack that holds its own roles; a chained role that
// admits the caller under any session name. And beyond the routes it
// knows, every write of the catalog on the control plane: OpsR overwriting
// a first password, federating through STS, and the calls that name no
// resource but change the whole account.
func TestIssue26RoutesAreReported(t *testing.T) {
	cases := []struct {
		assembly string
		want     []string // each a finding's text start, and something its text holds
	}{
		{"routes", []string{
			"OpsR in identity can secretsmanager:GetSecretValue on first password of bob.nguyen (read a person's first password",
			"OpsR in identity can secretsmanager:CancelRotateSecret on first password of bob.nguyen (write to the account's control plane|secretsmanager:PutSecretValue",
			"OpsR in management can sts:AssumeRoot on root of identity (take a root session",
			"OpsR in management can sts:AssumeRoot on root of workloads (take a root session",
			"OpsR in management can sts:AssumeRoleWithSAML on root of shared (write to the account's control plane|sts:GetFederationToken",
			"OpsR in workloads can cloudformation:SetStackPolicy on stack StackSet-infra-workloads-00000000-0000-0000-0000-000000000000 (change iamstack's own stack|cloudformation:UpdateTerminationProtection",
			"ScannerR in shared can sts:AssumeRole on AuditR in workloads (assume a role under a session name of its choosing|as session someone-else",
			"ScannerR in shared can sts:AssumeRole on AuditR in identity (assume a role under a session name of its choosing",
			// Calls that name no resource, found from the catalog alone:
			// StackSets' access to the organization and the extension
			// registry, and STS's tokens.
			"OpsR in management can cloudformation:ActivateOrganizationsAccess on account management (change a setting of the whole account|cloudformation:DeactivateOrganizationsAccess",
			"OpsR in workloads can cloudformation:ActivateOrganizationsAccess on account workloads (change a setting of the whole account|cloudformation:ActivateType",
			"OpsR in identity can sts:DecodeAuthorizationMessage on account identity (change a setting of the whole account|sts:GetWebIdentityToken",
		}},
		{"security-hub", []string{
			"ScannerR in tooling can sts:AssumeRole on AuditR in dev (assume a role under a session name of its choosing",
			"ScannerR in tooling can sts:AssumeRole on AuditR in prod (assume a role under a session name of its choosing",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.assembly, func(t *testing.T) {
			inv, err := assembly.Read(beforeIssue26 + tc.assembly)
			if err != nil {
				t.Fatal(err)
			}
			open := openFindings(access.Analyze(inv))
			for _, w := range tc.want {
				start, holds, _ := strings.Cut(w, "|")
				if !containsFinding(open, start, holds) {
					t.Errorf("missing finding %q (holding %q) in:\n%s", start, holds, strings.Join(open, "\n"))
				}
			}
		})
	}
}

// The golden example's templates carry none of these findings, and neither
// does a template of OpsR weakened only by the four routes' openings being
// closed: the findings come from the routes, not from OpsR's existence.
func TestIssue26RoutesClosedOnTheExample(t *testing.T) {
	_, rep := goldenReport(t)
	for _, f := range rep.Findings {
		for _, m := range []string{"first password", "root session", "iamstack's own stack", "session name of its choosing", "control plane", "whole account"} {
			if strings.Contains(f.Method, m) {
				t.Errorf("finding on today's templates: %s", f)
			}
		}
	}
}

func containsFinding(findings []string, start, holds string) bool {
	for _, f := range findings {
		if strings.HasPrefix(f, start) && strings.Contains(f, holds) {
			return true
		}
	}
	return false
}

// openFindings are the report's findings iamstack does not accept by
// design, as text.
func openFindings(rep access.Report) []string {
	var out []string
	for _, f := range rep.Findings {
		if f.ByDesign == "" {
			out = append(out, f.String())
		}
	}
	return out
}
