package identifiers

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// CheckText is the check of every free text hjx stores (partner and token names,
// project titles, institutions and ethics references, retraction and revocation
// reasons, rate sources). It refuses, with INVALID naming the field and never
// repeating the text:
//   - text that is not UTF-8, and control characters (NUL, which PostgreSQL cannot
//     store, escape sequences, tabs and line breaks: free text here is one line);
//   - bidirectional overrides and isolates and the Unicode line and paragraph
//     separators, which make a log line or a screen show something other than what is
//     stored;
//   - anything the upload detectors take for a personal identifier (Find): these
//     texts are read by stewards, partners and researchers, and kept in the audit log
//     for good, so an NHS number or an email address typed into a reason would be
//     kept and shown as long as the log. The UUIDs hjx itself issues (project and
//     submission ids) are not scanned: their digit runs are not numbers.
//
// Length limits are each field's own, checked by its service.
func CheckText(field, s string) error {
	if !utf8.ValidString(s) {
		return hjx.Invalid(field, "must be UTF-8 text")
	}
	if strings.ContainsFunc(s, disallowedRune) {
		return hjx.Invalid(field, "must be plain text on one line: no control characters, line breaks or direction overrides")
	}
	if k, found := Find(uuidRE.ReplaceAllString(s, "id"), false); found {
		return hjx.Invalid(field, "looks like it contains %s; free text must not hold personal identifiers", k.Description())
	}
	return nil
}

// uuidRE matches a UUID in its text form.
var uuidRE = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

func disallowedRune(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069', r == '\u200e', r == '\u200f', r == '\u061c':
		return true // bidirectional embeddings, overrides, isolates and marks
	case r == '\u2028' || r == '\u2029':
		return true
	}
	return false
}
