// Package mail delivers Gatehouse's e-mail.
//
// It owns two things:
//
//   - Sender: how a rendered message leaves the process. NewSender reads
//     GATEHOUSE_SMTP_URL: smtp:// (plain SMTP, STARTTLS when the server offers
//     it, port 25 by default), smtps:// (implicit TLS, port 465 by default), or
//     nothing, in which case every message, links included, is written to the
//     log so a newcomer can follow them without a mail server.
//   - Worker: the outbox worker. Business operations in models write e-mails
//     to the outbox_emails table in the same transaction as the change; the
//     worker claims due rows (SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL,
//     so any number of replicas can run one), sends them, and marks them sent,
//     or failed with a retry time that backs off exponentially, capped at one
//     minute. Nothing is ever dropped: a mail server that is down only delays
//     the mail, which flows again within about a minute of its return.
//
// Message bodies are rendered elsewhere (views/emails); this package never
// builds content. The queue queries live in models (outbox.go).
//
// Tests can run a real SMTP server in-process with package mailtest.
package mail
