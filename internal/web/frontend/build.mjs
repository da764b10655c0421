// Bundles the browser pages' scripts and styles into ../static/dist, which the Go
// binary embeds. Everything a page needs ends up in these files: nothing is
// fetched from a CDN at run time (research environments are often air-gapped).
// Licence texts of the bundled libraries go to *.LEGAL.txt beside each bundle.
import * as esbuild from "esbuild";
import { mkdir, readFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";

const outdir = "../static/dist";
await mkdir(outdir, { recursive: true });

const result = await esbuild.build({
  entryPoints: {
    playground: "src/playground.jsx",
    dashboard: "src/dashboard.js",
    portal: "src/portal.js",
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

// Each page's weight: its script and stylesheet, gzip-compressed as a server or
// proxy would send them. The portal must stay light for partners on slow links
// (docs/PORTAL.md records the figures); the build fails above the budget.
const budgets = { portal: 300 * 1024 };
let over = false;
for (const name of ["playground", "dashboard", "portal"]) {
  let total = 0;
  for (const ext of ["js", "css"]) {
    try {
      total += gzipSync(await readFile(`${outdir}/${name}.${ext}`), { level: 9 }).length;
    } catch (e) {
      if (e.code !== "ENOENT") throw e;
    }
  }
  const budget = budgets[name];
  console.log(`page ${name}: scripts+styles ${(total / 1024).toFixed(1)} KiB gzip` + (budget ? ` (budget ${budget / 1024} KiB)` : ""));
  if (budget && total > budget) over = true;
}
if (over) {
  console.error("a page is over its weight budget");
  process.exit(1);
}
