package cli_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"shangji/internal/cli"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// syncBuffer is written by a running server while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb syncBuffer
	code = cli.Run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func eachEngine(t *testing.T, fn func(t *testing.T, dsn string)) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) { fn(t, storetest.DSN(t, e)) })
	}
}

func TestUserAddAndTokenCreate(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		if code, out, errs := run(t, "", "migrate", "--db", dsn); code != 0 || !strings.Contains(out, "migrations applied") {
			t.Fatalf("migrate: %d %q %q", code, out, errs)
		}
		code, out, errs := run(t, "a-long-password\n", "user", "add", "--db", dsn, "--email", "Boss@Example.cn", "--name", "王总", "--role", "manager", "--team", "华东")
		if code != 0 || strings.Contains(out, "password:") {
			t.Fatalf("user add with a piped password: %d %q %q (no password should be printed)", code, out, errs)
		}
		code, out, errs = run(t, "", "user", "add", "--db", dsn, "--email", "rep@example.cn", "--name", "李娜", "--role", "rep", "--manager", "boss@example.cn")
		if code != 0 || !regexp.MustCompile(`(?m)^password: \S{10,}$`).MatchString(out) {
			t.Fatalf("user add without a password must generate and print one: %d %q %q", code, out, errs)
		}
		code, out, errs = run(t, "", "token", "create", "--db", dsn, "--email", "rep@example.cn")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if code != 0 || len(lines) != 1 || !strings.HasPrefix(lines[0], "sjt_") {
			t.Fatalf("token create must print the token alone on its line: %d %q %q", code, out, errs)
		}

		ctx := context.Background()
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		rep, err := db.UserByToken(ctx, lines[0])
		if err != nil || rep.Email != "rep@example.cn" {
			t.Fatalf("the printed token does not authenticate the rep: %v %v", rep, err)
		}
		boss, _ := db.UserByEmail(ctx, "boss@example.cn")
		if m, _ := db.ManagerOf(ctx, rep.ID); m != boss.ID {
			t.Fatalf("--manager: the rep's manager is %q, want %s", m, boss.ID)
		}
	})
}

func TestCommandErrors(t *testing.T) {
	dsn := storetest.DSN(t, store.SQLite)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"nonsense"}, 2, "unknown command"},
		{[]string{"user", "add", "--db", dsn, "--email", "not-an-email", "--name", "x", "--role", "rep"}, 1, "email"},
		{[]string{"user", "add", "--db", dsn, "--email", "a@b.cn", "--name", "x", "--role", "king"}, 1, "role"},
		{[]string{"token", "create", "--db", dsn, "--email", "nobody@b.cn"}, 1, "no user"},
		{[]string{"serve", "--db", dsn, "--no-such-flag"}, 1, "no-such-flag"},
		{[]string{"migrate", "--db", "postgres://nobody@127.0.0.1:1/x?connect_timeout=2"}, 1, "migrate"},
	}
	for _, c := range cases {
		code, _, errs := run(t, "", c.args...)
		if code != c.code || !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") > 1 {
			t.Errorf("%v: exit %d stderr %q; want exit %d and a one-line reason mentioning %q", c.args, code, errs, c.code, c.want)
		}
	}
	if code, out, _ := run(t, "", "--help"); code != 0 || !strings.Contains(out, "serve") || !strings.Contains(out, "token") {
		t.Errorf("--help: %d %q", code, out)
	}
}

// serve on an empty database prints a one-time setup link and answers until
// its context ends, then stops cleanly.
func TestServeFirstStart(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		ctx, cancel := context.WithCancel(context.Background())
		var out, errb syncBuffer
		done := make(chan int)
		go func() {
			done <- cli.Run(ctx, []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0"}, strings.NewReader(""), &out, &errb)
		}()
		link := regexp.MustCompile(`(http://127\.0\.0\.1:\d+)/setup\?token=sjt_\S+`)
		var m []string
		// Generous: migrating a fresh PostgreSQL schema on a loaded 2-core CI
		// machine can take many seconds; the loop ends as soon as the link shows.
		for deadline := time.Now().Add(120 * time.Second); m == nil; {
			if m = link.FindStringSubmatch(out.String()); m == nil && time.Now().After(deadline) {
				t.Fatalf("no setup link printed: %q %q", out.String(), errb.String())
			} else if m == nil {
				time.Sleep(20 * time.Millisecond)
			}
		}
		var resp *http.Response
		var err error
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if resp, err = http.Get(m[1] + "/healthz"); err == nil {
				break
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"ok"`) {
			t.Fatalf("/healthz: %d %s", resp.StatusCode, body)
		}
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Fatalf("serve exited %d: %s", code, errb.String())
			}
		case <-time.After(15 * time.Second):
			t.Fatal("serve did not stop after its context ended")
		}
	})
}
