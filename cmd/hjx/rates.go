package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/rates"
)

// cmdRates is the operator's way to load a later year's exchange rates:
// hjx rates load FILE.csv --source "World Bank WDI, 2023 release" [--correct].
func cmdRates(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "load" {
		return usageError("usage: hjx rates load FILE.csv --source SOURCE [--correct]")
	}
	fs := flag.NewFlagSet("rates load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	source := fs.String("source", "", "where the rates come from (required; stored with them)")
	correct := fs.Bool("correct", false, "add a new version for years that already have different rates")
	if err := fs.Parse(reorder(args[1:])); err != nil {
		return usageError(err.Error())
	}
	if fs.NArg() != 1 {
		return usageError("usage: hjx rates load FILE.csv --source SOURCE [--correct]")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, rates.MaxFileBytes+1))
	if err != nil {
		return err
	}
	a, db, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := a.Rates.Load(ctx, hjx.OperatorPrincipal("hjx rates load"), b, *source, *correct)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added %v, corrected %v, unchanged %v\n", res.Added, res.Corrected, res.Unchanged)
	return nil
}

// reorder puts flags before positional arguments, so `load FILE --source X` parses
// as users type it.
func reorder(args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) > 1 && a[0] == '-' {
			flags = append(flags, a)
			if a == "--source" || a == "-source" {
				if i+1 < len(args) {
					flags = append(flags, args[i+1])
					i++
				}
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}
