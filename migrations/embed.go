// Package migrations holds the database schema as goose SQL migrations, embedded
// in the binary so that `hjx migrate` and `hjx serve` need no files beside them.
package migrations

import "embed"

// FS is the set of migration files, applied in version order by goose.
//
//go:embed *.sql
var FS embed.FS
