// Package cli is lexgen's command line: it parses flags, calls the engine
// (load, check, render, compare) and the review, prints, and turns the
// outcome into an exit code.
package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/lexecon/lexgen/internal/engine"
	"github.com/lexecon/lexgen/internal/load"
)

// Exit codes.
const (
	exitOK      = 0 // done; for validate and check: everything is valid and current
	exitInvalid = 1 // bad input, or out/ is not current; nothing was written
	exitUsage   = 2 // bad flags, arguments or environment names
)

// Main runs lexgen with args (without the program name) and returns the exit
// code; cmd/lexgen's main is only os.Exit(cli.Main(...)).
func Main(args []string, stdout, stderr io.Writer) int {
	// CUE cannot stop an evaluation, so an input that would take all the
	// memory or never finish ends the process, with its reason, before
	// anything is written.
	stop := load.Watch(load.DefaultLimits, func(ds load.Diagnostics) {
		fmt.Fprintln(stderr, ds.Error())
		fmt.Fprintln(stderr, "lexgen: stopped: "+plural(len(ds), "environment")+" exceeded lexgen's limits")
		os.Exit(exitInvalid)
	})
	defer stop()
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ex *exitError
	if errors.As(err, &ex) {
		if ex.msg != "" {
			fmt.Fprintln(stderr, "lexgen: "+ex.msg)
		}
		if ex.code == exitUsage {
			fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", ex.cmd)
		}
		return ex.code
	}
	// Errors cobra raises itself: unknown command or flag, wrong arguments.
	fmt.Fprintln(stderr, "lexgen: "+err.Error())
	fmt.Fprintln(stderr, "Run 'lexgen --help' for usage.")
	return exitUsage
}

// exitError carries an exit code and a one-line message (printed after any
// diagnostics the command already wrote).
type exitError struct {
	code int
	msg  string
	cmd  string
}

func (e *exitError) Error() string { return e.msg }

func usageErr(cmd *cobra.Command, format string, args ...any) error {
	return &exitError{code: exitUsage, msg: fmt.Sprintf(format, args...), cmd: cmd.CommandPath()}
}

// Argument checks that say what the command takes, in its own words,
// instead of cobra's "accepts 2 arg(s), received 1".
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErr(cmd, "%s takes no arguments (got %q)", cmd.Name(), args[0])
	}
	return nil
}

func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErr(cmd, "%s needs %s: %s", cmd.Name(), what, cmd.UseLine())
		}
		return nil
	}
}

func failed(format string, args ...any) error {
	return &exitError{code: exitInvalid, msg: fmt.Sprintf(format, args...)}
}

type globals struct {
	dir    string
	stdout io.Writer
	stderr io.Writer
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	g := &globals{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "lexgen",
		Short: "Generate the Lexecon deployment from one typed description per environment",
		Long: `lexgen validates the environments in envs/ against the CUE schema in schema/ and
renders each into out/<env>/: Terraform variables and backend settings,
Kubernetes manifests and a README for reviewers.

Exit codes: 0 success; 1 invalid input or out/ not current (nothing written);
2 bad usage (unknown command, flag or environment).`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       versionText(), // --version prints it as it is
	}
	root.SetVersionTemplate("{{.Version}}")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVarP(&g.dir, "dir", "C", "", "repository root (default: the nearest folder above the working directory holding cue.mod/ and envs/)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErr(c, "%v", err)
	})
	root.AddCommand(newEnvs(g), newValidate(g), newRender(g), newDiff(g), newCost(g), newCompare(g), newExplain(g), newReview(g), newVersion(g), newFmt(g), newNew(g), newSchema(g))
	// Shell completion offers the environments' names where a command takes
	// them.
	for _, c := range root.Commands() {
		switch c.Name() {
		case "validate", "render", "diff", "cost", "compare":
			c.ValidArgsFunction = g.completeEnvs(-1)
		case "explain":
			c.ValidArgsFunction = g.completeEnvs(1)
		}
	}
	return root
}

// repo finds the repository root and reads its environments.
func (g *globals) repo() (*load.Repo, error) {
	dir := g.dir
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		dir = findRoot(wd)
		if dir == "" {
			return nil, &exitError{code: exitUsage, msg: "no lexgen repository here: no folder above " + wd + " holds cue.mod/ and envs/ (use -C DIR)"}
		}
	}
	r, err := load.Open(dir)
	if err != nil {
		return nil, &exitError{code: exitInvalid, msg: err.Error()}
	}
	return r, nil
}

func findRoot(dir string) string {
	for {
		if isDir(filepath.Join(dir, "cue.mod")) && isDir(filepath.Join(dir, load.EnvsDir)) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// completeEnvs completes environment names not yet given, for at most n
// arguments (n < 0: any number).
func (g *globals) completeEnvs(n int) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if n >= 0 && len(args) >= n {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		r, err := g.repo()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		given := map[string]bool{}
		for _, a := range args {
			given[a] = true
		}
		var names []string
		for _, name := range r.Names() {
			if !given[name] {
				names = append(names, name)
			}
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}

// selectEnvs returns the named environments, or all when none are named;
// an unknown name is a usage error.
func selectEnvs(cmd *cobra.Command, r *load.Repo, args []string) ([]string, error) {
	if len(args) == 0 {
		return r.Names(), nil
	}
	seen := map[string]bool{}
	var names []string
	for _, a := range args {
		if !r.Has(a) {
			return nil, usageErr(cmd, "unknown environment %q (known: %s)", a, joinNames(r.Names()))
		}
		if !seen[a] {
			seen[a] = true
			names = append(names, a)
		}
	}
	return names, nil
}

func joinNames(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	s := names[0]
	for _, n := range names[1:] {
		s += ", " + n
	}
	return s
}

// loadValid loads and checks the named environments (engine.Check) and
// prints every diagnostic; it fails when there is any error, so that
// nothing acts on partly valid input. Warnings are printed when there is no
// error.
func (g *globals) loadValid(r *load.Repo, names []string) (*engine.Checked, error) {
	c, errs, warnings := engine.Check(r, names)
	if len(errs) > 0 {
		fmt.Fprintln(g.stderr, errs.Error())
		return nil, failed("%s in %s", plural(len(errs), "error"), "envs/")
	}
	if len(warnings) > 0 {
		fmt.Fprintln(g.stderr, warnings.Error())
	}
	return c, nil
}

// formatFlag adds --format text|json to a command.
func formatFlag(cmd *cobra.Command, format *string) {
	cmd.Flags().StringVar(format, "format", "text", "text or json")
}

func checkFormat(cmd *cobra.Command, format string) error {
	if format != "text" && format != "json" {
		return usageErr(cmd, "--format must be text or json, not %q", format)
	}
	return nil
}

// writeJSON prints v as indented JSON, with <, > and & as they are.
func (g *globals) writeJSON(v any) error {
	enc := json.NewEncoder(g.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
