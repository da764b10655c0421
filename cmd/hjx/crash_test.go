package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/graph"
	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/auth"
	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/ingest"
	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/internal/postgres/pgtest"
	"github.com/hjx-exchange/hjx/internal/server"
	"github.com/hjx-exchange/hjx/internal/uploadclient"
)

// gateValue marks the CSV row at which the test's trigger holds the COPY.
const gateValue = 777777

// largeCSV is a valid upload of many rows (one metric, single months, every
// breakdown of sex, age band and setting); the row in the middle carries gateValue.
func largeCSV() []byte {
	var b bytes.Buffer
	b.WriteString("metric,period_start,period_end,value,n,sex,age_band,health_setting\n")
	sexes := []string{"FEMALE", "MALE", "OTHER_OR_NOT_STATED"}
	ages := []string{"AGE_0_17", "AGE_18_24", "AGE_25_34", "AGE_35_44", "AGE_45_54", "AGE_55_64", "AGE_65_74", "AGE_75_89", "AGE_90_PLUS"}
	settings := []string{"PRIMARY_CARE", "HOSPITAL", "MENTAL_HEALTH", "HOSPICE", "MATERNITY", "PAEDIATRIC", "COMMUNITY_HEALTH_CENTRE", "OTHER"}
	row := 0
	for m := range 84 {
		start := time.Date(2015, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, m, 0)
		end := start.AddDate(0, 1, -1)
		for _, sex := range sexes {
			for _, age := range ages {
				for _, setting := range settings {
					row++
					value := 10 + row%90
					if row == 9000 {
						value = gateValue
					}
					fmt.Fprintf(&b, "PATIENTS_SCREENED,%s,%s,%d,,%s,%s,%s\n", start.Format(time.DateOnly),
						end.Format(time.DateOnly), value, sex, age, setting)
				}
			}
		}
	}
	return b.Bytes()
}

// hjxProcess is the real binary serving on a loopback port.
type hjxProcess struct {
	cmd  *exec.Cmd
	addr string
}

func startServe(t *testing.T, bin, dbURL string) *hjxProcess {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "HJX_ADDR=127.0.0.1:0", "HJX_LOG_LEVEL=info",
		"HJX_RATE_LIMIT=0", "HJX_RATE_LIMIT_ANONYMOUS=0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &hjxProcess{cmd: cmd}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	// The server logs its address once it listens; read until then, with a deadline.
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "hjx serving" {
				addrc <- line.Addr
			}
		}
	}()
	select {
	case p.addr = <-addrc:
	case <-time.After(60 * time.Second):
		t.Fatal("hjx serve did not start within 60 s")
	}
	return p
}

// kill9 ends the server as a crash would: no shutdown, no deferred work.
func (p *hjxProcess) kill9(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
}

