package jsonstream

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
)

// The array is written as json.Encoder with SetIndent("", "  ") writes it,
// for none, one and many elements, nested values and characters JSON
// escapes.
func TestWriteArrayIsTheEncoders(t *testing.T) {
	type entry struct {
		Name  string   `json:"name"`
		Via   []string `json:"via"`
		Empty []string `json:"empty,omitempty"`
		N     int      `json:"n"`
	}
	for _, items := range [][]entry{
		{},
		{{Name: "a", Via: []string{}}},
		{{Name: "a<b>&\"c\"", Via: []string{"x", "y"}, N: 1}, {Name: "é", Via: nil, Empty: []string{"z"}}, {}},
	} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(items); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := WriteArray(&got, slices.Values(items)); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%d items:\ngot  %q\nwant %q", len(items), got.String(), want.String())
		}
	}
}

// An element JSON cannot encode stops the writing with its error.
func TestWriteArrayFails(t *testing.T) {
	if err := WriteArray(&bytes.Buffer{}, slices.Values([]any{1, make(chan int)})); err == nil {
		t.Error("a channel was written")
	}
}

// appended writes its own JSON: WriteArray takes it as it is.
type appended string

func (a appended) AppendJSONElement(b []byte) []byte { return append(b, `"own `+string(a)+`"`...) }

func TestWriteArrayTakesAnAppendersJSON(t *testing.T) {
	var got bytes.Buffer
	if err := WriteArray(&got, slices.Values([]appended{"a", "b"})); err != nil {
		t.Fatal(err)
	}
	if want := "[\n  \"own a\",\n  \"own b\"\n]\n"; got.String() != want {
		t.Errorf("got %q, want %q", got.String(), want)
	}
}
