//go:build unix && !linux && !darwin && !lexgen_portable

package output

// exchange: other Unix systems (the BSDs) have no call that swaps two
// names; the rename-based swap does it.
func exchange(dirfd int, a, b string) error { return errNoExchange }

func syncAll(d *dir) error { return nil }

const syncEachFile = true
