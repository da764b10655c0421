package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/hjx-exchange/hjx/graph/generated"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// hostileValues are fed to every string argument. invalidUTF8 is spliced into
// the JSON body as raw bytes (encoding/json would repair it).
const invalidUTF8 = "\xff\xfe\xc3\x28"

var hostileValues = map[string]string{
	"SQLQuote":      `'; DROP TABLE partners; --`,
	"SQLMeta":       `" OR 1=1 -- \' $1 %_ \\ ; SELECT pg_sleep(10)`,
	"Long":          strings.Repeat("Ab1'", 25_000), // 100 000 characters
	"InvalidUTF8":   "@@INVALID_UTF8@@",
	"ControlChars":  "a\x00b\x01\x1b[31m\r\n\t\u202e\ufeff",
	"GraphQLInject": `") { id } __schema { types { name } } #`,
}

// argSlot is one place a string goes: an argument, or a field of an input
// object argument (path below the argument).
type argSlot struct {
	arg  string
	path []string
}

func (s argSlot) String() string { return strings.Join(append([]string{s.arg}, s.path...), ".") }

// Every String or ID argument of every Query and Mutation field, and every such
// field of their input objects, fed hostile values, by every kind of caller:
// never an HTTP 500, never INTERNAL, and a refused call changes nothing stored.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	env := testkit.New(t)
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	env.Partner("p-a", "GB", "GB-ENG")
	steward, _ := env.Token(hjx.RoleSteward, "", "")
	admin, _ := env.Token(hjx.RolePartnerAdmin, "p-a", "")
	uploader, _ := env.Token(hjx.RolePartnerUploader, "p-a", "")
	researcher, _ := env.Token(hjx.RoleResearcher, "", "")
	callers := map[string]string{"Anonymous": "", "Steward": steward, "PartnerAdmin": admin, "Uploader": uploader, "Researcher": researcher}

	calls := 0
	for _, root := range []*ast.Definition{schema.Query, schema.Mutation} {
		for _, f := range root.Fields {
			if strings.HasPrefix(f.Name, "__") || hasUpload(schema, f) {
				continue // uploads' file content is fuzzed in internal/ingest
			}
			for _, slot := range stringSlots(schema, f) {
				t.Run(root.Name+"."+f.Name+"/"+slot.String(), func(t *testing.T) {
					for vname, value := range hostileValues {
						for cname, token := range callers {
							before := dbFingerprint(t, env)
							status, code, body := sendHostile(t, env, token, root, f, schema, slot, value)
							calls++
							if status >= 500 || code == "INTERNAL" {
								t.Fatalf("%s by %s: status %d code %s: %.300s", vname, cname, status, code, body)
							}
							if code != "" && dbFingerprint(t, env) != before {
								t.Fatalf("%s by %s: refused (%s) but stored data changed", vname, cname, code)
							}
						}
					}
				})
			}
		}
	}
	if calls < 500 {
		t.Fatalf("only %d hostile calls made: the schema walk found too few string arguments", calls)
	}
	var tables int
	if err := env.App.DB.Get(&tables, `SELECT count(*) FROM pg_tables WHERE tablename = 'partners'`); err != nil || tables != 1 {
		t.Fatalf("the partners table is gone (%d, %v)", tables, err)
	}
}

func hasUpload(schema *ast.Schema, f *ast.FieldDefinition) bool {
	for _, a := range f.Arguments {
		if a.Type.Name() == "Upload" {
			return true
		}
	}
	return false
}

// stringSlots lists the String and ID places of f's arguments, one level into
// input objects (and lists of them).
func stringSlots(schema *ast.Schema, f *ast.FieldDefinition) []argSlot {
	var out []argSlot
	for _, a := range f.Arguments {
		def := schema.Types[a.Type.Name()]
		switch {
		case a.Type.Name() == "String" || a.Type.Name() == "ID":
			out = append(out, argSlot{arg: a.Name})
		case def != nil && def.Kind == ast.InputObject:
			for _, in := range def.Fields {
				if in.Type.Name() == "String" || in.Type.Name() == "ID" {
					out = append(out, argSlot{arg: a.Name, path: []string{in.Name}})
				}
				if sub := schema.Types[in.Type.Name()]; sub != nil && sub.Kind == ast.InputObject {
					for _, inner := range sub.Fields {
						if inner.Type.Name() == "String" || inner.Type.Name() == "ID" {
							out = append(out, argSlot{arg: a.Name, path: []string{in.Name, inner.Name}})
						}
					}
				}
			}
		}
	}
	return out
}

