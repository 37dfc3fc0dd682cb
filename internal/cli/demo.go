package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"shangji/internal/app"
	"shangji/internal/demo"
)

type demoOptions struct {
	seed          int64
	opportunities int
}

func demoCmd(ctx context.Context, args []string, stdin io.Reader, out io.Writer) error {
	fs, dsn := flags("demo", out)
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same company")
	n := fs.Int("opportunities", demo.DefaultOpportunities, "number of opportunities (1,000,000 works, for benchmarks)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer a.DB.Close()
	return loadDemo(ctx, a, demoOptions{seed: *seed, opportunities: *n}, out)
}

// loadDemo writes the demo company and prints how to sign in.
func loadDemo(ctx context.Context, a *app.App, opt demoOptions, out io.Writer) error {
	start := time.Now()
	fmt.Fprintf(out, "Loading the demo company 星河云 (seed %d)…\n", opt.seed)
	res, err := demo.Load(ctx, a.DB, demo.Options{Seed: opt.seed, Opportunities: opt.opportunities, HashPassword: app.HashPassword})
	if err != nil {
		return err
	}
	c := res.Counts
	fmt.Fprintf(out, "Demo loaded in %s: %d teams, %d users, %d customers, %d contacts, %d opportunities, %d activities.\n",
		time.Since(start).Round(time.Millisecond), c.Teams, c.Users, c.Customers, c.Contacts, c.Opportunities, c.Activities)
	fmt.Fprintf(out, "Every demo user's password: %s\n", res.Password)
	for _, l := range []demo.Login{res.Admin, res.Manager, res.Rep} {
		fmt.Fprintf(out, "  %-9s %-28s %s  API token: %s\n", l.Role, l.Email, l.Name, l.Token)
	}
	// The conversion report reads totals kept from every deal's path
	// (docs/conversion.md); sum them now rather than on the first report.
	start = time.Now()
	n, err := a.DB.FoldAllConversion(ctx, 10_000)
	if err != nil {
		return err
	}
	if c.Opportunities > 10_000 {
		fmt.Fprintf(out, "Conversion totals kept from %d changes in %s.\n", n, time.Since(start).Round(time.Millisecond))
	}
	return nil
}
