package models

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"gatehouse/models/authz"
	"gatehouse/models/openapiimport"

	"gorm.io/gorm"
)

// Service is a resource server of a workspace: the audience of its access
// tokens, its scopes and its APIs.
type Service struct {
	ID          int64 `gorm:"primaryKey"`
	TenantID    int64
	WorkspaceID int64
	Name        string
	Audience    string
	Description string
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ServiceScope is one scope a service defines.
type ServiceScope struct {
	ID          int64 `gorm:"primaryKey"`
	TenantID    int64
	WorkspaceID int64
	ServiceID   int64
	Scope       string
	Description string
	CreatedAt   time.Time
}

// ServiceAPI is one operation of a service: a method on a path, the
// scopes it requires and the policy, if any, that decides access.
type ServiceAPI struct {
	ID          int64 `gorm:"primaryKey"`
	TenantID    int64
	WorkspaceID int64
	ServiceID   int64
	Method      string
	Path        string
	Scopes      string // space-separated
	PolicyID    *int64
	Summary     string
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ScopeList returns the API's required scopes.
func (a ServiceAPI) ScopeList() []string { return splitWords(a.Scopes) }

// TableName pins the table (GORM would say "service_ap_is").
func (ServiceAPI) TableName() string { return "service_apis" }

func serviceTarget(sv Service) Target {
	return Target{Type: "service", ID: fmt.Sprint(sv.ID), Label: sv.Name}
}

// Field limits of services.
const (
	ServiceAudienceMax    = 400
	ServiceDescriptionMax = 500
	ScopeDescriptionMax   = 300
	APIPathMax            = 400
	APISummaryMax         = 300
)

// APIMethods are the methods an API may have.
var APIMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "QUERY"}

// ServiceInput is the service form.
type ServiceInput struct {
	Name        string
	Audience    string
	Description string
	Version     int64 // the version the form was opened on (update)
}

func (in *ServiceInput) normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.Audience = strings.TrimSpace(in.Audience)
	in.Description = strings.TrimSpace(strings.ReplaceAll(in.Description, "\r\n", "\n"))
}

func checkServiceFields(f fieldErrors, in ServiceInput) {
	checkResourceName(f, in.Name)
	switch u, err := url.Parse(in.Audience); {
	case in.Audience == "":
		f.add("audience", "Audience is required: an absolute URI, like https://api.example.com/.")
	case len(in.Audience) > ServiceAudienceMax:
		f.add("audience", fmt.Sprintf("Audience must be at most %d characters.", ServiceAudienceMax))
	case err != nil || !u.IsAbs() || strings.ContainsAny(in.Audience, " \t\n") || u.Fragment != "":
		f.add("audience", "Audience must be an absolute URI without a fragment, like https://api.example.com/ or urn:example:api.")
	}
	checkMax(f, "description", "Description", in.Description, ServiceDescriptionMax)
}

// serviceIn loads a service of the workspace.
func serviceIn(tx *gorm.DB, tenantID, wsID, id int64) (Service, error) {
	var sv Service
	err := tx.Where("tenant_id = ? AND workspace_id = ? AND id = ?", tenantID, wsID, id).Take(&sv).Error
	return sv, notFound(err)
}

// ListServices returns a page of the workspace's services by name.
func (s *Store) ListServices(ctx context.Context, v Viewer, wsID int64, lq ResourceList) ([]Service, string, error) {
	if err := allowedIn(v, authz.ReadServicesInWorkspace, wsID); err != nil {
		return nil, "", err
	}
	q := s.DB.WithContext(ctx).Where("tenant_id = ? AND workspace_id = ?", v.Tenant.ID, wsID)
	return keysetByName(q, lq, func(sv Service) string { return sv.Name }, "audience")
}

// CountServices counts the workspace's services (dashboard card).
func (s *Store) CountServices(ctx context.Context, tenantID, wsID int64) (int64, error) {
	var n int64
	err := s.DB.WithContext(ctx).Model(&Service{}).Where("tenant_id = ? AND workspace_id = ?", tenantID, wsID).Count(&n).Error
	return n, err
}

