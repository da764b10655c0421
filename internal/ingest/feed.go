package ingest

import (
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/identifiers"
)

// feedResult is what reading a submission's rows found.
type feedResult struct {
	rows   int    // data rows read
	stored int    // rows copied (valid ones)
	fatal  bool   // reading stopped early; cross-row checks would be incomplete
	sha256 string // of the bytes read (CSV)
}

// csvFeed is one file being read: the reader, the header's layout and the counts.
type csvFeed struct {
	cfg      Config
	val      *validator
	cr       *csvReader
	layout   []column // the format's column of each file column, -1 for none
	headerOK bool     // every required column is there
	c        cells    // the record being checked
	res      feedResult
}

// feedCSV reads the file record by record, validates each row and emits the valid
// ones. Only one record is in memory at a time.
func feedCSV(r io.Reader, cfg Config, val *validator, emit func(*observation) error) (feedResult, error) {
	hashed, h := hashingReader(&limitedReader{r: r, max: cfg.MaxBytes})
	fd := &csvFeed{cfg: cfg, val: val, cr: newCSVReader(hashed, cfg.MaxRecordBytes)}
	if ok, err := fd.header(); !ok || err != nil {
		return fd.res, err
	}
	for {
		rec, err := fd.cr.Read()
		if err == io.EOF {
			break
		}
		more, err := fd.record(rec, err, emit)
		if err != nil {
			return fd.res, err
		}
		if !more {
			break
		}
	}
	fd.res.sha256 = hex.EncodeToString(h.Sum(nil))
	return fd.res, nil
}

// header reads the header row; false when there are no rows to read after it.
func (fd *csvFeed) header() (bool, error) {
	issues := fd.val.issues
	header, err := fd.cr.Read()
	switch {
	case err == io.EOF:
		issues.add(0, "", CodeFileEmpty, "the file is empty; it needs a header row and data rows (see /templates/observations.csv)")
		fd.res.fatal = true
		return false, nil
	case err != nil && !isParseError(err):
		return false, fd.stop(err)
	case err != nil:
		issues.add(1, "", CodeCSVMalformed, "the header row is not valid CSV: %s", csvErrorText(err))
		fd.res.fatal = true
		return false, nil
	}
	// The reader reuses its record slice: keep the header's own copy, or later rows
	// would show through it (and a cell's value could end up named as a column).
	fd.layout, fd.headerOK = parseHeader(slices.Clone(header), issues)
	return true, nil
}

// stop reports an error that ends reading: the file or a record too large is the
// partner's issue, anything else ours.
func (fd *csvFeed) stop(err error) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, errFileTooLarge) || errors.As(err, &mbe):
		fd.val.issues.add(0, "", CodeFileTooLarge, "the file is larger than the limit of %d bytes; split it into several submissions", fd.cfg.MaxBytes)
	case errors.Is(err, errRecordTooLong):
		fd.val.issues.add(fd.cr.Record()+1, "", CodeRowTooLong, "a row is longer than %d bytes; a valid row is a few hundred (is a quote left open?)", fd.cfg.MaxRecordBytes)
	default:
		return hjx.Internal(err, "read upload")
	}
	fd.res.fatal = true
	return nil
}

