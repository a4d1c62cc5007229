package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gatehouse/models/authz"
	"gatehouse/models/sandbox"

	"gorm.io/gorm"
)

// ExtensionScript is JavaScript that defines `function main(context)` and
// returns the changed context, run at an event of the sign-in journey in
// the sandbox (models/sandbox: no network, no file system, 100 ms, bounded
// memory), with the workspace's secrets as secrets.NAME.
type ExtensionScript struct {
	ID          int64 `gorm:"primaryKey"`
	TenantID    int64
	WorkspaceID int64
	Name        string
	Event       string
	Code        string
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ScriptEvents are the events a script runs at.
var ScriptEvents = []string{"post_authentication", "token_minting"}

func scriptTarget(x ExtensionScript) Target {
	return Target{Type: "extension_script", ID: fmt.Sprint(x.ID), Label: x.Name}
}

// ScriptInput is the script form.
type ScriptInput struct {
	Name    string
	Event   string
	Code    string
	Version int64
}

// checkScript validates the form; the code is parsed by the sandbox (a
// worker process) and must define main.
func checkScript(f fieldErrors, in *ScriptInput) error {
	in.Name, in.Event = strings.TrimSpace(in.Name), strings.TrimSpace(in.Event)
	in.Code = strings.ReplaceAll(in.Code, "\r\n", "\n")
	checkResourceName(f, in.Name)
	if !oneOf(in.Event, ScriptEvents...) {
		f.add("event", "Choose an event: post_authentication or token_minting.")
	}
	if strings.TrimSpace(in.Code) == "" {
		f.add("code", "Code is required: a function main(context) that returns the changed context.")
		return nil
	}
	if err := sandbox.Check(in.Code); err != nil {
		var se *sandbox.ScriptError
		if !errors.As(err, &se) {
			return err
		}
		f.add("code", scriptErrorText(se))
	}
	return nil
}

// scriptErrorText is a script error for its author: the line and column
// first when known.
func scriptErrorText(se *sandbox.ScriptError) string {
	if se.Line > 0 {
		return fmt.Sprintf("Line %d, column %d: %s", se.Line, se.Column, se.Message)
	}
	return strings.ToUpper(se.Message[:1]) + se.Message[1:]
}

func scriptIn(tx *gorm.DB, tenantID, wsID, id int64) (ExtensionScript, error) {
	var x ExtensionScript
	err := tx.Where("tenant_id = ? AND workspace_id = ? AND id = ?", tenantID, wsID, id).Take(&x).Error
	return x, notFound(err)
}

// ScriptByID loads a script of a workspace for the route loader.
func (s *Store) ScriptByID(ctx context.Context, tenantID, wsID, id int64) (ExtensionScript, error) {
	return scriptIn(s.DB.WithContext(ctx), tenantID, wsID, id)
}

// ListScripts returns a page of the workspace's scripts by name.
func (s *Store) ListScripts(ctx context.Context, v Viewer, wsID int64, lq ResourceList) ([]ExtensionScript, string, error) {
	if err := allowedIn(v, authz.ReadWorkspaceExtensionScripts, wsID); err != nil {
		return nil, "", err
	}
	q := s.DB.WithContext(ctx).Omit("code").Where("tenant_id = ? AND workspace_id = ?", v.Tenant.ID, wsID)
	return keysetByName(q, lq, func(x ExtensionScript) string { return x.Name }, "event")
}

// CreateScript checks and stores a script.
func (s *Store) CreateScript(ctx context.Context, v Viewer, wsID int64, in ScriptInput, actor Actor) (ExtensionScript, error) {
	if err := allowedIn(v, authz.ManageWorkspaceExtensionScripts, wsID); err != nil {
		return ExtensionScript{}, err
	}
	f := fieldErrors{}
	if err := checkScript(f, &in); err != nil {
		return ExtensionScript{}, err
	}
	if err := f.err(); err != nil {
		return ExtensionScript{}, err
	}
	now := s.now()
	x := ExtensionScript{TenantID: v.Tenant.ID, WorkspaceID: wsID, Name: in.Name, Event: in.Event, Code: in.Code, Version: 1, CreatedAt: now, UpdatedAt: now}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		x.ID = 0
		if taken, err := nameTaken(tx, &ExtensionScript{}, v.Tenant.ID, wsID, 0, in.Name); err != nil {
			return err
		} else if taken {
			return &ValidationError{Fields: map[string]string{"name": "A script named “" + in.Name + "” already exists in this workspace."}}
		}
		if err := tx.Create(&x).Error; err != nil {
			return err
		}
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "extension_script.created", scriptTarget(x), Changes{
			"name": {After: x.Name}, "event": {After: x.Event}, "code": {After: fmt.Sprintf("%d lines", strings.Count(x.Code, "\n")+1)}})
	})
	if err != nil {
		return ExtensionScript{}, err
	}
	return x, nil
}

