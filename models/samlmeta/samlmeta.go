package samlmeta

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
)

// MaxSize is the largest document Parse reads, in bytes. The metadata of a
// single identity provider is a few kilobytes; federation aggregates, which
// are megabytes, are not what the form is for.
const MaxSize = 512 << 10

// ExpiryWarning is how long before its expiry a signing certificate is
// flagged as expiring soon (SPEC: 30 days).
const ExpiryWarning = 30 * 24 * time.Hour

// metadataNS is the namespace of SAML 2.0 metadata elements.
const metadataNS = "urn:oasis:names:tc:SAML:2.0:metadata"

// protocolSAML2 is the protocolSupportEnumeration value of SAML 2.0.
const protocolSAML2 = "urn:oasis:names:tc:SAML:2.0:protocol"

// The kinds of Error, for errors.Is.
var (
	ErrEmpty              = errors.New("samlmeta: empty document")
	ErrTooLarge           = errors.New("samlmeta: document too large")
	ErrDoctype            = errors.New("samlmeta: DOCTYPE or entity declaration")
	ErrMalformed          = errors.New("samlmeta: malformed XML")
	ErrNotMetadata        = errors.New("samlmeta: not SAML metadata")
	ErrNoIdentityProvider = errors.New("samlmeta: no IDPSSODescriptor")
	ErrSeveralProviders   = errors.New("samlmeta: several identity providers")
	ErrNoEntityID         = errors.New("samlmeta: no entityID")
	ErrNoSSOService       = errors.New("samlmeta: no usable SingleSignOnService")
	ErrBadSSOURL          = errors.New("samlmeta: bad SingleSignOnService location")
	ErrBadCertificate     = errors.New("samlmeta: bad certificate")
	ErrNoSigningCert      = errors.New("samlmeta: no signing certificate")
)

// Error is every error Parse returns. Message is a sentence for the form,
// naming what is wrong and, where it helps, where.
type Error struct {
	Kind    error  // one of the Err* sentinels
	Message string // for the user, beside the metadata_xml field
	Err     error  // the underlying parser error, if any
}

func (e *Error) Error() string { return e.Message }

// Is makes errors.Is(err, ErrDoctype) and the like work.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the underlying parser error, if any.
func (e *Error) Unwrap() error { return e.Err }

func fail(kind error, cause error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Err: cause}
}

// Metadata is what Parse extracts from an identity provider's metadata.
type Metadata struct {
	EntityID string
	// SSOURL is the Location of the SingleSignOnService, with the
	// HTTP-Redirect binding if there is one, else HTTP-POST.
	SSOURL string
	// SSOBinding is saml.HTTPRedirectBinding or saml.HTTPPostBinding.
	SSOBinding string
	// Certificates are the signing certificates (KeyDescriptor use="signing"
	// or without use), in document order, without duplicates. At least one.
	Certificates []Certificate
	// WantAuthnRequestsSigned is the IdP's WantAuthnRequestsSigned attribute.
	WantAuthnRequestsSigned bool
	// ValidUntil is the earliest validUntil of the entity and the
	// EntitiesDescriptor elements around it; zero when none is set.
	ValidUntil time.Time
}

// Certificate is one signing certificate of the identity provider.
type Certificate struct {
	Subject   string    // RFC 2253 form, e.g. "CN=idp.example.com,O=Example"
	Issuer    string    // RFC 2253 form
	NotBefore time.Time // UTC
	NotAfter  time.Time // UTC
	// SHA256 is the SHA-256 fingerprint of the DER, upper-case hex pairs
	// separated by colons, as IdP consoles show it.
	SHA256 string
	// DER is the certificate as it appeared in the metadata (decoded).
	DER []byte
}

// Expired reports whether the certificate is no longer valid at now.
func (c Certificate) Expired(now time.Time) bool { return now.After(c.NotAfter) }

// ExpiringSoon reports whether the certificate expires within the given
// duration of now, or has already expired.
func (c Certificate) ExpiringSoon(now time.Time, within time.Duration) bool {
	return !c.NotAfter.After(now.Add(within))
}

// Expiry is the latest NotAfter of the signing certificates: the moment after
// which no certificate the metadata names can verify a sign-in. During a key
// rollover the IdP publishes the old and the new certificate, so the old
// one's expiry alone is no cause for alarm.
func (m *Metadata) Expiry() time.Time {
	var last time.Time
	for _, c := range m.Certificates {
		if c.NotAfter.After(last) {
			last = c.NotAfter
		}
	}
	return last
}

// ExpiringSoon reports whether every signing certificate expires within the
// given duration of now (or has expired): the flag the console shows, with
// ExpiryWarning as within. Certificate.ExpiringSoon flags a single one.
func (m *Metadata) ExpiringSoon(now time.Time, within time.Duration) bool {
	return len(m.Certificates) == 0 || !m.Expiry().After(now.Add(within))
}

