package influence_test

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"codeberg.org/sbinet/npyio/npy"
	"github.com/golign/golign/alignment/influence"
	"gonum.org/v1/gonum/mat"
)

var numpyCheck = flag.Bool("numpy", false, "check DataInf against testdata/datainf_numpy.py (needs /usr/bin/python3 with numpy)")

// writeNpy writes m to dir/name as a float64 .npy file.
func writeNpy(t *testing.T, dir, name string, m *mat.Dense) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := npy.Write(f, m); err != nil {
		t.Fatal(err)
	}
}

func TestDataInfAgreesWithNumPy(t *testing.T) {
	if !*numpyCheck {
		t.Skip("run with -numpy to compare with NumPy")
	}
	g := gradientLike(700, 96, 7)
	q := gradientLike(5, 96, 8)
	f, err := influence.FitGradients(g, nil, influence.Config{Method: influence.DataInf, BlockSize: 128})
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.ScoresOfGradients(q)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeNpy(t, dir, "train.npy", g)
	writeNpy(t, dir, "query.npy", q)
	writeNpy(t, dir, "scores.npy", s)
	out, err := exec.Command("/usr/bin/python3", "testdata/datainf_numpy.py", "verify", dir).CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("NumPy disagrees: %v", err)
	}
}
