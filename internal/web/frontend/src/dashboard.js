// The international dashboard: UK and US outcomes side by side, from the
// disclosure-controlled `outcomes` query (docs/OUTCOMES.md), with a DASHBOARD
// token. Suppressed cells are gaps (never zeros) with their reason on hover. The
// `availability` catalogue decides which metrics, breakdowns and periods are
// offered, so that a viewer does not have to guess which views hold figures.
// Every text that comes from the server is set with textContent, never as HTML.
import {
  Chart,
  BarController,
  BarElement,
  CategoryScale,
  Interaction,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import "./dashboard.css";
// The operations this page sends, with their SHA-256: its trusted documents. A
// project can register them (hjx documents register) and restrict its DASHBOARD
// tokens to them; the page sends each by hash (documentId) and, where the server
// does not know the hash yet, once more with its text (the APQ protocol).
import DOCUMENTS from "../../documents/dashboard.json";
// The page's fixed wording, in one file with the portal's (words.json): the
// countries shown side by side; why a cell has no number (docs/DISCLOSURE.md: the
// API returns TOO_FEW_PARTNERS or DISCLOSURE_RISK only, the other, deprecated
// reasons are kept for older servers); why a partner or observation is left out;
// category codes that read better as words than as the code in lower case;
// reporting currencies in words (titles, axes, table headers); the breakdowns
// offered, with their result field and table header.
import {
  countries as COUNTRIES,
  suppression as SUPPRESSION,
  exclusion as EXCLUSION,
  categoryWords as WORDS,
  currency as CURRENCY,
  breakdowns as BREAKDOWNS,
} from "./words.json";

Chart.register(BarController, BarElement, CategoryScale, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip);

// The "period" interaction: the cells with a number at the x under the pointer,
// and nothing where every cell there is suppressed (Chart.js's own "index" mode
// would jump to the nearest period with a number, showing its values over a gap
// whose reason our own tip shows).
Interaction.modes.period = (chart, e) => {
  const area = chart.chartArea;
  if (e.x < area.left || e.x > area.right || e.y < area.top || e.y > area.bottom) return [];
  const index = chart.scales.x.getValueForPixel(e.x);
  const items = [];
  chart.data.datasets.forEach((d, datasetIndex) => {
    const element = chart.getDatasetMeta(datasetIndex).data[index];
    if (element && d.data[index] != null && chart.isDatasetVisible(datasetIndex)) items.push({ element, datasetIndex, index });
  });
  return items;
};

// Category order as in the schema, so charts and tables read the same way every time.
const ORDER = {
  welfareDomain: ["WELFARE_BENEFITS", "DEBT", "HEALTH_INSURANCE", "HOUSING", "UTILITIES", "EMPLOYMENT", "EDUCATION",
    "IMMIGRATION", "LEGAL_STATUS_OTHER", "COMMUNITY_CARE", "FAMILY"],
  ihelpCategory: ["INCOME_INSURANCE", "HOUSING_UTILITIES", "EDUCATION_EMPLOYMENT", "LEGAL_STATUS", "PERSONAL_FAMILY_STABILITY"],
  ageBand: ["AGE_0_17", "AGE_18_24", "AGE_25_34", "AGE_35_44", "AGE_45_54", "AGE_55_64", "AGE_65_74", "AGE_75_89", "AGE_90_PLUS"],
  sex: ["FEMALE", "MALE", "OTHER_OR_NOT_STATED"],
};

// Numbers with thousands separators, in the table and the tooltips.
const NUMBER = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 2 });

// Okabe-Ito and Tol colours: distinguishable with the common colour-vision deficiencies.
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#882255", "#44AA99",
  "#999933", "#AA4499"];


const $ = (id) => document.getElementById(id);

// availability: per metric code, the breakdowns with figures (from the
// `availability` query); null when the server could not say, and then every
// option is offered. partial: the periods of the shown table that are partial.
const state = { metrics: new Map(), charts: {}, table: null, role: "", availability: null, partial: new Set(), note: "" };

// A read-only handle for debugging from the browser console and for the browser tests.
window.hjxDashboard = {
  get charts() { return state.charts; },
  get table() { return state.table; },
};

function pretty(code) {
  if (code == null) return "";
  return String(code).toLowerCase().replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
}

