package spool

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// TestOpen: a killed server's spool (its process gone) is removed at the next
// start-up with the files in it; a running server's is kept; the new one is
// private and removed at shutdown.
func TestOpen(t *testing.T) {
	base := t.TempDir()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := cmd.Process.Pid // exited and reaped: no process has this id (until reused)
	stale := filepath.Join(base, prefix+strconv.Itoa(dead)+"-123")
	running := filepath.Join(base, prefix+strconv.Itoa(os.Getppid())+"-456")
	other := filepath.Join(base, "hjx-uploads-notapid")
	for _, d := range []string{stale, running, other} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "upload-1"), []byte("half an upload"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dir, removed, closeFn, err := Open(base, os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) || removed != 1 {
		t.Fatalf("a dead process's spool is still there (removed %d, stat %v)", removed, err)
	}
	for _, d := range []string{running, other} {
		if _, err := os.Stat(filepath.Join(d, "upload-1")); err != nil {
			t.Fatalf("%s was removed: %v", d, err)
		}
	}
	info, err := os.Stat(dir)
	if err != nil || !info.IsDir() || info.Mode().Perm() != 0o700 || filepath.Dir(dir) != base {
		t.Fatalf("spool %s: %v %v", dir, info, err)
	}
	if err := closeFn(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the spool outlived shutdown: %v", err)
	}
}
