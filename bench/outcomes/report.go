package main

import (
	"fmt"
	"strings"

	"github.com/hjx-exchange/hjx/bench/benchkit"
)

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func throughputOf(sr SizeResult, name string) Throughput {
	for _, t := range sr.Throughput {
		if t.Name == name {
			return t
		}
	}
	return Throughput{}
}

func queryOf(sr SizeResult, name string) QueryResult {
	for _, q := range sr.Queries {
		if q.Name == name {
			return q
		}
	}
	return QueryResult{}
}

func millions(n int64) string {
	if n >= 1_000_000 {
		return fmt.Sprintf("%gM", float64(n/100_000)/10)
	}
	return fmt.Sprintf("%dk", n/1000)
}

// report rewrites the outcomes section of the benchmarks document.
func report(path string, res Results) error {
	var b strings.Builder
	reportMethod(&b, res)
	for _, sr := range res.Sizes {
		reportSize(&b, sr)
	}
	if len(res.Sizes) > 0 {
		reportTargets(&b, res)
	}
	return benchkit.ReplaceSection(path, "outcomes", b.String())
}

// reportMethod says how the figures were measured: the data and the queries.
func reportMethod(b *strings.Builder, res Results) {
	fmt.Fprintf(b, "## Outcome queries: API vs direct SQL vs PostGraphile, and throughput\n\n")
	fmt.Fprintf(b, "Measured %s by `make bench` (`go run ./bench/outcomes`) on %s. Each latency is the median of %d runs\n"+
		"(after one untimed round); each throughput a %s run of `hey` (4 connections, loopback) after a warm-up.\n\n",
		res.Date, res.Machine, res.Runs, res.Duration)
	b.WriteString("**Data.** Generated in SQL (`bench/outcomes/data.go`) in its own database per size (`hjx_bench_<size>`, kept for\n" +
		"the next run; `-fresh` remakes it): partners half GB, half US, each with a GRU policy (min cell 8 GB, 11 US,\n" +
		"not identifiable), one approved project queried with a DASHBOARD token, and per partner 6 metrics (3 counts,\n" +
		"a proportion, an amount, a mean) x 84 months (2015-2021) x a cube of about 330 breakdowns: the total, by age\n" +
		"band, sex, age x sex, deprivation decile, age x sex x decile, welfare domain (GB) or I-HELP category (US),\n" +
		"health setting.\n\n")
	b.WriteString("**Queries.** *Dashboard*: `PATIENTS_SCREENED` grouped by COUNTRY and QUARTER (the totals: 1 row in 330).\n" +
		"*Heavy*: `REFERRALS_WITH_INTAKE` (a proportion) grouped by COUNTRY, AGE_BAND, SEX and QUARTER over all periods\n" +
		"(27 rows in 330, all 84 months, every partner). Each is timed four ways:\n\n" +
		"- **API**: `outcomes` through a real `hjx serve` with the outcome cache off (`HJX_OUTCOME_CACHE_SIZE=0`), so\n" +
		"  every request checks access, computes every partner's decision, aggregates, applies disclosure control and\n" +
		"  appends its audit entry (an insert under the audit lock, committed) before answering.\n" +
		"- **direct SQL**: the aggregate a person would write (`bench/outcomes/main.go`): `GROUP BY` country, quarter\n" +
		"  (and age, sex) over current observations of the allowed partners with the breakdown filter (`IS NULL` /\n" +
		"  `IS NOT NULL` on each dimension) and whole-quarter periods, run with lib/pq from Go, every row read.\n" +
		"  *Tuned SQL* is the same with `observation_shape(...) = n` added, so it uses hjx's shape index too: the\n" +
		"  fastest plain aggregate of these rows, shown so the API's own overhead is visible.\n" +
		"- **hjx's statement before / after**: hjx's own aggregation statement (`outcomes.Statement`) run directly,\n" +
		"  naive (every current row of the metric classified in one pass, as before migration 00050) and on the\n" +
		"  shape path (rows at the breakdown read through `observations_current_shape`, coverage counts from\n" +
		"  `observation_shape_counts`).\n" +
		"- **PostGraphile**: v4 with `@graphile/pg-aggregates` (pinned in `bench/postgraphile/package.json` and its\n" +
		"  lockfile) on loopback, `groupedAggregates` over a view of the same tables (`bench_pg.bench_observations`:\n" +
		"  current rows of whole-quarter periods with the partner's country and the quarter). **PostGraphile applies no\n" +
		"  access rule, disclosure control or audit**: it answers a cheaper question than hjx does.\n\n")
}

