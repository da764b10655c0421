// An automatic persisted queries round trip from a standard client: Apollo
// Client with its persisted-queries link, against a running hjx. Runs one
// query twice and prints, as JSON on stdout, the data of each run and every
// HTTP request the link made (whether it carried the text, the hash, the
// status), for the Go test that starts the server (apq_test.go).
//
//   node apq.mjs URL
import { createHash } from 'node:crypto';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';

const url = process.argv[2];
if (!url) {
  console.error('usage: node apq.mjs URL');
  process.exit(2);
}

const requests = [];
async function recordingFetch(input, init) {
  const body = JSON.parse(init.body);
  const res = await fetch(input, init);
  requests.push({ query: Boolean(body.query), sha256Hash: body.extensions?.persistedQuery?.sha256Hash ?? '', status: res.status });
  return res;
}

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const client = new ApolloClient({
  link: new PersistedQueryLink({ sha256 }).concat(new HttpLink({ uri: url, fetch: recordingFetch })),
  cache: new InMemoryCache(),
});
const query = gql`
  query Codebook {
    metrics {
      code
    }
  }
`;
const runs = [];
for (let i = 0; i < 2; i++) {
  const { data, error } = await client.query({ query, fetchPolicy: 'network-only' });
  runs.push({ metrics: data?.metrics?.length ?? 0, error: error ? String(error) : '' });
}
console.log(JSON.stringify({ runs, requests }, null, 2));
