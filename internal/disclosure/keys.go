package disclosure

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"math"
)

// KeyRange is the range of record keys and cell keys (0..KeyRange-1), as in the
// ONS and ABS cell-key methods: a cell's key is the sum of its rows' record keys
// modulo KeyRange, and the ptable has one column per key.
const KeyRange = 256

// Roles of a figure: a cell's value (count, numerator, money, a mean's sum) and its
// n (denominator, persons) are perturbed by keys of their own, so that knowing how
// one moved tells nothing of the other.
const (
	RoleValue = "value"
	RoleN     = "n"
)

// Secret is the server's disclosure secret (32 random bytes kept in the database).
// Every key is a keyed hash under it: without the secret nobody can tell which noise
// a cell received, and with the same secret every replica and every restart draws
// the same noise for the same cell.
type Secret []byte

// RecordIdentity is what makes a row the same cell across uploads: its partner,
// metric, period and breakdown. Blank dimensions are empty strings, dates are
// YYYY-MM-DD. The value is deliberately not part of it: a re-upload, correction or
// retraction of the same cell keeps its record keys, so no fresh noise can be drawn
// and averaged away.
type RecordIdentity struct {
	PartnerID, Metric, PeriodStart, PeriodEnd                 string
	WelfareDomain, IhelpCategory, HealthSetting, AgeBand, Sex string
	DeprivationScheme, DeprivationValue                       string
}

// RecordKeys returns the row's record keys for the value and n roles, each in
// 0..KeyRange-1.
func (s Secret) RecordKeys(id RecordIdentity) (value, n int16) {
	fields := []string{"record", id.PartnerID, id.Metric, id.PeriodStart, id.PeriodEnd, id.WelfareDomain,
		id.IhelpCategory, id.HealthSetting, id.AgeBand, id.Sex, id.DeprivationScheme, id.DeprivationValue}
	sum := s.mac(fields...)
	return int16(sum[0]), int16(sum[1])
}

// UnitKey is a partner's stable key for one metric and role: it decides the
// partner's multiplier (Multiplier), the same in every cell, period and breakdown
// of the metric. Its magnitude bits are keyed by partner, metric and role, its sign
// bit (bit 0) by the partner alone. One population often appears in several
// metrics and roles (the persons referred are a count and the denominator of a
// proportion; the persons assessed are the n of several means): with independent
// signs an analyst who isolates the partner's figure in two of them could average a
// +15% and a -15% copy back to the truth. With one sign per partner every copy errs
// the same way, by 12% at least, and so does any average of them.
//
// The sign is positive with probability PositiveShare, not one half: the
// downward factor 1/g is nearer to 1 than g is, and with this share the expected
// factor is exactly 1 (pooled figures are unbiased). The partner's sign mac, read
// as a uniform 64-bit number, is positive below PositiveShare x 2^64.
func (s Secret) UnitKey(partnerID, metric, role string) uint64 {
	magnitude := binary.BigEndian.Uint64(s.mac("unit", partnerID, metric, role)[:8])
	var sign uint64
	if binary.BigEndian.Uint64(s.mac("unit sign", partnerID)[:8]) >= uint64(math.Ldexp(PositiveShare, 64)) {
		sign = 1
	}
	return magnitude&^1 | sign
}

// mac is HMAC-SHA256 over the length-prefixed fields, so that no two different
// field lists share an encoding.
func (s Secret) mac(fields ...string) []byte {
	h := hmac.New(sha256.New, s)
	var n [4]byte
	for _, f := range fields {
		binary.BigEndian.PutUint32(n[:], uint32(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	return h.Sum(nil)
}