// GetService loads one service of the workspace.
func (s *Store) GetService(ctx context.Context, v Viewer, wsID, id int64) (Service, error) {
	if err := allowedIn(v, authz.ReadServicesInWorkspace, wsID); err != nil {
		return Service{}, err
	}
	return serviceIn(s.DB.WithContext(ctx), v.Tenant.ID, wsID, id)
}

func audienceTaken(tx *gorm.DB, tenantID, wsID, exceptID int64, audience string) (bool, error) {
	var n int64
	err := tx.Model(&Service{}).Where("tenant_id = ? AND workspace_id = ? AND audience = ? AND id <> ?", tenantID, wsID, audience, exceptID).Count(&n).Error
	return n > 0, err
}

func nameTaken(tx *gorm.DB, model any, tenantID, wsID, exceptID int64, name string) (bool, error) {
	var n int64
	err := tx.Model(model).Where("tenant_id = ? AND workspace_id = ? AND name = ? AND id <> ?", tenantID, wsID, name, exceptID).Count(&n).Error
	return n > 0, err
}

// checkServiceUnique adds the field errors of a name or audience already
// used in the workspace.
func checkServiceUnique(f fieldErrors, tx *gorm.DB, tenantID, wsID, exceptID int64, in ServiceInput) error {
	taken, err := nameTaken(tx, &Service{}, tenantID, wsID, exceptID, in.Name)
	if err != nil {
		return err
	}
	if taken {
		f.add("name", "A service named “"+in.Name+"” already exists in this workspace.")
	}
	if taken, err = audienceTaken(tx, tenantID, wsID, exceptID, in.Audience); err != nil {
		return err
	}
	if taken {
		f.add("audience", "Another service of this workspace has the audience “"+in.Audience+"”.")
	}
	return nil
}

// CreateService creates a service, with its audit event.
func (s *Store) CreateService(ctx context.Context, v Viewer, wsID int64, in ServiceInput, actor Actor) (Service, error) {
	if err := allowedIn(v, authz.ManageServicesInWorkspace, wsID); err != nil {
		return Service{}, err
	}
	in.normalize()
	f := fieldErrors{}
	checkServiceFields(f, in)
	if err := f.err(); err != nil {
		return Service{}, err
	}
	now := s.now()
	sv := Service{TenantID: v.Tenant.ID, WorkspaceID: wsID, Name: in.Name, Audience: in.Audience, Description: in.Description, Version: 1, CreatedAt: now, UpdatedAt: now}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := checkServiceUnique(f, tx, v.Tenant.ID, wsID, 0, in); err != nil {
			return err
		}
		if err := f.err(); err != nil {
			return err
		}
		if err := tx.Create(&sv).Error; err != nil {
			if isUniqueViolation(err) {
				return &ValidationError{Fields: map[string]string{"name": "A service with this name or audience already exists in this workspace."}}
			}
			return err
		}
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "service.created", serviceTarget(sv), Changes{
			"name": {After: sv.Name}, "audience": {After: sv.Audience}, "description": {After: sv.Description},
		})
	})
	if err != nil {
		return Service{}, err
	}
	return sv, nil
}

// UpdateService saves a service's form. in.Version must be the current
// version (else ErrChangedSince, nothing written).
func (s *Store) UpdateService(ctx context.Context, v Viewer, wsID, id int64, in ServiceInput, actor Actor) (Service, error) {
	if err := allowedIn(v, authz.ManageServicesInWorkspace, wsID); err != nil {
		return Service{}, err
	}
	in.normalize()
	f := fieldErrors{}
	checkServiceFields(f, in)
	if err := f.err(); err != nil {
		return Service{}, err
	}
	var out Service
	err := s.tx(ctx, func(tx *gorm.DB) error {
		cur, err := serviceIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		if cur.Version != in.Version {
			return ErrChangedSince
		}
		if err := checkServiceUnique(f, tx, v.Tenant.ID, wsID, id, in); err != nil {
			return err
		}
		if err := f.err(); err != nil {
			return err
		}
		ch := Changes{}
		diff(ch, "name", cur.Name, in.Name)
		diff(ch, "audience", cur.Audience, in.Audience)
		diff(ch, "description", cur.Description, in.Description)
		out = cur
		if len(ch) == 0 {
			return nil
		}
		now := s.now()
		if err := bumpVersion(tx, &Service{}, cur.ID, cur.Version, map[string]any{
			"name": in.Name, "audience": in.Audience, "description": in.Description, "updated_at": now,
		}); err != nil {
			return err
		}
		out.Name, out.Audience, out.Description, out.Version, out.UpdatedAt = in.Name, in.Audience, in.Description, cur.Version+1, now
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "service.updated", serviceTarget(out), ch)
	})
	if err != nil {
		return Service{}, err
	}
	return out, nil
}

