package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/lib/pq"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// Unavailable reports whether err means the database could not answer (it is
// unreachable, restarting, out of connections, or the statement ran past its
// time limit) rather than that the request or the code was wrong. Such a failure
// is the client's to retry, so it is shown as UNAVAILABLE, not INTERNAL. It is
// the one place that knows what these failures look like from lib/pq.
func Unavailable(err error) *hjx.Error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), isPQ(err, "57014"): // query_canceled: statement_timeout or a cancel
		return &hjx.Error{Code: hjx.CodeUnavailable, Err: err,
			Message: "the request took longer than the time limit and was stopped; narrow it or try again later"}
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		isNetError(err), isPQClass(err, "08"), // connection exception
		isPQClass(err, "53"),                                       // insufficient resources (too many connections...)
		isPQ(err, "57P01"), isPQ(err, "57P02"), isPQ(err, "57P03"): // admin/crash shutdown, cannot connect now
		return &hjx.Error{Code: hjx.CodeUnavailable, Err: err,
			Message: "the database is unavailable; try again shortly"}
	}
	return nil
}

func isNetError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne)
}

func isPQ(err error, code string) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && string(pe.Code) == code
}

func isPQClass(err error, class string) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && len(pe.Code) >= 2 && string(pe.Code[:2]) == class
}

// BadValue reports whether err is PostgreSQL refusing a value a client sent
// (SQLSTATE class 22, data exception: a NUL character in text, a number or
// date out of range, a string too long for its column) that validation let
// through. It is the client's input at fault, so it is shown as INVALID; the
// cause still goes to the log, for the validation to be tightened.
func BadValue(err error) *hjx.Error {
	if err == nil || !isPQClass(err, "22") {
		return nil
	}
	return &hjx.Error{Code: hjx.CodeInvalid, Err: err,
		Message: "a value cannot be stored or compared: it is out of range, too long, or contains a character that is not allowed (such as NUL)"}
}
