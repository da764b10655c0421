package main

import (
	"context"
	"fmt"
	"io"

	"github.com/hjx-exchange/hjx/internal/audit"
)

// cmdAudit checks the audit log's hash chain: `hjx audit verify` recomputes every
// entry's hash from its content and its predecessor's hash. It prints the number of
// entries and the head hash when the chain holds (keep the head elsewhere: only a
// kept head reveals that the newest entries were cut off), and fails naming the
// first entry (seq and id) where it breaks.
func cmdAudit(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	if len(args) != 1 || args[0] != "verify" {
		return usageError("usage: hjx audit verify")
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	checked, head, problem, err := audit.Verify(ctx, db)
	if err != nil {
		return err
	}
	if problem != nil {
		fmt.Fprintf(stderr, "hjx: audit log BROKEN at seq %d (id %s): %s\n", problem.Seq, problem.ID, problem.Reason)
		fmt.Fprintf(stderr, "hjx: %d entries before it verified\n", checked)
		return errSilent
	}
	fmt.Fprintf(stdout, "audit log OK: %d entries, head %s\n", checked, head)
	return nil
}
