package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"shangji/internal/app"
	"shangji/internal/importer"
)

func exportCmd(ctx context.Context, args []string, _ io.Reader, out, errOut io.Writer) error {
	fs, dsn := flags("export", out)
	lang := fs.String("lang", "zh", "headers and values in zh (Chinese) or en (English); both import back")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: shangji export KIND FILE [--lang zh|en]\n\nKIND: "+strings.Join(app.ExportKinds, ", ")+
			". FILE: .csv (UTF-8 with BOM, for Excel) or .xlsx.\nThe headers are those import reads: an exported file imports back unchanged.")
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
	t, err := a.Export(ctx, admin, kind, *lang)
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
