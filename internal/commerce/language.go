package commerce

import "strings"

// countryLanguages is the main language of the countries whose language
// is not in doubt; a country with several (Belgium, Switzerland, Canada)
// says nothing.
var countryLanguages = map[string]string{
	"GB": "en", "IE": "en", "US": "en", "AU": "en", "NZ": "en",
	"FR": "fr", "DE": "de", "AT": "de", "ES": "es", "MX": "es", "AR": "es", "IT": "it", "NL": "nl",
	"PT": "pt", "BR": "pt-BR", "SE": "sv", "DK": "da", "FI": "fi", "PL": "pl", "CZ": "cs", "JP": "ja",
}

// LanguageOf is the locale most customers of a country (an ISO code, as
// orders store it) read, "" when unknown or in doubt: what the composer's
// articles and proactive notices are written in when a translation exists.
func LanguageOf(country string) string {
	return countryLanguages[strings.ToUpper(strings.TrimSpace(country))]
}
