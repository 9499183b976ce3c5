// Package intercomecho puts the Intercom Messenger on the pages of a Echo v5 app.
package intercomecho
