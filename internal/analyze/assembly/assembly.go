// Package assembly reads a synthesized CDK cloud assembly into an inventory
// of IAM principals: every user, group and role of every stack, with their
// policies resolved to documents. It resolves the intrinsic functions the CDK
// emits (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, pseudo parameters), so the
// analysis sees what CloudFormation will create, not what the model meant.
package assembly

import (
	"cmp"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/iamstack/iamstack/internal/analyze/evaluate"
	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/parallel"
	"github.com/iamstack/iamstack/internal/policy"
)

// Account is one AWS account of the assembly.
type Account struct {
	ID   string
	Name string // from the iamstack template metadata, else the ID
	Type string
	// Prefix is iamstack's name prefix in this account ("infra").
	Prefix string
	// OrgPath is the account's path in its organization, from the
	// template metadata: "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/".
	OrgPath string
	// OU, for the account that stands for an OU's StackSet accounts, is
	// the OU's ID.
	OU string
}

// Principal is an IAM user or role, with every policy that applies to it.
type Principal struct {
	Kind    string // "user" or "role"
	Account string // account ID
	Name    string
	Path    string
	ARN     string
	Tags    map[string]string
	Groups  []string // group names, users only
	// Identity are its identity policies, its groups' included.
	Identity    []evaluate.Policy
	Boundary    *evaluate.Policy
	BoundaryARN string
	// Trust is a role's trust policy.
	Trust             *evaluate.Policy
	MaxSessionSeconds int
	// Stack and Region are the stack that defines it and where it is deployed.
	Stack, Region string
	// LogicalID is its logical ID in the template.
	LogicalID string
	// Direct names the policies attached to the principal itself, not
	// through a group; Inline names its inline policies.
	Direct, Inline []string
	// ManagedPolicies counts the managed policies attached to it; Attached
	// are their ARNs, InlinePolicies its inline policies by name.
	ManagedPolicies int
	Attached        []string
	InlinePolicies  map[string]policy.Document
	// Entity is the model entity iamstack wrote it for (zero for a resource
	// iamstack did not write).
	Entity metadata.Entity
	// OrgPath is its account's path in the organization (Account.OrgPath).
	OrgPath string
	// PermissionSet, on a role Identity Center provisions, is the
	// permission set's name: the role is the permission set in its
	// account, and no template creates it.
	PermissionSet string
}

// Group is an IAM group.
type Group struct {
	Account, Name, ARN, Stack, LogicalID string
	Policies                             []evaluate.Policy
	Inline                               []string
	ManagedPolicies                      int
	// Attached are the ARNs of its managed policies, InlinePolicies its
	// inline policies by name.
	Attached       []string
	InlinePolicies map[string]policy.Document
	Entity         metadata.Entity
}

// OIDCProvider is an IAM OIDC identity provider a template creates.
type OIDCProvider struct {
	// Name is the issuer without its scheme: token.actions.githubusercontent.com.
	Account, Name, Stack, LogicalID string
}

// Template is one template of the assembly.
type Template struct {
	ID, Account   string
	Resources     int
	TemplateBytes int
	// Name is the CloudFormation stack's name in its account: the
	// manifest's, or for a StackSet's template the name StackSets give the
	// stack in each account, "StackSet-<stack set name>-" and a UUID
	// (StackSetInstanceName).
	Name string
	// Region is where it is deployed.
	Region string
}

// StackSetInstanceUUID stands for the UUID StackSets end their stacks'
// names with, which no template knows.
const StackSetInstanceUUID = "00000000-0000-0000-0000-000000000000"

// StackSetInstanceName is the name of the stack a StackSet creates in
// each account it deploys to.
func StackSetInstanceName(stackSet string) string {
	return names.StackSetInstancePrefix + stackSet + "-" + StackSetInstanceUUID
}

// Secret is a Secrets Manager secret a template creates.
type Secret struct {
	Account, Name string
	// ARN is the secret's ARN as policies see it, with the six random
	// characters Secrets Manager ends it with.
	ARN string
	// Entity is the model entity it was written for: a console user's
	// first password is its user's.
	Entity metadata.Entity
}

// secretSuffix stands for the random characters Secrets Manager appends to
// a secret's name in its ARN.
const secretSuffix = "-AbCdEf"

// ManagedPolicy is a customer managed policy.
type ManagedPolicy struct {
	Account, Name, ARN string
	Document           policy.Document
	Entity             metadata.Entity
}

