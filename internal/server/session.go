package server

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/hjx-exchange/hjx/internal/auth"
	"github.com/hjx-exchange/hjx/internal/hjx"
)

// SessionCookie names the portal's session cookie. The browser sends it back,
// but no script can read it (HttpOnly), no other site can make the browser send
// it (SameSite=Strict), and a request it authenticates must also carry
// CSRFHeader with the session's CSRF value, which a page of another origin
// cannot learn.
const SessionCookie = "hjx_session"

// CSRFHeader carries the session's CSRF value on every request a session cookie
// authenticates (the GraphQL endpoint and sign-out). The portal reads the value
// from POST or GET /session, which answer only this origin's scripts.
const CSRFHeader = "X-CSRF-Token"

// SessionStore opens, resumes and ends browser sessions (auth.Sessions).
type SessionStore interface {
	Start(ctx context.Context, secret string) (*auth.Session, error)
	Resume(ctx context.Context, id string) (*auth.Session, error)
	End(ctx context.Context, id string) error
}

// sessionInfo is what the portal learns about its session: who it speaks for,
// until when, and the CSRF value to send back.
type sessionInfo struct {
	SignedIn  bool           `json:"signedIn"`
	CSRFToken string         `json:"csrfToken,omitempty"`
	ExpiresAt *time.Time     `json:"expiresAt,omitempty"`
	Principal *principalInfo `json:"principal,omitempty"`
	// Message says why there is no session (GET /session when signed out).
	Message string `json:"message,omitempty"`
}

type principalInfo struct {
	Name      string `json:"name"`
	Role      string `json:"role"`
	PartnerID string `json:"partnerId,omitempty"`
	ProjectID string `json:"projectId,omitempty"`
}

func infoOf(s *auth.Session) sessionInfo {
	exp := s.ExpiresAt.UTC()
	return sessionInfo{SignedIn: true, CSRFToken: s.CSRF, ExpiresAt: &exp, Principal: &principalInfo{
		Name: s.Principal.Name, Role: string(s.Principal.Role), PartnerID: s.Principal.PartnerID, ProjectID: s.Principal.ProjectID}}
}

