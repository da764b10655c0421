// A dashboard team's own subgraph, composed with hjx by gateway.mjs
// (docs/FEDERATION.md): it extends hjx's Partner entity with the team's note on
// each partner, and lists the partners the team features. hjx answers every
// other Partner field.
//
//   node dashboard-subgraph.mjs [PORT]   (default 4001; 0 picks a free port)
//
// Prints "dashboard subgraph at URL" once it listens on 127.0.0.1.
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

  "A partner of hjx's directory; hjx resolves its other fields."
  type Partner @key(fields: "id") {
    id: ID!
    "The dashboard team's note on this partner."
    dashboardNote: String!
  }

  type Query {
    "The partners the dashboard features, in its order."
    featuredPartners: [Partner!]!
  }
`);

const featured = ['leeds-gp-welfare-rights', 'boston-childrens-mlp'];
const note = (id) => `the dashboard team's note on ${id}`;

const resolvers = {
  Query: {
    featuredPartners: () => featured.map((id) => ({ id })),
  },
  Partner: {
    __resolveReference: ({ id }) => ({ id }),
    dashboardNote: ({ id }) => note(id),
  },
};

const server = new ApolloServer({
  schema: buildSubgraphSchema({ typeDefs, resolvers }),
  plugins: [ApolloServerPluginInlineTraceDisabled()],
});
const port = Number(process.argv[2] ?? 4001);
const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port } });
console.log(`dashboard subgraph at ${url}`);
