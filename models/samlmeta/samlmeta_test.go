package samlmeta_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crewjam/saml"

	"gatehouse/models/samlmeta"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// newCert makes a self-signed certificate, as IdPs publish, valid until
// notAfter, and returns it base64-encoded as it appears in metadata (wrapped
// at 64 columns, as ADFS and Okta write it).
func newCert(t *testing.T, cn string, notAfter time.Time) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"Example Corp"}, Country: []string{"US"}},
		NotBefore:    notAfter.AddDate(-2, 0, 0),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString(der)
	var lines []string
	for len(b64) > 64 {
		lines = append(lines, b64[:64])
		b64 = b64[64:]
	}
	return "\n" + strings.Join(append(lines, b64), "\n") + "\n"
}

func keyDescriptor(use, cert string) string {
	attr := ""
	if use != "" {
		attr = fmt.Sprintf(` use="%s"`, use)
	}
	return fmt.Sprintf(`<md:KeyDescriptor%s><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`, attr, cert)
}

// idpEntity is an Okta-style IdP EntityDescriptor.
func idpEntity(entityID, keys, sso string) string {
	return fmt.Sprintf(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="%s">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    %s
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/slo"/>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    %s
  </md:IDPSSODescriptor>
  <md:Organization>
    <md:OrganizationName xml:lang="en">Example Corp</md:OrganizationName>
    <md:OrganizationDisplayName xml:lang="en">Example</md:OrganizationDisplayName>
    <md:OrganizationURL xml:lang="en">https://example.com/</md:OrganizationURL>
  </md:Organization>
  <md:ContactPerson contactType="technical"><md:EmailAddress>mailto:it@example.com</md:EmailAddress></md:ContactPerson>
</md:EntityDescriptor>`, entityID, keys, sso)
}

const (
	ssoPost     = `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.com/sso/post"/>`
	ssoRedirect = `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso/redirect"/>`
	ssoArtifact = `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact" Location="https://idp.example.com/sso/artifact"/>`
)

func wantKind(t *testing.T, err error, kind error) *samlmeta.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("Parse succeeded, want %v", kind)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("error %q (%T) is not %v", err, err, kind)
	}
	var e *samlmeta.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T is not a *samlmeta.Error", err)
	}
	if e.Message == "" || err.Error() != e.Message {
		t.Fatalf("Error() = %q, Message = %q: want the form message", err.Error(), e.Message)
	}
	return e
}

func TestParseOktaStyleMetadata(t *testing.T) {
	notAfter := now.AddDate(1, 0, 0).Truncate(time.Second)
	cert := newCert(t, "idp.example.com", notAfter)
	enc := newCert(t, "encryption.example.com", now.AddDate(0, 0, 3))
	// POST first in the document: HTTP-Redirect is still preferred.
	doc := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + idpEntity("http://www.okta.com/exk1abcd",
		keyDescriptor("signing", cert)+keyDescriptor("encryption", enc), ssoPost+ssoRedirect)

	m, err := samlmeta.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if m.EntityID != "http://www.okta.com/exk1abcd" {
		t.Errorf("EntityID = %q", m.EntityID)
	}
	if m.SSOURL != "https://idp.example.com/sso/redirect" || m.SSOBinding != saml.HTTPRedirectBinding {
		t.Errorf("SSO = %q %q, want the HTTP-Redirect one", m.SSOURL, m.SSOBinding)
	}
	if !m.WantAuthnRequestsSigned {
		t.Error("WantAuthnRequestsSigned = false")
	}
	if !m.ValidUntil.IsZero() {
		t.Errorf("ValidUntil = %v, want zero", m.ValidUntil)
	}
	if len(m.Certificates) != 1 {
		t.Fatalf("%d certificates, want 1 (the encryption key is not a signing key)", len(m.Certificates))
	}
	c := m.Certificates[0]
	if c.Subject != "CN=idp.example.com,O=Example Corp,C=US" {
		t.Errorf("Subject = %q", c.Subject)
	}
	if c.Issuer != c.Subject {
		t.Errorf("Issuer = %q, want the subject (self-signed)", c.Issuer)
	}
	if !c.NotAfter.Equal(notAfter) || c.NotAfter.Location() != time.UTC {
		t.Errorf("NotAfter = %v, want %v UTC", c.NotAfter, notAfter)
	}
	if len(c.SHA256) != 32*3-1 || strings.Count(c.SHA256, ":") != 31 {
		t.Errorf("SHA256 = %q", c.SHA256)
	}
	if _, err := x509.ParseCertificate(c.DER); err != nil {
		t.Errorf("DER: %v", err)
	}
	if m.ExpiringSoon(now, samlmeta.ExpiryWarning) {
		t.Error("a certificate valid for a year is flagged as expiring soon")
	}
}

