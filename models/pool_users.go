package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Identifier types (how a pool user signs in) and address types (where
// one-time codes and messages go).
const (
	IdentifierEmail    = "email"
	IdentifierUsername = "username"
	IdentifierPhone    = "phone"
	AddressEmail       = "email"
	AddressMobile      = "mobile"
)

// PoolIdentifier is one identifier of a pool user, unique within the pool.
// UserID is an administrators row in the Administrators pool, a users row
// in every other pool.
type PoolIdentifier struct {
	ID        int64  `gorm:"primaryKey"`
	TenantID  int64  `gorm:"not null"`
	PoolID    int64  `gorm:"not null"`
	UserID    int64  `gorm:"not null"`
	Type      string `gorm:"size:20;not null"`
	Value     string `gorm:"size:320;not null"`
	CreatedAt time.Time
}

// PoolAddress is one address of a pool user, verified or not.
type PoolAddress struct {
	ID         int64  `gorm:"primaryKey"`
	TenantID   int64  `gorm:"not null"`
	PoolID     int64  `gorm:"not null"`
	UserID     int64  `gorm:"not null"`
	Type       string `gorm:"size:20;not null"`
	Value      string `gorm:"size:320;not null"`
	VerifiedAt *time.Time
	CreatedAt  time.Time
}

// Verified reports whether the address has been verified.
func (a PoolAddress) Verified() bool { return a.VerifiedAt != nil }

// AfterCreate gives every new administrator their sign-in e-mail as an
// `email` identifier and an (unverified) `email` address, whoever creates
// them, in the same transaction (the caller's: GORM's own transaction
// around a single write is off, see Open, so create them in Store.tx).
func (a *Administrator) AfterCreate(tx *gorm.DB) error {
	return addIdentities(tx, a.TenantID, a.PoolID, a.ID, a.CreatedAt,
		[][2]string{{IdentifierEmail, a.Email}}, []PoolAddress{{Type: AddressEmail, Value: a.Email}})
}

// AfterCreate gives every new end user their e-mail, username and phone as
// identifiers and their e-mail and phone as addresses.
func (u *User) AfterCreate(tx *gorm.DB) error {
	return addIdentities(tx, u.TenantID, u.PoolID, u.ID, u.CreatedAt, userIdentifiers(*u), userAddresses(*u, u.CreatedAt))
}

func userIdentifiers(u User) [][2]string {
	return [][2]string{{IdentifierEmail, u.Email}, {IdentifierUsername, u.Username}, {IdentifierPhone, u.Phone}}
}

func userAddresses(u User, now time.Time) []PoolAddress {
	verified := func(ok bool) *time.Time {
		if ok {
			return &now
		}
		return nil
	}
	return []PoolAddress{{Type: AddressEmail, Value: u.Email, VerifiedAt: verified(u.EmailVerified)},
		{Type: AddressMobile, Value: u.Phone, VerifiedAt: verified(u.PhoneVerified)}}
}

// addIdentities stores identifiers and addresses of a new pool user
// (empty values skipped). A phone number another user of the pool already
// has stays an address only: phones were never unique.
func addIdentities(tx *gorm.DB, tenantID, poolID, userID int64, now time.Time, ids [][2]string, addrs []PoolAddress) error {
	if now.IsZero() {
		now = time.Now().UTC()
	}
	for _, id := range ids {
		if id[1] == "" {
			continue
		}
		q := tx
		if id[0] == IdentifierPhone {
			q = q.Clauses(clause.OnConflict{DoNothing: true})
		}
		if err := q.Create(&PoolIdentifier{TenantID: tenantID, PoolID: poolID, UserID: userID, Type: id[0], Value: id[1], CreatedAt: now}).Error; err != nil {
			return err
		}
	}
	for _, a := range addrs {
		if a.Value == "" {
			continue
		}
		a.TenantID, a.PoolID, a.UserID, a.CreatedAt = tenantID, poolID, userID, now
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&a).Error; err != nil {
			return err
		}
	}
	return nil
}

