package cli

import (
	"context"
	"errors"
	"io"

	"shangji/internal/app"
)

type demoOptions struct {
	seed          int64
	opportunities int
}

func demoCmd(ctx context.Context, args []string, stdin io.Reader, out io.Writer) error {
	fs, dsn := flags("demo", out)
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same company")
	n := fs.Int("opportunities", 600, "number of opportunities (1,000,000 works, for benchmarks)")
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

func loadDemo(ctx context.Context, a *app.App, opt demoOptions, out io.Writer) error {
	return errors.New("demo data is not available in this build yet")
}
