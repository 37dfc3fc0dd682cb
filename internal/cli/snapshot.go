package cli

import (
	"context"
	"fmt"
	"io"
)

func snapshotCmd(ctx context.Context, args []string, _ io.Reader, out io.Writer) error {
	fs, dsn := flags("snapshot", out)
	week := fs.String("week-end", "", "the week's last day (YYYY-MM-DD); default the last closed week")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer a.DB.Close()
	w, took, err := a.TakeSnapshot(ctx, *week)
	if err != nil {
		return err
	}
	if took {
		fmt.Fprintf(out, "snapshot of the week ending %s taken\n", w)
	} else {
		fmt.Fprintf(out, "the week ending %s was taken already; nothing changed\n", w)
	}
	return nil
}