// syncUserIdentities keeps an end user's identifiers and addresses in step
// with a change of their e-mail, username or phone made on the Users page.
func syncUserIdentities(tx *gorm.DB, f fieldErrors, before, after User, now time.Time) error {
	fields := map[string]string{IdentifierEmail: "email", IdentifierUsername: "username", IdentifierPhone: "phone"}
	b, a := userIdentifiers(before), userIdentifiers(after)
	for i := range b {
		typ, old, cur := b[i][0], b[i][1], a[i][1]
		if old == cur {
			continue
		}
		if old != "" {
			if err := tx.Where("pool_id = ? AND user_id = ? AND type = ? AND value = ?", before.PoolID, before.ID, typ, old).
				Delete(&PoolIdentifier{}).Error; err != nil {
				return err
			}
		}
		if cur == "" {
			continue
		}
		var taken int64
		if err := tx.Model(&PoolIdentifier{}).Where("pool_id = ? AND type = ? AND value = ? AND user_id <> ?", after.PoolID, typ, cur, after.ID).
			Count(&taken).Error; err != nil {
			return err
		}
		if taken > 0 {
			if typ == IdentifierPhone {
				continue // phones were never unique: it stays an address only
			}
			f.add(fields[typ], "Another user of this pool already has this "+typ+".")
			continue
		}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&PoolIdentifier{TenantID: after.TenantID, PoolID: after.PoolID,
			UserID: after.ID, Type: typ, Value: cur, CreatedAt: now}).Error; err != nil {
			return err
		}
	}
	ba, aa := userAddresses(before, now), userAddresses(after, now)
	for i := range ba {
		old, cur := ba[i], aa[i]
		if old.Value == cur.Value && old.Verified() == cur.Verified() {
			continue
		}
		if old.Value != cur.Value && old.Value != "" {
			if err := deleteAddresses(tx, tx.Model(&PoolAddress{}).Select("id").
				Where("pool_id = ? AND user_id = ? AND type = ? AND value = ?", before.PoolID, before.ID, old.Type, old.Value)); err != nil {
				return err
			}
		}
		if cur.Value == "" {
			continue
		}
		if err := addIdentities(tx, after.TenantID, after.PoolID, after.ID, now, nil, []PoolAddress{cur}); err != nil {
			return err
		}
		if err := tx.Model(&PoolAddress{}).Where("pool_id = ? AND user_id = ? AND type = ? AND value = ?", after.PoolID, after.ID, cur.Type, cur.Value).
			Update("verified_at", cur.VerifiedAt).Error; err != nil {
			return err
		}
	}
	return f.err()
}

// deleteAddresses deletes the addresses whose ids the subquery selects,
// with their pending verifications.
func deleteAddresses(tx *gorm.DB, ids *gorm.DB) error {
	var list []int64
	if err := ids.Pluck("id", &list).Error; err != nil {
		return err
	}
	if len(list) == 0 {
		return nil
	}
	if err := tx.Where("address_id IN ?", list).Delete(&AddressVerification{}).Error; err != nil {
		return err
	}
	return tx.Where("id IN ?", list).Delete(&PoolAddress{}).Error
}

// deleteIdentities removes everything a pool user leaves behind.
func deleteIdentities(tx *gorm.DB, poolID, userID int64) error {
	if err := deleteAddresses(tx, tx.Model(&PoolAddress{}).Select("id").Where("pool_id = ? AND user_id = ?", poolID, userID)); err != nil {
		return err
	}
	return tx.Where("pool_id = ? AND user_id = ?", poolID, userID).Delete(&PoolIdentifier{}).Error
}

// PoolUser is a user of an identity pool as the pool pages show it: an
// administrator in the Administrators pool (status invited reads `new`),
// an end user in the others.
type PoolUser struct {
	Pool         IdentityPool
	ID           int64
	Email        string // the sign-in e-mail of an administrator; the e-mail of an end user
	Username     string
	GivenName    string
	FamilyName   string
	Status       UserStatus
	Attributes   string // JSON object of strings
	Metadata     string
	LastSignInAt *time.Time
	CreatedAt    time.Time
	Admin        *Administrator
	User         *User
}

// DisplayName is the user's full name, else their e-mail or username.
func (u PoolUser) DisplayName() string {
	if n := strings.TrimSpace(u.GivenName + " " + u.FamilyName); n != "" {
		return n
	}
	if u.Email != "" {
		return u.Email
	}
	return u.Username
}

// AdminPoolStatus is an administrator's status as the pool names it.
func AdminPoolStatus(s AdminStatus) UserStatus {
	switch s {
	case AdminInvited:
		return UserNew
	case AdminInactive:
		return UserInactive
	}
	return UserActive
}

