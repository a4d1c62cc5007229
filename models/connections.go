package models

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Connection types, as Auth0's dashboard groups connections.
const (
	ConnDatabase   = "database"
	ConnSocial     = "social"
	ConnEnterprise = "enterprise"
)

// ConnectionTypes lists the connection types in display order.
func ConnectionTypes() []string { return []string{ConnDatabase, ConnSocial, ConnEnterprise} }

// ConnectionTypeName is the heading of a connection type ("Database").
func ConnectionTypeName(t string) string {
	switch t {
	case ConnDatabase:
		return "Database"
	case ConnSocial:
		return "Social"
	case ConnEnterprise:
		return "Enterprise"
	}
	return t
}

// Strategy is the identity provider a connection signs users in with.
type Strategy struct {
	Key  string // stored value, Auth0's strategy name ("google-oauth2")
	Name string // what the dashboard shows ("Google")
	Type string // ConnDatabase, ConnSocial or ConnEnterprise
}

var strategies = []Strategy{
	{"database", "Database (username and password)", ConnDatabase},
	{"google-oauth2", "Google", ConnSocial},
	{"github", "GitHub", ConnSocial},
	{"microsoft", "Microsoft Account", ConnSocial},
	{"apple", "Apple", ConnSocial},
	{"facebook", "Facebook", ConnSocial},
	{"linkedin", "LinkedIn", ConnSocial},
	{"twitter", "X (Twitter)", ConnSocial},
	{"samlp", "SAML", ConnEnterprise},
	{"oidc", "OpenID Connect", ConnEnterprise},
	{"waad", "Microsoft Azure AD", ConnEnterprise},
	{"adfs", "ADFS", ConnEnterprise},
	{"google-apps", "Google Workspace", ConnEnterprise},
	{"pingfederate", "PingFederate", ConnEnterprise},
	{"okta", "Okta Workforce", ConnEnterprise},
}

// strategyAliases are other names of our strategies: Auth0 calls its
// database connections "auth0" and Microsoft Accounts "windowslive".
var strategyAliases = map[string]string{"auth0": "database", "windowslive": "microsoft"}

// CanonicalStrategy is the stored value for what was typed or posted (any
// case, or an alias); "" when it names no strategy.
func CanonicalStrategy(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if a, ok := strategyAliases[s]; ok {
		s = a
	}
	if _, ok := StrategyByKey(s); ok {
		return s
	}
	return ""
}

// Strategies lists every strategy, grouped by type (database, social,
// enterprise). The slice is the caller's to keep.
func Strategies() []Strategy { return append([]Strategy(nil), strategies...) }

// StrategyByKey finds a strategy by its stored value.
func StrategyByKey(key string) (Strategy, bool) {
	for _, s := range strategies {
		if s.Key == key {
			return s, true
		}
	}
	return Strategy{}, false
}

func strategiesOfType(t string) []string {
	var out []string
	for _, s := range strategies {
		if s.Type == t {
			out = append(out, s.Key)
		}
	}
	return out
}

