// Package identifiers detects personal identifiers in text: every uploaded cell
// (docs/UPLOADS.md, "What is never accepted") and every free text hjx stores
// (CheckText). The rules and their sources are in internal/reference/SOURCES.md, "Identifiers an upload must
// not contain". Aggregated figures never need any of these, so a cell that looks
// like one rejects the whole upload: a false alarm costs the partner one edit, a
// miss puts a person's identifier into a research store.
//
// The functions are pure and allocation-light: every cell of every uploaded row
// goes through them, so they scan bytes by hand rather than run regular expressions.
package identifiers

import "strings"

// Kind names a kind of personal identifier an upload must not contain.
type Kind string

// The identifier kinds. Each has its own issue code (IssueCode).
const (
	NHSNumber Kind = "NHS_NUMBER"
	CHINumber Kind = "CHI_NUMBER"
	NINumber  Kind = "NI_NUMBER"
	SSN       Kind = "SSN"
	Email     Kind = "EMAIL"
	Phone     Kind = "PHONE"
	Postcode  Kind = "POSTCODE"
	ZIP       Kind = "ZIP"
	Date      Kind = "DATE"
)

// Kinds lists every kind, in the order the docs present them.
var Kinds = []Kind{NHSNumber, CHINumber, NINumber, SSN, Email, Phone,
	Postcode, ZIP, Date}

// IssueCode is the validation issue code reported for a cell of this kind.
func (k Kind) IssueCode() string { return "IDENTIFIER_" + string(k) }

// Description names the kind for a person, as issue messages use it.
func (k Kind) Description() string {
	switch k {
	case NHSNumber:
		return "an NHS number (10 digits passing the modulus 11 check)"
	case CHINumber:
		return "a CHI number (10 digits starting with a date of birth DDMMYY)"
	case NINumber:
		return "a UK National Insurance number"
	case SSN:
		return "a US Social Security number"
	case Email:
		return "an email address"
	case Phone:
		return "a telephone number"
	case Postcode:
		return "a full UK postcode (only the outward code, e.g. LS6, may be given)"
	case ZIP:
		return "a US ZIP code (5 digits or ZIP+4)"
	case Date:
		return "a full date (only period_start and period_end may hold dates)"
	}
	return "a personal identifier"
}

// Find reports the first kind of identifier found anywhere in a text cell.
// allowDates is true only for the period bound columns, where a full date belongs.
func Find(s string, allowDates bool) (Kind, bool) {
	var hasDigit, hasAt, hasLetter bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			hasDigit = true
		case c == '@':
			hasAt = true
		case isLetter(c):
			hasLetter = true
		}
	}
	if hasAt && containsEmail(s) {
		return Email, true
	}
	if !hasDigit {
		return "", false // every other kind has digits in it
	}
	if hasLetter && containsNINumber(s) {
		return NINumber, true
	}
	if hasLetter && containsPostcode(s) {
		return Postcode, true
	}
	groups := digitGroups(s)
	if !allowDates && (containsNumericDate(s, groups) || (hasLetter && containsNamedDate(s, groups))) {
		return Date, true
	}
	if k, ok := matchNumberShapes(s, groups); ok {
		return k, true
	}
	return "", false
}

// FindInNumber checks a cell of a numeric column. A figure that parses as
// a number is checked for the identifiers a number can be (NHS and CHI numbers, a
// bare SSN, a phone number or ZIP code kept with its leading zero); a 5-digit figure
// without a leading zero is a count or an amount, not a ZIP code. Anything that is
// not a plain number is scanned as text.
func FindInNumber(s string) (Kind, bool) {
	intPart, ok := PlainNumber(s)
	if !ok {
		return Find(s, false)
	}
	switch len(intPart) {
	case 10:
		if isCHINumber(intPart) {
			return CHINumber, true
		}
		if isNHSNumber(intPart) {
			return NHSNumber, true
		}
		if intPart[0] == '0' {
			return Phone, true
		}
	case 11:
		if intPart[0] == '0' {
			return Phone, true
		}
	case 9:
		if isSSN(intPart[0:3], intPart[3:5], intPart[5:9]) {
			return SSN, true
		}
	case 5:
		if intPart[0] == '0' {
			return ZIP, true
		}
	}
	return "", false
}

