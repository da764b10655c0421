package ingest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
)

// errRecordTooLong stops reading a file whose record grows past the limit: a valid
// row is a few hundred bytes, and encoding/csv would otherwise hold a record of any
// size (one huge quoted field, say) in memory.
var errRecordTooLong = errors.New("record too long")

// boundedReader feeds encoding/csv and fails once more than max bytes have been read
// since the last record boundary the reader was told about. It is what keeps the
// memory of parsing flat whatever a client sends.
type boundedReader struct {
	r        io.Reader
	read     int64 // bytes delivered so far
	boundary int64 // offset of the end of the last complete record
	max      int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.read-b.boundary > b.max {
		return 0, errRecordTooLong
	}
	n, err := b.r.Read(p)
	b.read += int64(n)
	return n, err
}

// csvReader reads an upload's records one at a time, with limits.
type csvReader struct {
	bounded *boundedReader
	r       *csv.Reader
	record  int // number of the record last returned; the header is record 1
}

// newCSVReader reads comma-separated UTF-8 records from r. A UTF-8 byte order mark
// (spreadsheets write one) is dropped. maxRecordBytes bounds one record.
func newCSVReader(r io.Reader, maxRecordBytes int64) *csvReader {
	b := &boundedReader{r: &bomSkipper{r: r}, max: maxRecordBytes}
	cr := csv.NewReader(b)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1 // the row length is checked against the header by the caller
	return &csvReader{bounded: b, r: cr}
}

// Read returns the next record, io.EOF at the end, a *csv.ParseError for a record
// that is not valid CSV (reading may continue after it), or errRecordTooLong (fatal).
// The returned slice is reused by the next call.
func (c *csvReader) Read() ([]string, error) {
	rec, err := c.r.Read()
	if err == nil || isParseError(err) {
		c.record++
		c.bounded.boundary = c.r.InputOffset()
	}
	if err != nil && errors.Is(err, errRecordTooLong) {
		return nil, errRecordTooLong
	}
	return rec, err
}

// Record is the number of the record last read (the header is 1), the row number a
// spreadsheet shows for it when no field spans lines.
func (c *csvReader) Record() int { return c.record }

func isParseError(err error) bool {
	var pe *csv.ParseError
	return errors.As(err, &pe) && !errors.Is(err, errRecordTooLong)
}

// bomSkipper drops a leading UTF-8 byte order mark.
type bomSkipper struct {
	r    io.Reader
	done bool
	buf  []byte
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func (b *bomSkipper) Read(p []byte) (int, error) {
	if !b.done {
		b.done = true
		head := make([]byte, 3)
		n, err := io.ReadFull(b.r, head)
		head = head[:n]
		if !bytes.Equal(head, utf8BOM) {
			b.buf = head
		}
		if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
			return 0, err
		}
	}
	if len(b.buf) > 0 {
		n := copy(p, b.buf)
		b.buf = b.buf[n:]
		return n, nil
	}
	return b.r.Read(p)
}
