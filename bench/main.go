// Command bench measures golign against its peers and writes a report:
// the kernel against Debian's ipykernel (start-up, round trip, memory),
// interpreted against compiled Go, the alignment library's numeric kernels
// against the same math in NumPy on the same data (with the largest
// relative difference of their answers), the BLAS backend's DGEMM rate
// against the machine's peak, OpenBLAS threading, and how influence cost
// grows with the number of training pairs and the gradient dimension.
//
// Run it from the repository root with a built kernel (make bench does both):
//
//	go run -tags openblas ./bench -golign bin/golign [-out out/bench] [-full]
//
// It writes REPORT.md and PNG plots into -out. The NumPy peers and the
// kernel clients run with Debian's /usr/bin/python3. Default sizes finish in
// a few minutes; -full uses the sizes of the library's benchmarks.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Sizes are the problem sizes of one run.
type Sizes struct {
	// Rounds is the number of alternating golign and NumPy rounds, and
	// Repeats the repetitions of a task in each round: the fastest of all
	// counts.
	Rounds, Repeats int
	// BTPairs × BTDim is the Bradley–Terry training set.
	BTPairs, BTDim int
	// InfluenceTrain lists the training-set sizes of DataInf; InfluenceDim
	// is the gradient dimension and Queries the number of query gradients.
	InfluenceTrain        []int
	InfluenceDim, Queries int
	// OPORPRows × OPORPDim rows are sketched to OPORPK coordinates.
	OPORPRows, OPORPDim, OPORPK int
	// ExactTrain × ExactDim is the exact-influence problem.
	ExactTrain, ExactDim int
	// EKFACTrain is the number of pairs of the EK-FAC problem.
	EKFACTrain int
	// TransformerSteps is the number of transformer training steps timed.
	TransformerSteps int
	// ScaleTrain (at ScaleDimFixed) and ScaleDim (at ScaleTrainFixed) are
	// the DataInf sizes of the growth plots.
	ScaleTrain, ScaleDim           []int
	ScaleDimFixed, ScaleTrainFixed int
	// KernelStarts and KernelRoundTrips are bench_kernel.py's counts.
	KernelStarts, KernelRoundTrips int
	// LoadPairs pairs of LoadDim features are loaded in a kernel cell.
	LoadPairs, LoadDim int
}

// defaultSizes finish in a few minutes on two cores.
var defaultSizes = Sizes{
	Rounds: 3, Repeats: 2,
	BTPairs: 20_000, BTDim: 64,
	InfluenceTrain: []int{10_000}, InfluenceDim: 1024, Queries: 100,
	OPORPRows: 10_000, OPORPDim: 4096, OPORPK: 512,
	ExactTrain: 10_000, ExactDim: 512,
	EKFACTrain:       2_000,
	TransformerSteps: 2,
	ScaleTrain:       []int{1000, 2000, 4000, 8000, 16000}, ScaleDimFixed: 512,
	ScaleDim: []int{128, 256, 512, 1024, 2048}, ScaleTrainFixed: 4000,
	KernelStarts: 5, KernelRoundTrips: 100,
	LoadPairs: 100_000, LoadDim: 32,
}

// fullSizes are the sizes of the library's own benchmarks.
var fullSizes = Sizes{
	Rounds: 3, Repeats: 3,
	BTPairs: 100_000, BTDim: 256,
	InfluenceTrain: []int{10_000, 100_000}, InfluenceDim: 2048, Queries: 100,
	OPORPRows: 50_000, OPORPDim: 4096, OPORPK: 512,
	ExactTrain: 100_000, ExactDim: 1024,
	EKFACTrain:       10_000,
	TransformerSteps: 20,
	ScaleTrain:       []int{2000, 4000, 8000, 16000, 32000, 64000}, ScaleDimFixed: 1024,
	ScaleDim: []int{128, 256, 512, 1024, 2048, 4096}, ScaleTrainFixed: 8000,
	KernelStarts: 10, KernelRoundTrips: 300,
	LoadPairs: 100_000, LoadDim: 32,
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "worker" {
		if len(os.Args) != 5 {
			fatalf("usage: bench worker TASK DIR REPEATS")
		}
		repeats, err := strconv.Atoi(os.Args[4])
		if err != nil || repeats < 1 {
			fatalf("bench worker: REPEATS %q is not a positive integer", os.Args[4])
		}
		if err := runWorker(os.Args[2], os.Args[3], repeats); err != nil {
			fatalf("bench worker: %v", err)
		}
		return
	}
	out := flag.String("out", filepath.Join("out", "bench"), "directory of the report, its plots and the data")
	golign := flag.String("golign", "bin/golign", "the golign binary whose kernel is measured")
	root := flag.String("root", ".", "golign's repository (for the peer scripts)")
	full := flag.Bool("full", false, "full sizes (100k training pairs; tens of minutes)")
	flag.Parse()
	sizes := defaultSizes
	if *full {
		sizes = fullSizes
	}
	golignPath, err := filepath.Abs(*golign)
	if err != nil {
		fatalf("%v", err)
	}
	if _, err := os.Stat(golignPath); err != nil {
		fatalf("-golign: %v (build it with make build)", err)
	}
	start := time.Now()
	log := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "[%5.0fs] "+format+"\n", append([]any{time.Since(start).Seconds()}, args...)...)
	}
	r, err := newRunner(*root, golignPath, log)
	if err != nil {
		fatalf("%v", err)
	}
	res, err := measure(r, sizes, *out, *full)
	if err != nil {
		fatalf("%v", err)
	}
	res.Elapsed = time.Since(start)
	if err := writeReport(*out, res); err != nil {
		fatalf("%v", err)
	}
	fmt.Printf("report: %s\n", filepath.Join(*out, "REPORT.md"))
}

// fatalf prints an error and exits with status 1.
func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}
