// The decode pipeline. Input is read into pieces of bytes (lines of hex or
// base64 text, or a whole binary file); a framing cuts the pieces into frames;
// each frame goes through a chain of layers: a layer decodes its bytes into
// one node of the tree and may name the layer that reads what it carries.
//
//   HDLC / KISS stream ─ framing.deframer ─┐
//   RNS packet ────────────────────────────┼─ [framing.ifac unwrap] ─ rns.parse-packet
//                                          │     ├─ announce: rns.validate-announce ─ nodes.parse-announce-data
//                                          │     └─ data: shown as is (plain Styrene envelopes go on)
//   Styrene envelope ──────────────────────┴─ wire.decode-envelope ─ wire.decode-payload
import { describeError, errorCase } from "./component.js";
import { InputError, isPrintableText, parseBytes, toHex } from "./bytes.js";

const dispose = Symbol.dispose ?? Symbol.for("dispose");

/** The framings the panel offers; `hwMtu` is RNS's default for the interface kind. */
export const FRAMINGS = {
  hdlc: { label: "HDLC stream", stream: true, hwMtu: 16384 },
  kiss: { label: "KISS stream", stream: true, hwMtu: 564 },
  packet: { label: "RNS packet", stream: false },
  envelope: { label: "Styrene envelope", stream: false },
};

/** Reads the input into pieces: [{label, bytes, format}] (or {label, error} for a line that is not bytes). */
export function readPieces(input, format) {
  if (input.kind === "file" && !isPrintableText(input.bytes)) {
    return [{ label: input.name, bytes: input.bytes }];
  }
  const text = input.kind === "file" ? new TextDecoder().decode(input.bytes) : input.text;
  const lines = text.split(/\r?\n/).map((line, i) => ({ line: line.trim(), number: i + 1 }));
  const pieces = lines.filter(({ line }) => line !== "" && !line.startsWith("#"));
  if (pieces.length === 0) throw new InputError("nothing to decode: the input is empty");
  return pieces.map(({ line, number }) => {
    const label = pieces.length === 1 && input.kind === "text" ? "input" : `line ${number}`;
    try {
      return { label, ...parseBytes(line, format) };
    } catch (error) {
      if (error instanceof InputError) return { label, error: error.message };
      throw error;
    }
  });
}

const hexByte = (b) => `0x${b.toString(16).padStart(2, "0")}`;

/**
 * "auto" for the whole input: a stream when the first byte is a stream's
 * delimiter, else null (each frame is then picked by `pickFrame`).
 */
export function pickStream(pieces) {
  const first = pieces.find((p) => p.bytes?.length)?.bytes[0];
  if (first === 0x7e) return { framing: "hdlc", reason: "the first byte is 0x7e, HDLC's flag" };
  if (first === 0xc0) return { framing: "kiss", reason: "the first byte is 0xc0, KISS's FEND" };
  return null;
}

/**
 * "auto" for one frame. The envelope test comes first: styrened's own
 * `is_styrene_message` (the `styrene.io:` prefix), because RNS's unpack takes
 * almost any 19 bytes or more, envelopes included.
 */
export function pickFrame(api, bytes) {
  if (api.call((c) => c.wire.isStyreneMessage(bytes)).ok) {
    return { framing: "envelope", reason: "it starts with styrene.io: (wire.is-styrene-message)" };
  }
  if (api.call((c) => c.rns.parsePacket(bytes)).ok) {
    return { framing: "packet", reason: "it parses as an RNS packet" };
  }
  return { framing: "envelope", reason: "neither an RNS packet nor prefixed: read as an envelope for its error" };
}

/**
 * Runs the pieces of a stream through the component's deframer:
 * {items: [{label, bytes} | {label, dropped: {case, message}} | {label, event}], unfinished},
 * `unfinished` being the bytes of a frame still open at the end.
 */
export function deframe(api, pieces, framing, hwMtu, ifacSize) {
  const created = api.call((c) => new c.framing.Deframer(framing, hwMtu, ifacSize));
  const deframer = created.ok;
  const name = FRAMINGS[framing].label.split(" ")[0];
  const items = [];
  try {
    for (const piece of pieces) {
      for (const out of api.call(() => deframer.push(piece.bytes)).ok) {
        const label = `${piece.label}, ${name}`;
        if (out.tag === "frame") {
          items.push({ label, bytes: out.val });
        } else if (out.tag === "bad-length") {
          const limit = `RNS drops HDLC frames of 19 bytes or less, or longer than the MTU (${hwMtu}) plus the access code (${ifacSize})`;
          items.push({ label, dropped: { case: "bad-length", message: `bad-length: ${out.val} bytes; ${limit}` } });
        } else {
          items.push({ label, event: "ready: the TNC asks for more (KISS flow control)" });
        }
      }
    }
    const buffered = api.call(() => deframer.buffered()).ok;
    // an HDLC deframer keeps a frame's closing flag as the next one's opening
    // flag, so a stream that ends cleanly leaves that one byte behind
    return { items, unfinished: framing === "hdlc" ? Math.max(0, buffered - 1) : buffered };
  } finally {
    deframer[dispose]?.();
  }
}

