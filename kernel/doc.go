// Package kernel is golign's Jupyter protocol server: messaging protocol
// 5.3 over ZeroMQ (github.com/go-zeromq/zmq4), with HMAC-SHA256 signed
// messages, kept apart from the language behind the small Interpreter
// interface, as xeus keeps its interpreters apart from the protocol.
//
// A Server owns the five sockets of a connection file (shell, control and
// stdin as ROUTER, iopub as PUB, heartbeat as REP), signing and checking,
// the execution count, the input history and the busy/idle statuses around
// every request. It runs shell requests one at a time in arrival order and
// answers control requests meanwhile, so that an interrupt_request (or
// Server.Interrupt, for SIGINT) cancels the context of the running
// Execute. What an Interpreter publishes while it runs goes out on iopub
// with the execute_request as parent; input requests go out on stdin to
// the client that sent the request.
//
// Received messages are checked before they are acted on: a bad, missing
// or replayed signature, malformed frames or JSON, and unknown message
// types are logged and dropped, and a peer announcing an oversized message
// is disconnected (Config.MaxMessageSize). None of them stops the kernel.
//
// Deferred lets the interpreter be built while the server already answers
// kernel_info.
package kernel
