//go:build !openblas || !cgo

package backend

const name = "gonum (pure Go)"
