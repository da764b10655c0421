package server_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/auth"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/server"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// signIn posts a token to /session and returns the response.
func signIn(env *testkit.Env, secret string, tlsOn bool) *httptest.ResponseRecorder {
	body, _ := json.Marshal(map[string]string{"token": secret})
	req := httptest.NewRequest(http.MethodPost, "/session", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if tlsOn {
		req.TLS = &tls.ConnectionState{}
	}
	rec := httptest.NewRecorder()
	env.Handler.ServeHTTP(rec, req)
	return rec
}

type session struct {
	cookie *http.Cookie
	csrf   string
}

func mustSignIn(t *testing.T, env *testkit.Env, secret string) session {
	t.Helper()
	rec := signIn(env, secret, false)
	if rec.Code != http.StatusOK {
		t.Fatalf("sign in: status %d: %s", rec.Code, rec.Body)
	}
	var info struct{ CSRFToken string }
	if err := json.Unmarshal(rec.Body.Bytes(), &info); err != nil || info.CSRFToken == "" {
		t.Fatalf("sign in answered %s", rec.Body)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == server.SessionCookie {
			return session{cookie: c, csrf: info.CSRFToken}
		}
	}
	t.Fatalf("sign in set no %s cookie", server.SessionCookie)
	return session{}
}

// me asks { me { name } } with the session cookie and the CSRF header (when csrf != "").
func (s session) me(env *testkit.Env, csrf string) *testkit.Response {
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ me { name role } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(&http.Cookie{Name: s.cookie.Name, Value: s.cookie.Value})
	if csrf != "" {
		req.Header.Set(server.CSRFHeader, csrf)
	}
	return env.Send(req)
}

func (s session) signOut(env *testkit.Env, csrf string) int {
	req := httptest.NewRequest(http.MethodDelete, "/session", nil)
	req.AddCookie(&http.Cookie{Name: s.cookie.Name, Value: s.cookie.Value})
	if csrf != "" {
		req.Header.Set(server.CSRFHeader, csrf)
	}
	rec := httptest.NewRecorder()
	env.Handler.ServeHTTP(rec, req)
	return rec.Code
}

func TestSessionCookieFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		tls        bool
		secureConf bool
		wantSecure bool
	}{
		{"OKPlainHTTP", false, false, false},
		{"OKOverTLS", true, false, true},
		{"OKConfiguredSecure", false, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := testkit.New(t, func(c *app.Config) { c.Server.CookieSecure = tc.secureConf })
			secret, _ := env.Token(hjx.RoleSteward, "", "")
			rec := signIn(env, secret, tc.tls)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			var c *http.Cookie
			for _, x := range rec.Result().Cookies() {
				if x.Name == server.SessionCookie {
					c = x
				}
			}
			if c == nil {
				t.Fatal("no session cookie")
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure != tc.wantSecure {
				t.Fatalf("cookie HttpOnly=%v SameSite=%v Path=%q Secure=%v, want HttpOnly, Strict, /, Secure=%v",
					c.HttpOnly, c.SameSite, c.Path, c.Secure, tc.wantSecure)
			}
			if want := int(auth.DefaultSessionMaxAge / time.Second); c.MaxAge != want {
				t.Fatalf("MaxAge %d, want %d", c.MaxAge, want)
			}
			if strings.Contains(rec.Body.String(), c.Value) {
				t.Fatal("the response body repeats the session id")
			}
		})
	}
}

func TestSessionStoredHashed(t *testing.T) {
	t.Parallel()
	env, _, _, s := stewardSession(t)
	var dump string
	if err := env.App.DB.Get(&dump, `SELECT string_agg(s::text, ' ') FROM sessions s`); err != nil {
		t.Fatal(err)
	}
	if dump == "" || strings.Contains(dump, s.cookie.Value) {
		t.Fatalf("sessions table %q: want a row without the cookie's value", dump)
	}
}

