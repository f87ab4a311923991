package schema_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/iamstack/iamstack/internal/schema"
)

// The committed schema is what the Go types say: regenerate it with
// `make schema` when the model changes.
func TestCommittedSchemaIsCurrent(t *testing.T) {
	c, err := schema.Comments("../../model", "../policy")
	if err != nil {
		t.Fatal(err)
	}
	got, err := schema.Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../iamstack.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("iamstack.schema.json is stale: run `make schema` and commit it")
	}
	ref, err := schema.Markdown(got)
	if err != nil {
		t.Fatal(err)
	}
	if committed, _ := os.ReadFile("../../docs/reference.md"); !bytes.Equal(ref, committed) {
		t.Error("docs/reference.md is stale: run `make schema` and commit it")
	}
	var s map[string]any
	if err := json.Unmarshal(got, &s); err != nil || s["$id"] != schema.ID {
		t.Fatalf("not a schema: %v", err)
	}
	ex, _ := os.ReadFile("../../iamstack.yaml")
	if !bytes.HasPrefix(ex, []byte("# yaml-language-server: $schema=./iamstack.schema.json\n")) {
		t.Error("the example does not point editors at the schema")
	}
}
