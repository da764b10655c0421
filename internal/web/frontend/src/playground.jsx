// The researcher playground: GraphiQL, bundled and served by hjx itself.
// Tokens go in the Headers editor as {"Authorization": "Bearer hjx1_..."}; they
// are kept only in this tab's memory (headers are not persisted to storage).
import { createRoot } from "react-dom/client";
import { GraphiQL } from "graphiql";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import "graphiql/style.css";
import "./playground.css";
import { exampleTabs } from "./examples.js";

const tokenPlaceholder = "Bearer <paste your token>";

const defaultHeaders = JSON.stringify({ Authorization: tokenPlaceholder }, null, 2);

const baseFetcher = createGraphiQLFetcher({ url: new URL("/graphql", window.location.href).toString() });

// withoutPlaceholderToken drops an Authorization header that still holds the
// placeholder (or nothing), so public queries work before a token is pasted:
// hjx refuses a request whose token is malformed rather than treating it as
// anonymous.
function withoutPlaceholderToken(headers) {
  if (!headers) return headers;
  const out = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === "authorization") {
      const v = String(value).trim();
      if (v === "" || v === "Bearer" || v === tokenPlaceholder) continue;
    }
    out[name] = value;
  }
  return out;
}

function fetcher(params, opts) {
  return baseFetcher(params, { ...opts, headers: withoutPlaceholderToken(opts && opts.headers) });
}

createRoot(document.getElementById("graphiql")).render(
  <GraphiQL
    fetcher={fetcher}
    defaultTabs={exampleTabs(defaultHeaders)}
    defaultHeaders={defaultHeaders}
    isHeadersEditorEnabled={true}
    shouldPersistHeaders={false}
    showPersistHeadersSettings={false}
    defaultEditorToolsVisibility="headers"
  >
    <GraphiQL.Logo>hjx playground</GraphiQL.Logo>
  </GraphiQL>,
);
