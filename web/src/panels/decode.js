// Decode: paste hex or base64 or drop a capture (an HDLC or KISS byte stream,
// RNS packets or Styrene envelopes); every frame is shown as a tree of the
// layers that decoded it.
import { InputError, readFileLimited } from "../bytes.js";
import { FRAMINGS, decodeFrame, deframe, firstLayer, pickFrame, pickStream, readPieces } from "../layers.js";
import { describeError, errorCase } from "../component.js";
import { bytesValue, dropZone, el, guard, notice, show } from "../ui.js";

/** The decoder reads at most this much: many envelopes (each at most 256 KiB + 29 bytes), or a long capture. */
export const MAX_CAPTURE_BYTES = 4 * 1024 * 1024;
const MAX_FRAMES_SHOWN = 200;
const U32_MAX = 0xffffffff;
const dispose = Symbol.dispose ?? Symbol.for("dispose");

function renderValue(value, depth = 0) {
  if (value.scalar) {
    return value.scalar.bytes
      ? bytesValue(value.scalar.text)
      : el("code", { class: `mono value ${value.scalar.kind}` }, value.scalar.text);
  }
  const details = el("details", { open: depth < 3 }, el("summary", {}, value.summary));
  const list = el("dl", { class: "fields tree-entries" });
  for (const { key, value: inner } of value.entries) {
    list.append(el("dt", { class: "mono", dataset: { key } }, key), el("dd", {}, renderValue(inner, depth + 1)));
  }
  details.append(list);
  return details;
}

function renderNode(node) {
  const box = el("details", { class: `layer${node.error ? " failed" : ""}`, open: true });
  box.append(el("summary", {}, el("strong", {}, node.title), node.summary ? el("span", { class: "summary" }, node.summary) : null));
  if (node.error) {
    box.append(notice("error", node.error.message, node.error.case));
    return box;
  }
  const list = el("dl", { class: "fields" });
  for (const [label, value, field, kind] of node.fields) {
    const shown = kind === "bytes" ? bytesValue(String(value), field) : el("span", { dataset: { field } }, String(value));
    list.append(el("dt", {}, label), el("dd", {}, shown));
  }
  if (node.fields.length) box.append(list);
  if (node.notice) box.append(notice(node.notice.kind, node.notice.text, node.notice.case));
  for (const child of node.children) box.append(el("div", { class: "value-tree" }, renderValue(child)));
  return box;
}

/** A whole number from a form field, or `fallback` when it is empty. */
function wholeNumber(field, what, fallback) {
  const text = field.value.trim();
  if (text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > U32_MAX) {
    throw new InputError(`${what} must be a whole number from 0 to ${U32_MAX}, not ${JSON.stringify(text)}`);
  }
  return value;
}

