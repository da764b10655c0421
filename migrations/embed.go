// Package migrations holds the database schema as goose migrations, SQL files
// embedded in the binary and a few Go functions (GoMigrations), compiled in so that `hjx migrate` and `hjx serve` need no files beside them.
package migrations

import "embed"

// FS is the set of migration files, applied in version order by goose: the SQL
// migrations, and the sources of the Go ones (GoMigrations registers their code), so
// that a digest of FS changes whenever any migration does.
//
//go:embed *.sql 0*.go
var FS embed.FS
