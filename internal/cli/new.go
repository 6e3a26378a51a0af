package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lexecon/lexgen/internal/engine"
	"github.com/lexecon/lexgen/internal/load"
	"github.com/lexecon/lexgen/internal/output"
)

func newNew(g *globals) *cobra.Command {
	var opt load.NewOptions
	cmd := &cobra.Command{
		Use:   "new ENV [--from ENV] [--region REGION]",
		Short: "Write envs/ENV.cue for a new environment: every required field, commented, valid as written",
		Long: `new writes envs/ENV.cue: every field the schema requires and no shared file
sets, each with a comment saying what it is and an example. The file is valid
as written (lexgen checks it, with the cross-checks, before writing it); its
example values (the VPC and subnet ids above all) are to be replaced with
your own. new never overwrites a file.

--from ENV copies the values that envs/ENV.cue sets, evaluated to plain
values. --region REGION sets aws.region and writes the VPC and subnets as
examples in that region instead of copying them: a region-specific copy.`,
		Args: exactArgs(1, "the name of the new environment"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := load.CheckName(name); err != nil {
				return usageErr(cmd, "%v", err)
			}
			r, err := g.repo()
			if err != nil {
				return err
			}
			if opt.From != "" && !r.Has(opt.From) {
				return usageErr(cmd, "--from: unknown environment %q (known: %s)", opt.From, joinNames(r.Names()))
			}
			src, err := r.New(name, opt)
			var ds load.Diagnostics
			if errors.As(err, &ds) {
				fmt.Fprintln(g.stderr, ds.Error())
				return failed("%s in envs/; nothing written", plural(len(ds), "error"))
			}
			if err != nil {
				return failed("%v", err)
			}
			// What is written must load and pass the cross-checks as it is.
			withNew, err := r.With(name, src)
			if err != nil {
				return failed("%v", err)
			}
			if _, errs, _ := engine.Check(withNew, []string{name}); len(errs) > 0 {
				fmt.Fprintln(g.stderr, errs.Error())
				return failed("the new environment would not be valid (%s); nothing written", plural(len(errs), "error"))
			}
			rel := load.EnvsDir + "/" + name + ".cue"
			if err := output.CreateFile(r.Root, rel, src); err != nil {
				return failed("%v", err)
			}
			fmt.Fprintf(g.stdout, "wrote %s: replace its example values, then run 'lexgen validate %s'\n", rel, name)
			return nil
		},
	}
	cmd.Flags().StringVar(&opt.From, "from", "", "copy the values this environment's file sets")
	cmd.Flags().StringVar(&opt.Region, "region", "", "the AWS region; the VPC and subnets become examples in it")
	return cmd
}
