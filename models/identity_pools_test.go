package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
)

// poolFixture is a tenant with an active Tenant Admin (owner) who has
// confirmed who they are (step-up).
type poolFixture struct {
	s     *models.Store
	clk   *clock
	db    modelstest.DB
	tn    models.Tenant
	owner models.Viewer
}

func newPoolFixture(t *testing.T, db modelstest.DB) poolFixture {
	t.Helper()
	s, clk := newStore(db)
	ctx := context.Background()
	tn, _, link, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: "acme", Name: "Acme", Plan: models.PlanEnterprise,
		AdminEmail: "owner@acme.example"}, models.Actor{Email: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.AcceptInvitation(ctx, tokenOf(link), "a long enough passphrase", "a long enough passphrase", models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	v := viewerOf(t, s, tn, a.ID)
	v.SteppedUpAt = s.Now()
	return poolFixture{s: s, clk: clk, db: db, tn: tn, owner: v}
}

func poolFields(err error) map[string]string {
	var v *models.ValidationError
	if errors.As(err, &v) {
		return v.Fields
	}
	return nil
}

func TestIdentityPoolsBuiltInsAndCreatedOnes(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		f := newPoolFixture(t, db)
		ctx := context.Background()
		list, err := f.s.ListIdentityPools(ctx, f.tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Pool.Slug != "administrators" || list[0].Users != 1 || list[1].Pool.Slug != "users" || !list[1].Pool.BuiltIn() {
			t.Fatalf("built-in pools %+v", list)
		}
		if _, err := f.s.CreateIdentityPool(ctx, f.tn.ID, models.PoolInput{Name: "", Slug: "Bad Slug"}, models.Actor{}); poolFields(err)["name"] == "" || poolFields(err)["slug"] == "" {
			t.Fatalf("bad input: %v", err)
		}
		if _, err := f.s.CreateIdentityPool(ctx, f.tn.ID, models.PoolInput{Name: "Dup", Slug: "users"}, models.Actor{}); poolFields(err)["slug"] == "" {
			t.Fatalf("slug of a built-in pool: %v", err)
		}
		p, err := f.s.CreateIdentityPool(ctx, f.tn.ID, models.PoolInput{Name: "Partners", Slug: "partners", Description: "B2B"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.CreatePoolUser(ctx, f.owner, p, models.CreatePoolUserInput{Email: "pat@partner.example", GivenName: "Pat"}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		// The partner is not in the Users pool's list, but is in their own.
		users, _ := f.s.IdentityPoolBySlug(ctx, f.tn.ID, "users")
		if page, err := f.s.ListPoolUsers(ctx, users, models.PoolUserListQuery{}); err != nil || len(page.Items) != 0 {
			t.Fatalf("users pool %+v %v", page, err)
		}
		if page, err := f.s.ListUsers(ctx, f.tn.ID, models.UserListQuery{}); err != nil || len(page.Items) != 0 {
			t.Fatalf("the Users list shows another pool's users: %+v %v", page, err)
		}
		if page, err := f.s.ListPoolUsers(ctx, p, models.PoolUserListQuery{Search: "pat"}); err != nil || len(page.Items) != 1 {
			t.Fatalf("partners pool %+v %v", page, err)
		}
		if p, err = f.s.UpdateIdentityPool(ctx, p, models.PoolInput{Name: "Partners 2", Description: ""}, models.Actor{}); err != nil || p.Name != "Partners 2" {
			t.Fatalf("update %+v %v", p, err)
		}
		for _, b := range list {
			if _, err := f.s.DeleteIdentityPool(ctx, b.Pool, models.Actor{}); !errors.Is(err, models.ErrBuiltInPool) {
				t.Fatalf("deleting %s: %v", b.Pool.Slug, err)
			}
		}
		n, err := f.s.DeleteIdentityPool(ctx, p, models.Actor{})
		if err != nil || n != 1 {
			t.Fatalf("delete: %d %v", n, err)
		}
		if c := modelstest.Count(t, db.DB.Model(&models.PoolIdentifier{}).Where("pool_id = ?", p.ID)); c != 0 {
			t.Fatalf("%d identifiers left", c)
		}
		if c := modelstest.Count(t, db.DB.Model(&models.AuditEvent{}).Where("action = ?", "identity_pool.deleted")); c != 1 {
			t.Fatalf("%d delete events", c)
		}
	})
}

func TestPoolSchemasValidateValuesByType(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		f := newPoolFixture(t, db)
		ctx := context.Background()
		admins, err := f.s.AdministratorsPool(ctx, f.tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.AddPoolAttribute(ctx, admins, models.SchemaUser, models.AttributeInput{Name: "Bad Name", Type: "colour"}, models.Actor{}); poolFields(err)["attr_name"] == "" || poolFields(err)["attr_type"] == "" {
			t.Fatalf("bad attribute: %v", err)
		}
		for _, a := range []models.AttributeInput{{Name: "badge", Type: "number", Required: true}, {Name: "born", Type: "date"},
			{Name: "remote", Type: "boolean"}, {Name: "backup", Type: "email"}, {Name: "desk", Type: "phone"}} {
			if _, err := f.s.AddPoolAttribute(ctx, admins, models.SchemaUser, a, models.Actor{}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.s.AddPoolAttribute(ctx, admins, models.SchemaUser, models.AttributeInput{Name: "badge", Type: "string"}, models.Actor{}); poolFields(err)["attr_name"] == "" {
			t.Fatalf("duplicate name: %v", err)
		}
		cost, err := f.s.AddPoolAttribute(ctx, admins, models.SchemaMetadata, models.AttributeInput{Name: "cost_center", Type: "string", Required: true}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		id := f.owner.Administrator.ID
		err = f.s.SavePoolUserAttributes(ctx, admins, id, models.SchemaUser, map[string]string{
			"badge": "", "born": "31/12/1990", "remote": "maybe", "backup": "not-mail", "desk": "12"}, models.Actor{})
		got := poolFields(err)
		for _, k := range []string{"attributes[badge]", "attributes[born]", "attributes[remote]", "attributes[backup]", "attributes[desk]"} {
			if got[k] == "" {
				t.Errorf("no error for %s: %v", k, got)
			}
		}
		if err := f.s.SavePoolUserAttributes(ctx, admins, id, models.SchemaUser, map[string]string{
			"badge": "42", "born": "1990-12-31", "remote": "yes", "backup": "Ann@Backup.example", "desk": "+1 415 555 0123"}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		a, err := f.s.AdministratorByID(ctx, f.tn.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(a.Attributes, `"remote":"true"`) || !strings.Contains(a.Attributes, `"backup":"ann@backup.example"`) || !strings.Contains(a.Attributes, `"desk":"+14155550123"`) {
			t.Fatalf("stored %s", a.Attributes)
		}
		if err := f.s.SavePoolUserAttributes(ctx, admins, id, models.SchemaMetadata, map[string]string{}, models.Actor{}); poolFields(err)["metadata[cost_center]"] == "" {
			t.Fatalf("required metadata: %v", err)
		}
		if err := f.s.RemovePoolAttribute(ctx, admins, models.SchemaUser, cost.ID, models.Actor{}); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("removed through the other schema: %v", err)
		}
		if err := f.s.RemovePoolAttribute(ctx, admins, models.SchemaMetadata, cost.ID, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if err := f.s.SavePoolUserAttributes(ctx, admins, id, models.SchemaMetadata, map[string]string{}, models.Actor{}); err != nil {
			t.Fatalf("after removing the attribute: %v", err)
		}
	})
}

func TestPoolIdentifiersSignInAndTheLastOneStays(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		f := newPoolFixture(t, db)
		ctx := context.Background()
		admins, _ := f.s.AdministratorsPool(ctx, f.tn.ID)
		me := f.owner.Administrator.ID
		d, err := f.s.PoolUserDetail(ctx, admins, me)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Identifiers) != 1 || d.Identifiers[0].Value != "owner@acme.example" || len(d.Addresses) != 1 || !d.Addresses[0].Verified() {
			t.Fatalf("new tenant's owner: %+v %+v", d.Identifiers, d.Addresses)
		}
		if err := f.s.RemoveIdentifier(ctx, admins, me, d.Identifiers[0].ID, models.Actor{}); poolFields(err)["identifier"] == "" {
			t.Fatalf("last identifier removed: %v", err)
		}
		if err := f.s.AddIdentifier(ctx, admins, me, "email", "not an email", models.Actor{}); poolFields(err)["identifier"] == "" {
			t.Fatalf("bad identifier: %v", err)
		}
		if err := f.s.AddIdentifier(ctx, admins, me, "email", "Boss@Acme.example", models.Actor{}); err != nil {
			t.Fatal(err)
		}
		// A second administrator cannot take it.
		b, _ := addAdmin(t, f.s, f.tn, "bob@acme.example")
		if err := f.s.AddIdentifier(ctx, admins, b.ID, "email", "boss@acme.example", models.Actor{}); poolFields(err)["identifier"] == "" {
			t.Fatalf("identifier taken twice in a pool: %v", err)
		}
		if a, err := f.s.Authenticate(ctx, f.tn.ID, "boss@acme.example", "a long enough passphrase", models.Actor{}); err != nil || a.ID != me {
			t.Fatalf("sign-in with the second e-mail identifier: %v", err)
		}
		// The sign-in e-mail goes only once another e-mail identifier has
		// a verified address: that one becomes the sign-in e-mail.
		if err := f.s.RemoveIdentifier(ctx, admins, me, d.Identifiers[0].ID, models.Actor{}); poolFields(err)["identifier"] == "" {
			t.Fatalf("sign-in e-mail removed with no verified replacement: %v", err)
		}
		if err := f.s.AddAddress(ctx, admins, me, "email", "boss@acme.example", models.Actor{}); err != nil {
			t.Fatal(err)
		}
		d, _ = f.s.PoolUserDetail(ctx, admins, me)
		link, err := f.s.StartAddressVerification(ctx, f.tn, admins, me, d.Addresses[1].ID, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.ConfirmAddressVerification(ctx, tokenOf(link), models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if err := f.s.RemoveIdentifier(ctx, admins, me, d.Identifiers[0].ID, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		a, err := f.s.AdministratorByID(ctx, f.tn.ID, me)
		if err != nil || a.Email != "boss@acme.example" {
			t.Fatalf("sign-in e-mail now %q %v", a.Email, err)
		}
		if _, err := f.s.Authenticate(ctx, f.tn.ID, "owner@acme.example", "a long enough passphrase", models.Actor{}); err == nil {
			t.Fatal("a removed identifier still signs in")
		}
		// Another tenant's id is not found.
		if err := f.s.AddIdentifier(ctx, admins, 987654, "username", "x", models.Actor{}); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown user: %v", err)
		}
	})
}

func TestEndUserIdentitiesFollowTheUsersPage(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		f := newPoolFixture(t, db)
		ctx := context.Background()
		u, err := f.s.CreateUser(ctx, f.tn.ID, models.CreateUserInput{Email: "eve@x.example", Username: "eve"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.UpdateUser(ctx, f.tn.ID, u.ID, models.UpdateUserInput{Email: "eve2@x.example", Username: "eve", Phone: "+15550002222",
			PhoneVerified: true, Status: models.UserActive}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		vals := modelstest.Pluck[string](t, db.DB.Model(&models.PoolIdentifier{}).Where("user_id = ? AND pool_id = ?", u.ID, u.PoolID).Order("type"), "value")
		if strings.Join(vals, ",") != "eve2@x.example,+15550002222,eve" {
			t.Fatalf("identifiers %v", vals)
		}
		users, _ := f.s.IdentityPoolBySlug(ctx, f.tn.ID, "users")
		d, err := f.s.PoolUserDetail(ctx, users, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Addresses) != 2 || d.Addresses[0].Verified() {
			t.Fatalf("addresses %+v", d.Addresses)
		}
		if _, err := f.s.DeleteUser(ctx, f.tn.ID, u.ID, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.PoolAddress{}).Where("user_id = ? AND pool_id = ?", u.ID, u.PoolID)); n != 0 {
			t.Fatalf("%d addresses left", n)
		}
	})
}

func TestStatusNewSendsAFreshInvitation(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		f := newPoolFixture(t, db)
		ctx := context.Background()
		admins, _ := f.s.AdministratorsPool(ctx, f.tn.ID)
		b, _ := addAdmin(t, f.s, f.tn, "bob@acme.example")
		if err := f.s.SetPoolUserStatus(ctx, f.owner, admins, f.owner.Administrator.ID, models.UserNew, models.Actor{}); poolFields(err)["status"] == "" {
			t.Fatalf("self to new: %v", err)
		}
		before := len(mustOutbox(t, f.s, "bob@acme.example"))
		if err := f.s.SetPoolUserStatus(ctx, f.owner, admins, b.ID, models.UserNew, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		a, _ := f.s.AdministratorByID(ctx, f.tn.ID, b.ID)
		if a.Status != models.AdminInvited || a.PasswordHash != "" {
			t.Fatalf("after new: %+v", a)
		}
		mails := mustOutbox(t, f.s, "bob@acme.example")
		if len(mails) != before+1 || !strings.Contains(mails[len(mails)-1].TextBody, "/invitations/") {
			t.Fatalf("no fresh invitation: %+v", mails)
		}
		if err := f.s.SetPoolUserStatus(ctx, f.owner, admins, b.ID, "blocked", models.Actor{}); poolFields(err)["status"] == "" {
			t.Fatalf("unknown status: %v", err)
		}
	})
}

func TestAddressVerificationLink(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		f := newPoolFixture(t, db)
		ctx := context.Background()
		admins, _ := f.s.AdministratorsPool(ctx, f.tn.ID)
		me := f.owner.Administrator.ID
		if err := f.s.AddAddress(ctx, admins, me, "mobile", "0123", models.Actor{}); poolFields(err)["address"] == "" {
			t.Fatalf("bad mobile: %v", err)
		}
		if err := f.s.AddAddress(ctx, admins, me, "email", "second@acme.example", models.Actor{}); err != nil {
			t.Fatal(err)
		}
		d, _ := f.s.PoolUserDetail(ctx, admins, me)
		addr := d.Addresses[1]
		if _, err := f.s.StartAddressVerification(ctx, f.tn, admins, me, d.Addresses[0].ID, models.Actor{}); poolFields(err)["address"] == "" {
			t.Fatalf("verified address: %v", err)
		}
		first, err := f.s.StartAddressVerification(ctx, f.tn, admins, me, addr.ID, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		link, err := f.s.StartAddressVerification(ctx, f.tn, admins, me, addr.ID, models.Actor{})
		if err != nil || !strings.HasPrefix(link, "http://gatehouse.test/verify/") {
			t.Fatalf("link %q %v", link, err)
		}
		mails := mustOutbox(t, f.s, "second@acme.example")
		if len(mails) != 2 || !strings.Contains(mails[1].TextBody, link) {
			t.Fatalf("outbox %+v", mails)
		}
		if _, err := f.s.ConfirmAddressVerification(ctx, tokenOf(first), models.Actor{}); !errors.Is(err, models.ErrInvalidToken) {
			t.Fatalf("superseded link: %v", err)
		}
		f.clk.Add(23 * 60 * 60 * 1e9)
		if _, err := f.s.ConfirmAddressVerification(ctx, tokenOf(link), models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.ConfirmAddressVerification(ctx, tokenOf(link), models.Actor{}); !errors.Is(err, models.ErrInvalidToken) {
			t.Fatalf("second use: %v", err)
		}
		d, _ = f.s.PoolUserDetail(ctx, admins, me)
		if !d.Addresses[1].Verified() {
			t.Fatal("address not verified")
		}
		// Expired links do not work.
		if err := f.s.AddAddress(ctx, admins, me, "mobile", "+1 415 555 0100", models.Actor{}); err != nil {
			t.Fatal(err)
		}
		d, _ = f.s.PoolUserDetail(ctx, admins, me)
		late, err := f.s.StartAddressVerification(ctx, f.tn, admins, me, d.Addresses[2].ID, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		// A mobile's link goes as a text message through the outbox.
		var texts []models.OutboxEmail
		modelstest.Must(t, db.DB.Where("to_addr = ?", "+14155550100").Find(&texts))
		if len(texts) != 1 || texts[0].Channel != models.ChannelSMS || !strings.Contains(texts[0].TextBody, late) {
			t.Fatalf("text messages %+v", texts)
		}
		f.clk.Add(25 * 60 * 60 * 1e9)
		if _, err := f.s.ConfirmAddressVerification(ctx, tokenOf(late), models.Actor{}); !errors.Is(err, models.ErrInvalidToken) {
			t.Fatalf("expired link: %v", err)
		}
	})
}

func mustOutbox(t *testing.T, s *models.Store, to string) []models.OutboxEmail {
	t.Helper()
	m, err := s.OutboxTo(context.Background(), to)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
