package extract

import (
	"context"
	"sync/atomic"
)

// budget is the uncompressed bytes left for one top-level file across all
// its nested containers, so that a zip of zips cannot multiply its way past
// the limit.
type budget struct{ left atomic.Int64 }

type budgetKey struct{}

func budgetFrom(ctx context.Context, total int64) (context.Context, *budget) {
	if b, ok := ctx.Value(budgetKey{}).(*budget); ok {
		return ctx, b
	}
	b := &budget{}
	b.left.Store(total)
	return context.WithValue(ctx, budgetKey{}, b), b
}

// take spends n bytes, reporting false when the budget is exhausted.
func (b *budget) take(n int64) bool { return b.left.Add(-n) >= 0 }
