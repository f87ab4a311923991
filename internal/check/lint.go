package check

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/iamstack/iamstack/internal/catalog"
	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/policy"
	"github.com/iamstack/iamstack/internal/rules"
	"github.com/iamstack/iamstack/model"
)

// Lint reviews the statements the model writes (custom roles, CI/CD users)
// in the spirit of IAM Access Analyzer's policy checks and Parliament,
// offline, with the IAM catalog: each finding names its rule, the model
// entity and the statement, and is waived like any other rule, on that
// entity. Findings on what the model cannot express never reach AWS: the
// loader has refused those already.
func Lint(m *model.Model) []Violation {
	return (&checker{m: m}).run(InStatements)
}

// allows calls f for every Allow statement the model writes (custom roles'
// statements and statementsIn, CI/CD users'), with the entity that writes
// it, where it is, and the statements of its policy.
func (c *checker) allows(f func(e metadata.Entity, at, where string, stmts []policy.Statement, i int)) {
	each := func(e metadata.Entity, where string, stmts []policy.Statement) {
		for i, s := range stmts {
			if s.Effect != policy.Allow {
				continue
			}
			at := fmt.Sprintf("%s[%d]", where, i)
			if s.Sid != "" {
				at += " (" + s.Sid + ")"
			}
			f(e, at, where, stmts, i)
		}
	}
	for _, name := range c.m.RoleNames() {
		r, _ := c.m.Role(name)
		e := metadata.Entity{Kind: metadata.EntityRole, Name: name}
		each(e, "roles."+name+".statements", r.Statements)
		for _, target := range slices.Sorted(maps.Keys(r.StatementsIn)) {
			each(e, "roles."+name+".statementsIn."+target, r.StatementsIn[target])
		}
	}
	for _, name := range c.m.CICDUserNames() {
		u, _ := c.m.CICDUser(name)
		each(metadata.Entity{Kind: metadata.EntityCICDUser, Name: name}, "cicdUsers."+name+".statements", u.Statements)
	}
}

func (c *checker) lintNotActionAllow() {
	c.allows(func(e metadata.Entity, at, _ string, stmts []policy.Statement, i int) {
		if s := stmts[i]; len(s.NotActions) > 0 {
			c.add(rules.LintNotActionAllow, at, e, "allows with notActions: every action but "+strings.Join(s.NotActions, ", ")+"; list the actions instead")
		}
	})
}

func (c *checker) lintPermissionsOnAll() {
	cat := catalog.Get()
	c.allows(func(e metadata.Entity, at, _ string, stmts []policy.Statement, i int) {
		s := stmts[i]
		if !slices.Contains(s.Resources, "*") {
			return
		}
		var pm []string
		for _, a := range s.Actions {
			if permissionsManagement(cat, a) {
				pm = append(pm, a)
			}
		}
		if len(pm) > 0 {
			c.add(rules.LintPermissionsOnAll, at, e, "allows "+strings.Join(pm, ", ")+", which change who may do what, on every resource; name the resources")
		}
	})
}

func (c *checker) lintKeyNeverPresent() {
	c.allows(func(e metadata.Entity, at, _ string, stmts []policy.Statement, i int) {
		s := stmts[i]
		services := map[string]bool{}
		for _, a := range s.Actions {
			svc, _, _ := strings.Cut(a, ":")
			services[strings.ToLower(svc)] = true
		}
		for op, kv := range s.Conditions {
			for key := range kv {
				svc, _, _ := strings.Cut(strings.ToLower(key), ":")
				if svc == "aws" || len(s.NotActions) > 0 || services["*"] || services[svc] {
					continue
				}
				c.add(rules.LintKeyNeverPresent, at, e, fmt.Sprintf("%s on %s, a key of %s, which none of the statement's actions (%s) sets: it never matches",
					op, key, svc, strings.Join(s.Actions, ", ")))
			}
		}
	})
}

func (c *checker) lintRedundant() {
	c.allows(func(e metadata.Entity, at, where string, stmts []policy.Statement, i int) {
		s := stmts[i]
		for j, o := range stmts {
			if j != i && covers(o, s) && (j < i || !covers(s, o)) {
				c.add(rules.LintRedundant, at, e, fmt.Sprintf("%s[%d] already allows everything this one does; remove one", where, j))
				return
			}
		}
	})
}

// permissionsManagement tells whether an action pattern names an action of
// the Permissions management access level.
func permissionsManagement(cat *catalog.Data, action string) bool {
	if action == "*" {
		return true
	}
	svc, name, _ := strings.Cut(action, ":")
	for _, a := range cat.MatchActions(svc, name) {
		if cat.Services[svc].Actions[a] == catalog.LevelCode("Permissions management") {
			return true
		}
	}
	return false
}

// covers tells whether statement o allows everything s allows: both
// unconditional Allows with plain actions and resources, each of s's
// actions and resources matched by one of o's.
func covers(o, s policy.Statement) bool {
	if o.Effect != policy.Allow || len(o.Conditions) > 0 || len(s.Conditions) > 0 || len(o.NotActions) > 0 || len(s.NotActions) > 0 ||
		len(o.NotResources) > 0 || len(s.NotResources) > 0 {
		return false
	}
	within := func(patterns, items []string) bool {
		for _, it := range items {
			if !slices.ContainsFunc(patterns, func(p string) bool { return policy.GlobFold(p, it) }) {
				return false
			}
		}
		return true
	}
	return within(o.Actions, s.Actions) && within(o.Resources, s.Resources)
}
