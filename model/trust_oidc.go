package model

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/policy"
	"github.com/iamstack/iamstack/internal/rules"
)

// The trusts in tokens an OIDC issuer signs: GitHub Actions', and any
// other issuer's (an EKS cluster's, GitLab's, Terraform Cloud's). Each
// admits only the subjects the model names, for one audience, through the
// account's identity provider for the issuer.

// GitHubTrust admits GitHub Actions workflows whose token's subject is one
// of Subjects, through the account's OIDC provider for GitHub, which
// iamstack creates unless the model says it stands there already.
type GitHubTrust struct{ Subjects []string }

func (t GitHubTrust) key() string       { return "github" }
func (t GitHubTrust) principal() string { return "github " + strings.Join(t.Subjects, " ") }
func (t GitHubTrust) OIDCProvider() (issuer, audience string) {
	return names.GitHubOIDCHost, policy.GitHubAudience
}

func (t GitHubTrust) merge(other TrustEntry) (TrustEntry, bool) {
	o, ok := other.(GitHubTrust)
	if !ok {
		return nil, false
	}
	return GitHubTrust{Subjects: append(slices.Clip(t.Subjects), o.Subjects...)}, true
}

func (t GitHubTrust) check(v *validator, p path, role string, r Role) {
	for _, sub := range t.Subjects {
		if !strings.HasPrefix(sub, "repo:") || strings.Count(sub, ":") < 2 {
			v.at(p, "%q is not a GitHub OIDC subject such as repo:org/repo:ref:refs/heads/main or repo:org/repo:environment:prod", sub)
		} else if why := githubSubjectMistake(sub); why != "" {
			v.at(p, "%q never matches a GitHub token: %s", sub, why)
		} else {
			wildcard(v, p, role, r, sub, "repository, branch or environment")
		}
	}
}

// wildcard refuses a subject with a wildcard unless the role waives it.
func wildcard(v *validator, p path, role string, r Role, sub, what string) {
	if !strings.ContainsAny(sub, "*?") {
		return
	}
	if _, waived := r.Waivers[rules.OIDCWildcard]; !waived {
		v.at(p, "subject %q holds a wildcard: every %s it matches could assume %s. Name the subject exactly, or waive %s on the role with a reason", sub, what, role, rules.OIDCWildcard)
	}
}

// githubSubjectMistake says why a subject of the form repo:org/repo:... is
// not one GitHub writes, for the context keywords its claim grammar
// defines (environment, ref, pull_request; lower case), and "" otherwise:
// an organization's custom subject format may use other claims.
func githubSubjectMistake(sub string) string {
	parts := strings.SplitN(sub, ":", 4) // repo, org/repo, keyword, value
	if len(parts) < 3 {
		return ""
	}
	keyword := parts[2]
	for _, k := range []string{"environment", "ref", "pull_request"} {
		if strings.EqualFold(keyword, k) && keyword != k {
			return fmt.Sprintf("GitHub writes the keyword %q in lower case (repo:org/repo:%s:...)", k, k)
		}
	}
	if keyword == "ref" && len(parts) == 4 && !strings.HasPrefix(parts[3], "refs/") && !strings.ContainsAny(parts[3], "*?") {
		return fmt.Sprintf("a ref is a full git ref: ref:refs/heads/%s for a branch, ref:refs/tags/%s for a tag", parts[3], parts[3])
	}
	return ""
}

func (t GitHubTrust) Statements(m *Model, ctx TrustContext) []policy.Statement {
	return []policy.Statement{policy.GitHubTrust(ctx.Scheme, ctx.AccountID, t.Subjects)}
}

// OIDCTrust admits the holders of tokens another OIDC issuer signs whose
// audience is Audience and whose subject is one of Subjects.
type OIDCTrust struct {
	Issuer, Audience string
	Subjects         []string
}

// An issuer is a known kind's when its pattern matches: its tokens' subject
// follows the kind's grammar, and its audience may go unsaid.
type issuerKind struct {
	name     string
	issuer   *regexp.Regexp
	audience string // the default; "" when the model must give it
	subject  *regexp.Regexp
	example  string // a subject, for messages
	what     string // what a wildcard in a subject admits
}

var issuerKinds = []issuerKind{
	{name: "an EKS cluster", issuer: regexp.MustCompile(`^oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/id/[0-9A-Fa-f]+$`),
		audience: "sts.amazonaws.com",
		// Kubernetes names: a namespace is a DNS label, a service account a DNS subdomain.
		subject: regexp.MustCompile(`^system:serviceaccount:[a-z0-9*?]([-a-z0-9*?]{0,61}[a-z0-9*?])?:[a-z0-9*?]([-a-z0-9.*?]{0,251}[a-z0-9*?])?$`),
		example: "system:serviceaccount:<namespace>:<service account>", what: "namespace or service account"},
	{name: "GitLab", issuer: regexp.MustCompile(`^gitlab\.com$`),
		subject: regexp.MustCompile(`^project_path:[^:]+/[^:]+:ref_type:(branch|tag|\*):ref:.+$`),
		example: "project_path:<group>/<project>:ref_type:branch:ref:<branch>", what: "project, branch or tag"},
	{name: "Terraform Cloud", issuer: regexp.MustCompile(`^app\.terraform\.io$`), audience: "aws.workload.identity",
		subject: regexp.MustCompile(`^organization:[^:]+:project:[^:]+:workspace:[^:]+:run_phase:(plan|apply|\*)$`),
		example: "organization:<org>:project:<project>:workspace:<workspace>:run_phase:apply", what: "organization, project, workspace or run phase"},
}

