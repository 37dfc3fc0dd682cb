package notify_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"shangji/internal/notify"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// mailbox is an in-process SMTP submission server on 127.0.0.1 that offers
// STARTTLS with its own certificate and AUTH PLAIN only after TLS.
type mailbox struct {
	addr  *net.TCPAddr
	roots *x509.CertPool
	mu    sync.Mutex
	got   []received
}

type received struct {
	from, user string
	to         []string
	tls        bool
	data       []byte
}

func startMailbox(t *testing.T, offerTLS bool) *mailbox {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	mb := &mailbox{roots: x509.NewCertPool()}
	mb.roots.AddCert(cert)

	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{mb: mb, conn: c}, nil }))
	srv.Domain = "mail.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	if offerTLS {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mb.addr = l.Addr().(*net.TCPAddr)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	return mb
}

func (mb *mailbox) messages() []received {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return append([]received(nil), mb.got...)
}

type session struct {
	mb   *mailbox
	conn *smtp.Conn
	cur  received
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "notify@shangji.test" || pass != "p@ss 口令" {
			return errors.New("bad credentials")
		}
		s.cur.user = user
		return nil
	}), nil
}
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.cur.user == "" {
		return errors.New("authenticate first")
	}
	s.cur.from = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, s.cur.tls = s.conn.TLSConnectionState()
	s.cur.data = b
	s.mb.mu.Lock()
	s.mb.got = append(s.mb.got, s.cur)
	s.mb.mu.Unlock()
	return nil
}
func (s *session) Reset()        { s.cur = received{user: s.cur.user} }
func (s *session) Logout() error { return nil }

func (mb *mailbox) sender() *notify.SMTP {
	return &notify.SMTP{Host: "127.0.0.1", Port: mb.addr.Port, Username: "notify@shangji.test", Password: "p@ss 口令",
		From: "商机 <notify@shangji.test>", TLS: &tls.Config{RootCAs: mb.roots}}
}

// A real message crosses a real SMTP conversation: STARTTLS, AUTH, the
// envelope, and a UTF-8 subject and body that decode to what was queued.
func TestEmailOverSTARTTLS(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		setClock(db)
		mb := startMailbox(t, true)
		u := user(t, db, "wang.fang@example.com")
		enqueue(t, db, store.Notice{UserID: u.ID, Key: "todo-7", Subject: subject, Body: body})
		w := &notify.Worker{DB: db, Senders: notify.Senders(mb.sender())}
		if res, err := w.Run(context.Background()); err != nil || res.Sent != 1 {
			t.Fatalf("%+v %v; outbox %+v", res, err, outbox(t, db))
		}
		got := mb.messages()
		if len(got) != 1 {
			t.Fatalf("mailbox holds %d messages", len(got))
		}
		m := got[0]
		if !m.tls || m.user != "notify@shangji.test" || m.from != "notify@shangji.test" || strings.Join(m.to, ",") != "wang.fang@example.com" {
			t.Fatalf("envelope: tls=%v user=%q from=%q to=%v", m.tls, m.user, m.from, m.to)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(m.data))
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
		mb := startMailbox(t, false)
		u := user(t, db, "wang.fang@example.com")
		enqueue(t, db, store.Notice{UserID: u.ID, Subject: subject, Body: body})
		res, err := (&notify.Worker{DB: db, Senders: notify.Senders(mb.sender())}).Run(context.Background())
		if err != nil || res.Sent != 0 || res.Retrying != 1 {
			t.Fatalf("%+v %v", res, err)
		}
		if len(mb.messages()) != 0 {
			t.Fatal("a message went out without TLS")
		}
		if n := outbox(t, db)[0]; n.Status != "pending" || !strings.Contains(strings.ToLower(n.LastError), "tls") {
			t.Fatalf("%+v", n)
		}
	})
}
