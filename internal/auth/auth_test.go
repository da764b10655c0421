package auth_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/auth"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres/pgtest"
)

func newService(t *testing.T) (*auth.Service, *time.Time) {
	t.Helper()
	now := time.Date(2022, 1, 10, 9, 0, 0, 0, time.UTC)
	s := auth.NewService(pgtest.NewDB(t))
	s.Now = func() time.Time { return now }
	return s, &now
}

func TestTokenIsStoredOnlyHashed(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	issued, err := s.Create(ctx, auth.NewPrincipal{Name: "Dr A", Role: hjx.RoleResearcher})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(issued.Secret, auth.SecretPrefix) {
		t.Errorf("secret %q lacks the scanner prefix %q", issued.Secret[:6], auth.SecretPrefix)
	}
	// 32 random bytes in base32: 52 characters after the prefix, 256 bits.
	if got := len(issued.Secret) - len(auth.SecretPrefix); got < 52 {
		t.Errorf("secret carries %d characters of randomness, want >= 52 (256 bits)", got)
	}
	var stored [][]byte
	if err := s.DB.Select(&stored, `SELECT secret_hash FROM tokens`); err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256([]byte(issued.Secret))
	if len(stored) != 1 || !bytes.Equal(stored[0], want[:]) {
		t.Fatalf("stored %x, want only the SHA-256 of the secret", stored)
	}
	var dump string
	if err := s.DB.Get(&dump, `SELECT string_agg(t::text, ' ') FROM tokens t`); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(dump, issued.Secret) || strings.Contains(dump, issued.Secret[len(auth.SecretPrefix):]) {
		t.Fatal("the secret appears in the tokens table")
	}
	p, err := s.Authenticate(ctx, issued.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if p.Role != hjx.RoleResearcher || p.Name != "Dr A" || p.ID != issued.Principal.ID {
		t.Fatalf("authenticated as %+v", p)
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(t *testing.T, s *auth.Service, now *time.Time) string
		ok    bool
	}{
		{"OK", func(t *testing.T, s *auth.Service, now *time.Time) string {
			return mustCreate(t, s, nil).Secret
		}, true},
		{"OKBeforeExpiry", func(t *testing.T, s *auth.Service, now *time.Time) string {
			exp := now.Add(time.Hour)
			secret := mustCreate(t, s, &exp).Secret
			*now = now.Add(59 * time.Minute)
			return secret
		}, true},
		{"ErrExpired", func(t *testing.T, s *auth.Service, now *time.Time) string {
			exp := now.Add(time.Hour)
			secret := mustCreate(t, s, &exp).Secret
			*now = now.Add(time.Hour)
			return secret
		}, false},
		{"ErrRevoked", func(t *testing.T, s *auth.Service, now *time.Time) string {
			issued := mustCreate(t, s, nil)
			if err := s.Revoke(ctx, s.DB, issued.TokenID); err != nil {
				t.Fatal(err)
			}
			return issued.Secret
		}, false},
		{"ErrUnknown", func(t *testing.T, s *auth.Service, now *time.Time) string {
			return auth.SecretPrefix + strings.Repeat("a", 52)
		}, false},
		{"ErrNoPrefix", func(t *testing.T, s *auth.Service, now *time.Time) string {
			return strings.TrimPrefix(mustCreate(t, s, nil).Secret, auth.SecretPrefix)
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, now := newService(t)
			secret := tc.setup(t, s, now)
			_, err := s.Authenticate(ctx, secret)
			if tc.ok && err != nil {
				t.Fatalf("want OK, got %v", err)
			}
			if !tc.ok && hjx.ErrorCode(err) != hjx.CodeUnauthenticated {
				t.Fatalf("want UNAUTHENTICATED, got %v", err)
			}
		})
	}
}

func mustCreate(t *testing.T, s *auth.Service, exp *time.Time) *auth.Issued {
	t.Helper()
	issued, err := s.Create(context.Background(), auth.NewPrincipal{Name: "x", Role: hjx.RoleSteward, ExpiresAt: exp})
	if err != nil {
		t.Fatal(err)
	}
	return issued
}

func TestCreateValidates(t *testing.T) {
	t.Parallel()
	s, now := newService(t)
	past := now.Add(-time.Minute)
	tests := []struct {
		name  string
		np    auth.NewPrincipal
		field string
	}{
		{"ErrRole", auth.NewPrincipal{Name: "x", Role: "ROOT"}, "role"},
		{"ErrName", auth.NewPrincipal{Name: "  ", Role: hjx.RoleSteward}, "name"},
		{"ErrPartnerMissing", auth.NewPrincipal{Name: "x", Role: hjx.RolePartnerAdmin}, "partnerId"},
		{"ErrPartnerUnknown", auth.NewPrincipal{Name: "x", Role: hjx.RolePartnerUploader, PartnerID: "nope"}, "partnerId"},
		{"ErrPartnerOnResearcher", auth.NewPrincipal{Name: "x", Role: hjx.RoleResearcher, PartnerID: "p"}, "partnerId"},
		{"ErrProjectMissing", auth.NewPrincipal{Name: "x", Role: hjx.RoleDashboard}, "projectId"},
		{"ErrProjectUnknown", auth.NewPrincipal{Name: "x", Role: hjx.RoleDashboard, ProjectID: "8d1f3f0e-0000-4000-8000-000000000000"}, "projectId"},
		{"ErrExpiresInPast", auth.NewPrincipal{Name: "x", Role: hjx.RoleSteward, ExpiresAt: &past}, "expiresAt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Create(context.Background(), tc.np)
			var e *hjx.Error
			if err == nil || !asError(err, &e) || e.Code != hjx.CodeInvalid || e.Field != tc.field {
				t.Fatalf("want INVALID on %s, got %v", tc.field, err)
			}
			var n int
			if err := s.DB.Get(&n, `SELECT count(*) FROM principals`); err != nil || n != 0 {
				t.Fatalf("%d principals stored (err %v), want 0", n, err)
			}
		})
	}
}

func asError(err error, target **hjx.Error) bool {
	e, ok := err.(*hjx.Error)
	*target = e
	return ok
}
