// The partner and steward portal (docs/PORTAL.md): the tasks of partner data
// leads, information-governance leads and stewards, through the public GraphQL
// API only. The token is pasted once and exchanged for a session cookie the page
// cannot read (HttpOnly); every request carries the session's CSRF value in the
// X-CSRF-Token header. Every text from the server is set with textContent, never
// parsed as HTML.
import { Chart, BarController, BarElement, CategoryScale, Legend, LinearScale, Tooltip } from "chart.js";
import "./portal.css";
// The portal's fixed wording, in one file with the dashboard's (words.json): DUO
// codes in plain words (names from the GA4GH Data Use Ontology,
// internal/reference/duo_codes.csv), what to do after each error code, the roles'
// names, and the consent bases in words.
import { duo as DUO, errorHelp as ERROR_HELP, roleNames as ROLE_NAMES, consent as CONSENT } from "./words.json";

Chart.register(BarController, BarElement, CategoryScale, Legend, LinearScale, Tooltip);

const $ = (sel) => document.querySelector(sel);

// el builds an element: el("td", { class: "num" }, "12", otherNode).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "class") e.className = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

let session = null; // { csrfToken, expiresAt, principal: { name, role, partnerId } }

// ApiError is an error the person can act on: what happened and what to do next.
class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function explain(err) {
  if (err instanceof ApiError) {
    const help = ERROR_HELP[err.code] || ERROR_HELP.INTERNAL;
    const what = err.message.charAt(0).toUpperCase() + err.message.slice(1).replace(/\.$/, "");
    return `${what}. ${help}`;
  }
  return `The page could not reach the server (${err.message}). Check your network connection and try again.`;
}

function show(message, kind = "error") {
  const m = $("#message");
  m.textContent = message;
  m.className = kind;
}

function clearMessage() {
  show("", "");
}

async function readBody(r) {
  try {
    return await r.json();
  } catch {
    throw new ApiError("INTERNAL", `The server answered ${r.status} without a readable message`);
  }
}

function firstError(body) {
  const e = body.errors[0];
  return new ApiError((e.extensions && e.extensions.code) || "INTERNAL", e.message);
}

// gql sends one GraphQL operation with the session cookie and CSRF header.
async function gql(query, variables) {
  const r = await fetch("/graphql", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": session ? session.csrfToken : "" },
    body: JSON.stringify({ query, variables }),
  });
  const body = await readBody(r);
  if (r.status === 401) {
    signedOut();
    throw firstError(body);
  }
  if (body.errors && body.errors.length) throw firstError(body);
  return body.data;
}

// upload sends a CSV with the GraphQL multipart request spec through
// XMLHttpRequest, whose upload events give the progress bar its figures.
function upload(file, consentBasis, dryRun, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append("operations", JSON.stringify({ query: UPLOAD, variables: { file: null, basis: consentBasis, dry: dryRun } }));
    form.append("map", JSON.stringify({ 0: ["variables.file"] }));
    form.append("0", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/graphql");
    xhr.setRequestHeader("Apollo-Require-Preflight", "true");
    xhr.setRequestHeader("X-CSRF-Token", session.csrfToken);
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (e) => e.lengthComputable && onProgress(e.loaded / e.total));
    xhr.addEventListener("load", () => {
      const body = xhr.response;
      if (!body) return reject(new ApiError("INTERNAL", `The server answered ${xhr.status} without a readable message`));
      if (xhr.status === 401) signedOut();
      if (body.errors && body.errors.length) return reject(firstError(body));
      resolve(body.data.uploadSubmission);
    });
    xhr.addEventListener("error", () => reject(new Error("the upload was interrupted")));
    xhr.send(form);
  });
}

const SUBMISSION_FIELDS = `id status rowCount sha256 consentBasis receivedAt periodStart periodEnd retractedReason
  supersedes { id receivedAt } supersededBy { id receivedAt }`;

const UPLOAD = `mutation PortalUpload($file: Upload!, $basis: ConsentBasis!, $dry: Boolean) {
  uploadSubmission(file: $file, consentBasis: $basis, dryRun: $dry) {
    accepted issueCount issues { row column code message } submission { ${SUBMISSION_FIELDS} }
  }
}`;

// ---- pages and roles ----

const PAGES = {
  upload: { title: "Upload figures", roles: ["PARTNER_UPLOADER", "PARTNER_ADMIN"], render: renderUpload },
  history: { title: "Submission history", roles: ["PARTNER_UPLOADER", "PARTNER_ADMIN"], render: renderHistory },
  policy: { title: "Sharing policy", roles: ["PARTNER_ADMIN"], render: renderPolicy },
  requests: { title: "Collaboration requests", roles: ["PARTNER_ADMIN"], render: renderRequests },
  usage: { title: "Who used our data", roles: ["PARTNER_ADMIN"], render: renderUsage },
  projects: { title: "Projects", roles: ["STEWARD"], render: renderProjects },
  partners: { title: "Partners", roles: ["STEWARD"], render: renderPartners },
  tokens: { title: "Tokens", roles: ["STEWARD"], render: renderTokens },
  audit: { title: "Audit log", roles: ["STEWARD"], render: renderAudit },
};

