package main

import (
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/iamstack/iamstack/internal/analyze/adopt"
	"github.com/iamstack/iamstack/internal/atomicdir"
)

type adoptFlags struct {
	assembly string
	listings []string
	out      string
}

func newAdoptCmd(g *globalFlags) *cobra.Command {
	f := &adoptFlags{}
	cmd := &cobra.Command{
		Use:   "adopt",
		Short: "Bring existing IAM users, groups, roles and policies under iamstack without replacing them",
		Long: `Adopt compares the model's templates with what the accounts hold, from the
output of ` + "`aws iam get-account-authorization-details`" + ` (one file per account,
--listing), and prepares CloudFormation resource import, which keeps a user's
MFA devices, access keys and password. It prints which resources exist, what
must be settled first (a role whose path differs would be replaced), and the
` + "`cdk import`" + ` command for each stack; it writes to --out an import-phase cloud
assembly whose templates hold only the resources to import, with each stack's
resource mapping. Nothing is written while something must be settled.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAdopt(cmd.OutOrStdout(), g.source(), f)
		},
	}
	cmd.Flags().StringVar(&f.assembly, "assembly", "", "cloud assembly directory (default: synthesize the model into a temporary directory)")
	cmd.Flags().StringArrayVar(&f.listings, "listing", nil, "a `FILE` holding the output of aws iam get-account-authorization-details for one account (repeat for more accounts)")
	cmd.Flags().StringVar(&f.out, "out", "cdk.adopt", "where to write the import-phase cloud assembly")
	return cmd
}

func runAdopt(out io.Writer, modelPath string, f *adoptFlags) error {
	listings, err := readListings(f.listings)
	if err != nil {
		return err
	}
	if len(listings) == 0 {
		return fmt.Errorf("no --listing: give the output of `aws iam get-account-authorization-details` for each account whose identities you adopt")
	}
	dir, cleanup, err := assemblyDir(f.assembly, modelPath)
	if err != nil {
		return err
	}
	defer cleanup()
	a, err := adopt.Plan(dir, listings)
	if err != nil {
		return err
	}
	if len(a.Imports) == 0 {
		fmt.Fprintln(out, "nothing to adopt: no resource of the model's templates exists in the listed accounts; deploy as usual")
		return nil
	}
	stacks := []string{}
	for _, im := range a.Imports {
		if len(stacks) == 0 || stacks[len(stacks)-1] != im.Stack {
			stacks = append(stacks, im.Stack)
			fmt.Fprintf(out, "stack %s imports:\n", im.Stack)
		}
		fmt.Fprintf(out, "  %s %s (%s) as %s\n", im.Kind, im.Name, im.LogicalID, identifier(im.Identifier))
	}
	if n := len(a.New); n > 0 {
		fmt.Fprintf(out, "%d resource(s) do not exist yet; the deploy after the import creates them\n", n)
	}
	var blocking []string
	for _, fd := range a.Findings {
		if fd.Blocking {
			blocking = append(blocking, fd.String())
		} else {
			fmt.Fprintln(out, "  note: "+fd.String())
		}
	}
	if len(blocking) > 0 {
		return fmt.Errorf("settle these before the import (nothing was written):\n  %s", strings.Join(blocking, "\n  "))
	}
	// The import phase is written aside and put in place whole: a kill
	// leaves the earlier one or this one, and no file of an earlier run
	// stays beside this one's.
	if err := replaceableAssembly(f.out); err != nil {
		return err
	}
	if err := atomicdir.Write(f.out, func(tmp string) error { return adopt.Write(dir, tmp, a) }); err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote the import phase to %s. For each stack, in its account:\n", f.out)
	for _, s := range stacks {
		fmt.Fprintf(out, "  cdk import --app %s %s --resource-mapping %s\n", f.out, s, filepath.Join(f.out, adopt.MappingFile(s)))
	}
	fmt.Fprintln(out, "then deploy the release as usual (make promote/<env>/<version>, or cdk deploy): it creates the rest and brings the imported resources to their templates, in place")
	return nil
}

func readListings(files []string) ([]*adopt.Listing, error) {
	var out []*adopt.Listing
	seen := map[string]string{}
	for _, file := range files {
		l, err := adopt.ReadListingFile(file)
		if err != nil {
			return nil, err
		}
		if other, dup := seen[l.Account]; dup {
			return nil, fmt.Errorf("%s and %s both list account %s: give one listing per account", other, file, l.Account)
		}
		seen[l.Account] = file
		out = append(out, l)
	}
	return out, nil
}

func identifier(id map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(id)) {
		parts = append(parts, k+"="+id[k])
	}
	return strings.Join(parts, ",")
}