// record checks one data record (readErr is what reading it returned) and emits it
// when valid; more is false when reading must stop.
func (fd *csvFeed) record(rec []string, readErr error, emit func(*observation) error) (more bool, err error) {
	issues, row := fd.val.issues, fd.cr.Record()
	if readErr != nil && !isParseError(readErr) {
		return false, fd.stop(readErr)
	}
	if readErr != nil {
		issues.add(row, "", CodeCSVMalformed, "the row is not valid CSV: %s", csvErrorText(readErr))
		return true, nil
	}
	fd.res.rows++
	if fd.res.rows > fd.cfg.MaxRows {
		issues.add(row, "", CodeTooManyRows, "the file has more than %d data rows; split it into several submissions", fd.cfg.MaxRows)
		fd.res.fatal = true
		return false, nil
	}
	fd.scanOutside(row, rec)
	if len(rec) != len(fd.layout) {
		// Still check the known cells for identifiers after reporting the shape.
		issues.add(row, "", CodeFieldCount, "the row has %d cells but the header has %d; every row needs one cell per column (blank cells are fine)", len(rec), len(fd.layout))
		fd.fill(rec)
		fd.val.scanIdentifiers(row, &fd.c)
		return true, nil
	}
	fd.fill(rec)
	if !fd.headerOK {
		fd.val.scanIdentifiers(row, &fd.c)
		return true, nil
	}
	o, ok := fd.val.validate(row, &fd.c)
	if !ok {
		return true, nil
	}
	if err := emit(&o); err != nil {
		return false, err
	}
	fd.res.stored++
	return true, nil
}

// scanOutside checks the cells outside the known columns for identifiers. No
// column name: the header of a column outside the format is the partner's own
// text, never repeated.
func (fd *csvFeed) scanOutside(row int, rec []string) {
	for i, v := range rec {
		if i >= len(fd.layout) || fd.layout[i] < 0 {
			if k, hit := identifiers.Find(v, false); hit {
				fd.val.issues.add(row, "", k.IssueCode(), "a cell in column %d looks like %s; remove it", i+1, k.Description())
			}
		}
	}
}

// fill sets the record's cells by the header's layout, trimmed.
func (fd *csvFeed) fill(rec []string) {
	fd.c = cells{}
	for i, col := range fd.layout {
		if col >= 0 && i < len(rec) {
			fd.c[col] = normaliseCell(rec[i])
		}
	}
}

// feedRows validates and emits JSON rows; row numbers are positions from 1.
func feedRows(rows []Row, val *validator, emit func(*observation) error) (feedResult, error) {
	var f feedResult
	for i, r := range rows {
		f.rows++
		c := rowCells(r)
		o, ok := val.validate(i+1, &c)
		if !ok {
			continue
		}
		if err := emit(&o); err != nil {
			return f, err
		}
		f.stored++
	}
	return f, nil
}

func csvErrorText(err error) string {
	var pe interface{ Unwrap() error }
	if errors.As(err, &pe) && pe.Unwrap() != nil {
		return pe.Unwrap().Error()
	}
	return "unreadable"
}

func headerName(h string) string { return strings.ToLower(normaliseCell(h)) }

// parseHeader maps the file's columns to the format's; -1 marks an unknown column.
// It reports unknown, repeated and missing columns, and identifiers in the header.
// ok says whether every required column is there: then the rows are checked too
// (the file is rejected either way), so the partner sees every problem in one go.
func parseHeader(header []string, issues *issueList) ([]column, bool) {
	ok := true
	layout := make([]column, len(header))
	seen := map[column]bool{}
	for i, h := range header {
		layout[i] = -1
		name := headerName(h)
		if k, hit := identifiers.Find(name, false); hit {
			issues.add(1, "", k.IssueCode(), "the header of column %d looks like %s; use the template's column names", i+1, k.Description())
			continue
		}
		col := column(-1)
		for c := column(0); c < numColumns; c++ {
			if Columns[c] == name {
				col = c
			}
		}
		switch {
		case col < 0:
			issues.add(1, "", CodeColumnUnknown, "column %d is not a column of the format; remove it (free-text columns are not accepted). Columns: %s",
				i+1, strings.Join(Columns[:], ", "))
		case seen[col]:
			issues.add(1, name, CodeColumnRepeated, "column %s appears more than once", name)
		default:
			seen[col] = true
			layout[i] = col
		}
	}
	for _, name := range RequiredColumns {
		found := false
		for c := range seen {
			if Columns[c] == name {
				found = true
			}
		}
		if !found {
			issues.add(1, name, CodeColumnMissing, "required column %s is missing from the header", name)
			ok = false
		}
	}
	return layout, ok
}
