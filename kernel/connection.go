package kernel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
)

// ConnectionInfo is the content of a Jupyter connection file: where the
// kernel's five sockets listen and how messages are signed.
type ConnectionInfo struct {
	// Transport is "tcp" or "ipc".
	Transport string `json:"transport"`
	// IP is the address to bind for tcp, or the path prefix of the socket
	// files for ipc (each socket file is IP + "-" + port).
	IP string `json:"ip"`
	// The ports of the five sockets; for ipc, the suffixes of their files.
	ShellPort   int `json:"shell_port"`
	IOPubPort   int `json:"iopub_port"`
	StdinPort   int `json:"stdin_port"`
	ControlPort int `json:"control_port"`
	HBPort      int `json:"hb_port"`
	// Key is the HMAC key; empty disables signing.
	Key string `json:"key"`
	// SignatureScheme is "hmac-sha256", the only scheme supported; empty
	// means hmac-sha256.
	SignatureScheme string `json:"signature_scheme"`
	KernelName      string `json:"kernel_name,omitempty"`
}

// LoadConnectionFile reads and validates a connection file. Errors name the
// file, and the line and field at fault when there is one.
func LoadConnectionFile(path string) (ConnectionInfo, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return ConnectionInfo{}, fmt.Errorf("reading connection file: %w", err)
	}
	info, err := ParseConnectionInfo(data)
	if err != nil {
		return ConnectionInfo{}, fmt.Errorf("connection file %s: %w", path, err)
	}
	return info, nil
}

// ParseConnectionInfo decodes and validates the JSON of a connection file.
// A missing transport means tcp, a missing ip means 127.0.0.1 and a missing
// signature_scheme means hmac-sha256.
func ParseConnectionInfo(data []byte) (ConnectionInfo, error) {
	var info ConnectionInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return ConnectionInfo{}, describeJSONError(data, err)
	}
	if info.Transport == "" {
		info.Transport = "tcp"
	}
	if info.IP == "" {
		info.IP = "127.0.0.1"
	}
	if info.SignatureScheme == "" {
		info.SignatureScheme = schemeHMACSHA256
	}
	return info, info.validate()
}

func (info ConnectionInfo) validate() error {
	if info.Transport != "tcp" && info.Transport != "ipc" {
		return fmt.Errorf("field transport: %q is not supported (want tcp or ipc)", info.Transport)
	}
	if info.SignatureScheme != schemeHMACSHA256 {
		return fmt.Errorf("field signature_scheme: %q is not supported (want %s)", info.SignatureScheme, schemeHMACSHA256)
	}
	for _, p := range info.ports() {
		if *p.port < 0 || *p.port > 65535 {
			return fmt.Errorf("field %s: %d is not a port number", p.field, *p.port)
		}
	}
	return nil
}

type namedPort struct {
	field string
	port  *int
}

func (info *ConnectionInfo) ports() []namedPort {
	return []namedPort{
		{"shell_port", &info.ShellPort},
		{"iopub_port", &info.IOPubPort},
		{"stdin_port", &info.StdinPort},
		{"control_port", &info.ControlPort},
		{"hb_port", &info.HBPort},
	}
}

// Endpoint is the ZeroMQ endpoint of the socket listening on port, such as
// "tcp://127.0.0.1:5555" or "ipc://kernel-1-ipc-2".
func (info ConnectionInfo) Endpoint(port int) string {
	if info.Transport == "ipc" {
		return "ipc://" + info.IP + "-" + strconv.Itoa(port)
	}
	return "tcp://" + net.JoinHostPort(info.IP, strconv.Itoa(port))
}

// describeJSONError turns a decoding error into one that names the line
// and, for a wrongly typed value, the field.
func describeJSONError(data []byte, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("line %d: invalid JSON: %v", lineOf(data, syntax.Offset), err)
	case errors.As(err, &typ):
		return fmt.Errorf("line %d: field %s: %s is not a valid %s", lineOf(data, typ.Offset), typ.Field, typ.Value, typ.Type)
	}
	return err
}

func lineOf(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}
