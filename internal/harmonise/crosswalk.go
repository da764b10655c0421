package harmonise

import (
	"fmt"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/reference"
)

// Crosswalk rolls fine, UK-style welfare domains up into the coarse US I-HELP
// categories (Income & insurance, Housing & utilities, Education & employment,
// Legal status, Personal & family stability). The mapping is data, the rows of
// reference/ihelp_crosswalk.csv, never restated in code. A Crosswalk is read-only
// once built and safe for concurrent use.
type Crosswalk struct {
	category map[string]string   // welfare domain -> I-HELP category
	domains  map[string][]string // I-HELP category -> welfare domains, in file order
}

// NewCrosswalk builds a Crosswalk from crosswalk rows. Every row needs a domain
// and a known I-HELP category; a domain listed twice is an error, as a domain in two
// categories would count twice.
func NewCrosswalk(rows []reference.Crosswalk) (*Crosswalk, error) {
	c := &Crosswalk{category: map[string]string{}, domains: map[string][]string{}}
	for i, r := range rows {
		if r.WelfareDomain == "" || !hjx.In(hjx.IhelpCategories, r.IhelpCategory) {
			return nil, fmt.Errorf("harmonise: crosswalk row %d: domain %q, category %q: want a domain and an I-HELP category",
				i+1, r.WelfareDomain, r.IhelpCategory)
		}
		if _, dup := c.category[r.WelfareDomain]; dup {
			return nil, fmt.Errorf("harmonise: crosswalk lists %s twice", r.WelfareDomain)
		}
		c.category[r.WelfareDomain] = r.IhelpCategory
		c.domains[r.IhelpCategory] = append(c.domains[r.IhelpCategory], r.WelfareDomain)
	}
	return c, nil
}

// ReferenceCrosswalk is the crosswalk of the embedded reference file.
func ReferenceCrosswalk() (*Crosswalk, error) {
	rows, err := reference.Crosswalks()
	if err != nil {
		return nil, err
	}
	return NewCrosswalk(rows)
}

// Category returns the I-HELP category a welfare domain rolls up into; ok is false
// for a domain the crosswalk does not list.
func (c *Crosswalk) Category(welfareDomain string) (category string, ok bool) {
	category, ok = c.category[welfareDomain]
	return category, ok
}

// Domains returns the welfare domains that roll up into an I-HELP category (nil
// for an unknown one), e.g. to turn a filter on categories into one on domains.
func (c *Crosswalk) Domains(category string) []string {
	return append([]string(nil), c.domains[category]...)
}