function pagesFor(role) {
  return Object.entries(PAGES).filter(([, p]) => p.roles.includes(role));
}

function currentRoute() {
  return location.hash.replace(/^#\/?/, "");
}

// route draws the page the hash names; data-ready on #page says which page
// has finished loading (tests and screen readers' live region wait for it).
async function route() {
  clearMessage();
  if (!session) return;
  const pageEl = $("#page");
  pageEl.removeAttribute("data-ready");
  try {
    await draw();
  } finally {
    pageEl.setAttribute("data-ready", currentRoute() || "none");
  }
}

async function draw() {
  const mine = pagesFor(session.principal.role);
  const nav = $("#nav ul");
  nav.replaceChildren(
    ...mine.map(([id, p]) => el("li", {}, el("a", { href: "#" + id, "aria-current": currentRoute() === id ? "page" : null }, p.title))),
  );
  $("#nav").hidden = mine.length === 0;
  const page = $("#page");
  page.hidden = false;
  if (mine.length === 0) {
    page.replaceChildren(
      el("h2", {}, "Nothing here for your role"),
      el("p", {}, `The portal is for partners and stewards. You are signed in as ${ROLE_NAMES[session.principal.role] || session.principal.role}: ` +
        "researchers use the playground (/playground) and dashboard tokens the dashboard (/dashboard). Sign out to use another token."),
    );
    return;
  }
  let id = currentRoute();
  if (!id) {
    location.replace("#" + mine[0][0]);
    return;
  }
  const p = PAGES[id];
  if (!p) {
    page.replaceChildren(el("h2", {}, "No such page"), el("p", {}, "Choose a page from the menu above."));
    return;
  }
  if (!p.roles.includes(session.principal.role)) {
    page.replaceChildren(
      el("h2", {}, "Not available to your role"),
      el("p", { class: "refused" }, `“${p.title}” is for ${p.roles.map((r) => ROLE_NAMES[r]).join(" and ")} only; you are signed in as ` +
        `${ROLE_NAMES[session.principal.role]}. Choose one of your pages from the menu, or sign out and sign in with the right token.`),
    );
    return;
  }
  document.title = `${p.title}: hjx portal`;
  page.replaceChildren(el("h2", { id: "page-title" }, p.title));
  try {
    await p.render(page);
  } catch (err) {
    show(explain(err));
  }
}

// ---- sign-in ----

async function startSession() {
  const r = await fetch("/session", { credentials: "same-origin" });
  const body = await readBody(r);
  if (!r.ok) throw firstError(body);
  return body.signedIn ? body : null;
}

function signedIn(info) {
  session = info;
  $("#sign-in").hidden = true;
  const who = $("#who");
  who.hidden = false;
  who.textContent = `${session.principal.name} · ${ROLE_NAMES[session.principal.role] || session.principal.role}` +
    (session.principal.partnerId ? ` of ${session.principal.partnerId}` : "");
  $("#sign-out").hidden = false;
  route();
}

function signedOut(message) {
  session = null;
  $("#who").hidden = true;
  $("#sign-out").hidden = true;
  $("#nav").hidden = true;
  $("#page").hidden = true;
  $("#page").replaceChildren();
  $("#sign-in").hidden = false;
  if (message) show(message, "info");
}

async function signIn(e) {
  e.preventDefault();
  clearMessage();
  const input = $("#token");
  const r = await fetch("/session", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token: input.value.trim() }),
  }).catch((err) => err);
  if (r instanceof Error) return show(explain(r));
  const body = await readBody(r).catch((err) => err);
  if (body instanceof Error) return show(explain(body));
  input.value = "";
  if (r.status === 401) {
    // The server's words already say what to do (check the token, or ask for a new one).
    const m = firstError(body).message;
    return show(m.charAt(0).toUpperCase() + m.slice(1) + ".");
  }
  if (!r.ok) return show(explain(firstError(body)));
  signedIn(body);
}

async function signOut() {
  const r = await fetch("/session", { method: "DELETE", credentials: "same-origin", headers: { "X-CSRF-Token": session.csrfToken } }).catch((e) => e);
  if (r instanceof Error) return show(explain(r));
  if (!r.ok && r.status !== 401) return show(explain(firstError(await readBody(r))));
  signedOut("You are signed out. The token still works: sign in again to continue.");
}

// ---- shared pieces ----

function table(headers, rows, opts = {}) {
  return el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": opts.label || "table" },
    el("table", {},
      opts.caption ? el("caption", {}, opts.caption) : null,
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows.length ? rows : el("tr", {}, el("td", { colspan: headers.length }, opts.empty || "Nothing yet.")))));
}

function td(v, cls) {
  return el("td", { class: cls }, v == null || v === "" ? "—" : v);
}