/**
 * One decoded node: {title, summary, fields: [[label, value, field, kind]],
 * children: [node], error: {case, message}, notice: {kind, text, case}}.
 * `kind` "bytes" shows a value as monospace hex with a copy button.
 */
function errorNode(title, payload) {
  // the component's error says which case and why, in words
  return { title, error: { case: errorCase(payload), message: describeError(payload) }, fields: [], children: [] };
}

/** RNS 1.5.7's packet contexts (RNS.Packet). */
const CONTEXTS = new Map([
  [0x00, "NONE"], [0x01, "RESOURCE"], [0x02, "RESOURCE_ADV"], [0x03, "RESOURCE_REQ"],
  [0x04, "RESOURCE_HMU"], [0x05, "RESOURCE_PRF"], [0x06, "RESOURCE_ICL"], [0x07, "RESOURCE_RCL"],
  [0x08, "CACHE_REQUEST"], [0x09, "REQUEST"], [0x0a, "RESPONSE"], [0x0b, "PATH_RESPONSE"],
  [0x0c, "COMMAND"], [0x0d, "COMMAND_STATUS"], [0x0e, "CHANNEL"], [0xfa, "KEEPALIVE"],
  [0xfb, "LINKIDENTIFY"], [0xfc, "LINKCLOSE"], [0xfd, "LINKPROOF"], [0xfe, "LRRTT"], [0xff, "LRPROOF"],
]);

/** The access code (`framing.ifac` unwrap); the packet inside goes on. */
export const ifacLayer = {
  id: "ifac",
  decode(api, bytes, context) {
    const result = api.call(() => context.ifac.unwrap(bytes));
    if (result.err) return { node: errorNode("Access code (IFAC)", result.err) };
    const size = context.ifacSize;
    const node = {
      title: "Access code (IFAC)",
      summary: `valid, ${size}-byte code`,
      fields: [
        ["access code", "valid", "ifac-status"],
        ["code", toHex(bytes.subarray(2, 2 + size)), "ifac-code", "bytes"],
        ["packet", toHex(result.ok), "ifac-packet", "bytes"],
      ],
      children: [],
    };
    return { node, inner: { layer: rnsPacket, bytes: result.ok, carried: { unwrapped: true } } };
  },
};

/** An RNS packet (`rns.parse-packet`): the header, field by field, and the packet hash. */
export const rnsPacket = {
  id: "rns-packet",
  decode(api, bytes, context, carried) {
    const result = api.call((c) => c.rns.parsePacket(bytes));
    if (result.err) return { node: errorNode("RNS packet", result.err) };
    const { header, data, hash } = result.ok;
    const flag = (set) => (set ? "set" : "clear");
    const fields = [
      ["IFAC flag", flag(header.ifac), "ifac-flag"],
      ["header type", header.headerType ? "HEADER_2 (transport id, destination)" : "HEADER_1 (destination)", "header-type"],
      ["context flag", flag(header.contextFlag), "context-flag"],
      ["transport type", header.transportType ? "transport" : "broadcast", "transport-type"],
      ["destination type", header.destinationType, "destination-type"],
      ["packet type", header.packetType, "packet-type"],
      ["hops", header.hops, "hops"],
      ["transport id", header.transportId ? toHex(header.transportId) : "none", "transport-id", header.transportId ? "bytes" : undefined],
      ["destination hash", toHex(header.destinationHash), "destination-hash", "bytes"],
      ["context", `${hexByte(header.context)} ${CONTEXTS.get(header.context) ?? ""}`.trim(), "context"],
      ["packet hash", toHex(hash), "packet-hash", "bytes"],
      ["data", `${data.length} bytes`, "data-length"],
    ];
    const node = {
      title: "RNS packet",
      summary: `${header.packetType}, ${header.destinationType}, ${header.hops} hops`,
      fields,
      children: [],
    };
    if (header.ifac && !carried?.unwrapped) {
      node.notice = {
        kind: "error",
        case: "unexpected-flag",
        text: "The access-code flag is set: this frame carries an IFAC code, and the header after its first byte is masked. Give the network name or passphrase to unwrap it; the fields above are not meaningful without it.",
      };
      return { node };
    }
    if (header.packetType === "announce") {
      return { node, inner: { layer: rnsAnnounce, bytes } };
    }
    fields.push(["data (hex)", toHex(data), "data-hex", "bytes"]);
    if (header.packetType === "data") {
      const plain = header.destinationType === "plain";
      fields.push([
        "encryption",
        plain ? "none (a PLAIN destination)" : `encrypted to its ${header.destinationType} destination by RNS: not decrypted here`,
        "encryption",
      ]);
      if (plain && api.call((c) => c.wire.isStyreneMessage(data)).ok) {
        return { node, inner: { layer: styreneEnvelope, bytes: data } };
      }
    }
    return { node };
  },
};

