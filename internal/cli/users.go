package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
)

func userCmd(ctx context.Context, args []string, stdin io.Reader, out io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: shangji user add --email E --name N --role R [--team T] [--manager EMAIL]")
	}
	fs, dsn := flags("user add", out)
	email := fs.String("email", "", "e-mail, used to sign in (required)")
	name := fs.String("name", "", "full name (required)")
	role := fs.String("role", "rep", "admin, director, manager, rep, presales or customer_success")
	team := fs.String("team", "", "team id or name; a new top-level team (or one under --manager's team) is created when no team has that name")
	manager := fs.String("manager", "", "e-mail of the user's manager: without --team the user joins the team that manager manages")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	a, err := open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer a.DB.Close()
	pw, err := readPassword(stdin)
	if err != nil {
		return err
	}
	teamID, created, err := resolveTeam(ctx, a, *team, *manager)
	if err != nil {
		return err
	}
	u, gen, err := a.CreateUser(ctx, admin, app.UserInput{Email: *email, Name: *name, Role: *role, TeamID: teamID, Password: pw})
	if err != nil {
		return err
	}
	// A manager added with a team that has none becomes its manager.
	if teamID != "" && (*role == store.RoleManager || *role == store.RoleDirector) {
		t, err := a.DB.Team(ctx, teamID)
		if err == nil && (t.ManagerID == "" || created) {
			_, err = a.UpdateTeam(ctx, admin, t.ID, app.TeamInput{Name: t.Name, ParentID: t.ParentID, ManagerID: u.ID, Region: t.Region, Version: t.Version})
		}
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "user %s created (%s, %s)\n", u.Email, u.Role, u.ID)
	if pw == "" {
		fmt.Fprintf(out, "password: %s\n", gen)
	}
	return nil
}

// readPassword takes the password from piped stdin; a terminal or empty input
// means "generate one".
func readPassword(stdin io.Reader) (string, error) {
	if f, ok := stdin.(*os.File); ok {
		if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice != 0 {
			return "", nil
		}
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func resolveTeam(ctx context.Context, a *app.App, team, managerEmail string) (id string, created bool, err error) {
	parent := ""
	if managerEmail != "" {
		m, err := a.DB.UserByEmail(ctx, strings.ToLower(managerEmail))
		if err != nil {
			return "", false, fmt.Errorf("--manager: no user %s", managerEmail)
		}
		if parent, err = a.DB.ManagedTeam(ctx, m.ID); err != nil {
			return "", false, err
		}
		if parent == "" && team == "" {
			return "", false, fmt.Errorf("--manager: %s manages no team; give --team", managerEmail)
		}
	}
	if team == "" {
		return parent, false, nil
	}
	if t, err := a.DB.Team(ctx, team); err == nil {
		return t.ID, false, nil
	}
	if id, err := a.DB.TeamByName(ctx, team); err != nil || id != "" {
		return id, false, err
	}
	t, err := a.CreateTeam(ctx, admin, app.TeamInput{Name: team, ParentID: parent})
	if err != nil {
		return "", false, err
	}
	return t.ID, true, nil
}

func tokenCmd(ctx context.Context, args []string, stdin io.Reader, out io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: shangji token create --email E")
	}
	fs, dsn := flags("token create", out)
	email := fs.String("email", "", "the user's e-mail (required)")
	name := fs.String("name", "cli", "a label for the token")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	a, err := open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer a.DB.Close()
	u, err := a.DB.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(*email)))
	if funnel.ErrorCode(err) == funnel.ENOTFOUND {
		return fmt.Errorf("no user with e-mail %q", *email)
	} else if err != nil {
		return err
	}
	secret, err := a.CreateToken(ctx, admin, u.ID, *name)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, secret)
	return nil
}