// label shows a category in words: periods ("2020-Q3", a partial one marked) and
// regions ("GB-WLS") as they are, age bands as ranges ("18-24", "90+"), quintiles
// as "Q1", I-HELP categories and sex in words ("Income & insurance"), other codes
// in lower case.
function label(field, value) {
  if (value == null) return "";
  switch (field) {
    case "period":
      return state.partial.has(value) ? `${value} (partial)` : String(value);
    case "region":
      return String(value);
    case "ageBand":
      return String(value).replace(/^AGE_/, "").replace(/_PLUS$/, "+").replace("_", "-");
    case "deprivationQuintile":
      return `Q${value}`;
    case null:
      return String(value);
    default:
      return (WORDS[field] && WORDS[field][value]) || pretty(value);
  }
}

function currencyWords(code) {
  return CURRENCY[code] || code || "";
}

function say(text, isError) {
  const m = $("message");
  m.textContent = text || "";
  m.classList.toggle("error", Boolean(isError));
}

function errorText(errors) {
  return errors.map((e) => `${e.message}${e.extensions && e.extensions.code ? ` (${e.extensions.code})` : ""}`).join("; ");
}

async function post(body) {
  const res = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${$("token").value.trim()}` },
    body: JSON.stringify(body),
  });
  try {
    return await res.json();
  } catch {
    return { errors: [{ message: `the server answered HTTP ${res.status} without a GraphQL response` }] };
  }
}

// gql runs one of the page's documents by name.
async function gql(name, variables) {
  const doc = DOCUMENTS[name];
  const res = await post({ documentId: `sha256:${doc.sha256}`, variables });
  const unknown = (res.errors || []).some((e) => e.extensions && e.extensions.code === "PERSISTED_QUERY_NOT_FOUND");
  if (!unknown) return res;
  return post({ query: doc.document, variables, extensions: { persistedQuery: { version: 1, sha256Hash: doc.sha256 } } });
}

async function connect(ev) {
  ev.preventDefault();
  say("Connecting…");
  let who;
  try {
    who = await gql("DashboardWho");
  } catch (e) {
    say(`Could not reach the API: ${e.message}`, true);
    return;
  }
  if (who.errors) {
    say(errorText(who.errors), true);
    return;
  }
  state.role = who.data.me.role;
  if (state.role !== "DASHBOARD" && state.role !== "RESEARCHER") {
    say(`This token's role is ${state.role}: outcomes need a DASHBOARD (or RESEARCHER) token.`, true);
    return;
  }
  const select = $("metric");
  select.replaceChildren();
  state.metrics.clear();
  for (const m of who.data.metrics) {
    state.metrics.set(m.code, m);
    select.append(new Option(`${m.title} (${m.code})`, m.code));
  }
  if (state.metrics.has("CLIENTS_ADVISED")) select.value = "CLIENTS_ADVISED";
  $("who").textContent = `${who.data.me.name} · ${state.role}`;

  // A DASHBOARD token is bound to one project; a researcher types the project id.
  const project = await gql("DashboardProject").catch(() => ({}));
  const p = project.data && project.data.me && project.data.me.project;
  const input = $("project");
  if (p) {
    input.value = p.id;
    input.readOnly = state.role === "DASHBOARD";
    $("who").textContent += ` · ${p.title}`;
  } else {
    input.readOnly = false;
  }
  $("controls").hidden = false;
  if (input.value) await loadAvailability(input.value);
  syncOptions();
  if (input.value) {
    await load();
  } else {
    say("Enter the project id to query.");
  }
}

// loadAvailability asks which metric x breakdown x period combinations hold
// figures for the project. Where it cannot (an older server, an error), every
// option stays on offer and the page says so.
async function loadAvailability(projectId) {
  state.availability = null;
  state.note = "";
  let res;
  try {
    res = await gql("DashboardAvailability", { projectId });
  } catch (e) {
    res = { errors: [{ message: e.message }] };
  }
  if (res.errors || !res.data || !res.data.availability) {
    state.note = `Could not read which views hold figures (${errorText(res.errors || [{ message: "no data" }])}): every view is offered.`;
    say(state.note);
    return;
  }
  state.availability = new Map(res.data.availability.metrics.map((m) => [m.metric.code, m.breakdowns]));
}

