package main

import (
	"reflect"
	"testing"

	"github.com/golign/golign/kernel/session"
)

// The kernel answers kernel_info before its session exists; the
// description it gives must be the one a real session gives.
func TestSessionInfoMatchesASession(t *testing.T) {
	s, err := session.New(session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(false)
	if got, want := sessionInfo(), s.Info(); !reflect.DeepEqual(got, want) {
		t.Errorf("sessionInfo() = %+v\nsession's Info() = %+v", got, want)
	}
}
