//go:build race

package intercomecho_test

const raceEnabled = true
