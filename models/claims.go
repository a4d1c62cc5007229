package models

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"gatehouse/models/authz"

	"gorm.io/gorm"
)

// Claim is a value put into tokens: read from the user's profile
// (user_attribute), their metadata, or a static value; released into the
// access or ID token when one of its scopes is granted (always when it has
// none).
type Claim struct {
	ID          int64 `gorm:"primaryKey"`
	TenantID    int64
	WorkspaceID int64
	Name        string
	SourceType  string
	Source      string
	Token       string
	Scopes      string // space-separated
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ScopeList is the claim's scopes.
func (c Claim) ScopeList() []string { return splitWords(c.Scopes) }

// Claim source types and tokens.
var (
	ClaimSourceTypes = []string{"user_attribute", "metadata", "static"}
	ClaimTokens      = []string{"access", "id"}
	// ClaimUserFields are the profile fields a user_attribute claim may
	// name; "attributes.NAME" names one of the user's attributes.
	ClaimUserFields = []string{"email", "email_verified", "username", "phone", "phone_verified", "given_name", "family_name"}
	// reservedClaims are set by the token issuer itself.
	reservedClaims = []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "azp", "scope", "nonce", "auth_time"}
	claimNameRE    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.:/\-]*$`)
	claimKeyRE     = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
)

// ClaimSourceMax is the longest source of a claim.
const ClaimSourceMax = 500

func claimTarget(c Claim) Target {
	return Target{Type: "claim", ID: fmt.Sprint(c.ID), Label: c.Name}
}

// ClaimInput is the claim form.
type ClaimInput struct {
	Name       string
	SourceType string
	Source     string
	Token      string
	Scopes     []string
	Version    int64
}

func checkClaim(f fieldErrors, in *ClaimInput) {
	in.Name, in.SourceType, in.Source, in.Token = strings.TrimSpace(in.Name), strings.TrimSpace(in.SourceType), strings.TrimSpace(in.Source), strings.TrimSpace(in.Token)
	in.Scopes = dedupe(in.Scopes)
	switch {
	case in.Name == "":
		f.add("name", "Name is required: the claim's name in the token, like department.")
	case len(in.Name) > ResourceNameMax || !claimNameRE.MatchString(in.Name):
		f.add("name", "A claim name starts with a letter or _ and has letters, digits and _ . : / - (at most 100), like department or https://example.com/roles.")
	case oneOf(in.Name, reservedClaims...):
		f.add("name", "“"+in.Name+"” is set by the token issuer itself: choose another name.")
	}
	switch in.SourceType {
	case "user_attribute":
		if name, ok := strings.CutPrefix(in.Source, "attributes."); ok {
			if !claimKeyRE.MatchString(name) {
				f.add("source", "Name the attribute after “attributes.”, like attributes.department.")
			}
		} else if !oneOf(in.Source, ClaimUserFields...) {
			f.add("source", "Choose a profile field ("+strings.Join(ClaimUserFields, ", ")+") or attributes.NAME.")
		}
	case "metadata":
		if !claimKeyRE.MatchString(in.Source) {
			f.add("source", "Name the metadata key, like plan (letters, digits, _ . -).")
		}
	case "static":
		if in.Source == "" {
			f.add("source", "Give the static value.")
		}
	default:
		f.add("source_type", "Choose a source type: user_attribute, metadata or static.")
	}
	checkMax(f, "source", "Source", in.Source, ClaimSourceMax)
	if !oneOf(in.Token, ClaimTokens...) {
		f.add("token", "Choose the token: access or id.")
	}
}

func claimIn(tx *gorm.DB, tenantID, wsID, id int64) (Claim, error) {
	var c Claim
	err := tx.Where("tenant_id = ? AND workspace_id = ? AND id = ?", tenantID, wsID, id).Take(&c).Error
	return c, notFound(err)
}

// ListClaims returns a page of the workspace's claims by name.
func (s *Store) ListClaims(ctx context.Context, v Viewer, wsID int64, lq ResourceList) ([]Claim, string, error) {
	if err := allowedIn(v, authz.ReadWorkspaceClaims, wsID); err != nil {
		return nil, "", err
	}
	q := s.DB.WithContext(ctx).Where("tenant_id = ? AND workspace_id = ?", v.Tenant.ID, wsID)
	return keysetByName(q, lq, func(c Claim) string { return c.Name }, "source")
}

// GetClaim loads one claim of the workspace.
func (s *Store) GetClaim(ctx context.Context, v Viewer, wsID, id int64) (Claim, error) {
	if err := allowedIn(v, authz.ReadWorkspaceClaims, wsID); err != nil {
		return Claim{}, err
	}
	return claimIn(s.DB.WithContext(ctx), v.Tenant.ID, wsID, id)
}

// CreateClaim creates a claim.
func (s *Store) CreateClaim(ctx context.Context, v Viewer, wsID int64, in ClaimInput, actor Actor) (Claim, error) {
	if err := allowedIn(v, authz.ManageWorkspaceClaims, wsID); err != nil {
		return Claim{}, err
	}
	now := s.now()
	var c Claim
	err := s.tx(ctx, func(tx *gorm.DB) error {
		f := fieldErrors{}
		checkClaim(f, &in)
		if err := checkScopesIn(f, tx, v.Tenant.ID, wsID, in.Scopes); err != nil {
			return err
		}
		if f["name"] == "" {
			if taken, err := nameTaken(tx, &Claim{}, v.Tenant.ID, wsID, 0, in.Name); err != nil {
				return err
			} else if taken {
				f.add("name", "A claim named “"+in.Name+"” already exists in this workspace.")
			}
		}
		if err := f.err(); err != nil {
			return err
		}
		c = Claim{TenantID: v.Tenant.ID, WorkspaceID: wsID, Name: in.Name, SourceType: in.SourceType, Source: in.Source, Token: in.Token,
			Scopes: strings.Join(in.Scopes, " "), Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&c).Error; err != nil {
			return err
		}
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "claim.created", claimTarget(c), Changes{
			"name": {After: c.Name}, "source_type": {After: c.SourceType}, "source": {After: c.Source}, "token": {After: c.Token}, "scopes": {After: in.Scopes},
		})
	})
	if err != nil {
		return Claim{}, err
	}
	return c, nil
}

// UpdateClaim saves the form (optimistic locking on version).
func (s *Store) UpdateClaim(ctx context.Context, v Viewer, wsID, id int64, in ClaimInput, actor Actor) (Claim, error) {
	if err := allowedIn(v, authz.ManageWorkspaceClaims, wsID); err != nil {
		return Claim{}, err
	}
	var out Claim
	err := s.tx(ctx, func(tx *gorm.DB) error {
		cur, err := claimIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		f := fieldErrors{}
		checkClaim(f, &in)
		if err := checkScopesIn(f, tx, v.Tenant.ID, wsID, in.Scopes); err != nil {
			return err
		}
		if f["name"] == "" {
			if taken, err := nameTaken(tx, &Claim{}, v.Tenant.ID, wsID, id, in.Name); err != nil {
				return err
			} else if taken {
				f.add("name", "A claim named “"+in.Name+"” already exists in this workspace.")
			}
		}
		if err := f.err(); err != nil {
			return err
		}
		if cur.Version != in.Version {
			return ErrChangedSince
		}
		scopes := strings.Join(in.Scopes, " ")
		ch := Changes{}
		diff(ch, "name", cur.Name, in.Name)
		diff(ch, "source_type", cur.SourceType, in.SourceType)
		diff(ch, "source", cur.Source, in.Source)
		diff(ch, "token", cur.Token, in.Token)
		diff(ch, "scopes", cur.Scopes, scopes)
		out = cur
		if len(ch) == 0 {
			return nil
		}
		now := s.now()
		if err := bumpVersion(tx, &Claim{}, cur.ID, cur.Version, map[string]any{"name": in.Name, "source_type": in.SourceType, "source": in.Source,
			"token": in.Token, "scopes": scopes, "updated_at": now}); err != nil {
			return err
		}
		out.Name, out.SourceType, out.Source, out.Token, out.Scopes, out.Version, out.UpdatedAt = in.Name, in.SourceType, in.Source, in.Token, scopes, cur.Version+1, now
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "claim.updated", claimTarget(out), ch)
	})
	if err != nil {
		return Claim{}, err
	}
	return out, nil
}

// DeleteClaim deletes a claim.
func (s *Store) DeleteClaim(ctx context.Context, v Viewer, wsID, id int64, actor Actor) error {
	if err := allowedIn(v, authz.ManageWorkspaceClaims, wsID); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		c, err := claimIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		if err := tx.Delete(&Claim{}, c.ID).Error; err != nil {
			return err
		}
		return writeAuditIn(tx, s.now(), v.Tenant.ID, wsID, actor, "claim.deleted", claimTarget(c), Changes{"name": {Before: c.Name}})
	})
}

// PreviewClaim is one claim a preview would release.
type PreviewClaim struct {
	Name, Token string
	Value       any // string or bool; nil: the user has no such value (left out of the token)
}

// PreviewPools says whose claims v may preview in workspace wsID: every
// end user of the tenant (all) when v may read identity-pool users
// tenant-wide (Tenant Admin, Tenant Auditor, Editor - Users), else only the
// users of the identity pools the workspace signs users in with (its
// enabled identity providers of method identity_pool). A Workspace Admin
// or Auditor thus previews the workspace's own users, never browses the
// tenant's.
func (s *Store) PreviewPools(ctx context.Context, v Viewer, wsID int64) (all bool, pools []int64, err error) {
	if v.Can(authz.ReadUsers) || v.Can(authz.ReadIdentityPoolUsers) {
		return true, nil, nil
	}
	db := s.DB.WithContext(ctx)
	// The identity providers arrive with their own migration; until then
	// no pool is the workspace's.
	if !db.Migrator().HasTable("idps") {
		return false, nil, nil
	}
	err = db.Table("idps").Where("tenant_id = ? AND workspace_id = ? AND method = ? AND enabled AND pool_id IS NOT NULL", v.Tenant.ID, wsID, "identity_pool").
		Distinct().Pluck("pool_id", &pools).Error
	return false, pools, err
}

// PreviewClaims shows the claims of the workspace that the user with this
// e-mail would get for the chosen scopes, sorted by token and name. The
// user must be one v may preview (PreviewPools); an unknown user and one
// of another pool get the same ValidationError on "user", so a preview
// tells nothing of the users it may not show.
func (s *Store) PreviewClaims(ctx context.Context, v Viewer, wsID int64, email string, scopes []string) ([]PreviewClaim, error) {
	if err := allowedIn(v, authz.ReadWorkspaceClaims, wsID); err != nil {
		return nil, err
	}
	all, pools, err := s.PreviewPools(ctx, v, wsID)
	if err != nil {
		return nil, err
	}
	u, err := s.UserByEmail(ctx, v.Tenant.ID, email)
	if err == nil && !all && !slices.Contains(pools, u.PoolID) {
		err = ErrNotFound
	}
	if errors.Is(err, ErrNotFound) {
		msg := "No user of this tenant has the e-mail address “" + strings.TrimSpace(email) + "”."
		if !all {
			msg = "No user of the identity pools this workspace signs in with has the e-mail address “" + strings.TrimSpace(email) + "”."
		}
		return nil, &ValidationError{Fields: map[string]string{"user": msg}}
	}
	if err != nil {
		return nil, err
	}
	var claims []Claim
	if err := s.DB.WithContext(ctx).Where("tenant_id = ? AND workspace_id = ?", v.Tenant.ID, wsID).Order("token, name").Limit(1000).Find(&claims).Error; err != nil {
		return nil, err
	}
	granted := map[string]bool{}
	for _, sc := range scopes {
		granted[strings.TrimSpace(sc)] = true
	}
	attrs, meta := pairMap(u.Attributes), pairMap(u.Metadata)
	var out []PreviewClaim
	for _, c := range claims {
		released := len(c.ScopeList()) == 0
		for _, sc := range c.ScopeList() {
			released = released || granted[sc]
		}
		if !released {
			continue
		}
		p := PreviewClaim{Name: c.Name, Token: c.Token}
		switch c.SourceType {
		case "static":
			p.Value = c.Source
		case "metadata":
			if val, ok := meta[c.Source]; ok {
				p.Value = val
			}
		case "user_attribute":
			p.Value = userField(u, attrs, c.Source)
		}
		out = append(out, p)
	}
	return out, nil
}

func pairMap(stored string) map[string]string {
	m := map[string]string{}
	for _, p := range ParsePairs(stored) {
		m[p.Key] = p.Value
	}
	return m
}

func userField(u User, attrs map[string]string, source string) any {
	if name, ok := strings.CutPrefix(source, "attributes."); ok {
		if val, ok := attrs[name]; ok {
			return val
		}
		return nil
	}
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	switch source {
	case "email":
		return str(u.Email)
	case "email_verified":
		return u.EmailVerified
	case "username":
		return str(u.Username)
	case "phone":
		return str(u.Phone)
	case "phone_verified":
		return u.PhoneVerified
	case "given_name":
		return str(u.GivenName)
	case "family_name":
		return str(u.FamilyName)
	}
	return nil
}
