//go:build tools

// Package tools pins the code generators the build runs, so that `go generate`
// uses the version in go.mod rather than whatever is installed.
package tools

import _ "github.com/99designs/gqlgen"
