package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"gatehouse/models"

	"gorm.io/gorm"
)

// checks is what the database says about the changes the virtual users made.
type checks struct {
	invitations, roles, statuses, targets int
	mailQueued, mailDelivered             int
	problems                              []string // a change answered with success that is not (wholly) there
	phantoms                              []string // a change there that was refused
}

func (c *checks) lost() int { return len(c.problems) }

func (c *checks) lose(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// verify compares what the virtual users were told with the database.
func verify(ctx context.Context, db *gorm.DB, tenant models.Tenant, vus []*vu, mails *mailCatcher) (*checks, error) {
	db = db.WithContext(ctx)
	c := &checks{}
	var admins []models.Administrator
	if err := db.Where("tenant_id = ?", tenant.ID).Find(&admins).Error; err != nil {
		return nil, err
	}
	byEmail := map[string]models.Administrator{}
	for _, a := range admins {
		byEmail[a.Email] = a
	}
	var bindings []models.RoleBinding
	if err := db.Where("tenant_id = ? AND workspace_id IS NULL", tenant.ID).Find(&bindings).Error; err != nil {
		return nil, err
	}
	held := map[int64]map[string]bool{}
	for _, b := range bindings {
		if held[b.AdministratorID] == nil {
			held[b.AdministratorID] = map[string]bool{}
		}
		held[b.AdministratorID][b.RoleKey] = true
	}
	var events []models.AuditEvent
	if err := db.Where("tenant_id = ? AND target_type = ?", tenant.ID, "administrator").Find(&events).Error; err != nil {
		return nil, err
	}
	audit := map[string][]models.AuditEvent{} // by target id
	for _, e := range events {
		audit[e.TargetID] = append(audit[e.TargetID], e)
	}
	count := func(id int64, match func(models.AuditEvent) bool) int {
		n := 0
		for _, e := range audit[strconv.FormatInt(id, 10)] {
			if match(e) {
				n++
			}
		}
		return n
	}
	var outbox []models.OutboxEmail
	if err := db.Where("to_addr LIKE ?", "lf-%@loadfault.example").Find(&outbox).Error; err != nil {
		return nil, err
	}
	mailTo := map[string][]models.OutboxEmail{}
	for _, m := range outbox {
		mailTo[strings.ToLower(m.ToAddr)] = append(mailTo[strings.ToLower(m.ToAddr)], m)
	}

	tried := map[string]bool{} // every address a virtual user invited
	for _, v := range vus {
		for _, in := range v.invites {
			tried[in.email] = true
			a, exists := byEmail[in.email]
			switch in.outcome {
			case refused:
				if exists {
					c.phantoms = append(c.phantoms, fmt.Sprintf("invitation of %s was refused, yet the administrator exists", in.email))
				}
				continue
			case ambiguous:
				if !exists {
					continue
				}
				in.id = a.ID // it happened: hold it to the same checks
			}
			c.invitations++
			if !exists || a.ID != in.id {
				c.lose("invitation of %s (answered with administrator %d): no such administrator", in.email, in.id)
				continue
			}
			if !held[a.ID][in.role] {
				c.lose("invitation of %s: role %s missing", in.email, in.role)
			}
			if n := count(a.ID, func(e models.AuditEvent) bool { return e.Action == "administrator.created" }); n != 1 {
				c.lose("invitation of %s: %d administrator.created audit events, want 1", in.email, n)
			}
			ms := mailTo[in.email]
			if len(ms) == 0 {
				c.lose("invitation of %s: no e-mail in the outbox", in.email)
			}
			for _, m := range ms {
				if m.SentAt != nil {
					c.mailDelivered++
				} else {
					c.mailQueued++
				}
			}
			if mails.received(in.email) == 0 && len(ms) > 0 && ms[0].SentAt != nil {
				c.lose("invitation of %s: the outbox says sent, the mail server got nothing", in.email)
			}
			for role, at := range in.roles {
				if role == "-" {
					continue
				}
				has := held[a.ID][role]
				events := count(a.ID, func(e models.AuditEvent) bool {
					return e.Action == "administrator.role_assigned" && strings.Contains(e.Changes, `"`+role+`"`)
				})
				switch at.outcome {
				case applied:
					c.roles++
					if !has {
						c.lose("role %s assigned to %s: no binding", role, in.email)
					}
					if events != 1 {
						c.lose("role %s assigned to %s: %d audit events, want 1", role, in.email, events)
					}
				case refused:
					if has || events > 0 {
						c.phantoms = append(c.phantoms, fmt.Sprintf("role %s for %s was refused, yet it is there (%d audit events)", role, in.email, events))
					}
				case ambiguous:
					if has != (events == 1) {
						c.lose("role %s for %s (outcome unknown): binding %v with %d audit events", role, in.email, has, events)
					}
				}
			}
		}
		for _, t := range v.targets {
			c.targets++
			var a models.Administrator
			for _, x := range admins {
				if x.ID == t.id {
					a = x
				}
			}
			// The final status: the last success's, or that of an attempt
			// of unknown outcome after it.
			allowed := map[string]bool{"active": true} // before any success
			successes, unknown := 0, 0
			for _, at := range t.attempts {
				switch at.outcome {
				case applied:
					successes++
					allowed = map[string]bool{at.value: true}
				case ambiguous:
					unknown++
					allowed[at.value] = true
				}
			}
			c.statuses += successes
			if !allowed[string(a.Status)] {
				c.lose("status of %s is %s, want one of %v after %d requests (%d applied, %d unknown)", t.email, a.Status, keys(allowed), len(t.attempts), successes, unknown)
			}
			events := count(t.id, func(e models.AuditEvent) bool {
				return e.Action == "administrator.activated" || e.Action == "administrator.deactivated"
			})
			// Each applied change toggled the status (one event each) unless an
			// unknown-outcome attempt before it had already made the change.
			if events < successes-unknown || events > successes+unknown {
				c.lose("status of %s: %d audit events for %d applied and %d unknown-outcome changes", t.email, events, successes, unknown)
			}
		}
	}
	for _, a := range admins {
		if strings.HasPrefix(a.Email, "lf-") && !tried[a.Email] {
			c.phantoms = append(c.phantoms, fmt.Sprintf("administrator %s was never invited", a.Email))
		}
	}
	return c, nil
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
