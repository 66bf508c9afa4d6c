// Node store: a styrened nodes.db dropped on the page, opened by the
// component's SQLite as an in-memory copy (`node-store.open-image`): the
// browser has no filesystem to give it. List, search, inspect, export.
import { InputError, formatSize, readFileLimited } from "../bytes.js";
import { describeError, errorCase } from "../component.js";
import { bytesValue, copyButton, download, dropZone, el, fields, guard, notice, show, table, toJson } from "../ui.js";

/** SQLite holds the whole image in the page's memory (and the component's). */
export const MAX_DATABASE_BYTES = 64 * 1024 * 1024;
const MAX_ROWS_SHOWN = 500;
const HASH = /^[0-9a-fA-F]{32}$/;
const PREFIX = /^[0-9a-fA-F]{8,31}$/;

export function storePanel(root, api, context) {
  const file = root.querySelector("#store-file");
  const status = root.querySelector("#store-status");
  const tools = root.querySelector("#store-tools");
  const searchForm = root.querySelector("#store-search");
  const query = root.querySelector("#store-query");
  const results = root.querySelector("#store-results");
  const list = root.querySelector("#store-list");
  const inspector = root.querySelector("#store-inspect");
  let store = null;
  let sourceName = "nodes.db";

  api.onReload.push(() => {
    store = null; // it lived in the trapped instance
    tools.hidden = true;
    show(list);
    show(inspector);
    show(status, notice("error", "The component was reloaded after a trap: open the database again.", "trap"));
  });

  const nowSeconds = () => Date.now() / 1000;
  const typeName = (t) => context.deviceTypes.find((d) => d.deviceType === t)?.name ?? t;

  function failed(result, what) {
    if (!result.err) return false;
    show(results, notice("error", `${what}: ${describeError(result.err)}`, errorCase(result.err)));
    return true;
  }

  function inspect(node) {
    const path = api.call(() => store.getPath(node.destinationHash));
    const now = nowSeconds();
    const status = api.call((c) => c.nodes.deviceStatus(Number(node.lastAnnounce), now)).ok;
    const seen = api.call((c) => c.nodes.lastSeenDisplay(Number(node.lastAnnounce), now)).ok;
    const hash = (value, field) => (value ? bytesValue(value, field) : null);
    show(
      inspector,
      el(
        "section",
        { class: "card", dataset: { node: node.destinationHash } },
        el("h3", {}, node.name, el("span", { class: `badge status-${status}` }, status)),
        fields([
          ["destination", bytesValue(node.destinationHash, "destination")],
          ["identity", bytesValue(node.identityHash, "identity")],
          ["name", node.name, "name"],
          ["device type", typeName(node.deviceType), "device-type"],
          ["last announce", `${new Date(Number(node.lastAnnounce) * 1000).toISOString()} (${seen})`, "last-announce"],
          ["announces", node.announceCount.toString(), "announce-count"],
          ["capabilities", node.capabilities?.join(", ") ?? null, "capabilities"],
          ["version", node.version ?? null, "version"],
          ["short name", node.shortName ?? null, "short-name"],
          ["system fingerprint", node.systemFingerprint ?? null, "fingerprint"],
          ["LXMF destination", hash(node.lxmfDestinationHash, "lxmf-destination")],
          ["NomadNet destination", hash(node.nomadnetDestinationHash, "nomadnet-destination")],
          ["heard via", node.discoveredVia ?? null, "discovered-via"],
          ["hops", node.hops?.toString() ?? null, "hops"],
          ["Yggdrasil", node.yggAddress ?? null],
          ["I2P", node.b32Address ?? null],
          ["web", node.webUrl ?? null],
          ["path", path.ok ? `${path.ok.hops} hops via ${path.ok.nextHop ?? "direct"} (${path.ok.interfaceName ?? path.ok.interfaceType ?? "?"})` : null, "path"],
        ]),
        copyButton(() => toJson(node), "Copy as JSON"),
      ),
    );
  }

  function nodeTable(nodes, caption) {
    const now = nowSeconds();
    const body = el("tbody");
    for (const node of nodes.slice(0, MAX_ROWS_SHOWN)) {
      const seen = api.call((c) => c.nodes.lastSeenDisplay(Number(node.lastAnnounce), now)).ok;
      const row = el(
        "tr",
        { tabindex: 0, dataset: { destination: node.destinationHash } },
        el("td", {}, node.name),
        el("td", {}, typeName(node.deviceType)),
        el("td", { class: "mono" }, node.destinationHash.slice(0, 16)),
        el("td", { class: "mono" }, node.identityHash.slice(0, 16)),
        el("td", {}, seen),
        el("td", {}, node.hops?.toString() ?? "—"),
      );
      const open = () => inspect(node);
      row.addEventListener("click", open);
      row.addEventListener("keydown", (event) => event.key === "Enter" && open());
      body.append(row);
    }
    const more = nodes.length > MAX_ROWS_SHOWN ? `, first ${MAX_ROWS_SHOWN} shown` : "";
    return table(`${caption}${more}`, ["name", "type", "destination", "identity", "last seen", "hops"], body);
  }

  function search(text) {
    const q = text.trim();
    if (q === "") {
      show(results);
      return;
    }
    const found = new Map();
    const add = (node) => node && found.set(node.destinationHash, node);
    const lines = [];
    if (HASH.test(q)) {
      for (const [label, lookup] of [
        ["destination", (s) => s.getNodeByDestination(q)],
        ["identity", (s) => s.getNodeByIdentity(q)],
        ["LXMF destination", (s) => s.getNodeByLxmfDestination(q)],
      ]) {
        const result = api.call(() => lookup(store));
        if (failed(result, label)) return;
        if (result.ok) lines.push(`matches a ${label}`);
        add(result.ok);
      }
    } else if (PREFIX.test(q)) {
      const all = api.call(() => store.getAllNodes());
      if (failed(all, "list")) return;
      for (const [label, lookup] of [
        ["destination", (s) => s.getIdentityForDestination(q)],
        ["LXMF destination", (s) => s.getIdentityForLxmfDestination(q)],
      ]) {
        const result = api.call(() => lookup(store));
        if (failed(result, label)) return;
        const outcome = result.ok;
        if (outcome.tag === "found") {
          lines.push(`${label} prefix → identity ${outcome.val}`);
          for (const node of all.ok) if (node.identityHash === outcome.val) add(node);
        } else if (outcome.tag === "ambiguous") {
          lines.push(`${label} prefix is ambiguous: ${outcome.val} nodes match, type more of it`);
        }
      }
      // the WIT has no identity-prefix lookup: identities are matched here
      const lower = q.toLowerCase();
      const byIdentity = all.ok.filter((n) => n.identityHash.toLowerCase().startsWith(lower));
      if (byIdentity.length) lines.push(`identity prefix: ${byIdentity.length} node(s)`);
      byIdentity.forEach(add);
    } else {
      const result = api.call(() => store.getNodesByShortNamePrefix(q));
      if (failed(result, "short name")) return;
      if (result.ok.length) lines.push(`short name starts with ${JSON.stringify(q)}: ${result.ok.length} node(s)`);
      result.ok.forEach(add);
      if (/^[0-9a-fA-F]{1,7}$/.test(q)) lines.push("hash prefixes need at least 8 hex digits");
    }
    const nodes = [...found.values()];
    show(
      results,
      notice(nodes.length ? "ok" : "info", lines.length ? lines.join("; ") : `nothing matches ${JSON.stringify(q)}`, nodes.length ? "found" : "not-found"),
      nodes.length ? nodeTable(nodes, `${nodes.length} found`) : null,
    );
    if (nodes.length === 1) inspect(nodes[0]);
  }

  function summarize(name, size) {
    const all = api.call(() => store.getAllNodes());
    const styrene = api.call(() => store.getStyreneNodes());
    const paths = api.call(() => store.getAllPaths());
    const integrity = api.call(() => store.integrityOk());
    const error = [all, styrene, paths, integrity].find((r) => r.err);
    if (error) {
      show(status, notice("error", `${name}: ${describeError(error.err)}`, errorCase(error.err)));
      return;
    }
    show(
      status,
      notice(
        integrity.ok ? "ok" : "error",
        `${name} (${formatSize(size)}): ${all.ok.length} nodes, ${styrene.ok.length} Styrene nodes, ${paths.ok.length} paths; integrity ${integrity.ok ? "ok" : "FAILED"}. Changes stay in this page until you export.`,
        integrity.ok ? "opened" : "corrupt",
      ),
    );
    show(list, nodeTable(all.ok, `${all.ok.length} nodes, newest announce first`));
    tools.hidden = false;
  }

  async function open(chosen) {
    show(results);
    show(inspector);
    let bytes;
    try {
      bytes = await readFileLimited(chosen, MAX_DATABASE_BYTES, "the node store");
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      show(status, notice("error", error.message, "too-large"));
      return;
    } finally {
      file.value = "";
    }
    const result = api.call((c) => c.nodes.NodeStore.openImage(bytes));
    if (result.err) {
      show(status, notice("error", `${chosen.name}: ${describeError(result.err)}`, errorCase(result.err)));
      return; // an open store stays open
    }
    store?.[Symbol.dispose]?.();
    store = result.ok;
    sourceName = chosen.name;
    summarize(chosen.name, bytes.length);
  }

  file.addEventListener("change", () => file.files[0] && guard(status, () => open(file.files[0])));
  dropZone(root, (dropped) => guard(status, () => open(dropped)));
  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    if (store) guard(results, () => search(query.value));
  });
  root.querySelector("#store-export-json").addEventListener("click", () =>
    guard(results, () => {
      const nodes = api.call(() => store.getAllNodes());
      const paths = api.call(() => store.getAllPaths());
      if (failed(nodes, "list") || failed(paths, "paths")) return;
      const name = sourceName.replace(/\.[^.]*$/, "") + ".json";
      download(name, toJson({ source: sourceName, exportedAt: new Date().toISOString(), nodes: nodes.ok, paths: paths.ok }), "application/json");
    }),
  );
  root.querySelector("#store-export-db").addEventListener("click", () =>
    guard(results, () => {
      const image = api.call(() => store.exportImage());
      if (failed(image, "export")) return;
      download(sourceName.endsWith(".db") ? sourceName : "nodes.db", image.ok, "application/vnd.sqlite3");
    }),
  );
}