function csvCell(v) {
  const s = v == null ? "" : String(v);
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

function download(name, text, type = "text/csv") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function date(v) {
  return v ? String(v).slice(0, 10) : "";
}

function when(v) {
  return v ? new Date(v).toISOString().replace("T", " ").slice(0, 16) + " UTC" : "";
}

function field(label, control, hint) {
  const id = control.id || "f-" + Math.random().toString(36).slice(2);
  control.id = id;
  return el("div", { class: "field" }, el("label", { for: id }, label), control, hint ? el("p", { class: "hint" }, hint) : null);
}

async function busy(button, fn) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    clearMessage();
    await fn();
  } catch (err) {
    show(explain(err));
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

// ---- partner: upload ----

const TEMPLATE_HEADER = "metric,period_start,period_end,value,n,welfare_domain,ihelp_category,health_setting,age_band,sex,deprivation_scheme,deprivation_value,sd,currency";

// exampleFor builds an example file that the partner's own registration
// accepts (its health settings, advice domains and currency).
function exampleFor(partner) {
  const setting = partner.healthSettings[0] || "";
  const domain = partner.adviceDomains[0] || "";
  const currency = partner.country === "US" ? "USD" : "GBP";
  const rows = [
    `PATIENTS_SCREENED,2021-01-01,2021-03-31,412,,,,${setting},,,,,,`,
    `PATIENTS_REFERRED,2021-01-01,2021-03-31,97,,,,${setting},,,,,,`,
    "CLIENTS_ADVISED,2021-01-01,2021-03-31,81,,,,,,,,,,",
    "CLIENTS_ADVISED,2021-01-01,2021-03-31,43,,,,,,FEMALE,,,,",
    `ISSUES_BY_DOMAIN,2021-01-01,2021-03-31,64,,${domain},,,,,,,,`,
    `FINANCIAL_GAIN,2021-01-01,2021-03-31,183420.50,44,,,,,,,,,${currency}`,
  ];
  return [TEMPLATE_HEADER, ...rows].join("\n") + "\n";
}

async function renderUpload(page) {
  const { partner } = await gql(`query PortalPartner($id: ID!) { partner(id: $id) { id name country healthSettings adviceDomains } }`,
    { id: session.principal.partnerId });
  let file = null;
  let checked = null; // the file whose dry run passed
  const input = el("input", { id: "file", type: "file", accept: ".csv,text/csv" });
  const chosen = el("p", { id: "chosen", "aria-live": "polite" }, "No file chosen yet.");
  const choose = (f) => {
    file = f;
    checked = null;
    store.disabled = true;
    chosen.textContent = f ? `Chosen: ${f.name} (${(f.size / 1024).toFixed(1)} KiB)` : "No file chosen yet.";
    result.replaceChildren();
  };
  input.addEventListener("change", () => choose(input.files[0] || null));
  const drop = el("div", { class: "drop", id: "drop" },
    el("p", {}, "Drag a CSV file here, or "),
    el("label", { for: "file", class: "button-like" }, "choose a file"), input, chosen);
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files.length) choose(e.dataTransfer.files[0]);
  });
  const basis = el("select", { id: "basis" }, Object.entries(CONSENT).map(([v, t]) => el("option", { value: v }, t)));
  if (partner.country === "US") basis.value = "HIPAA_SAFE_HARBOR";
  const progress = el("progress", { id: "progress", max: "1", value: "0", hidden: true, "aria-label": "Upload progress" });
  const result = el("div", { id: "result" });
  const check = el("button", { type: "button", id: "dry-run" }, "Check the file (dry run)");
  const store = el("button", { type: "button", id: "store", disabled: true }, "Store the figures");
  const send = async (dryRun) => {
    if (!file) throw new ApiError("INVALID", "Choose a CSV file first");
    progress.hidden = false;
    progress.value = 0;
    const res = await upload(file, basis.value, dryRun, (f) => { progress.value = f; });
    progress.value = 1;
    return res;
  };
  check.addEventListener("click", () => busy(check, async () => {
    const res = await send(true);
    if (res.accepted) {
      checked = file;
      store.disabled = false;
      result.replaceChildren(el("p", { class: "ok", role: "status" }, "The file passed every check. Store it when you are ready."));
    } else {
      result.replaceChildren(issuesView(res));
    }
  }));
  store.addEventListener("click", () => busy(store, async () => {
    if (checked !== file) throw new ApiError("INVALID", "Check the file (dry run) before storing it");
    const res = await send(false);
    if (!res.accepted) return result.replaceChildren(issuesView(res));
    store.disabled = true;
    result.replaceChildren(el("div", { class: "ok", role: "status" },
      el("p", {}, `Stored: ${res.submission.rowCount} rows, covering ${date(res.submission.periodStart)} to ${date(res.submission.periodEnd)}.`),
      el("p", {}, el("a", { href: "#history" }, "See it in the submission history"))));
  }));
  page.append(
    el("p", {}, `Upload ${partner.name}'s figures as a CSV file. Check it first: nothing is stored by a check, and every problem is listed by row and column.`),
    el("p", { class: "downloads" },
      el("a", { href: "/templates/observations.csv", download: "observations.csv" }, "Download the empty template"), " · ",
      el("button", { type: "button", class: "link", id: "example", onclick: () => download("observations-example.csv", exampleFor(partner)) },
        "Download an example for your service")),
    drop,
    field("Consent basis of these figures", basis, "The legal basis under which your service shares them."),
    el("div", { class: "actions" }, check, store),
    progress,
    result,
  );
}

