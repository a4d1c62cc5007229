package models

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"gatehouse/models/authz"

	"gorm.io/gorm"
)

// OrganizationMember makes a user of the tenant's identity pool a member of
// an organization.
type OrganizationMember struct {
	ID             int64 `gorm:"primaryKey"`
	TenantID       int64
	OrganizationID int64
	UserID         int64
	CreatedAt      time.Time
}

// OrganizationMemberRole gives a member an end-user role in the organization.
type OrganizationMemberRole struct {
	ID             int64 `gorm:"primaryKey"`
	TenantID       int64
	OrganizationID int64
	MemberID       int64
	RoleID         int64
	CreatedAt      time.Time
}

// OrgMember is a member as the console shows them: the user, when they
// joined and their roles in the organization (by name).
type OrgMember struct {
	MemberID int64
	AddedAt  time.Time
	User     User
	Roles    []EndUserRole
}

// OrgMemberPage is one page of members, the most recently added first.
type OrgMemberPage struct {
	Items []OrgMember
	Next  int64 // cursor: the membership id to continue before; 0 when this is the last page
}

// ListOrganizationMembers returns a page of an organization's members, the
// most recently added first, in two queries whatever the organization's
// size: the page (the (organization_id, id) index walked backwards from the
// cursor, joined to the users) and the roles of the members on it.
func (s *Store) ListOrganizationMembers(ctx context.Context, orgID, after int64, limit int) (OrgMemberPage, error) {
	return s.SearchOrganizationMembers(ctx, orgID, "", after, limit)
}

// SearchOrganizationMembers is ListOrganizationMembers keeping the members
// whose e-mail, username or name contains q (case-insensitively; "" keeps
// everyone).
func (s *Store) SearchOrganizationMembers(ctx context.Context, orgID int64, search string, after int64, limit int) (OrgMemberPage, error) {
	if limit <= 0 || limit > MaxPageSize {
		limit = 50
	}
	db := s.DB.WithContext(ctx)
	type row struct {
		MemberID int64
		AddedAt  time.Time
		User     `gorm:"embedded"`
	}
	q := db.Table("organization_members AS m").
		Select("m.id AS member_id, m.created_at AS added_at, u.*").
		Joins("JOIN users u ON u.id = m.user_id").
		Where("m.organization_id = ?", orgID)
	if search = strings.ToLower(strings.TrimSpace(search)); search != "" {
		like := "%" + escapeLike(search) + "%"
		q = q.Where("(LOWER(u.email) LIKE ? ESCAPE '\\' OR LOWER(u.username) LIKE ? ESCAPE '\\' OR LOWER(u.given_name || ' ' || u.family_name) LIKE ? ESCAPE '\\')", like, like, like)
	}
	if after > 0 {
		q = q.Where("m.id < ?", after)
	}
	var rows []row
	if err := q.Order("m.id DESC").Limit(limit + 1).Scan(&rows).Error; err != nil {
		return OrgMemberPage{}, err
	}
	var page OrgMemberPage
	if len(rows) > limit {
		rows = rows[:limit]
		page.Next = rows[len(rows)-1].MemberID
	}
	if len(rows) == 0 {
		return page, nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.MemberID
	}
	roles, err := memberRoles(db, ids)
	if err != nil {
		return OrgMemberPage{}, err
	}
	for _, r := range rows {
		page.Items = append(page.Items, OrgMember{MemberID: r.MemberID, AddedAt: r.AddedAt, User: r.User, Roles: roles[r.MemberID]})
	}
	return page, nil
}

// memberRoles loads the end-user roles of the given memberships, by name.
func memberRoles(db *gorm.DB, memberIDs []int64) (map[int64][]EndUserRole, error) {
	var rows []struct {
		MemberID    int64
		EndUserRole `gorm:"embedded"`
	}
	if err := db.Table("organization_member_roles AS mr").
		Select("mr.member_id AS member_id, r.*").
		Joins("JOIN end_user_roles r ON r.id = mr.role_id").
		Where("mr.member_id IN ?", memberIDs).
		Order("LOWER(r.name)").Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := map[int64][]EndUserRole{}
	for _, r := range rows {
		out[r.MemberID] = append(out[r.MemberID], r.EndUserRole)
	}
	return out, nil
}

// OrganizationMemberOf loads one member of an organization (by their user
// id) with their roles; ErrNotFound when the user is not a member.
func (s *Store) OrganizationMemberOf(ctx context.Context, tenantID, orgID, userID int64) (OrgMember, error) {
	db := s.DB.WithContext(ctx)
	m, u, err := membershipOf(db, tenantID, orgID, userID)
	if err != nil {
		return OrgMember{}, err
	}
	roles, err := memberRoles(db, []int64{m.ID})
	if err != nil {
		return OrgMember{}, err
	}
	return OrgMember{MemberID: m.ID, AddedAt: m.CreatedAt, User: u, Roles: roles[m.ID]}, nil
}

