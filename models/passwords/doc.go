// Package passwords owns password hashing and the password policy check.
//
// Hashes are argon2id with the OWASP-recommended parameters (m=19456 KiB,
// t=2, p=1, 16-byte salt, 32-byte key), stored in the standard PHC string
// format:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<base64 salt>$<base64 key>
//
// Every argon2 derivation goes through a bounded queue (Queue): a few run
// at once, a few more wait, and the rest are refused at once with ErrBusy,
// so that a burst of sign-ins can neither exhaust memory nor make everyone
// wait; a request whose client went away leaves the queue without hashing.
// VerifyDummy lets callers spend the same time on a sign-in for an unknown
// account as on a real one.
//
// Policy describes the configurable password rules (length, character
// classes, rejection of common passwords from a bundled list) and checks a
// candidate password against them, reporting every violated rule.
package passwords
