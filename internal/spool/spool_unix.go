//go:build unix

package spool

import (
	"errors"
	"os"
	"syscall"
)

// alive reports whether a process with the id exists (signal 0 checks
// without sending; EPERM means it exists under another user).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// ownedByMe keeps Open from removing a directory someone else made under a
// spool name in a shared temporary directory.
func ownedByMe(info os.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}
