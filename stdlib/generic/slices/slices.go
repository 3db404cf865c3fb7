// Package slices is the source from which cells get Go's generic package
// slices. yaegi cannot extract generic functions from compiled code, so it
// interprets the sources of generic packages; the ones it embeds date from
// Go 1.22 and fail on most signatures of the form [S ~[]E, E any]. This
// package restates the functions of the standard package slices with plain
// []E parameters, which yaegi instantiates, and iterators as plain
// func(yield func(E) bool) values. The package also compiles as ordinary Go,
// and its tests compare it with the standard library.
//
// Differences from the standard package: functions return []E rather than
// the argument's named slice type; iterator-taking functions (Collect,
// Sorted, AppendSeq, ...) accept iterators written in cells, not ones
// returned by compiled code such as strings.Lines, whose named type yaegi
// cannot infer from.
package slices

import "sort"

// ordered is cmp.Ordered, stated here because the interpreter loads this
// source into the package scope where its own slices source already
// imports cmp.
type ordered interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr |
		~float32 | ~float64 | ~string
}

// isNaN reports whether x is a floating-point NaN.
func isNaN[E ordered](x E) bool { return x != x }

// compareOrdered is cmp.Compare: -1, 0 or +1, with NaNs below all other
// values and equal to each other.
func compareOrdered[E ordered](x, y E) int {
	xNaN, yNaN := isNaN(x), isNaN(y)
	switch {
	case xNaN && yNaN:
		return 0
	case xNaN || x < y:
		return -1
	case yNaN || x > y:
		return +1
	}
	return 0
}

// lessOrdered is cmp.Less.
func lessOrdered[E ordered](x, y E) bool { return compareOrdered(x, y) < 0 }

// Equal reports whether s1 and s2 have the same length and equal elements.
func Equal[E comparable](s1, s2 []E) bool {
	if len(s1) != len(s2) {
		return false
	}
	for i := range s1 {
		if s1[i] != s2[i] {
			return false
		}
	}
	return true
}

// EqualFunc reports whether s1 and s2 have the same length and eq holds
// for each pair of elements.
func EqualFunc[E1, E2 any](s1 []E1, s2 []E2, eq func(E1, E2) bool) bool {
	if len(s1) != len(s2) {
		return false
	}
	for i := range s1 {
		if !eq(s1[i], s2[i]) {
			return false
		}
	}
	return true
}

// Compare compares s1 and s2 element by element with cmp.Compare; a
// shorter slice equal to the start of the other is smaller.
func Compare[E ordered](s1, s2 []E) int {
	return CompareFunc(s1, s2, compareOrdered[E])
}

// CompareFunc is Compare with the comparison cmp.
func CompareFunc[E1, E2 any](s1 []E1, s2 []E2, cmp func(E1, E2) int) int {
	for i := 0; i < len(s1) && i < len(s2); i++ {
		if c := cmp(s1[i], s2[i]); c != 0 {
			return c
		}
	}
	switch {
	case len(s1) < len(s2):
		return -1
	case len(s1) > len(s2):
		return +1
	}
	return 0
}

// Index returns the index of the first v in s, or -1.
func Index[E comparable](s []E, v E) int {
	for i := range s {
		if s[i] == v {
			return i
		}
	}
	return -1
}

// IndexFunc returns the index of the first element satisfying f, or -1.
func IndexFunc[E any](s []E, f func(E) bool) int {
	for i := range s {
		if f(s[i]) {
			return i
		}
	}
	return -1
}

// Contains reports whether v is in s.
func Contains[E comparable](s []E, v E) bool { return Index(s, v) >= 0 }

// ContainsFunc reports whether an element of s satisfies f.
func ContainsFunc[E any](s []E, f func(E) bool) bool { return IndexFunc(s, f) >= 0 }

// Insert inserts vs at index i of s and returns the result; it panics if
// i > len(s).
func Insert[E any](s []E, i int, vs ...E) []E {
	_ = s[i:] // bounds check
	out := make([]E, 0, len(s)+len(vs))
	out = append(out, s[:i]...)
	out = append(out, vs...)
	return append(out, s[i:]...)
}

// Delete removes s[i:j] and returns the result, zeroing the elements past
// the new length; it panics if j > len(s) or i > j.
func Delete[E any](s []E, i, j int) []E {
	_ = s[i:j:len(s)] // bounds check
	if i == j {
		return s
	}
	n := len(s)
	s = append(s[:i], s[j:]...)
	zeroTail(s, n)
	return s
}

// zeroTail zeroes s[len(s):n], the elements a shrinking operation left.
func zeroTail[E any](s []E, n int) {
	var zero E
	tail := s[len(s):n]
	for i := range tail {
		tail[i] = zero
	}
}

