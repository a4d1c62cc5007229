package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gatehouse/models/authz"
	"gatehouse/models/policy"

	"gorm.io/gorm"
)

// Policy is a CEL expression over request, user, client and scopes that
// allows (true) or denies (false); an API may name one.
type Policy struct {
	ID          int64 `gorm:"primaryKey"`
	TenantID    int64
	WorkspaceID int64
	Name        string
	Description string
	Definition  string
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// TableName pins the table.
func (Policy) TableName() string { return "policies" }

func policyTarget(p Policy) Target {
	return Target{Type: "policy", ID: fmt.Sprint(p.ID), Label: p.Name}
}

// PolicyDescriptionMax is the longest description of a policy.
const PolicyDescriptionMax = 500

// PolicyInput is the policy form.
type PolicyInput struct {
	Name        string
	Description string
	Definition  string
	Version     int64
}

func (in *PolicyInput) normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(strings.ReplaceAll(in.Description, "\r\n", "\n"))
	in.Definition = strings.ReplaceAll(in.Definition, "\r\n", "\n")
}

// checkPolicyFields validates the form and compiles the definition: its
// errors go beside "definition" with their line and column.
func checkPolicyFields(f fieldErrors, in PolicyInput) {
	checkResourceName(f, in.Name)
	checkMax(f, "description", "Description", in.Description, PolicyDescriptionMax)
	if len([]rune(in.Definition)) > policy.MaxDefinitionLength {
		f.add("definition", fmt.Sprintf("Definition must be at most %d characters.", policy.MaxDefinitionLength))
		return
	}
	if _, err := policy.Compile(in.Definition); err != nil {
		var ce *policy.CompileError
		if errors.As(err, &ce) {
			f.add("definition", capitalize(ce.Error())+".")
			return
		}
		f.add("definition", "The definition could not be compiled: "+err.Error())
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func policyIn(tx *gorm.DB, tenantID, wsID, id int64) (Policy, error) {
	var p Policy
	err := tx.Where("tenant_id = ? AND workspace_id = ? AND id = ?", tenantID, wsID, id).Take(&p).Error
	return p, notFound(err)
}

// ListPolicies returns a page of the workspace's policies by name.
func (s *Store) ListPolicies(ctx context.Context, v Viewer, wsID int64, lq ResourceList) ([]Policy, string, error) {
	if err := allowedIn(v, authz.ReadWorkspacePolicies, wsID); err != nil {
		return nil, "", err
	}
	q := s.DB.WithContext(ctx).Where("tenant_id = ? AND workspace_id = ?", v.Tenant.ID, wsID)
	return keysetByName(q, lq, func(p Policy) string { return p.Name }, "description")
}

// AllPolicies lists up to 500 of the workspace's policies by name (the
// choice of an API's policy).
func (s *Store) AllPolicies(ctx context.Context, tenantID, wsID int64) ([]Policy, error) {
	var out []Policy
	err := s.DB.WithContext(ctx).Select("id", "name").Where("tenant_id = ? AND workspace_id = ?", tenantID, wsID).Order("name").Limit(500).Find(&out).Error
	return out, err
}

// GetPolicy loads one policy of the workspace.
func (s *Store) GetPolicy(ctx context.Context, v Viewer, wsID, id int64) (Policy, error) {
	if err := allowedIn(v, authz.ReadWorkspacePolicies, wsID); err != nil {
		return Policy{}, err
	}
	return policyIn(s.DB.WithContext(ctx), v.Tenant.ID, wsID, id)
}

// CreatePolicy compiles and creates a policy.
func (s *Store) CreatePolicy(ctx context.Context, v Viewer, wsID int64, in PolicyInput, actor Actor) (Policy, error) {
	if err := allowedIn(v, authz.ManageWorkspacePolicies, wsID); err != nil {
		return Policy{}, err
	}
	in.normalize()
	f := fieldErrors{}
	checkPolicyFields(f, in)
	if err := f.err(); err != nil {
		return Policy{}, err
	}
	now := s.now()
	p := Policy{TenantID: v.Tenant.ID, WorkspaceID: wsID, Name: in.Name, Description: in.Description, Definition: in.Definition, Version: 1, CreatedAt: now, UpdatedAt: now}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if taken, err := nameTaken(tx, &Policy{}, v.Tenant.ID, wsID, 0, in.Name); err != nil {
			return err
		} else if taken {
			return &ValidationError{Fields: map[string]string{"name": "A policy named “" + in.Name + "” already exists in this workspace."}}
		}
		if err := tx.Create(&p).Error; err != nil {
			return err
		}
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "policy.created", policyTarget(p), Changes{
			"name": {After: p.Name}, "description": {After: p.Description}, "definition": {After: p.Definition},
		})
	})
	if err != nil {
		return Policy{}, err
	}
	return p, nil
}

