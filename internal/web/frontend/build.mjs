// Bundles the browser pages' scripts and styles into ../static/dist, which the Go
// binary embeds. Everything a page needs ends up in these files: nothing is
// fetched from a CDN at run time (research environments are often air-gapped).
// Licence texts of the bundled libraries go to *.LEGAL.txt beside each bundle.
import * as esbuild from "esbuild";
import { mkdir, writeFile } from "node:fs/promises";

const outdir = "../static/dist";
await mkdir(outdir, { recursive: true });

const result = await esbuild.build({
  entryPoints: {
    playground: "src/playground.jsx",
    dashboard: "src/dashboard.js",
  },
  outdir,
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  jsx: "automatic",
  legalComments: "external",
  define: { "process.env.NODE_ENV": '"production"' },
  // GraphiQL's toolkit imports graphql-ws lazily, only for subscriptions over a
  // websocket URL; hjx has none, so the import is never reached.
  external: ["graphql-ws"],
  // Fonts and images referenced from CSS are inlined: no extra request, no URL.
  loader: { ".woff": "dataurl", ".woff2": "dataurl", ".ttf": "dataurl", ".svg": "dataurl", ".png": "dataurl" },
  metafile: true,
  logLevel: "warning",
});
const sizes = Object.entries(result.metafile.outputs).map(([f, o]) => `${f.replace(outdir + "/", "")} ${(o.bytes / 1024).toFixed(0)} KiB`);
console.log("built " + sizes.join(", "));
