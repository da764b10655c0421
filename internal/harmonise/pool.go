package harmonise

import (
	"errors"
	"fmt"
	"math"
)

// Group is one partner's MEAN figure: the mean, its SD (nil when not given) and
// the number of persons measured.
type Group struct {
	Mean float64
	SD   *float64
	N    int
}

// Pooled is the MEAN figure of several groups taken together.
type Pooled struct {
	Mean float64
	// SD is nil when it cannot be known: a group gave no SD, or fewer than two
	// persons were measured in all.
	SD *float64
	N  int
}

// ErrNoPersons is returned when the groups measured nobody: there is no mean.
var ErrNoPersons = errors.New("harmonise: no persons to pool")

// PoolMeans combines groups' means and SDs into those of all their persons, as if
// computed from the pooled raw scores:
//
//	mean = sum(n_i mean_i) / N
//	var  = [sum((n_i - 1) sd_i^2) + sum(n_i (mean_i - mean)^2)] / (N - 1)
//
// the within-group sums of squares plus the between-group ones, over N - 1 (the
// sample SD, as partners report). Groups of nobody add nothing to the mean. The
// SD is unknown as soon as any group lacks one, even a group of one person or of
// nobody (which would add no within-group term): the outcome query pools from
// PostgreSQL's sums (outcomes.cellSums), which cannot tell such a row's missing
// term from a missing figure, and TestPoolingMatchesGo holds the two to one rule.
func PoolMeans(groups []Group) (Pooled, error) {
	var p Pooled
	var weighted float64
	sdKnown := true
	for i, g := range groups {
		if g.N < 0 || math.IsNaN(g.Mean) || math.IsInf(g.Mean, 0) ||
			(g.SD != nil && (math.IsNaN(*g.SD) || math.IsInf(*g.SD, 0) || *g.SD < 0)) {
			return Pooled{}, fmt.Errorf("harmonise: group %d: want n >= 0, a finite mean and sd >= 0", i)
		}
		if g.SD == nil {
			sdKnown = false
		}
		p.N += g.N
		weighted += float64(g.N) * g.Mean
	}
	if p.N == 0 {
		return Pooled{}, ErrNoPersons
	}
	p.Mean = weighted / float64(p.N)
	if !sdKnown || p.N < 2 {
		return p, nil
	}
	var ss float64
	for _, g := range groups {
		if g.N == 0 {
			continue
		}
		if g.SD != nil {
			ss += float64(g.N-1) * *g.SD * *g.SD
		}
		d := g.Mean - p.Mean
		ss += float64(g.N) * d * d
	}
	sd := math.Sqrt(ss / float64(p.N-1))
	p.SD = &sd
	return p, nil
}
