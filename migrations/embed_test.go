package migrations

import (
	"fmt"
	"io/fs"
	"testing"
)

// Every Go migration's source is in FS, so the test template's name (a digest of
// FS, internal/postgres/pgtest) changes when a Go migration does, as it does for
// the SQL ones.
func TestGoMigrationsEmbedded(t *testing.T) {
	for _, m := range GoMigrations() {
		matches, err := fs.Glob(FS, fmt.Sprintf("%05d_*.go", m.Version))
		if err != nil || len(matches) != 1 {
			t.Errorf("Go migration %d: embedded sources %v (%v), want exactly one", m.Version, matches, err)
		}
	}
}