func membershipOf(tx *gorm.DB, tenantID, orgID, userID int64) (OrganizationMember, User, error) {
	var m OrganizationMember
	if err := tx.Where("tenant_id = ? AND organization_id = ? AND user_id = ?", tenantID, orgID, userID).Take(&m).Error; err != nil {
		return m, User{}, notFound(err)
	}
	u, err := userIn(tx, tenantID, userID)
	return m, u, err
}

// AddOrganizationMember makes the tenant's user with this e-mail a member
// of the organization, in one transaction with its audit event.
func (s *Store) AddOrganizationMember(ctx context.Context, tenantID, orgID int64, email string, actor Actor) (User, error) {
	email, msg := CheckEmail(email)
	if msg != "" {
		return User{}, &ValidationError{Fields: map[string]string{"email": msg}}
	}
	var u User
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, err := orgIn(tx, tenantID, orgID)
		if err != nil {
			return err
		}
		if err := tx.Where("tenant_id = ? AND email = ? AND email <> ''", tenantID, email).Take(&u).Error; err != nil {
			if notFound(err) == ErrNotFound {
				return &ValidationError{Fields: map[string]string{"email": "No user of this tenant has this e-mail address. Create the user first, or send an invitation from the Invitations tab."}}
			}
			return err
		}
		already := &ValidationError{Fields: map[string]string{"email": u.Identifier() + " is already a member of " + o.Label() + "."}}
		var n int64
		if err := tx.Model(&OrganizationMember{}).Where("organization_id = ? AND user_id = ?", o.ID, u.ID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return already
		}
		now := s.now()
		if err := tx.Create(&OrganizationMember{TenantID: tenantID, OrganizationID: o.ID, UserID: u.ID, CreatedAt: now}).Error; err != nil {
			if isUniqueViolation(err) {
				return already
			}
			return err
		}
		return writeAudit(tx, now, tenantID, actor, "organization.member_added", orgTarget(o), Changes{"member": {After: u.Identifier()}})
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// RemoveOrganizationMember takes a user out of the organization with their
// roles in it, in one transaction with its audit event. The user stays in
// the identity pool.
func (s *Store) RemoveOrganizationMember(ctx context.Context, tenantID, orgID, userID int64, actor Actor) (User, error) {
	var u User
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, err := orgIn(tx, tenantID, orgID)
		if err != nil {
			return err
		}
		var m OrganizationMember
		if m, u, err = membershipOf(tx, tenantID, o.ID, userID); err != nil {
			return err
		}
		if err := tx.Where("member_id = ?", m.ID).Delete(&OrganizationMemberRole{}).Error; err != nil {
			return err
		}
		res := tx.Where("id = ?", m.ID).Delete(&OrganizationMember{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound
		}
		return writeAudit(tx, s.now(), tenantID, actor, "organization.member_removed", orgTarget(o), Changes{"member": {Before: u.Identifier()}})
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// errNoSuchRole: the role id names no end-user role of the tenant.
var errNoSuchRole = errors.New("no such role")

// memberAndRole loads, in tx, the organization, the user's membership of
// it and the tenant's end-user role: ErrNotFound for an unknown
// organization or a non-member, errNoSuchRole for an unknown role.
func memberAndRole(tx *gorm.DB, tenantID, orgID, userID, roleID int64) (Organization, OrganizationMember, User, EndUserRole, error) {
	o, err := orgIn(tx, tenantID, orgID)
	if err != nil {
		return o, OrganizationMember{}, User{}, EndUserRole{}, err
	}
	m, u, err := membershipOf(tx, tenantID, o.ID, userID)
	if err != nil {
		return o, m, u, EndUserRole{}, err
	}
	r, err := endUserRoleIn(tx, tenantID, roleID)
	if err == ErrNotFound {
		err = errNoSuchRole
	}
	return o, m, u, r, err
}

// AssignMemberRole gives a member one of the tenant's end-user roles in the
// organization, in one transaction with its audit event.
func (s *Store) AssignMemberRole(ctx context.Context, tenantID, orgID, userID, roleID int64, actor Actor) (EndUserRole, error) {
	var r EndUserRole
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, m, u, role, err := memberAndRole(tx, tenantID, orgID, userID, roleID)
		if err == errNoSuchRole {
			return &ValidationError{Fields: map[string]string{"role": "Choose a role."}}
		}
		if err != nil {
			return err
		}
		r = role
		held := &ValidationError{Fields: map[string]string{"role": u.Identifier() + " already has the role " + r.Name + " in " + o.Label() + "."}}
		var n int64
		if err := tx.Model(&OrganizationMemberRole{}).Where("member_id = ? AND role_id = ?", m.ID, r.ID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return held
		}
		now := s.now()
		if err := tx.Create(&OrganizationMemberRole{TenantID: tenantID, OrganizationID: o.ID, MemberID: m.ID, RoleID: r.ID, CreatedAt: now}).Error; err != nil {
			if isUniqueViolation(err) {
				return held
			}
			return err
		}
		return writeAudit(tx, now, tenantID, actor, "organization.member_role_assigned", orgTarget(o), Changes{
			"member": {Before: u.Identifier(), After: u.Identifier()}, "role": {After: r.Name}})
	})
	if err != nil {
		return EndUserRole{}, err
	}
	return r, nil
}

// RemoveMemberRole takes an end-user role in the organization away from a
// member, in one transaction with its audit event.
func (s *Store) RemoveMemberRole(ctx context.Context, tenantID, orgID, userID, roleID int64, actor Actor) (EndUserRole, error) {
	var r EndUserRole
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, m, u, role, err := memberAndRole(tx, tenantID, orgID, userID, roleID)
		if err == errNoSuchRole {
			err = ErrNotFound
		}
		if err != nil {
			return err
		}
		r = role
		res := tx.Where("member_id = ? AND role_id = ?", m.ID, r.ID).Delete(&OrganizationMemberRole{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return writeAudit(tx, s.now(), tenantID, actor, "organization.member_role_removed", orgTarget(o), Changes{
			"member": {Before: u.Identifier(), After: u.Identifier()}, "role": {Before: r.Name}})
	})
	if err != nil {
		return EndUserRole{}, err
	}
	return r, nil
}

// OrgCandidate is a user the Members picker offers.
type OrgCandidate struct {
	Email  string `json:"email"`
	Name   string `json:"name"`
	Member bool   `json:"member"` // already a member of the organization
	Status string `json:"status"` // "member" for members, else the user's status (what the picker shows as a badge)
}

// OrgCandidatesMax is how many users the Members picker offers at most.
const OrgCandidatesMax = 10

// OrganizationCandidates finds, for the Members picker, at most
// OrgCandidatesMax users of the tenant with an e-mail whose e-mail, given
// name or family name starts with q (or whose full name does), by e-mail,
// each marked when already a member; the newest users when q is empty.
// Two queries whatever the pool's size: the matches (three ranges of
// indexes, each stopping after OrgCandidatesMax rows) and the memberships
// among them.
func (s *Store) OrganizationCandidates(ctx context.Context, tenantID, orgID int64, q string) ([]OrgCandidate, error) {
	out := []OrgCandidate{}
	q = strings.ToLower(strings.Join(strings.Fields(q), " "))
	if len(q) > 320 {
		return out, nil
	}
	db := s.DB.WithContext(ctx)
	const cols = "id, email, username, given_name, family_name, status"
	var users []User
	if q == "" {
		if err := db.Select(cols).Where("tenant_id = ? AND email <> ''", tenantID).Order("id DESC").Limit(OrgCandidatesMax).Find(&users).Error; err != nil {
			return nil, err
		}
	} else {
		// Each branch walks an index range: (tenant_id, email), and
		// (tenant_id, LOWER(given_name)) or (tenant_id, LOWER(family_name))
		// from the first word on. "\U0010FFFF" sorts after every character.
		first, _, _ := strings.Cut(q, " ")
		end := "\U0010FFFF"
		full := escapeLike(q) + "%"
		err := db.Raw(`SELECT * FROM (SELECT `+cols+` FROM users WHERE tenant_id = ? AND email <> '' AND email >= ? AND email < ? ORDER BY email LIMIT ?) AS by_email
			UNION SELECT * FROM (SELECT `+cols+` FROM users WHERE tenant_id = ? AND LOWER(given_name) >= ? AND LOWER(given_name) < ? AND email <> ''
				AND LOWER(given_name || ' ' || family_name) LIKE ? ESCAPE '\' ORDER BY LOWER(given_name) LIMIT ?) AS by_given
			UNION SELECT * FROM (SELECT `+cols+` FROM users WHERE tenant_id = ? AND LOWER(family_name) >= ? AND LOWER(family_name) < ? AND email <> ''
				AND LOWER(family_name) LIKE ? ESCAPE '\' ORDER BY LOWER(family_name) LIMIT ?) AS by_family`,
			tenantID, q, q+end, OrgCandidatesMax,
			tenantID, first, first+end, full, OrgCandidatesMax,
			tenantID, q, q+end, full, OrgCandidatesMax).Scan(&users).Error
		if err != nil {
			return nil, err
		}
		sort.Slice(users, func(i, j int) bool { return users[i].Email < users[j].Email })
		if len(users) > OrgCandidatesMax {
			users = users[:OrgCandidatesMax]
		}
	}
	if len(users) == 0 {
		return out, nil
	}
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	var members []int64
	if err := db.Model(&OrganizationMember{}).Where("organization_id = ? AND user_id IN ?", orgID, ids).Pluck("user_id", &members).Error; err != nil {
		return nil, err
	}
	isMember := map[int64]bool{}
	for _, id := range members {
		isMember[id] = true
	}
	for _, u := range users {
		c := OrgCandidate{Email: u.Email, Name: u.DisplayName(), Member: isMember[u.ID], Status: string(u.Status)}
		if c.Member {
			c.Status = "member"
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return !out[i].Member && out[j].Member })
	return out, nil
}

// Bulk actions on an organization's members (the Members tab's checkboxes).
const (
	BulkRemove     = "remove"      // remove the members
	BulkAssignRole = "assign_role" // give each of them a role (those who hold it keep it)
	BulkMax        = 100           // the most members one bulk action takes
)

// BulkMembers removes the members userIDs of organization orgID, or gives
// each of them the end-user role roleID, all in one transaction with one
// audit event per member changed: nothing changes unless every one may be
// (the viewer's Manage Organization Members is checked for each, and each
// must be a member: ErrNotFound otherwise). It returns how many changed.
func (s *Store) BulkMembers(ctx context.Context, v Viewer, orgID int64, op string, userIDs []int64, roleID int64, actor Actor) (int, error) {
	f := fieldErrors{}
	if op != BulkRemove && op != BulkAssignRole {
		f.add("op", "Choose what to do with the members.")
	}
	if len(userIDs) == 0 {
		f.add("members", "Tick at least one member.")
	} else if len(userIDs) > BulkMax {
		f.add("members", "Tick at most 100 members at once.")
	}
	if op == BulkAssignRole && roleID <= 0 {
		f.add("role", "Choose a role.")
	}
	if err := f.err(); err != nil {
		return 0, err
	}
	changed := 0
	err := s.tx(ctx, func(tx *gorm.DB) error {
		changed = 0
		now := s.now()
		o, err := orgIn(tx, v.Tenant.ID, orgID)
		if err != nil {
			return err
		}
		var role EndUserRole
		if op == BulkAssignRole {
			if err := tx.Where("tenant_id = ? AND id = ?", v.Tenant.ID, roleID).Take(&role).Error; err != nil {
				if errors.Is(err, gorm.ErrRecordNotFound) {
					return &ValidationError{Fields: map[string]string{"role": "Choose a role."}}
				}
				return err
			}
		}
		seen := map[int64]bool{}
		for _, id := range userIDs {
			if seen[id] {
				continue
			}
			seen[id] = true
			if !v.Perms.CanInOrganization(authz.ManageOrganizationMembers, o.ID) {
				return ErrForbidden
			}
			m, u, err := membershipOf(tx, v.Tenant.ID, o.ID, id)
			if err != nil {
				return err
			}
			switch op {
			case BulkRemove:
				if err := tx.Where("member_id = ?", m.ID).Delete(&OrganizationMemberRole{}).Error; err != nil {
					return err
				}
				if err := tx.Where("id = ?", m.ID).Delete(&OrganizationMember{}).Error; err != nil {
					return err
				}
				if err := writeAudit(tx, now, v.Tenant.ID, actor, "organization.member_removed", orgTarget(o), Changes{"member": {Before: u.Identifier()}}); err != nil {
					return err
				}
			case BulkAssignRole:
				var n int64
				if err := tx.Model(&OrganizationMemberRole{}).Where("member_id = ? AND role_id = ?", m.ID, role.ID).Count(&n).Error; err != nil {
					return err
				}
				if n > 0 {
					continue
				}
				if err := tx.Create(&OrganizationMemberRole{TenantID: v.Tenant.ID, OrganizationID: o.ID, MemberID: m.ID, RoleID: role.ID, CreatedAt: now}).Error; err != nil {
					return err
				}
				if err := writeAudit(tx, now, v.Tenant.ID, actor, "organization.member_role_assigned", orgTarget(o), Changes{
					"member": {Before: u.Identifier(), After: u.Identifier()}, "role": {After: role.Name}}); err != nil {
					return err
				}
			}
			changed++
		}
		return nil
	})
	return changed, err
}