// UpdateScript checks and saves a script (optimistic locking on version).
func (s *Store) UpdateScript(ctx context.Context, v Viewer, wsID, id int64, in ScriptInput, actor Actor) (ExtensionScript, error) {
	if err := allowedIn(v, authz.ManageWorkspaceExtensionScripts, wsID); err != nil {
		return ExtensionScript{}, err
	}
	f := fieldErrors{}
	if err := checkScript(f, &in); err != nil {
		return ExtensionScript{}, err
	}
	if err := f.err(); err != nil {
		return ExtensionScript{}, err
	}
	var out ExtensionScript
	err := s.tx(ctx, func(tx *gorm.DB) error {
		cur, err := scriptIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		if taken, err := nameTaken(tx, &ExtensionScript{}, v.Tenant.ID, wsID, id, in.Name); err != nil {
			return err
		} else if taken {
			return &ValidationError{Fields: map[string]string{"name": "A script named “" + in.Name + "” already exists in this workspace."}}
		}
		if cur.Version != in.Version {
			return ErrChangedSince
		}
		ch := Changes{}
		diff(ch, "name", cur.Name, in.Name)
		diff(ch, "event", cur.Event, in.Event)
		if cur.Code != in.Code {
			ch["code"] = Change{Before: fmt.Sprintf("%d lines", strings.Count(cur.Code, "\n")+1), After: fmt.Sprintf("%d lines", strings.Count(in.Code, "\n")+1)}
		}
		out = cur
		if len(ch) == 0 {
			return nil
		}
		now := s.now()
		if err := bumpVersion(tx, &ExtensionScript{}, cur.ID, cur.Version, map[string]any{"name": in.Name, "event": in.Event, "code": in.Code, "updated_at": now}); err != nil {
			return err
		}
		out.Name, out.Event, out.Code, out.Version, out.UpdatedAt = in.Name, in.Event, in.Code, cur.Version+1, now
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "extension_script.updated", scriptTarget(out), ch)
	})
	if err != nil {
		return ExtensionScript{}, err
	}
	return out, nil
}

// DeleteScript deletes a script.
func (s *Store) DeleteScript(ctx context.Context, v Viewer, wsID, id int64, actor Actor) error {
	if err := allowedIn(v, authz.ManageWorkspaceExtensionScripts, wsID); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		x, err := scriptIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		if err := tx.Delete(&ExtensionScript{}, x.ID).Error; err != nil {
			return err
		}
		return writeAuditIn(tx, s.now(), v.Tenant.ID, wsID, actor, "extension_script.deleted", scriptTarget(x), Changes{"name": {Before: x.Name}})
	})
}

// ScriptRun is the outcome of a Test: the returned context as indented
// JSON, or the error (with its line when known), or TimedOut.
type ScriptRun struct {
	Output   string
	Error    string
	TimedOut bool
	Logs     []string
	Duration time.Duration
}

