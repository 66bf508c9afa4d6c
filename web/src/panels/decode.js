// Decode: paste hex or base64 (one frame per line) or drop a capture; every
// frame is shown as a tree of the layers that decoded it.
import { InputError, readFileLimited } from "../bytes.js";
import { decodeFrame, splitFrames } from "../layers.js";
import { bytesValue, dropZone, el, guard, notice, show } from "../ui.js";

/** The decoder reads at most this much: many envelopes (each at most 256 KiB + 29 bytes). */
export const MAX_CAPTURE_BYTES = 4 * 1024 * 1024;
const MAX_FRAMES_SHOWN = 200;

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
  for (const child of node.children) box.append(el("div", { class: "value-tree" }, renderValue(child)));
  return box;
}

export function decodePanel(root, api, context) {
  const form = root.querySelector("form");
  const input = root.querySelector("#decode-input");
  const format = root.querySelector("#decode-format");
  const file = root.querySelector("#decode-file");
  const output = root.querySelector("#decode-output");

  function run(source) {
    let frames;
    try {
      frames = splitFrames(source, format.value);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      show(output, notice("error", error.message, "input"));
      return;
    }
    const shown = frames.slice(0, MAX_FRAMES_SHOWN);
    const cards = shown.map((frame, i) => {
      const card = el("section", { class: "frame", dataset: { frame: i } });
      card.append(el("h3", {}, `Frame ${i + 1}`, el("span", { class: "summary" }, frame.label)));
      if (frame.error) {
        card.append(notice("error", `${frame.label}: ${frame.error}`, "input"));
        return card;
      }
      card.append(el("p", { class: "meta" }, `${frame.bytes.length} bytes`, frame.format ? ` from ${frame.format}` : ""));
      for (const node of decodeFrame(api, frame.bytes, context)) card.append(renderNode(node));
      return card;
    });
    const more = frames.length > shown.length ? notice("info", `${frames.length - shown.length} more frames not shown`) : null;
    show(output, cards, more);
  }

  async function openFile(chosen) {
    try {
      const bytes = await readFileLimited(chosen, MAX_CAPTURE_BYTES, "the decoder");
      run({ kind: "file", name: chosen.name, bytes });
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      show(output, notice("error", error.message, "too-large"));
    } finally {
      file.value = "";
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guard(output, () => run({ kind: "text", text: input.value }));
  });
  file.addEventListener("change", () => file.files[0] && guard(output, () => openFile(file.files[0])));
  dropZone(root, (dropped) => guard(output, () => openFile(dropped)));
}
