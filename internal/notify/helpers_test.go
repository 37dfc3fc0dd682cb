package notify_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// clock is a settable clock shared by the store and the worker.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// start is Monday 23 November 2026, 09:00 in Shanghai (01:00 UTC).
var start = time.Date(2026, 11, 23, 9, 0, 0, 0, funnel.CompanyZone)

func setClock(db *store.DB) *clock {
	c := &clock{now: start}
	db.Now = c.Now
	return c
}

func user(t *testing.T, db *store.DB, email string) *store.User {
	t.Helper()
	u := &store.User{Email: email, Name: "王芳", Role: store.RoleRep}
	if err := db.Tx(context.Background(), func(tx *store.Tx) error { return tx.CreateUser(context.Background(), u) }); err != nil {
		t.Fatal(err)
	}
	return u
}

func channel(t *testing.T, db *store.DB, c store.Channel) *store.Channel {
	t.Helper()
	if err := db.Tx(context.Background(), func(tx *store.Tx) error { return tx.CreateChannel(context.Background(), &c) }); err != nil {
		t.Fatal(err)
	}
	return &c
}

func enqueue(t *testing.T, db *store.DB, n store.Notice) {
	t.Helper()
	err := db.Tx(context.Background(), func(tx *store.Tx) error {
		_, err := tx.EnqueueNotification(context.Background(), n)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func outbox(t *testing.T, db *store.DB) []store.Notification {
	t.Helper()
	all, err := db.Notifications(context.Background(), store.NotificationFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// request is what a receiver got.
type request struct {
	URL    string
	Header http.Header
	Body   []byte
}

// receiver is a local HTTP endpoint that records requests and answers with
// the status and body answer returns for the nth request (0-based).
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  []request
	hook func(n int, r request) (int, string)
}

func newReceiver(t *testing.T, answer func(n int, r request) (int, string)) *receiver {
	rc := &receiver{hook: answer}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := request{URL: r.URL.String(), Header: r.Header.Clone(), Body: body}
		rc.mu.Lock()
		n := len(rc.got)
		rc.got = append(rc.got, req)
		rc.mu.Unlock()
		status, text := rc.hook(n, req)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, text)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.got...)
}

func ok(int, request) (int, string) { return 200, `{"errcode":0,"errmsg":"ok"}` }
