// Package hjx holds the domain's shared vocabulary: the error type every service
// returns, the principal a request acts for, and the fixed code lists of docs/ARCHITECTURE.md#the-vocabularies.
// It imports nothing of HTTP, GraphQL or SQL.
package hjx

import (
	"errors"
	"fmt"
)

// Code classifies an error for clients. The GraphQL layer maps each code, once, to
// extensions.code; anything that is not an *Error is treated as INTERNAL.
type Code string

// The error codes clients see. They are part of the API contract (docs/ARCHITECTURE.md#the-graphql-contracts-conventions).
const (
	CodeUnauthenticated Code = "UNAUTHENTICATED"
	CodeForbidden       Code = "FORBIDDEN"
	CodeNotFound        Code = "NOT_FOUND"
	CodeInvalid         Code = "INVALID"
	CodeConflict        Code = "CONFLICT"
	CodeRateLimited     Code = "RATE_LIMITED"
	CodeUnavailable     Code = "UNAVAILABLE"
	CodeInternal        Code = "INTERNAL"
	// The automatic persisted queries protocol's own codes (Apollo's): clients
	// that send a hash resend the text on NOT_FOUND and stop hashing on NOT_SUPPORTED.
	CodePersistedQueryNotFound     Code = "PERSISTED_QUERY_NOT_FOUND"
	CodePersistedQueryNotSupported Code = "PERSISTED_QUERY_NOT_SUPPORTED"
)

// Error is the one error type of the domain. Message is written for the client;
// Field names the input at fault when there is one; Err keeps the cause for logs and
// is never shown to clients.
type Error struct {
	Code    Code
	Message string
	Field   string
	Err     error
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, msg, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds a client-facing error with a code.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports bad input in the named field; the message says what is expected.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound reports an object that does not exist or that the principal may not see;
// the two are deliberately indistinguishable.
func NotFound(what string) *Error {
	return &Error{Code: CodeNotFound, Message: what + " not found"}
}

// Forbidden reports an operation outside the principal's rights.
func Forbidden(format string, args ...any) *Error {
	return &Error{Code: CodeForbidden, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected failure. Its cause goes to the logs only.
func Internal(err error, context string) *Error {
	return &Error{Code: CodeInternal, Message: "internal error", Err: fmt.Errorf("%s: %w", context, err)}
}

// ErrorCode returns the code of err, INTERNAL for anything that is not an *Error.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}