// bumpVersion updates a versioned row only if it still has version
// `version`, and grows it by one; ErrChangedSince if someone got there
// first.
func bumpVersion(tx *gorm.DB, model any, id, version int64, set map[string]any) error {
	set["version"] = gorm.Expr("version + 1")
	res := tx.Model(model).Where("id = ? AND version = ?", id, version).Updates(set)
	if res.Error != nil {
		if isUniqueViolation(res.Error) {
			return &ValidationError{Fields: map[string]string{"name": "Another resource of this workspace already has this name."}}
		}
		return res.Error
	}
	if res.RowsAffected != 1 {
		return ErrChangedSince
	}
	return nil
}

// ServiceCounts says what deleting a service takes with it.
type ServiceCounts struct {
	Scopes, APIs int64
}

// CountServiceParts counts a service's scopes and APIs.
func (s *Store) CountServiceParts(ctx context.Context, tenantID, serviceID int64) (ServiceCounts, error) {
	var c ServiceCounts
	db := s.DB.WithContext(ctx)
	if err := db.Model(&ServiceScope{}).Where("tenant_id = ? AND service_id = ?", tenantID, serviceID).Count(&c.Scopes).Error; err != nil {
		return c, err
	}
	err := db.Model(&ServiceAPI{}).Where("tenant_id = ? AND service_id = ?", tenantID, serviceID).Count(&c.APIs).Error
	return c, err
}

// DeleteService deletes a service with its scopes and APIs.
func (s *Store) DeleteService(ctx context.Context, v Viewer, wsID, id int64, actor Actor) error {
	if err := allowedIn(v, authz.ManageServicesInWorkspace, wsID); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		sv, err := serviceIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		sc := tx.Where("tenant_id = ? AND service_id = ?", v.Tenant.ID, sv.ID).Delete(&ServiceScope{})
		if sc.Error != nil {
			return sc.Error
		}
		ap := tx.Where("tenant_id = ? AND service_id = ?", v.Tenant.ID, sv.ID).Delete(&ServiceAPI{})
		if ap.Error != nil {
			return ap.Error
		}
		if err := tx.Delete(&Service{}, sv.ID).Error; err != nil {
			return err
		}
		return writeAuditIn(tx, s.now(), v.Tenant.ID, wsID, actor, "service.deleted", serviceTarget(sv), Changes{
			"name": {Before: sv.Name}, "audience": {Before: sv.Audience},
			"scopes": {Before: sc.RowsAffected}, "apis": {Before: ap.RowsAffected},
		})
	})
}

// ServiceScopes lists a service's scopes by name.
func (s *Store) ServiceScopes(ctx context.Context, tenantID, serviceID int64) ([]ServiceScope, error) {
	var out []ServiceScope
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND service_id = ?", tenantID, serviceID).Order("scope").Limit(1000).Find(&out).Error
	return out, err
}

// ScopeInput is the Add scope form.
type ScopeInput struct {
	Scope       string
	Description string
}

// AddServiceScope adds a scope to a service.
func (s *Store) AddServiceScope(ctx context.Context, v Viewer, wsID, serviceID int64, in ScopeInput, actor Actor) (ServiceScope, error) {
	if err := allowedIn(v, authz.ManageServicesInWorkspace, wsID); err != nil {
		return ServiceScope{}, err
	}
	in.Scope, in.Description = strings.TrimSpace(in.Scope), strings.TrimSpace(in.Description)
	f := fieldErrors{}
	switch {
	case in.Scope == "":
		f.add("scope", "Scope is required, like read:accounts.")
	case !validScope(in.Scope):
		f.add("scope", "A scope is at most 100 printable characters without spaces, quotes or backslashes, like read:accounts.")
	}
	checkMax(f, "description", "Description", in.Description, ScopeDescriptionMax)
	if err := f.err(); err != nil {
		return ServiceScope{}, err
	}
	now := s.now()
	sc := ServiceScope{TenantID: v.Tenant.ID, WorkspaceID: wsID, ServiceID: serviceID, Scope: in.Scope, Description: in.Description, CreatedAt: now}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		sv, err := serviceIn(tx, v.Tenant.ID, wsID, serviceID)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&ServiceScope{}).Where("service_id = ? AND scope = ?", sv.ID, in.Scope).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &ValidationError{Fields: map[string]string{"scope": "This service already has the scope “" + in.Scope + "”."}}
		}
		if err := tx.Create(&sc).Error; err != nil {
			return err
		}
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "service.scope_added", serviceTarget(sv), Changes{
			"scope": {After: sc.Scope}, "description": {After: sc.Description},
		})
	})
	if err != nil {
		return ServiceScope{}, err
	}
	return sc, nil
}