// PlainNumber returns the digits before the decimal point of a plain decimal number
// ("-12.5" -> "12"), and false for anything else: the numbers an upload's numeric
// columns accept, and the shape FindInNumber checks by length.
func PlainNumber(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	i := 0
	if s[0] == '-' || s[0] == '+' {
		i = 1
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intPart := s[start:i]
	if i < len(s) && s[i] == '.' {
		i++
		frac := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if intPart == "" && i == frac {
			return "", false
		}
	}
	if i != len(s) || (intPart == "" && start == len(s)) {
		return "", false
	}
	return intPart, true
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }
func isAlnum(c byte) bool  { return isDigit(c) || isLetter(c) }

// isNHSNumber applies the NHS number check: weights 10..2 on the first nine digits,
// check digit 11 - (sum mod 11), where 11 means 0 and 10 means the number is invalid.
func isNHSNumber(d string) bool {
	if len(d) != 10 {
		return false
	}
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(d[i]-'0') * (10 - i)
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	return check != 10 && check == int(d[9]-'0')
}

// isCHINumber recognises a Scottish CHI number: 10 digits whose first six are a date
// of birth DDMMYY. Every such number is flagged, whichever check digit scheme
// (modulus 11, or the newer modulus 10) it was issued under: a 10-digit figure that
// starts with a date has no place in aggregated data.
func isCHINumber(d string) bool {
	if len(d) != 10 {
		return false
	}
	day := int(d[0]-'0')*10 + int(d[1]-'0')
	month := int(d[2]-'0')*10 + int(d[3]-'0')
	return validDayMonth(day, month, -1)
}

// isSSN applies the SSA's structural rules: area not 000, 666 or 900-999, group not
// 00, serial not 0000. Numbers outside them are never issued, so they are not SSNs.
func isSSN(area, group, serial string) bool {
	if len(area) != 3 || len(group) != 2 || len(serial) != 4 {
		return false
	}
	if area == "000" || area == "666" || area[0] == '9' {
		return false
	}
	return group != "00" && serial != "0000"
}

// validDayMonth reports whether day/month is a calendar date (in year, or in a leap
// year when year is -1).
func validDayMonth(day, month, year int) bool {
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	days := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month]
	if month == 2 && year >= 0 && !(year%4 == 0 && (year%100 != 0 || year%400 == 0)) {
		days = 28
	}
	return day <= days
}

// containsEmail looks for local@domain.tld.
func containsEmail(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '@' {
			continue
		}
		j := i
		for j > 0 && isEmailLocal(s[j-1]) {
			j--
		}
		if j == i {
			continue
		}
		k, dots, lastDot := i+1, 0, -1
		for k < len(s) && (isAlnum(s[k]) || s[k] == '-' || s[k] == '.') {
			if s[k] == '.' {
				dots++
				lastDot = k
			}
			k++
		}
		if dots > 0 && lastDot > i+1 && lastDot < k-1 {
			return true
		}
	}
	return false
}

