// Package webhook delivers Gatehouse's outgoing webhooks: one signed JSON POST
// per attempt, over a client that cannot be pointed at the inside of the
// network. The outbox worker (elsewhere) decides what to send and when to
// retry; this package only makes one attempt and says how it went.
//
// Signing. Each request carries the header
//
//	Gatehouse-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">
//
// keyed with the webhook's secret (Sign, and Verify for receivers and tests;
// Verify accepts several v1 values so a receiver can roll its secret).
//
// SSRF. A webhook URL is chosen by a workspace administrator and fetched by
// the server, so unless private addresses are allowed:
//
//   - only https URLs, without user name or password, are accepted
//     (ValidateURL at save time; Deliver again at send time);
//   - at save time the host is resolved and every address it resolves to must
//     be a public unicast address;
//   - at send time the address actually connected to is checked again by the
//     dialer's Control function, after DNS resolution, so a name that
//     resolved to a public address when saved and to 127.0.0.1 now (DNS
//     rebinding) is refused before a packet is sent.
//
// Refused: loopback (127/8, ::1), private (10/8, 172.16/12, 192.168/16,
// fc00::/7 including the AWS IMDS address fd00:ec2::254), link-local
// (169.254/16 including the cloud metadata address 169.254.169.254,
// fe80::/10), unspecified (0/8, ::), multicast, shared CGNAT space
// (100.64/10), broadcast and reserved space, documentation and benchmarking
// ranges, and every IPv6 address outside 2000::/3, which covers IPv4-mapped
// forms such as ::ffff:127.0.0.1 and NAT64 (64:ff9b::/96). The lists are
// those of code.dny.dev/ssrf (the IANA special-purpose registries).
//
// Other rules: no proxy from the environment (a proxy would connect on our
// behalf, past the address check); redirects are not followed, so a 3xx is a
// failed attempt like any other non-2xx; every phase has a timeout; at most
// 64 KB of the response body is read. Certificates are verified against the
// system's store, which Go reads from SSL_CERT_FILE / SSL_CERT_DIR when they
// are set (TestSystemStoreHonoursSSLCertFile checks it), or against
// Options.RootCAs.
//
// GATEHOUSE_WEBHOOK_ALLOW_PRIVATE=true (read by the configuration, passed
// here as Options.AllowPrivate and the allowPrivate argument of ValidateURL)
// turns the address checks off and allows http as well, for development and
// for tests that run a receiver on 127.0.0.1. It must stay off in production.
package webhook
