package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/ingest"
)

// echoProbes are values no issue may repeat: identifiers the detectors know (and
// HMRC's specimen NI number, which they rightly do not), names, and random words
// shaped like codes.
func echoProbes(seed uint64) []string {
	probes := []string{"AB123456C", "AB 12 34 56 C", "QQ123456C", "9434765919", "jo.bloggs@example.org", "LS6 1AA",
		"07700 900123", "1980-04-23", "123-45-6789", "JOHN_SMITH", "Mrs Jones", "XK9Q7ZP"}
	r := rand.New(rand.NewPCG(seed, seed))
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789_"
	for i := 0; i < 4; i++ {
		b := make([]byte, 6+r.IntN(8))
		for j := range b {
			b[j] = alphabet[r.IntN(len(alphabet))]
		}
		b[0] = 'Z' // a letter first: code-shaped, like a misspelt vocabulary word
		probes = append(probes, string(b))
	}
	return probes
}

// TestUploadNeverEchoes puts each probe in every column of a row and as a header of
// its own, uploads it with hjx upload (dry run, through the real server), and checks
// that no line the command prints repeats it: not as a message, not as a column
// (issue 12, item 4).
func TestUploadNeverEchoes(t *testing.T) {
	t.Parallel()
	getenv := uploaderEnv(t)
	dir := t.TempDir()
	valid := map[string]string{"metric": "PATIENTS_SCREENED", "period_start": "2022-01-01", "period_end": "2022-01-31", "value": "12"}
	header := strings.Join(ingest.Columns[:], ",")
	rowWith := func(col, v string) string {
		cells := make([]string, len(ingest.Columns))
		for i, c := range ingest.Columns {
			cells[i] = valid[c]
			if c == col {
				cells[i] = v
			}
		}
		return strings.Join(cells, ",")
	}
	upload := func(t *testing.T, content string) string {
		t.Helper()
		p := filepath.Join(dir, "probe.csv")
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"hjx", "upload", p, "--consent-basis", "EXPLICIT_CONSENT", "--dry-run"},
			getenv, &out, &errOut)
		if err == nil {
			t.Fatalf("the probe was accepted:\n%s", content)
		}
		return out.String() + errOut.String()
	}
	for i, probe := range echoProbes(12) {
		t.Run(fmt.Sprintf("ErrProbe%d", i), func(t *testing.T) {
			files := map[string]string{"header": header + "," + probe + "\n" + rowWith("", "") + ",1\n"}
			for _, col := range ingest.Columns {
				files[col] = header + "\n" + rowWith(col, probe) + "\n"
			}
			for where, content := range files {
				if out := upload(t, content); strings.Contains(out, probe) {
					t.Errorf("%q in %s is repeated:\n%s", probe, where, out)
				}
			}
		})
	}
}