func isEmailLocal(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

// containsNINumber looks for a UK National Insurance number as a whole word: two
// prefix letters, six digits (in pairs separated by single spaces, or not) and a
// suffix letter A-D, as HMRC allocates them (National Insurance Manual NIM39110): the
// first letter is not D, F, I, Q, U or V, the second not D, F, I, O, Q, U or V, and
// the prefixes BG, GB, KN, NK, NT, TN and ZZ are never used. So HMRC's specimen
// QQ 12 34 56 C is not one (QQ is never allocated), and neither are codes such as
// GAD7_CHANGE ("_" joins words).
func containsNINumber(s string) bool {
	isWord := func(c byte) bool { return isAlnum(c) || c == '_' }
	for i := 0; i+9 <= len(s); i++ {
		if (i > 0 && isWord(s[i-1])) || !isNIPrefix(s[i], s[i+1]) {
			continue
		}
		j, digits := i+2, 0
		for digits < 6 {
			if j < len(s) && s[j] == ' ' {
				j++
			}
			if j+2 > len(s) || !isDigit(s[j]) || !isDigit(s[j+1]) {
				break
			}
			j, digits = j+2, digits+2
		}
		if digits != 6 {
			continue
		}
		if j < len(s) && s[j] == ' ' {
			j++
		}
		if j < len(s) && (s[j]|0x20) >= 'a' && (s[j]|0x20) <= 'd' && (j+1 == len(s) || !isWord(s[j+1])) {
			return true
		}
	}
	return false
}

// isNIPrefix applies HMRC's rules for the two prefix letters of a National
// Insurance number.
func isNIPrefix(a, b byte) bool {
	if !isLetter(a) || !isLetter(b) {
		return false
	}
	a, b = a&^0x20, b&^0x20 // upper case
	if strings.IndexByte("DFIQUV", a) >= 0 || strings.IndexByte("DFIOQUV", b) >= 0 {
		return false
	}
	switch string([]byte{a, b}) {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return false
	}
	return true
}

// containsPostcode looks for a full UK postcode: an outward code (A9, A99, AA9, AA99,
// A9A, AA9A) then an inward code (9AA), with or without a space, as whole words.
// "_" counts as part of a word, so codes such as GAD7_CHANGE are never postcodes.
func containsPostcode(s string) bool {
	isWord := func(c byte) bool { return isAlnum(c) || c == '_' }
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) || (i > 0 && isWord(s[i-1])) {
			continue
		}
		for _, n := range [...]int{2, 3, 4} {
			if i+n > len(s) || !isOutwardCode(s[i:i+n]) {
				continue
			}
			j := i + n
			if j < len(s) && s[j] == ' ' {
				j++
			}
			if j+3 <= len(s) && isDigit(s[j]) && isLetter(s[j+1]) && isLetter(s[j+2]) &&
				(j+3 == len(s) || !isWord(s[j+3])) {
				return true
			}
		}
		if hasPrefixFold(s[i:], "GIR") {
			j := i + 3
			if j < len(s) && s[j] == ' ' {
				j++
			}
			if strings.HasPrefix(s[j:], "0AA") || strings.HasPrefix(s[j:], "0aa") {
				return true
			}
		}
	}
	return false
}

func isOutwardCode(w string) bool {
	switch len(w) {
	case 2: // A9
		return isLetter(w[0]) && isDigit(w[1])
	case 3: // A99, AA9, A9A
		return isLetter(w[0]) && ((isDigit(w[1]) && isDigit(w[2])) ||
			(isLetter(w[1]) && isDigit(w[2])) || (isDigit(w[1]) && isLetter(w[2])))
	case 4: // AA99, AA9A
		return isLetter(w[0]) && isLetter(w[1]) && isDigit(w[2]) && (isDigit(w[3]) || isLetter(w[3]))
	}
	return false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// group is a maximal run of digits at s[start:end].
type group struct{ start, end int }

func (g group) len() int { return g.end - g.start }

func digitGroups(s string) []group {
	var out []group
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		out = append(out, group{i, j})
		i = j
	}
	return out
}

// sep returns the text between groups a and b.
func sep(s string, a, b group) string { return s[a.end:b.start] }

// runOf returns the digits of the groups i..i+n-1 when they are joined by single
// separators all from seps, and "" otherwise.
func runOf(s string, gs []group, i, n int, seps string) string {
	if i+n > len(gs) {
		return ""
	}
	var b strings.Builder
	for k := i; k < i+n; k++ {
		if k > i {
			sp := sep(s, gs[k-1], gs[k])
			if len(sp) != 1 || !strings.Contains(seps, sp) {
				return ""
			}
		}
		b.WriteString(s[gs[k].start:gs[k].end])
	}
	return b.String()
}