// Inventory is everything IAM an assembly creates.
type Inventory struct {
	Accounts        map[string]Account // by ID
	Users           []Principal
	Roles           []Principal
	Groups          []Group
	OIDCProviders   []OIDCProvider
	ManagedPolicies []ManagedPolicy
	// Unknown lists AWS managed policies the analysis has no document for.
	Unknown []string
	Stacks  []Template
	Secrets []Secret
	// Standing are the resources the model declares outside iamstack's
	// templates, from the templates' metadata.
	Standing []Standing
	// IdentityCenter is what the Identity Center stack gives people; nil
	// without one.
	IdentityCenter *IdentityCenter
}

// ResourceRequest is a request to act on the principal as a resource (to
// assume a role): its account, and its place in the organization.
func (p Principal) ResourceRequest(action string) evaluate.Request {
	req := evaluate.Request{Action: action, Resource: p.ARN, ResourceAccount: p.Account}
	if p.OrgPath != "" {
		req.ResourceOrgID, _, _ = strings.Cut(p.OrgPath, "/")
		req.ResourceOrgPaths = []string{p.OrgPath}
	}
	return req
}

// Account returns an account by ID.
func (inv *Inventory) Account(id string) Account { return inv.Accounts[id] }

// RoleShortName is a role's name in the model, from the metadata iamstack
// writes (the model may give a role any IAM name); a role iamstack did not
// write keeps its IAM name.
func (inv *Inventory) RoleShortName(r Principal) string {
	if r.Entity.Kind == metadata.EntityRole {
		return r.Entity.Name
	}
	// Templates iamstack wrote before resources carried their entity named
	// every role prefix-<name>.
	if p := inv.Accounts[r.Account].Prefix; p != "" && r.Entity.Kind == "" {
		return strings.TrimPrefix(r.Name, p+"-")
	}
	return r.Name
}

// StackFile is a stack artifact of a cloud assembly.
type StackFile struct {
	// ID is the artifact ID ("infra-dev"); StackName the CloudFormation
	// stack name (the ID when the manifest names none).
	ID, StackName string
	// Environment is where it deploys: "aws://<account>/<region>".
	Environment  string
	TemplateFile string
}