func poolUserOfAdmin(p IdentityPool, a Administrator) PoolUser {
	return PoolUser{Pool: p, ID: a.ID, Email: a.Email, GivenName: a.GivenName, FamilyName: a.FamilyName,
		Status: AdminPoolStatus(a.Status), Attributes: a.Attributes, Metadata: a.Metadata, LastSignInAt: a.LastSignInAt,
		CreatedAt: a.CreatedAt, Admin: &a}
}

func poolUserOfUser(p IdentityPool, u User) PoolUser {
	return PoolUser{Pool: p, ID: u.ID, Email: u.Email, Username: u.Username, GivenName: u.GivenName, FamilyName: u.FamilyName,
		Status: u.Status, Attributes: u.Attributes, Metadata: u.Metadata, LastSignInAt: u.LastLoginAt, CreatedAt: u.CreatedAt, User: &u}
}

func poolUserTarget(u PoolUser) Target {
	if u.Admin != nil {
		return adminTarget(*u.Admin)
	}
	return userTarget(*u.User)
}

// poolUserIn loads a user of pool p (ErrNotFound outside it).
func poolUserIn(tx *gorm.DB, p IdentityPool, id int64) (PoolUser, error) {
	if p.Admins() {
		var a Administrator
		if err := tx.Where("tenant_id = ? AND pool_id = ? AND id = ?", p.TenantID, p.ID, id).Take(&a).Error; err != nil {
			return PoolUser{}, notFound(err)
		}
		return poolUserOfAdmin(p, a), nil
	}
	var u User
	if err := tx.Where("tenant_id = ? AND pool_id = ? AND id = ?", p.TenantID, p.ID, id).Take(&u).Error; err != nil {
		return PoolUser{}, notFound(err)
	}
	return poolUserOfUser(p, u), nil
}

// PoolUserByID loads a user of pool p.
func (s *Store) PoolUserByID(ctx context.Context, p IdentityPool, id int64) (PoolUser, error) {
	return poolUserIn(s.DB.WithContext(ctx), p, id)
}

// PoolUserListQuery selects a page of a pool's Users tab.
type PoolUserListQuery struct {
	Search string
	After  string // the cursor of the previous page's Next
	Limit  int
}

// PoolUserPage is one page of a pool's users: administrators by e-mail,
// end users newest first.
type PoolUserPage struct {
	Items   []PoolUser
	Next    string
	Partial bool // an end-user search stopped at UserSearchWindow users
}

// ListPoolUsers returns a page of pool p's users by keyset, through the
// Administrators or Users list queries (a bounded number of queries).
func (s *Store) ListPoolUsers(ctx context.Context, p IdentityPool, q PoolUserListQuery) (PoolUserPage, error) {
	var page PoolUserPage
	if p.Admins() {
		ap, err := s.ListAdministrators(ctx, p.TenantID, AdminListQuery{Search: q.Search, After: q.After, Limit: q.Limit})
		if err != nil {
			return page, err
		}
		for _, it := range ap.Items {
			page.Items = append(page.Items, poolUserOfAdmin(p, it.Administrator))
		}
		page.Next = ap.Next
		return page, nil
	}
	var after int64
	if _, err := fmt.Sscan(q.After, &after); err != nil || after < 0 {
		after = 0
	}
	up, err := s.ListUsers(ctx, p.TenantID, UserListQuery{Search: q.Search, After: after, Limit: q.Limit, PoolID: p.ID})
	if err != nil {
		return page, err
	}
	for _, u := range up.Items {
		page.Items = append(page.Items, poolUserOfUser(p, u))
	}
	if up.Next > 0 {
		page.Next = fmt.Sprint(up.Next)
	}
	page.Partial = up.Partial
	return page, nil
}

// PoolUserDetail is everything a pool user's page shows.
type PoolUserDetail struct {
	PoolUser
	Identifiers []PoolIdentifier
	Addresses   []PoolAddress
	UserSchema  []PoolAttribute
	MetaSchema  []PoolAttribute
}

