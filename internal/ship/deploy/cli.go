package deploy

import (
	"os"
	"os/exec"
)

// CLI is the real cdk CLI, run in a directory on a cloud assembly.
type CLI struct {
	// Path is the cdk executable; Dir its working directory.
	Path, Dir, Assembly string
	// DeployArgs and DiffArgs are extra arguments (such as --method=direct).
	DeployArgs, DiffArgs []string
	// Env is added to the CLI's environment (AWS_ENDPOINT_URL for an
	// endpoint other than AWS's).
	Env []string
}

// Deploy implements CDK.
func (c CLI) Deploy(stackID, profile string) (string, error) {
	return c.run(append(append([]string{"deploy", "--app", c.Assembly, stackID, "--exclusively", "--require-approval", "never"},
		withProfile(profile)...), c.DeployArgs...))
}

// Diff implements CDK.
func (c CLI) Diff(stackID, profile string) (string, error) {
	return c.run(append(append([]string{"diff", "--app", c.Assembly, stackID, "--exclusively"}, withProfile(profile)...), c.DiffArgs...))
}

func (c CLI) run(args []string) (string, error) {
	cmd := exec.Command(c.Path, args...)
	cmd.Dir = c.Dir
	if len(c.Env) > 0 {
		cmd.Env = append(os.Environ(), c.Env...)
	}
	b, err := cmd.CombinedOutput()
	return string(b), err
}

func withProfile(p string) []string {
	if p == "" {
		return nil
	}
	return []string{"--profile", p}
}
