package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gatehouse/models/authz"
	"gatehouse/models/fga"

	"gorm.io/gorm"
)

// PermissionSystem is a tenant's authorization model written in the
// OpenFGA modeling language (validated on save with OpenFGA's parser, see
// models/fga) with its relationship tuples; Check answers whether a
// subject has a relation to an object.
type PermissionSystem struct {
	ID          int64 `gorm:"primaryKey"`
	TenantID    int64
	Name        string
	Description string
	Model       string
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// PermissionTuple is a relationship tuple of a permission system:
// Subject has Relation to Object.
type PermissionTuple struct {
	ID        int64 `gorm:"primaryKey"`
	TenantID  int64
	SystemID  int64
	Object    string
	Relation  string
	Subject   string
	CreatedAt time.Time
}

// Tuple is the tuple as models/fga reads it.
func (t PermissionTuple) Tuple() fga.Tuple {
	return fga.Tuple{Object: t.Object, Relation: t.Relation, Subject: t.Subject}
}

// PermissionTuplesMax bounds the tuples of one system (Check reads them all).
const PermissionTuplesMax = 10_000

// PermissionSystemModelExample is the model a new permission system starts with.
const PermissionSystemModelExample = `model
  schema 1.1

type user

type group
  relations
    define member: [user, group#member]

type folder
  relations
    define owner: [user]
    define viewer: [user, group#member] or owner

type document
  relations
    define parent: [folder]
    define owner: [user]
    define editor: [user, group#member] or owner
    define viewer: [user, group#member] or editor or viewer from parent
`

func permissionSystemTarget(p PermissionSystem) Target {
	return Target{Type: "permission_system", ID: fmt.Sprint(p.ID), Label: p.Name}
}

// PermissionSystemInput is the permission system form.
type PermissionSystemInput struct {
	Name        string
	Description string
	Model       string
	Version     int64
}

func (in *PermissionSystemInput) normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
	in.Model = strings.ReplaceAll(in.Model, "\r\n", "\n")
}

// checkPermissionSystem validates the form; the model is parsed with
// OpenFGA's parser and its issues (with line and column) go beside the
// field.
func checkPermissionSystem(f fieldErrors, in PermissionSystemInput) {
	checkResourceName(f, in.Name)
	checkMax(f, "description", "Description", in.Description, 500)
	if _, err := fga.Parse(in.Model); err != nil {
		var pe *fga.ParseError
		if errors.As(err, &pe) && len(pe.Issues) > 0 {
			msgs := make([]string, 0, min(len(pe.Issues), 5))
			for _, is := range pe.Issues[:min(len(pe.Issues), 5)] {
				msgs = append(msgs, is.String())
			}
			msg := "The model is not valid: " + strings.Join(msgs, "; ")
			if len(pe.Issues) > 5 {
				msg += fmt.Sprintf(" (and %d more)", len(pe.Issues)-5)
			}
			f.add("model", msg)
			return
		}
		f.add("model", "The model is not valid: "+err.Error())
	}
}

func permissionSystemIn(tx *gorm.DB, tenantID, id int64) (PermissionSystem, error) {
	var p PermissionSystem
	err := tx.Where("tenant_id = ? AND id = ?", tenantID, id).Take(&p).Error
	return p, notFound(err)
}

func permissionSystemNameTaken(tx *gorm.DB, tenantID, exceptID int64, name string) (bool, error) {
	var n int64
	err := tx.Model(&PermissionSystem{}).Where("tenant_id = ? AND name = ? AND id <> ?", tenantID, name, exceptID).Count(&n).Error
	return n > 0, err
}

func allowedTenant(v Viewer, p authz.Permission) error {
	if v.Can(p) {
		return nil
	}
	return ErrForbidden
}

// PermissionSystemByID loads a permission system of the tenant (the route
// loader; the route's permission is checked before).
func (s *Store) PermissionSystemByID(ctx context.Context, tenantID, id int64) (PermissionSystem, error) {
	return permissionSystemIn(s.DB.WithContext(ctx), tenantID, id)
}

