// Command hjx is the Health Justice Exchange: the GraphQL service and its operator
// tools (migrate, seed, token, upload, audit, rates). main only calls run, which
// takes everything from outside as arguments so that tests can drive it.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if err != errSilent {
			fmt.Fprintln(os.Stderr, "hjx:", err)
		}
		os.Exit(exitCode(err))
	}
}

const usage = `hjx: the Health Justice Exchange

Usage:
  hjx serve                      migrate, then serve GraphQL on HJX_ADDR (default :8080); in production
                                 mode refuses to start while demo tokens are valid
  hjx migrate                    apply database migrations and reference data
  hjx seed --demo                load the deterministic demo world and print demo tokens
  hjx token create --role ROLE [--partner ID] [--project ID] [--name NAME] [--expires RFC3339]
                                 create a principal and print its token alone on stdout
  hjx token revoke --demo        revoke every demo principal's token (needed before production mode serves
                                 a database that was seeded with --demo)
  hjx audit verify               check the audit log's hash chain; fails naming the first bad entry
  hjx upload FILE --consent-basis BASIS [--dry-run]
                                 send a CSV file of figures (HJX_URL, HJX_TOKEN)
  hjx rates load FILE.csv --source SOURCE [--correct]
                                 load later years' exchange rates (a changed year needs --correct)
  hjx documents register --project ID [--restrict] [FILE.graphql...]
                                 register trusted documents (default: the dashboard's) (HJX_URL, HJX_TOKEN)
  hjx federation keygen          print a new Ed25519 key pair for a national node or coordinator
  hjx version                    print the version

Configuration comes from the environment; see README.md.
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return usageError("no command given")
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	cmd, rest := args[1], args[2:]
	// Commands of one signature are found by name, so that their call is written
	// once: those on the database take the configuration, those that talk to a
	// running server read HJX_URL and HJX_TOKEN through getenv.
	onDatabase := map[string]func(context.Context, config, []string, io.Writer, io.Writer) error{
		"seed": cmdSeed, "token": cmdToken, "audit": cmdAudit, "rates": cmdRates,
	}
	onServer := map[string]func(context.Context, []string, func(string) string, io.Writer, io.Writer) error{
		"upload": cmdUpload, "documents": cmdDocuments,
	}
	if f, ok := onDatabase[cmd]; ok {
		return f(ctx, cfg, rest, stdout, stderr)
	}
	if f, ok := onServer[cmd]; ok {
		return f(ctx, rest, getenv, stdout, stderr)
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, cfg, getenv, stderr)
	case "migrate":
		return cmdMigrate(ctx, cfg, stderr)
	case "federation":
		return cmdFederation(rest, stdout)
	case "version":
		fmt.Fprintln(stdout, version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError(fmt.Sprintf("unknown command %q", cmd))
}
