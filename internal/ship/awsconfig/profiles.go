// Package awsconfig writes what a person needs on their laptop to use
// iamstack's roles, from the access matrix of the templates (only what the
// templates really grant): ~/.aws/config profiles for the AWS CLI,
// aws-vault, Granted's profile registry, or IAM Identity Center's
// sso-session form; a credentials template without secrets; the merge of a
// generated block into an existing config file between markers; and seed
// 002's aws-iam-bootstrap files (CONST.inc and ${VAR} templates).
package awsconfig

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/model"
)

// The formats a person's profiles are written in.
const (
	// FormatAWSCLI: an IAM user's access key in a source profile, and a
	// role profile per role with MFA and the user's name as session name.
	FormatAWSCLI = "aws-cli"
	// FormatAWSVault: FormatAWSCLI, with the source identity aws-vault
	// passes where a role's trust requires it.
	FormatAWSVault = "aws-vault"
	// FormatSSO: one [sso-session] for the Identity Center instance and a
	// profile per permission set and account the person is assigned.
	FormatSSO = "sso"
	// FormatGranted: what a Granted profile registry holds for a person:
	// FormatSSO for people who sign in through Identity Center (the
	// destination of a migration), FormatAWSCLI for the others.
	FormatGranted = "granted"
)

// Formats lists the formats, as --format takes them.
var Formats = []string{FormatAWSCLI, FormatAWSVault, FormatGranted, FormatSSO}

// Profile is one section of ~/.aws/config: [profile NAME], or
// [sso-session NAME] when Session is set.
type Profile struct {
	Name     string
	Session  bool
	Settings [][2]string // in the order they are written
}

// Get returns a setting's value.
func (p Profile) Get(key string) string {
	for _, kv := range p.Settings {
		if kv[0] == key {
			return kv[1]
		}
	}
	return ""
}

func (p Profile) header() string {
	if p.Session {
		return "[sso-session " + p.Name + "]"
	}
	return "[profile " + p.Name + "]"
}

// Profiles are a person's profiles in one format. For an IAM user the first
// holds their own credentials (the source profile), then one per role they
// may assume; for Identity Center, the sso-session, then one per
// permission set and account.
type Profiles struct {
	User   string
	Format string
	// Human is false for a CI/CD user.
	Human   bool
	Account assembly.Account // an IAM user's account
	List    []Profile
}

// SourceProfile is the name of the profile holding an IAM user's own
// access key; "" in the sso format.
func (ps Profiles) SourceProfile() string {
	if ps.Format == FormatSSO {
		return ""
	}
	return ps.List[0].Name
}

// FormatError is a format the person cannot use, naming those they can.
type FormatError struct{ msg string }

func (e *FormatError) Error() string { return e.msg }

func formatErrorf(format string, args ...any) error {
	return &FormatError{fmt.Sprintf(format, args...)}
}

// For builds a person's (or a CI/CD user's) profiles in a format.
func For(inv *assembly.Inventory, rep access.Report, user, format string) (Profiles, error) {
	signIns := signInsOf(rep, user)
	idc, iam := slices.Contains(signIns, access.SignInIdentityCenter), !slices.Contains(signIns, access.SignInIdentityCenter) || slices.Contains(signIns, access.SignInIAM)
	switch format {
	case FormatAWSCLI, FormatAWSVault:
		if !iam {
			return Profiles{}, formatErrorf("%s signs in through Identity Center only: use --format %s or %s", user, FormatSSO, FormatGranted)
		}
		return forIAMUser(inv, rep, user, format)
	case FormatSSO:
		if !idc {
			return Profiles{}, formatErrorf("%s does not sign in through Identity Center: use --format %s, %s or %s", user, FormatAWSCLI, FormatAWSVault, FormatGranted)
		}
		return forIdentityCenter(inv, rep, user)
	case FormatGranted:
		ps, err := For(inv, rep, user, map[bool]string{true: FormatSSO, false: FormatAWSCLI}[idc])
		ps.Format = FormatGranted
		return ps, err
	}
	return Profiles{}, formatErrorf("format %q is not one of %s", format, strings.Join(Formats, ", "))
}

// ForUser builds an IAM user's profiles in the aws-cli format.
func ForUser(inv *assembly.Inventory, rep access.Report, user string) (Profiles, error) {
	return forIAMUser(inv, rep, user, FormatAWSCLI)
}

