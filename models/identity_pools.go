package models

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gatehouse/models/authz"

	"gorm.io/gorm"
)

// PoolKind tells an identity pool's purpose.
type PoolKind string

// Identity pool kinds: the two built-in pools every tenant has, and pools
// its administrators create.
const (
	PoolAdministrators PoolKind = "administrators"
	PoolUsers          PoolKind = "users"
	PoolCustom         PoolKind = "custom"
)

// IdentityPool is a tenant's directory of identities. Every tenant has two
// built-in pools: Administrators (slug administrators: its users are the
// tenant's administrators) and Users (slug users: the end users of
// /t/{tenant}/users); more end-user pools can be created. The users of the
// Administrators pool are the rows of administrators, those of every other
// pool rows of users; both have identifiers and addresses (pool_users.go).
type IdentityPool struct {
	ID          int64    `gorm:"primaryKey"`
	TenantID    int64    `gorm:"not null;index"`
	Name        string   `gorm:"size:200;not null"`
	Slug        string   `gorm:"size:63;not null"`
	Description string   `gorm:"size:500;not null;default:''"`
	Kind        PoolKind `gorm:"size:30;not null"`
	CreatedAt   time.Time
}

// BuiltIn reports whether the pool is one every tenant has (never deleted).
func (p IdentityPool) BuiltIn() bool { return p.Kind == PoolAdministrators || p.Kind == PoolUsers }

// Admins reports whether the pool's users are the tenant's administrators.
func (p IdentityPool) Admins() bool { return p.Kind == PoolAdministrators }

func poolTarget(p IdentityPool) Target {
	return Target{Type: "identity_pool", ID: fmt.Sprint(p.ID), Label: p.Slug}
}

// Schemas of a pool's attributes.
const (
	SchemaUser     = "user"     // User Attributes
	SchemaMetadata = "metadata" // Metadata Attributes
)

// AttributeTypes are the types a schema attribute can have, in form order.
var AttributeTypes = []string{"string", "number", "boolean", "date", "email", "phone"}

// PoolAttribute is one attribute of a pool's user or metadata schema: the
// pool users' values of it are validated by its type.
type PoolAttribute struct {
	ID          int64  `gorm:"primaryKey"`
	TenantID    int64  `gorm:"not null"`
	PoolID      int64  `gorm:"not null"`
	Schema      string `gorm:"size:20;not null"`
	Name        string `gorm:"size:64;not null"`
	Type        string `gorm:"size:20;not null"`
	Required    bool   `gorm:"not null;default:false"`
	Description string `gorm:"size:500;not null;default:''"`
	CreatedAt   time.Time
}

// IdentityPoolBySlug loads a pool of the tenant by its slug.
func (s *Store) IdentityPoolBySlug(ctx context.Context, tenantID int64, slug string) (IdentityPool, error) {
	var p IdentityPool
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND slug = ?", tenantID, strings.ToLower(slug)).Take(&p).Error
	return p, notFound(err)
}

// AdministratorsPool loads the tenant's built-in Administrators pool.
func (s *Store) AdministratorsPool(ctx context.Context, tenantID int64) (IdentityPool, error) {
	var p IdentityPool
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND kind = ?", tenantID, PoolAdministrators).Take(&p).Error
	return p, notFound(err)
}

// PoolListItem is one row of the Identity Pools list.
type PoolListItem struct {
	Pool  IdentityPool
	Users int64
}

// ListIdentityPools returns the tenant's pools, built-in ones first, with
// their user counts (a tenant has few pools; counts come from one grouped
// query per table).
func (s *Store) ListIdentityPools(ctx context.Context, tenantID int64) ([]PoolListItem, error) {
	db := s.DB.WithContext(ctx)
	var pools []IdentityPool
	if err := db.Where("tenant_id = ?", tenantID).Order("id").Limit(500).Find(&pools).Error; err != nil {
		return nil, err
	}
	counts := map[int64]int64{}
	for _, table := range []string{"administrators", "users"} {
		var rows []struct {
			PoolID int64
			N      int64
		}
		if err := db.Table(table).Select("pool_id, count(*) AS n").Where("tenant_id = ?", tenantID).Group("pool_id").Scan(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			counts[r.PoolID] += r.N
		}
	}
	out := make([]PoolListItem, 0, len(pools))
	for _, builtIn := range []bool{true, false} {
		for _, p := range pools {
			if p.BuiltIn() == builtIn {
				out = append(out, PoolListItem{Pool: p, Users: counts[p.ID]})
			}
		}
	}
	return out, nil
}

