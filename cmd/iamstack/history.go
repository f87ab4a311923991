package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newHistoryCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "history",
		Short: "What each environment ran, and when, from the audit tags",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			repo, err := repoRoot()
			if err != nil {
				return err
			}
			ps, err := repo.History()
			if err != nil {
				return err
			}
			if len(ps) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no promotion yet")
				return nil
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ENVIRONMENT\tSINCE (UTC)\tRELEASE\tCOMMIT")
			for _, p := range ps {
				fmt.Fprintf(w, "%s\t%s\t%s\t%.12s\n", p.Env, p.At.Format("2006-01-02 15:04:05"), p.Version, p.Commit)
			}
			return w.Flush()
		},
	}
}