// sampleValue is a plausible value of type t: required fields of input objects
// filled, lists of one element.
func sampleValue(schema *ast.Schema, t *ast.Type) any {
	if t.Elem != nil {
		return []any{sampleValue(schema, t.Elem)}
	}
	switch t.NamedType {
	case "String":
		return "x"
	case "ID":
		return "p-a"
	case "Int":
		return 1
	case "Float":
		return 1.5
	case "Boolean":
		return false
	case "Date":
		return "2021-01-01"
	case "DateTime":
		return "2030-01-01T00:00:00Z"
	}
	def := schema.Types[t.NamedType]
	switch {
	case def == nil:
		return nil
	case def.Kind == ast.Enum:
		return def.EnumValues[0].Name
	case def.Kind == ast.InputObject:
		obj := map[string]any{}
		for _, f := range def.Fields {
			if f.Type.NonNull {
				obj[f.Name] = sampleValue(schema, f.Type)
			}
		}
		return obj
	}
	return nil
}

// sendHostile calls root.f with every required argument sampled and the slot
// set to value, all through variables, and returns status, first code and body.
func sendHostile(t *testing.T, env *testkit.Env, token string, root *ast.Definition, f *ast.FieldDefinition,
	schema *ast.Schema, slot argSlot, value string) (int, string, string) {
	t.Helper()
	vars := map[string]any{}
	var decls, args []string
	for _, a := range f.Arguments {
		if !a.Type.NonNull && a.Name != slot.arg {
			continue
		}
		v := sampleValue(schema, a.Type)
		if a.Name == slot.arg {
			v = withSlot(schema, a.Type, v, slot.path, value)
		}
		vars[a.Name] = v
		decls = append(decls, "$"+a.Name+": "+a.Type.String())
		args = append(args, a.Name+": $"+a.Name)
	}
	op := strings.ToLower(root.Name)
	sel := ""
	if def := schema.Types[f.Type.Name()]; def != nil && (def.Kind == ast.Object || def.Kind == ast.Interface || def.Kind == ast.Union) {
		sel = " { __typename }"
	}
	call := f.Name
	if len(args) > 0 {
		call += "(" + strings.Join(args, ", ") + ")"
	}
	q := op
	if len(decls) > 0 {
		q += "(" + strings.Join(decls, ", ") + ")"
	}
	q += " { " + call + sel + " }"
	body, err := json.Marshal(map[string]any{"query": q, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	body = bytes.ReplaceAll(body, []byte("@@INVALID_UTF8@@"), []byte(invalidUTF8))
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	env.Handler.ServeHTTP(rec, req)
	var r testkit.Response
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		return rec.Code, "NOT_JSON", rec.Body.String()
	}
	return rec.Code, r.Code(), rec.Body.String()
}

// withSlot puts value at path inside v (an argument's sampled value).
func withSlot(schema *ast.Schema, t *ast.Type, v any, path []string, value string) any {
	if len(path) == 0 {
		return value
	}
	if t.Elem != nil {
		return []any{withSlot(schema, t.Elem, sampleValue(schema, t.Elem), path, value)}
	}
	obj, _ := v.(map[string]any)
	if obj == nil {
		obj = map[string]any{}
	}
	def := schema.Types[t.NamedType]
	field := def.Fields.ForName(path[0])
	inner := obj[path[0]]
	if inner == nil {
		inner = sampleValue(schema, field.Type)
	}
	obj[path[0]] = withSlot(schema, field.Type, inner, path[1:], value)
	return obj
}

// dbFingerprint is the row count and a hash of every table a call could change
// (the audit log excepted: a refused call may be recorded there).
func dbFingerprint(t *testing.T, env *testkit.Env) string {
	t.Helper()
	var parts []string
	for _, table := range []string{"partners", "research_projects", "principals", "tokens", "project_members",
		"sharing_policies", "project_access_approvals", "submissions", "submission_supersedes", "observations", "data_versions"} {
		var fp string
		err := env.App.DB.Get(&fp, fmt.Sprintf(`SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM %s t`, table))
		if err != nil {
			t.Fatalf("fingerprint %s: %v", table, err)
		}
		parts = append(parts, table+"="+fp)
	}
	return strings.Join(parts, " ")
}