// fingerprint is what must survive a crash unchanged: row counts and a hash of
// the submissions, observations and audit log.
func fingerprint(t *testing.T, db *sqlx.DB) string {
	t.Helper()
	var fp string
	err := db.Get(&fp, `SELECT concat_ws('|',
		(SELECT count(*) FROM submissions), (SELECT count(*) FROM observations), (SELECT count(*) FROM audit_entries),
		(SELECT md5(coalesce(string_agg(s::text, ',' ORDER BY s.id), '')) FROM submissions s),
		(SELECT md5(coalesce(string_agg(o::text, ',' ORDER BY o.id), '')) FROM observations o),
		(SELECT md5(coalesce(string_agg(a::text, ',' ORDER BY a.seq), '')) FROM audit_entries a))`)
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

// crashWorld is a database with earlier data, the hjx binary, and what every
// part of TestCrashDuringUpload checks against.
type crashWorld struct {
	ctx      context.Context
	bin      string
	dbURL    string
	db       *sqlx.DB
	uploader *auth.Issued
	earlier  *ingest.Result
	before   string // fingerprint before any crash
	csv      []byte
	opts     uploadclient.Options
}

// newCrashWorld builds the binary and stores the earlier data through the services:
// a partner, its uploader, one submission.
func newCrashWorld(t *testing.T) *crashWorld {
	t.Helper()
	ctx := context.Background()
	bin := filepath.Join(t.TempDir(), "hjx")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dbURL := pgtest.NewDatabaseURL(t)
	db, err := postgres.Open(ctx, dbURL, postgres.PoolConfig{MaxOpen: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })

	secret, err := postgres.LoadDisclosureSecret(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(db, slog.New(slog.DiscardHandler), app.Config{Server: server.DefaultConfig(), GraphQL: graph.DefaultHandlerConfig(),
		Secret: secret})
	if _, err := a.Directory.Register(ctx, &hjx.Principal{Role: hjx.RoleSteward}, directory.Partner{ID: "leeds", Name: "Leeds",
		Country: "GB", Region: "GB-ENG", Model: "HJP", HealthSettings: hjx.AllHealthSettings(), // largeCSV uses every setting
		AdviceDomains: []hjx.WelfareDomain{"WELFARE_BENEFITS"}}); err != nil {
		t.Fatal(err)
	}
	uploader, err := a.Auth.Create(ctx, auth.NewPrincipal{Name: "uploader", Role: hjx.RolePartnerUploader, PartnerID: "leeds"})
	if err != nil {
		t.Fatal(err)
	}
	earlier, err := a.Ingest.Submit(ctx, uploader.Principal, ingest.Request{Format: ingest.FormatCSV, ConsentBasis: "UK_GDPR_PUBLIC_TASK_RESEARCH",
		CSV: strings.NewReader("metric,period_start,period_end,value,n\nPATIENTS_SCREENED,2014-01-01,2014-03-31,120,\n")})
	if err != nil || !earlier.Accepted {
		t.Fatalf("earlier upload: %v %+v", err, earlier)
	}
	csv := largeCSV()
	return &crashWorld{ctx: ctx, bin: bin, dbURL: dbURL, db: db, uploader: uploader, earlier: earlier,
		before: fingerprint(t, db), csv: csv,
		opts: uploadclient.Options{Token: uploader.Secret, ConsentBasis: "UK_GDPR_PUBLIC_TASK_RESEARCH"}}
}

// A server killed with SIGKILL in the middle of a large upload, while its body
// is still arriving or while its rows are being copied into the database,
// leaves no trace of that submission; restarted, it serves everything else.
func TestCrashDuringUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	w := newCrashWorld(t)
	t.Run("OKKilledMidStream", w.killedMidStream)
	t.Run("OKKilledMidCopy", w.killedMidCopy)
	t.Run("OKRestartServesEverythingElse", w.restartServesEverythingElse)
}

// killedMidStream: the headers and half the body of a multipart upload, then SIGKILL.
func (w *crashWorld) killedMidStream(t *testing.T) {
	db, uploader, before, csv := w.db, w.uploader, w.before, w.csv
	srv := startServe(t, w.bin, w.dbURL)
	// Send the headers and half the body of a multipart upload, then kill.
	conn, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := multipartBody(t, csv)
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nApollo-Require-Preflight: true\r\n"+
		"Content-Type: %s\r\nContent-Length: %d\r\n\r\n", srv.addr, uploader.Secret, body.contentType, len(body.data))
	if _, err := conn.Write(body.data[:len(body.data)/2]); err != nil {
		t.Fatal(err)
	}
	srv.kill9(t)
	if got := fingerprint(t, db); got != before {
		t.Fatalf("the database changed after a crash mid-stream:\n%s\n%s", before, got)
	}
}

// killedMidCopy: SIGKILL while the upload's COPY is held mid-way by a trigger.
func (w *crashWorld) killedMidCopy(t *testing.T) {
	ctx, db, before, csv, opts := w.ctx, w.db, w.before, w.csv, w.opts
	gate := w.holdCopyAtGate(t)
	defer gate.Close()
	srv := startServe(t, w.bin, w.dbURL)
	opts.URL = "http://" + srv.addr
	uploadCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		_, _ = uploadclient.Upload(uploadCtx, opts, "large.csv", bytes.NewReader(csv), int64(len(csv)))
	}()

	pid, copied := w.waitAtGate(t)
	if copied < 8000 {
		t.Fatalf("COPY held after %d rows, want it mid-way (about 9000)", copied)
	}
	srv.kill9(t)
	// Let the orphaned backend go on: it finds its client gone and rolls back.
	if _, err := gate.ExecContext(ctx, `SELECT pg_advisory_unlock(4242)`); err != nil {
		t.Fatal(err)
	}
	w.waitGone(t, pid)
	if _, err := db.Exec(`DROP TRIGGER crash_gate ON observations; DROP FUNCTION crash_gate()`); err != nil {
		t.Fatal(err)
	}
	if got := fingerprint(t, db); got != before {
		t.Fatalf("the database changed after a crash mid-COPY:\n%s\n%s", before, got)
	}
}

