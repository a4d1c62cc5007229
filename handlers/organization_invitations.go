package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// orgInviteRolesMax is how many end-user roles the invitation form offers.
const orgInviteRolesMax = 100

// OrgInvitations is an organization's Invitations tab.
func (h *Handler) OrgInvitations(c echo.Context) error {
	o := render.Org(c)
	return h.renderOrgInvitations(c, http.StatusOK, o, pages.OrgInvitationsData{ExpiresInDays: strconv.Itoa(models.OrgInvitationDefaultDays)}, nil)
}

// renderOrgInvitations shows the Invitations tab with what the invitation
// form holds (checked lists the role ids ticked).
func (h *Handler) renderOrgInvitations(c echo.Context, status int, o models.Organization, form pages.OrgInvitationsData, checked []string) error {
	v := render.Viewer(c)
	ctx := c.Request().Context()
	hd, _, err := h.orgHeader(c, o, "Invitations")
	if err != nil {
		return err
	}
	lp := listParams(c).Keep("q", "")
	if status != http.StatusOK {
		lp = lp.First()
	}
	page, err := h.Models.ListOrganizationInvitations(ctx, o.ID, lp.AfterID(), lp.Limit)
	if err != nil {
		return err
	}
	d := form
	d.Header, d.CanManage, d.MaxDays = hd, v.Perms.CanInOrganization(authz.ManageOrganizationMembers, o.ID), models.OrgInvitationMaxDays
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	for _, it := range page.Items {
		inv := it.Invitation
		row := pages.OrgInvitationRow{Email: inv.Email, InvitedBy: firstNonEmpty(inv.InviterName, "—"), Created: fmtTime(&inv.CreatedAt, ""),
			Expires:   fmtTime(&inv.ExpiresAt, ""),
			ResendURL: orgPath(c, o, "/invitations/"+strconv.FormatInt(inv.ID, 10)+"/resend"),
			RevokeURL: orgPath(c, o, "/invitations/"+strconv.FormatInt(inv.ID, 10)+"/revoke")}
		for _, r := range it.Roles {
			row.Roles = append(row.Roles, r.Name)
		}
		d.Rows = append(d.Rows, row)
	}
	d.Pager = lp.Pager(orgPath(c, o, "/invitations"), cursor(page.Next), len(page.Items))
	if d.CanManage {
		roles, err := h.Models.ListEndUserRoles(ctx, v.Tenant.ID, models.EndUserRoleListQuery{Limit: orgInviteRolesMax})
		if err != nil {
			return err
		}
		ticked := map[string]bool{}
		for _, id := range checked {
			ticked[strings.TrimSpace(id)] = true
		}
		for _, r := range roles.Items {
			id := strconv.FormatInt(r.ID, 10)
			d.Roles = append(d.Roles, pages.OrgRoleChoice{ID: id, Name: r.Name, Description: r.Description, Checked: ticked[id]})
		}
		d.MoreRoles = roles.Next != 0
	}
	p := h.R.Page(c, "Invitations · "+o.Label(), orgCrumbs(c, &o, layout.Crumb{Label: "Invitations"})...)
	return render.Render(c, status, pages.OrgInvitations(p, d))
}

// OrgInvite sends an invitation to join the organization.
func (h *Handler) OrgInvite(c echo.Context) error {
	v := render.Viewer(c)
	o := render.Org(c)
	form, _ := c.FormParams()
	// Ticked roles (ids), and roles beyond the listed ones typed by name.
	var other []string
	for _, n := range strings.Split(c.FormValue("other_roles"), ",") {
		if n = strings.TrimSpace(n); n != "" {
			other = append(other, n)
		}
	}
	posted := append(append(form["roles"], form["role"]...), other...)
	roles, err := h.endUserRoleIDs(c, v.Tenant.ID, posted)
	if err != nil {
		return err
	}
	in := models.OrgInviteInput{Email: c.FormValue("email"), Roles: roles, ExpiresInDays: c.FormValue("expires_in_days")}
	inv, _, err := h.Models.CreateOrganizationInvitation(c.Request().Context(), *v, o.ID, in, actor(c))
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		if verr.Fields["roles"] != "" {
			for i, id := range roles[len(roles)-len(other):] {
				if _, perr := strconv.ParseInt(id, 10, 64); perr != nil {
					verr.Fields["roles"] = "No role is named “" + other[i] + "”."
					break
				}
			}
		}
		typed := pages.OrgInvitationsData{Email: strings.TrimSpace(in.Email), ExpiresInDays: strings.TrimSpace(in.ExpiresInDays),
			OtherRoles: strings.TrimSpace(c.FormValue("other_roles")), Errors: verr.Fields}
		return h.renderOrgInvitations(c, http.StatusUnprocessableEntity, o, typed, in.Roles)
	}
	if err != nil {
		return outcome(err)
	}
	h.wakeMail()
	h.Flashes.Set(c, "success", "An invitation to join "+o.Label()+" was sent to "+inv.Email+". Its link works until "+fmtTime(&inv.ExpiresAt, "")+".")
	return render.Redirect(c, orgPath(c, o, "/invitations"))
}

