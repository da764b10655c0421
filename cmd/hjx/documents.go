package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/hjx-exchange/hjx/internal/web"
)

const documentsUsage = `usage: hjx documents register --project ID [--restrict] [FILE.graphql...]

Registers GraphQL documents as the project's trusted documents, through the server
at HJX_URL (default http://localhost:8080) with the token in HJX_TOKEN (the
steward's or the project's lead's). Without files it registers the /dashboard
page's own documents. --restrict then limits the project's DASHBOARD tokens to its
registered documents. Prints each document's id (sha256:...) and operation.`

// cmdDocuments registers trusted documents for a project through the API, so
// the server checks who may (the steward or the project's lead) and audits it
// as it does for any client.
func cmdDocuments(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "register" {
		return usageError(documentsUsage)
	}
	fs := flag.NewFlagSet("documents register", flag.ContinueOnError)
	fs.SetOutput(stderr)
	project := fs.String("project", "", "the project's id")
	restrict := fs.Bool("restrict", false, "restrict the project's DASHBOARD tokens to its registered documents")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError(err.Error())
	}
	if *project == "" {
		return usageError("--project is required\n\n" + documentsUsage)
	}
	url, token, err := serverOf(getenv, "documents", "the steward's or the project lead's token")
	if err != nil {
		return err
	}
	var texts []string
	for _, f := range fs.Args() {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		texts = append(texts, string(b))
	}
	if len(texts) == 0 {
		for _, d := range web.DashboardDocuments() {
			texts = append(texts, d.Document)
		}
	}
	c := apiClient{url: strings.TrimRight(url, "/") + "/graphql", token: token}
	var reg struct {
		RegisterTrustedDocuments []struct {
			ID            string
			OperationName *string
		}
	}
	if err := c.do(ctx, `mutation($p: ID!, $d: [String!]!) { registerTrustedDocuments(projectId: $p, documents: $d) { id operationName } }`,
		map[string]any{"p": *project, "d": texts}, &reg); err != nil {
		return err
	}
	for _, d := range reg.RegisterTrustedDocuments {
		name := "(anonymous)"
		if d.OperationName != nil {
			name = *d.OperationName
		}
		fmt.Fprintf(stdout, "%s\t%s\n", d.ID, name)
	}
	if *restrict {
		var out struct{}
		if err := c.do(ctx, `mutation($p: ID!) { restrictDashboardsToTrustedDocuments(projectId: $p, restrict: true) { id } }`,
			map[string]any{"p": *project}, &out); err != nil {
			return err
		}
		fmt.Fprintln(stderr, "the project's DASHBOARD tokens now run these documents only")
	}
	return nil
}

// apiClient posts GraphQL operations with a bearer token.
type apiClient struct {
	url, token string
}

func (c apiClient) do(ctx context.Context, query string, vars map[string]any, into any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json, application/json;q=0.9")
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("could not reach %s: %w", c.url, err)
	}
	defer res.Body.Close()
	var out struct {
		Data   json.RawMessage
		Errors []struct {
			Message    string
			Extensions struct{ Code string }
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return fmt.Errorf("%s answered HTTP %d without a GraphQL response", c.url, res.StatusCode)
	}
	if len(out.Errors) > 0 {
		var msgs []string
		for _, e := range out.Errors {
			msgs = append(msgs, e.Message+" ("+e.Extensions.Code+")")
		}
		return fmt.Errorf("%s", strings.Join(msgs, "; "))
	}
	return json.Unmarshal(out.Data, into)
}
