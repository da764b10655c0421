package ingest

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"strconv"
	"time"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// contentHash is the content's hash when it can be taken up front (JSON rows; a
// seekable file), so a repeated submission is recognised before any work is done;
// "" otherwise, and for a file too large (reading it reports that).
func contentHash(req Request, cfg Config) (string, error) {
	switch {
	case req.Format == FormatJSON:
		return hashRows(req.Rows), nil
	case isSeeker(req.CSV):
		h, err := hashSeekable(req.CSV.(io.ReadSeeker), cfg.MaxBytes)
		if err != nil && !errors.Is(err, errFileTooLarge) {
			return "", hjx.Internal(err, "hash upload")
		}
		return h, nil
	}
	return "", nil
}

func isSeeker(r io.Reader) bool {
	_, ok := r.(io.ReadSeeker)
	return ok
}

var errFileTooLarge = errors.New("file too large")

// hashSeekable hashes the file and rewinds it.
func hashSeekable(f io.ReadSeeker, max int64) (string, error) {
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(f, max+1))
	if err != nil {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	if n > max {
		return "", errFileTooLarge
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashRows is the sha256 of JSON rows rendered as canonical CSV (the template's
// columns, in order), so identical rows submitted twice are one submission.
func hashRows(rows []Row) string {
	h := sha256.New()
	w := csv.NewWriter(h)
	_ = w.Write(Columns[:])
	for _, r := range rows {
		c := rowCells(r)
		_ = w.Write(c[:])
	}
	w.Flush()
	return hex.EncodeToString(h.Sum(nil))
}

// rowCells renders a Row as the cells a CSV file would hold.
func rowCells(r Row) cells {
	var c cells
	c[colMetric] = r.Metric
	c[colPeriodStart] = isoDate(r.PeriodStart)
	c[colPeriodEnd] = isoDate(r.PeriodEnd)
	c[colValue] = strconv.FormatFloat(r.Value, 'f', -1, 64)
	if r.N != nil {
		c[colN] = strconv.Itoa(*r.N)
	}
	if r.SD != nil {
		c[colSD] = strconv.FormatFloat(*r.SD, 'f', -1, 64)
	}
	c[colCurrency] = r.Currency
	c[colWelfareDomain] = r.WelfareDomain
	c[colIhelpCategory] = r.IhelpCategory
	c[colHealthSetting] = r.HealthSetting
	c[colAgeBand] = r.AgeBand
	c[colSex] = r.Sex
	c[colDeprivationScheme] = r.DeprivationScheme
	if r.DeprivationValue != nil {
		c[colDeprivationValue] = strconv.Itoa(*r.DeprivationValue)
	}
	return c
}

func isoDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

// limitedReader fails with errFileTooLarge past max bytes.
type limitedReader struct {
	r   io.Reader
	n   int64
	max int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n > l.max {
		return 0, errFileTooLarge
	}
	if rest := l.max + 1 - l.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.max {
		return n, errFileTooLarge
	}
	return n, err
}

// hashingReader hashes what passes through.
func hashingReader(r io.Reader) (io.Reader, hash.Hash) {
	h := sha256.New()
	return io.TeeReader(r, h), h
}
