package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/iamstack/iamstack/internal/load"
	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/model"
)

type validateFlags struct {
	format string
}

func newValidateCmd(g *globalFlags) *cobra.Command {
	f := &validateFlags{}
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check a model and print each user's effective grants",
		Long: `Validate loads the model, checks it and the stacks it would produce against
AWS's quotas, and prints every user's effective grants: the union of their own
grants and their teams', with where each comes from, and the accounts a grant
by account type skips because the role is switched off there.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.format != "text" && f.format != "json" {
				return usagef("--format must be text or json, not %q", f.format)
			}
			m, p, err := load.Plan(g.source())
			var merr *model.Error
			if f.format == "json" && errors.As(err, &merr) {
				// Machines get the problems as data, with the same key style.
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(map[string]any{"valid": false, "problems": merr.Problems}); err != nil {
					return err
				}
				return &silentExit{code: 1}
			}
			if err != nil {
				return err
			}
			report := newGrantReport(m, p)
			if f.format == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(report)
			}
			return report.writeText(cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&f.format, "format", "text", "output format: text or json")
	return cmd
}

// grantReport is what validate prints.
type grantReport struct {
	Model     string        `json:"model"`
	Accounts  int           `json:"accounts"`
	Stacks    []stackReport `json:"stacks"`
	Users     []userReport  `json:"users"`
	CICDUsers []cicdReport  `json:"cicdUsers"`
}

type stackReport struct {
	ID        string `json:"id"`
	Account   string `json:"account"`
	Resources int    `json:"resources"`
}

type userReport struct {
	Name  string `json:"name"`
	Power bool   `json:"power"`
	// SignIn is how they reach their roles: one of model.SignIns.
	SignIn  string        `json:"signIn"`
	Grants  []model.Grant `json:"grants"`
	Skipped []model.Skip  `json:"skipped"`
}

type cicdReport struct {
	Name    string   `json:"name"`
	Account string   `json:"account"`
	Roles   []string `json:"roles"`
	// Assume are the roles of other accounts it assumes: "account/Role".
	Assume []string `json:"assume"`
}

func newGrantReport(m *model.Model, p *plan.Plan) grantReport {
	r := grantReport{Model: m.File(), Accounts: len(m.AccountNames())}
	for _, s := range p.Stacks {
		r.Stacks = append(r.Stacks, stackReport{ID: s.ID, Account: s.Account, Resources: s.ResourceCount()})
	}
	for _, u := range m.UserNames() {
		person, _ := m.User(u)
		r.Users = append(r.Users, userReport{Name: u, Power: person.Power, SignIn: m.SignIn(u),
			Grants: nonNil(m.UserGrants(u)), Skipped: nonNil(m.SkippedGrants(u))})
	}
	for _, c := range m.CICDUserNames() {
		assume := []string{}
		for _, g := range m.CICDAssumeGrants(c) {
			assume = append(assume, g.Account+"/"+g.Role)
		}
		machine, _ := m.CICDUser(c)
		r.CICDUsers = append(r.CICDUsers, cicdReport{Name: c, Account: machine.Account, Roles: nonNil(machine.Roles), Assume: assume})
	}
	return r
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (r grantReport) writeText(out io.Writer) error {
	fmt.Fprintf(out, "%s is valid: %d accounts, %d stacks, %d users, %d CI/CD users\n\n",
		r.Model, r.Accounts, len(r.Stacks), len(r.Users), len(r.CICDUsers))
	err := writeTable(out, func(row func(...string)) {
		row("USER", "ACCOUNT", "MAY ASSUME (WHY)")
		for _, u := range r.Users {
			name := u.Name
			if u.Power {
				name += " [PowerG]"
			}
			switch u.SignIn {
			case model.SignInIdentityCenter:
				name += " [Identity Center]"
			case model.SignInBoth:
				name += " [IAM + Identity Center]"
			}
			if len(u.Grants) == 0 {
				row(name, "-", "no role")
			}
			// Grants are sorted by account: one row per account.
			for i := 0; i < len(u.Grants); {
				var roles []string
				j := i
				for ; j < len(u.Grants) && u.Grants[j].Account == u.Grants[i].Account; j++ {
					roles = append(roles, fmt.Sprintf("%s (%s)", u.Grants[j].Role, strings.Join(u.Grants[j].Sources, ", ")))
				}
				row(name, u.Grants[i].Account, strings.Join(roles, ", "))
				name, i = "", j
			}
			for _, s := range u.Skipped {
				row("", s.Account, fmt.Sprintf("skipped: %s is switched off there (%s)", s.Role, s.Source))
			}
		}
	})
	if err != nil || len(r.CICDUsers) == 0 {
		return err
	}
	fmt.Fprintln(out)
	return writeTable(out, func(row func(...string)) {
		row("CI/CD USER", "ACCOUNT", "MAY ASSUME")
		for _, c := range r.CICDUsers {
			roles := strings.Join(append(slices.Clone(c.Roles), c.Assume...), ", ")
			if roles == "" {
				roles = "no role (own policy only)"
			}
			row(c.Name, c.Account, roles)
		}
	})
}
