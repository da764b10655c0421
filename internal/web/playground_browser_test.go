package web_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// TestPlaygroundRunsQueryWithToken loads GraphiQL from the real hjx (real
// database, real handler), pastes a researcher's token in the header editor,
// runs a query and reads the answer from the result pane. Nothing may be
// fetched from outside localhost.
func TestPlaygroundRunsQueryWithToken(t *testing.T) {
	b := newBrowser(t)
	env := testkit.New(t)
	secret, principal := env.Token(hjx.RoleResearcher, "", "")
	srv := httptest.NewServer(env.Handler)
	t.Cleanup(srv.Close)

	b.do(t,
		chromedp.Navigate(srv.URL+"/playground"),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-query-editor .CodeMirror")),
	)
	// The header editor is open from the start, holding the token placeholder.
	headers := poll[string](t, b, "the header editor", `(() => {
		const eds = document.querySelectorAll(".graphiql-editor-tool .graphiql-editor");
		const h = eds[1];
		return h && !h.classList.contains("hidden") && h.querySelector(".CodeMirror").CodeMirror.getValue();
	})()`)
	if want := "Bearer <paste your token>"; !json.Valid([]byte(headers)) || !strings.Contains(headers, want) {
		t.Fatalf("header editor holds %q, want JSON with %q", headers, want)
	}
	b.screenshot(t, "playground-loaded")

	b.do(t,
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
			document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.setValue("query Me { me { id name role } }");
			document.querySelectorAll(".graphiql-editor-tool .graphiql-editor")[1].querySelector(".CodeMirror").CodeMirror
				.setValue(JSON.stringify({ Authorization: "Bearer " + %q }, null, 2));
		})()`, secret)),
	)
	// GraphiQL takes the operation's name from the editor after a short debounce,
	// as when a person types; the tab's title shows it.
	poll[bool](t, b, "the tab to show the operation Me", `(() => {
		const tab = document.querySelector(".graphiql-tab-active .graphiql-tab-button");
		return Boolean(tab) && tab.textContent.trim() === "Me";
	})()`)
	b.do(t, chromedp.Click(chromedp.CSS(".graphiql-execute-button")))
	out := poll[string](t, b, "the query result", `(() => {
		const v = document.querySelector(".graphiql-response .CodeMirror").CodeMirror.getValue();
		return v.includes('"me"') || v.includes('"errors"') ? v : false;
	})()`)
	var res struct {
		Data struct {
			Me struct{ ID, Name, Role string }
		}
		Errors []any
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Errors) > 0 {
		t.Fatalf("result pane shows %s (%v)", out, err)
	}
	if res.Data.Me.ID != principal.ID || res.Data.Me.Role != string(hjx.RoleResearcher) {
		t.Fatalf("result pane shows me = %+v, want the researcher %s", res.Data.Me, principal.ID)
	}
	b.screenshot(t, "playground-result")

	t.Run("Usable360px", func(t *testing.T) {
		b.do(t, chromedp.EmulateViewport(360, 780))
		// The query and the result stack, each about the screen's width, and the
		// page does not scroll sideways.
		got := poll[map[string]float64](t, b, "the playground to fit 360 px", `(() => {
			const q = document.querySelector(".graphiql-query-editor").getBoundingClientRect();
			const r = document.querySelector(".graphiql-response").getBoundingClientRect();
			const run = document.querySelector(".graphiql-execute-button").getBoundingClientRect();
			return window.innerWidth === 360 && { scroll: document.documentElement.scrollWidth, query: q.width, result: r.width,
				stacked: r.top >= q.bottom - 1 ? 1 : 0, resultHeight: r.height, runRight: run.right };
		})()`)
		if got["scroll"] > 360 || got["stacked"] != 1 || got["query"] < 250 || got["result"] < 250 || got["resultHeight"] < 150 || got["runRight"] > 360 {
			t.Errorf("at 360 px: %v; want no sideways scroll, the query above the result, each at least 250 px wide, the run button on screen", got)
		}
		b.screenshot(t, "playground-360px")
	})
	b.checkClean(t)
}
