package transformer

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// matrix views rows×cols row-major data with the given stride.
func matrix(data []float64, rows, cols, stride int) blas64.General {
	return blas64.General{Rows: rows, Cols: cols, Stride: stride, Data: data}
}

// forward computes y = x Wᵀ + b for the n rows of x (n×in) into y (n×out).
func (l linear) forward(x []float64, n int, y []float64) {
	if n == 1 {
		blas64.Gemv(blas.NoTrans, 1, matrix(l.w, l.out, l.in, l.in), blas64.Vector{N: l.in, Inc: 1, Data: x}, 0, blas64.Vector{N: l.out, Inc: 1, Data: y})
	} else {
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, matrix(x, n, l.in, l.in), matrix(l.w, l.out, l.in, l.in), 0, matrix(y, n, l.out, l.out))
	}
	if l.b != nil {
		for r := 0; r < n; r++ {
			row := y[r*l.out : (r+1)*l.out]
			for j, b := range l.b {
				row[j] += b
			}
		}
	}
}

// backward accumulates the gradients of y = x Wᵀ + b given dy (n×out):
// g.w += dyᵀ x, g.b += Σ_rows dy, and dx (n×in, skipped when nil) gets
// dy W, added to its contents when accumulate is true.
func (l linear) backward(x, dy []float64, n int, g linear, dx []float64, accumulate bool) {
	blas64.Gemm(blas.Trans, blas.NoTrans, 1, matrix(dy, n, l.out, l.out), matrix(x, n, l.in, l.in), 1, matrix(g.w, l.out, l.in, l.in))
	if g.b != nil {
		for r := 0; r < n; r++ {
			for j, v := range dy[r*l.out : (r+1)*l.out] {
				g.b[j] += v
			}
		}
	}
	if dx != nil {
		beta := 0.0
		if accumulate {
			beta = 1
		}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, matrix(dy, n, l.out, l.out), matrix(l.w, l.out, l.in, l.in), beta, matrix(dx, n, l.in, l.in))
	}
}

const layerNormEps = 1e-5

// layerNorm normalises each of the n rows of x (width d): y = gain·x̂ +
// bias with x̂ = (x − μ)/sqrt(σ² + ε) (Ba et al. 2016). It stores x̂ and
// 1/sqrt(σ² + ε) per row for the backward pass when they are non-nil.
func layerNorm(x []float64, n, d int, gain, bias, y, xhat, rstd []float64) {
	for r := 0; r < n; r++ {
		row := x[r*d : (r+1)*d]
		var mean float64
		for _, v := range row {
			mean += v
		}
		mean /= float64(d)
		var vr float64
		for _, v := range row {
			vr += (v - mean) * (v - mean)
		}
		s := 1 / math.Sqrt(vr/float64(d)+layerNormEps)
		out := y[r*d : (r+1)*d]
		for j, v := range row {
			h := (v - mean) * s
			if xhat != nil {
				xhat[r*d+j] = h
			}
			out[j] = gain[j]*h + bias[j]
		}
		if rstd != nil {
			rstd[r] = s
		}
	}
}

// layerNormBackward adds to dx (n×d) the gradient through a LayerNorm
// whose output gradient is dy, and accumulates gGain += Σ dy·x̂ and
// gBias += Σ dy. With g = dy·gain, dx = rstd·(g − mean(g) − x̂·mean(g·x̂)).
func layerNormBackward(dy, xhat, rstd []float64, n, d int, gain, gGain, gBias, dx []float64) {
	for r := 0; r < n; r++ {
		dyr := dy[r*d : (r+1)*d]
		xh := xhat[r*d : (r+1)*d]
		var mg, mgx float64
		for j := range dyr {
			g := dyr[j] * gain[j]
			mg += g
			mgx += g * xh[j]
			gGain[j] += dyr[j] * xh[j]
			gBias[j] += dyr[j]
		}
		mg /= float64(d)
		mgx /= float64(d)
		dxr := dx[r*d : (r+1)*d]
		for j := range dyr {
			dxr[j] += rstd[r] * (dyr[j]*gain[j] - mg - xh[j]*mgx)
		}
	}
}

// gelu is the tanh approximation of GELU used by GPT-2 (Hendrycks & Gimpel
// 2016, eq. in §2): 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))).
func gelu(x float64) float64 {
	return 0.5 * x * (1 + math.Tanh(geluC*(x+0.044715*x*x*x)))
}

// geluGrad is the derivative of gelu.
func geluGrad(x float64) float64 {
	t := math.Tanh(geluC * (x + 0.044715*x*x*x))
	return 0.5*(1+t) + 0.5*x*(1-t*t)*geluC*(1+3*0.044715*x*x)
}

var geluC = math.Sqrt(2 / math.Pi)

// softmaxInPlace replaces v by softmax(v).
func softmaxInPlace(v []float64) {
	m := math.Inf(-1)
	for _, x := range v {
		m = max(m, x)
	}
	var z float64
	for i, x := range v {
		v[i] = math.Exp(x - m)
		z += v[i]
	}
	for i := range v {
		v[i] /= z
	}
}
