package disclosure

import (
	"fmt"
	"math"
	"testing"
)

func TestRecordKeys(t *testing.T) {
	t.Parallel()
	id := RecordIdentity{PartnerID: "p1", Metric: "CLIENTS_ADVISED", PeriodStart: "2020-01-01", PeriodEnd: "2020-03-31",
		Sex: "FEMALE"}
	v, n := testSecret.RecordKeys(id)
	if v < 0 || v >= KeyRange || n < 0 || n >= KeyRange {
		t.Fatalf("keys %d %d outside 0..%d", v, n, KeyRange-1)
	}
	t.Run("SameIdentitySameKeys", func(t *testing.T) {
		if v2, n2 := testSecret.RecordKeys(id); v2 != v || n2 != n {
			t.Errorf("keys %d %d, then %d %d", v, n, v2, n2)
		}
	})
	t.Run("OtherSecretOtherKeys", func(t *testing.T) {
		differ := 0
		for i := range 50 {
			other := Secret(fmt.Sprintf("another secret %02d of 32 bytes...", i))
			if v2, n2 := other.RecordKeys(id); v2 != v || n2 != n {
				differ++
			}
		}
		if differ < 45 {
			t.Errorf("only %d of 50 other secrets give other keys", differ)
		}
	})
	t.Run("Uniform", func(t *testing.T) {
		// Over many identities each key value is about equally likely, so cell keys
		// (sums modulo KeyRange) are uniform and every ptable column is used alike.
		var counts [KeyRange]int
		const ids = 256 * 60
		for i := range ids {
			id := id
			id.PartnerID = fmt.Sprint("p", i)
			v, n := testSecret.RecordKeys(id)
			counts[v]++
			counts[n]++
		}
		for k, c := range counts {
			if math.Abs(float64(c)-120) > 50 {
				t.Errorf("key %d drawn %d times of %d, want about 120", k, c, 2*ids)
			}
		}
	})
}

func TestUnitKey(t *testing.T) {
	t.Parallel()
	metrics := []string{"CLIENTS_ADVISED", "PATIENTS_REFERRED", "GHQ12_CASENESS", "FINANCIAL_STRAIN", "WEMWBS_CHANGE"}
	negative := 0
	for p := range 400 {
		partner := fmt.Sprint("partner-", p)
		first := testSecret.UnitKey(partner, metrics[0], RoleValue)
		var sum float64
		for _, role := range []string{RoleValue, RoleN} {
			for _, metric := range metrics {
				unit := testSecret.UnitKey(partner, metric, role)
				if unit&1 != first&1 {
					t.Fatalf("%s %s %s: sign differs from the partner's other figures", partner, metric, role)
				}
				if unit == first && (metric != metrics[0] || role != RoleValue) {
					t.Fatalf("%s %s %s: same unit key as another metric or role", partner, metric, role)
				}
				sum += Multiplier(unit)
			}
		}
		// However many of the partner's figures, in whatever metric and role, an
		// analyst isolates and averages, the average stays at least 12% off.
		if mean := sum / float64(2*len(metrics)); math.Abs(mean) < MultiplierMin {
			t.Fatalf("%s: multipliers average to %v", partner, mean)
		}
		if first&1 == 1 {
			negative++
		}
	}
	// Unbiased over partners: a share 1 - PositiveShare (0.544) of them err down,
	// 218 of 400 (binomial standard deviation 10).
	if want := (1 - PositiveShare) * 400; math.Abs(float64(negative)-want) > 35 {
		t.Errorf("%d of 400 partners have negative multipliers, want about %.0f", negative, want)
	}
}
