package server

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/metrics"
)

// RateConfig is the per-caller rate limit: a token bucket per principal and,
// for callers without a valid token, per client IP address.
type RateConfig struct {
	PerToken       float64 // requests per second per principal (HJX_RATE_LIMIT; DASHBOARD tokens: per project); 0 turns the limit off
	TokenBurst     int     // requests a token may send at once (HJX_RATE_BURST)
	PerIP          float64 // requests per second per IP without a token (HJX_RATE_LIMIT_ANONYMOUS); 0: off
	IPBurst        int     // (HJX_RATE_BURST_ANONYMOUS)
	MaxKeys        int     // callers tracked at once (HJX_RATE_LIMIT_KEYS); the least recently seen is forgotten
	TrustedProxies []netip.Prefix
	// TrustedProxies (HJX_TRUSTED_PROXIES): X-Forwarded-For is believed only
	// when the connection comes from one of these; otherwise a client could
	// name any address and escape its bucket.
}

// DefaultRateConfig returns the limits used when nothing is configured: ample
// for a dashboard or a script, small enough that one caller cannot starve others.
func DefaultRateConfig() RateConfig {
	return RateConfig{PerToken: 20, TokenBurst: 40, PerIP: 10, IPBurst: 20, MaxKeys: 10_000}
}

// limiter holds a token bucket per caller. Memory is bounded: at most MaxKeys
// buckets, least recently used evicted first (an evicted caller starts again
// with a full bucket, which favours it, never anyone else).
type limiter struct {
	cfg     RateConfig
	now     func() time.Time
	buckets *lru.Cache[string, *rate.Limiter]
	metrics *metrics.Metrics
}

func newLimiter(cfg RateConfig, now func() time.Time, m *metrics.Metrics) *limiter {
	if now == nil {
		now = time.Now
	}
	size := cfg.MaxKeys
	if size <= 0 {
		size = DefaultRateConfig().MaxKeys
	}
	buckets, _ := lru.New[string, *rate.Limiter](size) // errors only for size <= 0
	return &limiter{cfg: cfg, now: now, buckets: buckets, metrics: m}
}

// allow takes one request from key's bucket. When the bucket is empty it
// returns how long until the next request would be allowed.
func (l *limiter) allow(key string, perSecond float64, burst int) (bool, time.Duration) {
	if perSecond <= 0 {
		return true, 0
	}
	b, ok := l.buckets.Get(key)
	if !ok {
		b = rate.NewLimiter(rate.Limit(perSecond), max(burst, 1))
		if prev, found, _ := l.buckets.PeekOrAdd(key, b); found {
			b = prev
		}
	}
	now := l.now()
	r := b.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Second
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// allowFailedAuth takes a failed token check from the address's bucket of
// them, answering 429 itself when it is empty. It is a bucket of its own (same
// rate as anonymous requests), so that anonymous traffic and failed checks
// never count against each other, and only failed checks draw on it.
func (l *limiter) allowFailedAuth(w http.ResponseWriter, r *http.Request) bool {
	ok, wait := l.allow(failedAuthKey(r, l.cfg.TrustedProxies), l.cfg.PerIP, l.cfg.IPBurst)
	if !ok {
		l.refuse(w, "ip", wait)
	}
	return ok
}

func failedAuthKey(r *http.Request, trusted []netip.Prefix) string {
	return "auth:" + clientIP(r, trusted).String()
}

// middleware applies the per-principal limit (HJX_RATE_LIMIT) to an
// authenticated request and the per-IP limit to the rest. It runs after authentication.
func (l *limiter) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := hjx.PrincipalFrom(r.Context()); p != nil {
			if ok, wait := l.allow(principalKey(p), l.cfg.PerToken, l.cfg.TokenBurst); !ok {
				l.refuse(w, "token", wait)
				return
			}
		} else if !l.allowIP(w, r) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// principalKey is whose bucket an authenticated request draws on: the
// principal's, whichever of its tokens it uses, and for DASHBOARD tokens (each
// one a principal of its own, minted by project members) the project's, so
// that minting more tokens never buys more rate.
func principalKey(p *hjx.Principal) string {
	if p.Role == hjx.RoleDashboard && p.ProjectID != "" {
		return "project:" + p.ProjectID
	}
	return "principal:" + p.ID
}

// allowIP takes a request from the client address's bucket, answering 429
// itself when it is empty.
func (l *limiter) allowIP(w http.ResponseWriter, r *http.Request) bool {
	ok, wait := l.allow("ip:"+clientIP(r, l.cfg.TrustedProxies).String(), l.cfg.PerIP, l.cfg.IPBurst)
	if !ok {
		l.refuse(w, "ip", wait)
	}
	return ok
}

func (l *limiter) refuse(w http.ResponseWriter, kind string, wait time.Duration) {
	l.metrics.RateLimited(kind)
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	writeError(w, http.StatusTooManyRequests, hjx.CodeRateLimited,
		"too many requests; retry after "+strconv.Itoa(max(secs, 1))+" s (see the Retry-After header)")
}

// clientIP is the address a request comes from: the connection's peer, or,
// when that peer is a trusted proxy, the right-most address in X-Forwarded-For
// that is not itself a trusted proxy (addresses left of it are the client's to
// forge).
func clientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer := addrOf(r.RemoteAddr)
	if !isTrusted(peer, trusted) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !isTrusted(a, trusted) {
			return a
		}
	}
	return peer
}

func addrOf(hostport string) netip.Addr {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.IPv4Unspecified()
	}
	return a.Unmap()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
