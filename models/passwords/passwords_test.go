package passwords

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// fastParams keeps hashes made in tests cheap.
var fastParams = params{memory: 1024, time: 1, threads: 2, keyLen: 16}

var ctx = context.Background()

func TestHashVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	const pw = "correct horse battery staple"
	h, err := Hash(ctx, pw)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("Hash = %q, want PHC argon2id prefix with OWASP params", h)
	}
	if parts := strings.Split(h, "$"); len(parts) != 6 || len(parts[4]) != 22 || len(parts[5]) != 43 {
		t.Fatalf("Hash = %q: want 16-byte salt and 32-byte key in raw base64", h)
	}
	if NeedsRehash(h) {
		t.Errorf("NeedsRehash(fresh hash) = true")
	}

	tests := []struct {
		name     string
		password string
		want     bool
	}{
		{"same password", pw, true},
		{"wrong password", "correct horse battery stapler", false},
		{"case differs", "Correct horse battery staple", false},
		{"empty", "", false},
		{"too long", strings.Repeat("a", MaxPasswordLength+1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := Verify(ctx, h, tt.password)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if ok != tt.want {
				t.Errorf("Verify = %v, want %v", ok, tt.want)
			}
		})
	}

	h2, err := Hash(ctx, pw)
	if err != nil {
		t.Fatal(err)
	}
	if h2 == h {
		t.Errorf("two hashes of the same password are equal; salt not random")
	}
}

func TestHashTooLong(t *testing.T) {
	t.Parallel()
	if _, err := Hash(ctx, strings.Repeat("x", MaxPasswordLength+1)); !errors.Is(err, ErrPasswordTooLong) {
		t.Errorf("Hash(too long) err = %v, want ErrPasswordTooLong", err)
	}
}

func TestVerifyUsesParamsFromString(t *testing.T) {
	t.Parallel()
	h, err := hashWithParams(ctx, "hunter2hunter2", fastParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=2$") {
		t.Fatalf("hash = %q", h)
	}
	if ok, err := Verify(ctx, h, "hunter2hunter2"); err != nil || !ok {
		t.Errorf("Verify(right) = %v, %v; want true, nil", ok, err)
	}
	if ok, err := Verify(ctx, h, "hunter3hunter3"); err != nil || ok {
		t.Errorf("Verify(wrong) = %v, %v; want false, nil", ok, err)
	}
	if !NeedsRehash(h) {
		t.Errorf("NeedsRehash(non-current params) = false")
	}
}

func TestVerifyMalformed(t *testing.T) {
	t.Parallel()
	good, err := hashWithParams(ctx, "pw", fastParams)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	tests := map[string]string{
		"empty":            "",
		"bcrypt":           "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":          "$argon2i$v=19$m=1024,t=1,p=2$" + salt + "$" + key,
		"wrong version":    "$argon2id$v=16$m=1024,t=1,p=2$" + salt + "$" + key,
		"missing version":  "$argon2id$m=1024,t=1,p=2$" + salt + "$" + key,
		"missing param":    "$argon2id$v=19$m=1024,t=1$" + salt + "$" + key,
		"duplicate param":  "$argon2id$v=19$m=1024,t=1,t=1,p=2$" + salt + "$" + key,
		"unknown param":    "$argon2id$v=19$m=1024,t=1,p=2,x=1$" + salt + "$" + key,
		"non-numeric":      "$argon2id$v=19$m=lots,t=1,p=2$" + salt + "$" + key,
		"zero time":        "$argon2id$v=19$m=1024,t=0,p=2$" + salt + "$" + key,
		"zero threads":     "$argon2id$v=19$m=1024,t=1,p=0$" + salt + "$" + key,
		"huge memory":      "$argon2id$v=19$m=4294967295,t=1,p=2$" + salt + "$" + key,
		"bad salt base64":  "$argon2id$v=19$m=1024,t=1,p=2$!!!!$" + key,
		"bad key base64":   "$argon2id$v=19$m=1024,t=1,p=2$" + salt + "$!!!!",
		"short salt":       "$argon2id$v=19$m=1024,t=1,p=2$c2FsdA$" + key,
		"empty key":        "$argon2id$v=19$m=1024,t=1,p=2$" + salt + "$",
		"missing key":      "$argon2id$v=19$m=1024,t=1,p=2$" + salt,
		"trailing field":   good + "$extra",
		"no leading $":     strings.TrimPrefix(good, "$"),
		"plain text":       "hunter2",
		"padded key field": "$argon2id$v=19$m=1024,t=1,p=2$" + salt + "$" + key + "==",
	}
	for name, enc := range tests {
		t.Run(name, func(t *testing.T) {
			ok, err := Verify(ctx, enc, "pw")
			if !errors.Is(err, ErrMalformedHash) {
				t.Errorf("Verify err = %v, want ErrMalformedHash", err)
			}
			if ok {
				t.Errorf("Verify = true for malformed hash")
			}
			if !NeedsRehash(enc) {
				t.Errorf("NeedsRehash(malformed) = false")
			}
		})
	}
}

