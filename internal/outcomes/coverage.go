package outcomes

// withDecisionExclusions returns the table as this request answers it: the partners
// excluded by this request's access decisions first, then the data-derived coverage
// the table was computed with. The table itself may be shared by the cache, so it is
// copied, never changed.
func withDecisionExclusions(t *Table, byDecision []Excluded) *Table {
	out := *t
	out.PartnersExcluded = make([]Excluded, 0, len(byDecision)+len(t.PartnersExcluded))
	out.PartnersExcluded = append(out.PartnersExcluded, byDecision...)
	out.PartnersExcluded = append(out.PartnersExcluded, t.PartnersExcluded...)
	return &out
}