func TestSessionCSRF(t *testing.T) {
	t.Parallel()
	env, secret, _, s := stewardSession(t)
	t.Run("OK", func(t *testing.T) {
		var out struct{ Me struct{ Role string } }
		s.me(env, s.csrf).Decode(t, &out)
		if out.Me.Role != "STEWARD" {
			t.Fatalf("me = %+v", out)
		}
	})
	t.Run("ErrForbiddenWithoutHeader", func(t *testing.T) {
		if r := s.me(env, ""); r.Status != http.StatusForbidden || r.Code() != string(hjx.CodeForbidden) {
			t.Fatalf("status %d code %q, want 403 FORBIDDEN", r.Status, r.Code())
		}
	})
	t.Run("ErrForbiddenWrongValue", func(t *testing.T) {
		if r := s.me(env, s.csrf+"x"); r.Status != http.StatusForbidden {
			t.Fatalf("status %d, want 403", r.Status)
		}
	})
	t.Run("ErrSignOutWithoutHeader", func(t *testing.T) {
		if code := s.signOut(env, ""); code != http.StatusForbidden {
			t.Fatalf("sign-out without the header: %d, want 403", code)
		}
		s.me(env, s.csrf).Decode(t, &struct{}{})
	})
	t.Run("ErrSignInNotJSON", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/session", strings.NewReader("token="+secret))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		env.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnsupportedMediaType || len(rec.Result().Cookies()) != 0 {
			t.Fatalf("form sign-in: status %d cookies %v", rec.Code, rec.Result().Cookies())
		}
	})
}

func TestSessionEnds(t *testing.T) {
	t.Parallel()
	runParallel(t, []namedTest{
		{"ErrBadToken", sessionErrBadToken},
		{"OKSignOut", sessionOKSignOut},
		{"ErrTokenExpires", sessionErrTokenExpires},
		{"ErrTokenRevoked", sessionErrTokenRevoked},
		{"ErrIdle", sessionErrIdle},
		{"ErrIdleConfigured", sessionErrIdleConfigured},
		{"ErrMaxAge", sessionErrMaxAge},
	})
}

func sessionErrBadToken(t *testing.T) {
	env := testkit.New(t)
	if rec := signIn(env, auth.SecretPrefix+"nope", false); rec.Code != http.StatusUnauthorized || len(rec.Result().Cookies()) != 0 {
		t.Fatalf("status %d cookies %v", rec.Code, rec.Result().Cookies())
	}
}

func sessionOKSignOut(t *testing.T) {
	env, secret, _, s := stewardSession(t)
	if code := s.signOut(env, s.csrf); code != http.StatusNoContent {
		t.Fatalf("sign-out: %d", code)
	}
	if r := s.me(env, s.csrf); r.Status != http.StatusUnauthorized || r.Code() != string(hjx.CodeUnauthenticated) {
		t.Fatalf("after sign-out: status %d code %q", r.Status, r.Code())
	}
	// The token itself still works: signing out ends the session only.
	if r := env.Do(secret, `{ me { name } }`, nil); r.Code() != "" {
		t.Fatalf("token after sign-out: %q", r.Code())
	}
}

func sessionErrTokenExpires(t *testing.T) {
	env := testkit.New(t)
	exp := env.Clock.Now().Add(2 * time.Hour)
	issued, err := env.App.Auth.Create(context.Background(), auth.NewPrincipal{Name: "s", Role: hjx.RoleSteward, ExpiresAt: &exp})
	if err != nil {
		t.Fatal(err)
	}
	rec := signIn(env, issued.Secret, false)
	var c *http.Cookie
	for _, x := range rec.Result().Cookies() {
		c = x
	}
	if c == nil || c.MaxAge != int((2*time.Hour)/time.Second) {
		t.Fatalf("cookie %+v: want MaxAge of the token's remaining life (7200)", c)
	}
	s := mustSignIn(t, env, issued.Secret)
	for range 5 { // used every 20 minutes: never idle
		env.Clock.Add(20 * time.Minute)
		s.me(env, s.csrf).Decode(t, &struct{}{})
	}
	env.Clock.Add(20 * time.Minute)
	signedOut(t, env, s, "after the token expired")
}

func sessionErrTokenRevoked(t *testing.T) {
	env, _, p, s := stewardSession(t)
	if err := env.App.Auth.Revoke(context.Background(), env.App.DB, p.TokenID); err != nil {
		t.Fatal(err)
	}
	signedOut(t, env, s, "after the token was revoked")
}

