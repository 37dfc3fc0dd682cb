package api_test

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"shangji/internal/notify"
	"shangji/internal/notify/mailtest"
)

// mailbox is a real SMTP submission server (mailtest: STARTTLS, AUTH),
// seen the way the quarter test reads it: one entry per recipient, the
// subject decoded.
type mailbox struct{ *mailtest.Server }

// mailMsg is one received message, decoded.
type mailMsg struct {
	To, Subject, MessageID string
}

func startMailbox(t *testing.T) *mailbox { return &mailbox{mailtest.Start(t, true)} }

func (mb *mailbox) sender() *notify.SMTP { return mb.Sender() }

// messages decodes what arrived; a message that does not parse shows its
// error as the subject, so the test's comparisons fail on it.
func (mb *mailbox) messages() []mailMsg {
	var out []mailMsg
	for _, m := range mb.Messages() {
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			out = append(out, mailMsg{Subject: "unreadable message: " + err.Error()})
			continue
		}
		subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil {
			subject = "undecodable subject: " + err.Error()
		}
		for _, to := range m.To {
			out = append(out, mailMsg{To: to, Subject: subject, MessageID: msg.Header.Get("Message-Id")})
		}
	}
	return out
}

// hookReceiver is a local HTTP endpoint for the generic JSON webhook.
type hookReceiver struct {
	*httptest.Server
	mu  sync.Mutex
	got []hookCall
}

type hookCall struct {
	Event, Delivery string
	Body            []byte
}

func startHook(t *testing.T) *hookReceiver {
	t.Helper()
	h := &hookReceiver{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.got = append(h.got, hookCall{Event: r.Header.Get("X-Shangji-Event"), Delivery: r.Header.Get("X-Shangji-Delivery"), Body: b})
		h.mu.Unlock()
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookReceiver) calls() []hookCall {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookCall(nil), h.got...)
}

// local renders an instant in the company zone, for messages.
func local(t time.Time) string { return t.In(shanghai).Format("01-02 15:04") }

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

func hasAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
