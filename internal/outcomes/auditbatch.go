package outcomes

import (
	"context"
	"sync"

	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres"
)

// auditBatch commits the audit entries of concurrent outcome queries together
// (group commit). Every query is audited before its table is returned, and the
// audit chain is one line under one lock held until commit, so committing one
// entry per transaction caps repeat (cached) queries at one lock hold and WAL flush
// each. Here a query arriving while no commit is running leads: it commits every
// entry queued so far, its own included, in one transaction (audit.Log.AppendAll);
// the others wait, and when the commit ends the first of those queued meanwhile
// leads the next one. Nothing is answered before its entry is committed.
type auditBatch struct {
	mu       sync.Mutex
	queue    []*queuedEntry
	flushing bool
}

type queuedEntry struct {
	item audit.Pending
	done chan batchResult
}

// batchResult tells a waiting query that its entry was committed (or failed), or
// that it leads the next commit.
type batchResult struct {
	err  error
	lead bool
}

// append commits e with the entries queued with it and returns once it is. It
// does not give up when ctx ends: the leader commits for others too, and an
// audited query whose answer was not delivered is harmless, the reverse is not.
func (b *auditBatch) append(ctx context.Context, db *sqlx.DB, log *audit.Log, p *hjx.Principal, e audit.Entry) error {
	q := &queuedEntry{item: audit.Pending{Principal: p, Entry: e}, done: make(chan batchResult, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, q)
	if b.flushing {
		b.mu.Unlock()
		if r := <-q.done; !r.lead {
			return r.err
		}
	} else {
		b.flushing = true
		b.mu.Unlock()
	}
	return b.flush(context.WithoutCancel(ctx), db, log, q)
}

// flush commits the queue as the leader q, then hands the lead on.
func (b *auditBatch) flush(ctx context.Context, db *sqlx.DB, log *audit.Log, q *queuedEntry) error {
	b.mu.Lock()
	batch := b.queue
	b.queue = nil
	b.mu.Unlock()
	items := make([]audit.Pending, len(batch))
	for i, x := range batch {
		items[i] = x.item
	}
	err := postgres.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		_, err := log.AppendAll(ctx, tx, items)
		return err
	})
	for _, x := range batch {
		if x != q {
			x.done <- batchResult{err: err}
		}
	}
	b.mu.Lock()
	if len(b.queue) > 0 {
		b.queue[0].done <- batchResult{lead: true}
	} else {
		b.flushing = false
	}
	b.mu.Unlock()
	return err
}
