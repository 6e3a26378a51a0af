//go:build e2e

package e2e

import (
	"path/filepath"
	"sync"
)

// cacheDir holds what the checks build or unpack once and reuse
// (git-ignored).
func cacheDir(parts ...string) string {
	return filepath.Join(append([]string{repoRoot, ".cache"}, parts...)...)
}

// sharedDir is the read-only shared/ folder beside the repository.
func sharedDir(parts ...string) string {
	return filepath.Join(append([]string{repoRoot, "..", "shared"}, parts...)...)
}

var onceErrs sync.Map

// once runs f a single time per key for the whole test binary.
func once(key string, f func() error) error {
	v, _ := onceErrs.LoadOrStore(key, &onceResult{})
	r := v.(*onceResult)
	r.once.Do(func() { r.err = f() })
	return r.err
}

type onceResult struct {
	once sync.Once
	err  error
}