// orgInvitationAction is the outcome of resend and revoke: a redirect with
// a flash, 404, or the tab again with the error.
func (h *Handler) orgInvitationAction(c echo.Context, o models.Organization, err error, success string) error {
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		errs := map[string]string{"_form": verr.Fields["_form"]}
		return h.renderOrgInvitations(c, http.StatusUnprocessableEntity, o, pages.OrgInvitationsData{
			ExpiresInDays: strconv.Itoa(models.OrgInvitationDefaultDays), Errors: errs}, nil)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", success)
	return render.Redirect(c, orgPath(c, o, "/invitations"))
}

// OrgResendInvitation sends an invitation again with a new link; the old
// link stops working.
func (h *Handler) OrgResendInvitation(c echo.Context) error {
	v := render.Viewer(c)
	o, id := render.Org(c), render.OrgInvitationID(c)
	inv, _, err := h.Models.ResendOrganizationInvitation(c.Request().Context(), *v, o.ID, id, actor(c))
	if err == nil {
		h.wakeMail()
	}
	return h.orgInvitationAction(c, o, err, "A new invitation was sent to "+inv.Email+"; the previous link no longer works.")
}

// OrgRevokeInvitation withdraws a pending invitation.
func (h *Handler) OrgRevokeInvitation(c echo.Context) error {
	v := render.Viewer(c)
	o, id := render.Org(c), render.OrgInvitationID(c)
	inv, err := h.Models.RevokeOrganizationInvitation(c.Request().Context(), v.Tenant.ID, o.ID, id, actor(c))
	return h.orgInvitationAction(c, o, err, "The invitation to "+inv.Email+" was revoked; its link no longer works.")
}

// The public side: /o/{organization}/invitations/{token}.

func (h *Handler) orgInvitationPage(c echo.Context, title string, t models.Tenant) layout.Page {
	p := h.R.Page(c, title)
	p.TenantName = t.Name
	c.Response().Header().Set("Cache-Control", "no-store")
	return p
}

// orgInvitationForm is the acceptance form for a pending invitation.
func (h *Handler) orgInvitationForm(c echo.Context, p models.PendingOrgInvitation) (pages.OrgInvitationPageData, error) {
	d := pages.OrgInvitationPageData{
		Action: "/o/" + p.Organization.Name + "/invitations/" + c.Param("token"), Mode: "create",
		OrgDisplayName: p.Organization.Label(), TenantName: p.Tenant.Name, Email: p.Invitation.Email,
		InvitedBy: firstNonEmpty(p.Invitation.InviterName, p.Tenant.Name), Errors: map[string]string{},
	}
	for _, r := range p.Roles {
		d.Roles = append(d.Roles, r.Name)
	}
	switch {
	case p.ExistingUser != nil && p.ExistingUser.PasswordHash != "":
		d.Mode = "signin"
	case p.ExistingUser != nil:
		d.Mode = "no-password"
	}
	if d.Mode == "create" {
		policy, err := h.Models.PasswordPolicy(c.Request().Context(), p.Tenant.ID)
		if err != nil {
			return d, err
		}
		d.Policy = policy.Describe()
	}
	return d, nil
}

// OrgInvitationShow is where an Organization invitation's link leads: the
// form to join, or a clear page when the link cannot be used. Right after
// an acceptance (a success flash is waiting) it says the invitee joined.
func (h *Handler) OrgInvitationShow(c echo.Context) error {
	p, err := h.Models.OrgInvitationByToken(c.Request().Context(), c.Param("organization"), c.Param("token"))
	if errors.Is(err, models.ErrTokenUsed) {
		page := h.orgInvitationPage(c, "You have joined "+p.Organization.Label(), p.Tenant)
		if page.Flash != nil && page.Flash.Kind == "success" {
			msg := page.Flash.Message
			page.Flash = nil
			return render.Render(c, http.StatusOK, pages.OrgJoined(page, pages.OrgJoinedData{OrgDisplayName: p.Organization.Label(), Message: msg}))
		}
	}
	if errors.Is(err, models.ErrInviterLostAuthority) {
		return h.orgInvitationLost(c, p)
	}
	if err != nil {
		return h.orgLinkInvalid(c, err)
	}
	d, err := h.orgInvitationForm(c, p)
	if err != nil {
		return err
	}
	return render.Render(c, http.StatusOK, pages.OrgInvitationAccept(h.orgInvitationPage(c, "Join "+p.Organization.Label(), p.Tenant), d))
}