// sessionRoutes adds the sign-in endpoints: POST /session (sign in with a
// token), GET /session (the current session, so a reloaded page finds its CSRF
// value again) and DELETE /session (sign out).
func sessionRoutes(mux *http.ServeMux, cfg Config, d Deps, lim *limiter) {
	if d.Sessions == nil {
		return
	}
	now := d.Now
	if now == nil {
		now = time.Now
	}
	mux.HandleFunc("POST /session", func(w http.ResponseWriter, r *http.Request) {
		// JSON only: a cross-site form cannot send it without a CORS preflight,
		// which hjx refuses, so no other site can sign a browser in.
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			writeError(w, http.StatusUnsupportedMediaType, hjx.CodeInvalid, `sign in by POSTing JSON: {"token": "hjx1_..."}`)
			return
		}
		var body struct {
			Token string `json:"token"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10)).Decode(&body); err != nil {
			writeError(w, http.StatusBadRequest, hjx.CodeInvalid, `sign in by POSTing JSON: {"token": "hjx1_..."}`)
			return
		}
		sess, err := d.Sessions.Start(r.Context(), strings.TrimSpace(body.Token))
		if err != nil {
			if hjx.ErrorCode(err) == hjx.CodeUnauthenticated {
				if !lim.allowFailedAuth(w, r) {
					return
				}
				writeError(w, http.StatusUnauthorized, hjx.CodeUnauthenticated,
					"this token is not valid (unknown, expired or revoked): check you pasted the whole token, or ask your data steward for a new one")
				return
			}
			d.Log.ErrorContext(r.Context(), "start session", "error", err.Error())
			writeError(w, http.StatusServiceUnavailable, hjx.CodeUnavailable, "the service cannot sign you in right now; try again shortly")
			return
		}
		setSessionCookie(w, r, cfg, sess.ID, int(sess.ExpiresAt.Sub(now()).Seconds()))
		writeJSON(w, infoOf(sess))
	})
	// GET /session answers 200 either way: being signed out is the page's
	// normal starting state, not an error.
	mux.HandleFunc("GET /session", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(SessionCookie)
		if err != nil {
			writeJSON(w, sessionInfo{Message: "you are not signed in"})
			return
		}
		sess, err := d.Sessions.Resume(r.Context(), c.Value)
		if err != nil {
			if hjx.ErrorCode(err) != hjx.CodeUnauthenticated {
				d.Log.ErrorContext(r.Context(), "resume session", "error", err.Error())
				writeError(w, http.StatusServiceUnavailable, hjx.CodeUnavailable, "the service cannot check your session right now; try again shortly")
				return
			}
			setSessionCookie(w, r, cfg, "", -1)
			writeJSON(w, sessionInfo{Message: err.(*hjx.Error).Message})
			return
		}
		writeJSON(w, infoOf(sess))
	})
	mux.HandleFunc("DELETE /session", func(w http.ResponseWriter, r *http.Request) {
		sess, ok := resumeSession(w, r, cfg, d)
		if !ok {
			return
		}
		if err := d.Sessions.End(r.Context(), sess.ID); err != nil {
			d.Log.ErrorContext(r.Context(), "end session", "error", err.Error())
			writeError(w, http.StatusServiceUnavailable, hjx.CodeUnavailable, "the service cannot sign you out right now; try again shortly")
			return
		}
		setSessionCookie(w, r, cfg, "", -1)
		w.WriteHeader(http.StatusNoContent)
	})
}

// resumeSession finds the request's open session or answers 401 (clearing a
// dead cookie) and returns false. A session is usable only with CSRFHeader
// carrying its CSRF value, so a request without it is answered 403.
func resumeSession(w http.ResponseWriter, r *http.Request, cfg Config, d Deps) (*auth.Session, bool) {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		writeError(w, http.StatusUnauthorized, hjx.CodeUnauthenticated, "you are not signed in: sign in with your token")
		return nil, false
	}
	sess, err := d.Sessions.Resume(r.Context(), c.Value)
	if err != nil {
		if hjx.ErrorCode(err) == hjx.CodeUnauthenticated {
			setSessionCookie(w, r, cfg, "", -1)
			writeError(w, http.StatusUnauthorized, hjx.CodeUnauthenticated, err.(*hjx.Error).Message)
			return nil, false
		}
		d.Log.ErrorContext(r.Context(), "resume session", "error", err.Error())
		writeError(w, http.StatusServiceUnavailable, hjx.CodeUnavailable, "the service cannot check your session right now; try again shortly")
		return nil, false
	}
	if !sess.CheckCSRF(r.Header.Get(CSRFHeader)) {
		writeError(w, http.StatusForbidden, hjx.CodeForbidden, "a request signed in by the session cookie must carry the "+CSRFHeader+
			" header with the session's value (protection against cross-site request forgery): reload the page, or sign in again")
		return nil, false
	}
	return sess, true
}

// sessionAuth authenticates a GraphQL request by its session cookie when it has
// no Authorization header (a bearer token always wins and is checked as
// before). The cookie is accepted only with CSRFHeader carrying the session's
// CSRF value: SameSite=Strict already keeps other sites' requests from
// carrying it, and the header is the second, independent guard.
func sessionAuth(cfg Config, d Deps, next http.Handler) http.Handler {
	if d.Sessions == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			next.ServeHTTP(w, r)
			return
		}
		if _, err := r.Cookie(SessionCookie); err != nil {
			next.ServeHTTP(w, r)
			return
		}
		sess, ok := resumeSession(w, r, cfg, d)
		if !ok {
			return
		}
		next.ServeHTTP(w, r.WithContext(hjx.WithPrincipal(r.Context(), sess.Principal)))
	})
}

// setSessionCookie sets (maxAge > 0) or clears (maxAge < 0) the session
// cookie. It is Secure when the request came over TLS or the configuration
// says the server is behind TLS (HJX_COOKIE_SECURE, on in production).
func setSessionCookie(w http.ResponseWriter, r *http.Request, cfg Config, value string, maxAge int) {
	if maxAge == 0 {
		maxAge = -1
	}
	http.SetCookie(w, &http.Cookie{
		Name:     SessionCookie,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   r.TLS != nil || cfg.CookieSecure,
		SameSite: http.SameSiteStrictMode,
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}