// shapeOf is the breakdown shape (availability's dimensions) a choice of the
// "break down by" list needs: none for totals and regions (a partner's region
// comes from the directory), else the one dimension.
function shapeOf(breakdown) {
  return breakdown === "" || breakdown === "REGION" ? [] : [breakdown];
}

function breakdownFor(metricCode, breakdown) {
  const shapes = state.availability && state.availability.get(metricCode);
  if (!shapes) return null;
  const want = shapeOf(breakdown);
  return shapes.find((b) => b.dimensions.length === want.length && want.every((d) => b.dimensions.includes(d))) || null;
}

function plural(n, word) {
  return `${NUMBER.format(n)} ${word}${n === 1 ? "" : "s"}`;
}

// setOffered enables or hides an option, keeping its own words in data-text.
function setOffered(option, offered, note) {
  if (option.dataset.text == null) option.dataset.text = option.textContent;
  option.disabled = !offered;
  option.hidden = !offered;
  option.textContent = note ? `${option.dataset.text} (${note})` : option.dataset.text;
}

// firstOffered moves a select off an option that is no longer offered.
function firstOffered(select) {
  const current = select.options[select.selectedIndex];
  if (current && !current.disabled) return;
  const next = [...select.options].find((o) => !o.disabled);
  if (next) select.value = next.value;
}

// syncOptions offers only the metrics, breakdowns and periods that hold figures
// for the project (every one when availability is unknown), with the number of
// partners that give figures at each breakdown.
function syncOptions() {
  const metricSelect = $("metric");
  const known = state.availability != null;
  for (const o of metricSelect.options) {
    const shapes = known ? state.availability.get(o.value) || [] : null;
    if (o.dataset.text == null) o.dataset.text = o.textContent;
    o.disabled = known && shapes.length === 0;
    o.textContent = o.disabled ? `${o.dataset.text}: no figures` : o.dataset.text;
  }
  firstOffered(metricSelect);
  const metric = metricSelect.value;
  for (const o of $("breakdown").options) {
    if (!known) {
      setOffered(o, true, "");
      continue;
    }
    const b = breakdownFor(metric, o.value);
    setOffered(o, Boolean(b), b ? plural(b.partners, "partner") : "");
  }
  firstOffered($("breakdown"));
  const b = known ? breakdownFor(metric, $("breakdown").value) : null;
  for (const o of $("time").options) {
    setOffered(o, !known || o.value === "" || Boolean(b && b.granularities.includes(o.value)), "");
  }
  firstOffered($("time"));
  const m = state.metrics.get(metric);
  $("currency").disabled = !m || m.kind !== "AMOUNT";
}

async function load(ev) {
  if (ev) ev.preventDefault();
  const metric = state.metrics.get($("metric").value);
  const projectId = $("project").value.trim();
  if (!metric || !projectId) {
    say("Choose a metric and a project.", true);
    return;
  }
  const time = $("time").value;
  const breakdown = $("breakdown").value;
  const groupBy = ["COUNTRY"];
  if (time) groupBy.push(time);
  if (breakdown) groupBy.push(breakdown);
  const query = { metric: metric.code, groupBy, countries: COUNTRIES.map((c) => c.code) };
  if (metric.kind === "AMOUNT") query.currency = $("currency").value;
  say("Loading…");
  let res;
  try {
    res = await gql("DashboardOutcomes", { projectId, query });
  } catch (e) {
    say(`Could not reach the API: ${e.message}`, true);
    return;
  }
  if (res.errors || !res.data) {
    say(errorText(res.errors || [{ message: "no data" }]), true);
    return;
  }
  const view = { time, breakdown: BREAKDOWNS[breakdown] || null, metric: res.data.outcomes.metric || metric, groupBy };
  render(res.data.outcomes, view);
  say(state.note || "");
}

// plotted is the number a cell contributes to a chart: a percentage for
// proportions, the value otherwise; null (a gap) when suppressed or missing.
function plotted(row, kind) {
  if (!row || row.suppressed || row.value == null) return null;
  if (kind === "PROPORTION") {
    if (row.rate != null) return row.rate * 100;
    return row.n ? (row.value / row.n) * 100 : null;
  }
  return row.value;
}

