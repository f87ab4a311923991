package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Each command exits 0 on success, 1 on a failed check or an asked-for
// difference, 2 on a wrong command line or input.
func TestExitCodes(t *testing.T) {
	golden := "../../testdata/golden"
	changed := t.TempDir()
	for _, f := range []string{"manifest.json", "infra-identity.template.json", "infra-prod.template.json", "infra-dev.template.json"} {
		b, err := os.ReadFile(filepath.Join(golden, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "infra-dev.template.json" {
			// ReadR in dev no longer names the grant tag: nobody reaches it.
			b = bytes.ReplaceAll(b, []byte(`"aws:PrincipalTag/infra-grants-ReadR"`), []byte(`"aws:PrincipalTag/nobody"`))
		}
		if err := os.WriteFile(filepath.Join(changed, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	badModel := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(badModel, []byte("apiVersion: iamstack/v1\nregion: eu-west-1\naccounts: []\nbogus: 1\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"version"}, 0},
		{[]string{"validate", "--example"}, 0},
		{[]string{"validate"}, 2},                     // no model here, and no --example
		{[]string{"history", "--model", "x.yaml"}, 2}, // --model only where it acts
		{[]string{"access", "diff", golden, golden, "--exit-code"}, 0},
		{[]string{"access", "diff", golden, changed}, 0},
		{[]string{"access", "diff", golden, changed, "--exit-code"}, 1},
		{[]string{"access", "diff", golden, filepath.Join(t.TempDir(), "none")}, 2},
		{[]string{"no-such-command"}, 2},
		{[]string{"validate", "--no-such-flag"}, 2},
		{[]string{"validate", "extra-argument"}, 2},
		{[]string{"access", "diff", golden}, 2},
		{[]string{"validate", "--format", "yaml"}, 2},
		{[]string{"synth"}, 2},
		{[]string{"validate", "--model", badModel}, 2},
		{[]string{"validate", "--model", filepath.Join(t.TempDir(), "missing.yaml")}, 2},
		{[]string{"onboard", "nobody", "--example"}, 1},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			root := newRootCmd(io.Discard)
			root.SetArgs(tc.args)
			root.SetErr(io.Discard)
			err := root.Execute()
			if got := exitCode(err); got != tc.want {
				t.Errorf("exit %d (%v), want %d", got, err, tc.want)
			}
		})
	}
}

// Every flag's help names its value plainly: a backquoted phrase in a
// flag's usage becomes its value's name, so it must be one word.
func TestFlagValueNames(t *testing.T) {
	root := newRootCmd(io.Discard)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if name, _ := pflag.UnquoteUsage(f); strings.Contains(name, " ") {
				t.Errorf("%s --%s: value name %q", c.CommandPath(), f.Name, name)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