// signInsOf are the ways the matrix says a person reaches their roles.
func signInsOf(rep access.Report, user string) []string {
	var out []string
	for _, e := range rep.EntriesOf(user) {
		for _, s := range e.SignIn {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// forIAMUser builds an IAM user's profiles: one per role the access matrix
// says they may assume, never more. A person is looked for before a CI/CD
// user of the same name; a CI/CD user signs with access keys alone, so its
// profiles carry no mfa_serial.
func forIAMUser(inv *assembly.Inventory, rep access.Report, user, format string) (Profiles, error) {
	var u *assembly.Principal
	var known []string
	for i := range inv.Users {
		c := &inv.Users[i]
		known = append(known, c.Name)
		if c.Name == user && (u == nil || c.Entity.Kind == metadata.EntityUser) {
			u = c
		}
	}
	if u == nil {
		return Profiles{}, fmt.Errorf("no user %q in the templates%s", user, model.DidYouMean(user, known))
	}
	human := u.Entity.Kind == metadata.EntityUser
	home := inv.Account(u.Account)
	prefix := cmpOr(home.Prefix, "iamstack")
	partition := strings.SplitN(u.ARN, ":", 3)[1]
	// The AWS CLI reads mfa_serial on the role profile, aws-vault on the
	// source profile (for its GetSessionToken): a person's get it on both.
	mfa := "arn:" + partition + ":iam::" + u.Account + ":mfa/" + u.Name
	source := Profile{Name: prefix + "-" + home.Name, Settings: [][2]string{{"region", u.Region}}}
	if human {
		source.Settings = append(source.Settings, [2]string{"mfa_serial", mfa})
	}
	ps := Profiles{User: user, Format: format, Human: human, Account: home, List: []Profile{source}}
	roles, _ := indexRoles(inv)
	for _, e := range rep.EntriesOf(user) {
		if e.UserARN != u.ARN || e.Type != "assume-role" {
			continue
		}
		r := roles[e.RoleARN]
		// A role reached by chaining is assumed from the profile of the
		// role before it, which has taken the MFA.
		from, chained := source.Name, len(e.Through) > 0
		if chained {
			from = hopProfile(prefix, e.Through[len(e.Through)-1])
		}
		p := Profile{Name: prefix + "-" + e.Account + "-" + e.Role, Settings: [][2]string{
			{"region", r.Region},
			{"role_arn", e.RoleARN},
			{"source_profile", from},
		}}
		if e.MFA && !chained {
			p.Settings = append(p.Settings, [2]string{"mfa_serial", mfa})
		}
		p.Settings = append(p.Settings,
			[2]string{"role_session_name", u.Name},
			[2]string{"duration_seconds", strconv.Itoa(e.MaxSessionSeconds)})
		// aws-vault passes a source identity the role's trust then
		// requires to be the user's own name (sourceIdentity: true).
		if format == FormatAWSVault && trustsSourceIdentity(r) {
			p.Settings = append(p.Settings, [2]string{"source_identity", u.Name})
		}
		ps.List = append(ps.List, p)
	}
	return ps, nil
}

// trustsSourceIdentity tells whether a role's trust lets callers set a
// source identity (a role with sourceIdentity: true).
func trustsSourceIdentity(r assembly.Principal) bool {
	if r.Trust == nil {
		return false
	}
	for _, st := range r.Trust.Document.Statements {
		if slices.Contains(st.Actions, "sts:SetSourceIdentity") {
			return true
		}
	}
	return false
}

// forIdentityCenter builds the sso-session form of a person's Identity
// Center assignments: the instance's start URL and region, and a profile
// per permission set and account, named as the IAM user's role profiles
// are, so that scripts keep working across a migration.
func forIdentityCenter(inv *assembly.Inventory, rep access.Report, user string) (Profiles, error) {
	ic := inv.IdentityCenter
	prefix := cmpOr(inv.Account(ic.Account).Prefix, "iamstack")
	session := Profile{Name: prefix, Session: true, Settings: [][2]string{
		{"sso_start_url", ic.StartURL}, {"sso_region", ic.Region}, {"sso_registration_scopes", "sso:account:access"}}}
	ps := Profiles{User: user, Format: FormatSSO, Human: true, List: []Profile{session}}
	roles, sets := indexRoles(inv)
	for _, e := range rep.EntriesOf(user) {
		if e.Type != "assume-role" || !slices.Contains(e.SignIn, access.SignInIdentityCenter) {
			continue
		}
		name := prefix + "-" + e.Account + "-" + e.Role
		if len(e.Through) > 0 {
			// Chained from a permission set's session, as an IAM role.
			ps.List = append(ps.List, Profile{Name: name, Settings: [][2]string{{"region", roles[e.RoleARN].Region}, {"role_arn", e.RoleARN},
				{"source_profile", hopProfile(prefix, e.Through[len(e.Through)-1])}, {"role_session_name", user},
				{"duration_seconds", strconv.Itoa(e.MaxSessionSeconds)}}})
			continue
		}
		// The entry's role is its IAM role when the person reaches it both
		// ways: the permission set's is the one of its account and role.
		set, ok := sets[[2]string{e.AccountID, e.Role}]
		if !ok {
			return Profiles{}, fmt.Errorf("%s reaches %s in %s through Identity Center, and the templates hold no permission set of it there", user, e.Role, e.Account)
		}
		ps.List = append(ps.List, Profile{Name: name, Settings: [][2]string{
			{"sso_session", session.Name}, {"sso_account_id", e.AccountID}, {"sso_role_name", set.PermissionSet}, {"region", set.Region}}})
	}
	return ps, nil
}

// indexRoles indexes the inventory's roles by ARN, and the roles of
// permission sets by account ID and model role.
func indexRoles(inv *assembly.Inventory) (byARN map[string]assembly.Principal, sets map[[2]string]assembly.Principal) {
	byARN, sets = map[string]assembly.Principal{}, map[[2]string]assembly.Principal{}
	for _, r := range inv.Roles {
		byARN[r.ARN] = r
		if r.PermissionSet != "" {
			sets[[2]string{r.Account, inv.RoleShortName(r)}] = r
		}
	}
	return byARN, sets
}

// hopProfile is the profile of a hop of a chain, "account/Role".
func hopProfile(prefix, hop string) string {
	account, role, _ := strings.Cut(hop, "/")
	return prefix + "-" + account + "-" + role
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Markers open and close the block `iamstack awsconfig` writes for a
// person, so that writing it again into a config file replaces exactly it.
func beginMarker(user string) string { return "# >>> iamstack awsconfig " + user + " >>>" }
func endMarker(user string) string   { return "# <<< iamstack awsconfig " + user + " <<<" }

// WriteConfig writes the profiles in ~/.aws/config syntax, between the
// person's markers.
func (ps Profiles) WriteConfig(w io.Writer) error {
	var b strings.Builder
	b.WriteString(beginMarker(ps.User) + "\n")
	fmt.Fprintf(&b, "# %s profiles of %s, generated by `iamstack awsconfig` from the templates: exactly\n", ps.Format, ps.User)
	b.WriteString("# what they grant. Do not edit between the markers: running it again replaces this block.\n")
	switch {
	case ps.Format == FormatSSO || ps.Format == FormatGranted && ps.List[0].Session:
		fmt.Fprintf(&b, "# Sign in with `aws sso login --sso-session %s` (AWS CLI v2); Identity Center asks for MFA.\n", ps.List[0].Name)
	case ps.Human:
		fmt.Fprintf(&b, "# mfa_serial assumes your MFA device is named %s; `aws iam list-mfa-devices --profile %s`\n", ps.User, ps.SourceProfile())
		b.WriteString("# shows its ARN.\n")
	default:
		b.WriteString("# A CI/CD user signs with its access key alone.\n")
	}
	for _, p := range ps.List {
		fmt.Fprintf(&b, "\n%s\n", p.header())
		for _, kv := range p.Settings {
			fmt.Fprintf(&b, "%s = %s\n", kv[0], kv[1])
		}
	}
	b.WriteString(endMarker(ps.User) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCredentials writes the credentials template of an IAM user: the
// source profile with its keys commented out, so that no tool reads a
// placeholder as a key; the person adds their own.
func (ps Profiles) WriteCredentials(w io.Writer) error {
	if ps.SourceProfile() == "" {
		return fmt.Errorf("%s signs in through Identity Center: there is no access key to keep", ps.User)
	}
	_, err := fmt.Fprintf(w, `# ~/.aws/credentials of %s: add the access key you create on your Security
# credentials page under this profile, as the commented lines show. Never commit
# this file. With aws-vault or Granted, run 'aws-vault add %s' (or
# 'granted credentials add') instead and keep this file empty.
[%s]
# aws_access_key_id = <your access key ID>
# aws_secret_access_key = <your secret access key>
`, ps.User, ps.SourceProfile(), ps.SourceProfile())
	return err
}
