package audit_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/internal/postgres/pgtest"
)

func TestList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.NewDB(t)
	log := &audit.Log{Now: func() time.Time { return time.Date(2022, 6, 15, 12, 0, 0, 0, time.UTC) }}
	entries := []audit.Entry{
		{Action: "a1", Subject: "s", PartnersIncluded: []string{"leeds"}},
		{Action: "a2", Subject: "s", PartnersExcluded: []audit.Excluded{{PartnerID: "leeds", Reasons: []string{"GS"}}}},
		{Action: "a3", Subject: "s", PartnersIncluded: []string{"boston"}},
		{Action: "a4", Subject: "s", PartnersIncluded: []string{"boston", "leeds"}},
		{Action: "a5", Subject: "s", PartnersExcluded: []audit.Excluded{{PartnerID: "leedsx", Reasons: []string{"GS"}}}},
	}
	for _, e := range entries {
		if err := postgres.WithTx(ctx, db, func(tx *sqlx.Tx) error {
			_, err := log.Append(ctx, tx, nil, e)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	actions := func(c *hjx.Connection[audit.Entry]) []string {
		var out []string
		for _, e := range c.Items {
			out = append(out, e.Action)
		}
		return out
	}
	t.Run("OKPartnerMentions", func(t *testing.T) {
		c, err := audit.List(ctx, db, "leeds", hjx.Page{First: 10})
		if err != nil || !slices.Equal(actions(c), []string{"a4", "a2", "a1"}) || c.TotalCount != 3 || c.HasNext {
			t.Fatalf("leeds = %v (total %d), %v", actions(c), c.TotalCount, err)
		}
	})
	t.Run("OKPagesNewestFirst", func(t *testing.T) {
		var got []string
		page := hjx.Page{First: 2}
		for {
			c, err := audit.List(ctx, db, "", page)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, actions(c)...)
			if !c.HasNext {
				break
			}
			page.AfterKey = c.Keys[len(c.Keys)-1]
		}
		if !slices.Equal(got, []string{"a5", "a4", "a3", "a2", "a1"}) {
			t.Fatalf("pages = %v", got)
		}
	})
	t.Run("ErrInvalidCursor", func(t *testing.T) {
		_, err := audit.List(ctx, db, "", hjx.Page{First: 2, AfterKey: "x"})
		if hjx.ErrorCode(err) != hjx.CodeInvalid {
			t.Fatalf("err = %v, want INVALID", err)
		}
	})
}
