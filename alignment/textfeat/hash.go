package textfeat

import "gonum.org/v1/gonum/floats"

// Namespaces keep n-grams of different kinds from sharing hash values.
const (
	namespaceWord byte = 1 + iota
	namespaceChar
)

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// hasher is 64-bit FNV-1a over the bytes written, finished with a
// 64-bit avalanche mix so that low and high bits are both well spread.
type hasher uint64

func newHasher(seed uint64, namespace byte) hasher {
	h := hasher(fnvOffset ^ seed*0x9e3779b97f4a7c15)
	return h.byte(namespace)
}

func (h hasher) byte(b byte) hasher { return (h ^ hasher(b)) * fnvPrime }

func (h hasher) string(s string) hasher {
	for i := 0; i < len(s); i++ {
		h = (h ^ hasher(s[i])) * fnvPrime
	}
	return h
}

// sum returns the mixed hash value (the MurmurHash3 finaliser).
func (h hasher) sum() uint64 {
	x := uint64(h)
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// add adds the signed count of one n-gram with hash value x to v: the
// index is x mod len(v) (a mask when len(v) is a power of two) and the sign
// the top bit of x.
func add(v []float64, x uint64) {
	var j uint64
	if n := uint64(len(v)); n&(n-1) == 0 {
		j = x & (n - 1)
	} else {
		j = (x & (1<<63 - 1)) % n
	}
	if x>>63 == 0 {
		v[j]++
	} else {
		v[j]--
	}
}

// hashInto adds the signed hashed counts of toks' word n-grams and
// character n-grams into v, then normalises v if configured.
func (f *Featurizer) hashInto(v []float64, toks []string) {
	seed := f.cfg.HashSeed
	for n := 1; n <= f.cfg.WordNGrams; n++ {
		for i := 0; i+n <= len(toks); i++ {
			h := newHasher(seed, namespaceWord)
			for k := 0; k < n; k++ {
				if k > 0 {
					h = h.byte(' ')
				}
				h = h.string(toks[i+k])
			}
			add(v, h.sum())
		}
	}
	if f.cfg.CharMaxN > 0 {
		var starts []int
		for _, t := range toks {
			padded := "<" + t + ">"
			starts = starts[:0]
			for i := range padded {
				starts = append(starts, i)
			}
			starts = append(starts, len(padded))
			runes := len(starts) - 1
			for n := f.cfg.CharMinN; n <= f.cfg.CharMaxN; n++ {
				for i := 0; i+n <= runes; i++ {
					add(v, newHasher(seed, namespaceChar).string(padded[starts[i]:starts[i+n]]).sum())
				}
			}
		}
	}
	if f.cfg.L2Normalize {
		if norm := floats.Norm(v, 2); norm > 0 {
			floats.Scale(1/norm, v)
		}
	}
}