// issuesView lists a rejected file's issues, filterable and downloadable. The
// API never repeats a cell's value, so neither does this table.
function issuesView(res) {
  const filter = el("input", { id: "issue-filter", type: "search", placeholder: "e.g. DATE_INVALID or period_start" });
  const body = el("tbody");
  const count = el("p", { role: "status", id: "issue-count" });
  const draw = () => {
    const q = filter.value.trim().toLowerCase();
    const shown = res.issues.filter((i) => !q || [i.code, i.column, String(i.row ?? ""), i.message].some((v) => (v || "").toLowerCase().includes(q)));
    body.replaceChildren(...shown.map((i) => el("tr", {}, td(i.row ?? "whole file", "num"), td(i.column), td(i.code), td(i.message))));
    count.textContent = `${shown.length} of ${res.issues.length} issues shown` +
      (res.issueCount > res.issues.length ? ` (the file has ${res.issueCount} in all; fix these and check again to see the rest)` : "") + ".";
  };
  filter.addEventListener("input", draw);
  draw();
  const csv = () => download("issues.csv", ["row,column,code,message",
    ...res.issues.map((i) => [i.row, i.column, i.code, i.message].map(csvCell).join(","))].join("\n") + "\n");
  return el("div", { class: "issues" },
    el("p", { class: "error" }, "The file was not accepted. Fix the rows below in your spreadsheet, save it as CSV UTF-8, and check it again. Row numbers are the spreadsheet's (the header is row 1)."),
    el("div", { class: "actions" }, field("Filter the issues", filter), el("button", { type: "button", id: "issues-csv", onclick: csv }, "Download the issues (CSV)")),
    count,
    el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Issues" },
      el("table", { id: "issues" }, el("thead", {}, el("tr", {}, ["Row", "Column", "Code", "What to fix"].map((h) => el("th", { scope: "col" }, h)))), body)));
}

// ---- partner: history ----

async function renderHistory(page) {
  const data = await gql(`query PortalHistory($p: ID) { submissions(partnerId: $p, first: 100) { totalCount edges { node { ${SUBMISSION_FIELDS} } } } }`,
    { p: session.principal.partnerId });
  const subs = data.submissions.edges.map((e) => e.node);
  const detail = el("section", { id: "detail", "aria-live": "polite" });
  const admin = session.principal.role === "PARTNER_ADMIN";
  const rows = subs.map((s) => el("tr", { "data-id": s.id },
    td(when(s.receivedAt)), td(s.status), td(s.rowCount, "num"),
    td(s.periodStart ? `${date(s.periodStart)} to ${date(s.periodEnd)}` : ""),
    td(s.supersededBy.map((x) => when(x.receivedAt)).join(", ")),
    td(s.retractedReason),
    el("td", {}, el("button", { type: "button", class: "small", onclick: () => showSubmission(detail, s, admin) }, "Summary"))));
  page.append(
    el("p", {}, `${data.submissions.totalCount} submissions, newest first. Choose “Summary” for one submission's details` +
      (admin ? " and to retract it." : ".")),
    table(["Received", "Status", "Rows", "Period covered", "Superseded by", "Retracted because", ""], rows,
      { label: "Submissions", empty: "No submissions yet: upload your first file." }),
    detail);
}

function showSubmission(detail, s, admin) {
  const list = el("dl", {});
  for (const [k, v] of [["Submission", s.id], ["Received", when(s.receivedAt)], ["Status", s.status], ["Rows stored", s.rowCount],
    ["Period covered", s.periodStart ? `${date(s.periodStart)} to ${date(s.periodEnd)}` : "none"],
    ["Consent basis", CONSENT[s.consentBasis] || s.consentBasis], ["File SHA-256", s.sha256],
    ["Replaces figures of", s.supersedes.map((x) => when(x.receivedAt)).join(", ") || "none"],
    ["Figures replaced by", s.supersededBy.map((x) => when(x.receivedAt)).join(", ") || "none"],
    ["Retracted because", s.retractedReason || "not retracted"]]) {
    list.append(el("dt", {}, k), el("dd", {}, String(v)));
  }
  const parts = [el("h3", { tabindex: "-1", id: "detail-title" }, `Submission of ${when(s.receivedAt)}`), list];
  if (admin && s.status !== "RETRACTED" && s.status !== "REJECTED") {
    const reason = el("textarea", { id: "reason", rows: "2", required: true, maxlength: "500" });
    const btn = el("button", { type: "submit", id: "retract" }, "Retract this submission");
    const form = el("form", { id: "retract-form" },
      field("Reason for retracting (kept in the audit log; no personal data)", reason,
        "Its figures leave every later output at once; the submission itself is kept for audit."), btn);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      busy(btn, async () => {
        await gql(`mutation PortalRetract($id: ID!, $r: String!) { retractSubmission(id: $id, reason: $r) { id status } }`,
          { id: s.id, r: reason.value.trim() });
        await route();
        show("The submission is retracted: its figures are no longer in any output.", "ok");
      });
    });
    parts.push(form);
  }
  detail.replaceChildren(...parts);
  $("#detail-title").focus();
}

