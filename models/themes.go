package models

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"gatehouse/models/authz"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Theme is a tenant's look for the sign-in pages of its workspaces: a logo
// and two colours and a font, nothing else (no CSS, no script: what a theme
// holds is checked strictly, so it can inject nothing into the page).
type Theme struct {
	ID              int64 `gorm:"primaryKey"`
	TenantID        int64
	Name            string
	LogoURL         string `gorm:"column:logo_url"` // https, or ""
	PrimaryColor    string // #rrggbb, lower case
	BackgroundColor string // #rrggbb, lower case
	Font            string // one of ThemeFonts
	Version         int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// WorkspaceThemeBinding is the theme a workspace's sign-in page uses (no
// row: the default look).
type WorkspaceThemeBinding struct {
	WorkspaceID int64 `gorm:"primaryKey;autoIncrement:false"`
	TenantID    int64
	ThemeID     int64
	UpdatedAt   time.Time
}

// ThemeFont is one font a theme can choose, with the CSS font stack it
// stands for (system fonts only: the page loads nothing from elsewhere).
type ThemeFont struct {
	Name  string
	Stack string
}

// ThemeFonts is the fixed list of fonts.
var ThemeFonts = []ThemeFont{
	{"System", `system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif`},
	{"Inter", `Inter, system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif`},
	{"Roboto", `Roboto, "Helvetica Neue", Arial, sans-serif`},
	{"Open Sans", `"Open Sans", "Helvetica Neue", Arial, sans-serif`},
	{"Helvetica", `"Helvetica Neue", Helvetica, Arial, sans-serif`},
	{"Arial", `Arial, "Liberation Sans", sans-serif`},
	{"Verdana", `Verdana, Geneva, sans-serif`},
	{"Georgia", `Georgia, "Times New Roman", serif`},
	{"Times New Roman", `"Times New Roman", Times, serif`},
	{"Courier New", `"Courier New", Courier, monospace`},
}

// ThemeFontNames are the names of ThemeFonts, in order.
func ThemeFontNames() []string {
	out := make([]string, len(ThemeFonts))
	for i, f := range ThemeFonts {
		out[i] = f.Name
	}
	return out
}

// FontStack is the CSS font stack of the theme's font.
func (t Theme) FontStack() string {
	for _, f := range ThemeFonts {
		if f.Name == t.Font {
			return f.Stack
		}
	}
	return ThemeFonts[0].Stack
}

// Theme limits.
const ThemeLogoURLMax = 2000

var (
	colorRe    = regexp.MustCompile(`^#[0-9a-f]{6}$`)
	logoHostRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)
)

// ValidColor reports whether c is a colour as themes store it: #rrggbb in
// lower case.
func ValidColor(c string) bool { return colorRe.MatchString(c) }

// LogoOrigin is the origin (https://host[:port]) of the theme's logo, for
// the preview's Content-Security-Policy; "" when it has none or it is not
// what themes store.
func (t Theme) LogoOrigin() string {
	if t.LogoURL == "" || checkThemeLogoURL(t.LogoURL) != "" {
		return ""
	}
	u, _ := url.Parse(t.LogoURL)
	return "https://" + strings.ToLower(u.Host)
}

// checkLogoURL returns what is wrong with a logo URL, or "".
func checkThemeLogoURL(raw string) string {
	if len(raw) > ThemeLogoURLMax {
		return fmt.Sprintf("Logo URL must be at most %d characters.", ThemeLogoURLMax)
	}
	if strings.ContainsAny(raw, " \t\r\n\"'<>\\;,()") {
		return "Logo URL must be a plain https URL, without spaces, quotes or brackets."
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "":
		return "Logo URL must be an absolute https URL, like https://cdn.example.com/logo.png."
	case u.Scheme != "https":
		return "Logo URL must use https."
	case u.User != nil:
		return "Logo URL must not carry a user name or password."
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "Logo URL has no fragment (#…)."
	case !logoHostRe.MatchString(strings.ToLower(u.Hostname())):
		return "Logo URL must name its server by a host name, like cdn.example.com."
	}
	if p := u.Port(); p != "" {
		for _, r := range p {
			if r < '0' || r > '9' {
				return "Logo URL has a bad port."
			}
		}
	}
	return ""
}

