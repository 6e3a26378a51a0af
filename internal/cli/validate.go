package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lexecon/lexgen/internal/engine"
	"github.com/lexecon/lexgen/internal/load"
)

func newValidate(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "validate [ENV...]",
		Short: "Check environments against the schema, its policies and the cross-checks",
		Long: `validate evaluates each named environment (all when none is named) on its own
against schema/ and reports every error with its value path and the source
positions that contributed, then the cross-checks' warnings. It writes nothing.
With --format json it prints {"valid", "environments", "errors", "warnings"}.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(cmd, format); err != nil {
				return err
			}
			r, err := g.repo()
			if err != nil {
				return err
			}
			names, err := selectEnvs(cmd, r, args)
			if err != nil {
				return err
			}
			if format == "json" {
				_, errs, warnings := engine.Check(r, names)
				if err := g.writeJSON(struct {
					Valid        bool             `json:"valid"`
					Environments []string         `json:"environments"`
					Errors       load.Diagnostics `json:"errors"`
					Warnings     load.Diagnostics `json:"warnings"`
				}{len(errs) == 0, names, nonNil(errs), nonNil(warnings)}); err != nil {
					return err
				}
				if len(errs) > 0 {
					return &exitError{code: exitInvalid}
				}
				return nil
			}
			l, err := g.loadValid(r, names)
			if err != nil {
				return err
			}
			warned := ""
			if len(l.Warnings) > 0 {
				warned = " (" + plural(len(l.Warnings), "warning") + ")"
			}
			fmt.Fprintf(g.stdout, "%s valid: %s%s\n", plural(len(l.Envs), "environment"), joinNames(names), warned)
			return nil
		},
	}
	formatFlag(cmd, &format)
	return cmd
}

func nonNil(ds load.Diagnostics) load.Diagnostics {
	if ds == nil {
		return load.Diagnostics{}
	}
	return ds
}