// ---- partner admin: sharing policy ----

const POLICY_FIELDS = `version permission nonCommercialOnly notForProfitOnly allowedCountries allowedInstitutions allowedProjects
  expiresAt ethicsApprovalRequired collaborationRequired publicationRequired moratoriumUntil minCell identifiable createdAt`;

async function renderPolicy(page) {
  const pid = session.principal.partnerId;
  const { sharingPolicy: pol } = await gql(`query PortalPolicy($p: ID!) { sharingPolicy(partnerId: $p) { ${POLICY_FIELDS} } }`, { p: pid });
  const cur = pol || { permission: "GRU", minCell: 10 };
  const perm = el("select", { id: "permission" }, ["GRU", "HMB", "NRES"].map((c) => el("option", { value: c }, `${c}: ${DUO[c].name}`)));
  perm.value = cur.permission;
  const checks = {};
  const box = (name, code) => {
    const c = el("input", { type: "checkbox", id: "pol-" + name });
    c.checked = !!cur[name];
    checks[name] = c;
    return el("div", { class: "check" }, c, el("label", { for: c.id }, el("strong", {}, `${code}: ${DUO[code].name}. `), DUO[code].plain));
  };
  const countries = el("input", { id: "countries", value: (cur.allowedCountries || []).join(", "), placeholder: "GB, US" });
  const minCell = el("input", { id: "min-cell", type: "number", min: "1", value: String(cur.minCell ?? 10) });
  const institutions = el("input", { id: "institutions", value: (cur.allowedInstitutions || []).join("; "), placeholder: "University of Leeds; University of York" });
  const expires = el("input", { id: "expires", type: "date", value: date(cur.expiresAt) });
  const moratorium = el("input", { id: "moratorium", type: "date", value: date(cur.moratoriumUntil) });
  const input = () => ({
    permission: perm.value,
    nonCommercialOnly: checks.nonCommercialOnly.checked,
    notForProfitOnly: checks.notForProfitOnly.checked,
    ethicsApprovalRequired: checks.ethicsApprovalRequired.checked,
    collaborationRequired: checks.collaborationRequired.checked,
    publicationRequired: checks.publicationRequired.checked,
    identifiable: checks.identifiable.checked,
    allowedCountries: countries.value.trim() ? countries.value.split(/[\s,]+/).filter(Boolean).map((c) => c.toUpperCase()) : null,
    allowedInstitutions: institutions.value.trim() ? institutions.value.split(";").map((x) => x.trim()).filter(Boolean) : null,
    // Project-specific grants (PS) are kept as they are: the steward sets them.
    allowedProjects: cur.allowedProjects || null,
    expiresAt: expires.value || null,
    minCell: Number(minCell.value),
    moratoriumUntil: moratorium.value || null,
  });
  const preview = el("section", { id: "preview", "aria-live": "polite" });
  const previewBtn = el("button", { type: "button", id: "preview-btn" }, "Preview the effect");
  const save = el("button", { type: "submit", id: "save-policy" }, "Save the policy");
  previewBtn.addEventListener("click", () => busy(previewBtn, async () => {
    const { previewSharingPolicy: changes } = await gql(`query PortalPreview($p: ID!, $in: SharingPolicyInput!) {
      previewSharingPolicy(partnerId: $p, input: $in) { project { id title institution } before after reasons { code message } } }`,
    { p: pid, in: input() });
    preview.replaceChildren(el("h3", {}, "Projects whose decision would change"),
      changes.length ? table(["Project", "Institution", "Now", "After saving", "Why"], changes.map((c) => el("tr", {},
        td(c.project.title), td(c.project.institution), td(c.before), td(c.after), td(c.reasons.map((r) => r.message).join("; ")))),
      { label: "Decision changes" }) : el("p", { role: "status" }, "No current project would change decision."));
  }));
  const form = el("form", { id: "policy-form" },
    el("p", {}, pol ? `Version ${pol.version}, set ${when(pol.createdAt)}. Saving makes a new version; earlier ones stay on record.` :
      "No sharing policy yet: until you set one, no project can use your figures."),
    field("Data use permission", perm, DUO[cur.permission].plain),
    el("fieldset", {}, el("legend", {}, "Conditions (DUO modifiers)"),
      box("nonCommercialOnly", "NCU"), box("notForProfitOnly", "NPU"), box("ethicsApprovalRequired", "IRB"),
      box("collaborationRequired", "COL"), box("publicationRequired", "PUB")),
    field("Only researchers in these countries (GS); blank for anywhere", countries, DUO.GS.plain),
    field("Only researchers at these institutions (IS), separated by semicolons; blank for any", institutions, DUO.IS.plain),
    field("Sharing ends on (TS); blank for no end", expires, DUO.TS.plain),
    field("Publication moratorium until (MOR); blank for none", moratorium, DUO.MOR.plain),
    field("Smallest cell shown (min cell)", minCell, "Counts below this are suppressed in every output that includes your figures."),
    el("div", { class: "check" }, (() => { const c = el("input", { type: "checkbox", id: "pol-identifiable" }); c.checked = !!cur.identifiable; checks.identifiable = c; return c; })(),
      el("label", { for: "pol-identifiable" }, "Your service may be named in outputs (identifiable).")),
    el("div", { class: "actions" }, previewBtn, save));
  perm.addEventListener("change", () => {
    perm.parentElement.querySelector(".hint").textContent = DUO[perm.value].plain;
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(save, async () => {
      const { setSharingPolicy: p } = await gql(`mutation PortalSetPolicy($p: ID!, $in: SharingPolicyInput!) { setSharingPolicy(partnerId: $p, input: $in) { version } }`,
        { p: pid, in: input() });
      show(`Saved as version ${p.version}. It applies to every query from now on.`, "ok");
    });
  });
  page.append(form, preview);
}

