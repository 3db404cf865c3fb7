package kernel

import (
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// currentSession is the number the history gives to the kernel's own
// session; a request may also name it 0, the protocol's "current session".
const currentSession = 1

// History is the input history of the kernel's session, kept in memory in
// execution order: one entry per execution that stored history, numbered by
// its execution count. It answers the three history_request kinds. A
// History is safe for concurrent use.
type History struct {
	mu      sync.Mutex
	entries []HistoryEntry
}

// HistoryEntry is one executed input and the text/plain of its result.
type HistoryEntry struct {
	Session int
	Line    int
	Input   string
	// Output is the text/plain of the execute_result, "" when there was none.
	Output string
}

// Add records the input executed as execution count line.
func (h *History) Add(line int, input string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.entries = append(h.entries, HistoryEntry{Session: currentSession, Line: line, Input: input})
}

// SetOutput records the result text of execution count line.
func (h *History) SetOutput(line int, output string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.entries) - 1; i >= 0; i-- {
		if h.entries[i].Line == line {
			h.entries[i].Output = output
			return
		}
	}
}

// Tail returns the last n entries, oldest first; all of them when n <= 0.
func (h *History) Tail(n int) []HistoryEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	return lastN(h.entries, n)
}

// Range returns the entries of session whose line is in [start, stop),
// or from start on when stop <= 0. Session 0 and negative sessions count
// back from the current one, as in IPython, so only 0 and currentSession
// name entries.
func (h *History) Range(session, start, stop int) []HistoryEntry {
	if session != 0 && session != currentSession {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []HistoryEntry
	for _, e := range h.entries {
		if e.Line >= start && (stop <= 0 || e.Line < stop) {
			out = append(out, e)
		}
	}
	return out
}

// Search returns the entries whose input matches the glob pattern (as
// SQLite's GLOB: * any run, ? one character, [...] a class, [^...] its
// complement; case-sensitive, anchored at both ends), keeping only the
// latest entry of each distinct input when unique, and of those the last
// n (all when n <= 0), oldest first.
func (h *History) Search(pattern string, n int, unique bool) []HistoryEntry {
	re := globRegexp(pattern)
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []HistoryEntry
	seen := map[string]bool{}
	for i := len(h.entries) - 1; i >= 0; i-- {
		e := h.entries[i]
		if !re.MatchString(e.Input) || (unique && seen[e.Input]) {
			continue
		}
		seen[e.Input] = true
		out = append(out, e)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return lastN(out, n)
}

func lastN(entries []HistoryEntry, n int) []HistoryEntry {
	if n > 0 && n < len(entries) {
		entries = entries[len(entries)-n:]
	}
	return append([]HistoryEntry(nil), entries...)
}

// globRegexp compiles a GLOB pattern; an unterminated class matches its
// bracket literally.
func globRegexp(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	runes := []rune(pattern)
	for i := 0; i < len(runes); i++ {
		switch r := runes[i]; r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			end := classEnd(runes, i)
			if end < 0 {
				b.WriteString(`\[`)
				continue
			}
			b.WriteString(globClass(runes[i+1 : end]))
			i = end
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`\z`)
	return regexp.MustCompile(b.String())
}

// classEnd is the index of the ']' closing the class opened at open, or
// -1; a ']' right after '[' or '[^' belongs to the class.
func classEnd(runes []rune, open int) int {
	i := open + 1
	if i < len(runes) && runes[i] == '^' {
		i++
	}
	if i < len(runes) && runes[i] == ']' {
		i++
	}
	for ; i < len(runes); i++ {
		if runes[i] == ']' {
			return i
		}
	}
	return -1
}

// globClass turns the inside of a GLOB class into a regexp class: ASCII
// punctuation other than the range dash is escaped so it stays literal.
func globClass(inside []rune) string {
	var b strings.Builder
	b.WriteByte('[')
	if len(inside) > 0 && inside[0] == '^' {
		b.WriteByte('^')
		inside = inside[1:]
	}
	for _, r := range inside {
		if r < utf8.RuneSelf && r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte(']')
	return b.String()
}
