package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres"
)

// presentError is the one place errors become GraphQL errors. A domain *hjx.Error
// keeps its message and its code in extensions.code (and the field at fault in
// extensions.field); anything else is logged in full and shown only as
// "internal error", so no SQL, path or stack ever reaches a client.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		if ie := presentInputError(ctx, err); ie != nil {
			return ie
		}
		if c := classify(err); c != nil {
			// The database could not answer (the client may retry), or refused a
			// value the client sent. The cause is logged; the client learns only
			// that, and why in general terms.
			gerr := graphql.DefaultErrorPresenter(ctx, err)
			log.WarnContext(ctx, "database refused", "code", string(c.Code), "error", err.Error(), "path", gerr.Path.String())
			gerr.Message = c.Message
			gerr.Extensions = map[string]any{"code": string(c.Code)}
			return gerr
		}
		var de *hjx.Error
		if errors.As(err, &de) {
			gerr := graphql.DefaultErrorPresenter(ctx, err)
			if de.Code == hjx.CodeInternal {
				log.ErrorContext(ctx, "internal error", "error", err.Error(), "path", gerr.Path.String())
				gerr.Message = "internal error"
			} else {
				gerr.Message = de.Message
				if de.Field != "" {
					gerr.Message = de.Field + ": " + de.Message
				}
			}
			gerr.Extensions = map[string]any{"code": string(de.Code)}
			if de.Field != "" && de.Code != hjx.CodeInternal {
				gerr.Extensions["field"] = de.Field
			}
			return gerr
		}
		var gq *gqlerror.Error
		if errors.As(err, &gq) && gq.Err == nil {
			// Parse, validation and input-coercion errors written by gqlgen itself:
			// safe to show, and the client's to fix.
			out := *gq
			code := hjx.CodeInvalid
			if c, ok := gq.Extensions["code"].(string); ok && c == "COMPLEXITY_LIMIT_EXCEEDED" {
				out.Message = "query is too complex: " + gq.Message
			}
			out.Message = clientMessage(out.Message)
			out.Extensions = map[string]any{"code": string(code)}
			return &out
		}
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		log.ErrorContext(ctx, "internal error", "error", err.Error(), "path", gerr.Path.String())
		return &gqlerror.Error{Message: "internal error", Path: gerr.Path, Locations: gerr.Locations,
			Extensions: map[string]any{"code": string(hjx.CodeInternal)}}
	}
}

// classify looks again at an error the services wrapped as INTERNAL (or passed
// unwrapped): a database that cannot answer is UNAVAILABLE, and a value the
// database refuses is INVALID; neither is a bug to hide.
func classify(err error) *hjx.Error {
	var de *hjx.Error
	if errors.As(err, &de) && de.Code != hjx.CodeInternal {
		return nil
	}
	if u := postgres.Unavailable(err); u != nil {
		return u
	}
	return postgres.BadValue(err)
}

// clientMessage rewrites the transports' messages that would echo the request
// body back (gqlgen quotes the whole body when it is not one JSON object, a
// batched array of operations included) or its reader's internals.
func clientMessage(msg string) string {
	switch {
	case strings.HasPrefix(msg, "json request body could not be decoded"):
		return "the request body must be one JSON object {query, variables, operationName}; batched operations (a JSON array) are not accepted"
	case strings.HasPrefix(msg, "could not read request body") && strings.Contains(msg, "too large"):
		return "request body is larger than the limit"
	case strings.HasPrefix(msg, "could not read request body"):
		return "could not read the request body"
	}
	return msg
}

// recoverPanic turns a resolver panic into an internal error (logged, not shown).
func recoverPanic(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "resolver panic", "panic", fmt.Sprint(p))
		return hjx.Internal(fmt.Errorf("panic: %v", p), "resolver")
	}
}