// ---- partner admin: COL requests ----

async function renderRequests(page) {
  const pid = session.principal.partnerId;
  const { projects } = await gql(`query PortalProjects { projects(first: 100) { edges { node { id title institution purpose ethicsApprovalRef status } } } }`);
  const open = projects.edges.map((e) => e.node).filter((p) => p.status === "APPROVED" || p.status === "PROPOSED");
  const rows = [];
  for (const p of open) {
    const { accessDecisions } = await gql(`query PortalDecisions($id: ID!) { accessDecisions(projectId: $id) { partner { id } decision reasons { code } } }`, { id: p.id });
    const mine = accessDecisions.find((d) => d.partner.id === pid);
    if (!mine || !mine.reasons.some((r) => r.code === "COL")) continue;
    const state = el("td", {}, mine.decision === "PENDING_APPROVAL" ? "waiting for your answer" : "refused");
    const decide = (allow) => (e) => busy(e.currentTarget, async () => {
      const { decideProjectAccess: d } = await gql(`mutation PortalDecide($pr: ID!, $pa: ID!, $a: Boolean!) { decideProjectAccess(projectId: $pr, partnerId: $pa, allow: $a) { decision } }`,
        { pr: p.id, pa: pid, a: allow });
      state.textContent = d.decision === "ALLOW" ? "approved" : d.decision === "DENY" ? "refused" : d.decision.toLowerCase();
      show(`${allow ? "Approved" : "Refused"}: “${p.title}”.`, "ok");
    });
    rows.push(el("tr", {}, td(p.title), td(p.institution), td(p.purpose === "HEALTH_MEDICAL_BIOMEDICAL" ? "health, medical or biomedical" : "general research"),
      td(p.ethicsApprovalRef), state,
      el("td", { class: "buttons" }, el("button", { type: "button", class: "small", onclick: decide(true) }, "Approve"),
        el("button", { type: "button", class: "small secondary", onclick: decide(false) }, "Refuse"))));
  }
  const { sharingPolicy: pol } = await gql(`query PortalCOL($p: ID!) { sharingPolicy(partnerId: $p) { collaborationRequired } }`, { p: pid });
  page.append(el("p", {}, pol && pol.collaborationRequired
    ? "Your policy requires collaboration (COL): each project needs your approval before it can use your figures."
    : "Your policy does not require collaboration (COL), so no project waits for your approval. To approve each project yourself, tick COL on the Sharing policy page."),
    table(["Project", "Institution", "Purpose", "Ethics reference", "State", ""], rows, { label: "Collaboration requests", empty: "No project is waiting for your answer." }));
}

// ---- partner admin: data usage ----

async function renderUsage(page) {
  const pid = session.principal.partnerId;
  const { dataUsageSummary: months } = await gql(`query PortalUsage($p: ID!) { dataUsageSummary(partnerId: $p) { projectId projectTitle month queries } }`, { p: pid });
  const total = months.reduce((n, m) => n + m.queries, 0);
  const rows = months.map((m) => el("tr", {}, td(m.projectTitle || "outside any project"), td(m.month), td(m.queries, "num")));
  const canvas = el("canvas", { id: "usage-chart", role: "img", "aria-label": "Queries that included your figures, by month and project (the table below has the same figures)" });
  page.append(el("p", {}, `Every outcome query whose answer included your figures: ${total} in all, by project and month (UTC).`),
    el("div", { class: "chart-box" }, canvas),
    table(["Project", "Month", "Queries"], rows, { label: "Data usage", empty: "No query has used your figures yet." }));
  if (months.length) drawUsage(canvas, months);
}

// drawUsage charts queries by month, one stacked bar series per project.
function drawUsage(canvas, months) {
  const labels = [...new Set(months.map((m) => m.month))].sort();
  const projects = [...new Set(months.map((m) => m.projectTitle || "outside any project"))];
  const colours = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
  new Chart(canvas, {
    type: "bar",
    data: {
      labels,
      datasets: projects.map((title, i) => ({
        label: title,
        backgroundColor: colours[i % colours.length],
        data: labels.map((month) => months.filter((m) => m.month === month && (m.projectTitle || "outside any project") === title)
          .reduce((n, m) => n + m.queries, 0)),
      })),
    },
    options: { responsive: true, maintainAspectRatio: false, animation: false,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "queries" } } } },
  });
}

