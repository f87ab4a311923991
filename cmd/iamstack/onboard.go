package main

import (
	"bytes"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/iamstack/iamstack/internal/load"
	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/ship/awsconfig"
	"github.com/iamstack/iamstack/model"
)

func newOnboardCmd(g *globalFlags) *cobra.Command {
	var assemblyFlag string
	cmd := &cobra.Command{
		Use:   "onboard USER",
		Short: "Print a new user's first steps: console sign-in, first password, MFA, access key, CLI profiles",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := load.Model(g.source())
			if err != nil {
				return err
			}
			user := args[0]
			u, ok := m.User(user)
			if c, machine := m.CICDUser(user); !ok && machine {
				return fmt.Errorf("%s is a CI/CD user of account %s, not a person: onboarding is for people. Create its access key as an administrator of that account (aws iam create-access-key --user-name %s) and give it its profiles with `iamstack awsconfig --user %s`; better, replace it with a role that trusts your CI's identity provider", user, c.Account, user, user)
			}
			if !ok {
				return fmt.Errorf("no user %q in %s%s", user, m.File(), model.DidYouMean(user, m.UserNames()))
			}
			inv, rep, cleanup, err := analyzed(assemblyFlag, g.source())
			if err != nil {
				return err
			}
			defer cleanup()
			if m.SignIn(user) == model.SignInIdentityCenter {
				ps, err := awsconfig.For(inv, rep, user, awsconfig.FormatSSO)
				if err != nil {
					return err
				}
				ic, _ := m.IdentityCenter()
				return writeIdentityCenterOnboarding(cmd.OutOrStdout(), user, m.IdentityCenterUserName(user), ic, ps)
			}
			ps, err := awsconfig.ForUser(inv, rep, user)
			if err != nil {
				return err
			}
			return writeOnboarding(cmd.OutOrStdout(), onboarding{
				user: user, console: u.Console, account: m.UserOnlyAccount().ID, alias: m.UserOnlyAccount().Alias,
				partition: m.Scheme().Partition, region: m.Region(), secret: m.FirstPasswordSecret(user), profiles: ps,
			})
		},
	}
	cmd.Flags().StringVar(&assemblyFlag, "assembly", "", "cloud assembly directory (default: synthesize the model)")
	return cmd
}

type onboarding struct {
	user, account, alias, partition, region, secret string
	console                                         bool
	profiles                                        awsconfig.Profiles
}

func writeOnboarding(w io.Writer, o onboarding) error {
	src := o.profiles.SourceProfile()
	mfaARN := "arn:" + o.partition + ":iam::" + o.account + ":mfa/" + o.user
	fmt.Fprintf(w, "Onboarding %s\n\n", o.user)
	if o.console {
		// An adopted user keeps the password they have (keepPassword).
		password := "the one you have: iamstack adopted your user and keeps it."
		if o.secret != "" {
			password = `an administrator reads your first password and hands it to you privately:
                aws secretsmanager get-secret-value --secret-id ` + o.secret + ` \
                  --query SecretString --output text --region ` + o.region + ` --profile <administrator profile>
              You must choose a new password when you first sign in.`
		}
		fmt.Fprintf(w, `1. Sign in to the AWS console
   URL:       %s
   User name: %s
   Password:  %s

2. Set up MFA before anything else: until you do, you can do nothing but set it up and change
   your password. IAM > Users > %s > Security credentials > Assign MFA device, named %s.

3. Sign out and back in with your MFA device (the MFA session is what unlocks the rest), then
   create your own access key (Security credentials > Create access key), and either
   aws-vault add %s
   or put it in ~/.aws/credentials (template: iamstack awsconfig --user %s --credentials).

`, names.SignInURL(o.account, o.alias), o.user, password, o.user, o.user, src, o.user)
	} else {
		fmt.Fprintf(w, `1. You sign in with the AWS CLI only (no console password: console is false in the model).
   An administrator creates your first access key and hands it to you privately:
     aws iam create-access-key --user-name %s --profile <administrator profile>
   Store it with aws-vault (aws-vault add %s) or in ~/.aws/credentials under [%s]
   (template: iamstack awsconfig --user %s --credentials).

2. Set up MFA before anything else: until you do, that key can do nothing but set it up.
     aws iam create-virtual-mfa-device --virtual-mfa-device-name %s --outfile qr.png --bootstrap-method QRCodePNG --profile %s
   Scan qr.png with your authenticator app, delete the file, then:
     aws iam enable-mfa-device --user-name %s --serial-number %s \
       --authentication-code1 <code> --authentication-code2 <next code> --profile %s

3. Replace the key you were handed by one only you have seen: create a new access key with an
   MFA session, store it as above, and delete the first one (aws iam delete-access-key).

`, o.user, src, src, o.user, o.user, src, o.user, mfaARN, src)
	}
	fmt.Fprintf(w, "4. Add these profiles to ~/.aws/config:\n\n")
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

// writeIdentityCenterOnboarding prints the first steps of a person who
// signs in through IAM Identity Center: the access portal, MFA, and the
// sso profiles of their assignments.
func writeIdentityCenterOnboarding(w io.Writer, user, userName string, ic model.IdentityCenter, ps awsconfig.Profiles) error {
	fmt.Fprintf(w, "Onboarding %s (IAM Identity Center)\n\n", user)
	if ic.Directory == model.DirectoryExternal {
		fmt.Fprintf(w, `1. Your identity provider gives you access: once it has provisioned you (as %s),
   sign in to the AWS access portal with your company account:
     %s
   The provider asks for your MFA.

`, userName, ic.StartURL)
	} else {
		// Identity Center gives a user created through its API (as
		// CloudFormation does) no password and sends no invitation.
		fmt.Fprintf(w, `1. Sign in to the AWS access portal as %s:
     %s
   Identity Center created you without a password: an administrator either turns on
   "Send email OTP for users created from API" (Settings > Authentication), so the portal
   emails you a one-time password at first sign-in, or sends you a password reset email
   (Users > %s > Reset password). Choose a password and register an MFA device when it asks.

`, userName, ic.StartURL, userName)
	}
	fmt.Fprintf(w, `2. Add your profiles to ~/.aws/config (AWS CLI v2):
     iamstack awsconfig --user %s --format sso --merge ~/.aws/config
   They are:

`, user)
	var cfg bytes.Buffer
	if err := ps.WriteConfig(&cfg); err != nil {
		return err
	}
	w.Write(cfg.Bytes())
	fmt.Fprintln(w)
	if len(ps.List) > 1 {
		fmt.Fprintf(w, "3. Sign in and check it works:\n   aws sso login --sso-session %s\n   aws sts get-caller-identity --profile %s\n", ps.List[0].Name, ps.List[1].Name)
	} else {
		fmt.Fprintf(w, "3. You have no role yet: ask for a grant in the model (a pull request to it).\n")
	}
	return nil
}