// RemoveServiceScope removes a scope no API of the service requires.
func (s *Store) RemoveServiceScope(ctx context.Context, v Viewer, wsID, serviceID, scopeID int64, actor Actor) error {
	if err := allowedIn(v, authz.ManageServicesInWorkspace, wsID); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		sv, err := serviceIn(tx, v.Tenant.ID, wsID, serviceID)
		if err != nil {
			return err
		}
		var sc ServiceScope
		if err := tx.Where("service_id = ? AND id = ?", sv.ID, scopeID).Take(&sc).Error; err != nil {
			return notFound(err)
		}
		var apis []ServiceAPI
		if err := tx.Where("service_id = ?", sv.ID).Find(&apis).Error; err != nil {
			return err
		}
		var using []string
		for _, a := range apis {
			for _, x := range a.ScopeList() {
				if x == sc.Scope {
					using = append(using, a.Method+" "+a.Path)
				}
			}
		}
		if len(using) > 0 {
			return &ValidationError{Fields: map[string]string{"scope": fmt.Sprintf("“%s” is required by %d %s (%s): change them first.",
				sc.Scope, len(using), plural(len(using), "API", "APIs"), strings.Join(firstN(using, 3), ", "))}}
		}
		if err := tx.Delete(&ServiceScope{}, sc.ID).Error; err != nil {
			return err
		}
		return writeAuditIn(tx, s.now(), v.Tenant.ID, wsID, actor, "service.scope_removed", serviceTarget(sv), Changes{"scope": {Before: sc.Scope}})
	})
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "…")
	}
	return s
}

// ServiceAPIs lists a service's APIs by path and method.
func (s *Store) ServiceAPIs(ctx context.Context, tenantID, serviceID int64) ([]ServiceAPI, error) {
	var out []ServiceAPI
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND service_id = ?", tenantID, serviceID).Order("path, method").Limit(MaxServiceAPIs).Find(&out).Error
	return out, err
}

// MaxServiceAPIs is the most APIs a service may have.
const MaxServiceAPIs = openapiimport.MaxOperations

// APIInput is the Add API form and an API's form.
type APIInput struct {
	Method   string
	Path     string
	Scopes   []string
	PolicyID int64 // 0: none; negative: not a number (refused)
	Summary  string
	Version  int64 // the version the form was opened on (update)
}

func (in *APIInput) normalize() {
	in.Method = strings.ToUpper(strings.TrimSpace(in.Method))
	in.Path = strings.TrimSpace(in.Path)
	in.Summary = strings.TrimSpace(in.Summary)
	in.Scopes = dedupe(in.Scopes)
}

// checkAPIFields checks what needs no query.
func checkAPIFields(f fieldErrors, in APIInput) {
	if !oneOf(in.Method, APIMethods...) {
		f.add("method", "Choose a method: "+strings.Join(APIMethods, ", ")+".")
	}
	checkAPIPath(f, in.Path)
	checkMax(f, "summary", "Summary", in.Summary, APISummaryMax)
}

