package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"gatehouse/models"
	"gatehouse/web/webtest"
)

// apiResponse is what an API request got.
type apiResponse struct {
	Status int
	Body   string
	Header http.Header
}

// JSON decodes the body into v (failing the test when it is not JSON).
func (r apiResponse) JSON(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("%d %q: %v", r.Status, r.Body, err)
	}
}

// apiErrorOf decodes the API's error body.
func (r apiResponse) apiError(t *testing.T) (code string, fields map[string]string) {
	t.Helper()
	var e struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	r.JSON(t, &e)
	if e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("not the error shape: %d %s", r.Status, r.Body)
	}
	return e.Error.Code, e.Error.Fields
}

// apiDo sends an API request with a bearer token ("" for none), an
// optional Idempotency-Key and a JSON body (nil for none; a []byte is sent
// as it is).
func apiDo(t *testing.T, app *webtest.App, token, method, path, idem string, body any) apiResponse {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(body); err != nil {
				t.Fatal(err)
			}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, app.URL(path), rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return apiResponse{Status: res.StatusCode, Body: string(b), Header: res.Header}
}

// apiToken makes a token of tenant with roles (workspace roles bound to
// workspace, "" for none), created by a Tenant Admin of the tenant who
// stepped up (the first active one), through the model.
func apiToken(t *testing.T, app *webtest.App, tenant models.Tenant, workspace string, roles ...string) string {
	t.Helper()
	ctx := webtest.Ctx()
	var ownerID int64
	if err := app.DB.DB.Model(&models.RoleBinding{}).Select("role_bindings.administrator_id").
		Joins("JOIN administrators ON administrators.id = role_bindings.administrator_id").
		Where("role_bindings.tenant_id = ? AND role_key = 'tenant_admin' AND workspace_id IS NULL AND expires_at IS NULL AND administrators.status = 'active'", tenant.ID).
		Order("role_bindings.administrator_id").Limit(1).Scan(&ownerID).Error; err != nil || ownerID == 0 {
		t.Fatalf("no active Tenant Admin in %s: %v", tenant.Slug, err)
	}
	v, err := app.Store.LoadViewer(ctx, tenant, ownerID)
	if err != nil {
		t.Fatal(err)
	}
	v.SteppedUpAt = app.Store.Now()
	_, raw, err := app.Store.CreateAPIToken(ctx, v, models.APITokenInput{Name: "test", Roles: roles, Workspace: workspace, ExpiresInDays: 30}, models.Actor{Email: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
