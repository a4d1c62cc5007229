package models

// SignInOutcome is how one sign-in attempt ended, as told to an Observer.
type SignInOutcome string

// Sign-in outcomes. A failed attempt is any wrong or unknown credential
// (password, TOTP code, e-mailed code, unknown e-mail); a locked-out one was
// refused unchecked because the account is locked.
const (
	SignInSucceeded SignInOutcome = "succeeded"
	SignInFailed    SignInOutcome = "failed"
	SignInLockedOut SignInOutcome = "locked_out"
)

// Observer is told about security events as they are committed, for
// metrics. Its methods must be cheap and must not block; a nil
// Store.Observer means nobody is listening.
type Observer interface {
	// SignIn counts one sign-in attempt by outcome.
	SignIn(SignInOutcome)
	// Lockout counts an account locked by too many failed attempts.
	Lockout()
	// WebhookDelivery counts one webhook delivery attempt by outcome.
	WebhookDelivery(WebhookOutcome)
}

type nopObserver struct{}

func (nopObserver) SignIn(SignInOutcome) {}
func (nopObserver) Lockout()             {}

func (nopObserver) WebhookDelivery(WebhookOutcome) {}

// observer is the Store's Observer, or one that does nothing.
func (s *Store) observer() Observer {
	if s.Observer == nil {
		return nopObserver{}
	}
	return s.Observer
}
