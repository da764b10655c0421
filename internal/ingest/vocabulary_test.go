package ingest

import (
	"testing"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/identifiers"
)

// No code of any vocabulary or of the codebook may ever look like an identifier,
// or valid files would be refused.
func TestVocabularyIsNeverAnIdentifier(t *testing.T) {
	t.Parallel()
	lists := [][]string{hjx.Strings(hjx.AllWelfareDomains()), hjx.Strings(hjx.AllIhelpCategories()), hjx.Strings(hjx.AllHealthSettings()), hjx.Strings(hjx.AllAgeBands()), hjx.Strings(hjx.AllSexes()),
		hjx.Strings(hjx.AllDeprivationSchemes()), hjx.Strings(hjx.AllCurrencies()), Columns[:]}
	codebook := []string{"PATIENTS_SCREENED", "PATIENTS_WITH_NEED", "PATIENTS_REFERRED", "REFERRALS_WITH_INTAKE",
		"CLIENTS_ADVISED", "ISSUES_BY_DOMAIN", "STAFF_TRAINED", "FINANCIAL_GAIN", "DEBT_WRITTEN_OFF",
		"HEALTH_ORG_BENEFIT", "WEMWBS_CHANGE", "SWEMWBS_CHANGE", "GHQ12_CASENESS", "PSS10_CHANGE", "GAD7_CHANGE",
		"CESD_CHANGE", "FINANCIAL_STRAIN", "GP_CONSULTATIONS_3M", "ED_VISITS_6M", "HOUSING_REPAIRS_ACHIEVED"}
	for _, list := range append(lists, codebook) {
		for _, v := range list {
			if k, ok := identifiers.Find(v, false); ok {
				t.Errorf("%s is flagged as %s", v, k)
			}
		}
	}
}
