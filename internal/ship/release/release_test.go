package release

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestVersions(t *testing.T) {
	v, err := ParseVersion("v1.2.3")
	if err != nil || v != (Version{1, 2, 3}) {
		t.Fatalf("%v %v", v, err)
	}
	for part, want := range map[string]string{"patch": "v1.2.4", "minor": "v1.3.0", "major": "v2.0.0"} {
		if got, _ := v.Bump(part); got.String() != want {
			t.Errorf("bump %s: %s, want %s", part, got, want)
		}
	}
	if _, err := v.Bump("huge"); err == nil {
		t.Error("bump huge accepted")
	}
	for _, bad := range []string{"1.2.3", "v1.2", "v01.2.3", "v1.2.3-rc1"} {
		if _, err := ParseVersion(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if !(Version{0, 9, 9}).Less(Version{0, 10, 0}) || (Version{1, 0, 0}).Less(Version{0, 99, 99}) {
		t.Error("versions compare as numbers, not strings")
	}
}

func TestTagMessageRoundTrip(t *testing.T) {
	m := Manifest{Version: "v0.1.0", Commit: "abc", Model: "iamstack.yaml", Templates: map[string]string{"a.template.json": "00ff"}}
	got, err := ParseTagMessage(TagMessage("notes\nwith lines\n", m))
	if err != nil || got.Version != m.Version || got.Templates["a.template.json"] != "00ff" {
		t.Errorf("%+v %v", got, err)
	}
	if _, err := ParseTagMessage("a hand-made tag"); err == nil || !strings.Contains(err.Error(), "not made by `make release`") {
		t.Errorf("a tag without manifest: %v", err)
	}
}

func TestAuditTag(t *testing.T) {
	at := time.Date(2026, 11, 22, 14, 5, 9, 0, time.FixedZone("CET", 3600))
	if got := AuditTag("prod", at, Version{0, 2, 1}); got != "env/prod/20261122-130509-v0.2.1" {
		t.Errorf("audit tag %s (UTC, date-time-version)", got)
	}
}

func TestVerify(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.template.json"), []byte(`{"Resources":{}}`), 0o644)
	h, err := Hashes(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := Manifest{Version: "v1.0.0", Templates: h}
	if err := Verify(dir, m); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "a.template.json"), []byte(`{"Resources":{"X":{}}}`), 0o644)
	os.WriteFile(filepath.Join(dir, "b.template.json"), []byte(`{}`), 0o644)
	err = Verify(dir, m)
	if err == nil || !strings.Contains(err.Error(), "a.template.json has SHA-256") || !strings.Contains(err.Error(), "b.template.json is not part of the release") {
		t.Errorf("tampering not reported: %v", err)
	}
}
