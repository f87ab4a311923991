package identitycenter_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/ship/identitycenter"
	"github.com/iamstack/iamstack/model"
)

// directory is an identity store in memory.
type directory struct{ groups, users map[string]string }

func (d directory) GroupID(_ context.Context, _, name string) (string, error) {
	return d.groups[name], nil
}
func (d directory) UserID(_ context.Context, _, name string) (string, error) {
	return d.users[name], nil
}

const external = "../../../testdata/identity-center-external.yaml"

// Lock asks for exactly the groups and people who sign in through
// Identity Center, by their names there, and what it writes loads the
// model; a group or person the store lacks is an error naming them.
func TestLock(t *testing.T) {
	m, err := model.LoadUnlocked(external)
	if err != nil {
		t.Fatal(err)
	}
	dir := directory{
		groups: map[string]string{"AWS-Platform": "9067f1e2d3-2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d", "AWS-Developers": "9067f1e2d3-1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"},
		users:  map[string]string{"ana.lima@acme.example": "9067f1e2d3-3b4c5d6e-7f8a-4b9c-8d0e-2f3a4b5c6d7e", "ben.oduya@acme.example": "9067f1e2d3-4c5d6e7f-8a9b-4c0d-9e1f-3a4b5c6d7e8f"},
	}
	l, err := identitycenter.Lock(context.Background(), dir, m)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Groups) != 2 || len(l.Users) != 2 || l.IdentityStoreID != "d-9067f1e2d3" {
		t.Errorf("lock %+v: the platform and developers groups, ana and ben (eli.park is an IAM user)", l)
	}
	data, err := model.WriteLock(l)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	src, _ := os.ReadFile(external)
	os.WriteFile(filepath.Join(tmp, "m.yaml"), src, 0o644)
	os.WriteFile(filepath.Join(tmp, model.LockFile("m.yaml")), data, 0o644)
	if _, err := model.Load(filepath.Join(tmp, "m.yaml")); err != nil {
		t.Errorf("the model does not load with the lock written: %v", err)
	}
	committed, _ := os.ReadFile("../../../testdata/identity-center-external.identity-center.lock")
	if string(committed) != string(data) {
		t.Errorf("the committed lock differs from what lock writes:\n%s\nwant:\n%s", committed, data)
	}

	delete(dir.users, "ben.oduya@acme.example")
	if _, err := identitycenter.Lock(context.Background(), dir, m); err == nil || !strings.Contains(err.Error(), `has no user "ben.oduya@acme.example"`) {
		t.Errorf("a person the store lacks: %v", err)
	}
}