func themeTarget(t Theme) Target { return Target{Type: "theme", ID: fmt.Sprint(t.ID), Label: t.Name} }

// ThemeInput is the theme form.
type ThemeInput struct {
	Name            string
	LogoURL         string
	PrimaryColor    string
	BackgroundColor string
	Font            string
	Version         int64
}

func (in *ThemeInput) normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.LogoURL = strings.TrimSpace(in.LogoURL)
	in.PrimaryColor = strings.ToLower(strings.TrimSpace(in.PrimaryColor))
	in.BackgroundColor = strings.ToLower(strings.TrimSpace(in.BackgroundColor))
	in.Font = strings.TrimSpace(in.Font)
	for _, f := range ThemeFonts {
		if strings.EqualFold(f.Name, in.Font) {
			in.Font = f.Name
		}
	}
}

func checkThemeFields(f fieldErrors, in ThemeInput) {
	checkResourceName(f, in.Name)
	if in.LogoURL != "" {
		if msg := checkThemeLogoURL(in.LogoURL); msg != "" {
			f.add("logo_url", msg)
		}
	}
	if !ValidColor(in.PrimaryColor) {
		f.add("primary_color", "Primary colour must be a colour like #2451c6: # and six hexadecimal digits.")
	}
	if !ValidColor(in.BackgroundColor) {
		f.add("background_color", "Background colour must be a colour like #f4f6f9: # and six hexadecimal digits.")
	}
	if !oneOf(in.Font, ThemeFontNames()...) {
		f.add("font", "Choose a font from the list.")
	}
}

func themeIn(tx *gorm.DB, tenantID, id int64) (Theme, error) {
	var t Theme
	err := tx.Where("tenant_id = ? AND id = ?", tenantID, id).Take(&t).Error
	return t, notFound(err)
}

// ThemeByID loads a theme of the tenant (for the route loaders).
func (s *Store) ThemeByID(ctx context.Context, tenantID, id int64) (Theme, error) {
	return themeIn(s.DB.WithContext(ctx), tenantID, id)
}

func themeNameTaken(tx *gorm.DB, tenantID, exceptID int64, name string) (bool, error) {
	var n int64
	err := tx.Model(&Theme{}).Where("tenant_id = ? AND name = ? AND id <> ?", tenantID, name, exceptID).Count(&n).Error
	return n > 0, err
}

// ListThemes returns a page of the tenant's themes by name.
func (s *Store) ListThemes(ctx context.Context, v Viewer, lq ResourceList) ([]Theme, string, error) {
	if !v.Can(authz.ReadThemes) {
		return nil, "", ErrForbidden
	}
	q := s.DB.WithContext(ctx).Where("tenant_id = ?", v.Tenant.ID)
	return keysetByName(q, lq, func(t Theme) string { return t.Name }, "font")
}

// AllThemes lists the tenant's themes by name (the binding's choices; a
// tenant has few).
func (s *Store) AllThemes(ctx context.Context, tenantID int64) ([]Theme, error) {
	var out []Theme
	err := s.DB.WithContext(ctx).Where("tenant_id = ?", tenantID).Order("name").Limit(500).Find(&out).Error
	return out, err
}