func lens(gs []group, i int, want ...int) bool {
	if i+len(want) > len(gs) {
		return false
	}
	for k, w := range want {
		if gs[i+k].len() != w {
			return false
		}
	}
	return true
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// containsNumericDate looks for full dates written with digits: 2021-03-31,
// 2021/03/31, 31/03/2021, 03/31/2021, 31.03.21, 20210331. A year and month alone
// (2021-03) is not a full date.
func containsNumericDate(s string, gs []group) bool {
	for i := range gs {
		if lens(gs, i, 4, 2, 2) || lens(gs, i, 4, 1, 1) || lens(gs, i, 4, 1, 2) || lens(gs, i, 4, 2, 1) {
			if sameSeps(s, gs, i, 3, "-/.") {
				y, m, d := atoi(s[gs[i].start:gs[i].end]), atoi(s[gs[i+1].start:gs[i+1].end]), atoi(s[gs[i+2].start:gs[i+2].end])
				if y >= 1800 && y <= 2199 && validDayMonth(d, m, y) {
					return true
				}
			}
		}
		if i+3 <= len(gs) && gs[i].len() <= 2 && gs[i+1].len() <= 2 && (gs[i+2].len() == 2 || gs[i+2].len() == 4) &&
			sameSeps(s, gs, i, 3, "-/.") {
			a, b := atoi(s[gs[i].start:gs[i].end]), atoi(s[gs[i+1].start:gs[i+1].end])
			if validDayMonth(a, b, -1) || validDayMonth(b, a, -1) {
				return true
			}
		}
		if gs[i].len() == 8 {
			d := s[gs[i].start:gs[i].end]
			y, m, day := atoi(d[0:4]), atoi(d[4:6]), atoi(d[6:8])
			if y >= 1900 && y <= 2099 && validDayMonth(day, m, y) {
				return true
			}
		}
	}
	return false
}

// sameSeps reports whether groups i..i+n-1 are joined by one and the same single
// separator character from seps.
func sameSeps(s string, gs []group, i, n int, seps string) bool {
	if i+n > len(gs) {
		return false
	}
	first := sep(s, gs[i], gs[i+1])
	if len(first) != 1 || !strings.Contains(seps, first) {
		return false
	}
	for k := i + 1; k < i+n-1; k++ {
		if sep(s, gs[k], gs[k+1]) != first {
			return false
		}
	}
	return true
}

var monthNames = [...]string{"january", "february", "march", "april", "may", "june", "july", "august",
	"september", "october", "november", "december", "sept"}

// containsNamedDate looks for dates written with a month name: 31 Mar 2021,
// 31-Mar-21, March 31, 2021, 31st March 2021.
func containsNamedDate(s string, gs []group) bool {
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) || (i > 0 && isLetter(s[i-1])) {
			continue
		}
		j := i
		for j < len(s) && isLetter(s[j]) {
			j++
		}
		if !isMonthWord(s[i:j]) {
			i = j
			continue
		}
		before, after := groupEndingNear(s, gs, i), groupStartingNear(s, gs, j)
		// day month year: a 1-2 digit group before, a 2 or 4 digit group after.
		if before >= 0 && gs[before].len() <= 2 && after >= 0 && (gs[after].len() == 2 || gs[after].len() == 4) {
			return true
		}
		// month day year: a 1-2 digit group after, then a year group.
		if after >= 0 && gs[after].len() <= 2 && after+1 < len(gs) && gs[after+1].len() == 4 &&
			gs[after+1].start-gs[after].end <= 4 {
			return true
		}
		i = j
	}
	return false
}

func isMonthWord(w string) bool {
	if len(w) < 3 || len(w) > 9 {
		return false
	}
	lw := strings.ToLower(w)
	for _, m := range monthNames {
		if lw == m || (len(lw) == 3 && strings.HasPrefix(m, lw)) {
			return true
		}
	}
	return false
}

// groupEndingNear returns the index of the digit group that ends just before pos
// (allowing a separator and an ordinal suffix such as "st"), or -1.
func groupEndingNear(s string, gs []group, pos int) int {
	for k := len(gs) - 1; k >= 0; k-- {
		if gs[k].end > pos {
			continue
		}
		between := strings.ToLower(s[gs[k].end:pos])
		between = strings.TrimLeft(between, "stndrh")
		if len(between) <= 2 && strings.Trim(between, " -./,") == "" {
			return k
		}
		return -1
	}
	return -1
}

// groupStartingNear returns the index of the digit group that starts just after pos
// (allowing a separator), or -1.
func groupStartingNear(s string, gs []group, pos int) int {
	for k := range gs {
		if gs[k].start < pos {
			continue
		}
		between := s[pos:gs[k].start]
		if len(between) <= 2 && strings.Trim(between, " -./,") == "" {
			return k
		}
		return -1
	}
	return -1
}

