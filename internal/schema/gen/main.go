// Command gen writes the model's JSON Schema (package schema) to stdout.
// Run it from the repository root: `make schema`.
package main

import (
	"fmt"
	"os"

	"github.com/iamstack/iamstack/internal/schema"
)

func main() {
	c, err := schema.Comments("model", "internal/policy")
	if err == nil {
		var out []byte
		if out, err = schema.Generate(c); err == nil {
			_, err = os.Stdout.Write(out)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "schema:", err)
		os.Exit(1)
	}
}
