package intercom

import (
	"strconv"
	"time"
)

// Options are the workspace-wide Messenger settings. Zero fields are left
// out, so Intercom's own defaults (and the workspace's Messenger settings)
// apply. Per-request Attributes with the same key override them.
type Options struct {
	// CustomLauncherSelector is a CSS selector for elements that open the
	// Messenger (custom_launcher_selector).
	CustomLauncherSelector string
	// Alignment is "left" or "right" (alignment).
	Alignment string
	// VerticalPadding and HorizontalPadding move the launcher, in pixels,
	// minimum 20 (vertical_padding, horizontal_padding).
	VerticalPadding   int
	HorizontalPadding int
	// ZIndex sets the Messenger's z-index (z_index).
	ZIndex int
	// HideDefaultLauncher hides the default launcher (hide_default_launcher).
	HideDefaultLauncher bool
	// HideNotifications hides notification pop-ups (hide_notifications).
	HideNotifications bool
	// ThemeMode is "light", "dark" or "system" (theme_mode).
	ThemeMode string
	// SessionDuration ends an idle visitor session after this long, sent in
	// whole milliseconds (session_duration).
	SessionDuration time.Duration
	// ActionColor, BackgroundColor and LinkColor are CSS colours such as
	// "#0057ff" or "rgb(0, 87, 255)" (action_color, background_color, link_color).
	ActionColor     string
	BackgroundColor string
	LinkColor       string
	// LanguageOverride forces the Messenger's locale, e.g. "fr" or "pt-BR"
	// (language_override).
	LanguageOverride string
}

// fragments validates o and returns its settings as encoded key/value pairs.
func (o Options) fragments() ([]fragment, error) {
	var out []fragment
	str := func(key, val string) {
		if val != "" {
			out = append(out, newFragment(key, appendString(nil, val)))
		}
	}
	num := func(key string, val int64) {
		out = append(out, newFragment(key, strconv.AppendInt(nil, val, 10)))
	}
	flag := func(key string, val bool) {
		if val {
			out = append(out, newFragment(key, []byte("true")))
		}
	}
	bad := func(setting, value, reason string) error {
		return &ConfigError{Setting: "Messenger." + setting, Value: value, Reason: reason}
	}

	if s := o.CustomLauncherSelector; s != "" && !printable(s) {
		return nil, bad("CustomLauncherSelector", s, "control characters are not allowed in a CSS selector")
	}
	str("custom_launcher_selector", o.CustomLauncherSelector)

	switch o.Alignment {
	case "", "left", "right":
		str("alignment", o.Alignment)
	default:
		return nil, bad("Alignment", o.Alignment, `want "left" or "right"`)
	}
	for _, p := range []struct {
		name, key string
		val       int
	}{{"VerticalPadding", "vertical_padding", o.VerticalPadding}, {"HorizontalPadding", "horizontal_padding", o.HorizontalPadding}} {
		if p.val == 0 {
			continue
		}
		if p.val < 20 {
			return nil, bad(p.name, strconv.Itoa(p.val), "minimum is 20 pixels")
		}
		num(p.key, int64(p.val))
	}
	if o.ZIndex != 0 {
		num("z_index", int64(o.ZIndex))
	}
	flag("hide_default_launcher", o.HideDefaultLauncher)
	flag("hide_notifications", o.HideNotifications)

	switch o.ThemeMode {
	case "", "light", "dark", "system":
		str("theme_mode", o.ThemeMode)
	default:
		return nil, bad("ThemeMode", o.ThemeMode, `want "light", "dark" or "system"`)
	}
	if d := o.SessionDuration; d != 0 {
		if d < time.Millisecond {
			return nil, bad("SessionDuration", d.String(), "want at least 1ms")
		}
		num("session_duration", d.Milliseconds())
	}
	for _, c := range []struct{ name, key, val string }{
		{"ActionColor", "action_color", o.ActionColor},
		{"BackgroundColor", "background_color", o.BackgroundColor},
		{"LinkColor", "link_color", o.LinkColor},
	} {
		if c.val != "" && !validColor(c.val) {
			return nil, bad(c.name, c.val, `want a CSS colour such as "#0057ff", "rgb(0, 87, 255)" or "teal"`)
		}
		str(c.key, c.val)
	}
	if l := o.LanguageOverride; l != "" && !validLocale(l) {
		return nil, bad("LanguageOverride", l, `want a locale such as "fr" or "pt-BR"`)
	}
	str("language_override", o.LanguageOverride)
	return out, nil
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// validColor accepts hex colours, named colours and colour functions; it only
// keeps out what cannot be a colour, the JSON encoding keeps the page safe.
func validColor(s string) bool {
	if s[0] == '#' {
		h := s[1:]
		switch len(h) {
		case 3, 4, 6, 8:
		default:
			return false
		}
		for i := 0; i < len(h); i++ {
			if !isHex(h[i]) {
				return false
			}
		}
		return true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '(' && c != ')' && c != ',' && c != '.' && c != '%' && c != ' ' && c != '/' && c != '-' {
			return false
		}
	}
	return isAlnum(s[0])
}

func validLocale(s string) bool {
	if len(s) > 35 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && (c != '-' && c != '_' || i == 0) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
