package modelstest

import (
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"
)

// LinkPoolToWorkspace gives workspace wsID an identity provider of method
// identity_pool for pool poolID (enabled or not): the workspace then signs
// in that pool's users. Until the identity providers' migration is merged
// it creates a minimal idps table with the columns the query reads.
func LinkPoolToWorkspace(t testing.TB, db *gorm.DB, tenantID, wsID, poolID int64, enabled bool) {
	t.Helper()
	if !db.Migrator().HasTable("idps") {
		id := "id INTEGER PRIMARY KEY"
		if db.Dialector.Name() == "postgres" {
			id = "id BIGSERIAL PRIMARY KEY"
		}
		Must(t, db.Exec("CREATE TABLE IF NOT EXISTS idps ("+id+", tenant_id BIGINT NOT NULL, workspace_id BIGINT NOT NULL, name VARCHAR(100) NOT NULL, "+
			"method VARCHAR(30) NOT NULL, pool_id BIGINT, enabled BOOLEAN NOT NULL DEFAULT TRUE, created_at TIMESTAMP, updated_at TIMESTAMP)"))
	}
	now := time.Now().UTC()
	Must(t, db.Exec("INSERT INTO idps (tenant_id, workspace_id, name, method, pool_id, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		tenantID, wsID, fmt.Sprintf("Pool %d (test)", poolID), "identity_pool", poolID, enabled, now, now))
}
