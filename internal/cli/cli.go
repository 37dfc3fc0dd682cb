// Package cli is the shangji command: flags and wiring only. Each command
// opens the database named by --db or SHANGJI_DB and calls the app.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"shangji/internal/app"
	"shangji/internal/store"
)

// DefaultDB is the embedded default: a SQLite file in the working directory.
const DefaultDB = "sqlite:shangji.db"

// command is one subcommand. run gets stderr as well as stdout: output a
// script reads goes to stdout, progress and diagnostics to stderr.
type command struct {
	name, usage string
	run         func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

// plain adapts a command that writes only to stdout.
func plain(f func(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error) func(context.Context, []string, io.Reader, io.Writer, io.Writer) error {
	return func(ctx context.Context, args []string, stdin io.Reader, stdout, _ io.Writer) error {
		return f(ctx, args, stdin, stdout)
	}
}

func commands() []command {
	return []command{
		{"serve", "run the web UI and the API", plain(serve)},
		{"migrate", "apply pending database migrations and exit", plain(migrate)},
		{"demo", "fill the database with a demo company", plain(demoCmd)},
		{"user", "user add: create a user", plain(userCmd)},
		{"token", "token create: print a new API token for a user", plain(tokenCmd)},
		{"snapshot", "take the weekly forecast snapshot by hand", plain(snapshotCmd)},
		{"import", "import KIND FILE: customers, contacts, opportunities … from CSV or XLSX, all rows or none", importCmd},
		{"export", "export KIND FILE: customers, contacts, opportunities, activities, funnel to CSV or XLSX", exportCmd},
	}
}

// Main runs the command line of the process until SIGINT or SIGTERM.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}

// Run executes a command line and returns the exit status; cancelling ctx
// stops a running server cleanly.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], stdin, stdout, stderr)
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			if err != nil {
				fmt.Fprintln(stderr, "shangji "+c.name+": "+oneLine(err))
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "shangji: unknown command %q (see shangji --help)\n", args[0])
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "shangji — 商机 sales-opportunity and funnel management\n\nUsage: shangji COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.usage)
	}
	fmt.Fprintln(w, "\nEvery command takes --db (default "+DefaultDB+", or postgres://…; env SHANGJI_DB).\nRun shangji COMMAND --help for its flags.")
}

func oneLine(err error) string {
	s := err.Error()
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}

// flags returns a flag set with the --db flag every command shares.
func flags(name string, out io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("shangji "+name, flag.ContinueOnError)
	fs.SetOutput(out)
	db := fs.String("db", envOr("SHANGJI_DB", DefaultDB), "database: sqlite:PATH or postgres://… (env SHANGJI_DB)")
	return fs, db
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// open connects, migrates and makes sure the preset pipelines exist.
func open(ctx context.Context, dsn string) (*app.App, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.EnsurePresets(ctx) }); err != nil {
		db.Close()
		return nil, err
	}
	return app.New(db, slog.Default()), nil
}

func migrate(ctx context.Context, args []string, _ io.Reader, out io.Writer) error {
	fs, dsn := flags("migrate", out)
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer a.DB.Close()
	fmt.Fprintln(out, "migrations applied")
	return nil
}

// admin is the identity the CLI acts as: whoever runs it holds the database.
var admin = &store.User{ID: "system", Role: store.RoleAdmin, Name: "shangji CLI"}
