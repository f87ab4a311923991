package names_test

import (
	"slices"
	"testing"

	"github.com/iamstack/iamstack/internal/build/names"
)

func TestGivenNames(t *testing.T) {
	plain := names.Scheme{Partition: "aws", Prefix: "infra"}
	given := plain
	given.Given = names.Given{
		Roles:     map[string]names.RoleName{"AdminR": {Name: "admin", Path: "/legacy/"}, "ReadR": {Name: "infra-Reader"}},
		Groups:    map[string]string{names.AssumeRoleGroup: "assume-role"},
		UserPaths: map[names.UserKey]string{{Account: "111111111111", User: "alice"}: "/people/"},
		PathsIn:   map[string][]string{"111111111111": {"/infra/", "/people/"}},
	}
	for _, c := range []struct{ got, want string }{
		{plain.RoleARN("222222222222", "AdminR"), "arn:aws:iam::222222222222:role/infra-AdminR"},
		{given.RoleARN("222222222222", "AdminR"), "arn:aws:iam::222222222222:role/legacy/admin"},
		{given.RoleARN("222222222222", "OpsR"), "arn:aws:iam::222222222222:role/infra-OpsR"},
		{given.Group(names.AssumeRoleGroup), "assume-role"},
		{given.Group(names.PowerGroup), "infra-PowerG"},
		{given.UserARN("111111111111", "alice"), "arn:aws:iam::111111111111:user/people/alice"},
		{given.UserARN("111111111111", "bob"), "arn:aws:iam::111111111111:user/infra/bob"},
		// The same name in another account is another user.
		{given.UserARN("222222222222", "alice"), "arn:aws:iam::222222222222:user/infra/alice"},
	} {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
	if got, want := given.SelfUserARNs("111111111111"), []string{
		"arn:aws:iam::111111111111:user/infra/${aws:username}", "arn:aws:iam::111111111111:user/people/${aws:username}",
	}; !slices.Equal(got, want) {
		t.Errorf("SelfUserARNs = %v, want %v", got, want)
	}
	// The guard lists what no prefix pattern covers, and only that.
	if got, want := given.IdentityARNPatterns("111111111111"), []string{
		"arn:aws:iam::111111111111:role/infra-*",
		"arn:aws:iam::111111111111:role/legacy/admin",
		"arn:aws:iam::111111111111:group/infra-*",
		"arn:aws:iam::111111111111:group/assume-role",
		"arn:aws:iam::111111111111:group/assume-role-*",
		"arn:aws:iam::111111111111:policy/infra-*",
		"arn:aws:iam::111111111111:user/infra/*",
		"arn:aws:iam::111111111111:user/people/*",
	}; !slices.Equal(got, want) {
		t.Errorf("IdentityARNPatterns =\n%q\nwant\n%q", got, want)
	}
	if got, want := plain.IdentityARNPatterns("1"), []string{"arn:aws:iam::1:role/infra-*", "arn:aws:iam::1:group/infra-*",
		"arn:aws:iam::1:policy/infra-*", "arn:aws:iam::1:user/infra/*"}; !slices.Equal(got, want) {
		t.Errorf("IdentityARNPatterns without given names = %q, want %q", got, want)
	}
}