// UpdatePolicy compiles and saves a policy (optimistic locking on version).
func (s *Store) UpdatePolicy(ctx context.Context, v Viewer, wsID, id int64, in PolicyInput, actor Actor) (Policy, error) {
	if err := allowedIn(v, authz.ManageWorkspacePolicies, wsID); err != nil {
		return Policy{}, err
	}
	in.normalize()
	f := fieldErrors{}
	checkPolicyFields(f, in)
	if err := f.err(); err != nil {
		return Policy{}, err
	}
	var out Policy
	err := s.tx(ctx, func(tx *gorm.DB) error {
		cur, err := policyIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		if cur.Version != in.Version {
			return ErrChangedSince
		}
		if taken, err := nameTaken(tx, &Policy{}, v.Tenant.ID, wsID, id, in.Name); err != nil {
			return err
		} else if taken {
			return &ValidationError{Fields: map[string]string{"name": "A policy named “" + in.Name + "” already exists in this workspace."}}
		}
		ch := Changes{}
		diff(ch, "name", cur.Name, in.Name)
		diff(ch, "description", cur.Description, in.Description)
		diff(ch, "definition", cur.Definition, in.Definition)
		out = cur
		if len(ch) == 0 {
			return nil
		}
		now := s.now()
		if err := bumpVersion(tx, &Policy{}, cur.ID, cur.Version, map[string]any{
			"name": in.Name, "description": in.Description, "definition": in.Definition, "updated_at": now,
		}); err != nil {
			return err
		}
		out.Name, out.Description, out.Definition, out.Version, out.UpdatedAt = in.Name, in.Description, in.Definition, cur.Version+1, now
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "policy.updated", policyTarget(out), ch)
	})
	if err != nil {
		return Policy{}, err
	}
	return out, nil
}

// PolicyUsers lists the APIs ("GET /path" of service) that name the policy.
func (s *Store) PolicyUsers(ctx context.Context, tenantID, policyID int64) ([]string, error) {
	return policyUsers(s.DB.WithContext(ctx), tenantID, policyID)
}

func policyUsers(tx *gorm.DB, tenantID, policyID int64) ([]string, error) {
	var rows []struct {
		Method, Path, Name string
	}
	err := tx.Table("service_apis").Select("service_apis.method, service_apis.path, services.name").
		Joins("JOIN services ON services.id = service_apis.service_id").
		Where("service_apis.tenant_id = ? AND service_apis.policy_id = ?", tenantID, policyID).
		Order("services.name, service_apis.path, service_apis.method").Limit(100).Scan(&rows).Error
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Method + " " + r.Path + " (" + r.Name + ")"
	}
	return out, err
}

// DeletePolicy deletes a policy no API names.
func (s *Store) DeletePolicy(ctx context.Context, v Viewer, wsID, id int64, actor Actor) error {
	if err := allowedIn(v, authz.ManageWorkspacePolicies, wsID); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		p, err := policyIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		users, err := policyUsers(tx, v.Tenant.ID, p.ID)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return &ValidationError{Fields: map[string]string{"policy": fmt.Sprintf("%d %s this policy (%s): choose another policy for them first.",
				len(users), plural(len(users), "API uses", "APIs use"), strings.Join(firstN(users, 3), ", "))}}
		}
		if err := tx.Delete(&Policy{}, p.ID).Error; err != nil {
			return err
		}
		return writeAuditIn(tx, s.now(), v.Tenant.ID, wsID, actor, "policy.deleted", policyTarget(p), Changes{"name": {Before: p.Name}, "definition": {Before: p.Definition}})
	})
}

// PolicyTestResult is the outcome of Test: Allowed when Error is "".
type PolicyTestResult struct {
	Allowed bool
	Error   string
}

// TestPolicy evaluates a definition (the one in the form, saved or not)
// against a JSON input within policy.DefaultLimits. Bad input or an
// uncompilable definition comes back as a ValidationError ("input",
// "definition"); an evaluation error is the result's Error. It needs only
// Read Workspace Policies: it changes nothing.
func (s *Store) TestPolicy(ctx context.Context, v Viewer, wsID int64, definition, input string) (PolicyTestResult, error) {
	if err := allowedIn(v, authz.ReadWorkspacePolicies, wsID); err != nil {
		return PolicyTestResult{}, err
	}
	f := fieldErrors{}
	prog, err := policy.Compile(strings.ReplaceAll(definition, "\r\n", "\n"))
	if err != nil {
		var ce *policy.CompileError
		if errors.As(err, &ce) {
			f.add("definition", capitalize(ce.Error())+".")
		} else {
			return PolicyTestResult{}, err
		}
	}
	vars, err := policy.ParseInput([]byte(input))
	if err != nil {
		var ie *policy.InputError
		if !errors.As(err, &ie) {
			return PolicyTestResult{}, err
		}
		msg := ie.Message
		if ie.Path != "" {
			msg = ie.Path + ": " + msg
		}
		f.add("input", "Input: "+msg+".")
	}
	if err := f.err(); err != nil {
		return PolicyTestResult{}, err
	}
	allowed, err := prog.Evaluate(ctx, vars)
	switch {
	case err == nil:
		return PolicyTestResult{Allowed: allowed}, nil
	case errors.Is(err, policy.ErrTimedOut):
		return PolicyTestResult{Error: "The evaluation took too long and was stopped."}, nil
	case errors.Is(err, policy.ErrCostLimitExceeded):
		return PolicyTestResult{Error: "The evaluation was stopped: it went past the cost limit."}, nil
	}
	var ee *policy.EvalError
	if errors.As(err, &ee) {
		return PolicyTestResult{Error: "Evaluation failed: " + ee.Message + "."}, nil
	}
	var ie *policy.InputError
	if errors.As(err, &ie) {
		return PolicyTestResult{}, &ValidationError{Fields: map[string]string{"input": "Input: " + ie.Error()}}
	}
	return PolicyTestResult{}, err
}
