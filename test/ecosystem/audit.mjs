// Runs the GraphQL-over-HTTP audit of graphql-http (the working group's
// reference implementation) against a running hjx and prints the results as
// JSON on stdout, for the Go test that starts the server (audit_test.go).
//
//   node audit.mjs URL            (the bearer token, if any, in HJX_TOKEN)
//
// The audits run one after another, and a 429 is retried after its
// Retry-After, as a well-behaved client does: the server keeps its default
// rate limits on.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}
const token = process.env.HJX_TOKEN;

let retries = 0;
async function fetchFn(input, init = {}) {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  for (;;) {
    const res = await fetch(input, { ...init, headers });
    if (res.status !== 429) return res;
    retries++;
    const wait = Number(res.headers.get('retry-after') || '1');
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
  }
}

const results = [];
for (const { fn } of serverAudits({ url, fetchFn })) {
  const r = await fn();
  const out = { id: r.id, name: r.name, status: r.status };
  if (r.status !== 'ok') {
    out.reason = r.reason;
    out.responseStatus = r.response.status;
    out.responseBody = await r.response.text().catch(() => '');
  }
  results.push(out);
}

const count = (level) => {
  const mine = results.filter((r) => (level === 'MUST' ? r.name.startsWith('MUST ') : !r.name.startsWith('MUST ')));
  return { ok: mine.filter((r) => r.status === 'ok').length, total: mine.length };
};
console.log(JSON.stringify({ must: count('MUST'), other: count('OTHER'), retries, results }, null, 2));
