// Package intercomfiber puts the Intercom Messenger on the pages of a Fiber v3 app.
package intercomfiber