function compareBy(field) {
  const order = ORDER[field];
  return (a, b) => {
    if (order) return order.indexOf(a) - order.indexOf(b);
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a).localeCompare(String(b));
  };
}

// emptyReason says why a view has no figure to draw, or "" when it has some.
function emptyReason(table, rows) {
  if (rows.some((r) => !r.suppressed && r.value != null)) return "";
  const rules = table.coverage.partnersExcluded.filter((p) => !p.reasons.every((r) => r.code in EXCLUSION)).length;
  const noFigures = table.coverage.partnersExcluded.length - rules;
  if (rows.length === 0) {
    const why = [
      noFigures && `${plural(noFigures, "partner")} ${noFigures === 1 ? "has" : "have"} no figures at this breakdown and period`,
      rules && `${plural(rules, "partner")} ${rules === 1 ? "is" : "are"} left out by ${rules === 1 ? "its" : "their"} sharing rules`,
    ].filter(Boolean);
    return `no partner's figures fit this breakdown and period${why.length ? ` (${why.join("; ")})` : ""}. Try another breakdown or a coarser period.`;
  }
  const reasons = table.disclosure.byReason.map((r) => `${NUMBER.format(r.count)} because ${SUPPRESSION[r.reason] || pretty(r.reason)}`);
  return `every cell of this view is suppressed by disclosure control${reasons.length ? ` (${reasons.join("; ")})` : ""}. ` +
    "Fewer breakdowns (by year, or no breakdown) pool more partners per cell.";
}

function render(table, view) {
  const kind = view.metric.kind;
  const rows = table.rows.filter((r) => COUNTRIES.some((c) => c.code === r.country));
  state.partial = new Set(table.partialPeriods || []);
  const seriesField = view.breakdown ? view.breakdown.field : null;
  // x axis: periods over time, else the breakdown's categories (or one bar).
  const xField = view.time ? "period" : seriesField;
  const labels = xField ? [...new Set(rows.map((r) => r[xField]))].sort(compareBy(xField)) : ["All"];
  const series = view.time && seriesField ? [...new Set(rows.map((r) => r[seriesField]))].sort(compareBy(seriesField)) : [null];

  const values = rows.map((r) => plotted(r, kind)).filter((v) => v != null);
  const yRange = values.length ? { suggestedMin: Math.min(0, ...values), suggestedMax: Math.max(0, ...values) } : {};
  const unit = kind === "PROPORTION" ? "%" : kind === "AMOUNT" ? currencyWords(table.currency) : view.metric.unit;
  // Charts measure their container when built: show the section first.
  $("result").hidden = false;

  // An empty view says so, and why, at the top: no blank axes.
  const empty = emptyReason(table, rows);
  $("empty").textContent = empty ? `No figures for this view: ${empty}` : "";
  $("empty").hidden = !empty;
  $("charts").hidden = Boolean(empty);
  $("charts-note").hidden = Boolean(empty);
  const partial = [...state.partial].sort();
  $("partial-note").textContent = partial.length
    ? `${partial.join(", ")} ${partial.length === 1 ? "is" : "are"} partial: figures for fewer than all ${view.time === "YEAR" ? "four quarters" : "periods"} (marked "(partial)").`
    : "";
  $("partial-note").hidden = !partial.length;

  for (const c of COUNTRIES) {
    if (empty) {
      if (state.charts[c.code]) state.charts[c.code].destroy();
      delete state.charts[c.code];
      continue;
    }
    const mine = rows.filter((r) => r.country === c.code);
    const cell = (x, s) => mine.find((r) => (!xField || r[xField] === x) && (s == null || r[seriesField] === s));
    const gaps = [];
    const datasets = series.map((s, i) => {
      const colour = PALETTE[i % PALETTE.length];
      const data = labels.map((x, index) => {
        const r = cell(x, s);
        if (r && r.suppressed) gaps.push({ index, series: s, reason: r.suppression, colour });
        return plotted(r, kind);
      });
      // A category with neither a number nor a gap in this country stays out of
      // its legend (its colour stays the same in the other country's chart).
      const empty = data.every((v) => v == null) && !gaps.some((g) => g.series === s);
      return { label: s == null ? c.name : label(seriesField, s), data, empty, borderColor: colour, backgroundColor: colour, spanGaps: false, pointRadius: 3 };
    });
    drawChart(c, view.time ? "line" : "bar", labels.map((l) => label(xField, l)), datasets, gaps, yRange, unit, seriesField);
  }

  $("title").textContent = `${view.metric.title}${table.currency && kind === "AMOUNT" ? ` (${currencyWords(table.currency)})` : ""}`;
  renderCoverage(table.coverage);
  renderDisclosure(table.disclosure);
  state.table = tableModel(rows, view, table.currency);
  renderTable(state.table);
}

