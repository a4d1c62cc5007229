// Package session owns browser sessions: a gorilla/sessions Store over the
// sessions table (so sessions can be listed and ended per administrator),
// typed accessors, sign-in that renews the session id, sign-out, idle and
// absolute timeouts, and signed flash messages. It is the only importer of
// gorilla/sessions.
package session
