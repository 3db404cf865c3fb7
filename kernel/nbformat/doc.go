// Package nbformat reads and writes Jupyter notebooks in the nbformat 4
// format (https://nbformat.readthedocs.io/en/latest/format_description.html).
//
// Read accepts notebooks saved by any Jupyter release writing nbformat
// 4.0 to 4.5: multiline strings given as one string or as a list of
// strings, cells with or without ids. Write produces what Jupyter itself
// writes for nbformat 4.5: keys sorted, one space of indentation, sources
// and texts split into lists of lines, a trailing newline, and an id on
// every cell. Metadata and fields this package does not know are kept as
// they were read, so a notebook survives a read/write round trip.
package nbformat
