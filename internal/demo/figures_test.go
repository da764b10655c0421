package demo

import (
	"bytes"
	"testing"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

func TestFiguresDeterministic(t *testing.T) {
	t.Parallel()
	for _, p := range Partners() {
		for _, y := range Years {
			a, b := CSV(Figures(p, y)), CSV(Figures(p, y))
			if !bytes.Equal(a, b) {
				t.Fatalf("%s %d: two runs differ", p.ID, y)
			}
		}
	}
}

func TestWorldShape(t *testing.T) {
	t.Parallel()
	countries := map[hjx.Country]int{}
	regions := map[string]bool{}
	for _, p := range Partners() {
		countries[p.Country]++
		regions[p.Region] = true
	}
	if countries["GB"] < 8 || countries["US"] < 8 {
		t.Fatalf("partners by country %v, want at least 8 each", countries)
	}
	for _, r := range []string{"GB-ENG", "GB-WLS", "GB-SCT"} {
		if !regions[r] {
			t.Errorf("no demo partner in %s", r)
		}
	}
}

// The issue asks for every demo partner to have a sharing policy.
func TestEveryPartnerHasAPolicy(t *testing.T) {
	t.Parallel()
	for _, p := range Partners() {
		if p.Policy == nil {
			t.Errorf("%s has no sharing policy", p.ID)
		}
	}
}