// StackFiles lists the stack artifacts of the cloud assembly in dir, sorted
// by ID: the one reader of manifest.json.
func StackFiles(dir string) ([]StackFile, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("read cloud assembly: %w", err)
	}
	var m struct {
		Artifacts map[string]struct {
			Type        string `json:"type"`
			Environment string `json:"environment"`
			Properties  struct {
				TemplateFile string `json:"templateFile"`
				StackName    string `json:"stackName"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read cloud assembly %s: manifest.json: %w", dir, err)
	}
	var out []StackFile
	for id, a := range m.Artifacts {
		if a.Type == "aws:cloudformation:stack" {
			out = append(out, StackFile{ID: id, StackName: cmp.Or(a.Properties.StackName, id), Environment: a.Environment,
				TemplateFile: a.Properties.TemplateFile})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Account is the account ID of the stack's environment, "" when it is
// not bound to one.
func (f StackFile) Account() string {
	account, _, _ := parseEnvironment(f.Environment)
	return account
}

type template struct {
	Metadata struct {
		Iamstack metadata.Template `json:"iamstack"`
	} `json:"Metadata"`
	Resources map[string]struct {
		Type       string         `json:"Type"`
		Properties map[string]any `json:"Properties"`
		Metadata   struct {
			Iamstack metadata.Entity `json:"iamstack"`
		} `json:"Metadata"`
	} `json:"Resources"`
}

// stack is one template with where it is deployed.
type stack struct {
	id, account, region string
	// name is the CloudFormation stack name (Stack.Name).
	name  string
	tpl   template
	bytes int
}

// Read reads the cloud assembly in dir.
func Read(dir string) (*Inventory, error) {
	files, err := StackFiles(dir)
	if err != nil {
		return nil, err
	}
	// Each template is read and decoded on its own, on every core (a large
	// organization's assembly is hundreds of megabytes of JSON), then
	// built into the inventory in the manifest's order.
	read := make([][]stack, len(files))
	errs := make([]error, len(files))
	parallel.For(len(files), func(i int) { read[i], errs[i] = readStack(dir, files[i]) })
	var stacks []stack
	for i := range files {
		if errs[i] != nil {
			return nil, errs[i]
		}
		stacks = append(stacks, read[i]...)
	}
	if len(stacks) == 0 {
		return nil, fmt.Errorf("read cloud assembly %s: no stacks", dir)
	}
	return build(stacks)
}

// readStack reads one stack's template, and the templates of the StackSets
// it holds, each a stack of its own.
func readStack(dir string, f StackFile) ([]stack, error) {
	account, region, ok := parseEnvironment(f.Environment)
	if !ok {
		return nil, fmt.Errorf("read cloud assembly %s: stack %s is not bound to an account (%q)", dir, f.ID, f.Environment)
	}
	tb, err := os.ReadFile(filepath.Join(dir, f.TemplateFile))
	if err != nil {
		return nil, fmt.Errorf("read cloud assembly %s: %w", dir, err)
	}
	var t template
	if err := json.Unmarshal(tb, &t); err != nil {
		return nil, fmt.Errorf("read cloud assembly %s: %s: %w", dir, f.TemplateFile, err)
	}
	sets, err := stackSets(f.ID, region, t)
	if err != nil {
		return nil, fmt.Errorf("read cloud assembly %s: %w", dir, err)
	}
	return append([]stack{{id: f.ID, name: f.StackName, account: account, region: region, tpl: t, bytes: len(tb)}}, sets...), nil
}

// stackSets are the templates of the StackSets a template holds, each as
// the stack of one account that stands for every account of its OU. Its
// account ID is made up from the OU's ID (StackSetAccount).
func stackSets(id, region string, t template) ([]stack, error) {
	var out []stack
	for _, b := range stackSetBodies(t) {
		var inner template
		if err := json.Unmarshal([]byte(b.Body), &inner); err != nil {
			return nil, fmt.Errorf("%s/%s: TemplateBody: %w", id, b.LogicalID, err)
		}
		ou := inner.Metadata.Iamstack.OU
		if ou == "" {
			return nil, fmt.Errorf("%s/%s: the StackSet's template names no OU in its iamstack metadata", id, b.LogicalID)
		}
		out = append(out, stack{id: id + "/" + b.LogicalID, name: StackSetInstanceName(b.Name), account: StackSetAccount(ou), region: region,
			tpl: inner, bytes: len(b.Body)})
	}
	return out, nil
}

// StackSetBody is the template a StackSet deploys, by the StackSet's
// logical ID.
type StackSetBody struct {
	LogicalID, Body string
	// Name is the StackSet's name.
	Name string
}

// StackSetBodies are the templates of the StackSets a template holds,
// sorted by logical ID: they travel inside it as TemplateBody strings.
func StackSetBodies(templateJSON []byte) ([]StackSetBody, error) {
	var t template
	if err := json.Unmarshal(templateJSON, &t); err != nil {
		return nil, err
	}
	return stackSetBodies(t), nil
}

func stackSetBodies(t template) []StackSetBody {
	var out []StackSetBody
	for _, id := range sortedIDs(t.Resources) {
		if res := t.Resources[id]; res.Type == "AWS::CloudFormation::StackSet" {
			body, _ := res.Properties["TemplateBody"].(string)
			name, _ := res.Properties["StackSetName"].(string)
			out = append(out, StackSetBody{LogicalID: id, Body: body, Name: name})
		}
	}
	return out
}

// StackSetAccount is the account ID the analysis gives the accounts of an
// OU that a StackSet deploys to: twelve digits made from the OU's ID, which
// no grant tag lists as an account.
func StackSetAccount(ou string) string {
	h := fnv.New64a()
	h.Write([]byte(ou))
	return fmt.Sprintf("%012d", h.Sum64()%1_000_000_000_000)
}

func parseEnvironment(env string) (account, region string, ok bool) {
	rest, ok := strings.CutPrefix(env, "aws://")
	if !ok {
		return "", "", false
	}
	account, region, ok = strings.Cut(rest, "/")
	if !ok || len(account) != 12 || strings.Contains(account, "unknown") {
		return "", "", false
	}
	return account, region, true
}

func build(stacks []stack) (*Inventory, error) {
	inv := &Inventory{Accounts: map[string]Account{}}
	type key struct{ account, name string }
	policies := map[string]ManagedPolicy{} // by ARN
	groups := map[key]Group{}
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }

	// First pass: accounts, policies and the physical value of every resource.
	resolvers := map[string]*resolver{}
	for _, s := range stacks {
		md := s.tpl.Metadata.Iamstack
		a := inv.Accounts[s.account]
		a.ID = s.account
		if md.Account != "" {
			a.Name, a.Type, a.Prefix, a.OrgPath, a.OU = md.Account, md.AccountType, md.Prefix, md.OrgPath, md.OU
		} else if a.Name == "" {
			a.Name = s.account
		}
		inv.Accounts[s.account] = a
		inv.Stacks = append(inv.Stacks, Template{ID: s.id, Account: s.account, Resources: len(s.tpl.Resources), TemplateBytes: s.bytes,
			Name: s.name, Region: s.region})
		for _, st := range md.Standing {
			inv.Standing = append(inv.Standing, Standing{Standing: st, Account: s.account})
		}
		r := &resolver{stack: s, partition: names.PartitionOf(s.region), physical: map[string]string{}, arns: map[string]string{}}
		for id, res := range s.tpl.Resources {
			r.define(id, res.Type, res.Properties)
		}
		resolvers[s.id] = r
	}
	for _, s := range stacks {
		r := resolvers[s.id]
		for _, id := range sortedIDs(s.tpl.Resources) {
			res := s.tpl.Resources[id]
			if res.Type != "AWS::IAM::ManagedPolicy" {
				continue
			}
			doc, err := r.document(res.Properties["PolicyDocument"])
			if err != nil {
				fail("%s/%s: %v", s.id, id, err)
				continue
			}
			mp := ManagedPolicy{Account: s.account, Name: r.physical[id], ARN: r.arns[id], Document: doc, Entity: res.Metadata.Iamstack}
			policies[mp.ARN] = mp
			inv.ManagedPolicies = append(inv.ManagedPolicies, mp)
		}
	}
	compiled := map[string]*evaluate.Policy{} // by ARN (attachedDocs)
	// attached resolves the policies attached to a user, group or role: the
	// documents, the names of inline ones and the ARNs of managed ones;
	// inline receives the inline documents by name.
	attached := func(r *resolver, owner string, props map[string]any, inline map[string]policy.Document) (out []evaluate.Policy, inlineNames, arns []string) {
		arns, err := r.strings(props["ManagedPolicyArns"])
		if err != nil {
			fail("%s: ManagedPolicyArns: %v", owner, err)
		}
		out = attachedDocs(arns, func(arn string) (policy.Document, bool) {
			mp, ok := policies[arn]
			return mp.Document, ok
		}, compiled, &inv.Unknown)
		ps, _ := props["Policies"].([]any)
		for _, p := range ps {
			pm, _ := p.(map[string]any)
			doc, err := r.document(pm["PolicyDocument"])
			if err != nil {
				fail("%s: inline policy: %v", owner, err)
				continue
			}
			name := fmt.Sprint(pm["PolicyName"])
			out = append(out, evaluate.Policy{Name: fmt.Sprintf("%s (inline %s)", owner, name), Document: doc})
			inlineNames = append(inlineNames, name)
			inline[name] = doc
		}
		return out, inlineNames, arns
	}
	for _, s := range stacks {
		r := resolvers[s.id]
		for _, id := range sortedIDs(s.tpl.Resources) {
			res := s.tpl.Resources[id]
			if res.Type == "AWS::IAM::OIDCProvider" {
				inv.OIDCProviders = append(inv.OIDCProviders, OIDCProvider{Account: s.account,
					Name: strings.TrimPrefix(stringOr(res.Properties["Url"], ""), "https://"), Stack: s.id, LogicalID: id})
			}
			if res.Type == "AWS::SecretsManager::Secret" {
				inv.Secrets = append(inv.Secrets, Secret{Account: s.account, Name: stringOr(res.Properties["Name"], id),
					ARN: r.physical[id+"#ref"] + secretSuffix, Entity: res.Metadata.Iamstack})
			}
			if res.Type == "AWS::IAM::Group" {
				g := Group{Account: s.account, Name: r.physical[id], ARN: r.arns[id], Stack: s.id, LogicalID: id, Entity: res.Metadata.Iamstack}
				g.InlinePolicies = map[string]policy.Document{}
				g.Policies, g.Inline, g.Attached = attached(r, "group "+g.Name, res.Properties, g.InlinePolicies)
				g.ManagedPolicies = len(g.Attached)
				groups[key{s.account, g.Name}] = g
				inv.Groups = append(inv.Groups, g)
			}
		}
	}
	for _, s := range stacks {
		r := resolvers[s.id]
		for _, id := range sortedIDs(s.tpl.Resources) {
			res := s.tpl.Resources[id]
			props := res.Properties
			switch res.Type {
			case "AWS::IAM::User":
				u := Principal{Kind: "user", Account: s.account, Name: r.physical[id], ARN: r.arns[id], Stack: s.id, Region: s.region,
					Path: stringOr(props["Path"], "/"), Tags: map[string]string{}}
				u.InlinePolicies = map[string]policy.Document{}
				u.Identity, u.Inline, u.Attached = attached(r, "user "+u.Name, props, u.InlinePolicies)
				u.ManagedPolicies = len(u.Attached)
				u.LogicalID, u.Entity = id, res.Metadata.Iamstack
				for _, p := range u.Identity {
					u.Direct = append(u.Direct, p.Name)
				}
				names, err := r.strings(props["Groups"])
				if err != nil {
					fail("user %s: Groups: %v", u.Name, err)
				}
				for _, gname := range names {
					g, ok := groups[key{s.account, gname}]
					if !ok {
						fail("user %s is in group %s, which no stack of account %s defines", u.Name, gname, s.account)
						continue
					}
					u.Groups = append(u.Groups, gname)
					u.Identity = append(u.Identity, g.Policies...)
				}
				tags, _ := props["Tags"].([]any)
				for _, t := range tags {
					tm, _ := t.(map[string]any)
					k, _ := tm["Key"].(string)
					v, _ := tm["Value"].(string)
					u.Tags[k] = v
				}
				u.Boundary, u.BoundaryARN = r.boundary(props, policies, fail)
				inv.Users = append(inv.Users, u)
			case "AWS::IAM::Role":
				role := Principal{Kind: "role", Account: s.account, OrgPath: inv.Accounts[s.account].OrgPath, Name: r.physical[id], ARN: r.arns[id], Stack: s.id, Region: s.region,
					Path: stringOr(props["Path"], "/")}
				role.InlinePolicies = map[string]policy.Document{}
				role.Identity, role.Inline, role.Attached = attached(r, "role "+role.Name, props, role.InlinePolicies)
				role.ManagedPolicies = len(role.Attached)
				role.LogicalID, role.Entity = id, res.Metadata.Iamstack
				trust, err := r.document(props["AssumeRolePolicyDocument"])
				if err != nil {
					fail("role %s: trust policy: %v", role.Name, err)
				}
				role.Trust = evaluate.NewPolicy(role.Name+" trust", trust)
				if d, ok := props["MaxSessionDuration"].(float64); ok {
					role.MaxSessionSeconds = int(d)
				} else {
					role.MaxSessionSeconds = 3600
				}
				role.Boundary, role.BoundaryARN = r.boundary(props, policies, fail)
				inv.Roles = append(inv.Roles, role)
			}
		}
	}
	identityCenter(inv, stacks, policies, fail)
	if len(errs) > 0 {
		return nil, fmt.Errorf("read cloud assembly:\n  %s", strings.Join(errs, "\n  "))
	}
	sort.Strings(inv.Unknown)
	return inv, nil
}

// attachedDocs are the managed policies arns name, each by its name: the
// account's own (customer), else AWS's from the catalog; an ARN that is
// neither is added to unknown, once. Each is read for evaluation once
// (evaluate.NewPolicy), whoever it is attached to: compiled keeps them by
// ARN. A group's policy with a grant to hundreds of accounts is every
// member's.
func attachedDocs(arns []string, customer func(arn string) (policy.Document, bool), compiled map[string]*evaluate.Policy, unknown *[]string) []evaluate.Policy {
	var out []evaluate.Policy
	for _, arn := range arns {
		if p, ok := compiled[arn]; ok {
			out = append(out, *p)
			continue
		}
		doc, ok := customer(arn)
		if !ok {
			doc, ok = awsManaged(arn)
		}
		if !ok {
			if !slices.Contains(*unknown, arn) {
				*unknown = append(*unknown, arn)
			}
			continue
		}
		p := evaluate.NewPolicy(arn[strings.LastIndex(arn, "/")+1:], doc)
		compiled[arn] = p
		out = append(out, *p)
	}
	return out
}

func sortedIDs[V any](m map[string]V) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func stringOr(v any, def string) string {
	if s, ok := v.(string); ok {
		return s
	}
	return def
}
