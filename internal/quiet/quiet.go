// Package quiet is the one list of the settings a synthesis runs with
// unless the user's environment says otherwise. jsii reads the environment
// for its node process while Go packages initialize, before main runs, so
// a program cannot set them for itself: it passes them to a child process
// (Env). The Makefile (for direct runs and tests) and cdk.json (for the cdk
// CLI) set the same, which a test holds them to.
package quiet

import (
	"slices"
	"strings"
)

// Defaults are KEY=VALUE settings.
var Defaults = []string{
	// aws-cdk-lib's bundled template validator costs about 5 s and 400 MiB
	// a run; iamstack checks quotas itself and lints with cfn-lint
	// (docs/architecture.md, "Speed").
	"CDK_VALIDATION=false",
	// Node 20, which iamstack is tested on, works; jsii's end-of-life banner
	// for it would open every run with eleven lines of noise.
	"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20",
}

// Env returns env with the defaults added where env does not set them.
func Env(env []string) []string {
	out := slices.Clone(env)
	for _, kv := range Defaults {
		key, _, _ := strings.Cut(kv, "=")
		if !slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, key+"=") }) {
			out = append(out, kv)
		}
	}
	return out
}

// IsSet tells whether env already sets every default (to anything).
func IsSet(env []string) bool { return len(Env(env)) == len(env) }
