// Gateway: live from the styrene-gateway whose status port serves this page
// (at /diag/, with /status and /paths beside it): each interface's traffic
// over the last two minutes, worked out from successive /status samples,
// its announce queue, the transport node's counters and its path table.
// Served by anything else, the page has no gateway to ask: the tab stays
// hidden and the panel says what it needs.
import { formatSize } from "../bytes.js";
import { lineChart, roundUp } from "../chart.js";
import { bytesValue, el, fields, notice, show, table } from "../ui.js";

const POLL_MS = 1000;
/** How far back the charts reach. */
const SPAN_MS = 120_000;
const MAX_PATHS_SHOWN = 500;
/**
 * The transport counters, related ones together (/status lists them
 * alphabetically): traffic, paths, announces, path requests, forwarding, tables.
 */
const TRANSPORT_ORDER = [
  "received", "dropped", "paths_learnt", "paths_restored", "paths_expired",
  "announces_sent", "announces_queued", "announces_queue_dropped", "announces_rate_blocked",
  "announces_held", "announces_hold_dropped", "local_announces_sent",
  "path_requests_received", "path_requests_answered", "path_requests_forwarded",
  "packets_forwarded", "proofs_returned", "link_requests_forwarded", "link_proofs_forwarded",
  "link_packets_forwarded", "evicted", "path_table_size", "link_table_size", "reverse_table_size", "parked_paths",
];
/** The states in which an interface carries traffic (as the gateway's `interface_up` metric). */
const UP_STATES = new Set(["connected", "listening", "open"]);

// relative to the page, so the gateway's own API answers wherever the page is mounted
const statusUrl = () => new URL("../status", location.href);
const pathsUrl = () => new URL("../paths", location.href);

/** "3 min 20 s", "2 h 5 min", "6 d 23 h". */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

const formatRate = (bytesPerSecond) => `${formatSize(Math.round(bytesPerSecond))}/s`;

/** A byte rate's top gridline: a round number of B, KiB or MiB per second, at least 1 KiB/s. */
function rateCeiling(highest) {
  const value = Math.max(highest, 1024);
  const unit = value < 1024 * 1024 ? 1024 : 1024 * 1024;
  return roundUp(value / unit) * unit;
}

/** A count's top gridline: even, so the half line is a whole number too. */
const countCeiling = (highest) => Math.max(2, 2 * Math.ceil(highest / 2));

/**
 * This page's gateway's /status, or null when the page is not served by one.
 * A static server answers 404 (web/serve.mjs answers 204, which keeps the
 * browser's console clean); a file has no server to ask at all.
 */
async function probe() {
  if (location.protocol !== "http:" && location.protocol !== "https:") return null;
  try {
    const response = await fetch(statusUrl(), { cache: "no-store" });
    if (response.status !== 200 || !response.headers.get("content-type")?.startsWith("application/json")) return null;
    const status = await response.json();
    return typeof status.mode === "string" && Array.isArray(status.interfaces) ? status : null;
  } catch {
    return null;
  }
}

/** A compact grid of named numbers: [label, value, field] rows. */
function counters(rows) {
  return el(
    "dl",
    { class: "counters" },
    rows.map(([label, value, field]) => el("div", {}, el("dt", {}, label), el("dd", { dataset: { field } }, String(value)))),
  );
}

function overview(status) {
  const { rss_bytes: rss, peak_rss_bytes: peak } = status.memory;
  return fields([
    ["mode", status.mode === "bridge" ? "bridge (relays every valid frame unchanged)" : "transport node", "mode"],
    ["version", status.version, "gateway-version"],
    ["identity", status.identity_hash ? bytesValue(status.identity_hash, "identity") : null, "identity"],
    ["destination", status.destination_hash ? bytesValue(status.destination_hash, "destination") : null, "destination"],
    ["uptime", formatDuration(status.uptime_secs), "uptime"],
    ["memory", `${formatSize(rss)} resident, peak ${formatSize(peak)}`, "memory"],
    ["own announces", status.announces_sent, "announces-sent"],
    ["nodes recorded", status.nodes_recorded, "nodes-recorded"],
    ["relayed (bridge)", status.mode === "bridge" ? status.relayed : undefined, "relayed"],
    ["component", `${status.component.calls} calls, ${status.component.recoveries} recoveries from a trap`, "component"],
  ]);
}