// matchNumberShapes checks the digit groups for identifiers written as numbers, in
// the order that resolves ambiguous shapes (a 3-3-4 number passing the NHS check is
// an NHS number before it is a US telephone number).
func matchNumberShapes(s string, gs []group) (Kind, bool) {
	for i := range gs {
		// Ten digits: one run, or grouped 3-3-4 as the NHS prints them.
		ten := ""
		if gs[i].len() == 10 {
			ten = s[gs[i].start:gs[i].end]
		} else if lens(gs, i, 3, 3, 4) {
			ten = runOf(s, gs, i, 3, " -")
		} else if lens(gs, i, 6, 4) {
			ten = runOf(s, gs, i, 2, " -")
		}
		if ten != "" {
			if isCHINumber(ten) {
				return CHINumber, true
			}
			if isNHSNumber(ten) {
				return NHSNumber, true
			}
		}
		// SSN: AAA-GG-SSSS (or with spaces), or nine digits in a row.
		if lens(gs, i, 3, 2, 4) && runOf(s, gs, i, 3, "- ") != "" &&
			isSSN(s[gs[i].start:gs[i].end], s[gs[i+1].start:gs[i+1].end], s[gs[i+2].start:gs[i+2].end]) {
			return SSN, true
		}
		if gs[i].len() == 9 {
			d := s[gs[i].start:gs[i].end]
			if isSSN(d[0:3], d[3:5], d[5:9]) {
				return SSN, true
			}
		}
		if isPhoneAt(s, gs, i) {
			return Phone, true
		}
		// ZIP+4, then a lone 5-digit ZIP (not the fraction of a decimal number).
		if lens(gs, i, 5, 4) && sep(s, gs[i], gs[i+1]) == "-" {
			return ZIP, true
		}
		if gs[i].len() == 5 && !(gs[i].start > 0 && (s[gs[i].start-1] == '.' || s[gs[i].start-1] == ',')) &&
			!(gs[i].end < len(s) && (s[gs[i].end] == '.' || s[gs[i].end] == ',')) {
			return ZIP, true
		}
	}
	return "", false
}

// isPhoneAt recognises a telephone number starting at group i: UK numbers with the
// trunk 0 (10 or 11 digits, grouped with spaces or hyphens), numbers with a +44 or +1
// country code, and US numbers written (AAA) EEE-NNNN, AAA-EEE-NNNN, AAA.EEE.NNNN or
// AAA EEE NNNN. A bare 10-digit run without a leading 0 is not taken for a phone
// number: it is far more often an NHS-number-shaped figure, checked above.
func isPhoneAt(s string, gs []group, i int) bool {
	// Collect up to four groups joined by phone separators.
	digits := s[gs[i].start:gs[i].end]
	n := 1
	for k := i + 1; k < len(gs) && n < 4; k++ {
		sp := sep(s, gs[k-1], gs[k])
		if sp != " " && sp != "-" && sp != "." && sp != ") " && sp != ")" && sp != ") -" {
			break
		}
		digits += s[gs[k].start:gs[k].end]
		n++
	}
	plus := gs[i].start > 0 && s[gs[i].start-1] == '+'
	paren := gs[i].start > 0 && s[gs[i].start-1] == '('
	switch {
	case plus && strings.HasPrefix(digits, "44") && (len(digits) == 12 || len(digits) == 11):
		return true
	case plus && strings.HasPrefix(digits, "1") && len(digits) == 11:
		return true
	case digits[0] == '0' && (len(digits) == 10 || len(digits) == 11) && (n > 1 || gs[i].len() >= 10):
		return true
	}
	// US formats: exactly 3-3-4 with separators (or "(AAA) EEE-NNNN"), area code 2-9.
	if lens(gs, i, 3, 3, 4) && s[gs[i].start] >= '2' {
		s1, s2 := sep(s, gs[i], gs[i+1]), sep(s, gs[i+1], gs[i+2])
		if (paren && (s1 == ") " || s1 == ")") && s2 == "-") || (s1 == s2 && (s1 == "-" || s1 == "." || s1 == " ")) {
			return true
		}
	}
	return false
}
