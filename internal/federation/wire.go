// Package federation runs hjx across national nodes: each country's partners,
// their figures, policies and audit stay on that country's node, and a
// coordinating node answers researchers by asking every node for its cells over a
// small signed HTTP exchange, merging them and protecting the pooled cells once
// (outcomes.Protect). docs/FEDERATION.md describes the deployment, what crosses a
// border, the trust model and the failure modes.
//
// The exchange is one call, POST /federation/v1/cells. The coordinator's request
// carries the outcome query and the project's claims, signed with the
// coordinator's Ed25519 key, with a timestamp and a nonce; the node checks the
// signature against the coordinator key it was configured with, refuses a stale or
// replayed request, decides for its own partners (their policies against the
// claims), aggregates the allowed ones and answers with per-cell, per-partner
// shares signed with its own key.
package federation

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/outcomes"
)

// CellsPath is the exchange's one endpoint, served on the federation listener.
const CellsPath = "/federation/v1/cells"

// MaxSkew is how far a request's timestamp may be from the node's clock, either
// way: older requests are refused as stale, and the node keeps nonces this long.
const MaxSkew = 2 * time.Minute

// Claims are the facts of a project a node's partners' policies are decided on:
// what the coordinator's database holds of the project, signed by the
// coordinator. COL answers are not claims: each node keeps its partners' own.
type Claims struct {
	ProjectID            string      `json:"projectId"`
	Institution          string      `json:"institution"`
	InstitutionCountry   hjx.Country `json:"institutionCountry"`
	ForProfit            bool        `json:"forProfit"`
	Purpose              string      `json:"purpose"`
	CommercialUse        bool        `json:"commercialUse"`
	EthicsApprovalRef    string      `json:"ethicsApprovalRef"`
	PublicationCommitted bool        `json:"publicationCommitted"`
	Status               string      `json:"status"`
	StartsOn             time.Time   `json:"startsOn"`
	EndsOn               time.Time   `json:"endsOn"`
}

func (c Claims) project() access.Project {
	return access.Project{ID: c.ProjectID, Institution: c.Institution, InstitutionCountry: c.InstitutionCountry,
		ForProfit: c.ForProfit, Purpose: access.Purpose(c.Purpose), CommercialUse: c.CommercialUse,
		EthicsApprovalRef: c.EthicsApprovalRef, PublicationCommitted: c.PublicationCommitted}
}

// CellsRequest is what the coordinator asks a node.
type CellsRequest struct {
	Coordinator string `json:"coordinator"`
	// Node is the node the request is addressed to: a request captured on its way
	// to one node is refused by every other.
	Node     string    `json:"node"`
	Nonce    string    `json:"nonce"`
	IssuedAt time.Time `json:"issuedAt"`
	// Requester is the principal id of the researcher or dashboard on the
	// coordinator, for the node's audit log.
	Requester string         `json:"requester"`
	Claims    Claims         `json:"claims"`
	Query     outcomes.Query `json:"query"`
	Kind      hjx.MetricKind `json:"kind"`
	// Currency is the reporting currency of an AMOUNT query; empty: the node's
	// own default (the coordinator asks again if the pooled default differs).
	Currency string `json:"currency"`
}

// CellsResponse is a node's answer: its allowed partners' shares of each cell and
// what coverage and k need, never rows.
type CellsResponse struct {
	Node  string `json:"node"`
	Nonce string `json:"nonce"`
	// DataVersion is the node's data epoch (every upload, retraction or policy
	// change moves it): the coordinator reports it in its audit entry.
	DataVersion int64 `json:"dataVersion"`
	// RatesVersion identifies the node's exchange rates; the coordinator refuses to
	// pool money converted with different ones.
	RatesVersion string `json:"ratesVersion"`
	Currency     string `json:"currency"`
	// Countries are the countries of the node's allowed partners within the
	// query's country filter (the default reporting currency depends on them).
	Countries []hjx.Country `json:"countries"`
	// K is the largest min cell of the node's partners the project may read.
	K                int                 `json:"k"`
	Cells            Cells               `json:"cells"`
	Excluded         map[string]int      `json:"excluded"`
	ExcludedPartners map[string][]string `json:"excludedPartners"`
	ByDecision       []outcomes.Excluded `json:"byDecision"`
	// Directory holds the public directory entries of the partners the answer
	// names (as the public partners query shows them), so the coordinator can
	// resolve them in coverage.
	Directory []directory.Partner `json:"directory"`
}

// Envelope is a signed message: Payload is the JSON of a request or response,
// Signature the Ed25519 signature of exactly those bytes by the sender. On the
// wire the payload is the HTTP body as it is, and the signature travels in the
// SignatureHeader: the receiver checks the bytes it read, then decodes them once.
type Envelope struct {
	Payload   []byte
	Signature []byte
}

// SignatureHeader carries an exchange message's signature (base64).
const SignatureHeader = "Hjx-Signature"

// MaxRequestBytes and MaxAnswerBytes bound what either side reads of a message.
const (
	MaxRequestBytes = 1 << 20
	MaxAnswerBytes  = 256 << 20
)

// header sets a message's content type and signature header; its body is e.Payload.
func (e Envelope) header(h http.Header) {
	h.Set("Content-Type", "application/json")
	h.Set(SignatureHeader, base64.StdEncoding.EncodeToString(e.Signature))
}

// receive reads a message's body (at most limit bytes, to its end: a longer
// one is refused) and its signature header.
func receive(h http.Header, body io.Reader, limit int64) (Envelope, error) {
	sig, err := base64.StdEncoding.DecodeString(h.Get(SignatureHeader))
	if err != nil {
		return Envelope{}, errSignature
	}
	payload, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return Envelope{}, err
	}
	if int64(len(payload)) > limit {
		return Envelope{}, fmt.Errorf("federation: a message of more than %d bytes", limit)
	}
	return Envelope{Payload: payload, Signature: sig}, nil
}

func seal(key ed25519.PrivateKey, v any) (Envelope, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return Envelope{}, err
	}
	return Envelope{Payload: b, Signature: ed25519.Sign(key, b)}, nil
}

// errSignature is a message whose signature does not check against the sender's
// configured key.
var errSignature = errors.New("federation: signature does not verify")

func open(pub ed25519.PublicKey, e Envelope, v any) error {
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, e.Payload, e.Signature) {
		return errSignature
	}
	return json.Unmarshal(e.Payload, v)
}

func newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// GenerateKey returns a new key pair, base64 encoded as the configuration wants
// them: the private key's 32-byte seed and the public key.
func GenerateKey() (private, public string, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", err
	}
	return base64.StdEncoding.EncodeToString(priv.Seed()), base64.StdEncoding.EncodeToString(pub), nil
}

// ParsePrivateKey reads a base64 Ed25519 seed (HJX_FEDERATION_KEY).
func ParsePrivateKey(s string) (ed25519.PrivateKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != ed25519.SeedSize {
		return nil, fmt.Errorf("want the base64 of a %d-byte Ed25519 seed (hjx federation keygen)", ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(b), nil
}

// ParsePublicKey reads a base64 Ed25519 public key.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("want the base64 of a %d-byte Ed25519 public key (hjx federation keygen)", ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

// DefaultTimeout is how long the coordinator waits for a node's answer by default
// (HJX_FEDERATION_TIMEOUT): well inside the default request timeout, so a stopped
// node gives a partial answer rather than no answer.
const DefaultTimeout = 10 * time.Second
