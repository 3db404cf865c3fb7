package kernel

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// handleShell answers one shell request between busy and idle statuses.
// After an execution fails with stop_on_error, the execute_requests that
// were already queued are answered "aborted" without running.
func (s *Server) handleShell(m *Message) {
	s.publishStatus("busy", m)
	defer s.publishStatus("idle", m)
	defer s.recoverRequest(s.shellOut, "shell", m)

	if s.abortLeft > 0 {
		s.abortLeft--
		if m.Header.MsgType == "execute_request" {
			s.reply(s.shellOut, m, "execute_reply", map[string]any{"status": StatusAborted, "execution_count": s.count})
			return
		}
	}
	switch m.Header.MsgType {
	case "execute_request":
		s.execute(m)
	case "complete_request":
		s.complete(m)
	case "inspect_request":
		s.inspect(m)
	case "is_complete_request":
		s.isComplete(m)
	default:
		if !s.handleCommon(s.shellOut, m) {
			s.log.Printf("shell: unknown message type %q", m.Header.MsgType)
		}
	}
}

// handleControl answers one control request between busy and idle
// statuses. It runs on the control reader's goroutine, never waiting for
// the shell.
func (s *Server) handleControl(m *Message) {
	if m.Header.MsgType != "kernel_info_request" {
		s.markStarted()
	}
	s.publishStatus("busy", m)
	defer s.publishStatus("idle", m)
	defer s.recoverRequest(s.controlOut, "control", m)

	switch m.Header.MsgType {
	case "interrupt_request":
		s.Interrupt()
		s.reply(s.controlOut, m, "interrupt_reply", map[string]any{"status": "ok"})
	case "execute_request", "complete_request", "inspect_request", "is_complete_request":
		s.replyError(s.controlOut, m, "UnsupportedRequest", m.Header.MsgType+" is answered on the shell channel only")
	default:
		if !s.handleCommon(s.controlOut, m) {
			s.log.Printf("control: unknown message type %q", m.Header.MsgType)
		}
	}
}

// handleCommon answers the requests that shell and control both accept and
// that do not need the interpreter. It reports whether it knew the type.
func (s *Server) handleCommon(out *writer, m *Message) bool {
	switch m.Header.MsgType {
	case "kernel_info_request":
		// The first reply is on its way before Started releases the
		// work it waits for, which would otherwise compete with it.
		s.sendReply(out, m, "kernel_info_reply", s.kernelInfo(), !s.isStarted())
		s.markStarted()
	case "history_request":
		s.historyRequest(out, m)
	case "comm_info_request":
		s.reply(out, m, "comm_info_reply", map[string]any{"status": "ok", "comms": map[string]any{}})
	case "comm_open":
		// No comm targets exist: close the comm at once, as the protocol
		// asks of a kernel that has no such target.
		var c struct {
			CommID string `json:"comm_id"`
		}
		if s.decode(out, m, &c) {
			s.publish("comm_close", m, map[string]any{"comm_id": c.CommID, "data": map[string]any{}})
		}
	case "comm_msg", "comm_close":
		// Messages to comms that were never opened are ignored.
	case "shutdown_request":
		var c struct {
			Restart bool `json:"restart"`
		}
		if s.decode(out, m, &c) {
			// The reply must be written before the sockets close.
			s.sendReply(out, m, "shutdown_reply", map[string]any{"status": "ok", "restart": c.Restart}, true)
			s.requestQuit(c.Restart)
		}
	default:
		return false
	}
	return true
}

func (s *Server) publishStatus(state string, parent *Message) {
	s.publish("status", parent, map[string]any{"execution_state": state})
}

// recoverRequest keeps the kernel up when answering m panics, and tells
// the client what went wrong.
func (s *Server) recoverRequest(out *writer, channel string, m *Message) {
	if r := recover(); r != nil {
		s.log.Printf("%s: answering %s panicked: %v", channel, m.Header.MsgType, r)
		s.replyError(out, m, "InternalError", fmt.Sprint(r))
	}
}

// replyError answers a request of type x_request with an x_reply of status
// error; messages that are not requests get no reply.
func (s *Server) replyError(out *writer, m *Message, name, value string) {
	kind, ok := strings.CutSuffix(m.Header.MsgType, "_request")
	if !ok {
		return
	}
	s.reply(out, m, kind+"_reply", map[string]any{"status": "error", "ename": name, "evalue": value, "traceback": []string{}})
}

