package load

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strings"
)

// envsFileName is what a file in envs/ may be called: names that differ
// only in case (Staging.cue, staging.cue) are one file on a case-insensitive
// file system (macOS, Windows), and a checkout there keeps only one of them,
// so no name with an upper-case or non-ASCII letter is allowed at all.
var envsFileName = regexp.MustCompile(`^[a-z0-9._-]+\.cue$`)

// readSource reads the file envs/<name> of the repository at root (an
// absolute path), as untrusted input: it must be a regular file (a FIFO
// would block every command, a device such as /dev/zero never ends, a
// symlink may point outside the repository), at most MaxFileSize bytes
// counted on what is read (not on a stat, which a file growing or a
// /proc-style file can defeat), with LF or CRLF line endings.
//
// Problems with the file are diagnostics, reported with the others; the
// bytes are nil when the file cannot be used at all. A folder lexgen cannot
// read is an error.
func readSource(root, name string) ([]byte, Diagnostics, error) {
	rel := EnvsDir + "/" + name
	// A bad name is reported beside what the file says, not instead of it.
	var named Diagnostics
	if !envsFileName.MatchString(name) {
		why := "other characters (spaces, accented or look-alike letters) name one file on one system and two on another"
		if lower := strings.ToLower(name); lower != name {
			why = fmt.Sprintf("on a case-insensitive file system (macOS, Windows) %s and %s are one file, and a checkout there keeps only one of them", name, lower)
		}
		named = Diagnostics{{
			Message:   fmt.Sprintf("%s: a file name in envs/ may hold only the lower-case letters a-z, digits, '-', '_' and '.': %s; rename it", rel, why),
			Positions: []Position{fileStart(rel)},
		}}
	}
	refuse := func(pos Position, format string, args ...any) ([]byte, Diagnostics, error) {
		return nil, append(named, Diagnostic{Message: fmt.Sprintf(format, args...), Positions: []Position{pos}}), nil
	}
	f, notReg, err := openSource(root, name)
	if err != nil {
		return nil, nil, err
	}
	if notReg != "" {
		return refuse(fileStart(rel), "%s is %s; lexgen reads only regular files in envs/", rel, notReg)
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, nil, err
	}
	if len(src) > MaxFileSize {
		return refuse(fileStart(rel), "%s is larger than %d bytes, the most a file in envs/ may hold (one environment is a few kilobytes)", rel, MaxFileSize)
	}
	if i := loneCR(src); i >= 0 {
		line := bytes.Count(src[:i], []byte{'\n'}) + 1
		col := i - bytes.LastIndexByte(src[:i], '\n')
		return refuse(Position{File: rel, Line: line, Col: col}, "%s has a carriage return (CR) that is not followed by a line feed (LF): lexgen reads LF or CRLF line endings only, and CUE reads a CR-only file as one line; convert the file to LF line endings", rel)
	}
	return src, named, nil
}

// notRegular describes a kind of file (fs.FileMode type bits) that is not
// a regular file ("a named pipe (FIFO)"), or returns "".
func notRegular(kind fs.FileMode) string {
	switch {
	case kind&fs.ModeType == 0:
		return ""
	case kind&fs.ModeSymlink != 0:
		return "a symbolic link (it could point outside the repository or at a device)"
	case kind&fs.ModeDir != 0:
		return "a folder"
	case kind&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case kind&fs.ModeSocket != 0:
		return "a socket"
	default:
		return "a device"
	}
}

// loneCR is the offset of the first CR not followed by LF, or -1.
func loneCR(src []byte) int {
	for i := 0; ; i++ {
		j := bytes.IndexByte(src[i:], '\r')
		if j < 0 {
			return -1
		}
		i += j
		if i+1 == len(src) || src[i+1] != '\n' {
			return i
		}
	}
}

// Sources is every file of envs/ that Open read, by its slash path relative
// to the root (envs/production.cue), exactly as read and checked. Evaluate
// these bytes (a cue/load Overlay), not the files on disk again, which may
// have changed since, or be a FIFO by now. The map is not to be changed.
func (r *Repo) Sources() map[string][]byte { return r.sources }
