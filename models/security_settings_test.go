package models_test

import (
	"context"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/models/passwords"
)

// A policy saved with reject_common off stays off: GORM writes a column's
// default (true) in place of a zero value on Create unless told otherwise.
func TestPasswordPolicyRejectCommonCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		tn, a := activeAdmin(t, s)
		v := models.Viewer{Tenant: tn, Administrator: a, SteppedUpAt: s.Now()}
		ctx := context.Background()
		for i, want := range []bool{false, true, false} {
			if err := s.UpdatePasswordPolicy(ctx, v, passwords.Policy{MinLength: 12, RejectCommon: want}, models.Actor{}); err != nil {
				t.Fatal(err)
			}
			got, err := s.Security(ctx, tn.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.RejectCommon != want || got.MinLength != 12 {
				t.Fatalf("save %d: reject_common = %v, want %v", i, got.RejectCommon, want)
			}
		}
	})
}
