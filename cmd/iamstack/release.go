package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/load"
	"github.com/iamstack/iamstack/internal/ship/release"
	"github.com/iamstack/iamstack/internal/synth"
)

func repoRoot() (release.Repo, error) {
	root, err := release.Repo{}.Git("rev-parse", "--show-toplevel")
	if err != nil {
		return release.Repo{}, fmt.Errorf("not in a git checkout: releases are git tags")
	}
	return release.Repo{Dir: root}, nil
}

func newReleaseCmd(g *globalFlags) *cobra.Command {
	var bump, version, golden string
	cmd := &cobra.Command{
		Use:   "release",
		Short: "Cut a release: check, synthesize, tag vX.Y.Z with the artifact's checksums",
		Long: `Release refuses a dirty working tree, an existing version and a failing check.
It synthesizes the model into .iamstack/releases/<version>/ (the cloud assembly,
manifest.json with the SHA-256 of every template, access.json with the access
matrix, RELEASE_NOTES.md with the access diff against the previous release) and
creates the annotated tag <version>, whose message records the manifest: the
artifact can be rebuilt from the tag on any machine and verified.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRelease(cmd.OutOrStdout(), g.source(), bump, version, golden)
		},
	}
	cmd.Flags().StringVar(&bump, "bump", "patch", "part of the latest version to bump: patch, minor or major")
	cmd.Flags().StringVar(&version, "version", "", "the version to release, such as v1.2.0 (instead of --bump)")
	cmd.Flags().StringVar(&golden, "golden", "", "golden templates for the check (as make check)")
	return cmd
}

func runRelease(out io.Writer, modelPath, bump, version, golden string) error {
	repo, err := repoRoot()
	if err != nil {
		return err
	}
	m, err := load.Model(modelPath)
	if err != nil {
		return err
	}
	r, err := release.Cut(release.CutOptions{Model: m, ModelPath: filePath(modelPath), ExampleFile: iamstack.ExampleFile, Version: version, Bump: bump, Golden: golden},
		release.Deps{Repo: repo, Synth: synth.InProcess{}, Progress: out})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s\nreleased %s: tag %s, artifact %s\n", r.Notes, r.Version, r.Version, r.Dir)
	return nil
}