func kindOfIssuer(issuer string) (issuerKind, bool) {
	for _, k := range issuerKinds {
		if k.issuer.MatchString(issuer) {
			return k, true
		}
	}
	return issuerKind{}, false
}

// issuerPattern is an issuer as IAM names its provider: a host, maybe a
// port and a path, no scheme and no trailing slash.
var issuerPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:[0-9]{1,5})?(/[A-Za-z0-9._~%-]+)*$`)

// maxIssuerLen and maxAudienceLen are IAM's limits on a provider's URL and
// client IDs.
const (
	maxIssuerLen   = 255
	maxAudienceLen = 255
)

// issuerProblem says what is wrong with an issuer, or "".
func issuerProblem(issuer string) string {
	switch {
	case strings.HasPrefix(issuer, "https://") || strings.HasPrefix(issuer, "http://"):
		return fmt.Sprintf("write the issuer without its scheme: %s", strings.TrimPrefix(strings.TrimPrefix(issuer, "http://"), "https://"))
	case strings.HasSuffix(issuer, "/"):
		return "write the issuer without a trailing slash: IAM names its provider and its claims so"
	case len(issuer) > maxIssuerLen || !issuerPattern.MatchString(issuer):
		return "an issuer is the host (and path) of its URL, such as oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE or gitlab.com, in lower case but for the path"
	}
	return ""
}

func (t OIDCTrust) key() string { return "oidc" }
func (t OIDCTrust) principal() string {
	return "oidc " + t.Issuer + " " + t.audience() + " " + strings.Join(t.Subjects, " ")
}
func (t OIDCTrust) OIDCProvider() (issuer, audience string) { return t.Issuer, t.audience() }

// audience is the model's, or the issuer kind's default.
func (t OIDCTrust) audience() string {
	if t.Audience != "" {
		return t.Audience
	}
	k, _ := kindOfIssuer(t.Issuer)
	return k.audience
}

func (t OIDCTrust) merge(other TrustEntry) (TrustEntry, bool) {
	o, ok := other.(OIDCTrust)
	if !ok || o.Issuer != t.Issuer || o.audience() != t.audience() {
		return nil, false
	}
	return OIDCTrust{Issuer: t.Issuer, Audience: t.Audience, Subjects: append(slices.Clip(t.Subjects), o.Subjects...)}, true
}

func (t OIDCTrust) check(v *validator, p path, role string, r Role) {
	entry := p[:len(p)-1]
	if t.Issuer == names.GitHubOIDCHost {
		v.at(p, "GitHub Actions' issuer has a kind of its own: write github: repo:org/repo:environment:prod, which checks the subject and creates the provider with GitHub's audience")
		return
	}
	if why := issuerProblem(t.Issuer); why != "" {
		v.at(p, "%q is not an OIDC issuer: %s", t.Issuer, why)
		return
	}
	kind, known := kindOfIssuer(t.Issuer)
	switch aud := t.audience(); {
	case aud == "":
		v.at(entry.key("audience"), "name the audience (aud) the issuer's tokens carry for AWS, as its configuration sets it: without one, a token minted for any other service would do")
	case len(aud) > maxAudienceLen || strings.ContainsAny(aud, "*?"):
		v.at(entry.key("audience"), "audience %q must be 1 to %d characters, without a wildcard", aud, maxAudienceLen)
	}
	for _, sub := range t.Subjects {
		switch {
		case sub == "":
			v.at(entry.key("subject"), "name the subject (sub) a token must carry: without one, every token the issuer signs for the audience could assume %s", role)
		case known && !kind.subject.MatchString(sub):
			v.at(entry.key("subject"), "%q never matches a token of %s, whose subject reads %s", sub, kind.name, kind.example)
		default:
			what := "subject"
			if known {
				what = kind.what
			}
			wildcard(v, entry.key("subject"), role, r, sub, what)
		}
	}
}

func (t OIDCTrust) Statements(m *Model, ctx TrustContext) []policy.Statement {
	st := policy.OIDCTrust(ctx.Scheme, ctx.AccountID, t.Issuer, t.audience(), t.Subjects)
	st.Sid = ctx.sid("OIDC" + sidSafe(t.Issuer))
	return []policy.Statement{st}
}
