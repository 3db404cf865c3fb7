package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"codeberg.org/sbinet/npyio"
	"gonum.org/v1/gonum/mat"
)

// Params are the sizes and settings of one task, written to params.json in
// the task's directory for golign's worker and the NumPy peer alike.
type Params struct {
	// N, Dim and Queries are the training rows, their dimension and the
	// query rows; K is OPORP's sketch dimension.
	N       int `json:"n"`
	Dim     int `json:"dim"`
	Queries int `json:"queries"`
	K       int `json:"k"`
	// L2 is the model's λ; Tolerance (on ‖∇L‖∞) and MaxIterations stop
	// Bradley–Terry training.
	L2            float64 `json:"l2"`
	Tolerance     float64 `json:"tolerance"`
	MaxIterations int     `json:"max_iterations"`
	// Steps is the number of transformer training steps timed.
	Steps int `json:"steps"`
	// Seed seeds the data and the sketch.
	Seed uint64 `json:"seed"`
}

// paramsFile is the name of a task directory's parameters.
const paramsFile = "params.json"

// writeParams writes p to dir/params.json.
func writeParams(dir string, p Params) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, paramsFile), b, 0o644)
}

// readParams reads dir/params.json.
func readParams(dir string) (Params, error) {
	var p Params
	b, err := os.ReadFile(filepath.Join(dir, paramsFile))
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("%s: %w", filepath.Join(dir, paramsFile), err)
	}
	return p, nil
}

// gradientLike returns n×d rows shaped like per-example gradients: a seeded
// random combination of 8 shared directions plus isotropic noise of
// standard deviation ½ (the data of alignment/influence's benchmarks).
func gradientLike(n, d int, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 2))
	const rank = 8
	base, coef := mat.NewDense(rank, d, nil), mat.NewDense(n, rank, nil)
	for _, m := range []*mat.Dense{base, coef} {
		fillNormal(m.RawMatrix().Data, rng, 1)
	}
	g := mat.NewDense(n, d, nil)
	g.Mul(coef, base)
	raw := g.RawMatrix().Data
	for i := range raw {
		raw[i] += 0.5 * rng.NormFloat64()
	}
	return g
}

// fillNormal fills x with normal draws of standard deviation sd.
func fillNormal(x []float64, rng *rand.Rand, sd float64) {
	for i := range x {
		x[i] = sd * rng.NormFloat64()
	}
}

// saveNPY writes an array (a *mat.Dense or a slice) to path as .npy.
func saveNPY(path string, v any) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	if err := npyio.Write(w, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return w.Flush()
}

// loadDense reads an .npy matrix written by saveNPY or NumPy.
func loadDense(path string) (*mat.Dense, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var m mat.Dense
	if err := npyio.Read(bufio.NewReaderSize(f, 1<<20), &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &m, nil
}

// loadVector reads an .npy vector.
func loadVector(path string) ([]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var v []float64
	if err := npyio.Read(bufio.NewReaderSize(f, 1<<20), &v); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}
