package main

import (
	"crypto/ed25519"
	"crypto/tls"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/federation"
	"github.com/hjx-exchange/hjx/internal/hjx"
)

// federationConfig is the federation part of the environment (docs/FEDERATION.md).
type federationConfig struct {
	app.Federation
	// Addr is where a national node serves the exchange (HJX_FEDERATION_ADDR): a
	// listener of its own, reachable by the coordinator only.
	Addr string
	// ServerTLS, when set, makes that listener require the caller's certificate.
	ServerTLS *tls.Config
}

// loadFederation reads HJX_NODE_ID, HJX_NODE_COUNTRY and HJX_FEDERATION_* into f
// (but the timeout, read with the other settings); errors are appended to errs.
func loadFederation(getenv func(string) string, f *federationConfig, errs *[]error) {
	bad := func(format string, args ...any) { *errs = append(*errs, fmt.Errorf(format, args...)) }
	f.NodeID = strings.TrimSpace(getenv("HJX_NODE_ID"))
	f.NodeCountry = strings.ToUpper(strings.TrimSpace(getenv("HJX_NODE_COUNTRY")))
	f.Addr = getenv("HJX_FEDERATION_ADDR")
	if f.NodeCountry != "" && !hjx.In(hjx.AllCountries(), hjx.Country(f.NodeCountry)) {
		bad("HJX_NODE_COUNTRY=%q: want %s", f.NodeCountry, hjx.Alternatives(hjx.AllCountries()))
	}
	if v := getenv("HJX_FEDERATION_KEY"); v != "" {
		k, err := federation.ParsePrivateKey(v)
		if err != nil {
			bad("HJX_FEDERATION_KEY: %v", err)
		}
		f.Key = k
	}
	pairs := func(name string) map[string]string {
		out := map[string]string{}
		for _, part := range strings.Split(getenv(name), ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			id, val, ok := strings.Cut(part, "=")
			if !ok || id == "" || val == "" {
				bad("%s: %q is not id=value", name, part)
				continue
			}
			out[strings.TrimSpace(id)] = strings.TrimSpace(val)
		}
		return out
	}
	coordinators := pairs("HJX_FEDERATION_COORDINATORS")
	if len(coordinators) > 0 {
		f.Coordinators = map[string]ed25519.PublicKey{}
		for id, v := range coordinators {
			k, err := federation.ParsePublicKey(v)
			if err != nil {
				bad("HJX_FEDERATION_COORDINATORS: %s: %v", id, err)
			}
			f.Coordinators[id] = k
		}
	}
	peers, keys := pairs("HJX_FEDERATION_PEERS"), pairs("HJX_FEDERATION_PEER_KEYS")
	for id, u := range peers {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			bad("HJX_FEDERATION_PEERS: %s: %q is not an http(s) URL", id, u)
			continue
		}
		k, err := federation.ParsePublicKey(keys[id])
		if err != nil {
			bad("HJX_FEDERATION_PEER_KEYS: %s: %v", id, err)
			continue
		}
		f.Peers = append(f.Peers, federation.Peer{ID: id, URL: u, Key: k})
	}
	switch {
	case (f.NodeCountry != "" || len(f.Peers) > 0) && f.NodeID == "":
		bad("HJX_NODE_ID is required on a national node or a coordinator")
	case (f.NodeCountry != "" || len(f.Peers) > 0) && f.Key == nil:
		bad("HJX_FEDERATION_KEY is required on a national node or a coordinator (hjx federation keygen)")
	case f.Addr != "" && f.NodeCountry == "":
		bad("HJX_FEDERATION_ADDR serves a national node's exchange: set HJX_NODE_COUNTRY too")
	case f.NodeCountry != "" && len(f.Coordinators) == 0 && f.Addr != "":
		bad("HJX_FEDERATION_COORDINATORS is required for a node serving HJX_FEDERATION_ADDR")
	}
	cert, key, ca := getenv("HJX_FEDERATION_TLS_CERT"), getenv("HJX_FEDERATION_TLS_KEY"), getenv("HJX_FEDERATION_TLS_CA")
	if cert != "" || key != "" || ca != "" {
		server, client, err := federation.MutualTLS(cert, key, ca)
		if err != nil {
			bad("HJX_FEDERATION_TLS_*: %v", err)
		} else {
			f.ServerTLS = server
			f.Client = federation.NewClient(client)
		}
	}
}

// cmdFederation: `hjx federation keygen` prints a new key pair.
func cmdFederation(args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "keygen" {
		return usageError("usage: hjx federation keygen")
	}
	private, public, err := federation.GenerateKey()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "HJX_FEDERATION_KEY=%s\npublic key (for the other side's configuration): %s\n", private, public)
	return nil
}