// A column is wholly suppressed when no series has a number at that x.
function columnSuppressed(chart, index) {
  return chart.data.datasets.every((d) => d.data[index] == null);
}

function hatch(ctx, x, y, w, h, fill, stroke) {
  ctx.save();
  ctx.beginPath();
  ctx.rect(x, y, w, h);
  ctx.clip();
  ctx.fillStyle = fill;
  ctx.fillRect(x, y, w, h);
  ctx.strokeStyle = stroke;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let d = -h; d < w + h; d += 6) {
    ctx.moveTo(x + d, y + h);
    ctx.lineTo(x + d + h, y);
  }
  ctx.stroke();
  ctx.restore();
  ctx.save();
  ctx.strokeStyle = stroke;
  ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
  ctx.restore();
}

// suppressedBands draws suppressed cells, visibly gaps with a reason, never a
// bar or point at zero: a grey hatched band over a column where every series is
// suppressed; where only some series are, a hatched tag in each missing series'
// colour along the x axis (a band there would hide the cells that are shown).
const suppressedBands = {
  id: "suppressedBands",
  beforeDatasetsDraw(chart, _args, opts) {
    const { ctx, chartArea: area, scales } = chart;
    const half = bandHalfWidth(chart);
    const banded = new Set();
    const tags = new Map();
    for (const g of opts.gaps || []) {
      const x = scales.x.getPixelForValue(g.index);
      if (columnSuppressed(chart, g.index)) {
        if (banded.has(g.index)) continue;
        banded.add(g.index);
        hatch(ctx, x - half, area.top, 2 * half, area.bottom - area.top, "rgba(120,120,120,0.12)", "rgba(90,90,90,0.55)");
        continue;
      }
      const slot = tags.get(g.index) || 0;
      tags.set(g.index, slot + 1);
      const w = Math.min(2 * half, 22);
      hatch(ctx, x - w / 2, area.bottom - (slot + 1) * (TAG_HEIGHT + 2), w, TAG_HEIGHT, "rgba(255,255,255,0.9)", g.colour);
    }
  },
};

const TAG_HEIGHT = 8;

function bandHalfWidth(chart) {
  const n = chart.data.labels.length;
  const scale = chart.scales.x;
  const step = n > 1 ? Math.abs(scale.getPixelForValue(1) - scale.getPixelForValue(0)) : chart.chartArea.right - chart.chartArea.left;
  return Math.max(6, Math.min(step * 0.35, 40));
}

// gapText says which cell is suppressed and why; the tooltip's title already
// names the period, so its footer leaves it out (withPeriod false).
function gapText(chart, g, seriesField, withPeriod = true) {
  const where = [withPeriod && chart.data.labels[g.index], label(seriesField, g.series)].filter(Boolean).join(" · ");
  return `${where}: suppressed, ${SUPPRESSION[g.reason] || "disclosure control"} (${g.reason})`;
}

