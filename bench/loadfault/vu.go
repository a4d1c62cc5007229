package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// outcome is what a change request's answer says about the change.
type outcome int

const (
	applied   outcome = iota // 303 to where success goes: the change must be in the database
	refused                  // a definite no (4xx, or the balancer never reached a replica): it must not be
	ambiguous                // 5xx, a broken connection, a timeout: it may or may not be
)

// stats are the figures of the whole run, shared by the virtual users.
type stats struct {
	mu        sync.Mutex
	requests  int
	latencies []time.Duration
	errors    map[string]int // by kind
	actions   map[string]map[outcome]int
}

func newStats() *stats {
	return &stats{errors: map[string]int{}, actions: map[string]map[outcome]int{}}
}

func (s *stats) request(d time.Duration) {
	s.mu.Lock()
	s.requests++
	s.latencies = append(s.latencies, d)
	s.mu.Unlock()
}

func (s *stats) error(kind string) {
	s.mu.Lock()
	s.errors[kind]++
	s.mu.Unlock()
}

func (s *stats) action(name string, o outcome) {
	s.mu.Lock()
	if s.actions[name] == nil {
		s.actions[name] = map[outcome]int{}
	}
	s.actions[name][o]++
	s.mu.Unlock()
}

func (s *stats) percentile(q float64) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.latencies) == 0 {
		return 0
	}
	l := slices.Clone(s.latencies)
	slices.Sort(l)
	return l[min(len(l)-1, int(q*float64(len(l))))]
}

// attempt is one change request and what its answer said.
type attempt struct {
	value   string // the status set, the role assigned
	outcome outcome
}

// invited is an administrator a virtual user invited (or tried to).
type invited struct {
	email   string
	id      int64 // 0 when the answer did not say (not applied, or ambiguous)
	outcome outcome
	role    string             // the role given with the invitation
	roles   map[string]attempt // roles assigned afterwards, by key
}

// target is a seeded administrator whose status one virtual user toggles.
type target struct {
	id       int64
	email    string
	attempts []attempt
}

// vu is one virtual user: a Tenant Admin in a browser of their own.
type vu struct {
	n        int
	base     string
	slug     string
	email    string
	password string
	xff      string
	run      string // the run's tag, in invited addresses
	st       *stats
	rng      *rand.Rand

	client  *http.Client
	device  []*http.Cookie
	invites []*invited
	targets []*target
	log     *os.File

	signedOut bool // a request was sent to the sign-in page
}

var assignable = []string{"tenant_auditor", "editor_users", "editor_connections", "editor_organizations"}

func (v *vu) newBrowser() {
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(v.base)
	jar.SetCookies(u, v.device)
	v.client = &http.Client{Jar: jar, Transport: clientTransport, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var clientTransport = &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second}

// answer is one response, read in full.
type answer struct {
	status   int
	location string
	body     string
	upstream string // the balancer's failure, if any
	err      error
}

// do sends one request and records its latency, and any failure by kind.
// want lists the statuses that are not errors for this request.
func (v *vu) do(ctx context.Context, method, path string, form url.Values, what string, want ...int) answer {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, v.base+path, body)
	if err != nil {
		return answer{err: err}
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Forwarded-For", v.xff)
	start := time.Now()
	res, err := v.client.Do(req)
	if err != nil {
		if ctx.Err() != nil { // the run ended under it: not counted
			return answer{err: err}
		}
		v.st.request(time.Since(start))
		v.st.error("client: " + errKind(err))
		return answer{err: err}
	}
	b, rerr := io.ReadAll(res.Body)
	res.Body.Close()
	v.st.request(time.Since(start))
	a := answer{status: res.StatusCode, location: res.Header.Get("Location"), body: string(b), upstream: res.Header.Get(upstreamErrorHeader)}
	if rerr != nil {
		v.st.error("client: " + errKind(rerr))
		a.err = rerr
		return a
	}
	switch {
	case a.upstream != "":
		v.st.error("502 from the balancer: replica " + map[string]string{"refused": "refused the connection (down)", "broken": "connection broke mid-request"}[a.upstream])
	case a.status == http.StatusSeeOther && strings.Contains(a.location, "/login") && !strings.HasSuffix(path, "/login"):
		v.st.error(fmt.Sprintf("signed out unexpectedly (%s)", what))
		v.signedOut = true
	case !slices.Contains(want, a.status):
		v.st.error(fmt.Sprintf("%d on %s", a.status, what))
		if v.log != nil && a.status >= 500 {
			fmt.Fprintf(v.log, "%s %s %s → %d\n", time.Now().Format(time.RFC3339Nano), method, path, a.status)
		}
	}
	return a
}

func errKind(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	case strings.Contains(err.Error(), "connection reset"):
		return "connection reset"
	case strings.Contains(err.Error(), "connection refused"):
		return "connection refused"
	}
	return err.Error()
}

