package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"shangji/internal/jobs"
	"shangji/internal/web"
)

func serve(ctx context.Context, args []string, stdin io.Reader, out io.Writer) error {
	fs, dsn := flags("serve", out)
	addr := fs.String("addr", envOr("SHANGJI_ADDR", "127.0.0.1:8080"), "listen address (env SHANGJI_ADDR)")
	demo := fs.Bool("demo", false, "on an empty database, load the demo company first")
	tick := fs.Duration("jobs-every", time.Minute, "how often background jobs (weekly snapshots, …) run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer a.DB.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	n, err := a.DB.CountUsers(ctx)
	if err != nil {
		return err
	}
	if n == 0 && *demo {
		if err := loadDemo(ctx, a, demoOptions{seed: 1}, out); err != nil {
			return err
		}
	} else if n == 0 {
		secret, err := a.SetupLink(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "No users yet. Create the first admin (link works once):\n  %s/setup?token=%s\n", base, secret)
	}
	srv := &http.Server{Handler: web.Handler(a), ReadHeaderTimeout: 10 * time.Second}
	go jobs.Run(ctx, a, *tick)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(out, "Shangji is running at %s (%s); Ctrl-C stops it.\n", base, a.DB.Engine)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
