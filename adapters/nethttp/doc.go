// Package intercomhttp puts the Intercom Messenger on the pages of a net/http app.
package intercomhttp