// PoolUserDetail loads a user of pool p with their identifiers, addresses
// and the pool's schemas.
func (s *Store) PoolUserDetail(ctx context.Context, p IdentityPool, id int64) (PoolUserDetail, error) {
	db := s.DB.WithContext(ctx)
	var d PoolUserDetail
	u, err := poolUserIn(db, p, id)
	if err != nil {
		return d, err
	}
	d.PoolUser = u
	if err := db.Where("pool_id = ? AND user_id = ?", p.ID, u.ID).Order("id").Limit(100).Find(&d.Identifiers).Error; err != nil {
		return d, err
	}
	if err := db.Where("pool_id = ? AND user_id = ?", p.ID, u.ID).Order("id").Limit(100).Find(&d.Addresses).Error; err != nil {
		return d, err
	}
	attrs, err := poolAttributes(db, p, "")
	if err != nil {
		return d, err
	}
	for _, a := range attrs {
		if a.Schema == SchemaUser {
			d.UserSchema = append(d.UserSchema, a)
		} else {
			d.MetaSchema = append(d.MetaSchema, a)
		}
	}
	return d, nil
}

// CreatePoolUserInput is the Users tab's Create form.
type CreatePoolUserInput struct {
	Email      string
	GivenName  string
	FamilyName string
}

// CreatePoolUser adds a user to pool p. In the Administrators pool it
// invites an administrator by e-mail with no role (roles are assigned on
// their Roles page); elsewhere it creates an end user of the pool.
func (s *Store) CreatePoolUser(ctx context.Context, v Viewer, p IdentityPool, in CreatePoolUserInput, actor Actor) (PoolUser, error) {
	if p.Admins() {
		a, err := s.createAdministrator(ctx, v, CreateAdminInput{Email: in.Email, GivenName: in.GivenName, FamilyName: in.FamilyName}, newAdmin{}, actor)
		if err != nil {
			return PoolUser{}, err
		}
		return poolUserOfAdmin(p, a), nil
	}
	if _, msg := CheckEmail(in.Email); msg != "" {
		return PoolUser{}, &ValidationError{Fields: map[string]string{"email": msg}}
	}
	u, err := s.CreateUser(ctx, p.TenantID, CreateUserInput{PoolID: p.ID, Email: in.Email, GivenName: in.GivenName, FamilyName: in.FamilyName}, actor)
	if err != nil {
		return PoolUser{}, err
	}
	return poolUserOfUser(p, u), nil
}

// checkIdentifier validates an identifier as typed and returns it normalised.
func checkIdentifier(typ, raw string) (string, string) {
	switch typ {
	case IdentifierEmail:
		return CheckEmail(raw)
	case IdentifierUsername:
		u := NormalizeUsername(raw)
		switch {
		case u == "":
			return "", "Enter a username."
		case len(u) > 128:
			return u, "Username must be at most 128 characters."
		case !usernameRE.MatchString(u):
			return u, "Use letters, digits, \"_\", \".\", \"+\" and \"-\", starting with a letter or digit."
		}
		return u, ""
	case IdentifierPhone:
		p := NormalizePhone(raw)
		if !phoneRE.MatchString(p) {
			return p, "Enter the number in international format, like +14155550123."
		}
		return p, ""
	}
	return raw, ""
}

// AddIdentifier adds an identifier to a user of pool p, unique within the
// pool, in one transaction with its audit event. An end user's first
// e-mail, username or phone also becomes the one the Users page shows.
func (s *Store) AddIdentifier(ctx context.Context, p IdentityPool, userID int64, typ, raw string, actor Actor) error {
	f := fieldErrors{}
	if typ != IdentifierEmail && typ != IdentifierUsername && typ != IdentifierPhone {
		f.add("identifier_type", "Choose email, username or phone.")
	}
	value, msg := checkIdentifier(typ, raw)
	if msg != "" {
		f.add("identifier", msg)
	}
	if err := f.err(); err != nil {
		return err
	}
	now := s.now()
	return s.tx(ctx, func(tx *gorm.DB) error {
		u, err := poolUserIn(tx, p, userID)
		if err != nil {
			return err
		}
		if err := tx.Create(&PoolIdentifier{TenantID: p.TenantID, PoolID: p.ID, UserID: u.ID, Type: typ, Value: value, CreatedAt: now}).Error; err != nil {
			if isUniqueViolation(err) {
				return &ValidationError{Fields: map[string]string{"identifier": "This identifier is already used in this pool."}}
			}
			return err
		}
		if err := refreshPrimary(tx, p, u, now); err != nil {
			return err
		}
		return writeAudit(tx, now, p.TenantID, actor, "pool_user.identifier_added", poolUserTarget(u), Changes{
			"identifier_type": {After: typ}, "identifier": {After: value}})
	})
}