// ListPermissionSystems returns a page of the tenant's permission systems by name.
func (s *Store) ListPermissionSystems(ctx context.Context, v Viewer, lq ResourceList) ([]PermissionSystem, string, error) {
	if err := allowedTenant(v, authz.ReadPermissionSystems); err != nil {
		return nil, "", err
	}
	q := s.DB.WithContext(ctx).Where("tenant_id = ?", v.Tenant.ID)
	return keysetByName(q, lq, func(p PermissionSystem) string { return p.Name }, "description")
}

// CountPermissionTuples counts the tuples of each of the systems.
func (s *Store) CountPermissionTuples(ctx context.Context, tenantID int64, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		SystemID int64
		N        int64
	}
	err := s.DB.WithContext(ctx).Model(&PermissionTuple{}).Select("system_id, COUNT(*) AS n").
		Where("tenant_id = ? AND system_id IN ?", tenantID, ids).Group("system_id").Scan(&rows).Error
	for _, r := range rows {
		out[r.SystemID] = r.N
	}
	return out, err
}

// CreatePermissionSystem creates a permission system with a valid model.
func (s *Store) CreatePermissionSystem(ctx context.Context, v Viewer, in PermissionSystemInput, actor Actor) (PermissionSystem, error) {
	if err := allowedTenant(v, authz.ManagePermissionSystems); err != nil {
		return PermissionSystem{}, err
	}
	in.normalize()
	f := fieldErrors{}
	checkPermissionSystem(f, in)
	now := s.now()
	var out PermissionSystem
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if f["name"] == "" {
			if taken, err := permissionSystemNameTaken(tx, v.Tenant.ID, 0, in.Name); err != nil {
				return err
			} else if taken {
				f.add("name", "A permission system named “"+in.Name+"” already exists.")
			}
		}
		if err := f.err(); err != nil {
			return err
		}
		p := PermissionSystem{TenantID: v.Tenant.ID, Name: in.Name, Description: in.Description, Model: in.Model, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&p).Error; err != nil {
			return err
		}
		out = p
		return writeAudit(tx, now, v.Tenant.ID, actor, "permission_system.created", permissionSystemTarget(p), Changes{
			"name": {After: p.Name}, "description": {After: p.Description}, "model": {After: p.Model},
		})
	})
	return out, err
}

// UpdatePermissionSystem saves the form (optimistic locking on Version).
// Tuples that no longer fit the new model are kept but take no part in
// checks; the page lists them.
func (s *Store) UpdatePermissionSystem(ctx context.Context, v Viewer, id int64, in PermissionSystemInput, actor Actor) (PermissionSystem, error) {
	if err := allowedTenant(v, authz.ManagePermissionSystems); err != nil {
		return PermissionSystem{}, err
	}
	in.normalize()
	var out PermissionSystem
	err := s.tx(ctx, func(tx *gorm.DB) error {
		cur, err := permissionSystemIn(tx, v.Tenant.ID, id)
		if err != nil {
			return err
		}
		f := fieldErrors{}
		checkPermissionSystem(f, in)
		if f["name"] == "" {
			if taken, err := permissionSystemNameTaken(tx, v.Tenant.ID, id, in.Name); err != nil {
				return err
			} else if taken {
				f.add("name", "A permission system named “"+in.Name+"” already exists.")
			}
		}
		if err := f.err(); err != nil {
			return err
		}
		if cur.Version != in.Version {
			return ErrChangedSince
		}
		ch := Changes{}
		diff(ch, "name", cur.Name, in.Name)
		diff(ch, "description", cur.Description, in.Description)
		diff(ch, "model", cur.Model, in.Model)
		out = cur
		if len(ch) == 0 {
			return nil
		}
		now := s.now()
		if err := bumpVersion(tx, &PermissionSystem{}, cur.ID, cur.Version, map[string]any{
			"name": in.Name, "description": in.Description, "model": in.Model, "updated_at": now,
		}); err != nil {
			return err
		}
		out.Name, out.Description, out.Model, out.Version, out.UpdatedAt = in.Name, in.Description, in.Model, cur.Version+1, now
		return writeAudit(tx, now, v.Tenant.ID, actor, "permission_system.updated", permissionSystemTarget(out), ch)
	})
	return out, err
}

