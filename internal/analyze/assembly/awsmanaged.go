package assembly

import (
	"strings"
	"sync"

	"github.com/iamstack/iamstack/internal/catalog"
	"github.com/iamstack/iamstack/internal/policy"
)

// parsedManaged caches the AWS managed policies parsed so far: ReadOnlyAccess
// alone is about 90 KB, and many roles attach it.
var parsedManaged sync.Map // name -> policy.Document

// awsManaged returns the document of an AWS managed policy: its latest
// version, from the embedded catalog, evaluated exactly as it is.
func awsManaged(arn string) (policy.Document, bool) {
	_, name, ok := strings.Cut(arn, ":iam::aws:policy/")
	if !ok {
		return policy.Document{}, false
	}
	if doc, ok := parsedManaged.Load(name); ok {
		return doc.(policy.Document), true
	}
	raw, ok := catalog.Get().ManagedPolicyDocument(name)
	if !ok {
		return policy.Document{}, false
	}
	doc, err := policy.Parse(raw)
	if err != nil {
		return policy.Document{}, false
	}
	parsedManaged.Store(name, doc)
	return doc, true
}
