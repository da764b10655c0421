package main

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// uploaderEnv serves a fresh world with the partner leeds-gp and returns the
// environment `hjx upload` reads: the server's URL and the partner uploader's token.
func uploaderEnv(t *testing.T) func(string) string {
	env := testkit.New(t)
	env.Partner("leeds-gp", "GB", "GB-ENG")
	token, _ := env.Token(hjx.RolePartnerUploader, "leeds-gp", "")
	return clientEnv(serveHTTP(t, env), token)
}

// serveHTTP serves env's handler on a loopback port until the test ends.
func serveHTTP(t *testing.T, env *testkit.Env) string {
	srv := httptest.NewServer(env.Handler)
	t.Cleanup(srv.Close)
	return srv.URL
}

// clientEnv is the environment of hjx's client commands: HJX_URL and HJX_TOKEN.
func clientEnv(url, token string) func(string) string {
	return func(k string) string { return map[string]string{"HJX_URL": url, "HJX_TOKEN": token}[k] }
}

func TestUploadCommand(t *testing.T) {
	t.Parallel()
	getenv := uploaderEnv(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const header = "metric,period_start,period_end,value,n\n"
	good := write("good.csv", header+"PATIENTS_SCREENED,2022-01-01,2022-01-31,120,\n")
	bad := write("bad.csv", header+"PATIENTS_SCREENED,2022-01-01,2022-01-31,9434765919,\nNOPE,2022-01-01,2022-01-31,1,\n")
	upload := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"hjx", "upload"}, args...), getenv, &out, &errOut)
		return out.String(), errOut.String(), err
	}

	t.Run("OK", func(t *testing.T) {
		out, _, err := upload("--dry-run", good, "--consent-basis", "UK_GDPR_PUBLIC_TASK_RESEARCH")
		const wouldStore = "dry run: would store 1 rows of 1 period(s) from 2022-01-01 to 2022-01-31, metrics PATIENTS_SCREENED; nothing was stored"
		if err != nil || strings.TrimSpace(out) != wouldStore {
			t.Fatalf("dry run: %v %q, want %q", err, out, wouldStore)
		}
		out, _, err = upload(good, "--consent-basis", "UK_GDPR_PUBLIC_TASK_RESEARCH")
		if err != nil || !strings.Contains(out, "accepted: submission ") || !strings.Contains(out, "1 rows") {
			t.Fatalf("upload: %v %q", err, out)
		}
	})
	t.Run("OKAlreadyStored", func(t *testing.T) {
		out, _, err := upload(good, "--consent-basis", "UK_GDPR_PUBLIC_TASK_RESEARCH")
		if err != nil || !strings.HasPrefix(out, "already stored (same file) as submission ") {
			t.Fatalf("second upload of the same file: %v %q", err, out)
		}
	})
	t.Run("OKDryRunOfARevision", func(t *testing.T) {
		revised := write("revised.csv", header+"PATIENTS_SCREENED,2022-01-01,2022-01-31,125,\nPATIENTS_SCREENED,2022-02-01,2022-02-28,130,\n")
		out, _, err := upload("--dry-run", revised, "--consent-basis", "UK_GDPR_PUBLIC_TASK_RESEARCH")
		const want = "dry run: would store 2 rows of 2 period(s) from 2022-01-01 to 2022-02-28, metrics PATIENTS_SCREENED, " +
			"replacing 1 current figure(s); nothing was stored"
		if err != nil || strings.TrimSpace(out) != want {
			t.Fatalf("dry run: %v %q, want %q", err, out, want)
		}
	})
	t.Run("OKHelp", func(t *testing.T) {
		for _, flag := range []string{"--help", "-h"} {
			out, _, err := upload(flag)
			if err != nil || !strings.HasPrefix(out, "usage: hjx upload FILE") || !strings.Contains(out, "-consent-basis") {
				t.Errorf("upload %s: %v, stdout %q; want the usage on stdout and exit 0", flag, err, out)
			}
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		out, _, err := upload(bad, "--consent-basis", "UK_GDPR_PUBLIC_TASK_RESEARCH")
		if !errors.Is(err, errSilent) || exitCode(err) == 0 {
			t.Fatalf("a rejected file must exit non-zero, got %v", err)
		}
		for _, want := range []string{"rejected: 2 issue(s)", "ROW", "IDENTIFIER_NHS_NUMBER", "METRIC_UNKNOWN"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "9434765919") {
			t.Errorf("the output repeats the identifier:\n%s", out)
		}
	})
	t.Run("ErrUsage", func(t *testing.T) {
		if _, _, err := upload(good); exitCode(err) != 2 {
			t.Errorf("missing --consent-basis: %v", err)
		}
	})
}
