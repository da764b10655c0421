// Example operations, one tab per role, shown when the playground opens for the
// first time (GraphiQL keeps the tabs a person edits in the browser's storage).
// The ids are the demo world's (`make run` / `hjx seed --demo`): its project id is
// fixed, and the PARTNER_ADMIN token it prints is Leeds GP Welfare Rights'. With
// your own data, put your own ids in the Variables tab.

const examples = [
  {
    query: `# Anyone, no token needed: the public directory and metric codebook.
query PublicDirectory {
  partners(first: 20, filter: { country: GB }) {
    totalCount
    edges { node { id name country region model healthSettings } }
  }
  metrics { code kind unit instrument title }
}
`,
  },
  {
    query: `# Any token: who am I? Paste the token in the Headers tab below.
query WhoAmI {
  me { id name role partner { id name } project { id title } }
}
`,
  },
  {
    query: `# RESEARCHER: what data exists for your project, the access decisions of
# each partner, and money gained per client advised (UK and US, by year and
# deprivation quintile, in PPP dollars) computed from the two protected tables.
query ResearcherOutcomes($projectId: ID!) {
  availability(projectId: $projectId) {
    metrics {
      metric { code kind }
      breakdowns { dimensions granularities years partners countries { country partners } }
    }
  }
  accessDecisions(projectId: $projectId) {
    partner { id name country } decision reasons { code message }
  }
  outcomes(projectId: $projectId, query: {
    metric: "FINANCIAL_GAIN", ratioTo: "CLIENTS_ADVISED",
    groupBy: [COUNTRY, YEAR, DEPRIVATION_QUINTILE], currency: PPP_INTL_DOLLAR
  }) {
    currency partialPeriods
    rows { country period deprivationQuintile value n ratio partners suppressed suppression }
    coverage { partnersIncluded partnersExcluded { partner { name } reasons { code } } observationsExcluded { reason count } }
    disclosure { k roundingBase suppressedCells byReason { reason count } }
    denominator {
      rows { country period deprivationQuintile value suppressed }
      coverage { partnersIncluded }
    }
  }
}
`,
    variables: `{ "projectId": "d3e0d3e0-0000-4000-8000-000000000001" }`,
  },
  {
    query: `# DASHBOARD: a read-only token bound to one project; me.project gives its id.
query DashboardSeries($projectId: ID!) {
  me { role project { id title } }
  outcomes(projectId: $projectId, query: { metric: "CLIENTS_ADVISED", groupBy: [COUNTRY, QUARTER] }) {
    rows { country period value n suppressed suppression }
    disclosure { k suppressedCells }
  }
}
`,
    variables: `{ "projectId": "d3e0d3e0-0000-4000-8000-000000000001" }`,
  },
  {
    query: `# PARTNER_UPLOADER: your partner's submissions (uploads go through the
# multipart endpoint or submitObservations; see docs/CLIENTS.md).
query MySubmissions {
  submissions(first: 20) {
    totalCount
    edges { node { id status rowCount consentBasis receivedAt } }
  }
}
`,
  },
  {
    query: `# PARTNER_ADMIN: your sharing policy and who has used your data.
query MyPolicyAndUsage($partnerId: ID!) {
  sharingPolicy(partnerId: $partnerId) { version permission minCell identifiable collaborationRequired }
  dataUsage(partnerId: $partnerId, first: 20) {
    edges { node { at action principalName projectId cellsSuppressed } }
  }
}
`,
    variables: `{ "partnerId": "leeds-gp-welfare-rights" }`,
  },
  {
    query: `# STEWARD: projects waiting for approval and the audit log.
query StewardOverview {
  projects(first: 20) { edges { node { id title institution status } } }
  auditLog(first: 20) {
    edges { node { seq at role action subject projectId cellsSuppressed } }
  }
}
`,
  },
];

/** exampleTabs returns GraphiQL tab definitions carrying the same headers. */
export function exampleTabs(headers) {
  return examples.map((e) => ({ query: e.query, variables: e.variables || "", headers }));
}