/**
 * The name styrened recognises for a name hash, if any: {name, deviceType}.
 *
 * styrened compares the announced destination with the hash of each known
 * name and the identity. For an announce that `rns.validate-announce`
 * accepted, the destination is already the hash of its own name hash and
 * identity, so it equals a known name's exactly when the name hashes are
 * equal. The names and their hashes come from the component
 * (`nodes.known-aspects`), so the page needs no `crypto.subtle` (which browsers
 * withhold from plain-HTTP pages that are not localhost, as when a gateway
 * serves the page on a LAN address).
 */
function knownName(api, nameHash) {
  const hex = toHex(nameHash);
  return knownAspects(api).find((aspect) => toHex(aspect.nameHash) === hex) ?? null;
}

/** styrened's known names, from the component: [{name, deviceType, nameHash}]. */
function knownAspects(api) {
  return api.call((c) => c.nodes.knownAspects()).ok ?? [];
}

/** An announce (`rns.validate-announce`): signature, keys and hashes; its app_data goes on. */
export const rnsAnnounce = {
  id: "rns-announce",
  decode(api, bytes) {
    const result = api.call((c) => c.rns.validateAnnounce(bytes));
    if (result.err) return { node: errorNode("Announce", result.err) };
    const announce = result.ok;
    const known = knownName(api, announce.nameHash);
    // five bytes of seconds: always within the range of a Date
    const when = new Date(Number(announce.emittedAt) * 1000).toISOString();
    const appData = announce.appData;
    const node = {
      title: "Announce",
      summary: `valid${known ? `, ${known.name}` : ""}`,
      fields: [
        ["signature", "valid", "signature"],
        ["destination", toHex(announce.destinationHash), "announce-destination", "bytes"],
        ["identity hash", toHex(announce.identityHash), "identity-hash", "bytes"],
        ["public key", toHex(announce.publicKey), "public-key", "bytes"],
        ["name hash", toHex(announce.nameHash), "name-hash", "bytes"],
        ["name", known ? `${known.name} (by name hash)` : `not ${knownAspects(api).map((a) => a.name).join(", ")}`, "known-name"],
        ["random hash", toHex(announce.randomHash), "random-hash", "bytes"],
        ["emitted at", `${when} (${announce.emittedAt})`, "emitted-at"],
        ["ratchet", announce.ratchet ? toHex(announce.ratchet) : "none", "ratchet", announce.ratchet ? "bytes" : undefined],
        ["app_data", appData ? `${appData.length} bytes` : "none", "app-data-length"],
        appData ? ["app_data (hex)", toHex(appData), "app-data", "bytes"] : null,
      ].filter(Boolean),
      children: [],
    };
    return { node, inner: { layer: meshDevice, bytes: appData, carried: { hint: known } } };
  },
};

/** The mesh device styrened makes of an announce's app_data (`nodes.parse-announce-data`). */
export const meshDevice = {
  id: "mesh-device",
  decode(api, appData, context, carried) {
    const hint = carried?.hint ?? null;
    const result = api.call((c) => c.nodes.parseAnnounceData(appData ?? undefined, hint?.deviceType));
    if (result.err) return { node: errorNode("Mesh device", result.err) };
    const info = result.ok;
    const typeOf = (deviceType) => context.deviceTypes.find((t) => t.deviceType === deviceType);
    const type = typeOf(info.deviceType);
    const optional = (value) => (value === undefined || value === null ? "—" : value);
    const node = {
      title: "Mesh device",
      summary: `${info.name || "(no name)"}, ${type?.name ?? info.deviceType}`,
      fields: [
        ["name", info.name, "device-name"],
        ["device type", `${type?.name} (${type?.value})`, "device-type"],
        ["aspect hint", hint ? `${typeOf(hint.deviceType)?.name} (${hint.name}, by name hash)` : "none", "aspect-hint"],
        ["capabilities", info.capabilities ? info.capabilities.join(", ") || "(none)" : "—", "device-capabilities"],
        ["version", optional(info.version), "device-version"],
        ["short name", optional(info.shortName), "device-short-name"],
        ["system fingerprint", optional(info.systemFingerprint), "device-fingerprint"],
        ["LXMF destination", optional(info.lxmfDestinationHash), "device-lxmf"],
        ["NomadNet destination", optional(info.nomadnetDestinationHash), "device-nomadnet"],
      ],
      children: [],
    };
    return { node };
  },
};

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
        ["type", `${typeName} (${hexByte(envelope.messageType)})`, "type"],
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

/** The first layer for a frame of this framing: RNS frames start at the access code when there is one. */
export function firstLayer(framing, context) {
  if (framing === "envelope") return styreneEnvelope;
  return context.ifac ? ifacLayer : rnsPacket;
}

/** Runs a frame through the chain of layers: the list of nodes, outermost first. */
export function decodeFrame(api, bytes, context, first) {
  const nodes = [];
  let step = { layer: first, bytes };
  while (step) {
    const { node, inner } = step.layer.decode(api, step.bytes, context, step.carried);
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