// RemoveIdentifier removes one identifier of a user of pool p; never the
// last one, and an administrator's sign-in e-mail only when another e-mail
// identifier takes its place.
func (s *Store) RemoveIdentifier(ctx context.Context, p IdentityPool, userID, identifierID int64, actor Actor) error {
	now := s.now()
	return s.tx(ctx, func(tx *gorm.DB) error {
		u, err := poolUserIn(tx, p, userID)
		if err != nil {
			return err
		}
		var id PoolIdentifier
		if err := tx.Where("id = ? AND pool_id = ? AND user_id = ?", identifierID, p.ID, u.ID).Take(&id).Error; err != nil {
			return notFound(err)
		}
		var others []PoolIdentifier
		if err := tx.Where("pool_id = ? AND user_id = ? AND id <> ?", p.ID, u.ID, id.ID).Order("id").Find(&others).Error; err != nil {
			return err
		}
		if len(others) == 0 {
			return &ValidationError{Fields: map[string]string{"identifier": "A user keeps at least one identifier."}}
		}
		if p.Admins() {
			hasEmail := false
			for _, o := range others {
				hasEmail = hasEmail || o.Type == IdentifierEmail
			}
			if !hasEmail {
				return &ValidationError{Fields: map[string]string{"identifier": "An administrator keeps at least one e-mail identifier to sign in with."}}
			}
			if id.Type == IdentifierEmail && id.Value == u.Email {
				// Invitations and sign-in codes go to the sign-in e-mail: the
				// one taking its place must be a verified address of theirs.
				next, err := verifiedEmailIdentifier(tx, p, u.ID, others)
				if err != nil {
					return err
				}
				if next == "" {
					return &ValidationError{Fields: map[string]string{"identifier": "This is the sign-in e-mail, where invitations and codes go: first verify an address of another e-mail identifier (Addresses), which then takes its place."}}
				}
				if err := tx.Model(&Administrator{}).Where("id = ? AND tenant_id = ?", u.ID, p.TenantID).
					Updates(map[string]any{"email": next, "updated_at": now}).Error; err != nil {
					return err
				}
				u.Email = next
			}
		} else {
			named := false
			for _, o := range others {
				named = named || o.Type == IdentifierEmail || o.Type == IdentifierUsername
			}
			if !named {
				return &ValidationError{Fields: map[string]string{"identifier": "A user keeps at least one e-mail or username identifier."}}
			}
		}
		if err := tx.Delete(&PoolIdentifier{}, id.ID).Error; err != nil {
			return err
		}
		if err := refreshPrimary(tx, p, u, now); err != nil {
			return err
		}
		return writeAudit(tx, now, p.TenantID, actor, "pool_user.identifier_removed", poolUserTarget(u), Changes{
			"identifier_type": {Before: id.Type}, "identifier": {Before: id.Value}})
	})
}

// refreshPrimary points the e-mail (and for end users the username and
// phone) the other pages show at an identifier the user still has.
func refreshPrimary(tx *gorm.DB, p IdentityPool, u PoolUser, now time.Time) error {
	var ids []PoolIdentifier
	if err := tx.Where("pool_id = ? AND user_id = ?", p.ID, u.ID).Order("id").Find(&ids).Error; err != nil {
		return err
	}
	pick := func(typ, cur string) string {
		first := ""
		for _, id := range ids {
			if id.Type != typ {
				continue
			}
			if id.Value == cur {
				return cur
			}
			if first == "" {
				first = id.Value
			}
		}
		return first
	}
	if p.Admins() {
		email := pick(IdentifierEmail, u.Email)
		if email == u.Email || email == "" {
			return nil
		}
		return tx.Model(&Administrator{}).Where("id = ? AND tenant_id = ?", u.ID, p.TenantID).
			Updates(map[string]any{"email": email, "updated_at": now}).Error
	}
	cols := map[string]any{}
	for col, pair := range map[string][2]string{"email": {IdentifierEmail, u.User.Email}, "username": {IdentifierUsername, u.User.Username}, "phone": {IdentifierPhone, u.User.Phone}} {
		if v := pick(pair[0], pair[1]); v != pair[1] {
			cols[col] = v
		}
	}
	if len(cols) == 0 {
		return nil
	}
	cols["updated_at"] = now
	err := tx.Model(&User{}).Where("id = ? AND tenant_id = ?", u.ID, p.TenantID).Updates(cols).Error
	if isUniqueViolation(err) {
		return &ValidationError{Fields: map[string]string{"identifier": "Another user of this tenant already has this identifier."}}
	}
	return err
}