// DeleteFunc removes the elements satisfying del and returns the result,
// zeroing the elements past the new length.
func DeleteFunc[E any](s []E, del func(E) bool) []E {
	n := len(s)
	kept := s[:0]
	for _, v := range s {
		if !del(v) {
			kept = append(kept, v)
		}
	}
	zeroTail(kept, n)
	return kept
}

// Replace replaces s[i:j] by vs and returns the result; it panics if
// j > len(s) or i > j.
func Replace[E any](s []E, i, j int, vs ...E) []E {
	_ = s[i:j] // bounds check
	tail := Clone(s[j:])
	n := len(s)
	s = append(s[:i], vs...)
	s = append(s, tail...)
	if len(s) < n {
		zeroTail(s, n)
	}
	return s
}

// Clone returns a copy of s (nil for nil).
func Clone[E any](s []E) []E {
	if s == nil {
		return nil
	}
	return append([]E{}, s...)
}

// Compact replaces runs of equal elements by one copy and returns the
// result, zeroing the elements past the new length.
func Compact[E comparable](s []E) []E {
	return CompactFunc(s, func(a, b E) bool { return a == b })
}

// CompactFunc is Compact with the equality eq.
func CompactFunc[E any](s []E, eq func(E, E) bool) []E {
	if len(s) < 2 {
		return s
	}
	n := len(s)
	out := s[:1]
	for _, v := range s[1:] {
		if !eq(out[len(out)-1], v) {
			out = append(out, v)
		}
	}
	zeroTail(out, n)
	return out
}

// Grow makes room for n more elements in s without another allocation; it
// panics if n < 0.
func Grow[E any](s []E, n int) []E {
	if n < 0 {
		panic("cannot be negative")
	}
	if n -= cap(s) - len(s); n > 0 {
		s = append(s[:cap(s)], make([]E, n)...)[:len(s)]
	}
	return s
}

// Clip removes the unused capacity of s.
func Clip[E any](s []E) []E { return s[:len(s):len(s)] }

// Reverse reverses s in place.
func Reverse[E any](s []E) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// Concat returns a new slice holding the slices one after another (nil
// when they are all empty).
func Concat[E any](slices ...[]E) []E {
	n := 0
	for _, s := range slices {
		n += len(s)
	}
	if n == 0 {
		return nil
	}
	out := make([]E, 0, n)
	for _, s := range slices {
		out = append(out, s...)
	}
	return out
}

// Repeat returns a new slice holding count copies of s; it panics if
// count < 0.
func Repeat[E any](s []E, count int) []E {
	if count < 0 {
		panic("cannot be negative")
	}
	out := make([]E, 0, len(s)*count)
	for i := 0; i < count; i++ {
		out = append(out, s...)
	}
	return out
}

// Max returns the largest element of s, or NaN if s holds one; it panics
// if s is empty.
func Max[E ordered](s []E) E {
	if len(s) < 1 {
		panic("slices.Max: empty list")
	}
	m := s[0]
	for _, v := range s[1:] {
		if isNaN(v) {
			return v
		}
		if v > m {
			m = v
		}
	}
	return m
}

// MaxFunc returns the first largest element of s by cmp; it panics if s
// is empty.
func MaxFunc[E any](s []E, cmp func(a, b E) int) E {
	if len(s) < 1 {
		panic("slices.MaxFunc: empty list")
	}
	m := s[0]
	for _, v := range s[1:] {
		if cmp(v, m) > 0 {
			m = v
		}
	}
	return m
}

// Min returns the smallest element of s, or NaN if s holds one; it panics
// if s is empty.
func Min[E ordered](s []E) E {
	if len(s) < 1 {
		panic("slices.Min: empty list")
	}
	m := s[0]
	for _, v := range s[1:] {
		if isNaN(v) {
			return v
		}
		if v < m {
			m = v
		}
	}
	return m
}

// MinFunc returns the first smallest element of s by cmp; it panics if s
// is empty.
func MinFunc[E any](s []E, cmp func(a, b E) int) E {
	if len(s) < 1 {
		panic("slices.MinFunc: empty list")
	}
	m := s[0]
	for _, v := range s[1:] {
		if cmp(v, m) < 0 {
			m = v
		}
	}
	return m
}

// Sort sorts s in increasing order, NaNs first. Slices of float64, int
// and string are sorted by compiled code; others by an interpreted heap
// sort, O(n log n).
func Sort[E ordered](s []E) {
	switch v := any(s).(type) {
	case []float64:
		sort.Float64s(v)
	case []int:
		sort.Ints(v)
	case []string:
		sort.Strings(v)
	default:
		heapSort(s, lessOrdered[E])
	}
}