func TestParsePostOnlyAndUnsupportedBindings(t *testing.T) {
	cert := newCert(t, "idp", now.AddDate(1, 0, 0))
	m, err := samlmeta.Parse([]byte(idpEntity("https://idp.example.com", keyDescriptor("signing", cert), ssoArtifact+ssoPost)))
	if err != nil {
		t.Fatal(err)
	}
	if m.SSOURL != "https://idp.example.com/sso/post" || m.SSOBinding != saml.HTTPPostBinding {
		t.Errorf("SSO = %q %q, want the HTTP-POST one", m.SSOURL, m.SSOBinding)
	}

	_, err = samlmeta.Parse([]byte(idpEntity("https://idp.example.com", keyDescriptor("signing", cert), ssoArtifact)))
	wantKind(t, err, samlmeta.ErrNoSSOService)
}

func TestParseSSOLocationMustBeHTTPS(t *testing.T) {
	cert := keyDescriptor("signing", newCert(t, "idp", now.AddDate(1, 0, 0)))
	for loc, ok := range map[string]bool{
		"https://idp.example.com/sso":   true,
		"http://localhost:8080/sso":     true,
		"http://127.0.0.1:8080/sso":     true,
		"http://[::1]/sso":              true,
		"http://idp.example.com/sso":    false,
		"javascript:alert(1)":           false,
		"/relative/sso":                 false,
		"ftp://idp.example.com/sso":     false,
		"https:///no-host":              false,
		"http://localhost.evil.com/sso": false,
		"http://127.0.0.1.nip.io/sso":   false,
	} {
		sso := fmt.Sprintf(`<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="%s"/>`, loc)
		_, err := samlmeta.Parse([]byte(idpEntity("https://idp.example.com", cert, sso)))
		if ok && err != nil {
			t.Errorf("%s: %v", loc, err)
		}
		if !ok {
			if err == nil {
				t.Errorf("%s accepted", loc)
				continue
			}
			// The crewjam parser may refuse some locations itself (as
			// malformed metadata); those it accepts we refuse.
			if !errors.Is(err, samlmeta.ErrBadSSOURL) && !errors.Is(err, samlmeta.ErrMalformed) {
				t.Errorf("%s: %v is neither ErrBadSSOURL nor ErrMalformed", loc, err)
			}
		}
	}
}