// reportSize is one size's tables: latencies, then throughput under load.
func reportSize(b *strings.Builder, sr SizeResult) {
	med := benchkit.Median
	fmt.Fprintf(b, "### %s observations (%d rows, %d partners)\n\n", millions(sr.Target), sr.Rows, sr.Partners)
	gen := "generated in an earlier run"
	if !sr.Reused {
		gen = fmt.Sprintf("generated in %.0f s", sr.GenerateSeconds)
	}
	fmt.Fprintf(b, "Data %s; `observation_shape_counts` holds %d rows. Load average (1/5/15 min) before: %s, after: %s.\n\n",
		gen, sr.ShapeCountsRows, sr.LoadBefore, sr.LoadAfter)
	b.WriteString("| query | cells | API (ms) | direct SQL (ms) | API / SQL | tuned SQL (ms) | API / tuned | PostGraphile (ms) | hjx statement before (ms) | after (ms) | before / after |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, q := range sr.Queries {
		api, sql, tuned, pg, bef, aft := med(q.API), med(q.SQL), med(q.TunedSQL), med(q.PostGraphile), med(q.HJXBefore), med(q.HJXAfter)
		fmt.Fprintf(b, "| %s | %d | %.1f | %.1f | **%.2f** | %.1f | %.2f | %.1f | %.1f | %.1f | %.1fx |\n", q.Name, q.Cells, api, sql,
			ratio(api, sql), tuned, ratio(api, tuned), pg, bef, aft, ratio(bef, aft))
	}
	b.WriteString("\n| dashboard query under load | requests/s | vs hjx uncached | server peak RSS (MiB) |\n|---|---|---|---|\n")
	un := throughputOf(sr, "hjx uncached").RPS
	for _, t := range sr.Throughput {
		mem := "n/a (PostgreSQL only)"
		if t.PeakMiB > 0 {
			mem = fmt.Sprintf("%.0f", t.PeakMiB)
		}
		fmt.Fprintf(b, "| %s | %.0f | %.2fx | %s |\n", t.Name, t.RPS, ratio(t.RPS, un), mem)
	}
	b.WriteString("\n")
}

// reportTargets judges the targets.
func reportTargets(b *strings.Builder, res Results) {
	med := benchkit.Median
	// Targets are judged at 10M observations (the size they name), else on the largest size measured.
	sr := res.Sizes[len(res.Sizes)-1]
	for _, x := range res.Sizes {
		if x.Target == 10_000_000 {
			sr = x
		}
	}
	dash, heavy := queryOf(sr, "dashboard"), queryOf(sr, "heavy")
	un, ca, pg := throughputOf(sr, "hjx uncached").RPS, throughputOf(sr, "hjx cached").RPS, throughputOf(sr, "PostGraphile").RPS
	fmt.Fprintf(b, "**Targets** (at %s observations, ratios from the same run):\n\n", millions(sr.Target))
	r := ratio(med(dash.API), med(dash.SQL))
	fmt.Fprintf(b, "- dashboard query uncached, API <= 1.3x direct SQL: **%s** (%.2fx)\n", benchkit.Verdict(r <= 1.3), r)
	r = ratio(un, pg)
	fmt.Fprintf(b, "- dashboard throughput, hjx uncached >= 1.5x PostGraphile: **%s** (%.2fx)\n", benchkit.Verdict(r >= 1.5), r)
	r = ratio(ca, un)
	fmt.Fprintf(b, "- dashboard throughput, cached >= 10x uncached: **%s** (%.1fx)\n", benchkit.Verdict(r >= 10), r)
	r = ratio(med(heavy.API), med(heavy.SQL))
	fmt.Fprintf(b, "- heavy query, API <= direct SQL latency: **%s** (%.2fx)\n", benchkit.Verdict(r <= 1), r)
}
