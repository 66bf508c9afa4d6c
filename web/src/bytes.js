// Turning what people paste or drop into bytes, and bytes into text.

/** Input the page refuses, with a message for the person who gave it. */
export class InputError extends Error {
  constructor(message) {
    super(message);
    this.name = "InputError";
  }
}

const HEX_DIGITS = /^[0-9a-fA-F]*$/;
const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

export function toHex(bytes) {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

export function fromHex(text) {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toBase64(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function fromBase64(text) {
  let standard = text.replace(/-/g, "+").replace(/_/g, "/");
  standard += "=".repeat((4 - (standard.length % 4)) % 4);
  const binary = atob(standard);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Hex with separators removed: spaces, colons, a leading 0x. */
function compactHex(text) {
  return text.replace(/^0x/i, "").replace(/[\s:]/g, "");
}

function isHex(text) {
  const hex = compactHex(text);
  return hex.length % 2 === 0 && HEX_DIGITS.test(hex);
}

function isBase64(text) {
  return BASE64.test(text) && text.length % 4 !== 1;
}

function firstBadCharacter(text, allowed) {
  for (let i = 0; i < text.length; i++) {
    if (!allowed.test(text[i])) return { char: text[i], column: i + 1 };
  }
  return null;
}

function hexProblem(text) {
  const offset = /^0x/i.test(text) ? 2 : 0;
  const bad = firstBadCharacter(text.slice(offset), /[0-9a-fA-F\s:]/);
  if (bad) return `${JSON.stringify(bad.char)} at column ${bad.column + offset} is not a hex digit`;
  return `an odd number of hex digits (${compactHex(text).length})`;
}

/**
 * Parses one piece of text as `hex`, `base64` or `auto` (hex when it is valid
 * hex, else base64). Hex may have spaces, colons and a leading 0x; base64 may
 * be URL-safe and unpadded, without spaces. Returns {bytes, format}; throws
 * InputError saying where the text stops being what it should be.
 */
export function parseBytes(text, format = "auto") {
  const trimmed = text.trim();
  if (trimmed === "") throw new InputError("nothing to decode: the input is empty");
  if ((format === "hex" || format === "auto") && isHex(trimmed)) {
    return { bytes: fromHex(compactHex(trimmed)), format: "hex" };
  }
  if ((format === "base64" || format === "auto") && isBase64(trimmed)) {
    return { bytes: fromBase64(trimmed), format: "base64" };
  }
  if (format === "hex") throw new InputError(`not hex: ${hexProblem(trimmed)}`);
  const bad = firstBadCharacter(trimmed, /[A-Za-z0-9+/\-_=]/);
  const base64Problem = bad
    ? `${JSON.stringify(bad.char)} at column ${bad.column} is not base64`
    : `${trimmed.length} characters is not a base64 length`;
  if (format === "base64") throw new InputError(`not base64: ${base64Problem}`);
  throw new InputError(`neither hex nor base64: ${hexProblem(trimmed)}, and ${base64Problem}`);
}

/** Whether bytes look like text (printable ASCII and whitespace only). */
export function isPrintableText(bytes) {
  for (const b of bytes) {
    if (!(b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127))) return false;
  }
  return true;
}

export function formatSize(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Reads a dropped or chosen file, refusing it before reading if it is over `limit` bytes. */
export async function readFileLimited(file, limit, purpose) {
  if (file.size > limit) {
    throw new InputError(
      `${file.name} is ${formatSize(file.size)}; ${purpose} takes at most ${formatSize(limit)}`,
    );
  }
  return new Uint8Array(await file.arrayBuffer());
}
