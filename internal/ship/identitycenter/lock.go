// Package identitycenter is what iamstack asks a live IAM Identity Center
// instance: the identity store IDs of an external directory's groups and
// people, which `iamstack identity-center lock` commits beside the model
// (synthesis stays offline), and whether a deployed instance holds exactly
// the assignments and memberships a release's templates say
// (`iamstack identity-center verify`). It calls AWS through the AWS SDK
// for Go v2, behind small interfaces that the tests fake or point at moto.
package identitycenter

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/types"

	"github.com/iamstack/iamstack/model"
)

// Directory looks up an identity store's groups and users by the unique
// attributes Identity Center keeps for them. An ID is "" when there is none.
type Directory interface {
	GroupID(ctx context.Context, store, displayName string) (string, error)
	UserID(ctx context.Context, store, userName string) (string, error)
}

// Lock asks the directory for the ID of every group and person of the
// model that signs in through Identity Center, and returns them as the lock
// file holds them. Every one must exist: the identity provider provisions
// them, and an assignment to a principal that does not exist fails.
func Lock(ctx context.Context, dir Directory, m *model.Model) (model.Lock, error) {
	ic, ok := m.IdentityCenter()
	if !ok {
		return model.Lock{}, errors.New("the model has no identityCenter section")
	}
	l := model.Lock{IdentityStoreID: ic.IdentityStoreID, Groups: map[string]string{}, Users: map[string]string{}}
	var missing []string
	people := m.IdentityCenterUserNames()
	for _, t := range m.IdentityCenterTeams() {
		name := m.TeamGroup(t)
		id, err := dir.GroupID(ctx, ic.IdentityStoreID, name)
		if err != nil {
			return model.Lock{}, fmt.Errorf("look up group %q: %w", name, err)
		}
		if id == "" {
			missing = append(missing, fmt.Sprintf("group %q (team %s)", name, t))
		}
		l.Groups[name] = id
	}
	for _, u := range people {
		name := m.IdentityCenterUserName(u)
		id, err := dir.UserID(ctx, ic.IdentityStoreID, name)
		if err != nil {
			return model.Lock{}, fmt.Errorf("look up user %q: %w", name, err)
		}
		if id == "" {
			missing = append(missing, fmt.Sprintf("user %q", name))
		}
		l.Users[name] = id
	}
	if len(missing) > 0 {
		return model.Lock{}, fmt.Errorf("identity store %s has no %s: the identity provider has not provisioned them (or the model names them otherwise: teams.<team>.group, users.<user>.identityCenterUserName); nothing written",
			ic.IdentityStoreID, strings.Join(missing, ", "))
	}
	return l, nil
}

// identityStore is the Directory of the AWS SDK's identity store client.
type identityStore struct{ c *identitystore.Client }

// NewDirectory is the Directory of an identity store, called with cfg.
func NewDirectory(cfg aws.Config) Directory { return identityStore{identitystore.NewFromConfig(cfg)} }

func (s identityStore) GroupID(ctx context.Context, store, displayName string) (string, error) {
	out, err := s.c.GetGroupId(ctx, &identitystore.GetGroupIdInput{IdentityStoreId: aws.String(store),
		AlternateIdentifier: unique("displayName", displayName)})
	if err != nil {
		return notFound(err)
	}
	return aws.ToString(out.GroupId), nil
}

func (s identityStore) UserID(ctx context.Context, store, userName string) (string, error) {
	out, err := s.c.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: aws.String(store),
		AlternateIdentifier: unique("userName", userName)})
	if err != nil {
		return notFound(err)
	}
	return aws.ToString(out.UserId), nil
}

func unique(path, value string) types.AlternateIdentifier {
	return &types.AlternateIdentifierMemberUniqueAttribute{Value: types.UniqueAttribute{
		AttributePath: aws.String(path), AttributeValue: document.NewLazyDocument(value)}}
}

// notFound turns the identity store's "no such principal" into "".
func notFound(err error) (string, error) {
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		return "", nil
	}
	return "", err
}
