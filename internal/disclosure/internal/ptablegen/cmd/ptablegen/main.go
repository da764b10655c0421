// Command ptablegen writes hjx's ptable (internal/disclosure/ptable.csv); it runs
// from go generate in internal/disclosure with the package's parameters.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/hjx-exchange/hjx/internal/disclosure/internal/ptablegen"
)

func main() {
	var p ptablegen.Params
	out := flag.String("o", "ptable.csv", "file to write")
	flag.IntVar(&p.D, "d", 4, "noise lies in -d..d")
	flag.Float64Var(&p.Variance, "variance", 3, "target variance of the stationary row")
	flag.IntVar(&p.Keys, "keys", 256, "key range")
	flag.Parse()
	data, err := ptablegen.Generate(p)
	if err == nil {
		err = os.WriteFile(*out, data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
