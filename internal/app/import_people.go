package app

import (
	"context"
	"errors"
	"net/mail"
	"strings"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// userImport creates people and the team tree they describe: each row's
// team (or, without one, a team named after the row's manager) sits under
// the row's parent team, and the manager manages it.
type userImport struct {
	opt   ImportOptions
	users []*store.User
	teams []teamPlan
}

type teamPlan struct {
	name, parent, manager string // manager: e-mail of a user in this import or stored
}

func (p *userImport) email(name, given string) string {
	if given != "" || p.opt.EmailDomain == "" {
		return strings.ToLower(given)
	}
	local := strings.Join(strings.Fields(strings.ToLower(name)), ".")
	return local + "@" + p.opt.EmailDomain
}

func (p *userImport) validate(ctx context.Context, tx *store.Tx, rows []ImportRow, res *ImportResult) error {
	known, err := tx.UserKeys(ctx)
	if err != nil {
		return err
	}
	teams, err := tx.TeamKeys(ctx)
	if err != nil {
		return err
	}
	planned := map[string]bool{}
	plannedTeam := map[string]bool{}
	addUser := func(pr *rowProblems, field, name, email, role, team string) {
		if name == "" {
			pr.add(field, "is required")
			return
		}
		email = p.email(name, email)
		if _, err := mail.ParseAddress(email); err != nil || email == "" {
			pr.add("email", "%q is not an e-mail address (or set email_domain in the mapping)", email)
			return
		}
		if u, ok := known[email]; ok && u != nil {
			if field == "name" {
				res.Duplicates = append(res.Duplicates, ImportDuplicate{Row: pr.line, Key: email, ExistingID: u.ID})
				res.Unchanged++
			}
			return
		}
		if planned[email] {
			return
		}
		planned[email] = true
		p.users = append(p.users, &store.User{Email: email, Name: name, Role: role, TeamID: team})
		if field == "name" {
			res.Created++
		}
	}
	for _, r := range rows {
		pr := &rowProblems{res: res, line: r.Line}
		f := r.Fields
		role := strings.ToLower(f["role"])
		if role == "" {
			role = store.RoleRep
		}
		if !store.ValidRole(role) {
			pr.add("role", "%q is not a role (rep, manager, director, presales, customer_success, admin)", role)
		}
		team := f["team"]
		if team == "" && f["manager"] != "" {
			team = f["manager"] + " team"
		}
		if f["parent_team"] != "" && teams[f["parent_team"]] == "" && !plannedTeam[f["parent_team"]] {
			plannedTeam[f["parent_team"]] = true
			p.teams = append(p.teams, teamPlan{name: f["parent_team"]})
		}
		if team != "" && teams[team] == "" && !plannedTeam[team] {
			plannedTeam[team] = true
			mgr := ""
			if f["manager"] != "" {
				mgr = p.email(f["manager"], "")
			}
			p.teams = append(p.teams, teamPlan{name: team, parent: f["parent_team"], manager: mgr})
		}
		if f["manager"] != "" {
			addUser(pr, "manager", f["manager"], "", store.RoleManager, team)
		}
		addUser(pr, "name", f["name"], f["email"], role, team)
	}
	return nil
}

func (p *userImport) write(ctx context.Context, tx *store.Tx, progress func(int)) error {
	ids, err := tx.TeamKeys(ctx)
	if err != nil {
		return err
	}
	// Parents first: the plan lists a parent before the teams under it.
	for _, t := range p.teams {
		st := &store.Team{Name: t.name, ParentID: ids[t.parent]}
		if err := tx.CreateTeam(ctx, st); err != nil {
			return err
		}
		ids[t.name] = st.ID
	}
	byEmail := map[string]string{}
	for i, u := range p.users {
		u.TeamID = ids[u.TeamID]
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		byEmail[u.Email] = u.ID
		progress(i + 1)
	}
	known, err := tx.UserKeys(ctx)
	if err != nil {
		return err
	}
	for _, t := range p.teams {
		if t.manager == "" {
			continue
		}
		st, err := tx.Team(ctx, ids[t.name])
		if err != nil {
			return err
		}
		if u := known[t.manager]; u != nil {
			st.ManagerID = u.ID
		}
		if err := tx.UpdateTeam(ctx, st); err != nil {
			return err
		}
	}
	return nil
}

// customerImport: customers by normalised name (SPEC §2). A name already
// stored is a duplicate and left alone; the same name twice in the file is
// a problem, since the rows may disagree.
type customerImport struct {
	actor *store.User
	new   []*store.Customer
}

func (p *customerImport) validate(ctx context.Context, tx *store.Tx, rows []ImportRow, res *ImportResult) error {
	existing, err := tx.CustomerKeys(ctx)
	if err != nil {
		return err
	}
	users, err := tx.UserKeys(ctx)
	if err != nil {
		return err
	}
	fallback := realUser(ctx, tx, p.actor)
	inFile := map[string]int{}
	for _, r := range rows {
		pr := &rowProblems{res: res, line: r.Line}
		f := r.Fields
		name := f["name"]
		in := CustomerInput{Name: &name, Industry: ptr(f["industry"]), Region: ptr(f["region"]), Address: ptr(f["address"]), Size: ptr(f["size"])}
		c := &store.Customer{}
		addProblems(pr, in.apply(c))
		switch {
		case f["owner"] != "":
			if u, msg := people(users).find(f["owner"]); u == nil {
				pr.add("owner", "%s", msg)
			} else {
				c.OwnerID = u.ID
			}
		case fallback != "":
			c.OwnerID = fallback
		default:
			pr.add("owner", "is required: no signed-in user to default to (add an owner column or a default in the mapping)")
		}
		key := funnel.NormalizeCustomerName(name)
		if id, ok := existing[key]; ok && name != "" {
			res.Duplicates = append(res.Duplicates, ImportDuplicate{Row: r.Line, Key: name, ExistingID: id})
			res.Unchanged++
			continue
		}
		if first, ok := inFile[key]; ok && name != "" {
			pr.add("name", "duplicate of row %d (names are compared ignoring case, width and spaces)", first)
			continue
		}
		inFile[key] = r.Line
		if pr.ok() {
			p.new = append(p.new, c)
			res.Created++
		}
	}
	return nil
}

func (p *customerImport) write(ctx context.Context, tx *store.Tx, progress func(int)) error {
	err := tx.BulkInsertCustomers(ctx, p.new)
	progress(len(p.new))
	return err
}

// contactImport: contacts by external id, else by customer and name.
type contactImport struct {
	new []*store.Contact
	ext []string // external id of each new contact, or ""
}

// contactRoles accepts the decision-chain roles in either language.
var contactRoles = map[string]string{
	"决策者": store.RoleDecisionMaker, "decision maker": store.RoleDecisionMaker, "decision_maker": store.RoleDecisionMaker,
	"影响者": store.RoleInfluencer, "influencer": store.RoleInfluencer,
	"使用者": store.RoleUser, "user": store.RoleUser,
}

func (p *contactImport) validate(ctx context.Context, tx *store.Tx, rows []ImportRow, res *ImportResult) error {
	customers, err := tx.CustomerKeys(ctx)
	if err != nil {
		return err
	}
	natural, err := tx.ContactKeys(ctx)
	if err != nil {
		return err
	}
	var extIDs []string
	for _, r := range rows {
		if e := r.Fields["external_id"]; e != "" {
			extIDs = append(extIDs, e)
		}
	}
	ext, err := tx.ImportKeys(ctx, "contacts", extIDs)
	if err != nil {
		return err
	}
	seen := map[string]int{}
	for _, r := range rows {
		pr := &rowProblems{res: res, line: r.Line}
		f := r.Fields
		k := &store.Contact{Name: f["name"], Title: f["title"], Phone: f["phone"], Email: f["email"], WeComID: f["wecom_id"]}
		k.CustomerID = customers[funnel.NormalizeCustomerName(f["customer"])]
		if k.CustomerID == "" {
			pr.add("customer", "no customer %q: import customers first", f["customer"])
		}
		if k.Name == "" {
			pr.add("name", "is required")
		}
		if k.Role = contactRoles[strings.ToLower(f["role"])]; k.Role == "" {
			pr.add("role", "%q is not a decision-chain role (决策者/decision maker, 影响者/influencer, 使用者/user)", f["role"])
		}
		key := store.ContactKey(k.CustomerID, k.Name)
		if e := f["external_id"]; e != "" {
			key = e
		}
		if id := ext[key] + natural[key]; id != "" {
			res.Duplicates = append(res.Duplicates, ImportDuplicate{Row: r.Line, Key: key, ExistingID: id})
			res.Unchanged++
			continue
		}
		if first, dup := seen[key]; dup && pr.ok() {
			pr.add("name", "duplicate of row %d", first)
		}
		seen[key] = r.Line
		if pr.ok() {
			p.new = append(p.new, k)
			p.ext = append(p.ext, f["external_id"])
			res.Created++
		}
	}
	return nil
}

func (p *contactImport) write(ctx context.Context, tx *store.Tx, progress func(int)) error {
	if err := tx.BulkInsertContacts(ctx, p.new); err != nil {
		return err
	}
	var keys []store.ImportKey
	for i, k := range p.new {
		if p.ext[i] != "" {
			keys = append(keys, store.ImportKey{Key: p.ext[i], RecordID: k.ID})
		}
	}
	progress(len(p.new))
	return tx.AddImportKeys(ctx, "contacts", keys)
}

func ptr(s string) *string { return &s }

// addProblems copies a use case's field errors into a row's problems.
func addProblems(pr *rowProblems, err error) {
	if err == nil {
		return
	}
	var fe *funnel.Error
	if errors.As(err, &fe) && len(fe.Fields) > 0 {
		for _, f := range fe.Fields {
			pr.add(f.Field, "%s", f.Message)
		}
		return
	}
	pr.add("", "%v", err)
}
