// Command gen writes the model's JSON Schema (package schema) to stdout, or
// with -markdown its reference as Markdown. Run it from the repository root:
// `make schema`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/iamstack/iamstack/internal/schema"
)

func main() {
	markdown := flag.Bool("markdown", false, "write the reference (docs/reference.md) instead of the schema")
	flag.Parse()
	c, err := schema.Comments("model", "internal/policy")
	if err == nil {
		var out []byte
		if out, err = schema.Generate(c); err == nil && *markdown {
			out, err = schema.Markdown(out)
		}
		if err == nil {
			_, err = os.Stdout.Write(out)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "schema:", err)
		os.Exit(1)
	}
}
