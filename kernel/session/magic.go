package session

import (
	"context"

	"github.com/golign/golign/kernel"
)

// magics runs the magic commands at the start of code and returns the rest.
func (s *Session) magics(ctx context.Context, code string, reply *kernel.ExecuteReply) (rest string, done bool, kerr *kernel.Error) {
	return code, false, nil
}
