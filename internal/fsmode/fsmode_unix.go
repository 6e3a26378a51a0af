//go:build unix

// Package fsmode turns what stat(2) says of a file into fs.FileMode type
// bits, for the code that opens files one name at a time without
// following links (internal/load reading envs/, internal/output writing
// out/).
package fsmode

import (
	"io/fs"

	"golang.org/x/sys/unix"
)

// Type turns a stat(2) mode's S_IFMT bits into fs.FileMode's: 0 for a
// regular file, fs.ModeDir, fs.ModeSymlink, fs.ModeNamedPipe,
// fs.ModeSocket, and fs.ModeDevice for anything else.
func Type(mode uint32) fs.FileMode {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return 0
	case unix.S_IFDIR:
		return fs.ModeDir
	case unix.S_IFLNK:
		return fs.ModeSymlink
	case unix.S_IFIFO:
		return fs.ModeNamedPipe
	case unix.S_IFSOCK:
		return fs.ModeSocket
	default:
		return fs.ModeDevice
	}
}
