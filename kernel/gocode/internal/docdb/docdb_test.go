package docdb

import (
	"bytes"
	"reflect"
	"testing"
)

func TestRoundTripIsDeterministic(t *testing.T) {
	db := DB{
		"fmt": {Name: "fmt", Doc: "Package fmt formats.", Entries: map[string]Entry{
			"Println":  {Kind: Func, Decl: "func Println(a ...any) (n int, err error)", Doc: "Println prints."},
			"Stringer": {Kind: Type, Decl: "type Stringer interface{ String() string }"},
		}},
		"builtin": {Name: "builtin", Entries: map[string]Entry{"len": {Kind: Func, Decl: "func len(v Type) int"}}},
	}
	var first, second bytes.Buffer
	if err := Write(&first, db); err != nil {
		t.Fatal(err)
	}
	if err := Write(&second, db); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Error("the same database encoded to different bytes")
	}
	got, err := Read(&first)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, db) {
		t.Errorf("Read(Write(db)) = %+v, want %+v", got, db)
	}
}
