package annotate

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/golign/golign/alignment/pref"
)

// Person is a human annotator answering on a terminal or in a notebook: for
// each pair it writes the prompt and the two responses to Out and reads the
// answer, one line, from In. In a golign notebook, reading os.Stdin goes
// through the kernel's input request, so the zero In and Out work there.
//
// Accepted answers (case-insensitive): "a" or "1" when A is better, "b" or
// "2" when B is better, "q" to stop (Annotate returns ErrStopped). Anything
// else is asked again. Wrap a Person in a Journal so that answers survive an
// interruption.
type Person struct {
	// Pairs holds the texts of the pool's pairs: Chosen is response A and
	// Rejected response B, in the pool's orientation.
	Pairs pref.Dataset
	// In is where answers are read; nil means os.Stdin.
	In io.Reader
	// Out is where the pairs and questions are written; nil means os.Stdout.
	Out io.Writer
	// MaxChars cuts each text shown to that many characters; 0 means 2000,
	// negative shows whole texts.
	MaxChars int
	// Show, when not nil, shows the pair instead of writing its texts to
	// Out (a notebook cell can render it with the display package); the
	// question is still written to Out.
	Show func(pair int, texts pref.Pair)

	lines *bufio.Reader
}

// Annotate shows pair and reads the person's answer.
func (p *Person) Annotate(pair int) (bool, error) {
	if pair < 0 || pair >= len(p.Pairs) {
		return false, fmt.Errorf("annotate: asked about pair %d of %d", pair, len(p.Pairs))
	}
	if p.lines == nil {
		in := p.In
		if in == nil {
			in = os.Stdin
		}
		p.lines = bufio.NewReader(in)
	}
	out := p.Out
	if out == nil {
		out = os.Stdout
	}
	x := p.Pairs[pair]
	if p.Show != nil {
		x.Prompt, x.Chosen, x.Rejected = p.cut(x.Prompt), p.cut(x.Chosen), p.cut(x.Rejected)
		p.Show(pair, x)
	} else if _, err := fmt.Fprintf(out, "── pair %d ──\nPROMPT:\n%s\n\n[A]:\n%s\n\n[B]:\n%s\n\n",
		pair, p.cut(x.Prompt), p.cut(x.Chosen), p.cut(x.Rejected)); err != nil {
		return false, fmt.Errorf("annotate: showing pair %d: %w", pair, err)
	}
	for {
		fmt.Fprint(out, "Which response is better? [a/b, q to stop] ")
		line, err := p.lines.ReadString('\n')
		answer := strings.ToLower(strings.TrimSpace(line))
		switch answer {
		case "a", "1":
			return true, nil
		case "b", "2":
			return false, nil
		case "q", "quit", "stop":
			return false, ErrStopped
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return false, fmt.Errorf("annotate: input ended before an answer for pair %d: %w", pair, ErrStopped)
			}
			return false, fmt.Errorf("annotate: reading the answer for pair %d: %w", pair, err)
		}
		fmt.Fprintf(out, "%q is not an answer: type a or b.\n", answer)
	}
}

func (p *Person) cut(s string) string {
	limit := p.MaxChars
	if limit == 0 {
		limit = 2000
	}
	r := []rune(strings.TrimSpace(s))
	if limit < 0 || len(r) <= limit {
		return string(r)
	}
	return string(r[:limit]) + " […]"
}
