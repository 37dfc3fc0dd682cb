package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/wneessen/go-mail"

	"shangji/internal/store"
)

// SMTP sends e-mail through a submission server. STARTTLS is mandatory
// unless ImplicitTLS is set (port 465): credentials and the content of
// sales notifications never cross the network in clear.
type SMTP struct {
	Host        string
	Port        int // default 587 (465 with ImplicitTLS)
	Username    string
	Password    string
	From        string
	ImplicitTLS bool
	// TLS overrides the TLS settings (tests trust their own certificate).
	TLS *tls.Config
}

// SMTPFromEnv reads SHANGJI_SMTP_HOST, _PORT, _USERNAME, _PASSWORD, _FROM
// and _TLS ("starttls", the default, or "tls" for port 465). It returns nil
// when no host is set: e-mail is then not configured, and e-mail
// notifications wait in the outbox, untried, until a process that has it
// comes by.
func SMTPFromEnv() (*SMTP, error) {
	host := os.Getenv("SHANGJI_SMTP_HOST")
	if host == "" {
		return nil, nil
	}
	s := &SMTP{Host: host, Username: os.Getenv("SHANGJI_SMTP_USERNAME"), Password: os.Getenv("SHANGJI_SMTP_PASSWORD"),
		From: os.Getenv("SHANGJI_SMTP_FROM")}
	switch os.Getenv("SHANGJI_SMTP_TLS") {
	case "", "starttls":
	case "tls":
		s.ImplicitTLS = true
	default:
		return nil, errors.New("SHANGJI_SMTP_TLS must be starttls or tls")
	}
	if p := os.Getenv("SHANGJI_SMTP_PORT"); p != "" {
		port, err := strconv.Atoi(p)
		if err != nil {
			return nil, fmt.Errorf("SHANGJI_SMTP_PORT: %w", err)
		}
		s.Port = port
	}
	if s.From == "" {
		return nil, errors.New("SHANGJI_SMTP_FROM is required with SHANGJI_SMTP_HOST")
	}
	return s, nil
}

// Send implements Sender. The Message-ID is derived from the outbox id, so
// a retry after a lost answer is recognisably the same message.
func (s *SMTP) Send(ctx context.Context, n *store.Notification, now time.Time) error {
	m := mail.NewMsg()
	if err := m.From(s.From); err != nil {
		return Permanent(fmt.Errorf("from address: %w", err))
	}
	if err := m.To(n.Address); err != nil {
		return Permanent(fmt.Errorf("recipient: %w", err))
	}
	m.Subject(n.Subject)
	m.SetDateWithValue(now)
	m.SetMessageIDWithValue(n.ID + "@shangji")
	m.SetBodyString(mail.TypeTextPlain, n.Body)

	tlsConfig := &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	if s.TLS != nil {
		tlsConfig = s.TLS.Clone()
		if tlsConfig.ServerName == "" {
			tlsConfig.ServerName = s.Host
		}
	}
	opts := []mail.Option{mail.WithTLSConfig(tlsConfig), mail.WithTimeout(30 * time.Second)}
	port := s.Port
	if s.ImplicitTLS {
		if port == 0 {
			port = 465
		}
		opts = append(opts, mail.WithSSL())
	} else {
		if port == 0 {
			port = 587
		}
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	opts = append(opts, mail.WithPort(port))
	if s.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(s.Username), mail.WithPassword(s.Password))
	}
	c, err := mail.NewClient(s.Host, opts...)
	if err != nil {
		return Permanent(err)
	}
	return c.DialAndSendWithContext(ctx, m)
}
