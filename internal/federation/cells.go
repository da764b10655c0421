package federation

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math"

	"github.com/hjx-exchange/hjx/internal/outcomes"
)

// Cells are a node's per-partner shares of each cell. On the wire they are one
// base64 string of a compact binary encoding (cellsVersion): a dashboard answer's
// 132 shares were 31 KB of JSON objects repeating every field name and each
// partner's settings in every cell, and decoding them was most of the
// coordinator's cost of an answer. The encoding is exact (floats as their bits,
// keys and unit keys as integers) and carries nothing the JSON did not.
type Cells []outcomes.RawCell

// cellsVersion is the first byte of the encoding.
const cellsVersion = 1

// errCells is an encoding that does not decode: a node of another version, or a
// corrupted answer (its signature checked, so a bug rather than an attack).
var errCells = errors.New("federation: malformed cells")

// share is what a partner's contributions repeat in every cell: sent once.
type share struct {
	partner      string
	minCell      int
	identifiable bool
	valueUnit    uint64
	nUnit        uint64
}

func shareOf(c outcomes.Contribution) share {
	return share{c.PartnerID, c.MinCell, c.Identifiable, c.ValueUnit, c.NUnit}
}

// MarshalJSON encodes the cells: the strings (cell keys) once each, the partners'
// settings once each, then per cell its key as string indexes and per
// contribution its partner's index and its figures.
func (cs Cells) MarshalJSON() ([]byte, error) {
	strs, shares := map[string]uint64{}, map[share]uint64{}
	var strList []string
	var shareList []share
	for _, c := range cs {
		for _, k := range c.Key {
			if _, ok := strs[k]; !ok {
				strs[k] = uint64(len(strList))
				strList = append(strList, k)
			}
		}
		for _, x := range c.Contributions {
			if _, ok := shares[shareOf(x)]; !ok {
				shares[shareOf(x)] = uint64(len(shareList))
				shareList = append(shareList, shareOf(x))
			}
		}
	}
	b := []byte{cellsVersion}
	b = binary.AppendUvarint(b, uint64(len(strList)))
	for _, s := range strList {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(shareList)))
	for _, s := range shareList {
		b = appendString(b, s.partner)
		b = binary.AppendVarint(b, int64(s.minCell))
		b = appendBool(b, s.identifiable)
		b = binary.LittleEndian.AppendUint64(b, s.valueUnit)
		b = binary.LittleEndian.AppendUint64(b, s.nUnit)
	}
	b = binary.AppendUvarint(b, uint64(len(cs)))
	for _, c := range cs {
		b = binary.AppendUvarint(b, uint64(len(c.Key)))
		for _, k := range c.Key {
			b = binary.AppendUvarint(b, strs[k])
		}
		b = binary.AppendUvarint(b, uint64(len(c.Contributions)))
		for _, x := range c.Contributions {
			b = binary.AppendUvarint(b, shares[shareOf(x)])
			b = appendContribution(b, x)
		}
	}
	out := make([]byte, 0, base64.StdEncoding.EncodedLen(len(b))+2)
	out = append(out, '"')
	out = base64.StdEncoding.AppendEncode(out, b)
	return append(out, '"'), nil
}

func appendContribution(b []byte, x outcomes.Contribution) []byte {
	b = binary.AppendVarint(b, int64(x.Rows))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x.Value))
	b = binary.AppendVarint(b, x.N)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x.SumSquares))
	b = binary.AppendVarint(b, int64(x.SDs))
	b = binary.AppendVarint(b, x.ValueKey)
	b = binary.AppendVarint(b, x.NKey)
	return binary.AppendVarint(b, x.Months)
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// UnmarshalJSON decodes MarshalJSON's encoding; anything else is errCells.
func (cs *Cells) UnmarshalJSON(data []byte) error {
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return errCells
	}
	raw, err := base64.StdEncoding.AppendDecode(nil, data[1:len(data)-1])
	if err != nil || len(raw) == 0 || raw[0] != cellsVersion {
		return errCells
	}
	r := &reader{b: raw[1:]}
	strList := make([]string, r.count(1))
	for i := range strList {
		strList[i] = r.string()
	}
	shareList := make([]share, r.count(19))
	for i := range shareList {
		shareList[i] = share{partner: r.string(), minCell: int(r.varint()), identifiable: r.bool(),
			valueUnit: r.uint64(), nUnit: r.uint64()}
	}
	out := make(Cells, r.count(2))
	for i := range out {
		out[i].Key = make([]string, r.count(1))
		for j := range out[i].Key {
			out[i].Key[j] = r.pick(strList)
		}
		out[i].Contributions = make([]outcomes.Contribution, r.count(23))
		for j := range out[i].Contributions {
			out[i].Contributions[j] = r.contribution(shareList)
		}
	}
	if r.err != nil || len(r.b) > 0 {
		return errCells
	}
	*cs = out
	return nil
}

// reader reads the encoding; the first error sticks and every later read is zero.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail() { r.b, r.err = nil, errCells }

func (r *reader) uvarint() uint64 { return readVarint(r, binary.Uvarint) }

func (r *reader) varint() int64 { return readVarint(r, binary.Varint) }

func readVarint[T uint64 | int64](r *reader, read func([]byte) (T, int)) T {
	v, n := read(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a length whose items take at least size bytes each, refusing one
// the rest of the input cannot hold (so a corrupt length allocates nothing).
func (r *reader) count(size int) int {
	n := r.uvarint()
	if n > uint64(len(r.b)/size) {
		r.fail()
		return 0
	}
	return int(n)
}

func (r *reader) uint64() uint64 {
	if len(r.b) < 8 {
		r.fail()
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *reader) bool() bool {
	if len(r.b) < 1 || r.b[0] > 1 {
		r.fail()
		return false
	}
	v := r.b[0] == 1
	r.b = r.b[1:]
	return v
}

func (r *reader) string() string {
	n := r.count(1)
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// pick reads an index into xs.
func pick[T any](r *reader, xs []T) T {
	var zero T
	i := r.uvarint()
	if i >= uint64(len(xs)) {
		r.fail()
		return zero
	}
	return xs[i]
}

func (r *reader) pick(xs []string) string { return pick(r, xs) }

func (r *reader) contribution(shares []share) outcomes.Contribution {
	s := pick(r, shares)
	return outcomes.Contribution{PartnerID: s.partner, MinCell: s.minCell, Identifiable: s.identifiable,
		ValueUnit: s.valueUnit, NUnit: s.nUnit, Rows: int(r.varint()), Value: math.Float64frombits(r.uint64()),
		N: r.varint(), SumSquares: math.Float64frombits(r.uint64()), SDs: int(r.varint()), ValueKey: r.varint(),
		NKey: r.varint(), Months: r.varint()}
}