// AddAddress adds an (unverified) address to a user of pool p.
func (s *Store) AddAddress(ctx context.Context, p IdentityPool, userID int64, typ, raw string, actor Actor) error {
	f := fieldErrors{}
	var value, msg string
	switch typ {
	case AddressEmail:
		value, msg = CheckEmail(raw)
	case AddressMobile:
		value, msg = checkIdentifier(IdentifierPhone, raw)
	default:
		f.add("address_type", "Choose email or mobile.")
	}
	if msg != "" {
		f.add("address", msg)
	}
	if err := f.err(); err != nil {
		return err
	}
	now := s.now()
	return s.tx(ctx, func(tx *gorm.DB) error {
		u, err := poolUserIn(tx, p, userID)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&PoolAddress{}).Where("pool_id = ? AND user_id = ?", p.ID, u.ID).Count(&n).Error; err != nil {
			return err
		}
		if n >= 20 {
			return &ValidationError{Fields: map[string]string{"address": "A user has at most 20 addresses."}}
		}
		if err := tx.Create(&PoolAddress{TenantID: p.TenantID, PoolID: p.ID, UserID: u.ID, Type: typ, Value: value, CreatedAt: now}).Error; err != nil {
			if isUniqueViolation(err) {
				return &ValidationError{Fields: map[string]string{"address": "This user already has this address."}}
			}
			return err
		}
		return writeAudit(tx, now, p.TenantID, actor, "pool_user.address_added", poolUserTarget(u), Changes{
			"address_type": {After: typ}, "address": {After: value}})
	})
}

// RemoveAddress removes one address of a user of pool p, with its pending
// verification links. An administrator keeps the address of their
// sign-in e-mail: invitations and codes go there.
func (s *Store) RemoveAddress(ctx context.Context, p IdentityPool, userID, addressID int64, actor Actor) error {
	now := s.now()
	return s.tx(ctx, func(tx *gorm.DB) error {
		u, err := poolUserIn(tx, p, userID)
		if err != nil {
			return err
		}
		var a PoolAddress
		if err := tx.Where("id = ? AND pool_id = ? AND user_id = ?", addressID, p.ID, u.ID).Take(&a).Error; err != nil {
			return notFound(err)
		}
		if p.Admins() && a.Type == AddressEmail && a.Value == u.Email {
			return &ValidationError{Fields: map[string]string{"address": "Invitations and sign-in codes go to this address: it stays while it is the sign-in e-mail."}}
		}
		if err := deleteAddresses(tx, tx.Model(&PoolAddress{}).Select("id").Where("id = ?", a.ID)); err != nil {
			return err
		}
		if u.User != nil {
			if err := syncUserVerified(tx, *u.User, a.Type, a.Value, false, now); err != nil {
				return err
			}
		}
		return writeAudit(tx, now, p.TenantID, actor, "pool_user.address_removed", poolUserTarget(u), Changes{
			"address_type": {Before: a.Type}, "address": {Before: a.Value}})
	})
}

// syncUserVerified mirrors an address's verification onto the end user's
// e-mail or phone when it is that address.
func syncUserVerified(tx *gorm.DB, u User, typ, value string, verified bool, now time.Time) error {
	col := ""
	switch {
	case typ == AddressEmail && value == u.Email:
		col = "email_verified"
	case typ == AddressMobile && value == u.Phone:
		col = "phone_verified"
	default:
		return nil
	}
	return tx.Model(&User{}).Where("id = ?", u.ID).Updates(map[string]any{col: verified, "updated_at": now}).Error
}

