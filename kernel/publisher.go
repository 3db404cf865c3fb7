package kernel

import (
	"context"
	"encoding/json"
)

// publisher is the Publisher of one execute_request: everything goes out
// on iopub with the request as parent, input requests on stdin to the
// request's sender. It is safe for concurrent use, so goroutines started
// by the code may write through it.
type publisher struct {
	server *Server
	parent *Message
	req    ExecuteRequest
	// ctx is cancelled when the execution is interrupted or ends.
	ctx context.Context
}

func (p *publisher) Stream(name, text string) {
	p.server.publish("stream", p.parent, map[string]any{"name": name, "text": text})
}

func (p *publisher) Display(data MIMEBundle, metadata map[string]any, displayID string, update bool) {
	msgType := "display_data"
	if update {
		msgType = "update_display_data"
	}
	content := map[string]any{"data": nonNilMap(data), "metadata": nonNilMap(metadata), "transient": map[string]any{}}
	if displayID != "" {
		content["transient"] = map[string]any{"display_id": displayID}
	}
	p.server.publish(msgType, p.parent, content)
}

func (p *publisher) Result(data MIMEBundle, metadata map[string]any) {
	if p.req.Silent {
		return
	}
	p.server.publish("execute_result", p.parent, map[string]any{
		"execution_count": p.req.Count, "data": nonNilMap(data), "metadata": nonNilMap(metadata),
	})
	if text, ok := data["text/plain"].(string); ok && p.req.StoreHistory {
		p.server.history.SetOutput(p.req.Count, text)
	}
}

func (p *publisher) ClearOutput(wait bool) {
	p.server.publish("clear_output", p.parent, map[string]any{"wait": wait})
}

// Input sends an input_request to the client that sent the execution and
// waits for its input_reply, an interrupt or shutdown.
func (p *publisher) Input(prompt string, password bool) (string, error) {
	if !p.req.AllowStdin {
		return "", ErrStdinNotAllowed
	}
	s := p.server
	s.inputMu.Lock()
	defer s.inputMu.Unlock()
	for stale := true; stale; {
		select {
		case <-s.inputReplies:
		default:
			stale = false
		}
	}
	frames, err := s.message(p.parent.Identities, "input_request", p.parent, map[string]any{"prompt": prompt, "password": password})
	if err != nil {
		return "", err
	}
	if err := s.stdinOut.send(s.closing, frames, true); err != nil {
		return "", err
	}
	select {
	case r := <-s.inputReplies:
		var c struct {
			Value string `json:"value"`
		}
		if err := json.Unmarshal(r.Content, &c); err != nil {
			return "", err
		}
		return c.Value, nil
	case <-p.ctx.Done():
		return "", p.ctx.Err()
	case <-s.quit:
		return "", errClosing
	}
}
