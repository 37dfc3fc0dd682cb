package web

import (
	"net/http"
	"strconv"
	"strings"

	"shangji/internal/app"
	"shangji/internal/store"
)

// Notification channels: e-mail, 企业微信/钉钉/飞书 group robots and
// webhooks, belonging to a user, a team or the company (see
// docs/notifications.md). Secrets are never shown again once saved.

var channelKinds = []string{store.ChannelEmail, store.ChannelWeCom, store.ChannelDingTalk, store.ChannelFeishu, store.ChannelWebhook}

type channelItem struct {
	store.Channel
	Owner string // the user's or team's name; empty for the company
}

type channelsData struct {
	settingsPage
	Channels []channelItem
	Kinds    []string
	People   []*store.User
	Teams    []*store.Team
	In       app.ChannelInput // the create form's values after a refusal
	// Failed notifications, newest first, to retry once the channel is fixed.
	Failed []store.Notification
}

func (s *server) channelsData(r *http.Request, u *store.User) (*channelsData, error) {
	ctx := r.Context()
	d := &channelsData{settingsPage: newSettingsPage(r, "channels"), Kinds: channelKinds, In: app.ChannelInput{Kind: store.ChannelWeCom}}
	chs, err := s.app.DB.AllChannels(ctx)
	if err != nil {
		return nil, err
	}
	if d.People, err = s.app.DB.PeopleInView(ctx, u.Viewer()); err != nil {
		return nil, err
	}
	if d.Teams, err = s.app.DB.TeamsInView(ctx, u.Viewer()); err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, p := range d.People {
		names[p.ID] = p.Name
	}
	for _, t := range d.Teams {
		names[t.ID] = t.Name
	}
	for _, c := range chs {
		d.Channels = append(d.Channels, channelItem{Channel: c, Owner: names[c.UserID+c.TeamID]})
	}
	if d.Failed, err = s.app.Notifications(ctx, u, store.NotificationFilter{Status: "failed", Limit: 50}); err != nil {
		return nil, err
	}
	return d, nil
}

func (s *server) channelSettings(w http.ResponseWriter, r *http.Request, u *store.User) {
	d, err := s.channelsData(r, u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "settings_channels", "", "settings", d)
}

// createChannel adds a channel; "owner" is "u:<id>", "t:<id>" or empty
// (the company's).
func (s *server) createChannel(w http.ResponseWriter, r *http.Request, u *store.User) {
	in := app.ChannelInput{Kind: r.FormValue("kind"), Name: r.FormValue("name"), Address: r.FormValue("address"),
		Secret: r.FormValue("secret"), Events: r.FormValue("events")}
	switch owner := r.FormValue("owner"); {
	case strings.HasPrefix(owner, "u:"):
		in.UserID = owner[2:]
	case strings.HasPrefix(owner, "t:"):
		in.TeamID = owner[2:]
	}
	if _, err := s.app.CreateChannel(r.Context(), u, in); err != nil {
		s.channelRefused(w, r, u, "new", in, err)
		return
	}
	savedRedirect(w, r, "/settings/channels", "channel")
}

// setChannelActive switches a channel on or off.
func (s *server) setChannelActive(w http.ResponseWriter, r *http.Request, u *store.User) {
	id := r.PathValue("id")
	version, _ := strconv.Atoi(r.FormValue("version"))
	if err := s.app.SetChannelActive(r.Context(), u, id, version, r.FormValue("active") == "1"); err != nil {
		s.channelRefused(w, r, u, "ch-"+id, app.ChannelInput{Kind: store.ChannelWeCom}, err)
		return
	}
	savedRedirect(w, r, "/settings/channels", "channel")
}

func (s *server) channelRefused(w http.ResponseWriter, r *http.Request, u *store.User, form string, in app.ChannelInput, err error) {
	status, ok := formRefused(err)
	if !ok {
		s.fail(w, r, err)
		return
	}
	d, derr := s.channelsData(r, u)
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	in.Secret = "" // never echoed back into the page
	d.In, d.Conflict = in, isStale(err)
	d.Problems[form] = s.settingsProblems(r, u, err)
	s.render(w, r, status, "settings_channels", "", "settings", d)
}

// retryNotification queues a failed notification again.
func (s *server) retryNotification(w http.ResponseWriter, r *http.Request, u *store.User) {
	id := r.PathValue("id")
	if err := s.app.RetryNotification(r.Context(), u, id); err != nil {
		s.channelRefused(w, r, u, "failed", app.ChannelInput{Kind: store.ChannelWeCom}, err)
		return
	}
	savedRedirect(w, r, "/settings/channels", "retry")
}