export function decodePanel(root, api, context) {
  const form = root.querySelector("form");
  const input = root.querySelector("#decode-input");
  const format = root.querySelector("#decode-format");
  const framingField = root.querySelector("#decode-framing");
  const mtuField = root.querySelector("#decode-mtu");
  const networkField = root.querySelector("#decode-ifac-network");
  const passphraseField = root.querySelector("#decode-ifac-passphrase");
  const ifacSizeField = root.querySelector("#decode-ifac-size");
  const file = root.querySelector("#decode-file");
  const output = root.querySelector("#decode-output");
  let lastFile = null;

  /** The access code from the IFAC fields: {ifac, size}, {} without one, or {refused: node}. */
  function accessCode() {
    const network = networkField.value === "" ? undefined : networkField.value;
    const passphrase = passphraseField.value === "" ? undefined : passphraseField.value;
    if (network === undefined && passphrase === undefined) return {};
    const size = wholeNumber(ifacSizeField, "the IFAC size", 16);
    const created = api.call((c) => c.framing.Ifac.create(network, passphrase, size));
    if (created.err) {
      return { refused: notice("error", `IFAC: ${describeError(created.err)}`, errorCase(created.err)) };
    }
    return { ifac: created.ok, size };
  }

  function frameCard(frame, index, run) {
    const card = el("section", { class: "frame", dataset: { frame: index } });
    card.append(el("h3", {}, `Frame ${index + 1}`, el("span", { class: "summary" }, frame.label)));
    if (frame.error) {
      card.append(notice("error", `${frame.label}: ${frame.error}`, "input"));
      return card;
    }
    if (frame.dropped) {
      card.classList.add("dropped");
      card.append(notice("error", frame.dropped.message, frame.dropped.case));
      return card;
    }
    let framing = run.framing;
    let picked = "";
    if (!framing) {
      const choice = pickFrame(api, frame.bytes);
      framing = choice.framing;
      picked = ` as ${FRAMINGS[framing].label} (auto: ${choice.reason})`;
    }
    card.dataset.framing = framing;
    card.append(el("p", { class: "meta" }, `${frame.bytes.length} bytes`, frame.format ? ` from ${frame.format}` : "", picked));
    const nodes = decodeFrame(api, frame.bytes, run.context, firstLayer(framing, run.context));
    // one line per frame, to scan a capture: each layer's summary, or where it stopped
    const line = nodes.map((node) => (node.error ? `${node.title}: ${node.error.case}` : `${node.title}: ${node.summary}`));
    card.querySelector("h3").append(el("span", { class: "summary layers" }, line.join(" › ")));
    for (const node of nodes) card.append(renderNode(node));
    return card;
  }

  function run(source) {
    let pieces;
    let code;
    let hwMtu;
    try {
      pieces = readPieces(source, format.value);
      hwMtu = wholeNumber(mtuField, "the hardware MTU", null);
      code = accessCode();
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      show(output, notice("error", error.message, "input"));
      return;
    }
    if (code.refused) {
      show(output, code.refused);
      return;
    }
    try {
      decode(pieces, code, hwMtu);
    } finally {
      code.ifac?.[dispose]?.();
    }
  }

  function decode(pieces, code, hwMtu) {
    const chosen = framingField.value;
    const stream = chosen === "auto" ? pickStream(pieces) : FRAMINGS[chosen].stream ? { framing: chosen } : null;
    const runContext = { ...context, ifac: code.ifac ?? null, ifacSize: code.size ?? 0 };
    const head = [];
    let items = pieces;
    let framing = chosen === "auto" ? null : chosen;
    if (chosen === "auto") {
      head.push(
        notice("info", stream ? `auto: ${FRAMINGS[stream.framing].label}, as ${stream.reason}` : "auto: each frame by its bytes (a Styrene envelope, else an RNS packet); choose HDLC or KISS for a stream that does not start with its delimiter", "picked"),
      );
    }
    if (stream) {
      framing = stream.framing;
      const bad = pieces.filter((p) => p.error);
      if (bad.length) {
        show(output, head, notice("error", "a stream must be bytes throughout: fix these lines first", "input"), bad.map((p) => notice("error", `${p.label}: ${p.error}`, "input")));
        return;
      }
      const mtu = hwMtu ?? FRAMINGS[framing].hwMtu;
      const result = deframe(api, pieces, framing, mtu, runContext.ifacSize);
      items = result.items;
      const frames = items.filter((i) => i.bytes).length;
      const dropped = items.filter((i) => i.dropped).length;
      const read = pieces.reduce((n, p) => n + p.bytes.length, 0);
      const parts = [`${FRAMINGS[framing].label}, hw-mtu ${mtu}${code.ifac ? `, IFAC ${code.size} bytes` : ""}: ${read} bytes read, ${frames} frames`];
      if (dropped) parts.push(`${dropped} dropped for their length`);
      if (result.unfinished) parts.push(`${result.unfinished} bytes of an unfinished frame at the end`);
      head.push(notice(frames ? "ok" : "error", parts.join("; "), frames ? "deframed" : "no-frames"));
    }
    const cards = [];
    let index = 0;
    for (const item of items) {
      if (index === MAX_FRAMES_SHOWN) break;
      if (item.event) {
        cards.push(notice("info", `${item.label}: ${item.event}`, "ready"));
        continue;
      }
      cards.push(frameCard(item, index, { framing, context: runContext }));
      index += 1;
    }
    const total = items.filter((i) => !i.event).length;
    const more = total > index ? notice("info", `${total - index} more frames not shown`) : null;
    show(output, head, cards, more);
  }

  async function openFile(chosen) {
    try {
      const bytes = await readFileLimited(chosen, MAX_CAPTURE_BYTES, "the decoder");
      lastFile = { kind: "file", name: chosen.name, bytes };
      run(lastFile);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      show(output, notice("error", error.message, "too-large"));
    } finally {
      file.value = "";
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    // the text if there is any, else the last file again (with the settings as they are now)
    guard(output, () => run(input.value.trim() === "" && lastFile ? lastFile : { kind: "text", text: input.value }));
  });
  file.addEventListener("change", () => file.files[0] && guard(output, () => openFile(file.files[0])));
  dropZone(root, (dropped) => guard(output, () => openFile(dropped)));
}