// TestProductionParametersAreOWASP pins the parameters production hashes
// with: argon2id, m=19456 KiB, t=2, p=1, 16-byte salt, 32-byte key (OWASP
// Password Storage Cheat Sheet). This package's tests never call
// UseTestParams, so what they see is what the binary does.
func TestProductionParametersAreOWASP(t *testing.T) {
	t.Parallel()
	want := params{memory: 19456, time: 2, threads: 1, keyLen: 32}
	if currentParams != want || saltLength != 16 {
		t.Fatalf("production parameters %+v (salt %d bytes), want %+v (salt 16 bytes)", currentParams, saltLength, want)
	}
	if dummy != dummyHash {
		t.Fatal("VerifyDummy does not check against dummyHash")
	}
	p, salt, key, err := decode(dummyHash)
	if err != nil || p != want || len(salt) != 16 || len(key) != 32 {
		t.Fatalf("dummyHash has %+v (%d-byte salt), %v; want %+v", p, len(salt), err, want)
	}
	if testParams == want || testParams.memory >= want.memory {
		t.Fatalf("test parameters %+v are not the cheap ones", testParams)
	}
}

func TestDummyHash(t *testing.T) {
	t.Parallel()
	if _, _, _, err := decode(dummyHash); err != nil {
		t.Fatalf("dummyHash does not parse: %v", err)
	}
	if NeedsRehash(dummyHash) {
		t.Errorf("dummyHash does not use the current parameters")
	}
	if err := VerifyDummy(ctx, "anything"); err != nil {
		t.Fatal(err)
	}
	if err := VerifyDummy(ctx, strings.Repeat("a", MaxPasswordLength+10)); err != nil {
		t.Fatal(err)
	}
}

func rules(vs []Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Rule)
		if v.Message == "" {
			out = append(out, "<empty message>")
		}
	}
	return out
}

func TestPolicyCheck(t *testing.T) {
	t.Parallel()
	all := Policy{MinLength: 10, RequireLowercase: true, RequireUppercase: true, RequireDigit: true, RequireSymbol: true, RejectCommon: true}
	tests := []struct {
		name     string
		policy   Policy
		password string
		want     []string
	}{
		{"min length ok", Policy{MinLength: 10}, "abcdefghij", nil},
		{"min length short", Policy{MinLength: 10}, "abcdefghi", []string{RuleMinLength}},
		{"min length clamped up", Policy{MinLength: 0}, "abcdefg", []string{RuleMinLength}},
		{"min length clamped up ok", Policy{MinLength: 0}, "abcdefgh", nil},
		{"min length clamped down", Policy{MinLength: 500}, strings.Repeat("a", MinLengthUpperBound), nil},
		{"unicode counts code points ok", Policy{MinLength: 8}, "ééééèèèè", nil},
		{"unicode counts code points short", Policy{MinLength: 8}, "ééééèèè", []string{RuleMinLength}},
		{"emoji code points", Policy{MinLength: 8}, "🔑🔑🔑🔑🔑🔑🔑", []string{RuleMinLength}},
		{"max length ok", Policy{}, strings.Repeat("a", MaxPasswordLength), nil},
		{"max length exceeded", Policy{}, strings.Repeat("a", MaxPasswordLength+1), []string{RuleMaxLength}},
		{"max length in bytes", Policy{}, strings.Repeat("é", MaxPasswordLength/2+1), []string{RuleMaxLength}},
		{"lowercase ok", Policy{RequireLowercase: true}, "ABCDEFGHx", nil},
		{"lowercase missing", Policy{RequireLowercase: true}, "ABCDEFGH1", []string{RuleRequireLowercase}},
		{"lowercase unicode", Policy{RequireLowercase: true}, "ABCDEFGHß", nil},
		{"uppercase ok", Policy{RequireUppercase: true}, "abcdefghX", nil},
		{"uppercase missing", Policy{RequireUppercase: true}, "abcdefgh1", []string{RuleRequireUppercase}},
		{"uppercase unicode", Policy{RequireUppercase: true}, "abcdefghÉ", nil},
		{"digit ok", Policy{RequireDigit: true}, "abcdefgh7", nil},
		{"digit missing", Policy{RequireDigit: true}, "abcdefgh!", []string{RuleRequireDigit}},
		{"symbol ok", Policy{RequireSymbol: true}, "abcdefgh!", nil},
		{"space is a symbol", Policy{RequireSymbol: true}, "abcd efgh", nil},
		{"symbol missing", Policy{RequireSymbol: true}, "abcdefgh1", []string{RuleRequireSymbol}},
		{"cjk letters are not symbols", Policy{RequireSymbol: true}, "密码密码密码密码", []string{RuleRequireSymbol}},
		{"common rejected", Policy{RejectCommon: true}, "password1234", []string{RuleRejectCommon}},
		{"common case-insensitive", Policy{RejectCommon: true}, "PassWord1234", []string{RuleRejectCommon}},
		{"common allowed when off", Policy{}, "password1234", nil},
		{"uncommon ok", Policy{RejectCommon: true}, "plinth-Vexed-71", nil},
		{"all rules ok", all, "Tr0ub4dor&3x", nil},
		{"all rules all broken", all, "", []string{RuleMinLength, RuleRequireLowercase, RuleRequireUppercase, RuleRequireDigit, RuleRequireSymbol}},
		{"all rules several broken", all, "PASSWORD", []string{RuleMinLength, RuleRequireLowercase, RuleRequireDigit, RuleRequireSymbol, RuleRejectCommon}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rules(tt.policy.Check(tt.password))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Check(%.40q) rules = %v, want %v", tt.password, got, tt.want)
			}
		})
	}
}

