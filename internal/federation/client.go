package federation

import (
	"crypto/tls"
	"net/http"
)

// MaxIdleConnsPerNode is how many idle connections the coordinator keeps to each
// node. Every dashboard query asks every node once, so concurrent queries need as
// many connections per node as are in flight; Go's default of 2 would close the
// rest after each answer and pay a new TCP (and, with mutual TLS, a new handshake)
// on the next query.
const MaxIdleConnsPerNode = 64

// NewClient returns the coordinator's HTTP client: Go's default transport
// (timeouts, keep-alive), with tlsConfig (nil: plain HTTP) and idle connections
// kept for MaxIdleConnsPerNode queries in flight per node.
func NewClient(tlsConfig *tls.Config) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = tlsConfig
	t.MaxIdleConnsPerHost = MaxIdleConnsPerNode
	t.MaxIdleConns = 0 // no limit across nodes: each keeps its own
	return &http.Client{Transport: t}
}
