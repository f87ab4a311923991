package resources

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"testing"
)

// The embedded tarball is what js/ builds (`make jsii-resources`): the
// same source, package.json and version.
func TestTarballIsTheSource(t *testing.T) {
	packed := map[string][]byte{}
	z, err := gzip.NewReader(bytes.NewReader(tarball))
	if err != nil {
		t.Fatal(err)
	}
	r := tar.NewReader(z)
	for {
		h, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		packed[h.Name] = b
	}
	for _, f := range []string{"lib/index.ts", "package.json", "README.md"} {
		src, err := os.ReadFile("js/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(packed["package/"+f], src) {
			t.Errorf("js/%s differs from the embedded tarball's: run `make jsii-resources`", f)
		}
	}
	for _, f := range []string{"lib/index.js", ".jsii"} {
		if len(packed["package/"+f]) == 0 {
			t.Errorf("the tarball has no %s", f)
		}
	}
	var pkg struct{ Name, Version string }
	if err := json.Unmarshal(packed["package/package.json"], &pkg); err != nil || pkg.Name != name || pkg.Version != version {
		t.Errorf("the tarball is %s %s, resources.go loads %s %s (%v)", pkg.Name, pkg.Version, name, version, err)
	}
}
