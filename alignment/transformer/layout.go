package transformer

import "fmt"

// Block is one named parameter tensor inside the flat parameter vector: the
// Rows×Cols row-major matrix at Params()[Offset : Offset+Rows*Cols]
// (vectors have Rows 1).
//
// The layout, in order (d = Width, h = Hidden, V = Vocab, C = Context):
//
//	embed                       V×d  token embedding
//	position                    C×d  learned positions only
//	layer{i}.ln1.gain, .bias    1×d  LayerNorm before attention
//	layer{i}.attn.q.weight      d×d  and .bias 1×d; likewise k, v
//	layer{i}.attn.o.weight      d×d  and .bias 1×d  output projection
//	layer{i}.ln2.gain, .bias    1×d  LayerNorm before the MLP
//	layer{i}.mlp.in.weight      h×d  and .bias 1×h
//	layer{i}.mlp.out.weight     d×h  and .bias 1×d
//	final_ln.gain, .bias        1×d
//	unembed                     V×d  untied output only (tied: embed)
//
// A linear map's weight is stored out×in, so y = W x + b acts on a column
// x and a row-major batch X (tokens × in) maps to X Wᵀ + b.
type Block struct {
	Name       string
	Offset     int
	Rows, Cols int
}

// Linear describes one linear map y = W x (+ b) of the model, in forward
// order: the q, k, v, o projections and the MLP's in and out maps of every
// layer, then the unembedding.
type Linear struct {
	// Name is the name of the weight block without ".weight".
	Name string
	// In and Out are the dimensions of x and y.
	In, Out int
	// Weight is the Out×In weight block.
	Weight Block
	// Bias is the 1×Out bias block; its Name is empty for the
	// unembedding, which has no bias.
	Bias Block
}

type linear struct {
	in, out int
	w, b    []float64 // w is out×in; b is nil for the unembedding
}

type layerWeights struct {
	ln1Gain, ln1Bias, ln2Gain, ln2Bias []float64
	q, k, v, o, mlpIn, mlpOut          linear
}

// weights are views into one flat vector (the parameters, or a gradient of
// the same shape).
type weights struct {
	embed, position  []float64
	layers           []layerWeights
	lnfGain, lnfBias []float64
	unembed          linear // w aliases embed when the output is tied
}

// bind lays cfg's parameters out over data (nil: only the layout) and
// returns the views, the blocks, the linear maps and the total size.
func bind(cfg Config, data []float64) (w weights, blocks []Block, linears []Linear, size int) {
	take := func(name string, rows, cols int) []float64 {
		blocks = append(blocks, Block{Name: name, Offset: size, Rows: rows, Cols: cols})
		size += rows * cols
		if data == nil {
			return nil
		}
		return data[size-rows*cols : size : size]
	}
	lin := func(name string, in, out int) linear {
		l := linear{in: in, out: out, w: take(name+".weight", out, in)}
		wb := blocks[len(blocks)-1]
		l.b = take(name+".bias", 1, out)
		linears = append(linears, Linear{Name: name, In: in, Out: out, Weight: wb, Bias: blocks[len(blocks)-1]})
		return l
	}
	d, h := cfg.Width, cfg.Hidden
	w.embed = take("embed", cfg.Vocab, d)
	embedBlock := blocks[0]
	if cfg.Positions == LearnedPositions {
		w.position = take("position", cfg.Context, d)
	}
	w.layers = make([]layerWeights, cfg.Layers)
	for i := range w.layers {
		p := fmt.Sprintf("layer%d.", i)
		lw := &w.layers[i]
		lw.ln1Gain = take(p+"ln1.gain", 1, d)
		lw.ln1Bias = take(p+"ln1.bias", 1, d)
		lw.q = lin(p+"attn.q", d, d)
		lw.k = lin(p+"attn.k", d, d)
		lw.v = lin(p+"attn.v", d, d)
		lw.o = lin(p+"attn.o", d, d)
		lw.ln2Gain = take(p+"ln2.gain", 1, d)
		lw.ln2Bias = take(p+"ln2.bias", 1, d)
		lw.mlpIn = lin(p+"mlp.in", d, h)
		lw.mlpOut = lin(p+"mlp.out", h, d)
	}
	w.lnfGain = take("final_ln.gain", 1, d)
	w.lnfBias = take("final_ln.bias", 1, d)
	w.unembed = linear{in: d, out: cfg.Vocab, w: w.embed}
	unembedBlock := embedBlock
	if cfg.UntiedOutput {
		w.unembed.w = take("unembed", cfg.Vocab, d)
		unembedBlock = blocks[len(blocks)-1]
	}
	linears = append(linears, Linear{Name: "unembed", In: d, Out: cfg.Vocab, Weight: unembedBlock})
	return w, blocks, linears, size
}
