package graph

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// schemaWords is every name the schema defines (types, fields, arguments, input
// fields, enum values, directives): the words an error may repeat, because the
// client can read them in the schema anyway.
func schemaWords(s *ast.Schema) map[string]bool {
	words := map[string]bool{"variable": true}
	for name, def := range s.Types {
		words[name] = true
		for _, f := range def.Fields {
			words[f.Name] = true
			for _, a := range f.Arguments {
				words[a.Name] = true
			}
		}
		for _, v := range def.EnumValues {
			words[v.Name] = true
		}
	}
	for name := range s.Directives {
		words[name] = true
	}
	return words
}

// The shapes of gqlparser's and gqlgen's coercion and validation messages that
// carry a value the client sent.
var (
	reNotValid     = regexp.MustCompile(`^(.*) is not a valid (\w+)$`)                       // a variable's enum value
	reNotInEnum    = regexp.MustCompile(`^Value "(.*)" does not exist in "([^"]+)" enum\.$`) // an enum literal
	reValueTail    = regexp.MustCompile(`^(.* value): .*$`)                                  // "... cannot represent non-integer value: X"
	reQuoted       = regexp.MustCompile(`"([^"]*)"`)
	typeDecoration = strings.NewReplacer("!", "", "[", "", "]", "")
)

// withoutEcho wraps the error presenter so that the messages and paths gqlgen writes
// itself (coercion and validation of arguments and variables) never repeat a value
// the client sent, unless it is a word of the schema: an enum value, a metric or a
// field name in the wrong place can be an identifier (a National Insurance number
// given as a sex, say), and errors are logged and shown on screens. Messages of
// hjx's own errors are left alone: the services already never repeat a value.
func withoutEcho(present graphql.ErrorPresenterFunc, words map[string]bool) graphql.ErrorPresenterFunc {
	known := func(s string) bool { return words[typeDecoration.Replace(s)] }
	return func(ctx context.Context, err error) *gqlerror.Error {
		out := present(ctx, err)
		var gq *gqlerror.Error
		if out == nil || !errors.As(err, &gq) || gq.Err != nil {
			return out
		}
		out.Message = scrubMessage(out.Message, known)
		out.Path = scrubPath(out.Path, known)
		return out
	}
}

func scrubMessage(msg string, known func(string) bool) string {
	if m := reNotValid.FindStringSubmatch(msg); m != nil && !known(m[1]) {
		return "the value is not a valid " + m[2]
	}
	if m := reNotInEnum.FindStringSubmatch(msg); m != nil && !known(m[1]) {
		return `the value does not exist in "` + m[2] + `" enum.`
	}
	if m := reValueTail.FindStringSubmatch(msg); m != nil {
		msg = m[1]
	}
	return reQuoted.ReplaceAllStringFunc(msg, func(q string) string {
		if known(q[1 : len(q)-1]) {
			return q
		}
		return "(a value not repeated)"
	})
}

// scrubPath replaces the names in an error's path that are not schema words (the
// key of an unknown input field): a variable's own name, written in the query, is kept.
func scrubPath(p ast.Path, known func(string) bool) ast.Path {
	var out ast.Path
	for i, el := range p {
		if name, ok := el.(ast.PathName); ok && !known(string(name)) && !(i == 1 && len(p) > 0 && p[0] == ast.PathName("variable")) {
			el = ast.PathName("(unknown field)")
		}
		out = append(out, el)
	}
	return out
}
