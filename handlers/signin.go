package handlers

import (
	"errors"
	"net/http"
	"strings"

	"gatehouse/models"
	"gatehouse/views/pages"
	"gatehouse/web/render"
	"gatehouse/web/session"

	"github.com/labstack/echo/v4"
)

// msgBadCredentials is the one message every failed sign-in gets.
const msgBadCredentials = "Incorrect e-mail or password."

// LoginForm shows the sign-in page (or moves on when already signed in).
func (h *Handler) LoginForm(c echo.Context) error {
	t, _ := render.Tenant(c)
	sess, err := h.Sessions.Load(c)
	if err != nil {
		return err
	}
	next := session.SafeNext(c.QueryParam("next"), "")
	if sess.SignedInTo(t.ID) {
		return c.Redirect(http.StatusSeeOther, session.SafeNext(next, "/t/"+t.Slug+"/"))
	}
	f := pages.LoginForm{Email: strings.TrimSpace(c.QueryParam("email")), Next: next}
	return render.Render(c, http.StatusOK, pages.Login(h.R.Page(c, "Sign in"), f))
}

// Login checks the e-mail and password and starts a fresh session.
func (h *Handler) Login(c echo.Context) error {
	t, _ := render.Tenant(c)
	f := pages.LoginForm{
		Email: strings.TrimSpace(c.FormValue("email")),
		Next:  session.SafeNext(c.FormValue("next"), ""),
	}
	password := c.FormValue("password")
	fail := func(msg string) error {
		f.Error = msg
		return render.Render(c, http.StatusUnprocessableEntity, pages.Login(h.R.Page(c, "Sign in"), f))
	}
	if f.Email == "" || password == "" {
		return fail("Enter your e-mail and password.")
	}
	admin, err := h.Models.Authenticate(c.Request().Context(), t.ID, f.Email, password)
	if errors.Is(err, models.ErrBadCredentials) {
		return fail(msgBadCredentials)
	}
	if err != nil {
		return err
	}
	sess, err := h.Sessions.Load(c)
	if err != nil {
		return err
	}
	if err := sess.Login(t.ID, admin.ID, session.StageComplete); err != nil {
		return err
	}
	if err := h.Models.RecordSignIn(c.Request().Context(), admin, actor(c)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, session.SafeNext(f.Next, "/t/"+t.Slug+"/"))
}

// Logout ends the session on the server and in the browser.
func (h *Handler) Logout(c echo.Context) error {
	t, _ := render.Tenant(c)
	sess, err := h.Sessions.Load(c)
	if err != nil {
		return err
	}
	if sess.SignedInTo(t.ID) {
		if a, err := h.Models.AdministratorByID(c.Request().Context(), t.ID, sess.AdminID()); err == nil {
			if err := h.Models.RecordSignOut(c.Request().Context(), a, actor(c)); err != nil {
				return err
			}
		}
	}
	if err := sess.Logout(); err != nil {
		return err
	}
	h.Flashes.Set(c, "success", "You have signed out.")
	return c.Redirect(http.StatusSeeOther, "/t/"+t.Slug+"/login")
}
