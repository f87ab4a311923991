package assembly

import (
	"github.com/iamstack/iamstack/internal/analyze/evaluate"
	"github.com/iamstack/iamstack/internal/metadata"
)

// Standing is a standing resource of an account (metadata.Standing) with
// the account it stands in.
type Standing struct {
	metadata.Standing
	Account string
}

// StandingPrincipal is the principal of a standing role or user in an
// account and region, with its policies as documents. AWS managed policies
// the analysis has no document for are returned in unknown.
func StandingPrincipal(s Standing, partition, region string) (p Principal, unknown []string) {
	path := s.Path
	if path == "" {
		path = "/"
	}
	p = Principal{Kind: s.Kind, Account: s.Account, Name: s.Name, Path: path, Region: region, Tags: map[string]string{},
		ARN: "arn:" + partition + ":iam::" + s.Account + ":" + s.Kind + path + s.Name, MaxSessionSeconds: 3600}
	for _, arn := range s.ManagedPolicyArns {
		doc, ok := awsManaged(arn)
		if !ok {
			unknown = append(unknown, arn)
			continue
		}
		p.Identity = append(p.Identity, evaluate.Policy{Name: arn, Document: doc})
	}
	if s.Policy != nil {
		p.Identity = append(p.Identity, evaluate.Policy{Name: s.Name + " policy", Document: *s.Policy})
	}
	if s.Trust != nil {
		p.Trust = evaluate.NewPolicy(s.Name+" trust", *s.Trust)
	}
	return p, unknown
}
