package main

import (
	"os"
	"testing"

	"github.com/iamstack/iamstack/internal/jsiiexit"
)

// TestMain closes the jsii runtime, which starts with the package whatever
// the tier: its temporary directory must not outlive the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	jsiiexit.Close()
	os.Exit(code)
}