function drawChart(country, type, labels, datasets, gaps, yRange, unit, seriesField) {
  const figure = $(`chart-${country.code}`);
  const canvas = figure.querySelector("canvas");
  const tip = figure.querySelector(".gap-tip");
  if (state.charts[country.code]) state.charts[country.code].destroy();
  const chart = new Chart(canvas, {
    type,
    data: { labels, datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      // Hovering a period shows every series there, and (in the footer) the
      // cells suppressed at that period with their reasons.
      interaction: { mode: "period", intersect: false },
      scales: {
        // offset: the first and last periods sit inside the plot, so their gap bands do too.
        x: { offset: true, ticks: { autoSkip: true, maxRotation: 60 } },
        y: { ...yRange, title: { display: Boolean(unit), text: unit }, ticks: { callback: (v) => NUMBER.format(v) } },
      },
      plugins: {
        legend: {
          display: datasets.length > 1,
          position: "bottom",
          labels: { boxWidth: 12, boxHeight: 12, padding: 8, filter: (item, data) => !data.datasets[item.datasetIndex].empty },
        },
        tooltip: {
          footerFont: { weight: "normal" },
          callbacks: {
            label: (item) => `${item.dataset.label}: ${item.raw == null ? "suppressed" : NUMBER.format(item.raw)}${unit === "%" ? "%" : ""}`,
            footer: (items) => (items.length ? gaps.filter((g) => g.index === items[0].dataIndex).map((g) => gapText(chart, g, seriesField, false)) : []),
          },
        },
        suppressedBands: { gaps },
      },
    },
    plugins: [suppressedBands],
  });
  state.charts[country.code] = chart;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `${country.name}: ${datasets.length} series over ${labels.length} points; ${gaps.length} suppressed cells (see the table)`);
  figure.dataset.gaps = String(gaps.length);

  // A wholly suppressed column has no point for Chart.js's tooltip: its reason
  // shows in our own tip, on hover (and on touch).
  const onMove = (ev) => {
    const rect = canvas.getBoundingClientRect();
    const x = ev.clientX - rect.left;
    const y = ev.clientY - rect.top;
    const area = chart.chartArea;
    const index = chart.scales.x.getValueForPixel(x);
    const here = gaps.filter((g) => g.index === index);
    const near = here.length && columnSuppressed(chart, index) && Math.abs(chart.scales.x.getPixelForValue(index) - x) <= bandHalfWidth(chart) && y >= area.top && y <= area.bottom;
    if (!near) {
      tip.hidden = true;
      return;
    }
    tip.textContent = here.map((g) => `${country.name} · ${gapText(chart, g, seriesField)}`).join("\n");
    tip.hidden = false;
    tip.style.left = `${Math.max(0, Math.min(x + 12, rect.width - tip.offsetWidth - 4))}px`;
    tip.style.top = `${Math.max(y - tip.offsetHeight - 8, 0)}px`;
  };
  canvas.onmousemove = onMove;
  canvas.onpointerdown = onMove;
  canvas.onmouseleave = () => { tip.hidden = true; };
}

function li(text) {
  const el = document.createElement("li");
  el.textContent = text;
  return el;
}

// renderCoverage lists apart the partners whose sharing rules leave them out of
// this project (DUO codes, POLICY_MISSING) and those allowed but with no figures
// for this view (the EXCLUSION codes): the first is a matter for the partner, the
// second for the choice of breakdown.
function renderCoverage(cov) {
  $("included").textContent = String(cov.partnersIncluded);
  const lists = { excluded: [], "no-figures": [] };
  for (const p of cov.partnersExcluded) {
    const reasons = p.reasons.map((r) => `${r.message} (${r.code})`).join("; ");
    const byData = p.reasons.length > 0 && p.reasons.every((r) => r.code in EXCLUSION);
    lists[byData ? "no-figures" : "excluded"].push(li(`${p.partner.name} (${p.partner.country}): ${reasons}`));
  }
  for (const [id, items] of Object.entries(lists)) {
    $(id).replaceChildren(...(items.length ? items : [li("none")]));
  }
  const obs = $("observations");
  obs.replaceChildren();
  for (const o of cov.observationsExcluded) obs.append(li(`${o.count} · ${EXCLUSION[o.reason] || pretty(o.reason)} (${o.reason})`));
  if (!cov.observationsExcluded.length) obs.append(li("none"));
}

function renderDisclosure(d) {
  $("k").textContent = String(d.k);
  $("rounding").textContent = String(d.roundingBase);
  $("suppressed").textContent = String(d.suppressedCells);
  const by = $("by-reason");
  by.replaceChildren();
  for (const r of d.byReason) by.append(li(`${r.count} · ${SUPPRESSION[r.reason] || pretty(r.reason)} (${r.reason})`));
  if (!d.byReason.length) by.append(li("none"));
}

function num(v) {
  return v == null ? "" : String(v);
}

// shown is a table cell as the page shows it: numbers with thousands separators
// (the CSV keeps them plain).
function shown(v) {
  return typeof v === "number" ? NUMBER.format(v) : num(v);
}

