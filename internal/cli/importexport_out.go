package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"shangji/internal/app"
	"shangji/internal/importer"
	"shangji/internal/store"
)

func exportCmd(ctx context.Context, args []string, _ io.Reader, out, errOut io.Writer) error {
	fs, dsn := flags("export", out)
	lang := fs.String("lang", "zh", "headers and values in zh (Chinese) or en (English); both import back")
	var q app.ReportQuery
	fs.StringVar(&q.Period, "period", "", "reports: the period (2026-Q4, 2026-11, 2026); default this quarter where one is needed")
	fs.StringVar(&q.PipelineID, "pipeline", "", "reports: a pipeline id (default: the default pipeline)")
	fs.StringVar(&q.TeamID, "team", "", "reports: a team id (the team and the teams below it)")
	fs.StringVar(&q.OwnerID, "owner", "", "reports: an owner's user id")
	fs.IntVar(&q.Months, "months", 0, "accuracy: how many past months (default 6)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: shangji export KIND FILE [--lang zh|en] [report flags]\n\nKIND: "+strings.Join(app.ExportKinds, ", ")+
			". FILE: .csv (UTF-8 with BOM, for Excel) or .xlsx.\nLists carry the headers import reads: an exported list imports back unchanged.")
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return errors.New("usage: shangji export KIND FILE [--lang zh|en]")
	}
	kind := pos[0]
	if k, ok := importer.ParseKind(kind); ok {
		kind = string(k)
	}
	if *lang != "zh" && *lang != "en" {
		return fmt.Errorf("--lang %q: use zh or en", *lang)
	}
	format, err := importer.FormatOf(pos[1])
	if err != nil {
		return err
	}
	a, err := open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer a.DB.Close()
	export := a.Export
	if slices.Contains(app.ReportKinds, kind) {
		export = func(ctx context.Context, u *store.User, kind, lang string) (*app.ExportTable, error) {
			return a.ExportReport(ctx, u, kind, lang, q)
		}
	}
	t, err := export(ctx, admin, kind, *lang)
	if err != nil {
		return err
	}
	// Written beside the target and renamed, so a failed export never
	// leaves half a file where the last good one was.
	tmp, err := os.CreateTemp(filepath.Dir(pos[1]), ".shangji-export-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := importer.WriteExport(tmp, format, t, *lang == "en"); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), pos[1]); err != nil {
		return err
	}
	fmt.Fprintf(errOut, "exported %d %s to %s\n", len(t.Rows), kind, pos[1])
	return nil
}