// DeletePermissionSystem deletes a permission system and its tuples.
func (s *Store) DeletePermissionSystem(ctx context.Context, v Viewer, id int64, actor Actor) error {
	if err := allowedTenant(v, authz.ManagePermissionSystems); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		p, err := permissionSystemIn(tx, v.Tenant.ID, id)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&PermissionTuple{}).Where("tenant_id = ? AND system_id = ?", v.Tenant.ID, p.ID).Count(&n).Error; err != nil {
			return err
		}
		if err := tx.Where("tenant_id = ? AND system_id = ?", v.Tenant.ID, p.ID).Delete(&PermissionTuple{}).Error; err != nil {
			return err
		}
		if err := tx.Delete(&PermissionSystem{}, p.ID).Error; err != nil {
			return err
		}
		return writeAudit(tx, s.now(), v.Tenant.ID, actor, "permission_system.deleted", permissionSystemTarget(p), Changes{
			"name": {Before: p.Name}, "tuples": {Before: n},
		})
	})
}

// PermissionTuples lists a system's tuples, in the order written.
func (s *Store) PermissionTuples(ctx context.Context, v Viewer, systemID int64) ([]PermissionTuple, error) {
	if err := allowedTenant(v, authz.ReadPermissionSystems); err != nil {
		return nil, err
	}
	var out []PermissionTuple
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND system_id = ?", v.Tenant.ID, systemID).Order("id").Limit(PermissionTuplesMax).Find(&out).Error
	return out, err
}

// TupleInput is the Add tuple form.
type TupleInput struct {
	Object, Relation, Subject string
}

// AddPermissionTuple adds a tuple after checking it against the system's
// model (types and relation exist, the relation is directly assignable,
// the subject's type is allowed). A duplicate is refused.
func (s *Store) AddPermissionTuple(ctx context.Context, v Viewer, systemID int64, in TupleInput, actor Actor) (PermissionTuple, error) {
	if err := allowedTenant(v, authz.ManagePermissionSystems); err != nil {
		return PermissionTuple{}, err
	}
	in.Object, in.Relation, in.Subject = strings.TrimSpace(in.Object), strings.TrimSpace(in.Relation), strings.TrimSpace(in.Subject)
	var out PermissionTuple
	err := s.tx(ctx, func(tx *gorm.DB) error {
		p, err := permissionSystemIn(tx, v.Tenant.ID, systemID)
		if err != nil {
			return err
		}
		m, err := fga.Parse(p.Model)
		if err != nil {
			return &ValidationError{Fields: map[string]string{"object": "The saved model is not valid any more: fix it first."}}
		}
		f := fieldErrors{}
		for field, v := range map[string]string{"object": in.Object, "relation": in.Relation, "subject": in.Subject} {
			if v == "" {
				f.add(field, strings.ToUpper(field[:1])+field[1:]+" is required.")
			}
		}
		if err := f.err(); err != nil {
			return err
		}
		if err := m.ValidateTuple(fga.Tuple{Object: in.Object, Relation: in.Relation, Subject: in.Subject}); err != nil {
			var fe *fga.FieldError
			if errors.As(err, &fe) {
				return &ValidationError{Fields: map[string]string{fe.Field: upperFirst(fe.Message) + "."}}
			}
			return &ValidationError{Fields: map[string]string{"object": err.Error()}}
		}
		var n int64
		if err := tx.Model(&PermissionTuple{}).Where("tenant_id = ? AND system_id = ?", v.Tenant.ID, p.ID).Count(&n).Error; err != nil {
			return err
		}
		if n >= PermissionTuplesMax {
			return &ValidationError{Fields: map[string]string{"object": fmt.Sprintf("A permission system holds at most %d tuples.", PermissionTuplesMax)}}
		}
		var dup int64
		if err := tx.Model(&PermissionTuple{}).Where("system_id = ? AND object = ? AND relation = ? AND subject = ?", p.ID, in.Object, in.Relation, in.Subject).Count(&dup).Error; err != nil {
			return err
		}
		if dup > 0 {
			return &ValidationError{Fields: map[string]string{"subject": "This tuple exists already."}}
		}
		now := s.now()
		t := PermissionTuple{TenantID: v.Tenant.ID, SystemID: p.ID, Object: in.Object, Relation: in.Relation, Subject: in.Subject, CreatedAt: now}
		if err := tx.Create(&t).Error; err != nil {
			return err
		}
		out = t
		return writeAudit(tx, now, v.Tenant.ID, actor, "permission_system.tuple_added", permissionSystemTarget(p), Changes{
			"tuple": {After: t.Tuple().String()},
		})
	})
	return out, err
}