// decode unmarshals the content of m into v; on failure it logs, answers
// with an error reply and returns false.
func (s *Server) decode(out *writer, m *Message, v any) bool {
	if err := json.Unmarshal(m.Content, v); err != nil {
		s.log.Printf("bad content in %s: %v", m.Header.MsgType, err)
		s.replyError(out, m, "BadRequest", fmt.Sprintf("bad content in %s: %v", m.Header.MsgType, err))
		return false
	}
	return true
}

func (s *Server) kernelInfo() map[string]any {
	links := s.info.HelpLinks
	if links == nil {
		links = []HelpLink{}
	}
	return map[string]any{
		"status":                 "ok",
		"protocol_version":       ProtocolVersion,
		"implementation":         s.info.Implementation,
		"implementation_version": s.info.ImplementationVersion,
		"language_info":          s.info.Language,
		"banner":                 s.info.Banner,
		"help_links":             links,
		"debugger":               false,
	}
}

// boolOr is *p, or def when the field was absent.
func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

// execute runs an execute_request: execution count, execute_input, the
// interpreter's outputs, an error message on failure, the reply.
func (s *Server) execute(m *Message) {
	var c struct {
		Code            string            `json:"code"`
		Silent          bool              `json:"silent"`
		StoreHistory    *bool             `json:"store_history"`
		UserExpressions map[string]string `json:"user_expressions"`
		AllowStdin      *bool             `json:"allow_stdin"`
		StopOnError     *bool             `json:"stop_on_error"`
	}
	if !s.decode(s.shellOut, m, &c) {
		return
	}
	req := ExecuteRequest{
		Code:            c.Code,
		Silent:          c.Silent,
		StoreHistory:    boolOr(c.StoreHistory, true) && !c.Silent,
		AllowStdin:      boolOr(c.AllowStdin, true),
		StopOnError:     boolOr(c.StopOnError, true),
		UserExpressions: c.UserExpressions,
	}
	if req.StoreHistory {
		s.count++
		s.history.Add(s.count, req.Code)
	}
	req.Count = s.count
	if !req.Silent {
		s.publish("execute_input", m, map[string]any{"code": req.Code, "execution_count": req.Count})
	}

	rep := s.runInterruptible(m, req)
	content := map[string]any{"status": rep.Status, "execution_count": req.Count}
	switch rep.Status {
	case StatusOK:
		content["payload"] = nonNilSlice(rep.Payload)
		content["user_expressions"] = nonNilMap(rep.UserExpressions)
	case StatusError:
		errContent := errorContent(rep.Error)
		if !req.Silent {
			s.publish("error", m, errContent)
		}
		for k, v := range errContent {
			content[k] = v
		}
		if req.StopOnError {
			s.abortLeft = len(s.shellQueue)
		}
	}
	s.reply(s.shellOut, m, "execute_reply", content)
}

// runInterruptible runs the interpreter on req with a context that
// Interrupt and shutdown cancel. Its reply always has one of the three
// statuses.
func (s *Server) runInterruptible(m *Message, req ExecuteRequest) ExecuteReply {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.mu.Lock()
	s.cancelExecution = cancel
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.cancelExecution = nil
		s.mu.Unlock()
	}()
	select {
	case <-s.quit:
		// Shutting down: an execution that started as the interrupt went
		// out is cancelled too.
		cancel()
	default:
	}
	rep := s.runInterpreter(ctx, req, &publisher{server: s, parent: m, req: req, ctx: ctx})
	switch rep.Status {
	case StatusOK, StatusError, StatusAborted:
		return rep
	}
	s.log.Printf("interpreter returned unknown execution status %q", rep.Status)
	return ExecuteReply{Status: StatusError, Error: &Error{Name: "InternalError", Value: "unknown execution status " + rep.Status}}
}

// errorContent is the content of an error message, and the error fields
// of an execute_reply.
func errorContent(e *Error) map[string]any {
	if e == nil {
		e = &Error{Name: "Error", Value: "execution failed"}
	}
	traceback := e.Traceback
	if traceback == nil {
		traceback = []string{}
	}
	return map[string]any{"ename": e.Name, "evalue": e.Value, "traceback": traceback}
}

