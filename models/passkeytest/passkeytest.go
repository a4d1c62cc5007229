// Package passkeytest is a software WebAuthn authenticator for tests: it
// answers creation and request options (the standard JSON forms) with
// RegistrationResponseJSON and AuthenticationResponseJSON as a browser
// with a platform authenticator would ("none" attestation, ES256, user
// present and verified, a signature counter), so ceremonies can be tested
// without a browser. Its knobs make the answers a real authenticator would
// never give (a counter gone backwards, no user verification, another
// origin).
package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// Authenticator holds discoverable credentials for one relying party.
type Authenticator struct {
	// Origin is the origin the "browser" reports in the client data
	// (e.g. http://localhost:8080).
	Origin string
	// NoUserVerification clears the UV flag (a user present but not verified).
	NoUserVerification bool
	Creds              []*Credential
}

// Credential is one discoverable credential.
type Credential struct {
	ID         []byte
	RPID       string
	UserHandle []byte
	Key        *ecdsa.PrivateKey
	// Counter is the signature counter: each assertion increments it
	// first; set it lower to act as a cloned authenticator.
	Counter uint32
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func unb64(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// Flags of authenticator data.
const (
	flagUP = 0x01
	flagUV = 0x04
	flagAT = 0x40
)

func (a *Authenticator) flags() byte {
	if a.NoUserVerification {
		return flagUP
	}
	return flagUP | flagUV
}

func clientData(typ, challenge, origin string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": origin, "crossOrigin": false})
	return b
}

// Create answers PublicKeyCredentialCreationOptionsJSON with a new
// credential's RegistrationResponseJSON.
func (a *Authenticator) Create(optionsJSON []byte) ([]byte, error) {
	var o struct {
		Challenge string `json:"challenge"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		ExcludeCredentials []struct {
			ID string `json:"id"`
		} `json:"excludeCredentials"`
	}
	if err := json.Unmarshal(optionsJSON, &o); err != nil {
		return nil, err
	}
	if o.Challenge == "" || o.RP.ID == "" {
		return nil, errors.New("passkeytest: options without challenge or rp.id")
	}
	handle, err := unb64(o.User.ID)
	if err != nil {
		return nil, fmt.Errorf("passkeytest: user.id: %w", err)
	}
	for _, ex := range o.ExcludeCredentials {
		for _, c := range a.Creds {
			if b64(c.ID) == ex.ID {
				return nil, errors.New("passkeytest: InvalidStateError: this authenticator already holds an excluded credential")
			}
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	id := make([]byte, 32)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	c := &Credential{ID: id, RPID: o.RP.ID, UserHandle: handle, Key: key}
	ecdh, err := key.PublicKey.ECDH()
	if err != nil {
		return nil, err
	}
	raw := ecdh.Bytes() // 0x04 | X | Y
	cose, err := cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: raw[1:33], -3: raw[33:65]})
	if err != nil {
		return nil, err
	}
	rpHash := sha256.Sum256([]byte(o.RP.ID))
	auth := append([]byte{}, rpHash[:]...)
	auth = append(auth, a.flags()|flagAT)
	auth = binary.BigEndian.AppendUint32(auth, c.Counter)
	auth = append(auth, make([]byte, 16)...) // AAGUID: none
	auth = binary.BigEndian.AppendUint16(auth, uint16(len(id)))
	auth = append(auth, id...)
	auth = append(auth, cose...)
	att, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": auth})
	if err != nil {
		return nil, err
	}
	a.Creds = append(a.Creds, c)
	return json.Marshal(map[string]any{
		"id": b64(id), "rawId": b64(id), "type": "public-key", "authenticatorAttachment": "platform",
		"response": map[string]any{
			"clientDataJSON":    b64(clientData("webauthn.create", o.Challenge, a.Origin)),
			"attestationObject": b64(att),
			"transports":        []string{"internal"},
		},
		"clientExtensionResults": map[string]any{},
	})
}

// Get answers PublicKeyCredentialRequestOptionsJSON with an assertion
// (AuthenticationResponseJSON) by the first credential for its rpId that
// allowCredentials allows (any, when it lists none: discoverable).
func (a *Authenticator) Get(optionsJSON []byte) ([]byte, error) {
	var o struct {
		Challenge        string `json:"challenge"`
		RPID             string `json:"rpId"`
		AllowCredentials []struct {
			ID string `json:"id"`
		} `json:"allowCredentials"`
	}
	if err := json.Unmarshal(optionsJSON, &o); err != nil {
		return nil, err
	}
	for _, c := range a.Creds {
		if c.RPID != o.RPID {
			continue
		}
		allowed := len(o.AllowCredentials) == 0
		for _, ac := range o.AllowCredentials {
			allowed = allowed || ac.ID == b64(c.ID)
		}
		if allowed {
			return a.Assert(c, o.Challenge)
		}
	}
	return nil, errors.New("passkeytest: NotAllowedError: no credential for these options")
}

// Assert signs an assertion with c for a challenge (its counter first
// incremented).
func (a *Authenticator) Assert(c *Credential, challenge string) ([]byte, error) {
	c.Counter++
	rpHash := sha256.Sum256([]byte(c.RPID))
	auth := append([]byte{}, rpHash[:]...)
	auth = append(auth, a.flags())
	auth = binary.BigEndian.AppendUint32(auth, c.Counter)
	cd := clientData("webauthn.get", challenge, a.Origin)
	cdHash := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, auth...), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, c.Key, digest[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64(c.ID), "rawId": b64(c.ID), "type": "public-key", "authenticatorAttachment": "platform",
		"response": map[string]any{
			"clientDataJSON":    b64(cd),
			"authenticatorData": b64(auth),
			"signature":         b64(sig),
			"userHandle":        b64(c.UserHandle),
		},
		"clientExtensionResults": map[string]any{},
	})
}
