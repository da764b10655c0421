// Package spool owns the directory where uploads too large for memory are
// written while a request is read. Each process has a directory of its own,
// named with its process id, so that the files of a server that was killed
// (and so never removed them) are found and removed by the next one to start,
// without touching those of another server running on the same machine.
package spool

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// prefix names every spool directory: prefix + pid + "-" + random.
const prefix = "hjx-uploads-"

// Open removes the spool directories under base left by processes that are no
// longer running (and that belong to this user), then makes this process's
// own, readable by this user only. It returns the directory, the number of
// stale ones removed, and a function that removes the directory at shutdown.
func Open(base string, pid int) (dir string, removed int, closeFn func() error, err error) {
	entries, err := os.ReadDir(base)
	if err != nil {
		return "", 0, nil, fmt.Errorf("read %s: %w", base, err)
	}
	for _, e := range entries {
		owner, ok := stalePID(e.Name())
		if !ok || owner == pid || !e.IsDir() || alive(owner) {
			continue
		}
		path := filepath.Join(base, e.Name())
		info, err := os.Lstat(path)
		if err != nil || !ownedByMe(info) {
			continue
		}
		if err := os.RemoveAll(path); err != nil {
			return "", removed, nil, fmt.Errorf("remove stale upload spool %s: %w", path, err)
		}
		removed++
	}
	dir, err = os.MkdirTemp(base, prefix+strconv.Itoa(pid)+"-*")
	if err != nil {
		return "", removed, nil, fmt.Errorf("make the upload spool: %w", err)
	}
	return dir, removed, func() error { return os.RemoveAll(dir) }, nil
}

// stalePID reads the process id out of a spool directory's name.
func stalePID(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return 0, false
	}
	digits, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(digits)
	return pid, err == nil && pid > 0
}
