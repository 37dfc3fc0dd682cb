package notify_test

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"

	"shangji/internal/notify"
	"shangji/internal/notify/mailtest"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// A real message crosses a real SMTP conversation: STARTTLS, AUTH, the
// envelope, and a UTF-8 subject and body that decode to what was queued.
func TestEmailOverSTARTTLS(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		setClock(db)
		mb := mailtest.Start(t, true)
		u := user(t, db, "wang.fang@example.com")
		enqueue(t, db, store.Notice{UserID: u.ID, Key: "todo-7", Subject: subject, Body: body})
		w := &notify.Worker{DB: db, Senders: notify.Senders(mb.Sender())}
		if res, err := w.Run(context.Background()); err != nil || res.Sent != 1 {
			t.Fatalf("%+v %v; outbox %+v", res, err, outbox(t, db))
		}
		got := mb.Messages()
		if len(got) != 1 {
			t.Fatalf("mailbox holds %d messages", len(got))
		}
		m := got[0]
		if !m.TLS || m.User != "notify@shangji.test" || m.From != "notify@shangji.test" || strings.Join(m.To, ",") != "wang.fang@example.com" {
			t.Fatalf("envelope: tls=%v user=%q from=%q to=%v", m.TLS, m.User, m.From, m.To)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatal(err)
		}
		subj, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || subj != subject {
			t.Fatalf("subject %q (%v), raw %q", subj, err, msg.Header.Get("Subject"))
		}
		if to := msg.Header.Get("To"); to != "<wang.fang@example.com>" && to != "wang.fang@example.com" {
			t.Errorf("To: %q", to)
		}
		if ct := msg.Header.Get("Content-Type"); !strings.Contains(strings.ToLower(ct), "charset=utf-8") {
			t.Errorf("Content-Type %q", ct)
		}
		if id := msg.Header.Get("Message-ID"); !strings.Contains(id, outbox(t, db)[0].ID+"@shangji") {
			t.Errorf("Message-ID %q does not name the outbox row", id)
		}
		raw, _ := io.ReadAll(msg.Body)
		if msg.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
			raw, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
			if err != nil {
				t.Fatal(err)
			}
		}
		if text := strings.ReplaceAll(string(raw), "\r\n", "\n"); strings.TrimRight(text, "\n") != body {
			t.Fatalf("body %q, want %q", text, body)
		}
	})
}

// A server that does not offer STARTTLS gets nothing: not the password,
// not the message. The row waits for a retry with the reason recorded.
func TestEmailRefusesPlaintext(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		setClock(db)
		mb := mailtest.Start(t, false)
		u := user(t, db, "wang.fang@example.com")
		enqueue(t, db, store.Notice{UserID: u.ID, Subject: subject, Body: body})
		res, err := (&notify.Worker{DB: db, Senders: notify.Senders(mb.Sender())}).Run(context.Background())
		if err != nil || res.Sent != 0 || res.Retrying != 1 {
			t.Fatalf("%+v %v", res, err)
		}
		if len(mb.Messages()) != 0 {
			t.Fatal("a message went out without TLS")
		}
		if n := outbox(t, db)[0]; n.Status != "pending" || !strings.Contains(strings.ToLower(n.LastError), "tls") {
			t.Fatalf("%+v", n)
		}
	})
}