/** A chart with a legend that names each series and gives its latest value. */
function chartWithLegend(options, names) {
  const legend = el(
    "p",
    { class: "legend" },
    options.series.map((s) => {
      const latest = s.points.filter(([, v]) => v !== null).at(-1)?.[1];
      return el("span", {}, el("span", { class: `key ${s.name}` }), `${names[s.name]}: `, latest === undefined ? "—" : options.format(latest));
    }),
  );
  return [lineChart(options), legend];
}

function interfaceCard(link, samples, now, width) {
  const up = UP_STATES.has(link.state);
  const dropped = Object.entries(link.dropped);
  const ports = link.ports.length
    ? link.ports.map((p) => `${p.name} (${formatSize(p.queued_bytes)} queued)`).join(", ")
    : "none";
  const series = (name) => ({ name, points: samples.map((s) => [s.at, s[name]]) });
  return el(
    "section",
    { class: "card interface", dataset: { interface: link.name } },
    el(
      "h3",
      {},
      link.name,
      el("span", { class: "badge" }, link.type),
      el("span", { class: `badge state-${up ? "up" : "down"}`, dataset: { field: "state" } }, link.state),
    ),
    ...chartWithLegend(
      {
        series: [series("rx"), series("tx")],
        now,
        span: SPAN_MS,
        width,
        height: 150,
        format: formatRate,
        ceiling: rateCeiling,
        label: `${link.name}: bytes per second received and sent, last ${SPAN_MS / 1000} s`,
      },
      { rx: "received", tx: "sent" },
    ),
    ...chartWithLegend(
      {
        series: [series("queue"), series("held")],
        now,
        span: SPAN_MS,
        width,
        height: 90,
        format: (n) => String(Math.round(n)),
        ceiling: countCeiling,
        label: `${link.name}: announces queued and held, last ${SPAN_MS / 1000} s`,
      },
      { queue: "announce queue", held: "held announces" },
    ),
    counters([
      ["received", formatSize(link.rx_bytes), "rx-bytes"],
      ["sent", `${formatSize(link.tx_bytes)}, ${link.tx_frames} frames`, "tx"],
      ["announces heard", link.announces_heard, "announces-heard"],
      ["announce queue", link.announce_queue, "announce-queue"],
      ["held announces", link.held_announces, "held-announces"],
      ["queue dropped", link.queue_dropped, "queue-dropped"],
      ["reconnects", link.reconnects, "reconnects"],
      ["dropped", dropped.length ? dropped.map(([why, n]) => `${why} ${n}`).join(", ") : 0, "dropped"],
    ]),
    el("p", { class: "meta", dataset: { field: "ports" } }, `ports: ${ports}`),
  );
}

function transportSection(status) {
  if (!status.transport) {
    return notice("info", "A bridge has no transport node: no path table, no announce rebroadcasts, no transport counters.", "bridge");
  }
  // a counter this page does not know yet goes last
  const rank = (key) => (TRANSPORT_ORDER.includes(key) ? TRANSPORT_ORDER.indexOf(key) : TRANSPORT_ORDER.length);
  const entries = Object.entries(status.transport).sort(([a], [b]) => rank(a) - rank(b));
  return counters(entries.map(([key, value]) => [key.replaceAll("_", " "), value, key]));
}

function pathTable(paths) {
  if (paths.length === 0) return notice("info", "No paths yet: the transport node learns them from the announces it hears.", "no-paths");
  const now = Date.now() / 1000;
  const body = el("tbody");
  for (const path of paths.slice(0, MAX_PATHS_SHOWN)) {
    const left = path.expires - now;
    body.append(
      el(
        "tr",
        { dataset: { destination: path.destination } },
        el("td", { class: "mono", dataset: { field: "destination" } }, path.destination),
        el("td", { class: "num", dataset: { field: "hops" } }, path.hops),
        // RNS's next hop is the destination itself when it is one hop away
        el("td", { class: "mono", title: path.next_hop, dataset: { field: "next-hop" } }, path.next_hop === path.destination ? "direct" : path.next_hop),
        el("td", { dataset: { field: "interface" } }, path.interface ?? "— (port gone)"),
        el("td", { title: new Date(path.expires * 1000).toISOString(), dataset: { field: "expires" } }, left > 0 ? `in ${formatDuration(left)}` : "expired"),
      ),
    );
  }
  const more = paths.length > MAX_PATHS_SHOWN ? `, first ${MAX_PATHS_SHOWN} shown` : "";
  return table(`${paths.length} ${paths.length === 1 ? "path" : "paths"}, fewest hops first${more}`, ["destination", "hops", "next hop", "interface", "expires"], body, { id: "gateway-paths" });
}

