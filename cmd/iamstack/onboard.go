package main

import (
	"bytes"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/iamstack/iamstack/internal/build/names"
	"github.com/iamstack/iamstack/internal/load"
	"github.com/iamstack/iamstack/internal/ship/awsconfig"
)

func newOnboardCmd(g *globalFlags) *cobra.Command {
	var assemblyFlag string
	cmd := &cobra.Command{
		Use:   "onboard USER",
		Short: "Print a new user's first steps: console sign-in, first password, MFA, access key, CLI profiles",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := load.Model(load.Source(g.model))
			if err != nil {
				return err
			}
			user := args[0]
			u, ok := m.Users[user]
			if !ok {
				return fmt.Errorf("no user %q in %s; users: %v", user, m.File(), m.UserNames())
			}
			inv, rep, cleanup, err := analyzed(assemblyFlag, g.model)
			if err != nil {
				return err
			}
			defer cleanup()
			ps, err := awsconfig.ForUser(inv, rep, user)
			if err != nil {
				return err
			}
			return writeOnboarding(cmd.OutOrStdout(), onboarding{
				user: user, console: u.Console, account: m.UserOnlyAccount().ID, alias: m.UserOnlyAccount().Alias,
				region: m.Region, secret: m.Scheme().FirstPasswordSecret(user), profiles: ps,
			})
		},
	}
	cmd.Flags().StringVar(&assemblyFlag, "assembly", "", "cloud assembly directory (default: synthesize the model)")
	return cmd
}

type onboarding struct {
	user, account, alias, region, secret string
	console                              bool
	profiles                             awsconfig.Profiles
}

func writeOnboarding(w io.Writer, o onboarding) error {
	src := o.profiles.SourceProfile()
	fmt.Fprintf(w, "Onboarding %s\n\n", o.user)
	if o.console {
		fmt.Fprintf(w, `1. Sign in to the AWS console
   URL:       %s
   User name: %s
   Password:  an administrator reads your first password and hands it to you privately:
                aws secretsmanager get-secret-value --secret-id %s \
                  --query SecretString --output text --region %s --profile <administrator profile>
              You must choose a new password when you first sign in.

`, names.SignInURL(o.account, o.alias), o.user, o.secret, o.region)
	} else {
		fmt.Fprintf(w, `1. You have no console password (console: false in the model). An administrator creates
   your first access key and hands it to you privately:
     aws iam create-access-key --user-name %s --profile <administrator profile>

`, o.user)
	}
	fmt.Fprintf(w, `2. Set up MFA before anything else: until you do, you can do nothing but set it up%s.
   Console: IAM > Users > %s > Security credentials > Assign MFA device, named %s.
   CLI:     aws iam create-virtual-mfa-device --virtual-mfa-device-name %s --outfile qr.png --bootstrap-method QRCodePNG
            aws iam enable-mfa-device --user-name %s --serial-number arn:aws:iam::%s:mfa/%s --authentication-code1 <code> --authentication-code2 <next code>

3. Sign out and back in with your MFA device (the MFA session is what unlocks the rest), then
   create your own access key (Security credentials > Create access key), and either
   aws-vault add %s
   or put it in ~/.aws/credentials (template: iamstack awsconfig --user %s --credentials).

4. Add these profiles to ~/.aws/config:

`, passwordNote(o.console), o.user, o.user, o.user, o.user, o.account, o.user, src, o.user)
	var cfg bytes.Buffer
	if err := o.profiles.WriteConfig(&cfg); err != nil {
		return err
	}
	w.Write(cfg.Bytes())
	fmt.Fprintln(w)
	if len(o.profiles.List) > 1 {
		first := o.profiles.List[1].Name
		fmt.Fprintf(w, "5. Check it works (the CLI asks for your MFA code):\n   aws sts get-caller-identity --profile %s\n   aws-vault exec %s -- aws sts get-caller-identity\n", first, first)
	} else {
		fmt.Fprintf(w, "5. You have no role yet: ask for a grant in the model (a pull request to it).\n")
	}
	return nil
}

func passwordNote(console bool) string {
	if console {
		return " and change your password"
	}
	return ""
}
