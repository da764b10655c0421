package main

import (
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/federation"
)

func TestFederationConfig(t *testing.T) {
	t.Parallel()
	seed, pub, err := federation.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	t.Run("OKNode", func(t *testing.T) {
		c, err := loadConfig(env(map[string]string{"HJX_NODE_ID": "gb", "HJX_NODE_COUNTRY": "gb", "HJX_FEDERATION_KEY": seed,
			"HJX_FEDERATION_ADDR": ":9443", "HJX_FEDERATION_COORDINATORS": "hub=" + pub}))
		if err != nil || c.Federation.NodeCountry != "GB" || len(c.Federation.Coordinators) != 1 || c.Federation.Key == nil {
			t.Fatalf("node config %+v, %v", c.Federation, err)
		}
	})
	t.Run("OKCoordinator", func(t *testing.T) {
		c, err := loadConfig(env(map[string]string{"HJX_NODE_ID": "hub", "HJX_FEDERATION_KEY": seed,
			"HJX_FEDERATION_PEERS":     "gb=https://gb.internal:9443, us=https://us.internal:9443",
			"HJX_FEDERATION_PEER_KEYS": "gb=" + pub + ",us=" + pub, "HJX_FEDERATION_TIMEOUT": "3s"}))
		if err != nil || len(c.Federation.Peers) != 2 || c.Federation.Timeout.Seconds() != 3 {
			t.Fatalf("coordinator config %+v, %v", c.Federation, err)
		}
	})
	for _, tt := range []struct {
		name string
		kv   map[string]string
		want string
	}{
		{"ErrNodeWithoutKey", map[string]string{"HJX_NODE_ID": "gb", "HJX_NODE_COUNTRY": "GB"}, "HJX_FEDERATION_KEY"},
		{"ErrNodeWithoutID", map[string]string{"HJX_NODE_COUNTRY": "GB", "HJX_FEDERATION_KEY": seed}, "HJX_NODE_ID"},
		{"ErrUnknownCountry", map[string]string{"HJX_NODE_ID": "fr", "HJX_NODE_COUNTRY": "FR", "HJX_FEDERATION_KEY": seed}, "HJX_NODE_COUNTRY"},
		{"ErrPeerWithoutKey", map[string]string{"HJX_NODE_ID": "hub", "HJX_FEDERATION_KEY": seed,
			"HJX_FEDERATION_PEERS": "gb=https://gb.internal:9443"}, "HJX_FEDERATION_PEER_KEYS"},
		{"ErrBadKey", map[string]string{"HJX_NODE_ID": "gb", "HJX_NODE_COUNTRY": "GB", "HJX_FEDERATION_KEY": "short"}, "HJX_FEDERATION_KEY"},
		{"ErrServingWithoutCoordinators", map[string]string{"HJX_NODE_ID": "gb", "HJX_NODE_COUNTRY": "GB",
			"HJX_FEDERATION_KEY": seed, "HJX_FEDERATION_ADDR": ":9443"}, "HJX_FEDERATION_COORDINATORS"},
		{"ErrAddrWithoutCountry", map[string]string{"HJX_NODE_ID": "gb", "HJX_FEDERATION_KEY": seed,
			"HJX_FEDERATION_ADDR": ":9443"}, "HJX_NODE_COUNTRY"},
		{"ErrTLSFiles", map[string]string{"HJX_FEDERATION_TLS_CERT": "/nonexistent.crt"}, "HJX_FEDERATION_TLS"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig(env(tt.kv))
			if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a usage error naming %s", err, tt.want)
			}
		})
	}
}
