package notify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"shangji/internal/notify"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

const (
	subject = "商机逾期未跟进"
	body    = "华东电网 2026-HD-001:已 3 天未跟进\n请在今天 <18:00> 前联系 & 记录"
)

// Each robot receives exactly its documented JSON, signed as documented.
// The expected signatures are computed here from the vendors' recipes, not
// with the package's own functions.
func TestRobotsAndWebhookBytes(t *testing.T) {
	const secret = "SEC0123456789abcdef"
	ts := start.Unix()
	tsSec, tsMS := strconv.FormatInt(ts, 10), strconv.FormatInt(start.UnixMilli(), 10)

	dingMAC := hmac.New(sha256.New, []byte(secret))
	dingMAC.Write([]byte(tsMS + "\n" + secret))
	dingSign := base64.StdEncoding.EncodeToString(dingMAC.Sum(nil))

	feishuMAC := hmac.New(sha256.New, []byte(tsSec+"\n"+secret))
	feishuSign := base64.StdEncoding.EncodeToString(feishuMAC.Sum(nil))

	for _, tc := range []struct {
		kind, path, secret, event string
		answer                    string
		check                     func(t *testing.T, r request, n store.Notification)
	}{
		{kind: store.ChannelWeCom, path: "/cgi-bin/webhook/send?key=693a91f6", answer: `{"errcode":0,"errmsg":"ok"}`,
			check: func(t *testing.T, r request, _ store.Notification) {
				want := `{"msgtype":"markdown","markdown":{"content":"### 商机逾期未跟进\n华东电网 2026-HD-001:已 3 天未跟进\n请在今天 <18:00> 前联系 & 记录"}}`
				equal(t, "body", string(r.Body), want)
				equal(t, "url", r.URL, "/cgi-bin/webhook/send?key=693a91f6")
			}},
		{kind: store.ChannelDingTalk, path: "/robot/send?access_token=abc", secret: secret, answer: `{"errcode":0,"errmsg":"ok"}`,
			check: func(t *testing.T, r request, _ store.Notification) {
				want := `{"msgtype":"markdown","markdown":{"title":"商机逾期未跟进","text":"### 商机逾期未跟进\n华东电网 2026-HD-001:已 3 天未跟进\n请在今天 <18:00> 前联系 & 记录"}}`
				equal(t, "body", string(r.Body), want)
				equal(t, "url", r.URL, "/robot/send?access_token=abc&timestamp="+tsMS+"&sign="+url.QueryEscape(dingSign))
				u, _ := url.Parse(r.URL)
				equal(t, "decoded sign", u.Query().Get("sign"), dingSign)
			}},
		{kind: store.ChannelFeishu, path: "/open-apis/bot/v2/hook/0f9c", secret: secret, answer: `{"code":0,"msg":"success","data":{}}`,
			check: func(t *testing.T, r request, _ store.Notification) {
				want := `{"timestamp":"` + tsSec + `","sign":"` + feishuSign + `","msg_type":"post","content":{"post":{"zh_cn":{"title":"商机逾期未跟进","content":[[{"tag":"text","text":"华东电网 2026-HD-001:已 3 天未跟进"}],[{"tag":"text","text":"请在今天 <18:00> 前联系 & 记录"}]]}}}}`
				equal(t, "body", string(r.Body), want)
			}},
		{kind: store.ChannelFeishu, path: "/open-apis/bot/v2/hook/unsigned", answer: `{"StatusCode":0,"StatusMessage":"success"}`,
			check: func(t *testing.T, r request, _ store.Notification) {
				if strings.Contains(string(r.Body), `"sign"`) || strings.Contains(string(r.Body), `"timestamp"`) {
					t.Errorf("without a secret nothing is signed: %s", r.Body)
				}
			}},
		{kind: store.ChannelWebhook, path: "/hooks/shangji", secret: secret, event: "opportunity.won", answer: `accepted`,
			check: func(t *testing.T, r request, n store.Notification) {
				want := `{"id":"` + n.ID + `","event":"opportunity.won","subject":"商机逾期未跟进","text":"华东电网 2026-HD-001:已 3 天未跟进\n请在今天 <18:00> 前联系 & 记录","data":{"number":"2026-HD-001","amount":"1000000.00"},"created_at":"2026-11-23T01:00:00Z"}`
				equal(t, "body", string(r.Body), want)
				mac := hmac.New(sha256.New, []byte(secret))
				mac.Write([]byte(tsSec + "." + want))
				equal(t, "signature", r.Header.Get("X-Shangji-Signature"), "sha256="+hex.EncodeToString(mac.Sum(nil)))
				equal(t, "timestamp", r.Header.Get("X-Shangji-Timestamp"), tsSec)
				equal(t, "event", r.Header.Get("X-Shangji-Event"), "opportunity.won")
				equal(t, "delivery", r.Header.Get("X-Shangji-Delivery"), n.ID)
				equal(t, "content type", r.Header.Get("Content-Type"), "application/json; charset=utf-8")
			}},
	} {
		t.Run(tc.kind+tc.path, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				setClock(db)
				rc := newReceiver(t, func(int, request) (int, string) { return 200, tc.answer })
				c := store.Channel{Kind: tc.kind, Address: rc.URL + tc.path, Secret: tc.secret, Events: tc.event}
				notice := store.Notice{Key: "k", Subject: subject, Body: body, Event: tc.event}
				if tc.event == "" {
					c.UserID = user(t, db, "rep@example.com").ID
					notice.UserID = c.UserID
				} else {
					notice.Data = []byte(`{"number":"2026-HD-001","amount":"1000000.00"}`)
				}
				channel(t, db, c)
				enqueue(t, db, notice)
				w := &notify.Worker{DB: db, Senders: notify.Senders(nil)}
				res, err := w.Run(context.Background())
				if err != nil || res.Sent != 1 {
					t.Fatalf("run: %+v %v; outbox %+v", res, err, outbox(t, db))
				}
				got := rc.requests()
				if len(got) != 1 {
					t.Fatalf("receiver got %d requests", len(got))
				}
				n := outbox(t, db)[0]
				if n.Status != "sent" || n.Attempts != 1 || n.SentAt == nil {
					t.Fatalf("outbox row: %+v", n)
				}
				tc.check(t, got[0], n)
			})
		})
	}
}

// A robot that answers 200 with an error code has refused the message: it
// is retried, and the reason is visible.
func TestRobotRefusalIsRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		setClock(db)
		rc := newReceiver(t, func(int, request) (int, string) { return 200, `{"errcode":310000,"errmsg":"sign not match"}` })
		u := user(t, db, "rep@example.com")
		channel(t, db, store.Channel{UserID: u.ID, Kind: store.ChannelDingTalk, Address: rc.URL + "/robot/send?access_token=abc", Secret: "wrong"})
		enqueue(t, db, store.Notice{UserID: u.ID, Subject: subject, Body: body})
		res, err := (&notify.Worker{DB: db, Senders: notify.Senders(nil)}).Run(context.Background())
		if err != nil || res.Retrying != 1 {
			t.Fatalf("%+v %v", res, err)
		}
		n := outbox(t, db)[0]
		if n.Status != "pending" || !strings.Contains(n.LastError, "310000") {
			t.Fatalf("%+v", n)
		}
	})
}

func equal(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\n got  %s\n want %s", what, got, want)
	}
}