// RemovePermissionTuple removes a tuple of the system (404 for another's).
func (s *Store) RemovePermissionTuple(ctx context.Context, v Viewer, systemID, tupleID int64, actor Actor) error {
	if err := allowedTenant(v, authz.ManagePermissionSystems); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		p, err := permissionSystemIn(tx, v.Tenant.ID, systemID)
		if err != nil {
			return err
		}
		var t PermissionTuple
		if err := tx.Where("tenant_id = ? AND system_id = ? AND id = ?", v.Tenant.ID, p.ID, tupleID).Take(&t).Error; err != nil {
			return notFound(err)
		}
		if err := tx.Delete(&PermissionTuple{}, t.ID).Error; err != nil {
			return err
		}
		return writeAudit(tx, s.now(), v.Tenant.ID, actor, "permission_system.tuple_removed", permissionSystemTarget(p), Changes{
			"tuple": {Before: t.Tuple().String()},
		})
	})
}

// CheckInput is the Check form.
type CheckInput struct {
	Object, Relation, Subject string
}

// CheckPermission answers whether in.Subject has in.Relation to in.Object
// in the system, with the path that allowed it. A request that does not
// fit the model is a *ValidationError beside its field; a check beyond
// the depth or size bounds is a *ValidationError too ("too deep").
func (s *Store) CheckPermission(ctx context.Context, v Viewer, systemID int64, in CheckInput) (fga.Result, error) {
	if err := allowedTenant(v, authz.ReadPermissionSystems); err != nil {
		return fga.Result{}, err
	}
	in.Object, in.Relation, in.Subject = strings.TrimSpace(in.Object), strings.TrimSpace(in.Relation), strings.TrimSpace(in.Subject)
	p, err := permissionSystemIn(s.DB.WithContext(ctx), v.Tenant.ID, systemID)
	if err != nil {
		return fga.Result{}, err
	}
	m, err := fga.Parse(p.Model)
	if err != nil {
		return fga.Result{}, &ValidationError{Fields: map[string]string{"object": "The saved model is not valid any more: fix it first."}}
	}
	tuples, err := s.PermissionTuples(ctx, v, p.ID)
	if err != nil {
		return fga.Result{}, err
	}
	ft := make([]fga.Tuple, len(tuples))
	for i, t := range tuples {
		ft[i] = t.Tuple()
	}
	res, err := m.NewChecker(ft).Check(in.Object, in.Relation, in.Subject)
	var fe *fga.FieldError
	switch {
	case errors.As(err, &fe):
		return res, &ValidationError{Fields: map[string]string{fe.Field: upperFirst(fe.Message) + "."}}
	case fga.IsLimit(err):
		return res, &ValidationError{Fields: map[string]string{"relation": fmt.Sprintf("The check was stopped: it needs more than %d nested steps or %d sub-checks. Simplify the model or the tuples.", fga.MaxDepth, fga.MaxDispatches)}}
	}
	return res, err
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}
