package report

import (
	"fmt"
	"html"
	"strconv"
	"strings"
)

// ansiColors are the 16 colours of terminal output, as xterm shows them.
var ansiColors = [16]string{
	"#000000", "#cd3131", "#0d8a3f", "#a57e00", "#1f5fcc", "#bc05bc", "#0598bc", "#777777",
	"#555555", "#e5312f", "#14b853", "#b58900", "#3b8eea", "#d670d6", "#29b8db", "#aaaaaa",
}

// sgrState is the text style set by ANSI SGR escape sequences.
type sgrState struct {
	bold, italic, underline bool
	fg, bg                  string
}

func (s sgrState) style() string {
	var parts []string
	if s.bold {
		parts = append(parts, "font-weight:bold")
	}
	if s.italic {
		parts = append(parts, "font-style:italic")
	}
	if s.underline {
		parts = append(parts, "text-decoration:underline")
	}
	if s.fg != "" {
		parts = append(parts, "color:"+s.fg)
	}
	if s.bg != "" {
		parts = append(parts, "background-color:"+s.bg)
	}
	return strings.Join(parts, ";")
}

// ANSIToHTML escapes text for HTML and turns its ANSI SGR escape
// sequences (bold, italic, underline, 16, 256 and 24-bit colours) into
// styled spans; other escape sequences are dropped.
func ANSIToHTML(text string) string {
	var b strings.Builder
	var st sgrState
	open := false
	for {
		i := strings.IndexByte(text, '\x1b')
		if i < 0 {
			break
		}
		b.WriteString(html.EscapeString(text[:i]))
		text = text[i+1:]
		if !strings.HasPrefix(text, "[") {
			continue // a lone escape: drop it
		}
		end := strings.IndexFunc(text[1:], func(r rune) bool { return r >= 0x40 && r <= 0x7e })
		if end < 0 {
			text = ""
			break
		}
		params, final := text[1:1+end], text[1+end]
		text = text[2+end:]
		if final != 'm' {
			continue // cursor movement, erase line...: not shown
		}
		st = applySGR(st, params)
		if open {
			b.WriteString("</span>")
			open = false
		}
		if style := st.style(); style != "" {
			b.WriteString(`<span style="` + style + `">`)
			open = true
		}
	}
	b.WriteString(html.EscapeString(text))
	if open {
		b.WriteString("</span>")
	}
	return b.String()
}

// applySGR applies the parameters of one SGR sequence ("1;31") to st.
func applySGR(st sgrState, params string) sgrState {
	var codes []int
	for _, p := range strings.Split(params, ";") {
		n, err := strconv.Atoi(p)
		if err != nil {
			n = 0 // an empty parameter means 0
		}
		codes = append(codes, n)
	}
	for i := 0; i < len(codes); i++ {
		c := codes[i]
		switch {
		case c == 0:
			st = sgrState{}
		case c == 1:
			st.bold = true
		case c == 3:
			st.italic = true
		case c == 4:
			st.underline = true
		case c == 22:
			st.bold = false
		case c == 23:
			st.italic = false
		case c == 24:
			st.underline = false
		case c >= 30 && c <= 37:
			st.fg = ansiColors[c-30]
		case c >= 90 && c <= 97:
			st.fg = ansiColors[c-90+8]
		case c == 39:
			st.fg = ""
		case c >= 40 && c <= 47:
			st.bg = ansiColors[c-40]
		case c >= 100 && c <= 107:
			st.bg = ansiColors[c-100+8]
		case c == 49:
			st.bg = ""
		case c == 38 || c == 48:
			color, used := extendedColor(codes[i+1:])
			i += used
			if c == 38 {
				st.fg = color
			} else {
				st.bg = color
			}
		}
	}
	return st
}

// extendedColor decodes the arguments of SGR 38 and 48: "5;n" (256-colour
// palette) or "2;r;g;b" (24-bit). It returns the CSS colour and how many
// arguments it used.
func extendedColor(args []int) (string, int) {
	switch {
	case len(args) >= 2 && args[0] == 5:
		return palette256(args[1]), 2
	case len(args) >= 4 && args[0] == 2:
		return fmt.Sprintf("rgb(%d,%d,%d)", clampByte(args[1]), clampByte(args[2]), clampByte(args[3])), 4
	}
	return "", len(args)
}

// palette256 returns colour n of xterm's 256-colour palette: the 16 basic
// colours, a 6×6×6 cube, then 24 greys.
func palette256(n int) string {
	switch {
	case n < 0 || n > 255:
		return ""
	case n < 16:
		return ansiColors[n]
	case n < 232:
		n -= 16
		level := func(v int) int {
			if v == 0 {
				return 0
			}
			return 55 + 40*v
		}
		return fmt.Sprintf("rgb(%d,%d,%d)", level(n/36), level(n/6%6), level(n%6))
	}
	g := 8 + 10*(n-232)
	return fmt.Sprintf("rgb(%d,%d,%d)", g, g, g)
}

func clampByte(v int) int { return max(0, min(255, v)) }