// CreateTheme creates a theme.
func (s *Store) CreateTheme(ctx context.Context, v Viewer, in ThemeInput, actor Actor) (Theme, error) {
	if !v.Can(authz.ManageThemes) {
		return Theme{}, ErrForbidden
	}
	in.normalize()
	now := s.now()
	var out Theme
	err := s.tx(ctx, func(tx *gorm.DB) error {
		f := fieldErrors{}
		checkThemeFields(f, in)
		if f["name"] == "" {
			if taken, err := themeNameTaken(tx, v.Tenant.ID, 0, in.Name); err != nil {
				return err
			} else if taken {
				f.add("name", "A theme named “"+in.Name+"” already exists.")
			}
		}
		if err := f.err(); err != nil {
			return err
		}
		t := Theme{TenantID: v.Tenant.ID, Name: in.Name, LogoURL: in.LogoURL, PrimaryColor: in.PrimaryColor,
			BackgroundColor: in.BackgroundColor, Font: in.Font, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&t).Error; err != nil {
			return err
		}
		out = t
		return writeAudit(tx, now, v.Tenant.ID, actor, "theme.created", themeTarget(t), Changes{
			"name": {After: t.Name}, "logo_url": {After: t.LogoURL}, "primary_color": {After: t.PrimaryColor},
			"background_color": {After: t.BackgroundColor}, "font": {After: t.Font},
		})
	})
	return out, err
}

// UpdateTheme saves a theme's form.
func (s *Store) UpdateTheme(ctx context.Context, v Viewer, id int64, in ThemeInput, actor Actor) (Theme, error) {
	if !v.Can(authz.ManageThemes) {
		return Theme{}, ErrForbidden
	}
	in.normalize()
	var out Theme
	err := s.tx(ctx, func(tx *gorm.DB) error {
		cur, err := themeIn(tx, v.Tenant.ID, id)
		if err != nil {
			return err
		}
		f := fieldErrors{}
		checkThemeFields(f, in)
		if f["name"] == "" {
			if taken, err := themeNameTaken(tx, v.Tenant.ID, id, in.Name); err != nil {
				return err
			} else if taken {
				f.add("name", "A theme named “"+in.Name+"” already exists.")
			}
		}
		if err := f.err(); err != nil {
			return err
		}
		if cur.Version != in.Version {
			return ErrChangedSince
		}
		after := cur
		after.Name, after.LogoURL, after.PrimaryColor, after.BackgroundColor, after.Font = in.Name, in.LogoURL, in.PrimaryColor, in.BackgroundColor, in.Font
		ch := Changes{}
		diff(ch, "name", cur.Name, after.Name)
		diff(ch, "logo_url", cur.LogoURL, after.LogoURL)
		diff(ch, "primary_color", cur.PrimaryColor, after.PrimaryColor)
		diff(ch, "background_color", cur.BackgroundColor, after.BackgroundColor)
		diff(ch, "font", cur.Font, after.Font)
		out = cur
		if len(ch) == 0 {
			return nil
		}
		now := s.now()
		set := map[string]any{"name": after.Name, "logo_url": after.LogoURL, "primary_color": after.PrimaryColor,
			"background_color": after.BackgroundColor, "font": after.Font, "updated_at": now}
		if err := bumpVersion(tx, &Theme{}, cur.ID, cur.Version, set); err != nil {
			return err
		}
		after.Version, after.UpdatedAt = cur.Version+1, now
		out = after
		return writeAudit(tx, now, v.Tenant.ID, actor, "theme.updated", themeTarget(out), ch)
	})
	return out, err
}

// ThemeWorkspaces lists the workspaces that use a theme, by name.
func (s *Store) ThemeWorkspaces(ctx context.Context, tenantID, themeID int64) ([]Workspace, error) {
	var out []Workspace
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND id IN (?)", tenantID,
		s.DB.Model(&WorkspaceThemeBinding{}).Select("workspace_id").Where("tenant_id = ? AND theme_id = ?", tenantID, themeID)).
		Order("name").Limit(200).Find(&out).Error
	return out, err
}

