package web_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/testkit"
	"github.com/hjx-exchange/hjx/internal/uploadclient"
)

// BenchmarkUpload100kRows compares the portal's upload (Chromium, the page's
// XMLHttpRequest multipart upload) with `hjx upload`'s client
// (internal/uploadclient) sending the same 100,000-row file to the same server.
// Both are dry runs: the server reads, validates and stages every row, then
// rolls back, so every iteration does the same work (a stored upload of the
// same bytes again would be answered from the first). docs/PORTAL.md records
// the figures; run with
//
//	go test -run '^$' -bench Upload100kRows -benchtime 5x ./internal/web/
func BenchmarkUpload100kRows(b *testing.B) {
	env := testkit.New(b)
	_, err := env.App.Directory.Register(context.Background(), &hjx.Principal{Role: hjx.RoleSteward}, directory.Partner{
		ID: "bench", Name: "Bench partner", Country: "GB", Region: "GB-ENG", Model: "HJP",
		HealthSettings: []hjx.HealthSetting{"PRIMARY_CARE"}, AdviceDomains: []hjx.WelfareDomain{"WELFARE_BENEFITS"}})
	if err != nil {
		b.Fatal(err)
	}
	token, _ := env.Token(hjx.RolePartnerUploader, "bench", "")
	srv := httptest.NewServer(env.Handler)
	b.Cleanup(srv.Close)
	file := filepath.Join(b.TempDir(), "observations-100k.csv")
	size := generateRows(b, file, 100_000)
	b.Logf("100,000 rows, %d bytes", size)

	b.Run("cli", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			f, err := os.Open(file)
			if err != nil {
				b.Fatal(err)
			}
			res, err := uploadclient.Upload(context.Background(), uploadclient.Options{URL: srv.URL, Token: token,
				ConsentBasis: "UK_GDPR_PUBLIC_TASK_RESEARCH", DryRun: true}, "observations-100k.csv", f, size)
			f.Close()
			if err != nil || !res.Accepted {
				b.Fatalf("hjx upload: %+v, %v", res, err)
			}
		}
	})

	b.Run("browser", func(b *testing.B) {
		b.SetBytes(size)
		br := newBrowser(b)
		err := chromedp.Do(br.ctx,
			chromedp.Navigate(srv.URL+"/portal"),
			chromedp.WaitVisible(chromedp.ID("token")),
			chromedp.SetValue(chromedp.ID("token"), token),
			chromedp.Click(chromedp.CSS(`#sign-in-form button`)),
			chromedp.WaitVisible(chromedp.ID("drop")),
			chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}),
		)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			err := chromedp.Do(br.ctx,
				chromedp.Evaluate[chromedp.Void](`document.getElementById("result").replaceChildren()`),
				chromedp.Click(chromedp.ID("dry-run")),
			)
			if err == nil {
				_, err = chromedp.Run(br.ctx, chromedp.Poll[bool](`!!document.querySelector("#result .ok") || !!document.querySelector("#result .issues") || document.getElementById("message").textContent !== ""`,
					chromedp.WithPollingTimeout(5*time.Minute), chromedp.WithPollingInterval(10*time.Millisecond)))
			}
			if err != nil {
				b.Fatal(err)
			}
			if ok, _ := chromedp.Run(br.ctx, chromedp.Evaluate[bool](`!!document.querySelector("#result .ok")`)); !ok {
				msg, _ := chromedp.Run(br.ctx, chromedp.Evaluate[string](`document.getElementById("page").textContent.slice(0, 500) + document.getElementById("message").textContent`))
				b.Fatalf("the portal's dry run did not pass: %s", msg)
			}
		}
	})
}

// generateRows writes n valid, distinct rows for the bench partner (GB,
// primary care): metrics x months x breakdowns, like bench/ingest's generator.
func generateRows(tb testing.TB, path string, n int) int64 {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "metric,period_start,period_end,value,n,welfare_domain,ihelp_category,health_setting,age_band,sex,deprivation_scheme,deprivation_value,sd,currency")
	ages := []string{"", "AGE_0_17", "AGE_18_24", "AGE_25_34", "AGE_35_44", "AGE_45_54", "AGE_55_64", "AGE_65_74", "AGE_75_89", "AGE_90_PLUS"}
	sexes := []string{"", "FEMALE", "MALE", "OTHER_OR_NOT_STATED"}
	written := 0
	for _, metric := range []string{"PATIENTS_SCREENED", "REFERRALS_WITH_INTAKE", "FINANCIAL_GAIN", "PATIENTS_REFERRED"} {
		for month := 0; month < 60 && written < n; month++ {
			start := time.Date(2017+month/12, time.Month(month%12+1), 1, 0, 0, 0, 0, time.UTC)
			end := start.AddDate(0, 1, -1)
			for _, hs := range []string{"", "PRIMARY_CARE"} {
				for _, age := range ages {
					for _, sex := range sexes {
						for dep := 0; dep <= 10 && written < n; dep++ {
							scheme, decile := "", ""
							if dep > 0 {
								scheme, decile = "IMD_DECILE", strconv.Itoa(dep)
							}
							denom := 20 + (written*7)%400
							value, cnt, currency := strconv.Itoa(written%denom), "", ""
							switch metric {
							case "REFERRALS_WITH_INTAKE":
								cnt = strconv.Itoa(denom)
							case "FINANCIAL_GAIN":
								value, cnt, currency = fmt.Sprintf("%d.%02d", written%90000, written%100), strconv.Itoa(denom), "GBP"
							}
							fmt.Fprintf(w, "%s,%s,%s,%s,%s,,,%s,%s,%s,%s,%s,,%s\n", metric, start.Format("2006-01-02"),
								end.Format("2006-01-02"), value, cnt, hs, age, sex, scheme, decile, currency)
							written++
						}
					}
				}
			}
		}
	}
	if written < n {
		tb.Fatalf("the generator makes at most %d distinct rows", written)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	info, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return info.Size()
}
