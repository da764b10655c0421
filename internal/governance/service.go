// Package governance stores and enforces the consent side of hjx: partners' sharing
// policies, research projects and their lifecycle, partner admins' COL decisions,
// token issue and revocation, and reads of the audit log. The decision rules
// themselves live in the pure package access; this package loads their inputs,
// scopes every read and write by the principal in its SQL, and records each change
// in the audit log within the change's own transaction.
package governance

import (
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/auth"
	"github.com/hjx-exchange/hjx/internal/hjx"
)

// Service is the governance service. MinCellFloor is the platform's smallest
// allowed min_cell (HJX_MIN_CELL_FLOOR); 0 means access.DefaultMinCellFloor.
type Service struct {
	DB           *sqlx.DB
	Audit        *audit.Log
	Auth         *auth.Service
	Now          func() time.Time
	MinCellFloor int
}

// today is the calendar date (UTC) every date rule is applied on.
func (s *Service) today() time.Time {
	return hjx.DateOf(s.Now())
}

func (s *Service) floor() int {
	if s.MinCellFloor < 1 {
		return access.DefaultMinCellFloor
	}
	return s.MinCellFloor
}
