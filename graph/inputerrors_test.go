package graph

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestPresentInputError: any error gqlgen raises while reading an argument is
// INVALID naming it, without the error's text (which may repeat the value);
// an error of the field itself is left to the rest of the presenter.
func TestPresentInputError(t *testing.T) {
	t.Parallel()
	ctx := graphql.WithFieldContext(context.Background(),
		&graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "outcomes", Name: "outcomes"}}})
	t.Run("ErrInvalid/OtherScalarError", func(t *testing.T) {
		err := &gqlerror.Error{Err: errors.New(`strconv.ParseInt: parsing "QQ123456C": invalid syntax`),
			Path: ast.Path{ast.PathName("outcomes"), ast.PathName("query"), ast.PathIndex(2), ast.PathName("n")}}
		got := presentInputError(ctx, err)
		if got == nil || got.Extensions["code"] != "INVALID" || got.Message != "query[2].n: is not a valid value of its type" ||
			strings.Contains(got.Message, "QQ123456C") || got.Path.String() != "outcomes" {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("OKFieldErrorLeftAlone", func(t *testing.T) {
		err := &gqlerror.Error{Err: errors.New("database gone"), Path: ast.Path{ast.PathName("outcomes")}}
		if got := presentInputError(ctx, err); got != nil {
			t.Fatalf("a resolver's error was taken for an argument's: %+v", got)
		}
	})
}
