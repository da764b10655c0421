package federation_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/federation"
	"github.com/hjx-exchange/hjx/internal/outcomes"
)

// writePKI writes a self-signed CA and one certificate it signs (for 127.0.0.1,
// server and client use) with its key, and returns the three files.
func writePKI(t *testing.T, dir, name string) (cert, key, ca string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name + " CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTpl, caTpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafTpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTpl, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(leafKey)
	write := func(file, typ string, der []byte) string {
		p := filepath.Join(dir, file)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write(name+".crt", "CERTIFICATE", leafDER), write(name+".key", "EC PRIVATE KEY", keyDER),
		write(name+"-ca.crt", "CERTIFICATE", caDER)
}

// TestFederationMutualTLS: with HJX_FEDERATION_TLS_* the node's exchange requires a
// client certificate from the federation's CA; the coordinator presenting one gets
// its cells, one without (or from another CA) gets no answer and a partial table.
func TestFederationMutualTLS(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	dir := t.TempDir()
	serverTLS, clientTLS, err := federation.MutualTLS(writePKI(t, dir, "federation"))
	if err != nil {
		t.Fatal(err)
	}
	node := httptest.NewUnstartedServer(w.gb.FederationHandler())
	node.TLS = serverTLS
	node.StartTLS()
	t.Cleanup(node.Close)
	_, otherClient, err := federation.MutualTLS(writePKI(t, dir, "other"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name        string
		client      *http.Client
		wantMissing []string
	}{
		{"OK", &http.Client{Transport: &http.Transport{TLSClientConfig: clientTLS}}, []string{}},
		{"ErrOtherCA", &http.Client{Transport: &http.Transport{TLSClientConfig: otherClient}}, []string{"gb"}},
		{"ErrNoClientCertificate", &http.Client{Transport: &http.Transport{TLSClientConfig: clientTLS.Clone()}}, []string{"gb"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "ErrNoClientCertificate" {
				tt.client.Transport.(*http.Transport).TLSClientConfig.Certificates = nil
			}
			hub := app.New(w.hub.DB, slog.New(slog.DiscardHandler), app.Config{Now: w.clock.Now, Secret: w.hub.Config.Secret,
				Federation: app.Federation{NodeID: "hub", Key: w.hubKey, Timeout: 5 * time.Second, Client: tt.client,
					Peers: []federation.Peer{{ID: "gb", URL: node.URL, Key: pub(w.gbKey)}}}})
			tbl, err := hub.Outcomes.Query(context.Background(), w.researcher, w.projectID,
				outcomes.Query{Metric: "PATIENTS_SCREENED"})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(tbl.NodesMissing, tt.wantMissing) || tbl.Partial != (len(tt.wantMissing) > 0) {
				t.Errorf("missing %v partial %v, want missing %v", tbl.NodesMissing, tbl.Partial, tt.wantMissing)
			}
		})
	}
}
