package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/hjx-exchange/hjx/internal/uploadclient"
)

// progressMinBytes: smaller files are sent too fast for progress to help.
const progressMinBytes = 1 << 20

// cmdUpload sends a CSV file to a server for the partner whose token is in
// HJX_TOKEN: `hjx upload FILE --consent-basis X [--dry-run]`. It exits non-zero when
// the file is rejected, after printing every issue as a table.
func cmdUpload(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	opts, file, err := uploadArgs(args, stdout, stderr)
	if err != nil || file == "" {
		return err
	}
	opts.URL, opts.Token, err = serverOf(getenv, "upload", "your partner upload token")
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("upload: %s is not a regular file", file)
	}
	if info.Size() >= progressMinBytes {
		opts.Progress = progressPrinter(stderr)
	}
	res, err := uploadclient.Upload(ctx, opts, info.Name(), f, info.Size())
	if opts.Progress != nil {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		var ue *uploadclient.Error
		if errors.As(err, &ue) {
			return fmt.Errorf("upload refused: %s", ue.Error())
		}
		return fmt.Errorf("upload: %w", err)
	}
	return printUploadResult(stdout, res)
}

// uploadArgs parses upload's command line into the options and the file; the
// file is "" (and the error nil) when the usage was asked for and printed.
func uploadArgs(args []string, stdout, stderr io.Writer) (uploadclient.Options, string, error) {
	fs := flag.NewFlagSet("upload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	basis := fs.String("consent-basis", "", "the consent basis of the figures: UK_GDPR_PUBLIC_TASK_RESEARCH, UK_GDPR_LEGITIMATE_INTERESTS_RESEARCH, EXPLICIT_CONSENT, HIPAA_SAFE_HARBOR or HIPAA_EXPERT_DETERMINATION")
	dryRun := fs.Bool("dry-run", false, "validate and report without storing")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: hjx upload FILE --consent-basis BASIS [--dry-run]\n\nEnvironment: HJX_URL (default http://localhost:8080), HJX_TOKEN (a partner uploader or admin token).")
		fs.PrintDefaults()
	}
	// Asked for, the usage is the answer: on stdout, exit 0.
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(stdout)
			fs.Usage()
			return uploadclient.Options{}, "", nil
		}
		if a == "--" {
			break
		}
	}
	// The file may come before or after the flags.
	var files []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			return uploadclient.Options{}, "", usageError("upload: " + err.Error())
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(files) != 1 {
		fs.Usage()
		return uploadclient.Options{}, "", usageError("upload: give exactly one FILE")
	}
	if *basis == "" {
		fs.Usage()
		return uploadclient.Options{}, "", usageError("upload: --consent-basis is required")
	}
	return uploadclient.Options{ConsentBasis: strings.ToUpper(*basis), DryRun: *dryRun}, files[0], nil
}

// printUploadResult says what the server did with the file; a rejection is every
// issue as a table, and errSilent.
func printUploadResult(stdout io.Writer, res *uploadclient.Result) error {
	switch {
	case res.Accepted && res.AlreadyStored && res.Submission != nil:
		fmt.Fprintf(stdout, "%s\nsha256 %s\n", res.Summary, res.Submission.Sha256)
		return nil
	case res.Accepted && res.Submission != nil:
		fmt.Fprintf(stdout, "accepted: submission %s, %d rows, status %s\nsha256 %s\n",
			res.Submission.ID, res.Submission.RowCount, res.Submission.Status, res.Submission.Sha256)
		return nil
	case res.Accepted:
		fmt.Fprintln(stdout, res.Summary)
		return nil
	}
	fmt.Fprintf(stdout, "rejected: %d issue(s); nothing was stored\n\n", res.IssueCount)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROW\tCOLUMN\tCODE\tMESSAGE")
	for _, is := range res.Issues {
		row, col := "-", "-"
		if is.Row != nil {
			row = fmt.Sprint(*is.Row)
		}
		if is.Column != nil {
			col = *is.Column
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", row, col, is.Code, is.Message)
	}
	_ = tw.Flush()
	if res.IssueCount > len(res.Issues) {
		fmt.Fprintf(stdout, "\n... and %d more issue(s) not listed; fix these and upload again.\n", res.IssueCount-len(res.Issues))
	}
	return errSilent
}

// serverOf is the server the client commands talk to (HJX_URL, default
// http://localhost:8080) and the token they send (HJX_TOKEN, described by want).
func serverOf(getenv func(string) string, cmd, want string) (url, token string, err error) {
	token = getenv("HJX_TOKEN")
	if token == "" {
		return "", "", usageError(cmd + ": set HJX_TOKEN to " + want)
	}
	url = getenv("HJX_URL")
	if url == "" {
		url = "http://localhost:8080"
	}
	return url, token, nil
}

// progressPrinter writes "sent X of Y MiB (P%)" on one line, at most once per percent.
func progressPrinter(w io.Writer) func(sent, total int64) {
	last := int64(-1)
	return func(sent, total int64) {
		pct := sent * 100 / total
		if pct == last {
			return
		}
		last = pct
		fmt.Fprintf(w, "\rsent %.1f of %.1f MiB (%d%%)", float64(sent)/(1<<20), float64(total)/(1<<20), pct)
		if sent == total {
			fmt.Fprint(w, "; the server is validating and storing...")
		}
	}
}
