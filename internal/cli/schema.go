package cli

import (
	"github.com/spf13/cobra"

	"github.com/lexecon/lexgen/internal/reference"
)

func newSchema(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "schema [--format markdown|jsonschema]",
		Short: "Print the reference of every environment field (Markdown), or a JSON Schema for editors",
		Long: `schema reads schema.#Environment from schema/ and prints every field an
environment may set: its type, default (and the production tier's), allowed
values and bounds, the schema's rules and the production tier's policies.
--format markdown (the default) is docs/schema.md; --format jsonschema is
docs/environment.schema.json, a JSON Schema (draft 2020-12) of one evaluated
environment. A test fails when the committed files are not what this prints.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "markdown" && format != "jsonschema" {
				return usageErr(cmd, "--format must be markdown or jsonschema, not %q", format)
			}
			r, err := g.repo()
			if err != nil {
				return err
			}
			env, err := r.Schema()
			if err != nil {
				return failed("%v", err)
			}
			root, err := reference.Describe(env)
			if err != nil {
				return failed("%v", err)
			}
			out := reference.Markdown(root)
			if format == "jsonschema" {
				if out, err = reference.JSONSchema(root); err != nil {
					return failed("%v", err)
				}
			}
			_, err = g.stdout.Write(out)
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "markdown", "markdown or jsonschema")
	return cmd
}
