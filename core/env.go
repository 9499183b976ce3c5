package intercom

import (
	"errors"
	"os"
	"strconv"
	"strings"
)

// internalIPVars are read in order; the first that is set wins, even when
// empty, as in django-analytical.
var internalIPVars = []string{"INTERCOM_INTERNAL_IPS", "ANALYTICAL_INTERNAL_IPS", "INTERNAL_IPS"}

// ConfigFromEnv reads django-analytical's settings from the environment:
//
//	INTERCOM_APP_ID            Config.AppID
//	INTERCOM_HMAC_SECRET_KEY   Config.HMACSecret
//	INTERCOM_INTERNAL_IPS      Config.InternalIPs, comma- or space-separated;
//	  else ANALYTICAL_INTERNAL_IPS, else INTERNAL_IPS (the first set wins)
//	INTERCOM_REGION            Config.Region: us, eu or au
//	INTERCOM_WIDGET_URL        Config.WidgetURL: a proxy or mirror of the widget
//	ANALYTICAL_AUTO_IDENTIFY   false/0 sets Config.DisableAutoIdentify
//
// It returns an error naming the variable for a value that cannot be used;
// New validates the rest. Variables that are unset leave the zero value.
func ConfigFromEnv() (Config, error) {
	c := Config{
		AppID:      strings.TrimSpace(os.Getenv("INTERCOM_APP_ID")),
		HMACSecret: os.Getenv("INTERCOM_HMAC_SECRET_KEY"),
	}
	if c.AppID != "" && !validAppID(c.AppID) {
		return Config{}, &ConfigError{Setting: "INTERCOM_APP_ID", Value: c.AppID, Reason: "want lower-case letters and digits only, e.g. abc12345"}
	}
	for _, name := range internalIPVars {
		if v, ok := os.LookupEnv(name); ok {
			c.InternalIPs = strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
			if _, err := parseInternalIPs(c.InternalIPs); err != nil {
				var ce *ConfigError
				if errors.As(err, &ce) {
					ce.Setting = name
				}
				return Config{}, err
			}
			break
		}
	}
	if v, ok := os.LookupEnv("INTERCOM_REGION"); ok {
		c.Region = Region(strings.ToLower(strings.TrimSpace(v)))
		if c.Region.APIBase() == "" {
			return Config{}, &ConfigError{Setting: "INTERCOM_REGION", Value: v, Reason: `want "us", "eu" or "au"`}
		}
	}
	if v := strings.TrimSpace(os.Getenv("INTERCOM_WIDGET_URL")); v != "" {
		if err := validateWidgetURL("INTERCOM_WIDGET_URL", v); err != nil {
			return Config{}, err
		}
		c.WidgetURL = v
	}
	if v, ok := os.LookupEnv("ANALYTICAL_AUTO_IDENTIFY"); ok {
		on, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return Config{}, &ConfigError{Setting: "ANALYTICAL_AUTO_IDENTIFY", Value: v, Reason: "want true or false"}
		}
		c.DisableAutoIdentify = !on
	}
	return c, nil
}
