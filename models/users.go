package models

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// UserStatus is the lifecycle state of an end user of an identity pool.
type UserStatus string

// User statuses, as SecureAuth's identity pools name them.
const (
	UserNew      UserStatus = "new"      // created, never signed in
	UserActive   UserStatus = "active"   // signs in
	UserInactive UserStatus = "inactive" // switched off by an administrator
)

// Valid reports whether s is a known status.
func (s UserStatus) Valid() bool { return s == UserNew || s == UserActive || s == UserInactive }

// User is an end user of the customer's product: a member of the tenant's
// identity pool of kind users. E-mail, username and phone identify them;
// e-mail and phone are also the addresses codes and messages go to.
type User struct {
	ID            int64      `gorm:"primaryKey"`
	TenantID      int64      `gorm:"not null"`
	PoolID        int64      `gorm:"not null"`
	Email         string     `gorm:"size:320;not null;default:''"` // lowercased; "" when none
	EmailVerified bool       `gorm:"not null;default:false"`
	Username      string     `gorm:"size:128;not null;default:''"` // lowercased; "" when none
	Phone         string     `gorm:"size:20;not null;default:''"`  // E.164; "" when none
	PhoneVerified bool       `gorm:"not null;default:false"`
	GivenName     string     `gorm:"size:100;not null;default:''"`
	FamilyName    string     `gorm:"size:100;not null;default:''"`
	Status        UserStatus `gorm:"size:20;not null"`
	Blocked       bool       `gorm:"not null;default:false"`
	Attributes    string     `gorm:"not null;default:'{}'"` // JSON object of strings
	Metadata      string     `gorm:"not null;default:'{}'"` // JSON object of strings
	PasswordHash  string     `gorm:"size:255;not null;default:''"`
	LastLoginAt   *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Identifier is how the user is named in lists and messages: the e-mail,
// else the username.
func (u User) Identifier() string {
	if u.Email != "" {
		return u.Email
	}
	return u.Username
}

// DisplayName is the user's full name, else their identifier.
func (u User) DisplayName() string {
	if n := strings.TrimSpace(u.GivenName + " " + u.FamilyName); n != "" {
		return n
	}
	return u.Identifier()
}

func userTarget(u User) Target {
	return Target{Type: "user", ID: fmt.Sprint(u.ID), Label: u.Identifier()}
}

var (
	usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.+-]*$`)
	phoneRE    = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	phoneSeps  = strings.NewReplacer(" ", "", "-", "", ".", "", "(", "", ")", "")
)

// NormalizeUsername trims and lowercases a username.
func NormalizeUsername(u string) string { return strings.ToLower(strings.TrimSpace(u)) }

// NormalizePhone removes the spaces, hyphens, dots and brackets people type
// in phone numbers.
func NormalizePhone(p string) string { return phoneSeps.Replace(strings.TrimSpace(p)) }

// optionalEmail checks a user's e-mail as typed: blank is none; otherwise
// CheckEmail's address and message.
func optionalEmail(raw string) (string, string) {
	if strings.TrimSpace(raw) == "" && utf8.ValidString(raw) {
		return "", ""
	}
	return CheckEmail(raw)
}

// checkUserFields validates the identifiers and names of a user; every
// value must already be normalised, the e-mail by optionalEmail (whose
// message is emailMsg).
func checkUserFields(f fieldErrors, email, emailMsg, username, phone, given, family string) {
	if emailMsg != "" {
		f.add("email", emailMsg)
	}
	if email == "" && emailMsg == "" && username == "" {
		f.add("email", "Enter an e-mail address or a username (or both).")
		f.add("username", "Enter a username or an e-mail address (or both).")
	}
	switch {
	case username == "":
	case len(username) > 128:
		f.add("username", "Username must be at most 128 characters.")
	case !usernameRE.MatchString(username):
		f.add("username", "Use letters, digits, \"_\", \".\", \"+\" and \"-\", starting with a letter or digit.")
	}
	if phone != "" && !phoneRE.MatchString(phone) {
		f.add("phone", "Enter the number in international format, like +14155550123.")
	}
	if len([]rune(given)) > 100 {
		f.add("given_name", "Given name must be at most 100 characters.")
	}
	if len([]rune(family)) > 100 {
		f.add("family_name", "Family name must be at most 100 characters.")
	}
}

// checkIdentifiersFree adds a field error for an e-mail or username another
// user of the tenant (other than exceptID) already has.
func checkIdentifiersFree(tx *gorm.DB, f fieldErrors, tenantID, exceptID int64, email, username string) error {
	for _, c := range []struct{ field, col, value, msg string }{
		{"email", "email", email, "A user with this e-mail already exists."},
		{"username", "username", username, "A user with this username already exists."},
	} {
		if _, bad := f[c.field]; bad || c.value == "" {
			continue
		}
		var n int64
		if err := tx.Model(&User{}).Where("tenant_id = ? AND "+c.col+" = ? AND "+c.col+" <> '' AND id <> ?", tenantID, c.value, exceptID).
			Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			f.add(c.field, c.msg)
		}
	}
	return nil
}

// duplicateIdentifier is the ValidationError for a unique violation that a
// concurrent request caused after the check.
func duplicateIdentifier(email string) error {
	field := "username"
	if email != "" {
		field = "email"
	}
	return &ValidationError{Fields: map[string]string{field: "A user with this e-mail or username already exists."}}
}

// usersPool returns the id of the tenant's identity pool of kind users,
// creating it when the tenant has none yet.
func usersPool(tx *gorm.DB, tenantID int64, now time.Time) (int64, error) {
	var pool IdentityPool
	err := tx.Where("tenant_id = ? AND kind = ?", tenantID, PoolUsers).Order("id").Take(&pool).Error
	if err == nil {
		return pool.ID, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, err
	}
	if err := lockTenant(tx, tenantID); err != nil {
		return 0, err
	}
	if err := tx.Where("tenant_id = ? AND kind = ?", tenantID, PoolUsers).Order("id").Take(&pool).Error; err == nil {
		return pool.ID, nil
	}
	pool = IdentityPool{TenantID: tenantID, Name: "Users", Slug: string(PoolUsers), Kind: PoolUsers, CreatedAt: now}
	if err := tx.Create(&pool).Error; err != nil {
		return 0, err
	}
	return pool.ID, nil
}

// UserListQuery selects a page of the Users list.
type UserListQuery struct {
	Search string // matched against e-mail, username, phone and name, case-insensitively
	After  int64  // keyset cursor: the id below which the page starts (newest first)
	PoolID int64  // only the users of this pool; 0: the built-in Users pool
	Limit  int    // page size, 1..100 (default 25)
}

// UserPage is one page of users, newest first.
type UserPage struct {
	Items []User
	Next  int64 // cursor of the next page, 0 when this is the last
	// Partial is true when a search stopped at UserSearchWindow users
	// before filling the page: Next continues the search with older users.
	Partial bool
}

// UserSearchWindow is how many users one page of a search looks through at
// most, so that a search costs the same whatever the tenant's size: a term
// that matches nobody among a million users answers in tens of
// milliseconds with "search older users" instead of scanning them all.
// (A variable so that tests can make it small.)
var UserSearchWindow = 50_000

// ListUsers returns a page of the users of one of the tenant's end-user
// pools (the Users pool unless q.PoolID says), newest first. Besides one
// query telling whether the tenant has pools of its own, browsing costs one
// query whatever the tenant's size: the page's ids come from the
// covering index (tenant_id, id, email, username, phone, given_name,
// family_name) walked backwards from the cursor, and only the rows of the
// page are read. A search costs two: first the ids of the matches among the
// next UserSearchWindow users, walking the same index from the cursor down
// to where that window ends (found by an OFFSET on the index) and stopping
// at a full page, together with that window's end; then the rows of the page.
func (s *Store) ListUsers(ctx context.Context, tenantID int64, q UserListQuery) (UserPage, error) {
	if q.Limit <= 0 || q.Limit > MaxPageSize {
		q.Limit = 25
	}
	db := s.DB.WithContext(ctx)
	if q.PoolID == 0 {
		// The Users list shows the built-in Users pool: a tenant without
		// pools of its own needs no pool filter (the covering index
		// answers alone); one with them is filtered to the Users pool.
		var custom []int64
		if err := db.Model(&IdentityPool{}).Where("tenant_id = ? AND kind = ?", tenantID, PoolCustom).Limit(1).Pluck("id", &custom).Error; err != nil {
			return UserPage{}, err
		}
		if len(custom) > 0 {
			var pools []int64
			if err := db.Model(&IdentityPool{}).Where("tenant_id = ? AND kind = ?", tenantID, PoolUsers).Limit(1).Pluck("id", &pools).Error; err != nil {
				return UserPage{}, err
			}
			if len(pools) > 0 {
				q.PoolID = pools[0]
			}
		}
	}
	scope, scopeArgs := "tenant_id = ?", []any{tenantID}
	if q.PoolID != 0 {
		scope, scopeArgs = "tenant_id = ? AND pool_id = ?", []any{tenantID, q.PoolID}
	}
	search := strings.ToLower(strings.TrimSpace(q.Search))
	if search == "" {
		ids := db.Model(&User{}).Select("id").Where(scope, scopeArgs...)
		if q.After > 0 {
			ids = ids.Where("id < ?", q.After)
		}
		var users []User
		if err := db.Where("id IN (?)", ids.Order("id DESC").Limit(q.Limit+1)).Order("id DESC").Find(&users).Error; err != nil {
			return UserPage{}, err
		}
		var page UserPage
		if len(users) > q.Limit {
			users = users[:q.Limit]
			page.Next = users[len(users)-1].ID
		}
		page.Items = users
		return page, nil
	}

	like := "%" + escapeLike(search) + "%"
	cond := "email LIKE ? ESCAPE '\\' OR username LIKE ? ESCAPE '\\' OR LOWER(given_name || ' ' || family_name) LIKE ? ESCAPE '\\'"
	condArgs := []any{like, like, like}
	narrow := likeTerm(indexTerm(search), 3)
	if p := NormalizePhone(search); p != "" && strings.Trim(p, "+0123456789") == "" {
		cond += " OR phone LIKE ? ESCAPE '\\'"
		condArgs = append(condArgs, "%"+escapeLike(p)+"%")
		narrow = append(narrow, "%"+escapeLike(p)+"%")
	}
	after := int64(1<<62 - 1)
	if q.After > 0 {
		after = q.After
	}
	if usesTrigrams(db, search) {
		// PostgreSQL: every match, newest first, in one query, at the same
		// cost wherever the matches lie among the tenant's users
		// (search.go); never Partial.
		keys := trigramSearch(db, s.searchWindow(), "users", "id", true, "id, email, username, phone, given_name, family_name",
			cond, condArgs, narrow, tenantID, after, q.Limit+1)
		var page UserPage
		if err := db.Where("tenant_id = ? AND id IN (?)", tenantID, keys).Order("id DESC").Find(&page.Items).Error; err != nil {
			return UserPage{}, err
		}
		if len(page.Items) > q.Limit {
			page.Items = page.Items[:q.Limit]
			page.Next = page.Items[q.Limit-1].ID
		}
		return page, nil
	}
	// b is the id of the window's last (oldest) user, 0 when fewer than
	// UserSearchWindow users are left: hits come with hit = 1, then one row
	// with hit = 0 carries b.
	sql := "WITH b AS (SELECT COALESCE((SELECT id FROM users WHERE " + scope + " AND id < ? ORDER BY id DESC LIMIT 1 OFFSET " + strconv.Itoa(UserSearchWindow-1) + "), 0) AS id) " +
		"SELECT id, 1 AS hit FROM (SELECT id FROM users WHERE " + scope + " AND id < ? AND id >= (SELECT id FROM b) AND (" + cond + ") " +
		"ORDER BY id DESC LIMIT " + strconv.Itoa(q.Limit+1) + ") m " +
		"UNION ALL SELECT id, 0 FROM b"
	args := append(append([]any{}, scopeArgs...), after)
	args = append(append(args, scopeArgs...), after)
	args = append(args, condArgs...)
	var rows []struct {
		ID  int64
		Hit int
	}
	if err := db.Raw(sql, args...).Scan(&rows).Error; err != nil {
		return UserPage{}, err
	}
	var hits []int64
	var windowEnd int64
	for _, r := range rows {
		if r.Hit == 1 {
			hits = append(hits, r.ID)
		} else {
			windowEnd = r.ID
		}
	}
	var page UserPage
	switch {
	case len(hits) > q.Limit:
		hits = hits[:q.Limit]
		page.Next = hits[len(hits)-1]
	case windowEnd > 0:
		page.Next, page.Partial = windowEnd, true
	}
	if err := db.Where("tenant_id = ? AND id IN ?", tenantID, append(hits, 0)).Order("id DESC").Find(&page.Items).Error; err != nil {
		return UserPage{}, err
	}
	return page, nil
}

// UserByID loads a user of the tenant.
func (s *Store) UserByID(ctx context.Context, tenantID, id int64) (User, error) {
	return userIn(s.DB.WithContext(ctx), tenantID, id)
}

// UserByEmail loads a user of the tenant by e-mail (any case).
func (s *Store) UserByEmail(ctx context.Context, tenantID int64, email string) (User, error) {
	email = NormalizeEmail(email)
	var u User
	if email == "" {
		return u, ErrNotFound
	}
	// "email <> ''" lets PostgreSQL use the partial unique index even with a generic plan.
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND email = ? AND email <> ''", tenantID, email).Take(&u).Error
	return u, notFound(err)
}

// UsersByIDs loads the users of the tenant among ids (unknown ids and
// other tenants' users are left out), newest first.
func (s *Store) UsersByIDs(ctx context.Context, tenantID int64, ids []int64) ([]User, error) {
	var users []User
	if len(ids) == 0 {
		return users, nil
	}
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND id IN ?", tenantID, ids).Order("id DESC").Find(&users).Error
	return users, err
}

func userIn(tx *gorm.DB, tenantID, id int64) (User, error) {
	var u User
	err := tx.Where("tenant_id = ? AND id = ?", tenantID, id).Take(&u).Error
	return u, notFound(err)
}

// CountUsers counts the tenant's users, stopping at limit: more is true
// when there are more than limit (so a dashboard stays fast for a tenant of
// millions). limit <= 0 counts them all.
func (s *Store) CountUsers(ctx context.Context, tenantID, limit int64) (n int64, more bool, err error) {
	db := s.DB.WithContext(ctx)
	if limit <= 0 {
		err = db.Model(&User{}).Where("tenant_id = ?", tenantID).Count(&n).Error
		return n, false, err
	}
	sub := db.Model(&User{}).Select("id").Where("tenant_id = ?", tenantID).Limit(int(limit) + 1)
	err = db.Table("(?) AS capped", sub).Count(&n).Error
	if n > limit {
		return limit, true, err
	}
	return n, false, err
}

// CreateUserInput is the Create User form (and what an accepted
// Organization invitation creates).
type CreateUserInput struct {
	Email      string
	Username   string
	GivenName  string
	FamilyName string
	// PoolID is the end-user pool the user joins; 0: the Users pool.
	PoolID int64
	// Not on the form: an accepted invitation sets them.
	Status        UserStatus // "" means new
	EmailVerified bool
	PasswordHash  string
}

// CreateUser adds a user to the tenant's Users pool, in one transaction
// with its audit event. At least one of e-mail and username is required;
// both are unique in the tenant.
func (s *Store) CreateUser(ctx context.Context, tenantID int64, in CreateUserInput, actor Actor) (User, error) {
	var u User
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		u, err = s.CreateUserTx(tx, tenantID, in, actor)
		return err
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// CreateUserTx is CreateUser inside the caller's transaction, for
// operations that create a user along with something else.
func (s *Store) CreateUserTx(tx *gorm.DB, tenantID int64, in CreateUserInput, actor Actor) (User, error) {
	var emailMsg string
	in.Email, emailMsg = optionalEmail(in.Email)
	in.Username = NormalizeUsername(in.Username)
	in.GivenName, in.FamilyName = strings.TrimSpace(in.GivenName), strings.TrimSpace(in.FamilyName)
	if in.Status == "" {
		in.Status = UserNew
	}
	f := fieldErrors{}
	checkUserFields(f, in.Email, emailMsg, in.Username, "", in.GivenName, in.FamilyName)
	if !in.Status.Valid() {
		f.add("status", "Choose new, active or inactive.")
	}
	if err := checkIdentifiersFree(tx, f, tenantID, 0, in.Email, in.Username); err != nil {
		return User{}, err
	}
	if err := f.err(); err != nil {
		return User{}, err
	}
	now := s.now()
	pool := in.PoolID
	if pool == 0 {
		var err error
		if pool, err = usersPool(tx, tenantID, now); err != nil {
			return User{}, err
		}
	}
	u := User{TenantID: tenantID, PoolID: pool, Email: in.Email, EmailVerified: in.EmailVerified && in.Email != "",
		Username: in.Username, GivenName: in.GivenName, FamilyName: in.FamilyName, Status: in.Status,
		Attributes: "{}", Metadata: "{}", PasswordHash: in.PasswordHash, CreatedAt: now, UpdatedAt: now}
	if err := tx.Create(&u).Error; err != nil {
		if isUniqueViolation(err) {
			return User{}, duplicateIdentifier(u.Email)
		}
		return User{}, err
	}
	ch := Changes{"status": {After: u.Status}}
	for k, v := range map[string]string{"email": u.Email, "username": u.Username, "given_name": u.GivenName, "family_name": u.FamilyName} {
		if v != "" {
			ch[k] = Change{After: v}
		}
	}
	return u, writeAudit(tx, now, tenantID, actor, "user.created", userTarget(u), ch)
}

// UpdateUserInput is the user's edit form.
type UpdateUserInput struct {
	Email         string
	EmailVerified bool
	Username      string
	Phone         string
	PhoneVerified bool
	GivenName     string
	FamilyName    string
	Status        UserStatus
	Attributes    []KeyValue
	Metadata      []KeyValue
}

// UpdateUser changes a user's identifiers, addresses, names, status,
// attributes and metadata, in one transaction with an audit event listing
// what changed. Changing an address clears its verification.
func (s *Store) UpdateUser(ctx context.Context, tenantID, id int64, in UpdateUserInput, actor Actor) (User, error) {
	var emailMsg string
	in.Email, emailMsg = optionalEmail(in.Email)
	in.Username, in.Phone = NormalizeUsername(in.Username), NormalizePhone(in.Phone)
	in.GivenName, in.FamilyName = strings.TrimSpace(in.GivenName), strings.TrimSpace(in.FamilyName)
	f := fieldErrors{}
	checkUserFields(f, in.Email, emailMsg, in.Username, in.Phone, in.GivenName, in.FamilyName)
	if !in.Status.Valid() {
		f.add("status", "Choose new, active or inactive.")
	}
	attrs, msg := CleanPairs("Attributes", in.Attributes, UserPairLimits)
	if msg != "" {
		f.add("attributes", msg)
	}
	meta, msg := CleanPairs("Metadata", in.Metadata, UserPairLimits)
	if msg != "" {
		f.add("metadata", msg)
	}
	var u User
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if u, err = userIn(tx, tenantID, id); err != nil {
			return err
		}
		if err := checkIdentifiersFree(tx, f, tenantID, u.ID, in.Email, in.Username); err != nil {
			return err
		}
		if err := f.err(); err != nil {
			return err
		}
		// A new address has not been verified, whatever the form says.
		if in.Email != u.Email {
			in.EmailVerified = false
		}
		if in.Phone != u.Phone {
			in.PhoneVerified = false
		}
		after := u
		after.Email, after.EmailVerified, after.Username = in.Email, in.EmailVerified, in.Username
		after.Phone, after.PhoneVerified = in.Phone, in.PhoneVerified
		after.GivenName, after.FamilyName, after.Status = in.GivenName, in.FamilyName, in.Status
		after.Attributes, after.Metadata = PairsJSON(attrs), PairsJSON(meta)
		ch := Changes{}
		diff := func(field string, before, after any) {
			if before != after {
				ch[field] = Change{Before: before, After: after}
			}
		}
		diff("email", u.Email, after.Email)
		diff("email_verified", u.EmailVerified, after.EmailVerified)
		diff("username", u.Username, after.Username)
		diff("phone", u.Phone, after.Phone)
		diff("phone_verified", u.PhoneVerified, after.PhoneVerified)
		diff("given_name", u.GivenName, after.GivenName)
		diff("family_name", u.FamilyName, after.FamilyName)
		diff("status", u.Status, after.Status)
		diff("attributes", normalizedPairs(u.Attributes), after.Attributes)
		diff("metadata", normalizedPairs(u.Metadata), after.Metadata)
		if len(ch) == 0 {
			return nil
		}
		now := s.now()
		after.UpdatedAt = now
		res := tx.Model(&User{}).Where("id = ? AND tenant_id = ?", u.ID, tenantID).Updates(map[string]any{
			"email": after.Email, "email_verified": after.EmailVerified, "username": after.Username,
			"phone": after.Phone, "phone_verified": after.PhoneVerified, "given_name": after.GivenName,
			"family_name": after.FamilyName, "status": after.Status, "attributes": after.Attributes,
			"metadata": after.Metadata, "updated_at": now,
		})
		if res.Error != nil {
			if isUniqueViolation(res.Error) {
				return duplicateIdentifier(after.Email)
			}
			return res.Error
		}
		if err := syncUserIdentities(tx, f, u, after, now); err != nil {
			return err
		}
		u = after
		return writeAudit(tx, now, tenantID, actor, "user.updated", userTarget(u), ch)
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// normalizedPairs re-encodes a stored map so that equal maps compare equal.
func normalizedPairs(stored string) string {
	m := map[string]string{}
	for _, p := range ParsePairs(stored) {
		m[p.Key] = p.Value
	}
	return PairsJSON(m)
}

// BlockUser stops a user signing in, keeping everything else about them.
func (s *Store) BlockUser(ctx context.Context, tenantID, id int64, actor Actor) (User, error) {
	return s.setUserBlocked(ctx, tenantID, id, true, actor)
}

// UnblockUser lets a blocked user sign in again.
func (s *Store) UnblockUser(ctx context.Context, tenantID, id int64, actor Actor) (User, error) {
	return s.setUserBlocked(ctx, tenantID, id, false, actor)
}

func (s *Store) setUserBlocked(ctx context.Context, tenantID, id int64, blocked bool, actor Actor) (User, error) {
	var u User
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if u, err = userIn(tx, tenantID, id); err != nil {
			return err
		}
		if u.Blocked == blocked {
			return nil
		}
		now := s.now()
		if err := tx.Model(&User{}).Where("id = ? AND tenant_id = ?", u.ID, tenantID).
			Updates(map[string]any{"blocked": blocked, "updated_at": now}).Error; err != nil {
			return err
		}
		u.Blocked, u.UpdatedAt = blocked, now
		action := "user.unblocked"
		if blocked {
			action = "user.blocked"
		}
		return writeAudit(tx, now, tenantID, actor, action, userTarget(u), Changes{"blocked": {Before: !blocked, After: blocked}})
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// DeleteUser removes a user from the tenant for good, in one transaction
// with its audit event, and returns what was deleted.
func (s *Store) DeleteUser(ctx context.Context, tenantID, id int64, actor Actor) (User, error) {
	var u User
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if u, err = userIn(tx, tenantID, id); err != nil {
			return err
		}
		res := tx.Where("id = ? AND tenant_id = ?", u.ID, tenantID).Delete(&User{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound
		}
		if err := deleteIdentities(tx, u.PoolID, u.ID); err != nil {
			return err
		}
		ch := Changes{}
		for k, v := range map[string]string{"email": u.Email, "username": u.Username, "given_name": u.GivenName, "family_name": u.FamilyName} {
			if v != "" {
				ch[k] = Change{Before: v}
			}
		}
		return writeAudit(tx, s.now(), tenantID, actor, "user.deleted", userTarget(u), ch)
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}
