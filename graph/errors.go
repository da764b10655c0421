package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// presentError is the one place errors become GraphQL errors. A domain *hjx.Error
// keeps its message and its code in extensions.code (and the field at fault in
// extensions.field); anything else is logged in full and shown only as
// "internal error", so no SQL, path or stack ever reaches a client.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
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
			out.Extensions = map[string]any{"code": string(code)}
			return &out
		}
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		log.ErrorContext(ctx, "internal error", "error", err.Error(), "path", gerr.Path.String())
		return &gqlerror.Error{Message: "internal error", Path: gerr.Path, Locations: gerr.Locations,
			Extensions: map[string]any{"code": string(hjx.CodeInternal)}}
	}
}

// recoverPanic turns a resolver panic into an internal error (logged, not shown).
func recoverPanic(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "resolver panic", "panic", fmt.Sprint(p))
		return hjx.Internal(fmt.Errorf("panic: %v", p), "resolver")
	}
}
