package web_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// axeScript is axe-core from the pinned npm project (a devDependency that
// `make web` installs): injected into the page by the test only, never served.
const axeScript = "frontend/node_modules/axe-core/axe.min.js"

// portalPages are every portal page by role, as the menu offers them.
var portalPages = []struct{ role, page string }{
	{"PARTNER_UPLOADER", "upload"}, {"PARTNER_UPLOADER", "history"},
	{"PARTNER_ADMIN", "policy"}, {"PARTNER_ADMIN", "requests"}, {"PARTNER_ADMIN", "usage"},
	{"STEWARD", "projects"}, {"STEWARD", "partners"}, {"STEWARD", "tokens"}, {"STEWARD", "audit"},
}

// TestPortalAccessibility runs axe-core on the sign-in page and every portal
// page at 1280 and 360 px: no serious or critical violation, and nothing wider
// than the screen (tables scroll inside their own box). With
// HJX_PORTAL_SCREENSHOTS set to a folder it saves each page there as
// <page>-<width>.png: docs/portal/ is made this way (docs/PORTAL.md).
func TestPortalAccessibility(t *testing.T) {
	axe, err := os.ReadFile(axeScript)
	if err != nil {
		t.Fatalf("axe-core is missing (%v): run make web, which installs the pinned npm packages", err)
	}
	b := newBrowser(t)
	p := newDemoPortal(t)
	p.excludedFor(t, "") // one outcome query, so that "who used our data" has a row
	shots := os.Getenv("HJX_PORTAL_SCREENSHOTS")
	// check checks the page as it is; scrollTo (a selector, or "") is what its
	// screenshots show.
	check := func(t *testing.T, name, scrollTo string) {
		t.Helper()
		for _, width := range []int64{1280, 360} {
			b.do(t, chromedp.EmulateViewport(width, map[int64]int64{1280: 900, 360: 780}[width]))
			if scrollTo != "" {
				b.do(t, chromedp.Evaluate[chromedp.Void](`document.querySelector("`+scrollTo+`").scrollIntoView()`))
			}
			// Charts redraw for the new width on their own schedule: wait for it.
			if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`document.documentElement.scrollWidth <= innerWidth + 1`,
				chromedp.WithPollingTimeout(3*time.Second))); err != nil {
				t.Errorf("%s at %d px is wider than the screen (%v px)", name, width, eval[float64](t, b, `document.documentElement.scrollWidth`))
			}
			if shots != "" {
				png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
				if err != nil {
					t.Fatalf("screenshot: %v", err)
				}
				if err := os.WriteFile(filepath.Join(shots, name+"-"+strconv.FormatInt(width, 10)+".png"), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		if eval[bool](t, b, `typeof axe === "undefined"`) {
			b.do(t, chromedp.Evaluate[chromedp.Void](string(axe)))
		}
		bad, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`axe.run(document, {resultTypes: ["violations"]}).then((r) =>
			r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
				.map((v) => v.impact + " " + v.id + ": " + v.help + " at " + v.nodes.map((n) => n.target.join(" ")).join(", ")))`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("axe: %v", err)
		}
		for _, v := range bad {
			t.Errorf("%s: %s", name, v)
		}
	}
	b.do(t, chromedp.Navigate(p.url+"/portal"), chromedp.WaitVisible(chromedp.ID("token")))
	check(t, "sign-in", "")
	role := ""
	for _, pg := range portalPages {
		t.Run(pg.page, func(t *testing.T) {
			if pg.role != role {
				if role != "" {
					p.signOut(t, b)
				}
				p.signIn(t, b, pg.role)
				role = pg.role
			}
			goTo(t, b, pg.page, `document.getElementById("page").dataset.ready === "`+pg.page+`"`)
			if msg := eval[string](t, b, `document.getElementById("message").textContent`); strings.TrimSpace(msg) != "" {
				t.Errorf("the %s page reports: %s", pg.page, msg)
			}
			check(t, pg.page, "")
			if pg.page == "upload" { // and the page listing a file's issues
				bad := filepath.Join(t.TempDir(), "mistakes.csv")
				writeFile(t, bad, "metric,period_start,period_end,value,n\nCLIENTS_ADVISED,2021-13-01,2021-03-31,5,\nNO_SUCH_METRIC,2021-01-01,2021-03-31,-4,\n")
				b.do(t, chromedp.SetUploadFiles(chromedp.ID("file"), []string{bad}), chromedp.Click(chromedp.ID("dry-run")))
				poll[bool](t, b, "the issues", `document.querySelectorAll("#issues tbody tr").length > 0`)
				check(t, "upload-issues", ".issues")
			}
		})
	}
}