export async function gatewayPanel(root) {
  const tab = document.querySelector('nav a[href="#gateway"]');
  const output = root.querySelector("#gateway-output");
  const first = await probe();
  if (!first) {
    root.dataset.gateway = "absent";
    show(
      output,
      notice(
        "info",
        "This panel needs the page served by styrene-gateway: with status.diag_dir set, its status port serves the page at /diag/, and this panel reads the gateway's /status and /paths beside it.",
        "needs-gateway",
      ),
    );
    return;
  }
  tab.hidden = false;
  const line = el("div", { dataset: { field: "updated" } });
  const overviewBox = el("div");
  const interfacesBox = el("div");
  const transportBox = el("div");
  const pathsBox = el("div");
  show(
    output,
    line,
    overviewBox,
    el("h3", {}, "Interfaces"),
    interfacesBox,
    el("h3", {}, "Transport node"),
    transportBox,
    el("h3", {}, "Paths"),
    pathsBox,
  );

  // per interface, one sample a poll: rates since the poll before, queue lengths
  let history = new Map();
  let previous = null;
  let unanswered = null; // the last failed poll: when and why
  function record(status, at) {
    if (previous && status.uptime_secs < previous.status.uptime_secs) previous = null; // restarted: counters began again
    const next = new Map();
    for (const link of status.interfaces) {
      const before = previous?.status.interfaces.find((l) => l.name === link.name);
      const seconds = previous ? (at - previous.at) / 1000 : 0;
      const rate = (key) => (before && seconds > 0 && link[key] >= before[key] ? (link[key] - before[key]) / seconds : null);
      const samples = (previous ? (history.get(link.name) ?? []) : []).filter((s) => at - s.at <= SPAN_MS);
      samples.push({ at, rx: rate("rx_bytes"), tx: rate("tx_bytes"), queue: link.announce_queue, held: link.held_announces });
      next.set(link.name, samples);
    }
    history = next;
    previous = { status, at, clock: new Date() };
  }

  function render() {
    const { status, at, clock } = previous;
    show(
      line,
      unanswered
        ? notice("error", `The gateway did not answer at ${unanswered.clock.toLocaleTimeString()} (${unanswered.reason}); the charts stop at its last sample. Asking again every second.`, "lost")
        : el("p", { class: "meta" }, `styrene-gateway ${status.version}; last sample at ${clock.toLocaleTimeString()}, the next in a second.`),
    );
    show(overviewBox, overview(status));
    // the card's padding and border are inside the box's width
    const width = Math.max(260, interfacesBox.clientWidth - 32);
    show(interfacesBox, status.interfaces.map((link) => interfaceCard(link, history.get(link.name), at, width)));
    show(transportBox, transportSection(status));
  }

  async function refreshPaths(status) {
    if (status.mode === "bridge") {
      show(pathsBox, notice("info", 'A bridge keeps no path table (mode = "bridge"): every valid frame goes to every other interface.', "bridge"));
      return;
    }
    let paths;
    try {
      const response = await fetch(pathsUrl(), { cache: "no-store" });
      if (!response.ok) throw new Error(`/paths answered ${response.status}: ${(await response.text()).trim()}`);
      paths = await response.json();
    } catch (error) {
      show(pathsBox, notice("error", `${error.message}. Asking again in a second.`, "paths-failed"));
      return;
    }
    show(pathsBox, pathTable(paths));
  }

  async function poll() {
    let status = null;
    try {
      const response = await fetch(statusUrl(), { cache: "no-store" });
      if (!response.ok) throw new Error(`/status answered ${response.status}`);
      status = await response.json();
    } catch (error) {
      unanswered = { clock: new Date(), reason: error.message };
      root.dataset.gateway = "lost";
      if (!root.hidden) render();
    }
    if (status) {
      unanswered = null;
      record(status, performance.now());
      root.dataset.gateway = "live";
      // a hidden panel keeps sampling, so that its charts have a history when shown
      if (!root.hidden) {
        render();
        await refreshPaths(status);
      }
    }
    setTimeout(poll, POLL_MS);
  }

  record(first, performance.now());
  root.dataset.gateway = "live";
  window.addEventListener("hashchange", () => !root.hidden && render());
  if (!root.hidden) {
    render();
    refreshPaths(first);
  }
  // the next sample a whole poll later: a rate over a few milliseconds would be noise
  setTimeout(poll, POLL_MS);
}
