package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"shangji/internal/importer"
)

// parseInterleaved parses flags given before, between or after the
// positional arguments ("import customers a.csv --dry-run" is what people type).
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// importCmd prints the report to stdout and progress to stderr, so a
// script can keep the report.
func importCmd(ctx context.Context, args []string, _ io.Reader, out, errOut io.Writer) error {
	fs, dsn := flags("import", out)
	dry := fs.Bool("dry-run", false, "validate every row and report problems and duplicates; write nothing")
	mapping := fs.String("mapping", "", "JSON mapping file: columns, values, defaults, stages, pipeline (docs/import.md)")
	sheet := fs.String("sheet", "", "XLSX sheet to read (default: the first)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: shangji import KIND FILE [--dry-run] [--mapping F] [--sheet NAME]\n\nKIND: users, customers, contacts, opportunities, activities. FILE: .csv (UTF-8, UTF-8 BOM, GB18030) or .xlsx.\nAll rows are validated first; the import writes all of them or none.")
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return errors.New("usage: shangji import KIND FILE [--dry-run] [--mapping F] [--sheet NAME]")
	}
	kind, ok := importer.ParseKind(pos[0])
	if !ok {
		return fmt.Errorf("unknown kind %q: use users, customers, contacts, opportunities or activities", pos[0])
	}
	var m *importer.Mapping
	if *mapping != "" {
		f, err := os.Open(*mapping)
		if err != nil {
			return err
		}
		m, err = importer.LoadMapping(f, kind)
		f.Close()
		if err != nil {
			return err
		}
	}
	format, err := importer.FormatOf(pos[1])
	if err != nil {
		return err
	}
	f, err := os.Open(pos[1])
	if err != nil {
		return err
	}
	defer f.Close()
	t, err := importer.Open(f, format, *sheet)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[1], err)
	}
	defer t.Close()
	a, err := open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer a.DB.Close()
	bar := newProgress(errOut)
	rep, err := importer.Import(ctx, a, admin, kind, t, importer.Options{DryRun: *dry, Mapping: m, Progress: bar.update})
	bar.done()
	if rep != nil {
		printReport(out, pos[1], rep)
	}
	return err
}

// printReport lists every problem with its row and column, then duplicates
// and the totals: the dry run's output and a refused import's explanation.
func printReport(w io.Writer, file string, rep *importer.Report) {
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "%s: %s\n", file, p.Error())
	}
	for _, d := range rep.Duplicates {
		fmt.Fprintf(w, "%s: row %d: already imported or a duplicate of an existing record (%s → %s)\n", file, d.Row, d.Key, d.ExistingID)
	}
	if len(rep.Ignored) > 0 {
		fmt.Fprintf(w, "ignored columns: %s\n", strings.Join(rep.Ignored, ", "))
	}
	r := rep.ImportResult
	switch {
	case len(rep.Problems) > 0:
		fmt.Fprintf(w, "%d rows, %d problem(s): nothing written\n", r.Rows, len(rep.Problems))
	case r.DryRun:
		fmt.Fprintf(w, "dry run: %d rows valid, %d would be created, %d unchanged; nothing written\n", r.Rows, r.Created, r.Unchanged)
	default:
		fmt.Fprintf(w, "imported %s: %d rows, %d created, %d unchanged\n", r.Kind, r.Rows, r.Created, r.Unchanged)
	}
}

// progress prints "written 40000/100000 rows, 52000 rows/s, ETA 1s" on one
// line, at most a few times a second.
type progress struct {
	w           io.Writer
	start, last time.Time
	printed     bool
}

func newProgress(w io.Writer) *progress { return &progress{w: w, start: time.Now()} }

func (p *progress) update(phase string, done, total int) {
	now := time.Now()
	if now.Sub(p.last) < 200*time.Millisecond && done != total {
		return
	}
	p.last, p.printed = now, true
	rate := float64(done) / max(now.Sub(p.start).Seconds(), 1e-3)
	line := fmt.Sprintf("\r%s %d rows, %.0f rows/s", phase, done, rate)
	if total > 0 {
		eta := time.Duration(float64(total-done) / max(rate, 1) * float64(time.Second))
		line = fmt.Sprintf("\r%s %d/%d rows (%d%%), %.0f rows/s, ETA %s", phase, done, total, done*100/total, rate, eta.Round(time.Second))
	}
	fmt.Fprint(p.w, line+"   ")
}

func (p *progress) done() {
	if p.printed {
		fmt.Fprintf(p.w, "\rdone in %s%s\n", time.Since(p.start).Round(time.Millisecond), strings.Repeat(" ", 40))
	}
}
