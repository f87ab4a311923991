package adopt_test

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/analyze/adopt"
)

const golden = "../../../testdata/golden"

func listing(t *testing.T, file string) *adopt.Listing {
	t.Helper()
	l, err := adopt.ReadListingFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestReadListing(t *testing.T) {
	l := listing(t, "identity.json")
	if l.Account != "111111111111" || l.Partition != "aws" {
		t.Errorf("account %s partition %s", l.Account, l.Partition)
	}
	if e, ok := l.Lookup(adopt.User, "frank.osei"); !ok || e.Name != "Frank.Osei" {
		t.Errorf("IAM names are unique regardless of case: lookup gave %+v %v", e, ok)
	}
	if _, ok := l.Lookup(adopt.Policy, "AdministratorAccess"); ok {
		t.Error("an AWS managed policy is listed as the account's own")
	}
	for _, c := range []struct{ data, want string }{
		{`{"UserDetailList": [{"UserName": "a", "Path": "/", "Arn": "arn:aws:iam::111111111111:user/a"},
		   {"UserName": "b", "Path": "/", "Arn": "arn:aws:iam::222222222222:user/b"}]}`, "list one account per file"},
		{`{"Users": []}`, "not the output of `aws iam get-account-authorization-details`"},
		{`[1, 2]`, "not the JSON output"},
		{`{"RoleDetailList": [{"RoleName": "r", "Arn": "r"}]}`, `"r" is not an IAM ARN`},
	} {
		if _, err := adopt.ReadListing([]byte(c.data)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.data, err, c.want)
		}
	}
}

func TestPlan(t *testing.T) {
	a, err := adopt.Plan(golden, []*adopt.Listing{listing(t, "identity.json"), listing(t, "dev.json")})
	if err != nil {
		t.Fatal(err)
	}
	var imports []string
	for _, im := range a.Imports {
		imports = append(imports, im.Stack+"/"+im.LogicalID+" "+im.Kind+" "+im.Name)
	}
	if want := []string{
		"infra-dev/RoleAdminR role infra-AdminR",
		"infra-dev/RoleReadR role infra-ReadR",
		"infra-identity/UserAliceMartin048B73D4 user alice.martin",
		"infra-identity/UserDanOkafor7355838A user dan.okafor",
		"infra-identity/UserFrankOsei06878ADF user frank.osei",
	}; !slices.Equal(imports, want) {
		t.Errorf("imports\n%q\nwant\n%q", imports, want)
	}
	var blocking, notes []string
	for _, f := range a.Findings {
		if f.Blocking {
			blocking = append(blocking, f.String())
		} else {
			notes = append(notes, f.String())
		}
	}
	for _, want := range []string{
		"role infra-ReadR (RoleReadR in stack infra-dev): IAM has it under path /legacy/, the template under /: a role's path cannot change in place",
		"user alice.martin (UserAliceMartin048B73D4 in stack infra-identity): the template gives them a first password",
		`user frank.osei (UserFrankOsei06878ADF in stack infra-identity): IAM has it as "Frank.Osei"`,
	} {
		if !slices.ContainsFunc(blocking, func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("blocking findings lack %q:\n%s", want, strings.Join(blocking, "\n"))
		}
	}
	if len(blocking) != 3 {
		t.Errorf("%d blocking findings, want 3:\n%s", len(blocking), strings.Join(blocking, "\n"))
	}
	for _, want := range []string{
		"user alice.martin (UserAliceMartin048B73D4 in stack infra-identity): IAM has it under path /, the template under /infra/: the deploy after the import moves it in place",
		"user alice.martin (UserAliceMartin048B73D4 in stack infra-identity): IAM has it in groups admins",
		"user alice.martin (UserAliceMartin048B73D4 in stack infra-identity): IAM has the inline policies legacy-s3",
		"user frank.osei (UserFrankOsei06878ADF in stack infra-identity): IAM has the managed policies ReadOnlyAccess attached, which the template does not attach",
	} {
		if !slices.ContainsFunc(notes, func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("notes lack %q:\n%s", want, strings.Join(notes, "\n"))
		}
	}
	// AdminR's template attaches AdministratorAccess, as IAM has it: no
	// note (one said the template attaches only its own).
	if slices.ContainsFunc(notes, func(s string) bool {
		return strings.Contains(s, "infra-AdminR") && strings.Contains(s, "managed policies")
	}) {
		t.Errorf("a note on a policy the template attaches:\n%s", strings.Join(notes, "\n"))
	}
	// Accounts without a listing are left out; the rest is new.
	for _, r := range a.New {
		if r.Stack == "infra-prod" {
			t.Errorf("prod has no listing, yet %s is planned", r.LogicalID)
		}
	}
}

