// Package headless runs notebooks and Go scripts without a Jupyter
// frontend: it drives a kernel.Interpreter directly, through Publishers
// that record outputs into the notebook (RunNotebook) or print them on the
// terminal (RunScript), with no ZeroMQ in between.
//
// A notebook run records outputs exactly as Jupyter stores them: consecutive
// writes to one stream merge into one output, display updates replace the
// earlier output with the same display id (in any cell), clear_output with
// wait clears when the next output arrives, errors become error outputs, and
// every executed cell gets its execution count and the timing metadata
// nbclient records.
package headless
