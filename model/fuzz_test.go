package model_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/model"
)

// FuzzParse feeds arbitrary bytes to the loader: it never panics, an error
// is always a *model.Error naming the file, and a model it accepts is
// resolved the same way twice.
func FuzzParse(f *testing.F) {
	f.Add(iamstack.Example())
	f.Add([]byte(base))
	f.Add([]byte("apiVersion: iamstack/v1\n"))
	f.Add([]byte("accounts: [{name: a, id: 1, type: user-only}]\nusers: {a: {grants: {AdminR: [a]}}}"))
	f.Add([]byte("a: &x [1]\nb: *x\n"))
	f.Add([]byte("---\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := model.Parse("f.yaml", data)
		if err != nil {
			var merr *model.Error
			if !errors.As(err, &merr) || len(merr.Problems) == 0 {
				t.Fatalf("error is not a *model.Error: %v", err)
			}
			for _, p := range merr.Problems {
				if p.File != "f.yaml" || p.Msg == "" {
					t.Fatalf("problem without file or message: %+v", p)
				}
			}
			return
		}
		again, err := model.Parse("f.yaml", data)
		if err != nil {
			t.Fatalf("second parse failed: %v", err)
		}
		for _, u := range m.UserNames() {
			if !reflect.DeepEqual(m.UserGrants(u), again.UserGrants(u)) {
				t.Fatalf("grants of %s differ between two parses", u)
			}
		}
	})
}
