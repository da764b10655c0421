package ecosystem_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSchemaCheck runs check-schema (what `make check-schema` and CI run) on
// copies of the repository's schema: the schema as committed passes; removing
// a field fails, naming it; removing a field the released schema had
// deprecated passes; a breaking change listed in allowed-breaking.txt passes;
// additions and deprecations pass.
func TestSchemaCheck(t *testing.T) {
	nodeDeps(t)
	const partnerRegion = "  \"ISO 3166-2 subdivision: GB-ENG, GB-WLS, GB-SCT, GB-NIR or US-XX.\"\n  region: String!\n"
	tests := []struct {
		name     string
		edit     func(t *testing.T, dir string)
		fails    bool
		mentions string // in the output
	}{
		{"OKAsCommitted", func(*testing.T, string) {}, false, ""},
		{"OKAdditionAndDeprecation", func(t *testing.T, dir string) {
			replace(t, filepath.Join(dir, "directory.graphqls"), "  region: String!\n",
				"  region: String! @deprecated(reason: \"use subdivision\")\n  subdivision: String!\n")
			// An enum gains a value and deprecates another, as SuppressionReason did
			// (DISCLOSURE_RISK).
			replace(t, filepath.Join(dir, "access.graphqls"), "enum Decision { ALLOW DENY PENDING_APPROVAL }",
				"enum Decision { ALLOW DENY @deprecated(reason: \"see REFUSED\") PENDING_APPROVAL REFUSED }")
		}, false, "REFUSED"},
		{"ErrFieldRemoved", func(t *testing.T, dir string) {
			replace(t, filepath.Join(dir, "directory.graphqls"), partnerRegion, "")
		}, true, "Field region was removed from object type Partner (path Partner.region"},
		{"OKDeprecatedFieldRemoved", func(t *testing.T, dir string) {
			replace(t, filepath.Join(dir, "released", "schema.graphql"), "  region: String!\n",
				"  region: String! @deprecated(reason: \"use subdivision\")\n")
			replace(t, filepath.Join(dir, "directory.graphqls"), partnerRegion, "")
		}, false, "region"},
		{"OKAllowListed", func(t *testing.T, dir string) {
			replace(t, filepath.Join(dir, "directory.graphqls"), partnerRegion, "")
			appendTo(t, filepath.Join(dir, "released", "allowed-breaking.txt"), "Partner.region  # agreed with the dashboards\n")
		}, false, "allowed: Partner.region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copySchema(t)
			tt.edit(t, dir)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, "./check-schema", dir).CombinedOutput()
			if failed := err != nil; failed != tt.fails {
				t.Fatalf("check-schema failed=%v (%v), want %v:\n%s", failed, err, tt.fails, out)
			}
			if !strings.Contains(string(out), tt.mentions) {
				t.Errorf("output does not mention %q:\n%s", tt.mentions, out)
			}
		})
	}
}

// copySchema copies the repository's schema/ (with released/) to a temporary directory.
func copySchema(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../schema")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func replace(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func appendTo(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}
