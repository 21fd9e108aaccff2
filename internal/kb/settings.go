package kb

// The help centre's settings (docs/help-centre.md#brand).
const (
	SettingHelpName    = "help.name"     // the brand's name in the help centre's header ("" = site.url's host)
	SettingHelpColor   = "help.color"    // the brand's colour, #rrggbb
	SettingHelpLogoURL = "help.logo_url" // an https address of the brand's logo
	SettingHelpLocales = "help.locales"  // the locales the help centre offers, comma-separated, the first the default
)
