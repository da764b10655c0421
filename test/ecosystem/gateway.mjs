// An Apollo Federation v2 gateway (Apollo Gateway behind Apollo Server) that
// composes the subgraphs of a supergraph config, hjx among them
// (docs/FEDERATION.md). Composition happens here, at start-up, from each
// subgraph's _service { sdl }: nothing is fetched from Apollo's cloud.
//
//   node gateway.mjs supergraph.json [PORT]   (default 4000; 0 picks a free port)
//
// supergraph.json:
//   { "subgraphs": { "<name>": { "routing_url": "<URL>", "forward_authorization": true|false }, ... } }
// A subgraph with forward_authorization gets the client's Authorization header
// (and its address in X-Forwarded-For) with every query, and, when HJX_GATEWAY_TOKEN is set, "Bearer
// $HJX_GATEWAY_TOKEN" when the gateway reads its SDL (hjx serves its SDL to
// whoever may introspect: in production, a researcher's or the steward's token).
//
// Prints "gateway at URL" once it listens on 127.0.0.1.
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from '@apollo/gateway';

const [configPath, portArg] = process.argv.slice(2);
if (!configPath) {
  console.error('usage: node gateway.mjs supergraph.json [PORT]');
  process.exit(2);
}
const config = JSON.parse(readFileSync(configPath, 'utf8'));
const subgraphs = Object.entries(config.subgraphs).map(([name, s]) => ({
  name,
  url: s.routing_url,
  forward: s.forward_authorization === true,
}));
const forwards = (name) => subgraphs.some((s) => s.name === name && s.forward);
const token = process.env.HJX_GATEWAY_TOKEN;

const gateway = new ApolloGateway({
  supergraphSdl: new IntrospectAndCompose({
    subgraphs: subgraphs.map(({ name, url }) => ({ name, url })),
    introspectionHeaders: (service) => (token && forwards(service.name) ? { authorization: `Bearer ${token}` } : {}),
  }),
  buildService: ({ name, url }) =>
    new RemoteGraphQLDataSource({
      url,
      willSendRequest({ request, context }) {
        if (!forwards(name)) return;
        if (context.authorization) request.http.headers.set('authorization', context.authorization);
        // hjx limits anonymous callers per address: with the gateway's address in
        // HJX_TRUSTED_PROXIES it counts the client's, not the gateway's.
        if (context.forwardedFor) request.http.headers.set('x-forwarded-for', context.forwardedFor);
      },
    }),
});

const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { host: '127.0.0.1', port: Number(portArg ?? 4000) },
  context: async ({ req }) => ({
    authorization: req.headers.authorization,
    forwardedFor: [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', '),
  }),
});
console.log(`gateway at ${url}`);
