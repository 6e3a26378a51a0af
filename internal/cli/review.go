package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/lexecon/lexgen/internal/review"
)

func newReview(g *globals) *cobra.Command {
	var base, format string
	cmd := &cobra.Command{
		Use:   "review [--base GIT_REF]",
		Short: "Summarize in Markdown what the change since GIT_REF does, for a pull request",
		Long: `review compares the environments at GIT_REF (default: the merge base of HEAD
with the pull request's target branch, from GITHUB_BASE_REF or
CI_MERGE_REQUEST_TARGET_BRANCH_NAME, else with origin/HEAD, origin/main or
main, whichever exists first), read with git, with those in the working tree, and
prints a Markdown summary for a pull request comment: per environment, each
changed model field old -> new, the output files added, changed and removed,
and the monthly cost change. What needs attention comes first: restores,
changes that replace the database, relaxed production policies or tier,
widened access, changes that wait for the maintenance window; then the
warnings. Secret references are masked. Environments the change does not
affect are listed as unaffected; an added or removed environment lists
every setting it has or had. With no base to be found, review stops
(exit 2) instead of reporting that nothing changed; when out/ is not what
envs/ renders to, it lists the stale files and stops (exit 1), since the
reviewer's diff of out/ would not show the change. Each changed environment
ends with what to apply after the merge (Terraform, the Argo CD Application,
an Argo CD sync, or nothing). --format json prints the same for bots.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(cmd, format); err != nil {
				return err
			}
			r, err := g.repo()
			if err != nil {
				return err
			}
			ref, err := review.Base(r.Root, base)
			if err != nil {
				return reviewErr(cmd, err)
			}
			old, baseProblems, err := review.Old(r.Root, ref)
			if err != nil {
				return failed("%v", err)
			}
			c, err := g.loadValid(r, r.Names())
			if err != nil {
				return err
			}
			// The reviewer reads the diff of out/: it must be what envs/
			// renders to, or the review describes a change nobody sees.
			rendered, err := g.stale(c)
			if err != nil {
				return err
			}
			rep, err := review.Build(ref, old, baseProblems, c.Envs, rendered.Envs, c.Warnings)
			if err != nil {
				return failed("%v", err)
			}
			if format == "json" {
				return g.writeJSON(rep.JSON())
			}
			rep.Markdown(g.stdout)
			return nil
		},
	}
	formatFlag(cmd, &format)
	cmd.Flags().StringVar(&base, "base", "", "the git ref to compare with (default: the merge base with the target or default branch)")
	return cmd
}

// reviewErr turns review's errors into exit codes: 2 for how lexgen was
// called, 1 for the repository.
func reviewErr(cmd *cobra.Command, err error) error {
	var re *review.Error
	if errors.As(err, &re) && re.Usage {
		return usageErr(cmd, "%s", re.Msg)
	}
	return failed("%v", err)
}
