package web

import (
	"net/http"
	"strconv"
	"strings"

	"shangji/internal/app"
	"shangji/internal/store"
)

// Users and teams: create a user (the generated password is shown once),
// change a user's role and team, deactivate; create a team under a parent
// with its manager (a user's manager is their team's manager).

var roles = []string{store.RoleRep, store.RoleManager, store.RoleDirector, store.RolePresales, store.RoleCustomerSuccess, store.RoleAdmin}

type personItem struct {
	*store.User
	Team, Manager string
}

type peopleData struct {
	settingsPage
	Users    []personItem
	Next     string // cursor of the next page of users
	Teams    []*store.Team
	TeamName map[string]string
	Managers []*store.User // people who may lead a team
	Roles    []string
	NewUser  app.UserInput
	NewTeam  app.TeamInput
	// Password of the user just created, shown once.
	Password, PasswordFor string
}

func (s *server) peopleData(r *http.Request, u *store.User) (*peopleData, error) {
	ctx := r.Context()
	d := &peopleData{settingsPage: newSettingsPage(r, "people"), Roles: roles, TeamName: map[string]string{}, NewUser: app.UserInput{Role: store.RoleRep}}
	var err error
	if d.Teams, err = s.app.DB.TeamsInView(ctx, u.Viewer()); err != nil {
		return nil, err
	}
	users, next, err := s.app.DB.Users(ctx, store.UserFilter{Page: store.Page{Limit: store.MaxLimit, Cursor: r.URL.Query().Get("cursor")}})
	if err != nil {
		return nil, err
	}
	d.Next = next
	if d.Managers, err = s.app.DB.PeopleInView(ctx, u.Viewer()); err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, p := range d.Managers {
		names[p.ID] = p.Name
	}
	managerOf := map[string]string{}
	for _, t := range d.Teams {
		d.TeamName[t.ID] = t.Name
		managerOf[t.ID] = names[t.ManagerID]
	}
	for _, p := range users {
		d.Users = append(d.Users, personItem{User: p, Team: d.TeamName[p.TeamID], Manager: managerOf[p.TeamID]})
	}
	return d, nil
}

func (s *server) peopleSettings(w http.ResponseWriter, r *http.Request, u *store.User) {
	d, err := s.peopleData(r, u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "settings_people", "", "settings", d)
}

func (s *server) peopleRefused(w http.ResponseWriter, r *http.Request, u *store.User, form string, err error, keep func(d *peopleData)) {
	status, ok := formRefused(err)
	if !ok {
		s.fail(w, r, err)
		return
	}
	d, derr := s.peopleData(r, u)
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	if keep != nil {
		keep(d)
	}
	d.Conflict = isStale(err)
	d.Problems[form] = s.settingsProblems(r, u, err)
	s.render(w, r, status, "settings_people", "", "settings", d)
}

// createUser adds a user; without a password one is generated and shown once.
func (s *server) createUser(w http.ResponseWriter, r *http.Request, u *store.User) {
	in := app.UserInput{Name: r.FormValue("name"), Email: r.FormValue("email"), Role: r.FormValue("role"), TeamID: r.FormValue("team_id"),
		Password: r.FormValue("password"), Locale: r.FormValue("locale")}
	nu, pw, err := s.app.CreateUser(r.Context(), u, in)
	if err != nil {
		in.Password = ""
		s.peopleRefused(w, r, u, "new-user", err, func(d *peopleData) { d.NewUser = in })
		return
	}
	d, err := s.peopleData(r, u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Saved = "settings.saved.user"
	if in.Password == "" {
		d.Password, d.PasswordFor = pw, nu.Email
	}
	s.render(w, r, http.StatusOK, "settings_people", "", "settings", d)
}

// updateUser changes a user's role, team and whether they may sign in.
func (s *server) updateUser(w http.ResponseWriter, r *http.Request, u *store.User) {
	id := r.PathValue("id")
	version, _ := strconv.Atoi(r.FormValue("version"))
	role, team := r.FormValue("role"), r.FormValue("team_id")
	active := r.FormValue("active") == "on"
	if id == u.ID && (!active || role != store.RoleAdmin) {
		// Taking one's own admin role or access away locks the last door.
		s.peopleRefused(w, r, u, "user-"+id, fieldError("role", "you cannot take your own admin role or access away"), nil)
		return
	}
	if _, err := s.app.UpdateUser(r.Context(), u, id, app.UserPatch{Role: &role, TeamID: &team, Active: &active, Version: version}); err != nil {
		s.peopleRefused(w, r, u, "user-"+id, err, nil)
		return
	}
	savedRedirect(w, r, "/settings/people", "user")
}

// saveTeam creates a team (no id) or changes one: name, parent, manager, region.
func (s *server) saveTeam(w http.ResponseWriter, r *http.Request, u *store.User) {
	id := r.PathValue("id")
	version, _ := strconv.Atoi(r.FormValue("version"))
	in := app.TeamInput{Name: r.FormValue("name"), ParentID: r.FormValue("parent_id"), ManagerID: r.FormValue("manager_id"),
		Region: strings.TrimSpace(r.FormValue("region")), Version: version}
	var err error
	if id == "" {
		_, err = s.app.CreateTeam(r.Context(), u, in)
	} else {
		_, err = s.app.UpdateTeam(r.Context(), u, id, in)
	}
	if err != nil {
		form := "new-team"
		if id != "" {
			form = "team-" + id
		}
		s.peopleRefused(w, r, u, form, err, func(d *peopleData) {
			if id == "" {
				d.NewTeam = in
			}
		})
		return
	}
	savedRedirect(w, r, "/settings/people", "team")
}

// deleteTeam removes a team without members or sub-teams.
func (s *server) deleteTeam(w http.ResponseWriter, r *http.Request, u *store.User) {
	id := r.PathValue("id")
	if err := s.app.DeleteTeam(r.Context(), u, id); err != nil {
		s.peopleRefused(w, r, u, "team-"+id, err, nil)
		return
	}
	savedRedirect(w, r, "/settings/people", "team_deleted")
}
