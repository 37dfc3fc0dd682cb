package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"shangji/internal/store"
)

// The three IM group robots each take a POST of their own JSON to the URL
// the group's admin copies from the robot's settings. They answer 200 even
// when they refuse, with an error code in the body, so the body is checked.

// WeCom posts to a 企业微信 group robot (webhook URL with its key). WeCom has
// no signing: the key in the URL is the secret.
type WeCom struct{ Client *http.Client }

type wecomMarkdown struct {
	MsgType  string `json:"msgtype"`
	Markdown struct {
		Content string `json:"content"`
	} `json:"markdown"`
}

// wecomMaxContent is the robot's limit for markdown content, in bytes.
const wecomMaxContent = 4096

// Send implements Sender.
func (s WeCom) Send(ctx context.Context, n *store.Notification, _ time.Time) error {
	var m wecomMarkdown
	m.MsgType = "markdown"
	m.Markdown.Content = truncate(markdown(n), wecomMaxContent)
	body, err := marshal(m)
	if err != nil {
		return Permanent(err)
	}
	answer, err := post(ctx, s.Client, n.Address, body, nil)
	if err != nil {
		return err
	}
	return errcode(answer)
}

// DingTalk posts to a 钉钉 custom robot. With a signing secret (加签) the
// URL carries timestamp (ms) and sign = urlencode(base64(HMAC-SHA256(key =
// secret, message = timestamp + "\n" + secret))); DingTalk refuses
// timestamps more than an hour off.
type DingTalk struct{ Client *http.Client }

type dingMarkdown struct {
	MsgType  string `json:"msgtype"`
	Markdown struct {
		Title string `json:"title"`
		Text  string `json:"text"`
	} `json:"markdown"`
}

// Send implements Sender.
func (s DingTalk) Send(ctx context.Context, n *store.Notification, now time.Time) error {
	var m dingMarkdown
	m.MsgType = "markdown"
	m.Markdown.Title, m.Markdown.Text = n.Subject, markdown(n)
	body, err := marshal(m)
	if err != nil {
		return Permanent(err)
	}
	target := n.Address
	if n.Secret != "" {
		ts, sign := DingTalkSign(n.Secret, now)
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + "timestamp=" + ts + "&sign=" + url.QueryEscape(sign)
	}
	answer, err := post(ctx, s.Client, target, body, nil)
	if err != nil {
		return err
	}
	return errcode(answer)
}

// DingTalkSign returns the timestamp and the (not yet URL-encoded) sign.
func DingTalkSign(secret string, now time.Time) (timestamp, sign string) {
	timestamp = strconv.FormatInt(now.UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "\n" + secret))
	return timestamp, base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Feishu posts a rich-text ("post") message to a 飞书 custom bot. With a
// signing secret the body carries timestamp (seconds) and sign =
// base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = empty)):
// Feishu keys the HMAC with the string, unlike DingTalk.
type Feishu struct{ Client *http.Client }

type feishuPost struct {
	Timestamp string `json:"timestamp,omitempty"`
	Sign      string `json:"sign,omitempty"`
	MsgType   string `json:"msg_type"`
	Content   struct {
		Post struct {
			ZhCN feishuRich `json:"zh_cn"`
		} `json:"post"`
	} `json:"content"`
}

type feishuRich struct {
	Title   string          `json:"title"`
	Content [][]feishuBlock `json:"content"`
}

type feishuBlock struct {
	Tag  string `json:"tag"`
	Text string `json:"text"`
}

// Send implements Sender.
func (s Feishu) Send(ctx context.Context, n *store.Notification, now time.Time) error {
	var m feishuPost
	m.MsgType = "post"
	m.Content.Post.ZhCN.Title = n.Subject
	// One paragraph per line: the post format has no line breaks inside a
	// text element that every client renders alike.
	m.Content.Post.ZhCN.Content = [][]feishuBlock{}
	for _, line := range strings.Split(n.Body, "\n") {
		m.Content.Post.ZhCN.Content = append(m.Content.Post.ZhCN.Content, []feishuBlock{{Tag: "text", Text: line}})
	}
	if n.Secret != "" {
		m.Timestamp, m.Sign = FeishuSign(n.Secret, now)
	}
	body, err := marshal(m)
	if err != nil {
		return Permanent(err)
	}
	answer, err := post(ctx, s.Client, n.Address, body, nil)
	if err != nil {
		return err
	}
	var r struct {
		Code       *int   `json:"code"`
		Msg        string `json:"msg"`
		StatusCode *int   `json:"StatusCode"`
	}
	if err := json.Unmarshal(answer, &r); err != nil {
		return fmt.Errorf("feishu: unreadable answer %q", truncate(string(answer), 200))
	}
	if (r.Code != nil && *r.Code != 0) || (r.Code == nil && (r.StatusCode == nil || *r.StatusCode != 0)) {
		return fmt.Errorf("feishu refused: %s", truncate(string(answer), 300))
	}
	return nil
}

// FeishuSign returns the timestamp and the sign for a Feishu bot secret.
func FeishuSign(secret string, now time.Time) (timestamp, sign string) {
	timestamp = strconv.FormatInt(now.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(timestamp+"\n"+secret))
	return timestamp, base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// markdown is the subject as a heading over the body, as both WeCom and
// DingTalk render it.
func markdown(n *store.Notification) string {
	if n.Subject == "" {
		return n.Body
	}
	return "### " + n.Subject + "\n" + n.Body
}

// errcode checks a WeCom or DingTalk answer: {"errcode":0,"errmsg":"ok"}.
func errcode(answer []byte) error {
	var r struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(answer, &r); err != nil || r.ErrCode == nil {
		return fmt.Errorf("unreadable robot answer %q", truncate(string(answer), 200))
	}
	if *r.ErrCode != 0 {
		return fmt.Errorf("robot refused: errcode %d: %s", *r.ErrCode, r.ErrMsg)
	}
	return nil
}
