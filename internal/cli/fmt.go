package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

func newFmt(g *globals) *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "fmt [--check]",
		Short: "Format the CUE files in envs/ (as cue fmt does); --check only lists those that would change",
		Long: `fmt rewrites each file in envs/ in CUE's canonical format and lists the files
it changed. With --check it changes nothing, lists the files that are not
formatted and exits 1 if there are any (for CI). A file that does not parse is
reported, and then no file is changed.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := g.repo()
			if err != nil {
				return err
			}
			changed, diags := r.Format()
			if len(diags) > 0 {
				// Bad input changes nothing, not even the files that parse.
				fmt.Fprintln(g.stderr, diags.Error())
				return failed("%s in envs/; nothing formatted", plural(len(diags), "error"))
			}
			for _, f := range changed {
				if check {
					fmt.Fprintln(g.stdout, f.Path)
					continue
				}
				if err := replaceFile(filepath.Join(r.Root, filepath.FromSlash(f.Path)), f.Data); err != nil {
					return failed("%v", err)
				}
				fmt.Fprintln(g.stdout, "formatted "+f.Path)
			}
			if check && len(changed) > 0 {
				return failed("%s not formatted; run 'lexgen fmt'", plural(len(changed), "file"))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "change nothing; list the files that are not formatted and exit 1 if any")
	return cmd
}

// replaceFile writes data to a new file beside path and renames it over
// path, so a reader sees the old file or the new one, and a symlink at path
// is replaced rather than followed. The file keeps its permission bits.
func replaceFile(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if st, err := os.Lstat(path); err == nil && st.Mode().IsRegular() {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".lexgen-fmt-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