// OrgInvitationAccept creates the invitee's user (or signs them in) and
// makes them a member.
func (h *Handler) OrgInvitationAccept(c echo.Context) error {
	ctx := c.Request().Context()
	orgName, token := c.Param("organization"), c.Param("token")
	in := models.AcceptOrgInvitationInput{GivenName: c.FormValue("given_name"), FamilyName: c.FormValue("family_name"),
		Password: c.FormValue("password"), PasswordConfirm: c.FormValue("password_confirm")}
	res, err := h.Models.AcceptOrganizationInvitation(ctx, orgName, token, in, actor(c))
	var perr *models.PasswordError
	var verr *models.ValidationError
	switch {
	case err == nil:
	case errors.As(err, &perr), errors.As(err, &verr), errors.Is(err, models.ErrAccountBlocked), errors.Is(err, models.ErrNoPasswordToCheck):
		p, lerr := h.Models.OrgInvitationByToken(ctx, orgName, token)
		if errors.Is(lerr, models.ErrInviterLostAuthority) {
			return h.orgInvitationLost(c, p)
		}
		if lerr != nil { // e.g. the last wrong password withdrew the link
			return h.orgLinkInvalid(c, lerr)
		}
		d, ferr := h.orgInvitationForm(c, p)
		if ferr != nil {
			return ferr
		}
		d.GivenName, d.FamilyName = strings.TrimSpace(in.GivenName), strings.TrimSpace(in.FamilyName)
		switch {
		case perr != nil:
			d.Errors["password"] = violationsText(perr.Violations)
		case verr != nil:
			for k, m := range verr.Fields {
				d.Errors[k] = m
			}
		case errors.Is(err, models.ErrNoPasswordToCheck):
			d.Mode = "no-password" // the page says what to do instead
		default:
			d.Errors["_form"] = "The user " + p.Invitation.Email + " is blocked or inactive and cannot join. Contact whoever invited you."
		}
		return render.Render(c, http.StatusUnprocessableEntity, pages.OrgInvitationAccept(h.orgInvitationPage(c, "Join "+p.Organization.Label(), p.Tenant), d))
	case errors.Is(err, models.ErrInviterLostAuthority):
		p, lerr := h.Models.OrgInvitationByToken(ctx, orgName, token)
		if lerr != nil && !errors.Is(lerr, models.ErrInviterLostAuthority) {
			return h.orgLinkInvalid(c, lerr)
		}
		return h.orgInvitationLost(c, p)
	default:
		return h.orgLinkInvalid(c, err)
	}
	msg := "Welcome, " + res.User.DisplayName() + ": you are now a member of " + res.Organization.Label() + "."
	if res.CreatedUser {
		msg = "Your account " + res.User.Email + " was created and you are now a member of " + res.Organization.Label() + "."
	}
	h.Flashes.Set(c, "success", msg)
	return c.Redirect(http.StatusSeeOther, "/o/"+res.Organization.Name+"/invitations/"+token)
}

// orgInvitationLost is the page of an organization invitation whose
// inviter was deactivated or no longer may manage organizations (410).
func (h *Handler) orgInvitationLost(c echo.Context, p models.PendingOrgInvitation) error {
	title := "This invitation is no longer valid"
	c.Response().Header().Set("Cache-Control", "no-store")
	msg := lostAuthorityMessage(p.Tenant.Name, p.Invitation.InviterName, "invite you to "+p.Organization.Label())
	return render.Render(c, http.StatusGone, pages.OrgLinkInvalid(h.orgInvitationPage(c, title, p.Tenant), title, msg))
}

// orgLinkInvalid renders the page for an invitation link that cannot be
// used: 410 for used, withdrawn or expired links, 404 for unknown ones;
// never a form.
func (h *Handler) orgLinkInvalid(c echo.Context, err error) error {
	status, title, msg := http.StatusNotFound, "This link is not valid", "The link you followed is not valid. Check that you copied all of it."
	switch {
	case errors.Is(err, models.ErrTokenUsed):
		status, title, msg = http.StatusGone, "This link has already been used", "This invitation has already been accepted. If it was you, you are a member already: sign in to the organization's application."
	case errors.Is(err, models.ErrTokenExpired):
		status, title, msg = http.StatusGone, "This link has expired", "Invitation links are valid for a limited time, and this one has expired."
	case errors.Is(err, models.ErrTokenRevoked):
		status, title, msg = http.StatusGone, "This link has been withdrawn", "This invitation was withdrawn or replaced by a newer one (or too many wrong passwords were tried with it)."
	case errors.Is(err, models.ErrInvalidToken):
	default:
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return render.Render(c, status, pages.OrgLinkInvalid(h.R.Page(c, title), title, msg))
}
