package authz

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io/fs"
	"os"
	"testing"
)

const (
	matrixCopy = "testdata/secureauth-role-matrix.csv"
	matrixSpec = "../../../shared/spec/secureauth-role-matrix.csv"
)

// loadMatrix reads the testdata copy of the spec's role matrix.
func loadMatrix(t *testing.T) (header []string, rows [][]string) {
	t.Helper()
	f, err := os.Open(matrixCopy)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) < 1 {
		t.Fatal("empty matrix")
	}
	return records[0], records[1:]
}

func TestMatrixCopyMatchesSpec(t *testing.T) {
	spec, err := os.ReadFile(matrixSpec)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s not present (repository checked out alone)", matrixSpec)
	}
	if err != nil {
		t.Fatal(err)
	}
	cp, err := os.ReadFile(matrixCopy)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(spec, cp) {
		t.Fatalf("%s differs from %s: copy the spec's matrix again and re-check the roles", matrixCopy, matrixSpec)
	}
}

func TestMatrixShape(t *testing.T) {
	header, rows := loadMatrix(t)
	want := []string{"action", "tenant_admin", "tenant_auditor", "workspace_admin", "workspace_auditor", "tenant_member"}
	if len(header) != len(want) {
		t.Fatalf("header = %q, want %q", header, want)
	}
	for i := range want {
		if header[i] != want[i] {
			t.Fatalf("header = %q, want %q", header, want)
		}
	}
	if len(rows) != 53 || matrixSize != 53 {
		t.Fatalf("matrix has %d rows, matrixSize = %d, want 53", len(rows), matrixSize)
	}
}

// TestMatrixActionsInCatalog: every CSV action is exactly one catalog
// permission by Name, the catalog's matrix part is exactly those 53 in CSV
// order, and Workspace is set on exactly rows 20–48.
func TestMatrixActionsInCatalog(t *testing.T) {
	_, rows := loadMatrix(t)
	cat := Catalog()
	inCSV := map[string]bool{}
	for i, row := range rows {
		name := row[0]
		inCSV[name] = true
		var matches []Action
		for _, a := range cat {
			if a.Name == name {
				matches = append(matches, a)
			}
		}
		if len(matches) != 1 {
			t.Errorf("row %d %q: %d catalog actions by that name, want 1", i+1, name, len(matches))
			continue
		}
		if cat[i].Name != name {
			t.Errorf("catalog[%d] = %q, want %q (matrix order)", i, cat[i].Name, name)
		}
		if matrix[i].p != matches[0].Permission {
			t.Errorf("matrix row %d is %q, want %q", i+1, matrix[i].p, matches[0].Permission)
		}
		wantWS := i+1 >= 20 && i+1 <= 48
		if matches[0].Workspace != wantWS {
			t.Errorf("%q: Workspace = %v, want %v", name, matches[0].Workspace, wantWS)
		}
		if got, ok := Lookup(matches[0].Permission); !ok || got != matches[0] {
			t.Errorf("Lookup(%q) = %+v, %v", matches[0].Permission, got, ok)
		}
	}
	n := 0
	for _, a := range cat {
		if inCSV[a.Name] {
			n++
		}
	}
	if n != 53 {
		t.Errorf("catalog has %d matrix actions, want 53", n)
	}
	for _, a := range cat[53:] {
		if a.Workspace {
			t.Errorf("extra %q has Workspace set", a.Name)
		}
	}
}

// TestMatrixCells proves each of the 53 × 5 cells for the five SecureAuth roles.
func TestMatrixCells(t *testing.T) {
	header, rows := loadMatrix(t)
	const ws = 7
	for c := 1; c < len(header); c++ {
		key := RoleKey(header[c])
		role, ok := RoleByKey(key)
		if !ok {
			t.Fatalf("no built-in role %q", key)
		}
		isWS := key == WorkspaceAdmin || key == WorkspaceAuditor
		wantScope := ScopeTenant
		if isWS {
			wantScope = ScopeWorkspace
		}
		if role.Scope != wantScope {
			t.Errorf("%s: scope %q, want %q", key, role.Scope, wantScope)
		}
		var set Set
		if isWS {
			set = NewSet([]Grant{{Role: key, WorkspaceID: ws}})
		} else {
			set = NewSet([]Grant{{Role: key}})
		}
		for r, row := range rows {
			cell := row[c]
			if cell != "yes" && cell != "no" {
				t.Fatalf("row %d col %s: cell %q is neither yes nor no", r+1, key, cell)
			}
			want := cell == "yes"
			p := catalog[r].Permission
			if got := role.Has(p); got != want {
				t.Errorf("%s Has(%q) = %v, want %v", key, row[0], got, want)
			}
			if isWS {
				if got := set.CanIn(p, ws); got != want {
					t.Errorf("%s@%d CanIn(%q, %d) = %v, want %v", key, ws, row[0], ws, got, want)
				}
				if got := Can(set, p, ws); got != want {
					t.Errorf("%s@%d Can(set, %q, %d) = %v, want %v", key, ws, row[0], ws, got, want)
				}
				if set.Can(p) || Can(set, p, 0) {
					t.Errorf("%s@%d holds %q tenant-wide", key, ws, row[0])
				}
				if set.CanIn(p, ws+1) {
					t.Errorf("%s@%d holds %q in workspace %d", key, ws, row[0], ws+1)
				}
				if got := set.CanAnywhere(p); got != want {
					t.Errorf("%s@%d CanAnywhere(%q) = %v, want %v", key, ws, row[0], got, want)
				}
			} else {
				if got := set.Can(p); got != want {
					t.Errorf("%s Can(%q) = %v, want %v", key, row[0], got, want)
				}
				if got := set.CanIn(p, ws); got != want {
					t.Errorf("%s CanIn(%q, %d) = %v, want %v", key, row[0], ws, got, want)
				}
				if got := Can(set, p, 0); got != want {
					t.Errorf("%s Can(set, %q, 0) = %v, want %v", key, row[0], got, want)
				}
			}
		}
	}
}

// TestSecureAuthRolesBeyondMatrix: the extras of the five SecureAuth roles
// are exactly those the spec names.
func TestSecureAuthRolesBeyondMatrix(t *testing.T) {
	want := map[RoleKey][]Permission{
		TenantAdmin: {ReadOrganizations, ManageOrganizations, ReadUsers, ManageUsers, ReadConnections,
			CreateConnections, UpdateConnections, DeleteConnections, ReadRoles, ManageRoles, ReadLogs, ManageOrganizationMembers},
		TenantAuditor:    {ReadOrganizations, ReadUsers, ReadConnections, ReadRoles, ReadLogs},
		TenantMember:     nil,
		WorkspaceAdmin:   nil,
		WorkspaceAuditor: nil,
	}
	for key, extras := range want {
		role, _ := RoleByKey(key)
		var got []Permission
		for _, p := range role.Permissions {
			if i := index[p]; i >= matrixSize {
				got = append(got, p)
			}
		}
		if !samePermissions(got, extras) {
			t.Errorf("%s extras = %v, want %v", key, got, extras)
		}
	}
}

func samePermissions(a, b []Permission) bool {
	m := map[Permission]int{}
	for _, p := range a {
		m[p]++
	}
	for _, p := range b {
		m[p]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}