func sessionErrIdle(t *testing.T) {
	env, _, _, s := stewardSession(t)
	env.Clock.Add(auth.DefaultSessionIdle - time.Minute)
	s.me(env, s.csrf).Decode(t, &struct{}{}) // use keeps it alive
	env.Clock.Add(auth.DefaultSessionIdle - time.Minute)
	s.me(env, s.csrf).Decode(t, &struct{}{})
	env.Clock.Add(auth.DefaultSessionIdle)
	signedOut(t, env, s, "after %s idle", auth.DefaultSessionIdle)
}

func sessionErrIdleConfigured(t *testing.T) {
	env, _, _, s := stewardSession(t, func(c *app.Config) { c.SessionIdle = 5 * time.Minute })
	env.Clock.Add(5 * time.Minute)
	signedOut(t, env, s, "after 5 minutes idle with HJX_SESSION_IDLE=5m")
}

func sessionErrMaxAge(t *testing.T) {
	env, _, _, s := stewardSession(t)
	for elapsed := time.Duration(0); elapsed < auth.DefaultSessionMaxAge-20*time.Minute; elapsed += 20 * time.Minute {
		env.Clock.Add(20 * time.Minute)
		s.me(env, s.csrf).Decode(t, &struct{}{})
	}
	env.Clock.Add(20 * time.Minute)
	signedOut(t, env, s, "after %s", auth.DefaultSessionMaxAge)
}

// TestSessionStatus: GET /session says who is signed in (and the CSRF value a
// reloaded page needs), or that no one is, without an error status.
func TestSessionStatus(t *testing.T) {
	t.Parallel()
	env := testkit.New(t)
	env.Partner("leeds", "GB", "GB-ENG")
	admin, _ := env.Token(hjx.RolePartnerAdmin, "leeds", "")
	get := func(c *http.Cookie) (int, map[string]any) {
		req := httptest.NewRequest(http.MethodGet, "/session", nil)
		if c != nil {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		env.Handler.ServeHTTP(rec, req)
		var body map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		return rec.Code, body
	}
	t.Run("OKSignedOut", func(t *testing.T) {
		code, body := get(nil)
		if code != http.StatusOK || body["signedIn"] != false {
			t.Fatalf("status %d body %v", code, body)
		}
	})
	s := mustSignIn(t, env, admin)
	t.Run("OKSignedIn", func(t *testing.T) {
		code, body := get(&http.Cookie{Name: s.cookie.Name, Value: s.cookie.Value})
		p, _ := body["principal"].(map[string]any)
		if code != http.StatusOK || body["signedIn"] != true || body["csrfToken"] != s.csrf || p["role"] != "PARTNER_ADMIN" || p["partnerId"] != "leeds" {
			t.Fatalf("status %d body %v", code, body)
		}
	})
	t.Run("OKBearerWinsOverCookie", func(t *testing.T) {
		steward, _ := env.Token(hjx.RoleSteward, "", "")
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ me { role } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+steward)
		req.AddCookie(&http.Cookie{Name: s.cookie.Name, Value: s.cookie.Value})
		var out struct{ Me struct{ Role string } }
		env.Send(req).Decode(t, &out)
		if out.Me.Role != "STEWARD" {
			t.Fatalf("me = %+v: the bearer token must decide", out.Me)
		}
	})
}

// stewardSession signs a new steward in on a new app (with options) and returns
// the token's secret and principal and the session.
func stewardSession(t *testing.T, options ...func(*app.Config)) (*testkit.Env, string, *hjx.Principal, session) {
	t.Helper()
	env := testkit.New(t, options...)
	secret, p := env.Token(hjx.RoleSteward, "", "")
	return env, secret, p, mustSignIn(t, env, secret)
}

// signedOut fails the test, saying when, unless the session is refused with 401.
func signedOut(t *testing.T, env *testkit.Env, s session, when string, args ...any) {
	t.Helper()
	if r := s.me(env, s.csrf); r.Status != http.StatusUnauthorized {
		t.Fatalf(when+": status %d", append(args, r.Status)...)
	}
}
