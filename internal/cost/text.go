package cost

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/lexecon/lexgen/internal/markdown"
)

// Summary is the one-line figure, with the expected range when there is one.
func (e Estimate) Summary() string {
	s := fmt.Sprintf("$%.2f/month", e.Total)
	if x := e.Expected; x != nil {
		s += fmt.Sprintf(" (expected $%.0f-%.0f)", x.Low, x.High)
	}
	return s
}

// WriteText writes the estimate as an aligned table: quantity x unit price =
// monthly, and the assumption of each line.
func (e Estimate) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "%s: %s, at %s list prices of %s (%s)\n", e.Environment, e.Summary(), e.PriceRegion, e.PricesTaken, e.Currency)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, l := range e.Lines {
		fmt.Fprintf(tw, "  %s\t%8s %s\tx %9s\t= %9s\t%s\n", l.Item, qty(l.Quantity), l.Unit, "$"+price(l.UnitPrice), fmt.Sprintf("$%.2f", l.Monthly), l.Assumption)
	}
	fmt.Fprintf(tw, "  total\t\t\t= %9s\n", fmt.Sprintf("$%.2f", e.Total))
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range e.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	return nil
}

// WriteMarkdown writes the estimate as a Markdown table. Items, units,
// assumptions and notes carry values from the model (instance types,
// regions, time zones), so each goes through markdown.Text.
func (e Estimate) WriteMarkdown(w io.Writer) {
	fmt.Fprintf(w, "| item | quantity | unit price | monthly | assumption |\n| --- | ---: | ---: | ---: | --- |\n")
	for _, l := range e.Lines {
		fmt.Fprintf(w, "| %s | %s %s | $%s | $%.2f | %s |\n", markdown.Text(l.Item), qty(l.Quantity), markdown.Text(l.Unit), price(l.UnitPrice), l.Monthly, markdown.Text(l.Assumption))
	}
	fmt.Fprintf(w, "| **total** | | | **$%.2f** | |\n", e.Total)
	if len(e.Notes) > 0 {
		fmt.Fprintf(w, "\n")
		for _, n := range e.Notes {
			fmt.Fprintf(w, "- %s\n", markdown.Text(strings.ToUpper(n[:1])+n[1:]))
		}
	}
}

func qty(q float64) string {
	if q == float64(int64(q)) {
		return fmt.Sprintf("%d", int64(q))
	}
	return fmt.Sprintf("%.2f", q)
}

func price(p float64) string {
	s := fmt.Sprintf("%.4f", p)
	s = strings.TrimRight(s, "0")
	if strings.HasSuffix(s, ".") || len(s)-strings.Index(s, ".") < 3 {
		s = fmt.Sprintf("%.2f", p)
	}
	return s
}