// Parse checks and reads the metadata of one SAML identity provider: an
// EntityDescriptor, or an EntitiesDescriptor holding exactly one entity with
// an IDPSSODescriptor. It does no I/O.
func Parse(data []byte) (*Metadata, error) {
	if len(data) > MaxSize {
		return nil, fail(ErrTooLarge, nil, "The metadata is too large (%d KB); at most %d KB is accepted.", (len(data)+1023)/1024, MaxSize/1024)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fail(ErrEmpty, nil, "Paste the identity provider's metadata XML.")
	}
	if err := precheck(data); err != nil {
		return nil, err
	}
	root, err := scan(data)
	if err != nil {
		return nil, err
	}
	if root.Space != metadataNS || (root.Local != "EntityDescriptor" && root.Local != "EntitiesDescriptor") {
		found := root.Local
		if root.Space != "" {
			found += " in namespace " + root.Space
		}
		return nil, fail(ErrNotMetadata, nil, "This is not SAML 2.0 metadata: the document must start with an EntityDescriptor or EntitiesDescriptor element in the namespace %s (found %s).", metadataNS, found)
	}
	if root.Local == "EntitiesDescriptor" {
		var agg saml.EntitiesDescriptor
		if err := xml.Unmarshal(data, &agg); err != nil {
			return nil, fail(ErrMalformed, err, "The metadata could not be read: %s.", err)
		}
		ids := idpEntityIDs(&agg, nil)
		switch {
		case len(ids) == 0:
			return nil, fail(ErrNoIdentityProvider, nil, "The metadata describes no identity provider (no EntityDescriptor has an IDPSSODescriptor).")
		case len(ids) > 1:
			return nil, fail(ErrSeveralProviders, nil, "The metadata describes %d identity providers (%s); paste the metadata of a single one.", len(ids), strings.Join(quoteFirst(ids, 3), ", "))
		}
	}
	ed, err := samlsp.ParseMetadata(data)
	if err != nil {
		return nil, fail(ErrMalformed, err, "The metadata could not be read: %s.", err)
	}
	return extract(ed)
}

// precheck refuses, by looking at the bytes, any document that declares a
// document type or entities, before a parser sees it. Comments mentioning a
// DOCTYPE are refused too: there is no reason for one in metadata.
func precheck(data []byte) error {
	upper := bytes.ToUpper(data)
	for _, marker := range []string{"<!DOCTYPE", "<!ENTITY", "<!ELEMENT", "<!ATTLIST"} {
		if bytes.Contains(upper, []byte(marker)) {
			return fail(ErrDoctype, nil, "The metadata contains a DOCTYPE or entity declaration (%s), which is not allowed. Remove it and paste the plain metadata.", marker)
		}
	}
	return nil
}

var errCharset = errors.New("only UTF-8 is accepted")

// scan reads every token with a strict decoder that has no entities besides
// XML's five (so "&xxe;" is an error, not an expansion), refuses any
// directive that slipped past precheck, and returns the root element's name.
func scan(data []byte) (xml.Name, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var charset string
	d.CharsetReader = func(label string, _ io.Reader) (io.Reader, error) {
		charset = label
		return nil, errCharset
	}
	var root xml.Name
	seen := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if errors.Is(err, errCharset) {
			return xml.Name{}, fail(ErrMalformed, err, "The metadata declares the encoding %q; only UTF-8 is accepted.", charset)
		}
		if err != nil {
			line, _ := d.InputPos()
			return xml.Name{}, fail(ErrMalformed, err, "The metadata is not well-formed XML (line %d): %s.", line, strings.TrimPrefix(err.Error(), "XML syntax error on line "+fmt.Sprint(line)+": "))
		}
		switch t := tok.(type) {
		case xml.Directive:
			return xml.Name{}, fail(ErrDoctype, nil, "The metadata contains a DOCTYPE or entity declaration, which is not allowed. Remove it and paste the plain metadata.")
		case xml.StartElement:
			if !seen {
				root, seen = t.Name, true
			}
		}
	}
	if !seen {
		return xml.Name{}, fail(ErrMalformed, nil, "The metadata is not well-formed XML: it has no element.")
	}
	return root, nil
}

// idpEntityIDs lists the entity ids of the entities with an IDPSSODescriptor
// in agg and the aggregates nested in it.
func idpEntityIDs(agg *saml.EntitiesDescriptor, ids []string) []string {
	for i := range agg.EntityDescriptors {
		if len(agg.EntityDescriptors[i].IDPSSODescriptors) > 0 {
			ids = append(ids, agg.EntityDescriptors[i].EntityID)
		}
	}
	for i := range agg.EntitiesDescriptors {
		ids = idpEntityIDs(&agg.EntitiesDescriptors[i], ids)
	}
	return ids
}