// CountPoolUsers counts a pool's users.
func (s *Store) CountPoolUsers(ctx context.Context, p IdentityPool) (int64, error) {
	var n int64
	err := s.DB.WithContext(ctx).Table(poolTable(p)).Where("tenant_id = ? AND pool_id = ?", p.TenantID, p.ID).Count(&n).Error
	return n, err
}

func poolTable(p IdentityPool) string {
	if p.Admins() {
		return "administrators"
	}
	return "users"
}

// PoolInput is the create and Settings form of a pool.
type PoolInput struct {
	Name        string
	Slug        string // create only
	Description string
}

func checkPoolInput(f fieldErrors, in *PoolInput, create bool) {
	in.Name, in.Description = strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	switch n := len([]rune(in.Name)); {
	case n == 0:
		f.add("name", "Name is required.")
	case n > 200:
		f.add("name", "Name must be at most 200 characters.")
	}
	if create && !ValidSlug(in.Slug) {
		f.add("slug", "Use 1 to 63 lowercase letters, digits or hyphens (not at either end).")
	}
	if len([]rune(in.Description)) > 500 {
		f.add("description", "Description must be at most 500 characters.")
	}
}

// CreateIdentityPool creates an end-user pool, in one transaction with its
// audit event. Its slug is unique in the tenant.
func (s *Store) CreateIdentityPool(ctx context.Context, tenantID int64, in PoolInput, actor Actor) (IdentityPool, error) {
	f := fieldErrors{}
	checkPoolInput(f, &in, true)
	if err := f.err(); err != nil {
		return IdentityPool{}, err
	}
	now := s.now()
	p := IdentityPool{TenantID: tenantID, Name: in.Name, Slug: in.Slug, Description: in.Description, Kind: PoolCustom, CreatedAt: now}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&p).Error; err != nil {
			if isUniqueViolation(err) {
				return &ValidationError{Fields: map[string]string{"slug": "A pool with this slug already exists."}}
			}
			return err
		}
		return writeAudit(tx, now, tenantID, actor, "identity_pool.created", poolTarget(p), Changes{
			"name": {After: p.Name}, "slug": {After: p.Slug}, "description": {After: p.Description}})
	})
	if err != nil {
		return IdentityPool{}, err
	}
	return p, nil
}

// UpdateIdentityPool changes a pool's name and description (built-in ones
// too; slugs never change).
func (s *Store) UpdateIdentityPool(ctx context.Context, p IdentityPool, in PoolInput, actor Actor) (IdentityPool, error) {
	f := fieldErrors{}
	checkPoolInput(f, &in, false)
	if err := f.err(); err != nil {
		return p, err
	}
	ch := Changes{}
	if in.Name != p.Name {
		ch["name"] = Change{Before: p.Name, After: in.Name}
	}
	if in.Description != p.Description {
		ch["description"] = Change{Before: p.Description, After: in.Description}
	}
	if len(ch) == 0 {
		return p, nil
	}
	now := s.now()
	err := s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&IdentityPool{}).Where("id = ? AND tenant_id = ?", p.ID, p.TenantID).
			Updates(map[string]any{"name": in.Name, "description": in.Description})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound
		}
		return writeAudit(tx, now, p.TenantID, actor, "identity_pool.updated", poolTarget(p), ch)
	})
	if err != nil {
		return p, err
	}
	p.Name, p.Description = in.Name, in.Description
	return p, nil
}