// DeleteTheme deletes a theme; the workspaces that used it go back to the
// default look (each unbinding audited in the workspace).
func (s *Store) DeleteTheme(ctx context.Context, v Viewer, id int64, actor Actor) error {
	if !v.Can(authz.ManageThemes) {
		return ErrForbidden
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		t, err := themeIn(tx, v.Tenant.ID, id)
		if err != nil {
			return err
		}
		now := s.now()
		var bound []WorkspaceThemeBinding
		if err := tx.Where("tenant_id = ? AND theme_id = ?", v.Tenant.ID, t.ID).Find(&bound).Error; err != nil {
			return err
		}
		for _, b := range bound {
			w, err := workspaceIn(tx, v.Tenant.ID, b.WorkspaceID, "")
			if err != nil {
				return err
			}
			if err := writeAuditIn(tx, now, v.Tenant.ID, w.ID, actor, "workspace.theme_changed", workspaceTarget(w), Changes{
				"theme": {Before: t.Name, After: ""}}); err != nil {
				return err
			}
		}
		if err := tx.Where("tenant_id = ? AND theme_id = ?", v.Tenant.ID, t.ID).Delete(&WorkspaceThemeBinding{}).Error; err != nil {
			return err
		}
		if err := tx.Delete(&Theme{}, t.ID).Error; err != nil {
			return err
		}
		return writeAudit(tx, now, v.Tenant.ID, actor, "theme.deleted", themeTarget(t), Changes{
			"name": {Before: t.Name}, "workspaces": {Before: len(bound)}})
	})
}

// WorkspaceTheme is the theme bound to a workspace (ok false: none).
func (s *Store) WorkspaceTheme(ctx context.Context, tenantID, wsID int64) (Theme, bool, error) {
	var t Theme
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND id = (?)", tenantID,
		s.DB.Model(&WorkspaceThemeBinding{}).Select("theme_id").Where("tenant_id = ? AND workspace_id = ?", tenantID, wsID)).Take(&t).Error
	if notFound(err) == ErrNotFound {
		return Theme{}, false, nil
	}
	return t, err == nil, err
}

// BindWorkspaceTheme sets the workspace's theme (themeID 0: none, the
// default look), audited in the workspace.
func (s *Store) BindWorkspaceTheme(ctx context.Context, v Viewer, wsID, themeID int64, actor Actor) error {
	if err := allowedIn(v, authz.ManageWorkspaceThemeBinding, wsID); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		w, err := workspaceIn(tx, v.Tenant.ID, wsID, "")
		if err != nil {
			return err
		}
		var next Theme
		if themeID != 0 {
			if next, err = themeIn(tx, v.Tenant.ID, themeID); err == ErrNotFound {
				return &ValidationError{Fields: map[string]string{"theme": "Choose one of the tenant's themes."}}
			} else if err != nil {
				return err
			}
		}
		var cur WorkspaceThemeBinding
		var curName string
		err = tx.Where("tenant_id = ? AND workspace_id = ?", v.Tenant.ID, wsID).Take(&cur).Error
		switch notFound(err) {
		case nil:
			if t, err := themeIn(tx, v.Tenant.ID, cur.ThemeID); err == nil {
				curName = t.Name
			}
		case ErrNotFound:
		default:
			return err
		}
		if cur.ThemeID == themeID {
			return nil
		}
		now := s.now()
		if themeID == 0 {
			if err := tx.Where("tenant_id = ? AND workspace_id = ?", v.Tenant.ID, wsID).Delete(&WorkspaceThemeBinding{}).Error; err != nil {
				return err
			}
		} else {
			b := WorkspaceThemeBinding{WorkspaceID: wsID, TenantID: v.Tenant.ID, ThemeID: themeID, UpdatedAt: now}
			if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "workspace_id"}}, DoUpdates: clause.AssignmentColumns([]string{"theme_id", "updated_at"})}).Create(&b).Error; err != nil {
				return err
			}
		}
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "workspace.theme_changed", workspaceTarget(w), Changes{
			"theme": {Before: curName, After: next.Name}})
	})
}
