package kernel

import (
	"testing"
)

// BenchmarkExecuteRoundTrip measures one trivial execution as a frontend
// sees it over tcp: execute_request sent, execute_reply received, and the
// idle status that ends the request on iopub.
func BenchmarkExecuteRoundTrip(b *testing.B) {
	k := startKernel(b, ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", Key: testKey, SignatureScheme: schemeHMACSHA256})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := k.send(k.shell, "execute_request", map[string]any{"code": "x := 1"})
		k.recv(k.shellIn, "execute_reply")
		k.outputs(id)
	}
}

// BenchmarkDecode measures checking the signature of and decoding a
// typical execute_request.
func BenchmarkDecode(b *testing.B) {
	s, _ := NewSigner(schemeHMACSHA256, testKey)
	frames := make([][][]byte, b.N)
	for i := range frames {
		content := []byte(`{"code":"x := 1","silent":false,"store_history":true,"n":"` + NewID() + `"}`)
		frames[i] = s.Encode([][]byte{[]byte("peer")}, []byte(`{"msg_id":"1","session":"s","username":"u","date":"2026-01-01T00:00:00Z","msg_type":"execute_request","version":"5.3"}`), []byte(`{}`), []byte(`{}`), content, nil)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Decode(frames[i]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReplyMessage measures building and signing a reply.
func BenchmarkReplyMessage(b *testing.B) {
	srv := &Server{session: NewID()}
	srv.signer, _ = NewSigner(schemeHMACSHA256, testKey)
	req := &Message{Identities: [][]byte{[]byte("peer")}, RawHeader: []byte(`{"msg_id":"1","msg_type":"execute_request"}`)}
	content := map[string]any{"status": "ok", "execution_count": 1, "payload": []map[string]any{}, "user_expressions": map[string]any{}}
	for i := 0; i < b.N; i++ {
		if _, err := srv.message(req.Identities, "execute_reply", req, content); err != nil {
			b.Fatal(err)
		}
	}
}
