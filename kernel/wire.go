package kernel

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"sync"
	"time"
)

const (
	// ProtocolVersion is the version of the Jupyter messaging protocol the
	// server speaks.
	ProtocolVersion = "5.3"

	schemeHMACSHA256 = "hmac-sha256"
	delimiter        = "<IDS|MSG>"
	// replayWindow is how many recent signatures are remembered to refuse
	// a message sent a second time.
	replayWindow = 1 << 14
)

// Errors of Decode. A message failing with any of them must be dropped.
var (
	ErrNoDelimiter   = errors.New("no <IDS|MSG> delimiter frame")
	ErrShortMessage  = errors.New("fewer than the five frames that follow the delimiter")
	ErrBadSignature  = errors.New("bad or missing signature")
	ErrReplayed      = errors.New("signature already seen (replayed message)")
	ErrMalformedJSON = errors.New("malformed JSON")
)

// Header is the header of a Jupyter message.
type Header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// Message is a decoded Jupyter message. The JSON parts keep the bytes they
// were received as: RawHeader becomes, verbatim, the parent_header of the
// messages the kernel sends in response.
type Message struct {
	// Identities are the routing frames before the delimiter.
	Identities   [][]byte
	Header       Header
	RawHeader    []byte
	ParentHeader []byte
	Metadata     []byte
	Content      []byte
	Buffers      [][]byte
}

// Signer signs messages and checks the signatures of received ones with
// HMAC-SHA256 over the header, parent header, metadata and content frames,
// as the messaging protocol defines it. An empty key disables signing: no
// signature is sent and none is checked. A Signer is safe for concurrent use.
type Signer struct {
	key []byte

	mu   sync.Mutex
	seen map[[sha256.Size]byte]struct{}
	ring [][sha256.Size]byte
	next int
}

// NewSigner returns the Signer of a connection file's signature_scheme and
// key; the only scheme supported is hmac-sha256.
func NewSigner(scheme, key string) (*Signer, error) {
	if scheme != schemeHMACSHA256 {
		return nil, fmt.Errorf("signature scheme %q is not supported (want %s)", scheme, schemeHMACSHA256)
	}
	s := &Signer{key: []byte(key)}
	if len(key) > 0 {
		// The ring grows with the messages received, up to replayWindow:
		// a kernel does not hold half a megabyte for it from the start.
		s.seen = make(map[[sha256.Size]byte]struct{})
	}
	return s, nil
}

// Signs reports whether messages are signed (the key is not empty).
func (s *Signer) Signs() bool { return len(s.key) > 0 }

func (s *Signer) mac(parts [][]byte) hash.Hash {
	m := hmac.New(sha256.New, s.key)
	for _, p := range parts {
		m.Write(p)
	}
	return m
}

// Sign returns the hex signature of the four signed frames, or nil when
// signing is disabled.
func (s *Signer) Sign(header, parent, metadata, content []byte) []byte {
	if !s.Signs() {
		return nil
	}
	sum := s.mac([][]byte{header, parent, metadata, content}).Sum(nil)
	out := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(out, sum)
	return out
}

// verify checks sig against the four signed frames in constant time and
// refuses a signature seen before.
func (s *Signer) verify(sig []byte, signed [][]byte) error {
	if !s.Signs() {
		return nil
	}
	// The signature is the lowercase hex digest, as Jupyter writes it;
	// the same digest in uppercase is refused, as jupyter_client does.
	sum := s.mac(signed).Sum(nil)
	want := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(want, sum)
	if !hmac.Equal(sig, want) {
		return ErrBadSignature
	}
	var got [sha256.Size]byte
	copy(got[:], sum)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.seen[got]; dup {
		return ErrReplayed
	}
	if len(s.ring) < replayWindow {
		s.ring = append(s.ring, got)
	} else {
		delete(s.seen, s.ring[s.next])
		s.ring[s.next] = got
		s.next = (s.next + 1) % len(s.ring)
	}
	s.seen[got] = struct{}{}
	return nil
}

// Decode parses the frames of a received message and checks its signature
// before looking at its content. The header must be a JSON object with a
// string msg_type; parent header, metadata and content must be JSON objects.
func (s *Signer) Decode(frames [][]byte) (*Message, error) {
	at := -1
	for i, f := range frames {
		if string(f) == delimiter {
			at = i
			break
		}
	}
	if at < 0 {
		return nil, ErrNoDelimiter
	}
	rest := frames[at+1:]
	if len(rest) < 5 {
		return nil, ErrShortMessage
	}
	if err := s.verify(rest[0], rest[1:5]); err != nil {
		return nil, err
	}
	m := &Message{
		Identities:   frames[:at],
		RawHeader:    rest[1],
		ParentHeader: rest[2],
		Metadata:     rest[3],
		Content:      rest[4],
		Buffers:      rest[5:],
	}
	if err := json.Unmarshal(m.RawHeader, &m.Header); err != nil {
		return nil, fmt.Errorf("%w in header: %v", ErrMalformedJSON, err)
	}
	if m.Header.MsgType == "" {
		return nil, fmt.Errorf("%w: header has no msg_type", ErrMalformedJSON)
	}
	for _, part := range []struct {
		name string
		data []byte
	}{{"parent_header", m.ParentHeader}, {"metadata", m.Metadata}, {"content", m.Content}} {
		if !isJSONObject(part.data) {
			return nil, fmt.Errorf("%w: %s is not a JSON object", ErrMalformedJSON, part.name)
		}
	}
	return m, nil
}

func isJSONObject(data []byte) bool {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	return len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(data)
}

// Encode returns the frames of a message: identities, delimiter,
// signature, header, parent header, metadata, content, buffers.
func (s *Signer) Encode(identities [][]byte, header, parent, metadata, content []byte, buffers [][]byte) [][]byte {
	frames := make([][]byte, 0, len(identities)+6+len(buffers))
	frames = append(frames, identities...)
	frames = append(frames, []byte(delimiter), s.Sign(header, parent, metadata, content), header, parent, metadata, content)
	return append(frames, buffers...)
}

// NewHeader returns the header of a new message of type msgType in session.
func NewHeader(msgType, session string) Header {
	return Header{
		MsgID:    NewID(),
		Session:  session,
		Username: "golign",
		Date:     time.Now().UTC().Format("2006-01-02T15:04:05.000000Z07:00"),
		MsgType:  msgType,
		Version:  ProtocolVersion,
	}
}

// NewID returns a random UUID (version 4) in its textual form.
func NewID() string {
	var u [16]byte
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}
