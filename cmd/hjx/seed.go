package main

import (
	"context"
	"io"
)

func cmdSeed(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	return usageError("seed: not built yet")
}
