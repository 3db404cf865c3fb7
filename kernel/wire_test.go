package kernel

import (
	"bytes"
	"errors"
	"testing"
)

func validFrames(s *Signer) [][]byte {
	header := []byte(`{"msg_id":"1","session":"s","username":"u","date":"","msg_type":"execute_request","version":"5.3"}`)
	return s.Encode([][]byte{[]byte("peer")}, header, []byte(`{}`), []byte(`{}`), []byte(`{"code":"x := 1"}`), [][]byte{[]byte("buf")})
}

func TestSignedRoundTrip(t *testing.T) {
	for _, key := range []string{testKey, ""} {
		s, err := NewSigner(schemeHMACSHA256, key)
		if err != nil {
			t.Fatal(err)
		}
		frames := validFrames(s)
		m, err := s.Decode(frames)
		if err != nil {
			t.Fatalf("key %q: %v", key, err)
		}
		if m.Header.MsgType != "execute_request" || string(m.Content) != `{"code":"x := 1"}` ||
			len(m.Identities) != 1 || string(m.Identities[0]) != "peer" || len(m.Buffers) != 1 {
			t.Errorf("key %q: decoded %+v", key, m)
		}
		if again := s.Encode(m.Identities, m.RawHeader, m.ParentHeader, m.Metadata, m.Content, m.Buffers); !equalFrames(again, frames) {
			t.Errorf("key %q: re-encoding differs", key)
		}
	}
}

func TestSignatureRejections(t *testing.T) {
	tamper := func(f func(frames [][]byte) [][]byte) func(*Signer) [][]byte {
		return func(s *Signer) [][]byte { return f(validFrames(s)) }
	}
	tests := []struct {
		name   string
		frames func(*Signer) [][]byte
		want   error
	}{
		{"flipped signature", tamper(func(f [][]byte) [][]byte { f[2][0] ^= 1; return f }), ErrBadSignature},
		{"missing signature", tamper(func(f [][]byte) [][]byte { f[2] = nil; return f }), ErrBadSignature},
		{"uppercase signature", tamper(func(f [][]byte) [][]byte { f[2] = bytes.ToUpper(f[2]); return f }), ErrBadSignature},
		{"non-hex signature", tamper(func(f [][]byte) [][]byte { f[2] = bytes.Repeat([]byte("z"), 64); return f }), ErrBadSignature},
		{"tampered content", tamper(func(f [][]byte) [][]byte { f[6] = []byte(`{"code":"rm"}`); return f }), ErrBadSignature},
		{"wrong key", func(*Signer) [][]byte { other, _ := NewSigner(schemeHMACSHA256, "other"); return validFrames(other) }, ErrBadSignature},
		{"no delimiter", tamper(func(f [][]byte) [][]byte { f[1] = []byte("<IDS|MSH>"); return f }), ErrNoDelimiter},
		{"short", tamper(func(f [][]byte) [][]byte { return f[:5] }), ErrShortMessage},
	}
	for _, tc := range tests {
		s, _ := NewSigner(schemeHMACSHA256, testKey)
		if _, err := s.Decode(tc.frames(s)); !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
	}

	s, _ := NewSigner(schemeHMACSHA256, testKey)
	frames := validFrames(s)
	if _, err := s.Decode(frames); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decode(frames); !errors.Is(err, ErrReplayed) {
		t.Errorf("replay: error %v, want ErrReplayed", err)
	}

	if _, err := NewSigner("hmac-sha1", testKey); err == nil {
		t.Errorf("hmac-sha1 accepted")
	}
}

func TestReplayWindowIsBounded(t *testing.T) {
	s, _ := NewSigner(schemeHMACSHA256, testKey)
	first := validFrames(s)
	s.Decode(first)
	for i := 0; i < replayWindow; i++ {
		content := []byte(`{"i":` + string(rune('0'+i%10)) + `,"n":"` + NewID() + `"}`)
		if _, err := s.Decode(s.Encode(nil, []byte(`{"msg_type":"x"}`), []byte(`{}`), []byte(`{}`), content, nil)); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.seen) != replayWindow {
		t.Errorf("remembers %d signatures, want %d", len(s.seen), replayWindow)
	}
	if _, err := s.Decode(first); err != nil {
		t.Errorf("a signature older than the window is still refused: %v", err)
	}
}

func equalFrames(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// FuzzDecode feeds Decode arbitrary frames (the fuzz input split at NUL
// bytes). Decode must never panic, and whatever it accepts must re-encode
// to the frames it came from.
func FuzzDecode(f *testing.F) {
	s, _ := NewSigner(schemeHMACSHA256, testKey)
	join := func(frames [][]byte) []byte { return bytes.Join(frames, []byte{0}) }
	f.Add(join(validFrames(s)))
	f.Add(join([][]byte{[]byte(delimiter), []byte(""), []byte(`{"msg_type":"a"}`), []byte(`{}`), []byte(`{}`), []byte(`{}`)}))
	f.Add(join([][]byte{[]byte(delimiter)}))
	f.Add([]byte(`{"msg_type":5}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		frames := bytes.Split(data, []byte{0})
		for _, key := range []string{testKey, ""} {
			dec, _ := NewSigner(schemeHMACSHA256, key)
			m, err := dec.Decode(frames)
			if err != nil {
				continue
			}
			fresh, _ := NewSigner(schemeHMACSHA256, key)
			again := fresh.Encode(m.Identities, m.RawHeader, m.ParentHeader, m.Metadata, m.Content, m.Buffers)
			if key != "" && !equalFrames(again, frames) {
				t.Fatalf("accepted frames do not re-encode to themselves")
			}
		}
	})
}
