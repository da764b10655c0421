// The portal's fixed wording: DUO codes in plain words (names from the GA4GH
// Data Use Ontology, internal/reference/duo_codes.csv), what to do after each
// error code, and the roles' names.

export const DUO = {
  NRES: { name: "no restriction", plain: "Any use of the pooled figures, research or not, subject to the other conditions you tick." },
  GRU: { name: "general research use", plain: "Any research project may use your figures (health research and social, economic or legal research alike)." },
  HMB: { name: "health, medical or biomedical research", plain: "Only projects whose purpose is health, medical or biomedical research; general social research is refused." },
  NCU: { name: "non-commercial use only", plain: "Projects that intend commercial use of the results are refused." },
  NPU: { name: "not-for-profit organisation use only", plain: "Only researchers at not-for-profit organisations (universities, charities, the NHS)." },
  IRB: { name: "ethics approval required", plain: "A project must give an ethics approval reference before it can use your figures." },
  GS: { name: "geographical restriction", plain: "Only researchers at institutions in the countries you list (two-letter codes: GB, US)." },
  MOR: { name: "publication moratorium", plain: "Projects may use your figures but must not publish results that include them before this date." },
  IS: { name: "institution specific restriction", plain: "Only researchers at the institutions you name, written as the projects give them." },
  TS: { name: "time limit on use", plain: "Your figures stop being shared on this date unless you renew the policy." },
  PUB: { name: "publication required", plain: "Only projects that commit to publishing their results." },
  COL: { name: "collaboration required", plain: "Each project needs your own approval first: it waits in your collaboration requests until you approve or refuse it." },
};

// ERROR_HELP says what to do next after an error, by its extensions.code.
export const ERROR_HELP = {
  UNAUTHENTICATED: "Sign in again with your token; if it is refused, ask your data steward for a new one.",
  FORBIDDEN: "Your role cannot do this. Ask your data steward if you think it should.",
  INVALID: "Correct what the message names and try again.",
  NOT_FOUND: "It may have been removed, or belong to someone else: reload the page.",
  CONFLICT: "Reload the page to see the current state, then try again.",
  RATE_LIMITED: "Too many requests: wait a minute, then try again.",
  UNAVAILABLE: "The service is busy or restarting: try again in a few minutes.",
  INTERNAL: "Something went wrong on the server. Try again; if it happens again, tell your data steward the time it happened.",
};

export const ROLE_NAMES = {
  STEWARD: "data steward",
  PARTNER_ADMIN: "partner admin",
  PARTNER_UPLOADER: "partner uploader",
  RESEARCHER: "researcher",
  DASHBOARD: "dashboard",
};