// Connection is a way end users sign in: a database of passwords, a social
// provider or an enterprise identity provider.
type Connection struct {
	ID          int64  `gorm:"primaryKey"`
	TenantID    int64  `gorm:"not null"`
	Name        string `gorm:"size:128;not null"` // unique in the tenant whatever the case; never changes
	Strategy    string `gorm:"size:30;not null"`
	DisplayName string `gorm:"size:128;not null;default:''"`
	Enabled     bool   `gorm:"not null"` // no default tag: GORM would write true for a false
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Type is the connection's type: database, social or enterprise.
func (c Connection) Type() string {
	if s, ok := StrategyByKey(c.Strategy); ok {
		return s.Type
	}
	return ""
}

// StrategyName is what the dashboard calls the connection's strategy.
func (c Connection) StrategyName() string {
	if s, ok := StrategyByKey(c.Strategy); ok {
		return s.Name
	}
	return c.Strategy
}

// Label is the display name, else the name.
func (c Connection) Label() string {
	if c.DisplayName != "" {
		return c.DisplayName
	}
	return c.Name
}

func connectionTarget(c Connection) Target {
	return Target{Type: "connection", ID: fmt.Sprint(c.ID), Label: c.Name}
}

var connectionNameRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,126}[A-Za-z0-9])?$`)

// ValidConnectionName reports whether n is a connection name as Auth0
// allows them: 1 to 128 letters, digits and hyphens, starting and ending
// with a letter or digit.
func ValidConnectionName(n string) bool { return connectionNameRE.MatchString(n) }

// ConnectionListQuery selects a page of the Connections list.
type ConnectionListQuery struct {
	Type  string // "" for all, else ConnDatabase, ConnSocial or ConnEnterprise
	After int64  // keyset cursor: the id of the last connection of the previous page
	Limit int    // page size, 1..100 (default 50)
}

// ConnectionPage is one page of connections, ordered by name.
type ConnectionPage struct {
	Items []Connection
	Next  int64 // cursor of the next page, 0 when this is the last
}

// ListConnections returns a page of the tenant's connections ordered by
// name (case-insensitively), in one query: the keyset walks the unique
// (tenant_id, LOWER(name)) index from the cursor's name.
func (s *Store) ListConnections(ctx context.Context, tenantID int64, q ConnectionListQuery) (ConnectionPage, error) {
	if q.Limit <= 0 || q.Limit > MaxPageSize {
		q.Limit = 50
	}
	db := s.DB.WithContext(ctx).Where("tenant_id = ?", tenantID)
	if q.Type != "" {
		db = db.Where("strategy IN ?", append(strategiesOfType(q.Type), "")) // "" keeps the list valid for an unknown type
	}
	if q.After > 0 {
		db = db.Where("LOWER(name) > (SELECT LOWER(c.name) FROM connections c WHERE c.tenant_id = ? AND c.id = ?)", tenantID, q.After)
	}
	var conns []Connection
	if err := db.Order("LOWER(name)").Limit(q.Limit + 1).Find(&conns).Error; err != nil {
		return ConnectionPage{}, err
	}
	var page ConnectionPage
	if len(conns) > q.Limit {
		conns = conns[:q.Limit]
		page.Next = conns[len(conns)-1].ID
	}
	page.Items = conns
	return page, nil
}

// ConnectionByID loads a connection of the tenant.
func (s *Store) ConnectionByID(ctx context.Context, tenantID, id int64) (Connection, error) {
	return connectionIn(s.DB.WithContext(ctx), tenantID, id)
}

// ConnectionsByIDs loads the connections of the tenant among ids, by name.
func (s *Store) ConnectionsByIDs(ctx context.Context, tenantID int64, ids []int64) ([]Connection, error) {
	var conns []Connection
	if len(ids) == 0 {
		return conns, nil
	}
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND id IN ?", tenantID, ids).Order("LOWER(name)").Find(&conns).Error
	return conns, err
}

func connectionIn(tx *gorm.DB, tenantID, id int64) (Connection, error) {
	var c Connection
	err := tx.Where("tenant_id = ? AND id = ?", tenantID, id).Take(&c).Error
	return c, notFound(err)
}

// CountConnections counts the tenant's connections, and the enabled ones.
func (s *Store) CountConnections(ctx context.Context, tenantID int64) (total, enabled int64, err error) {
	var rows []struct {
		Enabled bool
		N       int64
	}
	err = s.DB.WithContext(ctx).Model(&Connection{}).Select("enabled, count(*) AS n").
		Where("tenant_id = ?", tenantID).Group("enabled").Scan(&rows).Error
	for _, r := range rows {
		total += r.N
		if r.Enabled {
			enabled += r.N
		}
	}
	return total, enabled, err
}

// CreateConnectionInput is the Create Connection form.
type CreateConnectionInput struct {
	Name        string
	Strategy    string
	DisplayName string
}

func checkDisplayName(f fieldErrors, v string) {
	if len([]rune(v)) > 128 {
		f.add("display_name", "Display name must be at most 128 characters.")
	}
}

// CreateConnection creates an enabled connection, in one transaction with
// its audit event. Names are unique in the tenant whatever their case.
func (s *Store) CreateConnection(ctx context.Context, tenantID int64, in CreateConnectionInput, actor Actor) (Connection, error) {
	in.Name, in.Strategy, in.DisplayName = strings.TrimSpace(in.Name), strings.TrimSpace(in.Strategy), strings.TrimSpace(in.DisplayName)
	f := fieldErrors{}
	switch {
	case in.Name == "":
		f.add("name", "Name is required.")
	case !ValidConnectionName(in.Name):
		f.add("name", "Use up to 128 letters, digits and hyphens, starting and ending with a letter or digit.")
	}
	if canonical := CanonicalStrategy(in.Strategy); canonical != "" {
		in.Strategy = canonical
	} else {
		f.add("strategy", "Choose a strategy.")
	}
	checkDisplayName(f, in.DisplayName)
	now := s.now()
	c := Connection{TenantID: tenantID, Name: in.Name, Strategy: in.Strategy, DisplayName: in.DisplayName, Enabled: true, CreatedAt: now, UpdatedAt: now}
	const takenMsg = "A connection with this name already exists."
	taken := &ValidationError{Fields: map[string]string{"name": takenMsg}}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if _, bad := f["name"]; !bad {
			var n int64
			if err := tx.Model(&Connection{}).Where("tenant_id = ? AND LOWER(name) = LOWER(?)", tenantID, in.Name).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				f.add("name", takenMsg)
			}
		}
		if err := f.err(); err != nil {
			return err
		}
		if err := tx.Create(&c).Error; err != nil {
			if isUniqueViolation(err) {
				return taken
			}
			return err
		}
		return writeAudit(tx, now, tenantID, actor, "connection.created", connectionTarget(c), Changes{
			"name": {After: c.Name}, "strategy": {After: c.Strategy}, "display_name": {After: c.DisplayName}, "enabled": {After: c.Enabled},
		})
	})
	if err != nil {
		return Connection{}, err
	}
	return c, nil
}

// UpdateConnectionInput is a connection's settings form.
type UpdateConnectionInput struct {
	DisplayName string
	Enabled     bool
}

// UpdateConnection changes a connection's display name and whether it is
// enabled, in one transaction with an audit event of what changed. Its
// name and strategy never change.
func (s *Store) UpdateConnection(ctx context.Context, tenantID, id int64, in UpdateConnectionInput, actor Actor) (Connection, error) {
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	f := fieldErrors{}
	checkDisplayName(f, in.DisplayName)
	if err := f.err(); err != nil {
		return Connection{}, err
	}
	var c Connection
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if c, err = connectionIn(tx, tenantID, id); err != nil {
			return err
		}
		ch := Changes{}
		if c.DisplayName != in.DisplayName {
			ch["display_name"] = Change{Before: c.DisplayName, After: in.DisplayName}
		}
		if c.Enabled != in.Enabled {
			ch["enabled"] = Change{Before: c.Enabled, After: in.Enabled}
		}
		if len(ch) == 0 {
			return nil
		}
		now := s.now()
		if err := tx.Model(&Connection{}).Where("id = ? AND tenant_id = ?", c.ID, tenantID).
			Updates(map[string]any{"display_name": in.DisplayName, "enabled": in.Enabled, "updated_at": now}).Error; err != nil {
			return err
		}
		c.DisplayName, c.Enabled, c.UpdatedAt = in.DisplayName, in.Enabled, now
		return writeAudit(tx, now, tenantID, actor, "connection.updated", connectionTarget(c), ch)
	})
	if err != nil {
		return Connection{}, err
	}
	return c, nil
}

// DeleteConnection removes a connection for good, in one transaction with
// its audit event, and returns what was deleted.
func (s *Store) DeleteConnection(ctx context.Context, tenantID, id int64, actor Actor) (Connection, error) {
	var c Connection
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if c, err = connectionIn(tx, tenantID, id); err != nil {
			return err
		}
		res := tx.Where("id = ? AND tenant_id = ?", c.ID, tenantID).Delete(&Connection{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound
		}
		return writeAudit(tx, s.now(), tenantID, actor, "connection.deleted", connectionTarget(c), Changes{
			"name": {Before: c.Name}, "strategy": {Before: c.Strategy},
		})
	})
	if err != nil {
		return Connection{}, err
	}
	return c, nil
}
