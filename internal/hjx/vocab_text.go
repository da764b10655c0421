package hjx

// The code lists as text, for code that checks text against them (CSV cells in
// internal/ingest, flags, domain fields still held as text). They are derived from
// the typed lists in vocab.go, never typed again.
var (
	// Countries are AllCountries as text.
	Countries = Strings(AllCountries())
	// HealthSettings are AllHealthSettings as text.
	HealthSettings = Strings(AllHealthSettings())
	// WelfareDomains are AllWelfareDomains as text.
	WelfareDomains = Strings(AllWelfareDomains())
	// IhelpCategories are AllIhelpCategories as text.
	IhelpCategories = Strings(AllIhelpCategories())
	// AgeBands are AllAgeBands as text.
	AgeBands = Strings(AllAgeBands())
	// Sexes are AllSexes as text.
	Sexes = Strings(AllSexes())
	// DeprivationSchemes are AllDeprivationSchemes as text.
	DeprivationSchemes = Strings(AllDeprivationSchemes())
	// Currencies are AllCurrencies as text.
	Currencies = Strings(AllCurrencies())
	// ConsentBases are AllConsentBases as text.
	ConsentBases = Strings(AllConsentBases())
)
