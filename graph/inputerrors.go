package graph

import (
	"context"
	"errors"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/hjx-exchange/hjx/graph/model"
	"github.com/hjx-exchange/hjx/internal/hjx"
)

// presentInputError shows an error raised while gqlgen read a field's
// arguments (a scalar that could not read its value) as INVALID naming the
// argument, "query.from" say: it is the client's mistake, for whoever sends
// it, and no bug to log as an ERROR. It returns nil for any other error.
// A model.ValueError says what the scalar wants; another error at an
// argument's path gets a general message, since its text may repeat the value.
func presentInputError(ctx context.Context, err error) *gqlerror.Error {
	var gq *gqlerror.Error
	if !errors.As(err, &gq) || gq.Err == nil {
		return nil
	}
	arg := argumentPath(ctx, gq.Path)
	var ve *model.ValueError
	if !errors.As(err, &ve) && arg == "" {
		return nil
	}
	reason := "is not a valid value of its type"
	if ve != nil {
		reason = ve.Reason
	}
	msg := reason
	if arg != "" {
		msg = arg + ": " + reason
	}
	ext := map[string]any{"code": string(hjx.CodeInvalid)}
	if arg != "" {
		ext["field"] = arg
	}
	return &gqlerror.Error{Message: msg, Path: fieldPath(ctx, gq.Path), Locations: gq.Locations, Extensions: ext}
}

// argumentPath is the part of an error's path past the field being resolved:
// the argument and the input fields inside it, when gqlgen failed to read
// one ("query.from", "rows[2].value"); "" for an error of the field itself.
func argumentPath(ctx context.Context, path ast.Path) string {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return ""
	}
	field := fc.Path()
	if len(path) <= len(field) || path[:len(field)].String() != field.String() {
		return ""
	}
	var b strings.Builder
	for _, el := range path[len(field):] {
		if name, ok := el.(ast.PathName); ok {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(string(name))
			continue
		}
		b.WriteString(ast.Path{el}.String())
	}
	return b.String()
}

// fieldPath is where the response puts the error: the field's path, as for
// every other error of that field.
func fieldPath(ctx context.Context, path ast.Path) ast.Path {
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		return fc.Path()
	}
	return path
}
