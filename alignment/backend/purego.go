//go:build !openblas || !cgo

package backend

// name describes the pure-Go backend.
func name() string { return "gonum (pure Go)" }
