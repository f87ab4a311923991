package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/spf13/cobra"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/load"
	"github.com/iamstack/iamstack/internal/ship/awsapi"
	"github.com/iamstack/iamstack/internal/ship/drift"
	"github.com/iamstack/iamstack/internal/synth"
	"github.com/iamstack/iamstack/model"
)

// driftConcurrency bounds the accounts read at once: IAM's API is
// throttled per account, and a credential source (an SSO session, a
// profile's role) serves every account.
const driftConcurrency = 8

type driftFlags struct {
	accountFlags
	assembly, format string
}

// accountFlags say which accounts of an environment a command reads or
// changes, and with which credentials.
type accountFlags struct {
	env, endpoint, role string
	accounts            []string
}

// add adds the flags to a command; what is the role's use.
func (f *accountFlags) add(cmd *cobra.Command, what string) {
	cmd.Flags().StringVar(&f.env, "env", model.DefaultEnvironment, "the environment whose accounts to "+what)
	cmd.Flags().StringSliceVar(&f.accounts, "account", nil, "only these accounts of the environment, by name (repeat or separate with commas)")
	cmd.Flags().StringVar(&f.role, "role", "", "work in each account through this role of the model, assumed from the credentials, keeping their session name")
	endpointFlag(cmd, &f.endpoint)
}

// target is an account of the environment and the SDK's configuration to
// call it with.
type target struct {
	name, id string
	cfg      aws.Config
}

// configs are the listed accounts of the environment the flags name, each
// with credentials from IAMSTACK_PROFILE_<ACCOUNT>, else the environment,
// and the role when one is named. An OU's accounts are its StackSet's and
// not listed: they are left out.
func (f *accountFlags) configs(ctx context.Context, md *model.Model, env string) ([]target, error) {
	if !slices.Contains(md.EnvironmentNames(), env) {
		return nil, usagef("no environment %q; environments: %v", env, md.EnvironmentNames())
	}
	names := md.EnvironmentAccounts(env)
	for _, a := range f.accounts {
		if !slices.Contains(names, a) {
			return nil, usagef("account %q is not in environment %s: %v", a, env, names)
		}
	}
	var out []target
	for _, name := range names {
		a, listed := md.Account(name)
		if !listed || (len(f.accounts) > 0 && !slices.Contains(f.accounts, name)) {
			continue
		}
		if f.role != "" && !md.RoleEnabled(f.role, name) {
			return nil, usagef("--role %s: the model has no role %s in account %s", f.role, f.role, name)
		}
		cfg, err := awsapi.Load(ctx, awsapi.Options{Profile: os.Getenv(awsapi.ProfileVariable(name)), Region: md.Region(), Endpoint: f.endpoint})
		if err == nil && f.role != "" {
			cfg, err = awsapi.AssumeIn(ctx, cfg, md.Scheme().RoleARN(a.ID, f.role))
		}
		if err != nil {
			return nil, fmt.Errorf("account %s: %w", name, err)
		}
		out = append(out, target{name: name, id: a.ID, cfg: cfg})
	}
	return out, nil
}