func TestParseEntitiesDescriptorWrapping(t *testing.T) {
	cert := newCert(t, "adfs.example.com", now.AddDate(0, 6, 0))
	sp := `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example.com">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:AssertionConsumerService index="0" Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.com/acs"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>`
	doc := `<?xml version="1.0"?>
<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" Name="urn:example:federation" validUntil="2026-04-01T00:00:00Z">
  ` + sp + `
  <md:EntitiesDescriptor Name="inner">
  ` + idpEntity("https://adfs.example.com/adfs/services/trust", keyDescriptor("", cert), ssoRedirect) + `
  </md:EntitiesDescriptor>
</md:EntitiesDescriptor>`
	m, err := samlmeta.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if m.EntityID != "https://adfs.example.com/adfs/services/trust" {
		t.Errorf("EntityID = %q, want the IdP's (the SP entity comes first)", m.EntityID)
	}
	if len(m.Certificates) != 1 || m.Certificates[0].Subject != "CN=adfs.example.com,O=Example Corp,C=US" {
		t.Errorf("certificates = %+v, want the one without use", m.Certificates)
	}
	if want := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC); !m.ValidUntil.Equal(want) {
		t.Errorf("ValidUntil = %v, want the aggregate's %v", m.ValidUntil, want)
	}

	two := `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">` +
		idpEntity("https://a.example.com", keyDescriptor("signing", cert), ssoRedirect) +
		idpEntity("https://b.example.com", keyDescriptor("signing", cert), ssoRedirect) +
		`</md:EntitiesDescriptor>`
	e := wantKind(t, errFrom(samlmeta.Parse([]byte(two))), samlmeta.ErrSeveralProviders)
	if !strings.Contains(e.Message, `"https://a.example.com"`) || !strings.Contains(e.Message, `"https://b.example.com"`) {
		t.Errorf("message %q does not name the entities", e.Message)
	}

	none := `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">` + sp + `</md:EntitiesDescriptor>`
	wantKind(t, errFrom(samlmeta.Parse([]byte(none))), samlmeta.ErrNoIdentityProvider)
}

func errFrom(_ *samlmeta.Metadata, err error) error { return err }

func TestParseServiceProviderMetadataRefused(t *testing.T) {
	doc := `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example.com">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:AssertionConsumerService index="0" Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.com/acs"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>`
	e := wantKind(t, errFrom(samlmeta.Parse([]byte(doc))), samlmeta.ErrNoIdentityProvider)
	if !strings.Contains(e.Message, "IDPSSODescriptor") {
		t.Errorf("message %q", e.Message)
	}
}

func TestParseMissingEntityID(t *testing.T) {
	cert := newCert(t, "idp", now.AddDate(1, 0, 0))
	doc := strings.Replace(idpEntity("X", keyDescriptor("signing", cert), ssoRedirect), ` entityID="X"`, "", 1)
	wantKind(t, errFrom(samlmeta.Parse([]byte(doc))), samlmeta.ErrNoEntityID)
}

func TestParseBadCertificates(t *testing.T) {
	good := newCert(t, "idp", now.AddDate(1, 0, 0))
	for name, tc := range map[string]struct {
		keys string
		kind error
		says string
	}{
		"bad base64":        {keyDescriptor("signing", "MIIC!!notbase64=="), samlmeta.ErrBadCertificate, "base64"},
		"not a certificate": {keyDescriptor("signing", base64.StdEncoding.EncodeToString([]byte("hello, world"))), samlmeta.ErrBadCertificate, "X.509"},
		"empty":             {keyDescriptor("signing", "  \n "), samlmeta.ErrBadCertificate, "empty"},
		"second one bad":    {keyDescriptor("signing", good) + keyDescriptor("", "%%%"), samlmeta.ErrBadCertificate, "certificate 2"},
		"encryption only":   {keyDescriptor("encryption", good), samlmeta.ErrNoSigningCert, "signing certificate"},
		"no key":            {"", samlmeta.ErrNoSigningCert, "signing certificate"},
	} {
		t.Run(name, func(t *testing.T) {
			e := wantKind(t, errFrom(samlmeta.Parse([]byte(idpEntity("https://idp.example.com", tc.keys, ssoRedirect)))), tc.kind)
			if !strings.Contains(e.Message, tc.says) {
				t.Errorf("message %q does not say %q", e.Message, tc.says)
			}
		})
	}
}