// ---- steward ----

async function renderProjects(page) {
  const { projects } = await gql(`query PortalAllProjects { projects(first: 100) { edges { node { id title institution status members { name role } } } } }`);
  const rows = projects.edges.map(({ node: p }) => {
    const status = td(p.status);
    const act = el("td", { class: "buttons" });
    const approve = el("button", { type: "button", class: "small" }, "Approve");
    approve.addEventListener("click", () => busy(approve, async () => {
      const { approveProject: x } = await gql(`mutation PortalApprove($id: ID!) { approveProject(id: $id) { status } }`, { id: p.id });
      status.textContent = x.status;
      show(`Approved “${p.title}”. Issue its dashboard token on the Tokens page if it needs one.`, "ok");
    }));
    const revoke = el("button", { type: "button", class: "small secondary" }, "Revoke");
    revoke.addEventListener("click", () => busy(revoke, async () => {
      const reason = prompt(`Why revoke “${p.title}”? (kept in the audit log)`);
      if (!reason) return;
      const { revokeProject: x } = await gql(`mutation PortalRevoke($id: ID!, $r: String!) { revokeProject(id: $id, reason: $r) { status } }`, { id: p.id, r: reason });
      status.textContent = x.status;
    }));
    if (p.status === "PROPOSED") act.append(approve);
    if (p.status === "APPROVED" || p.status === "PROPOSED") act.append(revoke);
    return el("tr", { "data-id": p.id }, td(p.title), td(p.institution), status, td(p.members.map((m) => m.name).join(", ")), td(p.id), act);
  });
  page.append(el("p", {}, "Researchers propose projects; you approve them, or revoke them."),
    table(["Project", "Institution", "Status", "Members", "Id", ""], rows, { label: "Projects", empty: "No projects yet." }));
}

async function renderPartners(page) {
  const { partners } = await gql(`query PortalPartners { partners(first: 100) { edges { node { id name country region model healthSettings adviceDomains } } } }`);
  const rows = partners.edges.map(({ node: p }) => el("tr", {}, td(p.id), td(p.name), td(p.country), td(p.region), td(p.model),
    td(p.healthSettings.join(", ")), td(p.adviceDomains.join(", "))));
  const inputs = {
    id: el("input", { id: "p-id", required: true, placeholder: "leeds-gp" }),
    name: el("input", { id: "p-name", required: true }),
    country: el("select", { id: "p-country" }, el("option", { value: "GB" }, "United Kingdom"), el("option", { value: "US" }, "United States")),
    region: el("input", { id: "p-region", required: true, placeholder: "GB-ENG or US-MA" }),
    healthSettings: el("input", { id: "p-settings", required: true, placeholder: "PRIMARY_CARE" }),
    adviceDomains: el("input", { id: "p-domains", required: true, placeholder: "WELFARE_BENEFITS, DEBT" }),
  };
  const btn = el("button", { type: "submit" }, "Register the partner");
  const form = el("form", { id: "partner-form" }, el("h3", {}, "Register a partner"),
    field("Id (short, lower case)", inputs.id), field("Name", inputs.name), field("Country", inputs.country), field("Region", inputs.region),
    field("Health settings (comma-separated)", inputs.healthSettings), field("Advice domains (comma-separated)", inputs.adviceDomains), btn);
  const list = (s) => s.split(/[\s,]+/).filter(Boolean).map((x) => x.toUpperCase());
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(btn, async () => {
      const country = inputs.country.value;
      await gql(`mutation PortalRegister($in: PartnerInput!) { registerPartner(input: $in) { id } }`, { in: {
        id: inputs.id.value.trim(), name: inputs.name.value.trim(), country, region: inputs.region.value.trim(),
        model: country === "US" ? "MLP" : "HJP", healthSettings: list(inputs.healthSettings.value), adviceDomains: list(inputs.adviceDomains.value) } });
      await route();
      show("Registered. Issue its partner admin and uploader tokens on the Tokens page.", "ok");
    });
  });
  page.append(table(["Id", "Name", "Country", "Region", "Model", "Health settings", "Advice domains"], rows, { label: "Partners" }), form);
}

