package graph

import (
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// setSuggestions decides whether srv's validation errors may carry "did you
// mean" hints. gqlgen's own switch (SetDisableSuggestion) covers only unknown
// fields and missing subfield selections; off, every rule that suggests
// (arguments, types, enum values and input fields too) is replaced by its
// variant without suggestions, so that no error names a part of the schema
// the caller did not write.
func setSuggestions(srv *handler.Server, on bool) {
	srv.SetDisableSuggestion(!on)
	if !on {
		srv.SetValidationRulesFn(rulesWithoutSuggestions)
	}
}

// suggestingRules are the default rules that suggest, by name, with their
// variants that do not.
var suggestingRules = map[string]core.Rule{
	rules.FieldsOnCorrectTypeRule.Name: rules.FieldsOnCorrectTypeRuleWithoutSuggestions,
	rules.ScalarLeafsRule.Name:         rules.ScalarLeafsRuleWithoutSuggestions,
	rules.KnownArgumentNamesRule.Name:  rules.KnownArgumentNamesRuleWithoutSuggestions,
	rules.KnownTypeNamesRule.Name:      rules.KnownTypeNamesRuleWithoutSuggestions,
	rules.ValuesOfCorrectTypeRule.Name: rules.ValuesOfCorrectTypeRuleWithoutSuggestions,
}

// rulesWithoutSuggestions returns a fresh rule set (gqlgen edits what it gets)
// with every suggesting rule replaced.
func rulesWithoutSuggestions() *rules.Rules {
	r := rules.NewDefaultRules()
	for name, quiet := range suggestingRules {
		r.RemoveRule(name)
		r.AddRule(quiet.Name, quiet.RuleFunc)
	}
	return r
}
