package models

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"gorm.io/gorm"
)

// Organization is one of a tenant's business customers (Auth0 B2B
// Organizations): a name (a lowercase slug, unique in the tenant), a display
// name, branding, metadata, members with roles, invitations and the
// connections its members sign in with. Version grows by one at every save
// of its settings, so that a save based on stale values is refused
// (optimistic locking).
type Organization struct {
	ID                  int64 `gorm:"primaryKey"`
	TenantID            int64
	Name                string
	DisplayName         string
	LogoURL             string
	PrimaryColor        string // "#rrggbb" or ""
	PageBackgroundColor string // "#rrggbb" or ""
	Metadata            string // JSON object of strings
	Version             int64
	UpdatedBy           string // e-mail of who last saved it
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// Label is the display name, else the name.
func (o Organization) Label() string {
	if o.DisplayName != "" {
		return o.DisplayName
	}
	return o.Name
}

func orgTarget(o Organization) Target {
	return Target{Type: "organization", ID: fmt.Sprint(o.ID), Label: o.Name}
}

// Bounds of an organization's fields.
const (
	OrgNameMax        = 50
	OrgDisplayNameMax = 255
	OrgLogoURLMax     = 2048
)

// OrgMetadataLimits bound an organization's metadata, as Auth0 does: at most
// 25 pairs, keys and values up to 255 characters.
var OrgMetadataLimits = PairLimits{MaxPairs: 25, MaxKey: 255, MaxValue: 255}

var (
	orgNameRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9_-]{0,48}[a-z0-9])?$`)
	colorRE   = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	// reservedOrgNames would collide with the console's own addresses.
	reservedOrgNames = map[string]bool{"new": true}
)

// ValidOrgName reports whether s can name an organization: 1 to 50
// lowercase letters, digits, "-" and "_", starting and ending with a letter
// or digit.
func ValidOrgName(s string) bool { return orgNameRE.MatchString(s) && !reservedOrgNames[s] }

func checkOrgName(f fieldErrors, name string) {
	switch {
	case name == "":
		f.add("name", "Name is required.")
	case len(name) > OrgNameMax:
		f.add("name", fmt.Sprintf("Name must be at most %d characters.", OrgNameMax))
	case reservedOrgNames[name]:
		f.add("name", fmt.Sprintf("%q is reserved: choose another name.", name))
	case !orgNameRE.MatchString(name):
		f.add("name", "Use lowercase letters, digits, \"-\" and \"_\", starting and ending with a letter or digit, like “acme-corp”.")
	}
}

func checkOrgDisplayName(f fieldErrors, v string) {
	switch {
	case v == "":
		f.add("display_name", "Display name is required.")
	case len([]rune(v)) > OrgDisplayNameMax:
		f.add("display_name", fmt.Sprintf("Display name must be at most %d characters.", OrgDisplayNameMax))
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		f.add("display_name", "Display name must be on one line.")
	}
}

func checkLogoURL(f fieldErrors, v string) {
	if v == "" {
		return
	}
	if len(v) > OrgLogoURLMax {
		f.add("logo_url", fmt.Sprintf("The logo URL must be at most %d characters.", OrgLogoURLMax))
		return
	}
	u, err := url.Parse(v)
	switch {
	case err != nil || strings.ContainsAny(v, " \t\r\n\"'<>\\") || u.Host == "" || u.User != nil:
		f.add("logo_url", "Enter a full URL, like https://example.com/logo.png.")
	case u.Scheme != "https":
		f.add("logo_url", "The logo URL must start with https://.")
	}
}

// normalizeColor lowercases a "#rrggbb" colour; a missing "#" is added.
func normalizeColor(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if v != "" && !strings.HasPrefix(v, "#") {
		v = "#" + v
	}
	return v
}

func checkColor(f fieldErrors, field, label, v string) {
	if v != "" && !colorRE.MatchString(v) {
		f.add(field, label+" must be a color like #1f6feb (# and six hexadecimal digits).")
	}
}

// OrgListQuery selects a page of the Organizations list.
type OrgListQuery struct {
	Search string // matched against the name and the display name, case-insensitively
	After  string // keyset cursor: the name of the last organization of the previous page
	Limit  int    // page size, 1..100 (default 25)
	// Only, when not nil, limits the list to these organizations (an
	// Organization Admin's own).
	Only []int64
}

// OrgListItem is one row of the list: an organization and its member
// count, which stops at OrgListMembersCap (MoreMembers says there are more).
type OrgListItem struct {
	Organization Organization
	Members      int64
	MoreMembers  bool
}

// OrgListMembersCap is where the list stops counting an organization's members.
const OrgListMembersCap = 1000

// OrgPage is one page of organizations, ordered by name.
type OrgPage struct {
	Items []OrgListItem
	Next  string // cursor of the next page, "" when this is the last
}

// ListOrganizations returns a page of the tenant's organizations ordered by
// name, in two queries whatever the tenant's size: the page (its ids come
// from the covering index on (tenant_id, name) with display_name alone, from the
// cursor on; only the page's rows are read) and the member counts of the
// organizations on it (capped at OrgListMembersCap).
func (s *Store) ListOrganizations(ctx context.Context, tenantID int64, q OrgListQuery) (OrgPage, error) {
	if q.Limit <= 0 || q.Limit > MaxPageSize {
		q.Limit = 25
	}
	db := s.DB.WithContext(ctx)
	ids := db.Model(&Organization{}).Select("id").Where("tenant_id = ?", tenantID)
	if search := strings.ToLower(strings.TrimSpace(q.Search)); search != "" {
		like := "%" + escapeLike(search) + "%"
		ids = ids.Where("(name LIKE ? ESCAPE '\\' OR LOWER(display_name) LIKE ? ESCAPE '\\')", like, like)
	}
	if q.After != "" {
		ids = ids.Where("name > ?", q.After)
	}
	if q.Only != nil {
		ids = ids.Where("id IN ?", append([]int64{0}, q.Only...))
	}
	ids = ids.Order("name").Limit(q.Limit + 1)
	rows := db.Where("id IN (?)", ids)
	if search := strings.TrimSpace(q.Search); usesTrigrams(db, search) {
		// PostgreSQL: the same matches in the same order, at the same cost
		// wherever they lie in the tenant (search.go).
		keys := trigramSearch(db, s.searchWindow(), "organizations", "name", false, "name, display_name",
			"name LIKE ? ESCAPE '\\' OR LOWER(display_name) LIKE ? ESCAPE '\\'", likeTerm(search, 2), likeTerm(indexTerm(search), 2),
			tenantID, q.After, q.Limit+1)
		rows = db.Where("tenant_id = ? AND name IN (?)", tenantID, keys)
	}
	var orgs []Organization
	if err := rows.Order("name").Find(&orgs).Error; err != nil {
		return OrgPage{}, err
	}
	var page OrgPage
	if len(orgs) > q.Limit {
		orgs = orgs[:q.Limit]
		page.Next = orgs[len(orgs)-1].Name
	}
	if len(orgs) == 0 {
		return page, nil
	}
	pageIDs := make([]int64, len(orgs))
	for i, o := range orgs {
		pageIDs[i] = o.ID
	}
	// Each count stops at OrgListMembersCap, so that a page costs the same
	// whatever the size of the organizations on it; the ORDER BY makes the
	// planner walk (organization_id, id) even when one organization holds
	// most of the memberships (a sequential scan per row otherwise).
	var counts []struct {
		ID int64
		N  int64
	}
	if err := db.Raw(`SELECT o.id AS id, (SELECT COUNT(*) FROM (SELECT 1 FROM organization_members m WHERE m.organization_id = o.id ORDER BY m.organization_id, m.id LIMIT `+strconv.Itoa(OrgListMembersCap+1)+`) AS capped) AS n
		FROM organizations o WHERE o.id IN ?`, pageIDs).Scan(&counts).Error; err != nil {
		return OrgPage{}, err
	}
	byOrg := map[int64]int64{}
	for _, c := range counts {
		byOrg[c.ID] = c.N
	}
	for _, o := range orgs {
		it := OrgListItem{Organization: o, Members: byOrg[o.ID]}
		if it.Members > OrgListMembersCap {
			it.Members, it.MoreMembers = OrgListMembersCap, true
		}
		page.Items = append(page.Items, it)
	}
	return page, nil
}

// OrganizationByName loads an organization of the tenant by its name.
func (s *Store) OrganizationByName(ctx context.Context, tenantID int64, name string) (Organization, error) {
	var o Organization
	if !orgNameRE.MatchString(name) {
		return o, ErrNotFound
	}
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND name = ?", tenantID, name).Take(&o).Error
	return o, notFound(err)
}

func orgIn(tx *gorm.DB, tenantID, id int64) (Organization, error) {
	var o Organization
	err := tx.Where("tenant_id = ? AND id = ?", tenantID, id).Take(&o).Error
	return o, notFound(err)
}

// CountOrganizations counts the tenant's organizations, stopping at limit
// (more is true when there are more); limit <= 0 counts them all.
func (s *Store) CountOrganizations(ctx context.Context, tenantID, limit int64) (n int64, more bool, err error) {
	db := s.DB.WithContext(ctx)
	if limit <= 0 {
		err = db.Model(&Organization{}).Where("tenant_id = ?", tenantID).Count(&n).Error
		return n, false, err
	}
	sub := db.Model(&Organization{}).Select("id").Where("tenant_id = ?", tenantID).Limit(int(limit) + 1)
	err = db.Table("(?) AS capped", sub).Count(&n).Error
	if n > limit {
		return limit, true, err
	}
	return n, false, err
}

// OrgCounts is what hangs on an organization: its members, its pending
// (unexpired, neither accepted nor revoked) invitations and its enabled
// connections.
type OrgCounts struct {
	Members            int64
	PendingInvitations int64
	Connections        int64
}

// OrganizationCounts counts an organization's members, pending invitations
// and enabled connections in one query.
func (s *Store) OrganizationCounts(ctx context.Context, orgID int64) (OrgCounts, error) {
	return orgCounts(s.DB.WithContext(ctx), orgID, s.now())
}

func orgCounts(tx *gorm.DB, orgID int64, now time.Time) (OrgCounts, error) {
	var c OrgCounts
	err := tx.Raw(`SELECT
		(SELECT COUNT(*) FROM organization_members WHERE organization_id = ?) AS members,
		(SELECT COUNT(*) FROM organization_invitations WHERE organization_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?) AS pending_invitations,
		(SELECT COUNT(*) FROM organization_connections WHERE organization_id = ?) AS connections`,
		orgID, orgID, now, orgID).Scan(&c).Error
	return c, err
}

// CreateOrgInput is the Create Organization form.
type CreateOrgInput struct {
	Name        string
	DisplayName string
}

// CreateOrganization creates an organization, in one transaction with its
// audit event. Its name is a lowercase slug unique in the tenant.
func (s *Store) CreateOrganization(ctx context.Context, tenantID int64, in CreateOrgInput, actor Actor) (Organization, error) {
	in.Name, in.DisplayName = strings.TrimSpace(in.Name), strings.TrimSpace(in.DisplayName)
	f := fieldErrors{}
	checkOrgName(f, in.Name)
	checkOrgDisplayName(f, in.DisplayName)
	if err := f.err(); err != nil {
		return Organization{}, err
	}
	now := s.now()
	o := Organization{TenantID: tenantID, Name: in.Name, DisplayName: in.DisplayName, Metadata: "{}", Version: 1,
		UpdatedBy: actor.Email, CreatedAt: now, UpdatedAt: now}
	taken := &ValidationError{Fields: map[string]string{"name": "An organization with this name already exists."}}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Organization{}).Where("tenant_id = ? AND name = ?", tenantID, o.Name).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return taken
		}
		if err := tx.Create(&o).Error; err != nil {
			if isUniqueViolation(err) {
				return taken
			}
			return err
		}
		return writeAudit(tx, now, tenantID, actor, "organization.created", orgTarget(o), Changes{
			"name": {After: o.Name}, "display_name": {After: o.DisplayName},
		})
	})
	if err != nil {
		return Organization{}, err
	}
	return o, nil
}

// OrgSettingsInput is the Overview form: display name, branding and
// metadata, with the version of the organization the form was opened on.
type OrgSettingsInput struct {
	Version             int64
	DisplayName         string
	LogoURL             string
	PrimaryColor        string
	PageBackgroundColor string
	Metadata            []KeyValue
}

// ConflictError is returned when a save is based on a version of the
// organization that is no longer the current one: someone else saved it in
// between. Current is the organization as it is now.
type ConflictError struct {
	Current Organization
}

func (e *ConflictError) Error() string {
	return "the organization was changed since it was opened"
}

// UpdateOrganization saves the Overview form. The save is refused with a
// ConflictError, and nothing is written, when in.Version is not the
// organization's current version (0, from a post without the form's
// version, saves over the current one); otherwise the version grows by one and
// the audit event lists every changed field before and after, all in one
// transaction.
func (s *Store) UpdateOrganization(ctx context.Context, tenantID, orgID int64, in OrgSettingsInput, actor Actor) (Organization, error) {
	in.DisplayName, in.LogoURL = strings.TrimSpace(in.DisplayName), strings.TrimSpace(in.LogoURL)
	in.PrimaryColor, in.PageBackgroundColor = normalizeColor(in.PrimaryColor), normalizeColor(in.PageBackgroundColor)
	f := fieldErrors{}
	checkOrgDisplayName(f, in.DisplayName)
	checkLogoURL(f, in.LogoURL)
	checkColor(f, "primary_color", "Primary color", in.PrimaryColor)
	checkColor(f, "page_background_color", "Page background color", in.PageBackgroundColor)
	meta, msg := CleanPairs("Metadata", in.Metadata, OrgMetadataLimits)
	if msg != "" {
		f.add("metadata", msg)
	}
	if err := f.err(); err != nil {
		return Organization{}, err
	}
	var o Organization
	err := s.tx(ctx, func(tx *gorm.DB) error {
		cur, err := orgIn(tx, tenantID, orgID)
		if err != nil {
			return err
		}
		if in.Version != 0 && cur.Version != in.Version {
			return &ConflictError{Current: cur}
		}
		after := cur
		after.DisplayName, after.LogoURL = in.DisplayName, in.LogoURL
		after.PrimaryColor, after.PageBackgroundColor = in.PrimaryColor, in.PageBackgroundColor
		after.Metadata = PairsJSON(meta)
		ch := Changes{}
		for _, d := range []struct {
			field         string
			before, after string
		}{
			{"display_name", cur.DisplayName, after.DisplayName},
			{"logo_url", cur.LogoURL, after.LogoURL},
			{"primary_color", cur.PrimaryColor, after.PrimaryColor},
			{"page_background_color", cur.PageBackgroundColor, after.PageBackgroundColor},
		} {
			if d.before != d.after {
				ch[d.field] = Change{Before: d.before, After: d.after}
			}
		}
		if before := pairsMap(cur.Metadata); PairsJSON(before) != after.Metadata {
			ch["metadata"] = Change{Before: before, After: meta}
		}
		if len(ch) == 0 {
			o = cur
			return nil
		}
		now := s.now()
		res := tx.Model(&Organization{}).Where("id = ? AND tenant_id = ? AND version = ?", cur.ID, tenantID, cur.Version).Updates(map[string]any{
			"display_name": after.DisplayName, "logo_url": after.LogoURL, "primary_color": after.PrimaryColor,
			"page_background_color": after.PageBackgroundColor, "metadata": after.Metadata,
			"version": gorm.Expr("version + 1"), "updated_by": actor.Email, "updated_at": now,
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 { // saved by someone else since it was read
			fresh, err := orgIn(tx, tenantID, orgID)
			if err != nil {
				return err
			}
			return &ConflictError{Current: fresh}
		}
		after.Version, after.UpdatedBy, after.UpdatedAt = cur.Version+1, actor.Email, now
		o = after
		return writeAudit(tx, now, tenantID, actor, "organization.updated", orgTarget(o), ch)
	})
	if err != nil {
		return Organization{}, err
	}
	return o, nil
}

func pairsMap(stored string) map[string]string {
	m := map[string]string{}
	for _, p := range ParsePairs(stored) {
		m[p.Key] = p.Value
	}
	return m
}

// DeleteOrganization deletes an organization with its members, their
// roles, its invitations (whose links stop working) and its enabled
// connections, in one transaction with its audit event. confirm must be the
// organization's name, and the viewer must have stepped up recently. It
// returns what went with it.
func (s *Store) DeleteOrganization(ctx context.Context, v Viewer, orgID int64, confirm string, actor Actor) (OrgCounts, error) {
	var counts OrgCounts
	tenantID := v.Tenant.ID
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, err := orgIn(tx, tenantID, orgID)
		if err != nil {
			return err
		}
		f := fieldErrors{}
		if strings.TrimSpace(confirm) != o.Name {
			f.add("confirm", "Type the organization's name, "+o.Name+", exactly.")
		}
		s.needStepUp(v, f)
		if err := f.err(); err != nil {
			return err
		}
		now := s.now()
		if counts, err = orgCounts(tx, o.ID, now); err != nil {
			return err
		}
		for _, m := range []any{&OrganizationMemberRole{}, &OrganizationMember{}, &OrganizationInvitation{}, &OrganizationConnection{}, &RoleBinding{}} {
			if err := tx.Where("organization_id = ?", o.ID).Delete(m).Error; err != nil {
				return err
			}
		}
		res := tx.Where("id = ? AND tenant_id = ?", o.ID, tenantID).Delete(&Organization{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound
		}
		return writeAudit(tx, now, tenantID, actor, "organization.deleted", orgTarget(o), Changes{
			"name": {Before: o.Name}, "display_name": {Before: o.DisplayName},
			"members": {Before: counts.Members}, "pending_invitations": {Before: counts.PendingInvitations},
			"connections": {Before: counts.Connections},
		})
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		err = ErrNotFound
	}
	return counts, err
}