// tableModel is the one source of both the table on the page and its CSV.
function tableModel(rows, view, currency) {
  const kind = view.metric.kind;
  const headers = ["Country"];
  if (view.time) headers.push(view.time === "QUARTER" ? "Quarter" : "Year");
  if (view.breakdown) headers.push(view.breakdown.header);
  const keys = headers.length;
  headers.push({ COUNT: "Count", PROPORTION: "Numerator", AMOUNT: `Total (${currencyWords(currency)})`, MEAN: `Mean (${view.metric.unit})` }[kind] || "Value");
  if (kind === "PROPORTION") headers.push("Rate (%)");
  const withN = kind !== "COUNT"; // a count's n is always empty
  if (withN) headers.push("n");
  if (kind === "MEAN") headers.push("SD");
  headers.push("Partners", "Suppressed");

  const countryOrder = COUNTRIES.map((c) => c.code);
  const cmpPeriod = compareBy("period");
  const cmpBreak = view.breakdown ? compareBy(view.breakdown.field) : () => 0;
  const sorted = [...rows].sort((a, b) => countryOrder.indexOf(a.country) - countryOrder.indexOf(b.country)
    || (view.time ? cmpPeriod(a.period, b.period) : 0)
    || (view.breakdown ? cmpBreak(a[view.breakdown.field], b[view.breakdown.field]) : 0));
  const body = sorted.map((r) => {
    // values: numbers stay numbers (formatted for the page, plain in the CSV).
    const values = [r.country];
    if (view.time) values.push(label("period", r.period));
    if (view.breakdown) values.push(label(view.breakdown.field, r[view.breakdown.field]));
    values.push(r.suppressed ? null : r.value);
    if (kind === "PROPORTION") {
      const p = plotted(r, kind);
      values.push(p == null ? "" : p.toFixed(1));
    }
    if (withN) values.push(r.suppressed ? null : r.n);
    if (kind === "MEAN") values.push(r.suppressed ? null : r.sd);
    values.push(r.partners, r.suppressed ? num(r.suppression) : "");
    return { cells: values.map(num), display: values.map(shown), suppressed: r.suppressed, reason: r.suppression };
  });
  const parts = [kind === "AMOUNT" && currency, view.time, view.breakdown && view.breakdown.field].filter(Boolean);
  const name = `hjx-${view.metric.code}-${parts.join("-") || "total"}.csv`;
  // Numbers sit right-aligned between the keys (country, period, category) and the reason.
  const numeric = (i) => i >= keys && i < headers.length - 1;
  return { headers, rows: body, filename: name.toLowerCase(), numeric };
}

function renderTable(model) {
  const table = $("table");
  const head = document.createElement("thead");
  const tr = document.createElement("tr");
  model.headers.forEach((h, i) => {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = h;
    if (model.numeric(i)) th.className = "num";
    tr.append(th);
  });
  head.append(tr);
  const body = document.createElement("tbody");
  for (const r of model.rows) {
    const row = document.createElement("tr");
    if (r.suppressed) {
      row.className = "suppressed";
      row.title = `Suppressed: ${SUPPRESSION[r.reason] || "disclosure control"}`;
    }
    r.display.forEach((c, i) => {
      const td = document.createElement("td");
      td.textContent = c;
      td.dataset.label = model.headers[i]; // the column's name beside the cell on a phone
      if (model.numeric(i)) td.className = "num";
      row.append(td);
    });
    body.append(row);
  }
  table.replaceChildren(head, body);
}

// csvField quotes per RFC 4180, and defuses text a spreadsheet would run as a
// formula (numbers, including negative ones, are left alone).
function csvField(s) {
  let v = String(s);
  if (/^[=+\-@\t\r]/.test(v) && Number.isNaN(Number(v))) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function downloadCSV() {
  const model = state.table;
  if (!model) return;
  const lines = [model.headers, ...model.rows.map((r) => r.cells)].map((cells) => cells.map(csvField).join(","));
  const blob = new Blob([lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = model.filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

$("connect").addEventListener("submit", connect);
$("controls").addEventListener("submit", load);
$("metric").addEventListener("change", syncOptions);
$("breakdown").addEventListener("change", syncOptions);
$("project").addEventListener("change", async () => {
  if ($("project").value.trim()) await loadAvailability($("project").value.trim());
  syncOptions();
});
$("csv").addEventListener("click", downloadCSV);