func TestCertificatesRolloverAndExpiry(t *testing.T) {
	old := newCert(t, "old.idp", now.Add(10*24*time.Hour).Truncate(time.Second))
	next := newCert(t, "new.idp", now.AddDate(2, 0, 0).Truncate(time.Second))
	keys := keyDescriptor("signing", old) + keyDescriptor("signing", next) +
		keyDescriptor("", old) // the same certificate again, without use: listed once
	m, err := samlmeta.Parse([]byte(idpEntity("https://idp.example.com", keys, ssoRedirect)))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Certificates) != 2 || !strings.HasPrefix(m.Certificates[0].Subject, "CN=old.idp") || !strings.HasPrefix(m.Certificates[1].Subject, "CN=new.idp") {
		t.Fatalf("certificates = %+v, want old then new, once each", m.Certificates)
	}
	if !m.Certificates[0].ExpiringSoon(now, samlmeta.ExpiryWarning) {
		t.Error("the certificate expiring in 10 days is not flagged")
	}
	if m.Certificates[1].ExpiringSoon(now, samlmeta.ExpiryWarning) {
		t.Error("the certificate expiring in 2 years is flagged")
	}
	if m.ExpiringSoon(now, samlmeta.ExpiryWarning) {
		t.Error("metadata flagged although its new certificate is valid for 2 years")
	}
	if !m.Expiry().Equal(m.Certificates[1].NotAfter) {
		t.Errorf("Expiry = %v, want the latest NotAfter", m.Expiry())
	}

	// Only the old one: flagged; the boundary is inclusive.
	m, err = samlmeta.Parse([]byte(idpEntity("https://idp.example.com", keyDescriptor("signing", old), ssoRedirect)))
	if err != nil {
		t.Fatal(err)
	}
	notAfter := m.Certificates[0].NotAfter
	for _, tc := range []struct {
		at       time.Time
		soon     bool
		expired  bool
		describe string
	}{
		{notAfter.Add(-samlmeta.ExpiryWarning - time.Second), false, false, "a second more than 30 days before"},
		{notAfter.Add(-samlmeta.ExpiryWarning), true, false, "exactly 30 days before"},
		{now, true, false, "10 days before"},
		{notAfter, true, false, "at NotAfter"},
		{notAfter.Add(time.Second), true, true, "after NotAfter"},
	} {
		if got := m.ExpiringSoon(tc.at, samlmeta.ExpiryWarning); got != tc.soon {
			t.Errorf("%s: ExpiringSoon = %v", tc.describe, got)
		}
		if got := m.Certificates[0].Expired(tc.at); got != tc.expired {
			t.Errorf("%s: Expired = %v", tc.describe, got)
		}
	}
}

// A listener that counts connections: were the parser to fetch anything the
// document names, it would show here.
func countingListener(t *testing.T) (addr string, accepted *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted = new(atomic.Int32)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	return ln.Addr().String(), accepted
}

