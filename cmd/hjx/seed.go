package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/hjx-exchange/hjx/internal/demo"
)

// cmdSeed loads the demo world (partners, policies, a project, figures) through the
// domain services and prints a token per role. Refused in production mode: the demo
// tokens are derived from a seed anyone can read in the docs.
func cmdSeed(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	isDemo := fs.Bool("demo", false, "load the deterministic demo world")
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	if !*isDemo {
		return usageError("usage: hjx seed --demo")
	}
	if cfg.Production {
		return usageError("seed --demo is refused in production mode (HJX_PRODUCTION=true): its tokens are public")
	}
	a, db, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := demo.Seed(ctx, a, cfg.DemoSeed, func(line string) { fmt.Fprintln(stderr, "seed:", line) })
	if err != nil {
		return err
	}
	addr := cfg.Server.Addr
	if strings.HasPrefix(addr, ":") {
		addr = "localhost" + addr
	}
	res.Print(stdout, "http://"+addr)
	return nil
}