func quoteFirst(ids []string, n int) []string {
	out := make([]string, 0, n+1)
	for i, id := range ids {
		if i == n {
			out = append(out, "…")
			break
		}
		out = append(out, fmt.Sprintf("%q", id))
	}
	return out
}

func extract(ed *saml.EntityDescriptor) (*Metadata, error) {
	if len(ed.IDPSSODescriptors) == 0 {
		return nil, fail(ErrNoIdentityProvider, nil, "The metadata has no IDPSSODescriptor: it does not describe an identity provider (is it a service provider's metadata?).")
	}
	entityID := strings.TrimSpace(ed.EntityID)
	if entityID == "" {
		return nil, fail(ErrNoEntityID, nil, "The EntityDescriptor has no entityID.")
	}
	idp := pickIDP(ed.IDPSSODescriptors)
	m := &Metadata{EntityID: entityID, ValidUntil: ed.ValidUntil.UTC()}
	if ed.ValidUntil.IsZero() {
		m.ValidUntil = time.Time{}
	}
	if idp.WantAuthnRequestsSigned != nil {
		m.WantAuthnRequestsSigned = *idp.WantAuthnRequestsSigned
	}

	for _, binding := range []string{saml.HTTPRedirectBinding, saml.HTTPPostBinding} {
		for _, ep := range idp.SingleSignOnServices {
			if ep.Binding == binding {
				m.SSOURL, m.SSOBinding = strings.TrimSpace(ep.Location), binding
				break
			}
		}
		if m.SSOURL != "" {
			break
		}
	}
	if m.SSOBinding == "" {
		return nil, fail(ErrNoSSOService, nil, "The identity provider has no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding.")
	}
	if err := checkSSOURL(m.SSOURL); err != nil {
		return nil, err
	}

	seen := map[string]bool{}
	n := 0
	for _, kd := range idp.KeyDescriptors {
		if kd.Use != "" && kd.Use != "signing" {
			continue
		}
		for _, xc := range kd.KeyInfo.X509Data.X509Certificates {
			n++
			c, err := parseCert(xc.Data, n)
			if err != nil {
				return nil, err
			}
			if seen[c.SHA256] {
				continue
			}
			seen[c.SHA256] = true
			m.Certificates = append(m.Certificates, c)
		}
	}
	if len(m.Certificates) == 0 {
		return nil, fail(ErrNoSigningCert, nil, "The identity provider has no signing certificate (no KeyDescriptor with use=\"signing\" or without use holds an X509Certificate).")
	}
	return m, nil
}

// pickIDP returns the first IDPSSODescriptor that supports SAML 2.0, or the
// first one.
func pickIDP(idps []saml.IDPSSODescriptor) *saml.IDPSSODescriptor {
	for i := range idps {
		for _, p := range strings.Fields(idps[i].ProtocolSupportEnumeration) {
			if p == protocolSAML2 {
				return &idps[i]
			}
		}
	}
	return &idps[0]
}

// checkSSOURL accepts an absolute https URL, or http to a loopback host (a
// test IdP on the administrator's machine).
func checkSSOURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fail(ErrBadSSOURL, err, "The SingleSignOnService location %q is not an absolute https URL.", raw)
	}
	if u.Scheme == "http" && !loopbackHost(u.Hostname()) {
		return fail(ErrBadSSOURL, nil, "The SingleSignOnService location %q must use https.", raw)
	}
	return nil
}

func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// parseCert decodes the base64 text of an X509Certificate element (n is its
// 1-based position among the signing certificates, for the message).
func parseCert(text string, n int) (Certificate, error) {
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, text)
	if clean == "" {
		return Certificate{}, fail(ErrBadCertificate, nil, "Signing certificate %d is empty.", n)
	}
	der, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		return Certificate{}, fail(ErrBadCertificate, err, "Signing certificate %d is not valid base64 (%s).", n, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return Certificate{}, fail(ErrBadCertificate, err, "Signing certificate %d is not an X.509 certificate: %s.", n, strings.TrimPrefix(err.Error(), "x509: "))
	}
	sum := sha256.Sum256(der)
	hexed := strings.ToUpper(hex.EncodeToString(sum[:]))
	pairs := make([]string, 0, len(sum))
	for i := 0; i < len(hexed); i += 2 {
		pairs = append(pairs, hexed[i:i+2])
	}
	return Certificate{
		Subject:   cert.Subject.String(),
		Issuer:    cert.Issuer.String(),
		NotBefore: cert.NotBefore.UTC(),
		NotAfter:  cert.NotAfter.UTC(),
		SHA256:    strings.Join(pairs, ":"),
		DER:       der,
	}, nil
}
