// The decode pipeline. Input is cut into frames, and each frame goes through
// a chain of layers: a layer decodes its bytes into one node of the tree and
// may name the layer that reads what it carries, with those bytes.
//
// Today a frame is one line of hex/base64 text, or a whole binary file, and
// holds one Styrene envelope. The component's `framing` interface (KISS and
// HDLC deframing of raw captures) and its `rns` interface (RNS packet headers
// and announces) will add a framer and a layer in front of the envelope layer
// here; nothing in the panel needs to change for that.
import { describeError, errorCase } from "./component.js";
import { InputError, isPrintableText, parseBytes, toHex } from "./bytes.js";

/** Cuts the input into frames: [{label, bytes}] (or {label, error} for a line that is not bytes). */
export function splitFrames(input, format) {
  if (input.kind === "file" && !isPrintableText(input.bytes)) {
    return [{ label: input.name, bytes: input.bytes }];
  }
  const text = input.kind === "file" ? new TextDecoder().decode(input.bytes) : input.text;
  const lines = text.split(/\r?\n/).map((line, i) => ({ line: line.trim(), number: i + 1 }));
  const frames = lines.filter(({ line }) => line !== "" && !line.startsWith("#"));
  if (frames.length === 0) throw new InputError("nothing to decode: the input is empty");
  return frames.map(({ line, number }) => {
    const label = frames.length === 1 && input.kind === "text" ? "input" : `line ${number}`;
    try {
      return { label, ...parseBytes(line, format) };
    } catch (error) {
      if (error instanceof InputError) return { label, error: error.message };
      throw error;
    }
  });
}

/**
 * One decoded node: {title, summary, fields: [[label, value, field, kind]],
 * children: [node], error: {case, message}}. `kind` "bytes" shows a value
 * as monospace hex with a copy button.
 */
function errorNode(title, payload) {
  return { title, error: { case: errorCase(payload), message: describeError(payload) }, fields: [], children: [] };
}

/** The Styrene envelope (`wire.decode-envelope`): header fields; the payload goes to the next layer. */
export const styreneEnvelope = {
  id: "styrene-envelope",
  decode(api, bytes, context) {
    const result = api.call((c) => c.wire.decodeEnvelope(bytes));
    if (result.err) return { node: errorNode("Styrene envelope", result.err) };
    const envelope = result.ok;
    const typeName = context.typeNames.get(envelope.messageType) ?? "?";
    const node = {
      title: "Styrene envelope",
      summary: `v${envelope.version} ${typeName}`,
      fields: [
        ["version", envelope.version, "version"],
        ["type", `${typeName} (0x${envelope.messageType.toString(16).padStart(2, "0")})`, "type"],
        ["request id", envelope.requestId ? toHex(envelope.requestId) : "none (v1)", "request-id", envelope.requestId ? "bytes" : undefined],
        ["payload", `${envelope.payload.length} bytes`, "payload-length"],
      ],
      children: [],
    };
    return { node, inner: { layer: messagePackPayload, bytes: envelope.payload } };
  },
};

/** The MessagePack payload (`wire.decode-payload`), with styrened's limits. */
export const messagePackPayload = {
  id: "msgpack-payload",
  decode(api, bytes) {
    if (bytes.length === 0) {
      return { node: { title: "Payload", summary: "empty", fields: [], children: [] } };
    }
    const result = api.call((c) => c.wire.decodePayload(bytes));
    if (result.err) return { node: errorNode("Payload (MessagePack)", result.err) };
    const [value] = valueTree(result.ok, 0);
    return {
      node: {
        title: "Payload (MessagePack)",
        summary: value.summary,
        fields: [["raw", toHex(bytes), "payload-hex", "bytes"]],
        children: [value],
        value: true,
      },
    };
  },
};

/** Where every frame starts: an RNS packet layer will come first once `rns` exists. */
export const FIRST_LAYER = styreneEnvelope;

/** Runs a frame through the chain of layers: the list of nodes, outermost first. */
export function decodeFrame(api, bytes, context, first = FIRST_LAYER) {
  const nodes = [];
  let step = { layer: first, bytes };
  while (step) {
    const { node, inner } = step.layer.decode(api, step.bytes, context);
    nodes.push(node);
    step = node.error ? null : inner;
  }
  return nodes;
}

function scalar(node) {
  switch (node.tag) {
    case "nil":
      return { text: "nil", kind: "nil" };
    case "boolean":
      return { text: String(node.val), kind: "bool" };
    case "integer":
    case "unsigned":
      return { text: node.val.toString(), kind: "int" };
    case "float":
      return { text: String(node.val), kind: "float" };
    case "text":
      return { text: JSON.stringify(node.val), kind: "str", raw: node.val };
    case "binary":
      return { text: toHex(node.val), kind: "bin", bytes: true };
    case "ext":
      return { text: `ext ${node.val.typeCode}: ${toHex(node.val.data)}`, kind: "ext" };
    case "timestamp":
      return { text: new Date(Number(node.val.seconds) * 1000 + node.val.nanoseconds / 1e6).toISOString(), kind: "ts" };
    default:
      return { text: node.tag, kind: "other" };
  }
}

/**
 * The payload's pre-order node list as a tree: returns [value, next index].
 * A value is {summary, entries: [{key, value}]} for containers, {scalar} otherwise.
 */
export function valueTree(list, index) {
  const node = list[index];
  if (node.tag === "array" || node.tag === "mapping") {
    const entries = [];
    let next = index + 1;
    for (let i = 0; i < node.val; i++) {
      let key = String(i);
      if (node.tag === "mapping") {
        const [keyValue, afterKey] = valueTree(list, next);
        key = keyValue.scalar ? (keyValue.scalar.raw ?? keyValue.scalar.text) : "(container key)";
        next = afterKey;
      }
      const [value, afterValue] = valueTree(list, next);
      entries.push({ key, value });
      next = afterValue;
    }
    const summary = node.tag === "array" ? `array of ${node.val}` : `map of ${node.val}`;
    return [{ summary, entries, mapping: node.tag === "mapping" }, next];
  }
  const value = scalar(node);
  return [{ summary: value.text, scalar: value }, index + 1];
}