// SavePoolUserAttributes validates and stores a pool user's values of one
// schema (SchemaUser: attributes, SchemaMetadata: metadata), one field per
// schema attribute; errors are keyed "attributes[NAME]" / "metadata[NAME]".
// Values of keys outside the schema are kept as they are.
func (s *Store) SavePoolUserAttributes(ctx context.Context, p IdentityPool, userID int64, schema string, values map[string]string, actor Actor) error {
	prefix := "attributes"
	col := "attributes"
	if schema == SchemaMetadata {
		prefix, col = "metadata", "metadata"
	} else if schema != SchemaUser {
		return ErrNotFound
	}
	now := s.now()
	return s.tx(ctx, func(tx *gorm.DB) error {
		u, err := poolUserIn(tx, p, userID)
		if err != nil {
			return err
		}
		attrs, err := poolAttributes(tx, p, schema)
		if err != nil {
			return err
		}
		stored := u.Attributes
		if schema == SchemaMetadata {
			stored = u.Metadata
		}
		cur := map[string]string{}
		if stored != "" {
			_ = json.Unmarshal([]byte(stored), &cur) // a malformed value reads as none
		}
		next := map[string]string{}
		for k, v := range cur {
			next[k] = v
		}
		f := fieldErrors{}
		for _, a := range attrs {
			v, msg := CheckAttributeValue(a, values[a.Name])
			if msg != "" {
				f.add(prefix+"["+a.Name+"]", msg)
				continue
			}
			if v == "" {
				delete(next, a.Name)
			} else {
				next[a.Name] = v
			}
		}
		if err := f.err(); err != nil {
			return err
		}
		before, after := PairsJSON(cur), PairsJSON(next)
		if before == after {
			return nil
		}
		table := poolTable(p)
		if err := tx.Table(table).Where("id = ? AND tenant_id = ?", u.ID, p.TenantID).
			Updates(map[string]any{col: after, "updated_at": now}).Error; err != nil {
			return err
		}
		return writeAudit(tx, now, p.TenantID, actor, "pool_user."+col+"_updated", poolUserTarget(u), Changes{col: {Before: before, After: after}})
	})
}

// SetPoolUserStatus sets a pool user's status. For an administrator,
// `active` and `inactive` are the User Profile's Manage (SetStatus, with
// all its rules) and `new` sends them back to the start: their sessions,
// password and pending links end and a fresh invitation is e-mailed; they
// cannot sign in until they accept it. Nobody sets themselves to new, and
// the last active Tenant Admin stays active.
func (s *Store) SetPoolUserStatus(ctx context.Context, v Viewer, p IdentityPool, userID int64, status UserStatus, actor Actor) error {
	if !status.Valid() {
		return &ValidationError{Fields: map[string]string{"status": "Choose new, active or inactive."}}
	}
	if !p.Admins() {
		return s.setEndUserStatus(ctx, p, userID, status, actor)
	}
	switch status {
	case UserActive:
		return s.SetStatus(ctx, v, userID, AdminActive, actor)
	case UserInactive:
		return s.SetStatus(ctx, v, userID, AdminInactive, actor)
	}
	now := s.now()
	return s.tx(ctx, func(tx *gorm.DB) error {
		a, err := lockAdministrator(tx, p.TenantID, userID)
		if err != nil {
			return err
		}
		if a.PoolID != p.ID {
			return ErrNotFound
		}
		if a.ID == v.Administrator.ID {
			return &ValidationError{Fields: map[string]string{"status": "You cannot set your own status to new."}}
		}
		if a.Status == AdminActive {
			if err := keepsATenantAdmin(tx, a); err != nil {
				return err
			}
		}
		backed, err := invitationBackedTx(tx, v.Tenant, Invitation{AdministratorID: a.ID, InvitedByID: &v.Administrator.ID}, now)
		if err != nil {
			return err
		}
		if !backed {
			return ErrEscalation
		}
		if err := endAccess(tx, now, a); err != nil {
			return err
		}
		if err := tx.Model(&Administrator{}).Where("id = ? AND tenant_id = ?", a.ID, a.TenantID).
			Updates(map[string]any{"status": AdminInvited, "password_hash": "", "updated_at": now}).Error; err != nil {
			return err
		}
		before := a.Status
		a.Status = AdminInvited
		if _, err := s.inviteTx(tx, now, v.Tenant, a, &v.Administrator); err != nil {
			return err
		}
		return writeAudit(tx, now, p.TenantID, actor, "administrator.reset_to_new", adminTarget(a), Changes{
			"status": {Before: before, After: AdminInvited}})
	})
}