// TestScript runs the saved script of the workspace against a JSON input
// (the context) with the workspace's secrets, in the sandbox. The values
// of the secrets are masked in what it returns and logs, so Test never
// shows one. The secrets the code names are marked used.
func (s *Store) TestScript(ctx context.Context, v Viewer, wsID int64, x ExtensionScript, input string) (ScriptRun, error) {
	if err := allowedIn(v, authz.ReadWorkspaceExtensionScripts, wsID); err != nil {
		return ScriptRun{}, err
	}
	input = strings.TrimSpace(input)
	if input == "" {
		input = "{}"
	}
	var probe any
	if len(input) > sandbox.MaxInputBytes {
		return ScriptRun{}, &ValidationError{Fields: map[string]string{"input": fmt.Sprintf("The input must be at most %d bytes.", sandbox.MaxInputBytes)}}
	}
	if err := json.Unmarshal([]byte(input), &probe); err != nil {
		return ScriptRun{}, &ValidationError{Fields: map[string]string{"input": "The input is not valid JSON: " + err.Error() + "."}}
	}
	if _, ok := probe.(map[string]any); !ok {
		return ScriptRun{}, &ValidationError{Fields: map[string]string{"input": "The input must be a JSON object: the context main receives."}}
	}
	secrets, err := s.workspaceSecrets(ctx, v.Tenant.ID, wsID)
	if err != nil {
		return ScriptRun{}, err
	}
	res, err := sandbox.Run(ctx, x.Code, json.RawMessage(input), secrets, sandbox.Limits{})
	if err != nil {
		return ScriptRun{}, err
	}
	if err := s.markSecretsUsed(ctx, v.Tenant.ID, wsID, SecretsNamedIn(x.Code), s.now()); err != nil {
		return ScriptRun{}, err
	}
	out := ScriptRun{Logs: res.Logs, Duration: res.Duration, TimedOut: res.TimedOut}
	switch {
	case res.TimedOut:
		out.Error = "timed out: the script ran longer than 100 ms and was stopped."
	case res.Err != nil:
		out.Error = scriptErrorText(res.Err)
	default:
		out.Output = maskSecrets(prettyJSON(res.Output), secrets)
	}
	return out, nil
}

// TestScriptDraft is TestScript for code typed in place of the saved
// script's (unsaved edits): code empty or the saved code runs the saved
// script. Other code needs the permission to change the script, as saving
// it would (a reader running code of their own could print the secrets in
// a form the masking does not catch), and is checked as when saved.
func (s *Store) TestScriptDraft(ctx context.Context, v Viewer, wsID int64, x ExtensionScript, code, input string) (ScriptRun, error) {
	code = strings.ReplaceAll(code, "\r\n", "\n")
	if code == "" || code == x.Code {
		return s.TestScript(ctx, v, wsID, x, input)
	}
	if err := allowedIn(v, authz.ManageWorkspaceExtensionScripts, wsID); err != nil {
		return ScriptRun{}, err
	}
	in := ScriptInput{Name: x.Name, Event: x.Event, Code: code}
	f := fieldErrors{}
	if err := checkScript(f, &in); err != nil {
		return ScriptRun{}, err
	}
	if err := f.err(); err != nil {
		return ScriptRun{}, err
	}
	x.Code = in.Code
	return s.TestScript(ctx, v, wsID, x, input)
}

func prettyJSON(raw json.RawMessage) string {
	var b strings.Builder
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return string(raw)
	}
	return strings.TrimSpace(b.String())
}

// maskSecrets replaces the secrets' values (as they appear inside JSON
// strings) by ***.
func maskSecrets(s string, secrets map[string]string) string {
	for _, v := range secrets {
		if len(v) < 4 {
			continue
		}
		b, _ := json.Marshal(v)
		esc := strings.TrimSuffix(strings.TrimPrefix(string(b), `"`), `"`)
		s = strings.ReplaceAll(s, esc, "***")
		// json.Marshal escapes <, > and &; the encoder above does not.
		s = strings.ReplaceAll(s, v, "***")
	}
	return s
}
