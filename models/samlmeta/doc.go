// Package samlmeta reads the metadata XML of a SAML identity provider that an
// administrator pastes into the Identity Providers form (field metadata_xml)
// and extracts what the console shows and the service provider needs: the
// entity id, the single sign-on URL, and the signing certificates with their
// subjects and expiry dates.
//
// The document is untrusted input. Parse refuses it before any XML parsing
// when it is larger than MaxSize or contains a DOCTYPE (so no entity can be
// declared, let alone expanded: encoding/xml knows only the five predefined
// entities and, being strict, refuses any other reference), and it never
// fetches anything the document names (schema locations, additional metadata
// locations, URLs in certificates): it does no I/O at all. The elements are
// read with the EntityDescriptor types of github.com/crewjam/saml, through
// samlsp.ParseMetadata, so a document accepted here is one the SAML service
// provider accepts too (including its XML round-trip check).
//
// Every failure is an *Error whose message is written for the form field and
// whose Kind is one of the Err* sentinels, for errors.Is.
package samlmeta