// The import phase holds only what is imported, retained, and nothing that
// names a resource the stack does not hold yet; each stack's mapping is the
// file `cdk import --resource-mapping` reads.
func TestWrite(t *testing.T) {
	a, err := adopt.Plan(golden, []*adopt.Listing{listing(t, "identity.json"), listing(t, "dev.json")})
	if err != nil {
		t.Fatal(err)
	}
	// Settle the blocking findings as the user would, by leaving those out.
	var ok []adopt.Import
	for _, im := range a.Imports {
		if im.LogicalID != "RoleReadR" && im.LogicalID != "UserAliceMartin048B73D4" && im.LogicalID != "UserFrankOsei06878ADF" {
			ok = append(ok, im)
		}
	}
	a.Imports = ok
	out := filepath.Join(t.TempDir(), "cdk.adopt")
	if err := adopt.Write(golden, out, a); err != nil {
		t.Fatal(err)
	}
	read := func(file string, v any) {
		b, err := os.ReadFile(filepath.Join(out, file))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	var mapping map[string]map[string]string
	read(adopt.MappingFile("infra-identity"), &mapping)
	if want := map[string]string{"UserName": "dan.okafor"}; len(mapping) != 1 || !maps.Equal(mapping["UserDanOkafor7355838A"], want) {
		t.Errorf("identity mapping %v", mapping)
	}
	var tpl struct {
		Resources map[string]struct {
			DeletionPolicy, UpdateReplacePolicy string
			Properties                          map[string]any
		}
		Parameters map[string]any
	}
	read("infra-identity.template.json", &tpl)
	if len(tpl.Resources) != 1 {
		t.Fatalf("the import phase holds %d resources, want the one imported", len(tpl.Resources))
	}
	dan := tpl.Resources["UserDanOkafor7355838A"]
	if dan.DeletionPolicy != "Retain" || dan.UpdateReplacePolicy != "Retain" {
		t.Errorf("an imported resource must be retained: %+v", dan)
	}
	if _, ok := dan.Properties["Groups"]; ok {
		t.Errorf("the import phase names groups it does not hold: %v", dan.Properties["Groups"])
	}
	if dan.Properties["UserName"] != "dan.okafor" || dan.Properties["Path"] != "/infra/" || dan.Properties["Tags"] == nil {
		t.Errorf("the import phase lost literal properties: %v", dan.Properties)
	}
	if tpl.Parameters["BootstrapVersion"] == nil {
		t.Error("the import phase lost the template's parameters")
	}
	read("infra-dev.template.json", &tpl)
	admin := tpl.Resources["RoleAdminR"].Properties
	arns, _ := admin["ManagedPolicyArns"].([]any)
	if len(arns) != 1 || arns[0] != "arn:aws:iam::aws:policy/AdministratorAccess" {
		t.Errorf("AdminR's policies in the import phase: %v; want the AWS managed one, without the guardrails it does not hold yet", arns)
	}
	// A stack without imports is copied as it is.
	want, _ := os.ReadFile(filepath.Join(golden, "infra-prod.template.json"))
	got, _ := os.ReadFile(filepath.Join(out, "infra-prod.template.json"))
	if string(want) != string(got) {
		t.Error("the prod template changed though nothing is imported there")
	}
	if err := adopt.Write(golden, golden, a); err == nil {
		t.Error("Write over its own input succeeded")
	}
}

// The check refuses a change that creates what exists, and only that.
func TestCollisions(t *testing.T) {
	ls := []*adopt.Listing{listing(t, "identity.json"), listing(t, "dev.json")}
	found, err := adopt.Collisions(golden, "", ls)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range found {
		got = append(got, f.Stack+"/"+f.LogicalID)
		if !strings.Contains(f.Message, "already exists in account") || !f.Blocking {
			t.Errorf("finding %s", f)
		}
	}
	if want := []string{"infra-dev/RoleAdminR", "infra-dev/RoleReadR", "infra-identity/UserAliceMartin048B73D4",
		"infra-identity/UserDanOkafor7355838A", "infra-identity/UserFrankOsei06878ADF"}; !slices.Equal(got, want) {
		t.Errorf("collisions %v, want %v", got, want)
	}
	// A listing of an account the model does not deploy to is refused, not ignored.
	other, err := adopt.ReadListing([]byte(`{"UserDetailList": [{"UserName": "a", "Path": "/", "Arn": "arn:aws:iam::999999999999:user/a"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := adopt.Collisions(golden, "", []*adopt.Listing{other}); err == nil || !strings.Contains(err.Error(), "account 999999999999, where the model deploys no stack") {
		t.Errorf("collisions with a foreign listing: %v", err)
	}
	if _, err := adopt.Plan(golden, []*adopt.Listing{other}); err == nil {
		t.Error("adopt planned with a listing of a foreign account")
	}
	// Against a base that holds them, the change creates nothing.
	if found, err := adopt.Collisions(golden, golden, ls); err != nil || len(found) != 0 {
		t.Errorf("collisions against the base itself: %v %v", found, err)
	}
}

// A role whose template keeps the inline policy IAM has (a model's
// inlinePolicies) gets no note for it; one the template leaves out does.
func TestInlinePoliciesTheTemplateKeeps(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("manifest.json", `{"artifacts": {"infra-prod": {"type": "aws:cloudformation:stack",
		"environment": "aws://333333333333/eu-west-1", "properties": {"templateFile": "infra-prod.template.json"}}}}`)
	write("infra-prod.template.json", `{"Resources": {"RoleReportsR": {"Type": "AWS::IAM::Role", "Properties": {
		"RoleName": "infra-ReportsR", "AssumeRolePolicyDocument": {},
		"Policies": [{"PolicyName": "reports-read", "PolicyDocument": {}}]}}}}`)
	write("prod.json", `{"RoleDetailList": [{"RoleName": "infra-ReportsR", "Path": "/", "Arn": "arn:aws:iam::333333333333:role/infra-ReportsR",
		"RolePolicyList": [{"PolicyName": "reports-read"}, {"PolicyName": "scratch"}]}]}`)
	l, err := adopt.ReadListingFile(filepath.Join(dir, "prod.json"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := adopt.Plan(dir, []*adopt.Listing{l})
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, f := range a.Findings {
		notes = append(notes, f.String())
	}
	want := "role infra-ReportsR (RoleReportsR in stack infra-prod): IAM has the inline policies scratch, which the template does not keep"
	if len(notes) != 1 || !strings.HasPrefix(notes[0], want) {
		t.Errorf("notes:\n%s\nwant one: %s", strings.Join(notes, "\n"), want)
	}
}
