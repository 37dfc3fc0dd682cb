// Package mailtest is a real SMTP submission server for tests: it listens
// on 127.0.0.1, offers STARTTLS with its own certificate (or not, to prove
// the client refuses plain text), takes AUTH PLAIN and keeps every message
// it receives. Tests send real e-mail to it instead of mocking the sender.
package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"shangji/internal/notify"
)

// The credentials the server accepts (Sender uses them).
const (
	User     = "notify@shangji.test"
	Password = "p@ss 口令"
)

// Message is one message as received: the envelope, the authenticated
// user, whether the connection was encrypted, and the raw data.
type Message struct {
	From, User string
	To         []string
	TLS        bool
	Data       []byte
}

// Server is a running submission server.
type Server struct {
	Addr  *net.TCPAddr
	Roots *x509.CertPool // trusts the server's certificate
	mu    sync.Mutex
	got   []Message
}

// Start runs a server until the test ends; offerTLS false leaves STARTTLS
// out of its capabilities.
func Start(t testing.TB, offerTLS bool) *Server {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	s := &Server{Roots: x509.NewCertPool()}
	s.Roots.AddCert(cert)

	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{s: s, conn: c}, nil }))
	srv.Domain = "mail.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	if offerTLS {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = l.Addr().(*net.TCPAddr)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	return s
}

// Sender is a notify.SMTP that submits to this server.
func (s *Server) Sender() *notify.SMTP {
	return &notify.SMTP{Host: "127.0.0.1", Port: s.Addr.Port, Username: User, Password: Password,
		From: "商机 <notify@shangji.test>", TLS: &tls.Config{RootCAs: s.Roots}}
}

// Messages returns what was received so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.got...)
}

type session struct {
	s    *Server
	conn *smtp.Conn
	cur  Message
}

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (x *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != User || pass != Password {
			return errors.New("bad credentials")
		}
		x.cur.User = user
		return nil
	}), nil
}
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.cur.User == "" {
		return errors.New("authenticate first")
	}
	x.cur.From = from
	return nil
}
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.cur.To = append(x.cur.To, to)
	return nil
}
func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, x.cur.TLS = x.conn.TLSConnectionState()
	x.cur.Data = b
	x.s.mu.Lock()
	x.s.got = append(x.s.got, x.cur)
	x.s.mu.Unlock()
	return nil
}
func (x *session) Reset()        { x.cur = Message{User: x.cur.User} }
func (x *session) Logout() error { return nil }