// runInterpreter calls Execute, turning a panic into an error reply.
func (s *Server) runInterpreter(ctx context.Context, req ExecuteRequest, out Publisher) (rep ExecuteReply) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Printf("interpreter panicked: %v", r)
			rep = ExecuteReply{Status: StatusError, Error: &Error{Name: "InternalError", Value: fmt.Sprint(r)}}
		}
	}()
	return s.interp.Execute(ctx, req, out)
}

func nonNilSlice(p []map[string]any) []map[string]any {
	if p == nil {
		return []map[string]any{}
	}
	return p
}

func nonNilMap[V any](m map[string]V) map[string]V {
	if m == nil {
		return map[string]V{}
	}
	return m
}

// cursorOr is the cursor_pos of a request, or the end of code (counted in
// code points) when the field was absent or null.
func cursorOr(p *int, code string) int {
	if p == nil {
		return utf8.RuneCountInString(code)
	}
	return *p
}

func (s *Server) complete(m *Message) {
	var c struct {
		Code      string `json:"code"`
		CursorPos *int   `json:"cursor_pos"`
	}
	if !s.decode(s.shellOut, m, &c) {
		return
	}
	cursor := cursorOr(c.CursorPos, c.Code)
	rep := s.interp.Complete(c.Code, cursor)
	matches := rep.Matches
	if matches == nil {
		matches = []string{}
	}
	metadata := map[string]any{}
	if len(rep.Types) > 0 {
		metadata["_jupyter_types_experimental"] = rep.Types
	}
	s.reply(s.shellOut, m, "complete_reply", map[string]any{
		"status": "ok", "matches": matches,
		"cursor_start": rep.CursorStart, "cursor_end": rep.CursorEnd,
		"metadata": metadata,
	})
}

func (s *Server) inspect(m *Message) {
	var c struct {
		Code        string `json:"code"`
		CursorPos   *int   `json:"cursor_pos"`
		DetailLevel int    `json:"detail_level"`
	}
	if !s.decode(s.shellOut, m, &c) {
		return
	}
	rep := s.interp.Inspect(c.Code, cursorOr(c.CursorPos, c.Code), c.DetailLevel)
	s.reply(s.shellOut, m, "inspect_reply", map[string]any{
		"status": "ok", "found": rep.Found,
		"data": nonNilMap(rep.Data), "metadata": nonNilMap(rep.Metadata),
	})
}

func (s *Server) isComplete(m *Message) {
	var c struct {
		Code string `json:"code"`
	}
	if !s.decode(s.shellOut, m, &c) {
		return
	}
	rep := s.interp.IsComplete(c.Code)
	content := map[string]any{"status": rep.Status}
	if rep.Status == Incomplete {
		content["indent"] = rep.Indent
	}
	s.reply(s.shellOut, m, "is_complete_reply", content)
}

func (s *Server) historyRequest(out *writer, m *Message) {
	var c struct {
		Output         bool   `json:"output"`
		HistAccessType string `json:"hist_access_type"`
		Session        int    `json:"session"`
		Start          int    `json:"start"`
		Stop           int    `json:"stop"`
		N              int    `json:"n"`
		Pattern        string `json:"pattern"`
		Unique         bool   `json:"unique"`
	}
	if !s.decode(out, m, &c) {
		return
	}
	var entries []HistoryEntry
	switch c.HistAccessType {
	case "tail":
		entries = s.history.Tail(c.N)
	case "range":
		entries = s.history.Range(c.Session, c.Start, c.Stop)
	case "search":
		entries = s.history.Search(c.Pattern, c.N, c.Unique)
	default:
		s.replyError(out, m, "BadRequest", fmt.Sprintf("hist_access_type %q is not tail, range or search", c.HistAccessType))
		return
	}
	history := make([]any, len(entries))
	for i, e := range entries {
		if c.Output {
			var output any
			if e.Output != "" {
				output = e.Output
			}
			history[i] = []any{e.Session, e.Line, []any{e.Input, output}}
		} else {
			history[i] = []any{e.Session, e.Line, e.Input}
		}
	}
	s.reply(out, m, "history_reply", map[string]any{"status": "ok", "history": history})
}
