// Package codecheck holds checks over the repository's own source that keep it in
// the order issue 13 set, run as ordinary tests so that `go test ./...` fails when
// the tree drifts (TestFunctionLength).
package codecheck

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// MaxFunctionLines is the longest a hand-written function may be, from its func
// keyword to its closing brace. A function longer than this does several jobs;
// named steps are easier to read, test and review.
const MaxFunctionLines = 80

// Long is a function declaration or function literal over the limit.
type Long struct {
	Path  string // slash-separated, relative to the root walked
	Line  int
	Name  string // "F", "(T).M", "(*T).M", or "func literal in F"
	Lines int
}

// String is the line a failing test prints: where the function starts, so that an
// editor can jump to it.
func (l Long) String() string {
	return fmt.Sprintf("%s:%d: %s is %d lines", l.Path, l.Line, l.Name, l.Lines)
}

// ModuleRoot is the directory of the go.mod above dir (or in it): the tests run
// in their package's directory, the check covers the whole module.
func ModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// skipDir names the directories whose Go files are not the module's own code:
// installed npm packages, test fixtures, and what the go tool ignores too (names
// starting with "." or "_").
func skipDir(name string) bool {
	return name == "node_modules" || name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// LongFunctions walks the Go files below root, leaving out generated ones (a
// "Code generated ... DO NOT EDIT." line, as the go tool recognises it), and
// returns every function declaration and literal over max lines, by path and line.
func LongFunctions(root string, max int) ([]Long, error) {
	var long []Long
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		if ast.IsGenerated(f) {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		long = append(long, longIn(fset, f, filepath.ToSlash(rel), max)...)
		return nil
	})
	sort.Slice(long, func(i, j int) bool {
		if long[i].Path != long[j].Path {
			return long[i].Path < long[j].Path
		}
		return long[i].Line < long[j].Line
	})
	return long, err
}

// longIn is the functions of one file over max lines, literals named after the
// declaration they stand in.
func longIn(fset *token.FileSet, f *ast.File, path string, max int) []Long {
	var long []Long
	check := func(n ast.Node, body *ast.BlockStmt, name string) {
		if body == nil {
			return
		}
		start, end := fset.Position(n.Pos()).Line, fset.Position(body.End()).Line
		if lines := end - start + 1; lines > max {
			long = append(long, Long{Path: path, Line: start, Name: name, Lines: lines})
		}
	}
	for _, decl := range f.Decls {
		outer := "package level"
		if fd, ok := decl.(*ast.FuncDecl); ok {
			outer = funcName(fd)
			check(fd, fd.Body, outer)
		}
		ast.Inspect(decl, func(n ast.Node) bool {
			if fl, ok := n.(*ast.FuncLit); ok {
				check(fl, fl.Body, "func literal in "+outer)
			}
			return true
		})
	}
	return long
}

// funcName is a declaration's name, with its receiver's type for a method.
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	star := ""
	if s, ok := t.(*ast.StarExpr); ok {
		star, t = "*", s.X
	}
	switch x := t.(type) {
	case *ast.IndexExpr: // a generic receiver, T[P]
		t = x.X
	case *ast.IndexListExpr:
		t = x.X
	}
	name := "?"
	if id, ok := t.(*ast.Ident); ok {
		name = id.Name
	}
	return "(" + star + name + ")." + fd.Name.Name
}
