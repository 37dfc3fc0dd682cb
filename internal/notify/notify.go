// Package notify delivers the notification outbox: e-mail over SMTP, the IM
// group robots of WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书), and a
// generic signed JSON webhook. Rows are queued by the store in the same
// transaction as the change that causes them; a Worker claims due rows,
// sends them, and retries failures with exponential backoff. All delivery
// state lives in the database, so a restart loses nothing and several
// copies of serve share the work.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"shangji/internal/store"
)

// Sender delivers one notification to its destination. now is the
// worker's clock, used for signatures and dates, so tests control it.
type Sender interface {
	Send(ctx context.Context, n *store.Notification, now time.Time) error
}

// permanentError marks a failure that retrying cannot fix (a 404 robot URL,
// a refused recipient): the row is given up at once instead of being retried
// for hours.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent wraps err so the worker gives the notification up.
func Permanent(err error) error { return permanentError{err} }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool { return errors.As(err, new(permanentError)) }

// HTTPClient is used by the webhook senders unless they carry their own.
// The timeout bounds a send well inside the worker's lease.
var HTTPClient = &http.Client{Timeout: 15 * time.Second}

// marshal encodes v without HTML escaping: robots render the markdown, and
// "<" arriving as \u003c would only obscure the bytes people debug.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// post sends body to url and returns the response body of a 2xx answer.
// 4xx answers other than 408 and 429 are permanent: the URL or the request
// is wrong and will stay wrong.
func post(ctx context.Context, client *http.Client, url string, body []byte, header http.Header) ([]byte, error) {
	if client == nil {
		client = HTTPClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, Permanent(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Shangji-Notify/1")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		err := fmt.Errorf("HTTP %d: %s", resp.StatusCode, truncate(string(answer), 300))
		if resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests {
			return nil, Permanent(err)
		}
		return nil, err
	}
	return answer, nil
}

// truncate cuts s to at most max bytes without splitting a UTF-8 character.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && s[max]&0xC0 == 0x80 {
		max--
	}
	return s[:max]
}