// checkAPIRefs checks, inside the transaction, that the API's scopes are
// the service's, its policy one of the workspace's, and its method and
// path free on the service (exceptID: the API being edited).
func checkAPIRefs(f fieldErrors, tx *gorm.DB, tenantID, wsID int64, sv Service, exceptID int64, in APIInput) error {
	var own []string
	if err := tx.Model(&ServiceScope{}).Where("tenant_id = ? AND service_id = ?", tenantID, sv.ID).Pluck("scope", &own).Error; err != nil {
		return err
	}
	for _, sc := range in.Scopes {
		if !oneOf(sc, own...) {
			f.add("scopes", "“"+sc+"” is not a scope of this service: add it under Scopes first.")
		}
	}
	if in.PolicyID != 0 {
		if _, err := policyIn(tx, tenantID, wsID, in.PolicyID); err != nil {
			if !errors.Is(err, ErrNotFound) {
				return err
			}
			f.add("policy", "Choose one of this workspace's policies, or none.")
		}
	}
	if f["method"] == "" && f["path"] == "" {
		var n int64
		if err := tx.Model(&ServiceAPI{}).Where("service_id = ? AND method = ? AND path = ? AND id <> ?", sv.ID, in.Method, in.Path, exceptID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			f.add("path", "This service already has "+in.Method+" "+in.Path+".")
		}
	}
	return nil
}

func apiPolicy(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// apiIn loads an API of a service of the workspace.
func apiIn(tx *gorm.DB, tenantID, wsID, serviceID, id int64) (ServiceAPI, error) {
	var a ServiceAPI
	err := tx.Where("tenant_id = ? AND workspace_id = ? AND service_id = ? AND id = ?", tenantID, wsID, serviceID, id).Take(&a).Error
	return a, notFound(err)
}

// ServiceAPIByID loads an API of a service of a workspace (route loader:
// the permission is checked before); another service's API is not found.
func (s *Store) ServiceAPIByID(ctx context.Context, tenantID, wsID, serviceID, id int64) (ServiceAPI, error) {
	return apiIn(s.DB.WithContext(ctx), tenantID, wsID, serviceID, id)
}

// UpdateServiceAPI saves an API's form: method, path, required scopes,
// policy and summary, checked as when it was added. in.Version must be the
// current version (else ErrChangedSince, nothing written); the change is
// audited as service.api_updated with what changed.
func (s *Store) UpdateServiceAPI(ctx context.Context, v Viewer, wsID, serviceID, apiID int64, in APIInput, actor Actor) (ServiceAPI, error) {
	if err := allowedIn(v, authz.ManageWorkspaceAPIs, wsID); err != nil {
		return ServiceAPI{}, err
	}
	in.normalize()
	var out ServiceAPI
	err := s.tx(ctx, func(tx *gorm.DB) error {
		f := fieldErrors{}
		checkAPIFields(f, in)
		sv, err := serviceIn(tx, v.Tenant.ID, wsID, serviceID)
		if err != nil {
			return err
		}
		cur, err := apiIn(tx, v.Tenant.ID, wsID, sv.ID, apiID)
		if err != nil {
			return err
		}
		if cur.Version != in.Version {
			return ErrChangedSince
		}
		if err := checkAPIRefs(f, tx, v.Tenant.ID, wsID, sv, cur.ID, in); err != nil {
			return err
		}
		if err := f.err(); err != nil {
			return err
		}
		scopes := strings.Join(in.Scopes, " ")
		policy := apiPolicy(in.PolicyID)
		ch := Changes{}
		diff(ch, "method", cur.Method, in.Method)
		diff(ch, "path", cur.Path, in.Path)
		diff(ch, "scopes", cur.Scopes, scopes)
		diff(ch, "summary", cur.Summary, in.Summary)
		if (cur.PolicyID == nil) != (policy == nil) || (policy != nil && *cur.PolicyID != *policy) {
			ch["policy_id"] = Change{Before: cur.PolicyID, After: policy}
		}
		out = cur
		if len(ch) == 0 {
			return nil
		}
		now := s.now()
		res := tx.Model(&ServiceAPI{}).Where("id = ? AND version = ?", cur.ID, cur.Version).Updates(map[string]any{
			"method": in.Method, "path": in.Path, "scopes": scopes, "policy_id": policy, "summary": in.Summary,
			"updated_at": now, "version": gorm.Expr("version + 1"),
		})
		if res.Error != nil {
			if isUniqueViolation(res.Error) {
				return &ValidationError{Fields: map[string]string{"path": "This service already has " + in.Method + " " + in.Path + "."}}
			}
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrChangedSince
		}
		out.Method, out.Path, out.Scopes, out.PolicyID, out.Summary = in.Method, in.Path, scopes, policy, in.Summary
		out.Version, out.UpdatedAt = cur.Version+1, now
		ch["api"] = Change{Before: cur.Method + " " + cur.Path, After: out.Method + " " + out.Path}
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "service.api_updated", serviceTarget(sv), ch)
	})
	if err != nil {
		return ServiceAPI{}, err
	}
	return out, nil
}

