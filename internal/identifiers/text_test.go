package identifiers

import (
	"errors"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

func TestCheckText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, text string
		ok         bool
	}{
		{"OK", "University of Leeds", true},
		{"OKAccents", "Université de Montréal — Santé", true},
		{"OKReference", "REC 22/YH/0001", true},
		{"OKEmpty", "", true},
		{"OKUUID", "DASHBOARD 3f212345-1b3c-4d5e-8f70-000000094347", true},
		{"ErrNUL", "a\x00b", false},
		{"ErrEscape", "\x1b[2J", false},
		{"ErrNewline", "a\nb", false},
		{"ErrCarriageReturn", "a\rb", false},
		{"ErrTab", "a\tb", false},
		{"ErrC1Control", "a\u0085b", false},
		{"ErrBidiOverride", "a\u202eb", false},
		{"ErrBidiIsolate", "a\u2067b", false},
		{"ErrLineSeparator", "a\u2028b", false},
		{"ErrInvalidUTF8", "a\xffb", false},
		{"ErrNHSNumber", "943 476 5919", false},
		{"ErrNINumber", "AB123456C", false},
		{"ErrEmail", "jo@example.org", false},
		{"ErrDate", "born 23/04/1980", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckText("reason", c.text)
			if c.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var e *hjx.Error
			if err == nil || hjx.ErrorCode(err) != hjx.CodeInvalid || !errors.As(err, &e) || e.Field != "reason" {
				t.Fatalf("want INVALID naming reason, got %v", err)
			}
			if len(c.text) > 3 && strings.Contains(e.Message, c.text) {
				t.Errorf("the message repeats the text: %s", e.Message)
			}
		})
	}
}