// holdCopyAtGate installs, in the test database, a trigger that makes the COPY
// wait at the gate row for an advisory lock, and takes that lock on the
// connection it returns.
func (w *crashWorld) holdCopyAtGate(t *testing.T) *sqlx.Conn {
	t.Helper()
	ctx, db := w.ctx, w.db
	if _, err := db.Exec(`
		CREATE FUNCTION crash_gate() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.value = ` + fmt.Sprint(gateValue) + ` THEN PERFORM pg_advisory_xact_lock_shared(4242); END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER crash_gate BEFORE INSERT ON observations FOR EACH ROW EXECUTE FUNCTION crash_gate();`); err != nil {
		t.Fatal(err)
	}
	gate, err := db.Connx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gate.ExecContext(ctx, `SELECT pg_advisory_lock(4242)`); err != nil {
		t.Fatal(err)
	}
	return gate
}

// waitAtGate waits, with a deadline, until the upload's COPY is held at the gate
// row, and returns its backend's pid and the rows it has copied.
func (w *crashWorld) waitAtGate(t *testing.T) (pid, copied int) {
	t.Helper()
	db := w.db
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := db.QueryRowx(`SELECT a.pid, p.tuples_processed FROM pg_stat_activity a
			JOIN pg_stat_progress_copy p ON p.pid = a.pid
			WHERE a.datname = current_database() AND a.wait_event_type = 'Lock' AND a.wait_event = 'advisory'`).Scan(&pid, &copied)
		if err == nil {
			break
		}
		if !postgres.IsNoRows(err) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the upload's COPY never reached the gate row")
		}
	}
	return pid, copied
}

// waitGone waits, with a deadline, until the backend pid has ended.
func (w *crashWorld) waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var alive bool
		if err := w.db.Get(&alive, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)`, pid); err != nil {
			t.Fatal(err)
		}
		if !alive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the crashed server's backend is still running after 30 s")
		}
	}
}

// restartServesEverythingElse: restarted, the server has only the earlier
// submission and takes the same large upload in full.
func (w *crashWorld) restartServesEverythingElse(t *testing.T) {
	ctx, uploader, earlier, csv := w.ctx, w.uploader, w.earlier, w.csv
	srv := startServe(t, w.bin, w.dbURL)
	req, _ := http.NewRequest(http.MethodPost, "http://"+srv.addr+"/graphql",
		strings.NewReader(`{"query":"{ submissions { totalCount edges { node { id status rowCount } } } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+uploader.Secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		Data struct {
			Submissions struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						ID, Status string
						RowCount   int
					}
				}
			}
		}
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	s := out.Data.Submissions
	if s.TotalCount != 1 || s.Edges[0].Node.ID != earlier.Submission.ID || s.Edges[0].Node.Status != "ACCEPTED" || s.Edges[0].Node.RowCount != 1 {
		t.Fatalf("after restart the submissions are %s, want only the earlier one", raw)
	}
	// And the server accepts the same large upload now, in full.
	res, err := uploadclient.Upload(ctx, uploadclient.Options{URL: "http://" + srv.addr, Token: uploader.Secret,
		ConsentBasis: "UK_GDPR_PUBLIC_TASK_RESEARCH"}, "large.csv", bytes.NewReader(csv), int64(len(csv)))
	if err != nil || !res.Accepted || res.Submission.RowCount != 18144 {
		t.Fatalf("re-upload after restart: %v %+v", err, res)
	}
}

type multipart struct {
	contentType string
	data        []byte
}

// multipartBody is the GraphQL multipart request for csv, built in memory.
func multipartBody(t *testing.T, csv []byte) multipart {
	t.Helper()
	var rec bytes.Buffer
	ops := `{"query":"mutation($file: Upload!) { uploadSubmission(file: $file, consentBasis: UK_GDPR_PUBLIC_TASK_RESEARCH) { accepted } }","variables":{"file":null}}`
	const boundary = "hjxcrashtestboundary"
	fmt.Fprintf(&rec, "--%s\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n%s\r\n", boundary, ops)
	fmt.Fprintf(&rec, "--%s\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{\"0\": [\"variables.file\"]}\r\n", boundary)
	fmt.Fprintf(&rec, "--%s\r\nContent-Disposition: form-data; name=\"0\"; filename=\"large.csv\"\r\nContent-Type: text/csv\r\n\r\n", boundary)
	rec.Write(csv)
	fmt.Fprintf(&rec, "\r\n--%s--\r\n", boundary)
	return multipart{contentType: "multipart/form-data; boundary=" + boundary, data: rec.Bytes()}
}