var apiPathRE = regexp.MustCompile(`^/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@%]|\{[A-Za-z_][A-Za-z0-9_.\-]*\}|/)*$`)

func checkAPIPath(f fieldErrors, p string) {
	switch {
	case p == "":
		f.add("path", "Path is required, like /accounts/{id}.")
	case len(p) > APIPathMax:
		f.add("path", fmt.Sprintf("Path must be at most %d characters.", APIPathMax))
	case !apiPathRE.MatchString(p):
		f.add("path", "Path must start with / and name parameters in braces, like /accounts/{id}; no query, fragment or spaces.")
	}
}

// AddServiceAPI adds an API to a service. Its scopes must be the
// service's and its policy one of the workspace's.
func (s *Store) AddServiceAPI(ctx context.Context, v Viewer, wsID, serviceID int64, in APIInput, actor Actor) (ServiceAPI, error) {
	if err := allowedIn(v, authz.ManageWorkspaceAPIs, wsID); err != nil {
		return ServiceAPI{}, err
	}
	in.normalize()
	now := s.now()
	var api ServiceAPI
	err := s.tx(ctx, func(tx *gorm.DB) error {
		f := fieldErrors{}
		checkAPIFields(f, in)
		sv, err := serviceIn(tx, v.Tenant.ID, wsID, serviceID)
		if err != nil {
			return err
		}
		if err := checkAPIRefs(f, tx, v.Tenant.ID, wsID, sv, 0, in); err != nil {
			return err
		}
		if err := f.err(); err != nil {
			return err
		}
		api = ServiceAPI{TenantID: v.Tenant.ID, WorkspaceID: wsID, ServiceID: sv.ID, Method: in.Method, Path: in.Path,
			Scopes: strings.Join(in.Scopes, " "), PolicyID: apiPolicy(in.PolicyID), Summary: in.Summary, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&api).Error; err != nil {
			return err
		}
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "service.api_added", serviceTarget(sv), Changes{
			"api": {After: api.Method + " " + api.Path}, "scopes": {After: in.Scopes}, "policy_id": {After: api.PolicyID},
		})
	})
	if err != nil {
		return ServiceAPI{}, err
	}
	return api, nil
}

// RemoveServiceAPI removes one API of a service.
func (s *Store) RemoveServiceAPI(ctx context.Context, v Viewer, wsID, serviceID, apiID int64, actor Actor) error {
	if err := allowedIn(v, authz.ManageWorkspaceAPIs, wsID); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		sv, err := serviceIn(tx, v.Tenant.ID, wsID, serviceID)
		if err != nil {
			return err
		}
		var api ServiceAPI
		if err := tx.Where("service_id = ? AND id = ?", sv.ID, apiID).Take(&api).Error; err != nil {
			return notFound(err)
		}
		if err := tx.Delete(&ServiceAPI{}, api.ID).Error; err != nil {
			return err
		}
		return writeAuditIn(tx, s.now(), v.Tenant.ID, wsID, actor, "service.api_removed", serviceTarget(sv), Changes{"api": {Before: api.Method + " " + api.Path}})
	})
}

// ImportResult is what an OpenAPI import did.
type ImportResult struct {
	Title            string
	Created, Updated int
	ScopesCreated    int
	Unchanged        int
}

