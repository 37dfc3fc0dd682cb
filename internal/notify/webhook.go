package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"shangji/internal/store"
)

// Webhook posts a JSON document to any URL, for systems that follow the
// funnel. With a secret, the request carries
//
//	X-Shangji-Timestamp: <unix seconds>
//	X-Shangji-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//
// Signing the timestamp with the body lets a receiver refuse replays (reject
// old timestamps) as well as forgeries. X-Shangji-Delivery is the outbox id:
// delivery is at least once, so receivers deduplicate on it.
type Webhook struct{ Client *http.Client }

// WebhookPayload is the body of a generic webhook.
type WebhookPayload struct {
	ID      string          `json:"id"`
	Event   string          `json:"event"`
	Subject string          `json:"subject"`
	Text    string          `json:"text"`
	Data    json.RawMessage `json:"data"`
	Created time.Time       `json:"created_at"`
}

// Send implements Sender.
func (s Webhook) Send(ctx context.Context, n *store.Notification, now time.Time) error {
	data := n.Data
	if !json.Valid(data) {
		data = json.RawMessage("{}")
	}
	event := n.Event
	if event == "" {
		event = "notification"
	}
	body, err := marshal(WebhookPayload{ID: n.ID, Event: event, Subject: n.Subject, Text: n.Body, Data: data, Created: n.Created.UTC()})
	if err != nil {
		return Permanent(err)
	}
	h := http.Header{}
	h.Set("X-Shangji-Event", event)
	h.Set("X-Shangji-Delivery", n.ID)
	if n.Secret != "" {
		ts := strconv.FormatInt(now.Unix(), 10)
		h.Set("X-Shangji-Timestamp", ts)
		h.Set("X-Shangji-Signature", WebhookSignature(n.Secret, ts, body))
	}
	_, err = post(ctx, s.Client, n.Address, body, h)
	return err
}

// WebhookSignature is the X-Shangji-Signature value for a body sent at
// timestamp; receivers compute it the same way and compare in constant time.
func WebhookSignature(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