func newDriftCmd(g *globalFlags) *cobra.Command {
	f := &driftFlags{}
	cmd := &cobra.Command{
		Use:   "drift",
		Short: "Tell whether every account of an environment still holds what its release created",
		Long: `Drift reads each account of an environment through IAM's API (every user,
group, role and customer managed policy with their policies, console
passwords, MFA devices, access keys, OIDC providers) and compares it both ways
with the release the environment runs, read from the release's assembly:
missing (the release creates it, IAM lacks it), modified (policy documents
compared statement by statement, attachments, group members, tags, trust,
boundary, path, maximum session) and unmanaged (no release created it; AWS's
own roles, the CDK bootstrap's and OrganizationAccountAccessRole excepted, and
what the model declares in standingResources). It then analyses the live
accounts as the release's templates are analysed and reports the access they
give otherwise than the release, and who has full power the release does not
give. Credentials per account come from IAMSTACK_PROFILE_<ACCOUNT NAME IN
CAPITALS>, else from the environment, as for promote; with --role, the role
of the model of that name is assumed in each account from them (the starter's
DriftR and DriftReadR, which drift.yml uses). Accounts an OU's StackSet
reaches are not listed in the model and are not read.

Without --assembly, the release is the one env/<ENV> points at, in the git
checkout; with it, the environment's accounts come from the model. It exits 0
when nothing differs, 1 when something does or an account could not be read.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDrift(cmd.OutOrStdout(), cmd.ErrOrStderr(), g, f)
		},
	}
	f.add(cmd, "read")
	cmd.Flags().StringVar(&f.assembly, "assembly", "", "compare with this cloud assembly instead of the release the environment runs")
	cmd.Flags().StringVar(&f.format, "format", "text", "output format: text or json")
	return cmd
}

func runDrift(out, progress io.Writer, g *globalFlags, f *driftFlags) error {
	if f.format != "text" && f.format != "json" {
		return usagef("--format is text or json, not %q", f.format)
	}
	md, dir, what, err := driftRelease(progress, g, f)
	if err != nil {
		return err
	}
	inv, err := assembly.Read(dir)
	if err != nil {
		return err
	}
	ctx := context.Background()
	accounts, err := f.accountFlags.configs(ctx, md, f.env)
	if err != nil {
		return err
	}
	var targets []drift.Target
	for _, a := range accounts {
		targets = append(targets, drift.Target{Name: a.name, ID: a.id, API: iam.NewFromConfig(a.cfg)})
	}
	start := time.Now()
	fmt.Fprintf(progress, "reading %d accounts of %s, compared with %s\n", len(targets), f.env, what)
	live, errs := drift.ReadAll(ctx, targets, driftConcurrency, func(t drift.Target, err error) {
		if err == nil {
			fmt.Fprintf(progress, "  read %s (%s)\n", t.Name, t.ID)
		}
	})
	var read []assembly.LiveAccount
	var failed []error
	for i, e := range errs {
		if e != nil {
			failed = append(failed, e)
			continue
		}
		read = append(read, live[i])
	}
	rep := drift.Compare(inv, read)
	if f.format == "json" {
		errText := []string{}
		for _, e := range failed {
			errText = append(errText, e.Error())
		}
		if err := writeJSON(out, map[string]any{"environment": f.env, "release": what, "drifted": rep.Drifted(),
			"findings": nonNil(rep.Findings), "access": nonNil(rep.Access), "admins": nonNil(rep.Admins), "errors": errText}); err != nil {
			return err
		}
	} else {
		rep.WriteText(out)
		for _, e := range failed {
			fmt.Fprintf(out, "could not read: %v\n", e)
		}
		switch {
		case len(failed) > 0:
			fmt.Fprintf(out, "drift unknown for %d of %d accounts (%s)\n", len(failed), len(targets), time.Since(start).Round(time.Millisecond))
		case rep.Drifted():
			fmt.Fprintf(out, "drift: %d differences in the %d accounts read (%s)\n", len(rep.Findings), len(targets), time.Since(start).Round(time.Millisecond))
		default:
			fmt.Fprintf(out, "no drift: the %d accounts hold exactly what %s creates (%s)\n", len(targets), what, time.Since(start).Round(time.Millisecond))
		}
	}
	if rep.Drifted() || len(failed) > 0 {
		return &silentExit{code: exitFailed}
	}
	return nil
}

// driftRelease is the model and assembly to compare with: --assembly and
// the model, or the release the environment runs.
func driftRelease(progress io.Writer, g *globalFlags, f *driftFlags) (*model.Model, string, string, error) {
	if f.assembly != "" {
		md, err := load.Model(g.source())
		return md, f.assembly, f.assembly, err
	}
	repo, err := repoRoot()
	if err != nil {
		return nil, "", "", fmt.Errorf("%w; or pass --assembly", err)
	}
	v, found, err := repo.Current(f.env)
	if err != nil {
		return nil, "", "", err
	}
	if !found {
		return nil, "", "", usagef("environment %s runs no release (no branch env/%s): promote one, or pass --assembly", f.env, f.env)
	}
	m, err := repo.Manifest(v)
	if err != nil {
		return nil, "", "", err
	}
	md, err := repo.ModelAt(v, m.Model)
	if err != nil {
		return nil, "", "", err
	}
	dir, err := repo.Artifact(progress, v, synth.InProcess{})
	return md, dir, "release " + v.String(), err
}
