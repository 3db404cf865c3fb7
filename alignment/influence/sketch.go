package influence

import (
	"fmt"

	"github.com/golign/golign/alignment/compress"
)

// LayeredOPORP returns an OPORP sketch of the model's gradients into k
// coordinates that sketches every layer separately (compress.NewLayeredOPORP,
// bins in proportion to the layer sizes) and normalises each layer's sketch
// to its exact norm (Li & Li's normalised estimator). Given as
// Config.Compressor, it keeps DataInf per layer as on the uncompressed
// gradients, so that the compressed scores approximate the uncompressed
// ones rather than those of a single-layer DataInf.
func LayeredOPORP(m Model, k int, seed uint64) (*compress.OPORP, error) {
	if m == nil {
		return nil, fmt.Errorf("influence: model is nil")
	}
	layers := m.Layers()
	sizes := make([]int, len(layers))
	for i, l := range layers {
		sizes[i] = l.Size()
	}
	sketch, err := compress.NewLayeredOPORP(sizes, k, seed)
	if err != nil {
		return nil, fmt.Errorf("influence: %w", err)
	}
	sketch.Normalized = true
	return sketch, nil
}
