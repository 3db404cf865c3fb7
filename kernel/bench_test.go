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