// ErrBuiltInPool refuses to delete a built-in pool.
var ErrBuiltInPool = fmt.Errorf("built-in identity pools cannot be deleted")

// DeleteIdentityPool deletes a created pool with its users, their
// identifiers, addresses and schemas, in one transaction with its audit
// event naming how many users went. Built-in pools stay (ErrBuiltInPool).
func (s *Store) DeleteIdentityPool(ctx context.Context, p IdentityPool, actor Actor) (int64, error) {
	if p.BuiltIn() {
		return 0, ErrBuiltInPool
	}
	var n int64
	err := s.tx(ctx, func(tx *gorm.DB) error {
		ids := tx.Model(&PoolAddress{}).Select("id").Where("pool_id = ?", p.ID)
		if err := tx.Where("address_id IN (?)", ids).Delete(&AddressVerification{}).Error; err != nil {
			return err
		}
		for _, m := range []any{&PoolAddress{}, &PoolIdentifier{}, &PoolAttribute{}} {
			if err := tx.Where("pool_id = ?", p.ID).Delete(m).Error; err != nil {
				return err
			}
		}
		res := tx.Where("tenant_id = ? AND pool_id = ?", p.TenantID, p.ID).Delete(&User{})
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		res = tx.Where("id = ? AND tenant_id = ?", p.ID, p.TenantID).Delete(&IdentityPool{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound
		}
		return writeAudit(tx, s.now(), p.TenantID, actor, "identity_pool.deleted", poolTarget(p), Changes{
			"name": {Before: p.Name}, "users": {Before: n}})
	})
	return n, err
}

// PoolAttributes lists a pool's schema attributes (schema "" for both), in
// the order they were added.
func (s *Store) PoolAttributes(ctx context.Context, p IdentityPool, schema string) ([]PoolAttribute, error) {
	return poolAttributes(s.DB.WithContext(ctx), p, schema)
}

func poolAttributes(db *gorm.DB, p IdentityPool, schema string) ([]PoolAttribute, error) {
	q := db.Where("tenant_id = ? AND pool_id = ?", p.TenantID, p.ID)
	if schema != "" {
		q = q.Where("schema = ?", schema)
	}
	var out []PoolAttribute
	err := q.Order("id").Limit(200).Find(&out).Error
	return out, err
}

var attrNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// AttributeInput is the form that adds an attribute to a schema.
type AttributeInput struct {
	Name        string
	Type        string
	Required    bool
	Description string
}

// MaxPoolAttributes bounds each schema of a pool.
const MaxPoolAttributes = 50

// AddPoolAttribute adds an attribute to one of a pool's schemas, in one
// transaction with its audit event. Names are lowercase identifiers,
// unique in the schema.
func (s *Store) AddPoolAttribute(ctx context.Context, p IdentityPool, schema string, in AttributeInput, actor Actor) (PoolAttribute, error) {
	in.Name, in.Type, in.Description = strings.TrimSpace(in.Name), strings.TrimSpace(in.Type), strings.TrimSpace(in.Description)
	f := fieldErrors{}
	if schema != SchemaUser && schema != SchemaMetadata {
		return PoolAttribute{}, ErrNotFound
	}
	switch {
	case in.Name == "":
		f.add("attr_name", "Name is required.")
	case !attrNameRE.MatchString(in.Name):
		f.add("attr_name", "Use a lowercase identifier: a letter, then letters, digits or \"_\" (at most 64).")
	}
	if !validAttrType(in.Type) {
		f.add("attr_type", "Choose string, number, boolean, date, email or phone.")
	}
	if len([]rune(in.Description)) > 500 {
		f.add("attr_description", "Description must be at most 500 characters.")
	}
	if err := f.err(); err != nil {
		return PoolAttribute{}, err
	}
	now := s.now()
	a := PoolAttribute{TenantID: p.TenantID, PoolID: p.ID, Schema: schema, Name: in.Name, Type: in.Type,
		Required: in.Required, Description: in.Description, CreatedAt: now}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&PoolAttribute{}).Where("pool_id = ? AND schema = ?", p.ID, schema).Count(&n).Error; err != nil {
			return err
		}
		if n >= MaxPoolAttributes {
			return &ValidationError{Fields: map[string]string{"attr_name": fmt.Sprintf("A schema has at most %d attributes.", MaxPoolAttributes)}}
		}
		if err := tx.Create(&a).Error; err != nil {
			if isUniqueViolation(err) {
				return &ValidationError{Fields: map[string]string{"attr_name": "This schema already has an attribute with this name."}}
			}
			return err
		}
		return writeAudit(tx, now, p.TenantID, actor, "identity_pool.attribute_added", poolTarget(p), Changes{
			"schema": {After: schema}, "name": {After: a.Name}, "type": {After: a.Type}, "required": {After: a.Required}})
	})
	if err != nil {
		return PoolAttribute{}, err
	}
	return a, nil
}

