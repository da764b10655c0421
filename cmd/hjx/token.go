package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/hjx-exchange/hjx/internal/auth"
	"github.com/hjx-exchange/hjx/internal/hjx"
)

// cmdToken is the operator's way to create a principal and its token (the first
// steward's, above all). It prints the secret alone on stdout, so scripts can
// capture it: TOKEN=$(hjx token create --role STEWARD --name ops).
func cmdToken(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "revoke" {
		return cmdTokenRevoke(ctx, cfg, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "create" {
		return usageError("usage: hjx token create --role ROLE [--partner ID] [--project ID] [--name NAME] [--expires RFC3339]\n" +
			"       hjx token revoke --demo")
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	role := fs.String("role", "", "STEWARD, PARTNER_ADMIN, PARTNER_UPLOADER, RESEARCHER or DASHBOARD")
	partner := fs.String("partner", "", "partner id (partner roles)")
	project := fs.String("project", "", "project id (DASHBOARD)")
	name := fs.String("name", "", "who or what the token is for (default: the role)")
	expires := fs.String("expires", "", "expiry time, RFC 3339 (default: none)")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError(err.Error())
	}
	if *role == "" {
		return usageError("--role is required")
	}
	if *name == "" {
		*name = *role
	}
	np := auth.NewPrincipal{Name: *name, Role: hjx.Role(*role), PartnerID: *partner, ProjectID: *project}
	if *expires != "" {
		t, err := time.Parse(time.RFC3339, *expires)
		if err != nil {
			return usageError("--expires: want RFC 3339, e.g. 2027-01-31T00:00:00Z")
		}
		np.ExpiresAt = &t
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	issued, err := auth.NewService(db).Create(ctx, np)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, issued.Secret)
	return nil
}

// cmdTokenRevoke revokes the demo principals' tokens: the fix `hjx serve`
// names when production mode finds a database seeded with --demo. It prints
// how many it revoked.
func cmdTokenRevoke(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token revoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	isDemo := fs.Bool("demo", false, "revoke every token of the demo principals")
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	if !*isDemo || fs.NArg() > 0 {
		return usageError("usage: hjx token revoke --demo (other tokens are revoked with the revokeToken mutation)")
	}
	db, err := openMigrated(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := auth.NewService(db).RevokeDemo(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revoked %d demo tokens\n", n)
	return nil
}
