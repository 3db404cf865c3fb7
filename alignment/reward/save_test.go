package reward_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golign/golign/alignment/reward"
	"gonum.org/v1/gonum/floats"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	mlp, err := reward.NewMLP([]int{3, 4, 2}, reward.GELU, 0.02, 9)
	if err != nil {
		t.Fatal(err)
	}
	lin := &reward.Linear{Theta: []float64{1.5, -2, 0.25}, L2: 0.1}
	dir := t.TempDir()
	for _, m := range []reward.Model{lin, mlp} {
		path := filepath.Join(dir, "model.bin")
		if err := reward.SaveFile(path, m); err != nil {
			t.Fatal(err)
		}
		got, err := reward.LoadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !floats.Equal(got.Params(), m.Params()) || got.Regularization() != m.Regularization() || got.InputDim() != m.InputDim() {
			t.Fatalf("%T changed in a round trip", m)
		}
		if g, ok := got.(*reward.MLP); ok && g.Activation != reward.GELU {
			t.Fatalf("activation %v", g.Activation)
		}
	}
}

func TestLoadRejectsDamagedFiles(t *testing.T) {
	var buf bytes.Buffer
	if err := reward.Save(&buf, &reward.Linear{Theta: []float64{1, 2, 3}, L2: 0.1}); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	flipped := append([]byte(nil), good...)
	flipped[40] ^= 0x10 // inside θ
	badMagic := append([]byte(nil), good...)
	badMagic[0] = 'X'
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"header only", good[:20], "truncated"},
		{"half the parameters", good[:len(good)-12], "truncated"},
		{"flipped bit", flipped, "checksum"},
		{"bad magic", badMagic, "magic"},
		{"trailing bytes", append(append([]byte(nil), good...), 0), "trailing"},
	}
	for _, tc := range tests {
		_, err := reward.Load(bytes.NewReader(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
}
