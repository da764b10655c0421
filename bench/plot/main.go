// Command plot draws how cost grows with work (`make bench`, after bench/ingest and
// bench/outcomes): outcome query latency by observations stored, and upload time by
// rows uploaded, from the benchmarks' own output (docs/bench/*.json). It writes
// docs/scaling.png and the scaling section of docs/BENCHMARKS.md.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"image/color"
	"os"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/hjx-exchange/hjx/bench/benchkit"
)

// The parts of the benchmarks' JSON the plot reads.
type outcomesJSON struct {
	Sizes []struct {
		Rows    int64
		Queries []struct {
			Name                   string
			API, SQL, PostGraphile []float64
			HJXBefore, HJXAfter    []float64
		}
	}
}

type ingestJSON struct {
	Sizes []struct {
		Rows int
		Runs []struct{ API, Copy int64 } // nanoseconds (time.Duration)
	}
}

func main() {
	outcomesPath := flag.String("outcomes", "docs/bench/outcomes.json", "bench/outcomes' figures")
	ingestPath := flag.String("ingest", "docs/bench/ingest.json", "bench/ingest's figures")
	png := flag.String("png", "docs/scaling.png", "the plot to write")
	out := flag.String("out", "docs/BENCHMARKS.md", "the report to update (its scaling section only)")
	flag.Parse()
	if err := run(*outcomesPath, *ingestPath, *png, *out); err != nil {
		fmt.Fprintln(os.Stderr, "bench plot:", err)
		os.Exit(1)
	}
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// series is one line of the plot.
type series struct {
	name string
	pts  plotter.XYs
}

func run(outcomesPath, ingestPath, png, out string) error {
	var oj outcomesJSON
	var ij ingestJSON
	if err := readJSON(outcomesPath, &oj); err != nil {
		return err
	}
	if err := readJSON(ingestPath, &ij); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("## How cost grows with work\n\n")
	b.WriteString("Drawn by `go run ./bench/plot` from `docs/bench/outcomes.json` and `docs/bench/ingest.json` (the figures above)\n" +
		"into [scaling.png](scaling.png). Medians, in milliseconds for queries and seconds for uploads.\n\n")
	qs := queryLines(&b, oj)
	us := uploadLines(&b, ij)
	if err := drawPNG(png, qs, us); err != nil {
		return err
	}
	b.WriteString("\n![Outcome query latency by observations stored; upload time by rows](scaling.png)\n")
	return benchkit.ReplaceSection(out, "scaling", b.String())
}

// queryLines writes the query latencies' table and returns their lines: per query,
// the hjx API, direct SQL and PostGraphile.
func queryLines(b *strings.Builder, oj outcomesJSON) []*series {
	b.WriteString("| observations | query | hjx API | direct SQL | PostGraphile | hjx statement before | after |\n|---|---|---|---|---|---|---|\n")
	lines := map[string]*series{}
	var order []string
	add := func(name string, x, y float64) {
		if lines[name] == nil {
			lines[name] = &series{name: name}
			order = append(order, name)
		}
		lines[name].pts = append(lines[name].pts, plotter.XY{X: x, Y: y})
	}
	for _, s := range oj.Sizes {
		for _, q := range s.Queries {
			m := benchkit.Median
			fmt.Fprintf(b, "| %d | %s | %.1f | %.1f | %.1f | %.1f | %.1f |\n", s.Rows, q.Name, m(q.API), m(q.SQL),
				m(q.PostGraphile), m(q.HJXBefore), m(q.HJXAfter))
			x := float64(s.Rows) / 1e6
			add(q.Name+": hjx API", x, m(q.API))
			add(q.Name+": direct SQL", x, m(q.SQL))
			add(q.Name+": PostGraphile", x, m(q.PostGraphile))
		}
	}
	var qs []*series
	for _, name := range order {
		qs = append(qs, lines[name])
	}
	return qs
}

// uploadLines writes the upload times' table and returns their lines: the API
// upload and the raw COPY.
func uploadLines(b *strings.Builder, ij ingestJSON) []*series {
	b.WriteString("\n| rows uploaded | API upload (s) | raw COPY (s) | ratio of the medians |\n|---|---|---|---|\n")
	upload, copyLine := &series{name: "upload through the API"}, &series{name: "raw COPY"}
	for _, s := range ij.Sizes {
		var api, cp []float64
		for _, r := range s.Runs {
			api, cp = append(api, float64(r.API)/1e9), append(cp, float64(r.Copy)/1e9)
		}
		a, c := benchkit.Median(api), benchkit.Median(cp)
		fmt.Fprintf(b, "| %d | %.2f | %.2f | %.2f |\n", s.Rows, a, c, a/c)
		upload.pts = append(upload.pts, plotter.XY{X: float64(s.Rows) / 1e6, Y: a})
		copyLine.pts = append(copyLine.pts, plotter.XY{X: float64(s.Rows) / 1e6, Y: c})
	}
	return []*series{upload, copyLine}
}

// drawPNG draws the query lines and the upload lines side by side.
func drawPNG(png string, qs, us []*series) error {
	queries, err := logLogPlot("Outcome query latency (median)", "observations stored (millions, log scale)", "milliseconds (log scale)", qs)
	if err != nil {
		return err
	}
	ingest, err := logLogPlot("Upload time (median)", "rows in the file (millions, log scale)", "seconds (log scale)", us)
	if err != nil {
		return err
	}
	img := vgimg.New(16*vg.Inch, 6*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Inch / 2, PadTop: vg.Inch / 8, PadBottom: vg.Inch / 8, PadLeft: vg.Inch / 8, PadRight: vg.Inch / 8}
	canvases := plot.Align([][]*plot.Plot{{queries, ingest}}, tiles, dc)
	queries.Draw(canvases[0][0])
	ingest.Draw(canvases[0][1])
	f, err := os.Create(png)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// logLogPlot is one side of the picture: its lines on log-log axes.
func logLogPlot(title, x, y string, ss []*series) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	if err := addLines(p, ss); err != nil {
		return nil, err
	}
	logLog(p, ss)
	return p, nil
}

// palette tells the lines apart: query lines share a colour per system, dashed for
// the heavy query.
var palette = []color.Color{
	color.RGBA{R: 0x1b, G: 0x6a, B: 0xc9, A: 255}, color.RGBA{R: 0x2e, G: 0x9c, B: 0x4a, A: 255},
	color.RGBA{R: 0xd0, G: 0x5a, B: 0x1c, A: 255},
}

// logLog draws both axes on log scales: cost proportional to work is then a line
// of slope 1 whatever the sizes measured.
// The x ticks are the sizes measured.
func logLog(p *plot.Plot, ss []*series) {
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	var ticks plot.ConstantTicks
	seen := map[float64]bool{}
	for _, s := range ss {
		for _, pt := range s.pts {
			if !seen[pt.X] {
				seen[pt.X] = true
				ticks = append(ticks, plot.Tick{Value: pt.X, Label: fmt.Sprintf("%.3g", pt.X)})
			}
		}
	}
	p.X.Tick.Marker = ticks
}

func addLines(p *plot.Plot, ss []*series) error {
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())
	for i, s := range ss {
		if len(s.pts) == 0 {
			continue
		}
		l, pts, err := plotter.NewLinePoints(s.pts)
		if err != nil {
			return err
		}
		c := palette[i%len(palette)]
		l.Color, pts.Color = c, c
		l.Width = vg.Points(2)
		if i >= len(palette) {
			l.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		}
		p.Add(l, pts)
		p.Legend.Add(s.name, l, pts)
	}
	return nil
}
