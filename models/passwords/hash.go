package passwords

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Current argon2id parameters (OWASP Password Storage Cheat Sheet).
const (
	argonMemory  uint32 = 19456 // KiB
	argonTime    uint32 = 2
	argonThreads uint8  = 1
	saltLength          = 16
	keyLength    uint32 = 32
)

// Limits applied to parameters read from a stored hash, so that a corrupt
// or hostile row cannot make Verify allocate or spin without bound.
const (
	maxMemory    uint32 = 1 << 21 // 2 GiB, in KiB
	maxTime      uint32 = 64
	minSaltLen          = 8
	maxSaltLen          = 1024
	minKeyLen           = 16
	maxKeyLen           = 1024
	phcAlgorithm        = "argon2id"
)

var (
	// ErrMalformedHash is returned (wrapped) when an encoded hash is not a
	// valid argon2id PHC string.
	ErrMalformedHash = errors.New("passwords: malformed argon2id hash")
	// ErrPasswordTooLong is returned by Hash for passwords longer than
	// MaxPasswordLength bytes.
	ErrPasswordTooLong = errors.New("passwords: password too long")
)

// params are the argon2id parameters of one hash.
type params struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
	keyLen  uint32
}

var currentParams = params{memory: argonMemory, time: argonTime, threads: argonThreads, keyLen: keyLength}

// derive runs one argon2id derivation while holding a slot of the queue
// (see Queue): ErrBusy when the queue is full, ctx's error when ctx ends
// before a slot is free.
func derive(ctx context.Context, password string, salt []byte, p params) ([]byte, error) {
	q := currentQueue()
	if err := q.Acquire(ctx); err != nil {
		return nil, err
	}
	defer q.Release()
	return argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, p.keyLen), nil
}

// Hash returns the argon2id PHC encoding of password using the current
// parameters and a fresh random salt. It fails with ErrBusy when the
// hashing queue is full, or with ctx's error when ctx ends first.
func Hash(ctx context.Context, password string) (string, error) {
	return hashWithParams(ctx, password, currentParams)
}

func hashWithParams(ctx context.Context, password string, p params) (string, error) {
	if len(password) > MaxPasswordLength {
		return "", ErrPasswordTooLong
	}
	salt := make([]byte, saltLength)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("passwords: reading salt: %w", err)
	}
	key, err := derive(ctx, password, salt, p)
	if err != nil {
		return "", err
	}
	return encode(p, salt, key), nil
}

func encode(p params, salt, key []byte) string {
	return fmt.Sprintf("$%s$v=%d$m=%d,t=%d,p=%d$%s$%s",
		phcAlgorithm, argon2.Version, p.memory, p.time, p.threads,
		base64.RawStdEncoding.EncodeToString(salt),
		base64.RawStdEncoding.EncodeToString(key))
}

// Verify reports whether password matches the encoded argon2id hash,
// using the parameters recorded in the hash. It returns an error (wrapping
// ErrMalformedHash) if encoded cannot be parsed, ErrBusy when the hashing
// queue is full and ctx's error when ctx ends before its turn. A password
// longer than MaxPasswordLength never matches; it still costs one
// derivation.
func Verify(ctx context.Context, encoded, password string) (bool, error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	if len(password) > MaxPasswordLength {
		if err := VerifyDummy(ctx, password[:MaxPasswordLength]); err != nil {
			return false, err
		}
		return false, nil
	}
	got, err := derive(ctx, password, salt, p)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// dummyHash is a hash of a random, discarded password made with the current
// parameters. VerifyDummy checks against it so that a sign-in for an
// unknown account costs one full derivation, like a real one.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$q1Y+aoE94v8YNUnp05Pdwg$EnqREW9/BzFu52l/cAzjH+2PrWWR6klEKMg5b5E5HRQ"

// dummy is the hash VerifyDummy checks against: dummyHash, or one made with
// the test parameters after UseTestParams.
var dummy = dummyHash

// VerifyDummy runs one full argon2id derivation against a fixed dummy hash
// and discards the result. Call it when the account being signed into does
// not exist so that the response time does not reveal that. Its error is
// the queue's (ErrBusy, or ctx's error): the caller answers as it would
// for a real check that could not run.
func VerifyDummy(ctx context.Context, password string) error {
	if len(password) > MaxPasswordLength {
		password = password[:MaxPasswordLength]
	}
	_, err := Verify(ctx, dummy, password)
	return err
}

// DummyHash is a well-formed hash nobody's password matches, for callers
// that must run the same code for an unknown account as for a real one.
func DummyHash() string { return dummy }

// NeedsRehash reports whether encoded was made with parameters other than
// the current ones (or cannot be parsed), so that the caller should store
// a fresh Hash after a successful sign-in.
func NeedsRehash(encoded string) bool {
	p, salt, _, err := decode(encoded)
	if err != nil {
		return true
	}
	return p != currentParams || len(salt) != saltLength
}

// decode parses "$argon2id$v=19$m=..,t=..,p=..$salt$key".
func decode(encoded string) (params, []byte, []byte, error) {
	var p params
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return p, nil, nil, fmt.Errorf("%w: want 5 '$'-separated fields", ErrMalformedHash)
	}
	if parts[1] != phcAlgorithm {
		return p, nil, nil, fmt.Errorf("%w: algorithm %q is not %s", ErrMalformedHash, parts[1], phcAlgorithm)
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: unsupported version %q", ErrMalformedHash, parts[2])
	}

	var seenM, seenT, seenP bool
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return p, nil, nil, fmt.Errorf("%w: bad parameter %q", ErrMalformedHash, kv)
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, fmt.Errorf("%w: bad parameter %q", ErrMalformedHash, kv)
		}
		switch {
		case k == "m" && !seenM:
			seenM, p.memory = true, uint32(n)
		case k == "t" && !seenT:
			seenT, p.time = true, uint32(n)
		case k == "p" && !seenP:
			if n > 255 {
				return p, nil, nil, fmt.Errorf("%w: parallelism %d out of range", ErrMalformedHash, n)
			}
			seenP, p.threads = true, uint8(n)
		default:
			return p, nil, nil, fmt.Errorf("%w: unexpected parameter %q", ErrMalformedHash, kv)
		}
	}
	if !seenM || !seenT || !seenP {
		return p, nil, nil, fmt.Errorf("%w: missing m, t or p parameter", ErrMalformedHash)
	}
	if p.threads < 1 || p.time < 1 || p.time > maxTime ||
		p.memory < 8*uint32(p.threads) || p.memory > maxMemory {
		return p, nil, nil, fmt.Errorf("%w: parameters out of range", ErrMalformedHash)
	}

	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) < minSaltLen || len(salt) > maxSaltLen {
		return p, nil, nil, fmt.Errorf("%w: bad salt", ErrMalformedHash)
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) < minKeyLen || len(key) > maxKeyLen {
		return p, nil, nil, fmt.Errorf("%w: bad key", ErrMalformedHash)
	}
	p.keyLen = uint32(len(key))
	return p, salt, key, nil
}