func TestParseRefusesDoctypeAndEntities(t *testing.T) {
	addr, accepted := countingListener(t)
	cert := keyDescriptor("signing", newCert(t, "idp", now.AddDate(1, 0, 0)))
	body := idpEntity("https://idp.example.com/&xxe;", cert, ssoRedirect)
	for name, doc := range map[string]string{
		"XXE file": `<?xml version="1.0"?><!DOCTYPE md:EntityDescriptor [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + body,
		"XXE url":  `<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "http://` + addr + `/x">]>` + body,
		"external DTD": `<!DOCTYPE md:EntityDescriptor SYSTEM "http://` + addr + `/metadata.dtd">` +
			idpEntity("https://idp.example.com", cert, ssoRedirect),
		"billion laughs": `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>` +
			strings.Replace(body, "&xxe;", "&lol2;", 1),
		"lower case":   `<!doctype html>` + body,
		"in a comment": `<!-- <!DOCTYPE x> -->` + idpEntity("https://idp.example.com", cert, ssoRedirect),
		"notation":     `<!NOTATION gif SYSTEM "http://` + addr + `/gif">` + idpEntity("https://idp.example.com", cert, ssoRedirect),
		"entity inside": strings.Replace(idpEntity("https://idp.example.com", cert, ssoRedirect),
			"<md:IDPSSODescriptor", `<!ENTITY x "y"><md:IDPSSODescriptor`, 1),
	} {
		t.Run(name, func(t *testing.T) {
			e := wantKind(t, errFrom(samlmeta.Parse([]byte(doc))), samlmeta.ErrDoctype)
			if !strings.Contains(e.Message, "DOCTYPE") {
				t.Errorf("message %q", e.Message)
			}
		})
	}

	// Without a DOCTYPE an entity reference is just an error: never expanded.
	e := wantKind(t, errFrom(samlmeta.Parse([]byte(body))), samlmeta.ErrMalformed)
	if !strings.Contains(e.Message, "xxe") || !strings.Contains(e.Message, "line 1") {
		t.Errorf("message %q should name the entity and the line", e.Message)
	}
	if n := accepted.Load(); n != 0 {
		t.Fatalf("the parser connected %d times to an address the document named", n)
	}
}

func TestParseFetchesNothingTheDocumentNames(t *testing.T) {
	addr, accepted := countingListener(t)
	cert := keyDescriptor("signing", newCert(t, "idp", now.AddDate(1, 0, 0)))
	doc := strings.Replace(idpEntity("https://idp.example.com", cert, ssoRedirect),
		`entityID="https://idp.example.com">`,
		`entityID="https://idp.example.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:oasis:names:tc:SAML:2.0:metadata http://`+addr+`/saml-schema-metadata-2.0.xsd">`, 1)
	doc = strings.Replace(doc, "</md:EntityDescriptor>",
		`<md:AdditionalMetadataLocation namespace="urn:oasis:names:tc:SAML:2.0:metadata">http://`+addr+`/more.xml</md:AdditionalMetadataLocation></md:EntityDescriptor>`, 1)
	doc = `<?xml version="1.0"?><?xml-stylesheet href="http://` + addr + `/style.xsl"?>` + doc
	if _, err := samlmeta.Parse([]byte(doc)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if n := accepted.Load(); n != 0 {
		t.Fatalf("the parser connected %d times to an address the document named", n)
	}
}

func TestParseRefusesOtherDocuments(t *testing.T) {
	cert := keyDescriptor("signing", newCert(t, "idp", now.AddDate(1, 0, 0)))
	valid := idpEntity("https://idp.example.com", cert, ssoRedirect)
	for name, tc := range map[string]struct {
		doc  string
		kind error
		says string
	}{
		"empty":          {" \n\t", samlmeta.ErrEmpty, "Paste"},
		"too large":      {valid + "<!--" + strings.Repeat("x", samlmeta.MaxSize) + "-->", samlmeta.ErrTooLarge, "512 KB"},
		"not xml":        {"{\"entityID\": \"x\"}", samlmeta.ErrMalformed, "element"},
		"truncated":      {valid[:len(valid)-30], samlmeta.ErrMalformed, "line"},
		"mismatched tag": {"<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\">\n<a></b></md:EntityDescriptor>", samlmeta.ErrMalformed, "line 2"},
		"html":           {"<html><body>Sign in</body></html>", samlmeta.ErrNotMetadata, "html"},
		"wrong namespace": {strings.Replace(valid, `xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"`, `xmlns:md="urn:example"`, 1),
			samlmeta.ErrNotMetadata, "found EntityDescriptor in namespace urn:example"},
		"latin-1": {`<?xml version="1.0" encoding="ISO-8859-1"?>` + valid, samlmeta.ErrMalformed, `encoding "ISO-8859-1"; only UTF-8`},
	} {
		t.Run(name, func(t *testing.T) {
			e := wantKind(t, errFrom(samlmeta.Parse([]byte(tc.doc))), tc.kind)
			if !strings.Contains(e.Message, tc.says) {
				t.Errorf("message %q does not say %q", e.Message, tc.says)
			}
		})
	}
	// Exactly at the limit is read.
	padded := valid + "<!--" + strings.Repeat("x", samlmeta.MaxSize-len(valid)-7) + "-->"
	if len(padded) != samlmeta.MaxSize {
		t.Fatalf("padded to %d", len(padded))
	}
	if _, err := samlmeta.Parse([]byte(padded)); err != nil {
		t.Fatalf("a document of exactly MaxSize: %v", err)
	}
}