// ImportServiceAPIs reads an OpenAPI 3 document (JSON or YAML) and creates
// the APIs it describes, with the scopes they require (created on the
// service when missing); an API already there (same method and path) gets
// the document's scopes and summary. A bad document is refused with the
// parser's message under "openapi", and nothing is written: everything
// happens in one transaction with one audit event.
func (s *Store) ImportServiceAPIs(ctx context.Context, v Viewer, wsID, serviceID int64, document string, actor Actor) (ImportResult, error) {
	if err := allowedIn(v, authz.ManageWorkspaceAPIs, wsID); err != nil {
		return ImportResult{}, err
	}
	if err := allowedIn(v, authz.ManageServicesInWorkspace, wsID); err != nil {
		return ImportResult{}, err
	}
	ictx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	doc, err := openapiimport.Import(ictx, []byte(document))
	if err != nil {
		var ie *openapiimport.Error
		if errors.As(err, &ie) {
			return ImportResult{}, &ValidationError{Fields: map[string]string{"openapi": ie.Message}}
		}
		return ImportResult{}, err
	}
	f := fieldErrors{}
	for _, op := range doc.Operations {
		pf := fieldErrors{}
		checkAPIPath(pf, op.Path)
		if msg := pf["path"]; msg != "" {
			f.add("openapi", "The path "+op.Path+" cannot be imported: "+msg)
		}
		if !oneOf(op.Method, APIMethods...) {
			f.add("openapi", "The method "+op.Method+" of "+op.Path+" cannot be imported.")
		}
	}
	for _, sc := range doc.Scopes {
		if !validScope(sc.Name) {
			f.add("openapi", "The scope “"+sc.Name+"” cannot be imported: a scope is at most 100 printable characters without spaces, quotes or backslashes.")
		}
	}
	if err := f.err(); err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Title: doc.Title}
	now := s.now()
	err = s.tx(ctx, func(tx *gorm.DB) error {
		sv, err := serviceIn(tx, v.Tenant.ID, wsID, serviceID)
		if err != nil {
			return err
		}
		var own []string
		if err := tx.Model(&ServiceScope{}).Where("service_id = ?", sv.ID).Pluck("scope", &own).Error; err != nil {
			return err
		}
		for _, sc := range doc.Scopes {
			if oneOf(sc.Name, own...) {
				continue
			}
			desc := sc.Description
			if len([]rune(desc)) > ScopeDescriptionMax {
				desc = string([]rune(desc)[:ScopeDescriptionMax])
			}
			if err := tx.Create(&ServiceScope{TenantID: v.Tenant.ID, WorkspaceID: wsID, ServiceID: sv.ID, Scope: sc.Name, Description: desc, CreatedAt: now}).Error; err != nil {
				return err
			}
			res.ScopesCreated++
		}
		var existing []ServiceAPI
		if err := tx.Where("service_id = ?", sv.ID).Find(&existing).Error; err != nil {
			return err
		}
		byRoute := map[string]ServiceAPI{}
		for _, a := range existing {
			byRoute[a.Method+" "+a.Path] = a
		}
		if len(existing)+len(doc.Operations) > MaxServiceAPIs {
			var n int
			for _, op := range doc.Operations {
				if _, ok := byRoute[op.Method+" "+op.Path]; !ok {
					n++
				}
			}
			if len(existing)+n > MaxServiceAPIs {
				return &ValidationError{Fields: map[string]string{"openapi": fmt.Sprintf("A service has at most %d APIs; this import would make %d.", MaxServiceAPIs, len(existing)+n)}}
			}
		}
		for _, op := range doc.Operations {
			summary := op.Summary
			if len([]rune(summary)) > APISummaryMax {
				summary = string([]rune(summary)[:APISummaryMax])
			}
			scopes := strings.Join(op.Scopes, " ")
			if cur, ok := byRoute[op.Method+" "+op.Path]; ok {
				if cur.Scopes == scopes && cur.Summary == summary {
					res.Unchanged++
					continue
				}
				if err := tx.Model(&ServiceAPI{}).Where("id = ?", cur.ID).Updates(map[string]any{"scopes": scopes, "summary": summary, "updated_at": now, "version": gorm.Expr("version + 1")}).Error; err != nil {
					return err
				}
				res.Updated++
				continue
			}
			if err := tx.Create(&ServiceAPI{TenantID: v.Tenant.ID, WorkspaceID: wsID, ServiceID: sv.ID, Method: op.Method, Path: op.Path,
				Scopes: scopes, Summary: summary, Version: 1, CreatedAt: now, UpdatedAt: now}).Error; err != nil {
				return err
			}
			res.Created++
		}
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "service.apis_imported", serviceTarget(sv), Changes{
			"document":       {After: strings.TrimSpace(doc.Title + " " + doc.Version)},
			"apis_created":   {After: res.Created},
			"apis_updated":   {After: res.Updated},
			"scopes_created": {After: res.ScopesCreated},
		})
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}
