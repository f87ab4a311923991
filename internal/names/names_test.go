package names_test

import (
	"slices"
	"testing"

	"github.com/iamstack/iamstack/internal/names"
)

func TestGivenNames(t *testing.T) {
	plain := names.Scheme{Partition: "aws", Prefix: "infra"}
	given := plain
	given.Given = names.Given{
		Roles:  map[string]names.RoleName{"AdminR": {Name: "admin", Path: "/legacy/"}, "ReadR": {Name: "infra-Reader"}},
		Groups: map[string]string{names.AssumeRoleGroup: "assume-role"},
		UserPaths: map[names.UserKey]string{{Account: "111111111111", User: "alice"}: "/people/",
			{Account: "111111111111", User: "legacy-ci"}: "/people/"},
		PathsIn:     map[string][]string{"111111111111": {"/infra-cicd/", "/infra/", "/people/"}},
		PeoplePaths: []string{"/infra/", "/people/"},
		Machines: map[names.UserKey]bool{{Account: "111111111111", User: "ci"}: true,
			{Account: "111111111111", User: "legacy-ci"}: true, {Account: "222222222222", User: "ci"}: true},
		MachinesIn: map[string][]string{"111111111111": {"ci", "legacy-ci"}, "222222222222": {"ci"}},
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
		// A CI/CD user is beside the people's path, not under it.
		{given.UserARN("111111111111", "ci"), "arn:aws:iam::111111111111:user/infra-cicd/ci"},
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
	// The human trusts admit people's paths; a machine a model keeps there
	// is excluded by name, and only such a machine.
	if got, want := given.PeopleARNPatterns("111111111111"), []string{
		"arn:aws:iam::111111111111:user/infra/*", "arn:aws:iam::111111111111:user/people/*",
	}; !slices.Equal(got, want) {
		t.Errorf("PeopleARNPatterns = %v, want %v", got, want)
	}
	if got, want := given.MachinesAmongPeople("111111111111"), []string{"arn:aws:iam::111111111111:user/people/legacy-ci"}; !slices.Equal(got, want) {
		t.Errorf("MachinesAmongPeople = %v, want %v", got, want)
	}
	// The guard lists what no prefix pattern covers, and only that.
	if got, want := given.IdentityARNPatterns("111111111111"), []string{
		"arn:aws:iam::111111111111:role/infra-*",
		"arn:aws:iam::111111111111:role/legacy/admin",
		"arn:aws:iam::111111111111:group/infra-*",
		"arn:aws:iam::111111111111:group/assume-role",
		"arn:aws:iam::111111111111:group/assume-role-*",
		"arn:aws:iam::111111111111:policy/infra-*",
		"arn:aws:iam::111111111111:user/infra-cicd/*",
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