func (s *Store) setEndUserStatus(ctx context.Context, p IdentityPool, userID int64, status UserStatus, actor Actor) error {
	now := s.now()
	return s.tx(ctx, func(tx *gorm.DB) error {
		u, err := poolUserIn(tx, p, userID)
		if err != nil {
			return err
		}
		if u.Status == status {
			return nil
		}
		if err := tx.Model(&User{}).Where("id = ? AND tenant_id = ?", u.ID, p.TenantID).
			Updates(map[string]any{"status": status, "updated_at": now}).Error; err != nil {
			return err
		}
		return writeAudit(tx, now, p.TenantID, actor, "user.updated", poolUserTarget(u), Changes{"status": {Before: u.Status, After: status}})
	})
}

// ErrNoPasswordReset: only administrators sign in to Gatehouse, so only
// they can be sent a password reset from a pool.
var ErrNoPasswordReset = errors.New("password resets are for administrators: end users sign in to the customer's product")

// backfillIdentities gives the rows of table ("administrators" or "users")
// of a pool with ids in [from, to] their identifiers and addresses in a
// few statements (bulk seeding creates rows without hooks). A phone
// another user of the pool already has stays an address only (ON CONFLICT
// rather than NOT EXISTS: on a table just filled, PostgreSQL's stale
// statistics made the correlated subquery scan, 60 s for 30k users).
func backfillIdentities(tx *gorm.DB, table string, poolID, from, to int64) error {
	rng := " FROM " + table + " WHERE pool_id = ? AND id BETWEEN ? AND ?"
	var stmts []string
	if table == "administrators" {
		stmts = []string{
			"INSERT INTO pool_identifiers (tenant_id, pool_id, user_id, type, value, created_at) SELECT tenant_id, pool_id, id, 'email', email, created_at" + rng,
			"INSERT INTO pool_addresses (tenant_id, pool_id, user_id, type, value, verified_at, created_at) SELECT tenant_id, pool_id, id, 'email', email, " +
				"CASE WHEN password_hash <> '' THEN created_at END, created_at" + rng,
		}
	} else {
		stmts = []string{
			"INSERT INTO pool_identifiers (tenant_id, pool_id, user_id, type, value, created_at) SELECT tenant_id, pool_id, id, 'email', email, created_at" + rng + " AND email <> ''",
			"INSERT INTO pool_identifiers (tenant_id, pool_id, user_id, type, value, created_at) SELECT tenant_id, pool_id, id, 'username', username, created_at" + rng + " AND username <> ''",
			"INSERT INTO pool_identifiers (tenant_id, pool_id, user_id, type, value, created_at) SELECT tenant_id, pool_id, MIN(id), 'phone', phone, MIN(created_at)" + rng +
				" AND phone <> '' GROUP BY tenant_id, pool_id, phone ON CONFLICT DO NOTHING",
			"INSERT INTO pool_addresses (tenant_id, pool_id, user_id, type, value, verified_at, created_at) SELECT tenant_id, pool_id, id, 'email', email, " +
				"CASE WHEN email_verified THEN created_at END, created_at" + rng + " AND email <> ''",
			"INSERT INTO pool_addresses (tenant_id, pool_id, user_id, type, value, verified_at, created_at) SELECT tenant_id, pool_id, id, 'mobile', phone, " +
				"CASE WHEN phone_verified THEN created_at END, created_at" + rng + " AND phone <> ''",
		}
	}
	for _, q := range stmts {
		if err := tx.Exec(q, poolID, from, to).Error; err != nil {
			return err
		}
	}
	return nil
}

// verifiedEmailIdentifier is the first of an administrator's other
// identifiers that is an e-mail with a verified address of theirs ("" when
// none is).
func verifiedEmailIdentifier(tx *gorm.DB, p IdentityPool, userID int64, others []PoolIdentifier) (string, error) {
	var verified []string
	if err := tx.Model(&PoolAddress{}).Where("pool_id = ? AND user_id = ? AND type = ? AND verified_at IS NOT NULL", p.ID, userID, AddressEmail).
		Pluck("value", &verified).Error; err != nil {
		return "", err
	}
	ok := map[string]bool{}
	for _, v := range verified {
		ok[v] = true
	}
	for _, o := range others {
		if o.Type == IdentifierEmail && ok[o.Value] {
			return o.Value, nil
		}
	}
	return "", nil
}
