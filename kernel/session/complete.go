package session

import (
	"reflect"
	"sort"
	"strings"

	"github.com/golign/golign/kernel"
	"github.com/golign/golign/kernel/gocode"
)

// Complete implements kernel.Interpreter through gocode.Complete.
func (s *Session) Complete(code string, cursor int) kernel.CompleteReply {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := gocode.Complete(code, cursor, scope{s})
	reply := kernel.CompleteReply{CursorStart: c.CursorStart, CursorEnd: c.CursorEnd, Matches: []string{}}
	for _, m := range c.Matches {
		reply.Matches = append(reply.Matches, m.Text)
		reply.Types = append(reply.Types, kernel.CompletionType{
			Start: c.CursorStart, End: c.CursorEnd, Text: m.Text, Type: m.Type, Signature: m.Signature,
		})
	}
	return reply
}

// Inspect implements kernel.Interpreter through gocode.Inspect.
func (s *Session) Inspect(code string, cursor, detail int) kernel.InspectReply {
	s.mu.Lock()
	defer s.mu.Unlock()
	doc, ok := gocode.Inspect(code, cursor, scope{s})
	if !ok {
		return kernel.InspectReply{Data: kernel.MIMEBundle{}, Metadata: map[string]any{}}
	}
	return kernel.InspectReply{
		Found:    true,
		Data:     kernel.MIMEBundle{"text/plain": doc.PlainText(), "text/markdown": doc.Markdown()},
		Metadata: map[string]any{},
	}
}

// IsComplete implements kernel.Interpreter through gocode.IsComplete.
func (s *Session) IsComplete(code string) kernel.IsCompleteReply {
	if strings.HasPrefix(strings.TrimSpace(code), "%") || strings.HasPrefix(strings.TrimSpace(code), "!") {
		return kernel.IsCompleteReply{Status: kernel.Complete}
	}
	status, indent := gocode.IsComplete(code)
	return kernel.IsCompleteReply{Status: status, Indent: indent}
}

// scope shows gocode what the cells of a session declared. Its methods are
// called with s.mu held.
type scope struct{ s *Session }

func (c scope) Names() []gocode.Name {
	var names []gocode.Name
	for name, path := range c.s.imports {
		if !strings.HasPrefix(path, "golign.session/") {
			names = append(names, gocode.Name{Name: name, Kind: gocode.KindPackage, Path: path})
		}
	}
	for name, kind := range c.s.declared {
		names = append(names, gocode.Name{Name: name, Kind: kind})
	}
	for _, name := range c.s.sortedGlobals() {
		if _, ok := c.s.declared[name]; !ok {
			names = append(names, gocode.Name{Name: name, Kind: gocode.KindVar})
		}
	}
	sort.Slice(names, func(i, j int) bool { return names[i].Name < names[j].Name })
	return names
}

func (c scope) TypeOf(name string) (reflect.Type, bool) {
	return c.s.globalType(name)
}

func (c scope) Packages() map[string]string { return c.s.pkgNames }

func (c scope) Symbols(p string) map[string]reflect.Value { return c.s.table(p) }

func (c scope) Sources() []string { return c.s.sources }