// heapSort sorts s by less in place.
func heapSort[E any](s []E, less func(a, b E) bool) {
	n := len(s)
	for i := n/2 - 1; i >= 0; i-- {
		siftDown(s, i, n, less)
	}
	for end := n - 1; end > 0; end-- {
		s[0], s[end] = s[end], s[0]
		siftDown(s, 0, end, less)
	}
}

// siftDown restores the max-heap order of s[:n] below index i.
func siftDown[E any](s []E, i, n int, less func(a, b E) bool) {
	for {
		child := 2*i + 1
		if child >= n {
			return
		}
		if child+1 < n && less(s[child], s[child+1]) {
			child++
		}
		if !less(s[i], s[child]) {
			return
		}
		s[i], s[child] = s[child], s[i]
		i = child
	}
}

// SortFunc sorts s in increasing order by cmp (not stable).
func SortFunc[E any](s []E, cmp func(a, b E) int) {
	sort.Slice(s, func(i, j int) bool { return cmp(s[i], s[j]) < 0 })
}

// SortStableFunc sorts s by cmp, keeping the order of equal elements.
func SortStableFunc[E any](s []E, cmp func(a, b E) int) {
	sort.SliceStable(s, func(i, j int) bool { return cmp(s[i], s[j]) < 0 })
}

// IsSorted reports whether s is in increasing order.
func IsSorted[E ordered](s []E) bool {
	for i := len(s) - 1; i > 0; i-- {
		if lessOrdered(s[i], s[i-1]) {
			return false
		}
	}
	return true
}

// IsSortedFunc reports whether s is in increasing order by cmp.
func IsSortedFunc[E any](s []E, cmp func(a, b E) int) bool {
	for i := len(s) - 1; i > 0; i-- {
		if cmp(s[i], s[i-1]) < 0 {
			return false
		}
	}
	return true
}

// BinarySearch returns the position of target in the sorted s, or where
// it would be inserted, and whether it was found.
func BinarySearch[E ordered](s []E, target E) (int, bool) {
	return BinarySearchFunc(s, target, compareOrdered[E])
}

// BinarySearchFunc is BinarySearch with the comparison cmp of an element
// with the target.
func BinarySearchFunc[E, T any](s []E, target T, cmp func(E, T) int) (int, bool) {
	lo, hi := 0, len(s)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if cmp(s[mid], target) < 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < len(s) && cmp(s[lo], target) == 0
}

// All returns an iterator over the indices and elements of s.
func All[E any](s []E) func(yield func(int, E) bool) {
	return func(yield func(int, E) bool) {
		for i, v := range s {
			if !yield(i, v) {
				return
			}
		}
	}
}

// Values returns an iterator over the elements of s.
func Values[E any](s []E) func(yield func(E) bool) {
	return func(yield func(E) bool) {
		for _, v := range s {
			if !yield(v) {
				return
			}
		}
	}
}

// Backward returns an iterator over the indices and elements of s, last
// first.
func Backward[E any](s []E) func(yield func(int, E) bool) {
	return func(yield func(int, E) bool) {
		for i := len(s) - 1; i >= 0; i-- {
			if !yield(i, s[i]) {
				return
			}
		}
	}
}

// AppendSeq appends the values of seq to s and returns the result.
func AppendSeq[E any](s []E, seq func(yield func(E) bool)) []E {
	seq(func(v E) bool {
		s = append(s, v)
		return true
	})
	return s
}

// Collect returns a new slice of the values of seq.
func Collect[E any](seq func(yield func(E) bool)) []E {
	return AppendSeq([]E(nil), seq)
}

// Sorted returns a new slice of the values of seq, sorted.
func Sorted[E ordered](seq func(yield func(E) bool)) []E {
	s := Collect(seq)
	Sort(s)
	return s
}

// SortedFunc returns a new slice of the values of seq, sorted by cmp.
func SortedFunc[E any](seq func(yield func(E) bool), cmp func(E, E) int) []E {
	s := Collect(seq)
	SortFunc(s, cmp)
	return s
}

// SortedStableFunc returns a new slice of the values of seq, sorted by cmp
// keeping the order of equal values.
func SortedStableFunc[E any](seq func(yield func(E) bool), cmp func(E, E) int) []E {
	s := Collect(seq)
	SortStableFunc(s, cmp)
	return s
}

// Chunk returns an iterator over consecutive subslices of s of n elements
// (the last may be shorter); it panics if n < 1.
func Chunk[E any](s []E, n int) func(yield func([]E) bool) {
	if n < 1 {
		panic("cannot be less than 1")
	}
	return func(yield func([]E) bool) {
		for i := 0; i < len(s); i += n {
			end := i + n
			if end > len(s) {
				end = len(s)
			}
			if !yield(s[i:end:end]) {
				return
			}
		}
	}
}