// RemovePoolAttribute removes one attribute from a pool's schema (users'
// values of it stay stored, unvalidated, until their next save).
func (s *Store) RemovePoolAttribute(ctx context.Context, p IdentityPool, schema string, attrID int64, actor Actor) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		var a PoolAttribute
		if err := tx.Where("id = ? AND pool_id = ? AND tenant_id = ? AND schema = ?", attrID, p.ID, p.TenantID, schema).Take(&a).Error; err != nil {
			return notFound(err)
		}
		if err := tx.Delete(&PoolAttribute{}, a.ID).Error; err != nil {
			return err
		}
		return writeAudit(tx, s.now(), p.TenantID, actor, "identity_pool.attribute_removed", poolTarget(p), Changes{
			"schema": {Before: a.Schema}, "name": {Before: a.Name}})
	})
}

func validAttrType(t string) bool {
	for _, x := range AttributeTypes {
		if x == t {
			return true
		}
	}
	return false
}

// CheckAttributeValue validates one value typed for an attribute and
// returns it normalised, or a message for the field.
func CheckAttributeValue(a PoolAttribute, raw string) (string, string) {
	v := strings.TrimSpace(raw)
	if v == "" {
		if a.Required {
			return "", a.Name + " is required."
		}
		return "", ""
	}
	if len([]rune(v)) > 1000 {
		return v, "At most 1000 characters."
	}
	switch a.Type {
	case "number":
		if !numberRE.MatchString(v) {
			return v, "Enter a number, like 42 or -3.5."
		}
	case "boolean":
		switch strings.ToLower(v) {
		case "true", "yes", "on", "1":
			return "true", ""
		case "false", "no", "off", "0":
			return "false", ""
		}
		return v, "Enter true or false."
	case "date":
		if _, err := time.Parse("2006-01-02", v); err != nil {
			return v, "Enter a date as YYYY-MM-DD."
		}
	case "email":
		e, msg := CheckEmail(v)
		if msg != "" {
			return v, msg
		}
		return e, ""
	case "phone":
		p := NormalizePhone(v)
		if !phoneRE.MatchString(p) {
			return v, "Enter the number in international format, like +14155550123."
		}
		return p, ""
	}
	return v, ""
}

var numberRE = regexp.MustCompile(`^-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,12})?$`)

// CanPoolUsers tells whether the viewer may read (manage false) or manage
// the users of pool p: those of the Administrators pool need Read / Manage
// Identity Pool Users (Tenant Admin manages, Tenant Auditor reads); in the
// end-user pools Read / Manage Users do too (Editor - Users). Nobody
// manages administrators while administrator management is off.
func (v Viewer) CanPoolUsers(p IdentityPool, manage bool) bool {
	pool, users := authz.ReadIdentityPoolUsers, authz.ReadUsers
	if manage {
		pool, users = authz.ManageIdentityPoolUsers, authz.ManageUsers
	}
	if p.TenantID != v.Tenant.ID {
		return false
	}
	if p.Admins() {
		if manage && v.Tenant.AdminManagement() == AdminManagementOff {
			return false
		}
		return v.Can(pool)
	}
	return v.Can(pool) || v.Can(users)
}