// outcomeOf classifies a change request's answer: applied when it is a 303
// whose Location matches success.
func outcomeOf(a answer, success *regexp.Regexp) outcome {
	switch {
	case a.err != nil && a.status == 0:
		return ambiguous
	case a.upstream == "refused":
		return refused
	case a.upstream != "", a.status >= 500, a.err != nil:
		return ambiguous
	case a.status == http.StatusSeeOther && success.MatchString(a.location):
		return applied
	}
	return refused
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func csrf(body string) string {
	if m := csrfRE.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// page loads a page and returns its CSRF token ("" when the page failed).
func (v *vu) page(ctx context.Context, path, what string) (answer, string) {
	a := v.do(ctx, http.MethodGet, path, nil, what, http.StatusOK)
	if a.status != http.StatusOK {
		return a, ""
	}
	return a, csrf(a.body)
}

// signIn signs in afresh in a new session of the same browser.
func (v *vu) signIn(ctx context.Context) bool {
	v.newBrowser()
	page, tok := v.page(ctx, "/t/"+v.slug+"/login", "GET sign-in page")
	if tok == "" {
		v.record(ctx, "sign-in", outcomeOf(page, regexp.MustCompile("^$")))
		return false
	}
	a := v.do(ctx, http.MethodPost, "/t/"+v.slug+"/login", url.Values{"_csrf": {tok}, "email": {v.email}, "password": {v.password}}, "POST sign-in", http.StatusSeeOther)
	ok := a.status == http.StatusSeeOther && !strings.Contains(a.location, "/login")
	if ok {
		u, _ := url.Parse(v.base)
		for _, c := range v.client.Jar.Cookies(u) {
			if c.Name == "gatehouse_device" {
				v.device = []*http.Cookie{{Name: c.Name, Value: c.Value, Path: "/"}}
			}
		}
		v.record(ctx, "sign-in", applied)
	} else {
		v.record(ctx, "sign-in", outcomeOf(a, regexp.MustCompile("^$")))
	}
	return ok
}

var nextRE = regexp.MustCompile(`href="([^"]*[?&]after=[^"]*)"`)

// browse loads one of the list pages.
func (v *vu) browse(ctx context.Context) {
	admins := "/t/" + v.slug + "/settings/administrators"
	var a answer
	switch v.rng.IntN(5) {
	case 0:
		a = v.do(ctx, http.MethodGet, "/t/"+v.slug+"/", nil, "GET dashboard", http.StatusOK)
	case 1:
		a = v.do(ctx, http.MethodGet, "/t/"+v.slug+"/audit", nil, "GET audit log", http.StatusOK)
	case 2:
		q := []string{"maria", "smith", "load", "garcia", "no-such-name"}[v.rng.IntN(5)]
		a = v.do(ctx, http.MethodGet, admins+"?q="+q, nil, "GET administrators (search)", http.StatusOK)
	default:
		a = v.do(ctx, http.MethodGet, admins, nil, "GET administrators", http.StatusOK)
		if m := nextRE.FindStringSubmatch(a.body); m != nil && a.status == http.StatusOK {
			next := strings.ReplaceAll(m[1], "&amp;", "&")
			a = v.do(ctx, http.MethodGet, next, nil, "GET administrators (next page)", http.StatusOK)
		}
	}
	if a.status == http.StatusOK {
		v.record(ctx, "list page", applied)
	} else {
		v.record(ctx, "list page", outcomeOf(a, regexp.MustCompile("^$")))
	}
}

var profileRE = regexp.MustCompile(`/settings/administrators/(\d+)$`)

// invite creates a new administrator (Create New), which sends an invitation.
func (v *vu) invite(ctx context.Context) {
	admins := "/t/" + v.slug + "/settings/administrators"
	_, tok := v.page(ctx, admins+"/new", "GET Create New")
	if tok == "" {
		return
	}
	k := len(v.invites)
	in := &invited{email: fmt.Sprintf("lf-%s-vu%d-%d@loadfault.example", v.run, v.n, k), role: []string{"tenant_member", "tenant_auditor"}[k%2], roles: map[string]attempt{}}
	a := v.do(ctx, http.MethodPost, admins+"/new", url.Values{"_csrf": {tok}, "email": {in.email}, "given_name": {"Load"},
		"family_name": {fmt.Sprintf("Fault %d-%d", v.n, k)}, "role": {in.role}}, "POST Create New", http.StatusSeeOther)
	in.outcome = outcomeOf(a, profileRE)
	if in.outcome == applied {
		m := profileRE.FindStringSubmatch(a.location)
		in.id, _ = strconv.ParseInt(m[1], 10, 64)
	}
	v.invites = append(v.invites, in)
	v.record(ctx, "invitation", in.outcome)
}

// assignRole gives one of the administrators this user invited a role it
// does not hold yet.
func (v *vu) assignRole(ctx context.Context) bool {
	var cands []*invited
	for _, in := range v.invites {
		if in.outcome == applied && len(in.roles) < len(assignable) {
			cands = append(cands, in)
		}
	}
	if len(cands) == 0 {
		return false
	}
	in := cands[v.rng.IntN(len(cands))]
	var role string
	for _, r := range assignable {
		if _, tried := in.roles[r]; !tried && r != in.role {
			role = r
			break
		}
	}
	if role == "" {
		in.roles["-"] = attempt{} // nothing left
		return false
	}
	profile := fmt.Sprintf("/t/%s/settings/administrators/%d", v.slug, in.id)
	_, tok := v.page(ctx, profile, "GET User Profile")
	if tok == "" {
		return true
	}
	a := v.do(ctx, http.MethodPost, profile+"/roles", url.Values{"_csrf": {tok}, "role": {role}}, "POST assign role", http.StatusSeeOther)
	o := outcomeOf(a, profileRE)
	if o == refused && a.upstream == "" {
		v.st.error(fmt.Sprintf("%d refusing a role assignment", a.status))
	}
	in.roles[role] = attempt{value: role, outcome: o}
	v.record(ctx, "role assignment", o)
	return true
}

// toggleStatus deactivates or reactivates one of this user's targets: the
// opposite of what it believes the status is (the value of its last request
// that was not refused).
func (v *vu) toggleStatus(ctx context.Context) {
	t := v.targets[v.rng.IntN(len(v.targets))]
	believed := "active"
	for _, a := range t.attempts {
		if a.outcome != refused {
			believed = a.value
		}
	}
	next := map[string]string{"active": "inactive", "inactive": "active"}[believed]
	profile := fmt.Sprintf("/t/%s/settings/administrators/%d", v.slug, t.id)
	_, tok := v.page(ctx, profile, "GET User Profile")
	if tok == "" {
		return
	}
	a := v.do(ctx, http.MethodPost, profile+"/status", url.Values{"_csrf": {tok}, "status": {next}}, "POST status", http.StatusSeeOther)
	o := outcomeOf(a, profileRE)
	t.attempts = append(t.attempts, attempt{value: next, outcome: o})
	v.record(ctx, "status change", o)
}

// record counts an action's outcome, unless the end of the run cut it off.
func (v *vu) record(ctx context.Context, name string, o outcome) {
	if ctx.Err() == nil {
		v.st.action(name, o)
	}
}

// loop runs the mix until ctx ends.
func (v *vu) loop(ctx context.Context) {
	signedIn := v.signIn(ctx)
	for ctx.Err() == nil {
		if v.signedOut {
			v.signedOut, signedIn = false, v.signIn(ctx)
			continue
		}
		if !signedIn {
			time.Sleep(200 * time.Millisecond)
			signedIn = v.signIn(ctx)
			continue
		}
		switch x := v.rng.IntN(100); {
		case x < 10:
			signedIn = v.signIn(ctx)
		case x < 45:
			v.browse(ctx)
		case x < 65:
			v.invite(ctx)
		case x < 82:
			if !v.assignRole(ctx) {
				v.invite(ctx)
			}
		default:
			v.toggleStatus(ctx)
		}
	}
}