async function renderTokens(page) {
  const inputs = {
    role: el("select", { id: "t-role" }, Object.entries(ROLE_NAMES).map(([v, t]) => el("option", { value: v }, t))),
    name: el("input", { id: "t-name", required: true }),
    partnerId: el("input", { id: "t-partner", placeholder: "for partner roles" }),
    projectId: el("input", { id: "t-project", placeholder: "for dashboard tokens" }),
    expiresAt: el("input", { id: "t-expires", type: "date" }),
  };
  const secret = el("section", { id: "secret", "aria-live": "polite" });
  const btn = el("button", { type: "submit", id: "issue" }, "Issue the token");
  const form = el("form", { id: "token-form" }, el("h3", {}, "Issue a token"),
    field("Role", inputs.role), field("Name (who or what holds it)", inputs.name), field("Partner id", inputs.partnerId),
    field("Project id", inputs.projectId), field("Expires on (blank: never)", inputs.expiresAt), btn);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(btn, async () => {
      const { issueToken: t } = await gql(`mutation PortalIssue($in: TokenInput!) { issueToken(input: $in) { id secret principal { name role } } }`, { in: {
        role: inputs.role.value, name: inputs.name.value.trim(), partnerId: inputs.partnerId.value.trim() || null,
        projectId: inputs.projectId.value.trim() || null, expiresAt: inputs.expiresAt.value ? inputs.expiresAt.value + "T00:00:00Z" : null } });
      secret.replaceChildren(el("h3", {}, "The new token"),
        el("p", {}, "Copy it now and hand it over securely: it is shown this once, and hjx keeps only its hash."),
        el("p", {}, el("code", { id: "new-secret" }, t.secret)), el("p", {}, `Token id (to revoke it): ${t.id}`));
    });
  });
  const { tokens } = await gql(`query PortalTokens { tokens(first: 200) { id name createdAt expiresAt revokedAt principal { name role } } }`);
  const rows = tokens.map((t) => {
    const state = td(t.revokedAt ? `revoked ${when(t.revokedAt)}` : t.expiresAt ? `expires ${when(t.expiresAt)}` : "valid");
    const act = el("td", { class: "buttons" });
    if (!t.revokedAt) {
      const b = el("button", { type: "button", class: "small secondary" }, "Revoke");
      b.addEventListener("click", () => busy(b, async () => {
        await gql(`mutation PortalRevokeToken($id: ID!) { revokeToken(id: $id) }`, { id: t.id });
        state.textContent = "revoked just now";
        b.remove();
        show(`Revoked “${t.name}”: it, and every session signed in with it, is refused from now on.`, "ok");
      }));
      act.append(b);
    }
    return el("tr", { "data-id": t.id }, td(t.name), td(t.principal.name), td(ROLE_NAMES[t.principal.role]), td(when(t.createdAt)), state, act);
  });
  page.append(form, secret, el("h3", {}, "Issued tokens"),
    table(["Token", "Held by", "Role", "Issued", "State", ""], rows, { label: "Tokens" }));
}

async function renderAudit(page) {
  const [{ auditChainStatus: chain }, { auditLog }] = await Promise.all([
    gql(`query PortalChain { auditChainStatus { ok entries headHash firstBadSeq problem } }`),
    gql(`query PortalAudit { auditLog(first: 500) { totalCount edges { node { seq at principalName role action subject projectId partnersIncluded } } } }`),
  ]);
  const entries = auditLog.edges.map((e) => e.node);
  const status = chain.ok
    ? el("p", { class: "ok", id: "chain" }, `The hash chain is intact: ${chain.entries} entries verified. Head hash ${chain.headHash} (keep a copy elsewhere: it reveals deleted newest entries).`)
    : el("p", { class: "error", id: "chain" }, `The hash chain is broken at entry ${chain.firstBadSeq}: ${chain.problem}. ` +
      "The log has been tampered with or damaged: stop and follow your incident procedure (docs/SECURITY.md).");
  const action = el("select", { id: "audit-action" }, el("option", { value: "" }, "every action"),
    [...new Set(entries.map((x) => x.action))].sort().map((a) => el("option", { value: a }, a)));
  const from = el("input", { id: "audit-from", type: "date" });
  const to = el("input", { id: "audit-to", type: "date" });
  const text = el("input", { id: "audit-filter", type: "search", placeholder: "person, partner, project or subject" });
  const body = el("tbody");
  const count = el("p", { role: "status" });
  const draw = () => {
    const q = text.value.trim().toLowerCase();
    const shown = entries.filter((x) => (!action.value || x.action === action.value) &&
      (!from.value || x.at.slice(0, 10) >= from.value) && (!to.value || x.at.slice(0, 10) <= to.value) &&
      (!q || [x.principalName, x.subject, x.projectId, ...x.partnersIncluded].some((v) => (v || "").toLowerCase().includes(q))));
    count.textContent = `${shown.length} of the latest ${entries.length} entries shown (${auditLog.totalCount} in the log).`;
    body.replaceChildren(...shown.map((x) => el("tr", {}, td(x.seq, "num"), td(when(x.at)), td(x.principalName),
      td(x.role), td(x.action), td(x.subject), td(x.partnersIncluded.join(", ")))));
  };
  for (const c of [action, from, to, text]) c.addEventListener("input", draw);
  draw();
  page.append(status, el("div", { class: "actions" }, field("Action", action), field("From", from), field("To", to), field("Search", text)), count,
    el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Audit log" },
      el("table", { id: "audit" }, el("thead", {}, el("tr", {}, ["Seq", "At", "Who", "Role", "Action", "Subject", "Partners included"].map((h) => el("th", { scope: "col" }, h)))), body)));
}

// ---- start ----

$("#sign-in-form").addEventListener("submit", signIn);
$("#sign-out").addEventListener("click", signOut);
addEventListener("hashchange", route);
startSession().then((info) => (info ? signedIn(info) : signedOut())).catch((err) => { signedOut(); show(explain(err)); });
