package ingest

// column is a column of the upload format (docs/UPLOADS.md#the-file), in template order.
type column int

const (
	colMetric column = iota
	colPeriodStart
	colPeriodEnd
	colValue
	colN
	colWelfareDomain
	colIhelpCategory
	colHealthSetting
	colAgeBand
	colSex
	colDeprivationScheme
	colDeprivationValue
	colSD
	colCurrency
	numColumns
)

// Columns are the CSV columns, in the order of the published template.
var Columns = [numColumns]string{"metric", "period_start", "period_end", "value", "n", "welfare_domain",
	"ihelp_category", "health_setting", "age_band", "sex", "deprivation_scheme", "deprivation_value", "sd", "currency"}

// RequiredColumns must be in every file's header (their cells may still be blank
// where the metric's kind allows: n of a COUNT).
var RequiredColumns = []string{"metric", "period_start", "period_end", "value", "n"}

func (c column) String() string { return Columns[c] }

// cells is one row's values by column; a column absent from the file is "".
type cells [numColumns]string

// observation is a validated row, ready to copy: every field is the text PostgreSQL
// parses, "" for NULL.
type observation struct {
	row   int
	cells cells
}