func TestDefaultPolicy(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	if p != (Policy{MinLength: 12, RejectCommon: true}) {
		t.Fatalf("DefaultPolicy() = %+v", p)
	}
	refused := []string{
		"password1234", "Password12345", "123456789012", "qwertyuiop123",
		"iloveyou1234", "PASSWORDPASSWORD", "1q2w3e4r5t6y", "qwertyqwerty",
		"administrator", "letmein12345", "welcome12345", "changeme1234",
	}
	for _, pw := range refused {
		if vs := p.Check(pw); !slices.Contains(rules(vs), RuleRejectCommon) {
			t.Errorf("DefaultPolicy().Check(%q) = %v, want reject_common", pw, vs)
		}
	}
	accepted := []string{"correct horse battery staple", "plinth vexed marrow 71", "Zq8#mv!Lr2pe"}
	for _, pw := range accepted {
		if vs := p.Check(pw); len(vs) != 0 {
			t.Errorf("DefaultPolicy().Check(%q) = %v, want none", pw, vs)
		}
	}
	if vs := p.Check("short"); len(vs) != 1 || vs[0].Message != "Use at least 12 characters." {
		t.Errorf("Check(short) = %+v", vs)
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	d := DefaultPolicy().Describe()
	if !slices.Equal(d, []string{"At least 12 characters", "Not one of the most common passwords"}) {
		t.Errorf("DefaultPolicy().Describe() = %q", d)
	}
	full := Policy{MinLength: 16, RequireLowercase: true, RequireUppercase: true, RequireDigit: true, RequireSymbol: true, RejectCommon: true, History: 5}.Describe()
	if len(full) != 7 || full[0] != "At least 16 characters" || full[6] != "Different from your last 5 passwords" {
		t.Errorf("Describe() = %q", full)
	}
	if d := (Policy{}).Describe(); len(d) == 0 || d[0] != "At least 8 characters" {
		t.Errorf("zero Policy Describe() = %q", d)
	}
}

func TestIsCommon(t *testing.T) {
	t.Parallel()
	if n := len(commonPasswords()); n < 500 {
		t.Errorf("common list has %d entries, want >= 500", n)
	}
	for entry := range commonPasswords() {
		if strings.HasPrefix(entry, "#") || entry != strings.ToLower(entry) || len(entry) < 8 {
			t.Errorf("bad common-list entry %q", entry)
		}
	}
	tests := map[string]bool{
		"password1234": true, "PASSWORD1234": true, "administrator": true,
		"correct horse battery staple": false, "": false, "#": false,
		"password123456": true, "!!Qwertyuiop2024": true, "aaaaaaaaaaaa": true, "password-manager-7": false, "2024-administrator-x": false,
	}
	for pw, want := range tests {
		if got := IsCommon(pw); got != want {
			t.Errorf("IsCommon(%q) = %v, want %v", pw, got, want)
		}
	}
}

func BenchmarkHash(b *testing.B) {
	for b.Loop() {
		if _, err := Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIsCommon(b *testing.B) {
	IsCommon("warm-up")
	for b.Loop() {
		IsCommon("Password1234")
	}
}
