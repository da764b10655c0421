package main

import (
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/auth"
	"github.com/hjx-exchange/hjx/internal/federation"
)

var update = flag.Bool("update", false, "rewrite README.md's configuration table from settings()")

// The README's configuration table is the one settings() generates: a variable
// added, renamed or given another default changes both or the test fails.
func TestREADMEConfiguration(t *testing.T) {
	t.Parallel()
	const path = "../../README.md"
	const begin, end = "<!-- BEGIN settings:", "<!-- END settings -->"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q ... %q markers around its configuration table", path, begin, end)
	}
	i += strings.Index(readme[i:], "\n") + 1
	want := configMarkdown()
	if *update {
		if err := os.WriteFile(path, []byte(readme[:i]+want+readme[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got := readme[i:j]; got != want {
		t.Errorf("README.md's configuration table differs from settings(); run go test ./cmd/hjx -run TestREADMEConfiguration -update\n%s",
			lineDiff(got, want))
	}
}

// lineDiff names the lines of got and want that differ.
func lineDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	var b strings.Builder
	for k := 0; k < max(len(g), len(w)); k++ {
		var gl, wl string
		if k < len(g) {
			gl = g[k]
		}
		if k < len(w) {
			wl = w[k]
		}
		if gl != wl {
			b.WriteString("README:   " + gl + "\nsettings: " + wl + "\n")
		}
	}
	return b.String()
}

// The default the README shows is the one hjx uses: setting a variable to it
// changes nothing.
func TestSettingsDefaults(t *testing.T) {
	t.Parallel()
	unset, err := loadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	// Defaults left to the package that uses them (0 in config) or following HJX_PRODUCTION (0 here; TestLimitsConfig).
	derived := map[string]time.Duration{
		"HJX_COOKIE_SECURE": 0, "HJX_INTROSPECTION_ANONYMOUS": 0,
		"HJX_SESSION_IDLE": auth.DefaultSessionIdle, "HJX_SESSION_MAX_AGE": auth.DefaultSessionMaxAge,
		"HJX_FEDERATION_TIMEOUT": federation.DefaultTimeout,
	}
	for _, s := range settings() {
		value, ok := strings.CutPrefix(s.def, "`")
		if s.parse == nil || !ok {
			continue
		}
		value, _, _ = strings.Cut(value, "`")
		t.Run("OK/"+s.name, func(t *testing.T) {
			if d, ok := derived[s.name]; ok {
				if v, _ := time.ParseDuration(value); d != 0 && v != d {
					t.Fatalf("%s shows %s, auth's default is %s", s.name, value, d)
				}
				return
			}
			got, err := loadConfig(func(k string) string { return map[string]string{s.name: value}[k] })
			if err != nil || !reflect.DeepEqual(got, unset) {
				t.Fatalf("%s=%s (the README's default) gave %+v, %v; unset gave %+v", s.name, value, got, err, unset)
			}
		})
	}
}
