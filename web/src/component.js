// Loads styrene.wasm (transpiled by jco in instantiation mode) with the
// preview2-shim's browser WASI, and keeps one live instance.
//
// What the browser gives the component: randomness (crypto.getRandomValues),
// clocks, no file locks (./file-locks.js), and no filesystem at all: no directory is preopened, so the
// file-backed node store answers `io`, and the page opens databases as
// images in memory (`node-store.open-image`). jco has no fuel or epoch
// deadline: a call runs to completion on the page's thread.
import { instantiate } from "../build/jco/styrene.js";
import { WASIShim } from "@bytecodealliance/preview2-shim/instantiation";
import { LockableFile } from "./file-locks.js";

/** A trap inside the component; the instance was replaced by a fresh one. */
export class TrapError extends Error {
  constructor(cause) {
    super(`the component trapped (${cause.message}); a fresh instance was loaded`);
    this.name = "TrapError";
    this.cause = cause;
  }
}

function wasiImports() {
  const wasi = new WASIShim({
    sandbox: { preopens: {}, env: {}, args: ["styrene"], enableNetwork: false },
  }).getImportObject();
  return { ...wasi, "styrene:core/file-locks": { LockableFile } };
}

/** The component, loaded: `exports` is {info, wire, nodes, pqc}. */
export class Runtime {
  constructor() {
    this.exports = null;
    this.coreModules = {};
    this.loadMs = null;
    this.generation = 0;
    this.onReload = [];
  }

  /** Fetches and compiles the core modules (once) and instantiates the component. */
  async load() {
    const started = performance.now();
    const compiled = {};
    const getCoreModule = async (path) => {
      if (!compiled[path]) {
        const response = await fetch(new URL(path, import.meta.url));
        if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
        const bytes = await response.arrayBuffer();
        this.coreModules[path] = bytes.byteLength;
        compiled[path] = WebAssembly.compile(bytes);
      }
      return compiled[path];
    };
    this.getCoreModule = getCoreModule;
    this.exports = await instantiate(getCoreModule, wasiImports());
    this.loadMs = performance.now() - started;
    return this;
  }

  /** A fresh instance after a trap (the compiled modules are reused). */
  async reload() {
    this.exports = await instantiate(this.getCoreModule, wasiImports());
    this.generation += 1;
    for (const listener of this.onReload) listener();
  }

  /**
   * Runs `fn(exports)`: `{ok: value}`, or `{err: payload}` for a WIT error
   * case (jco throws it as an Error with a `payload`). A trap reloads the
   * instance and throws a TrapError; anything else is a bug and is rethrown.
   */
  call(fn) {
    try {
      return { ok: fn(this.exports) };
    } catch (error) {
      if (error && Object.prototype.hasOwnProperty.call(error, "payload")) {
        return { err: error.payload };
      }
      if (error instanceof WebAssembly.RuntimeError) {
        this.exports = null;
        const reloaded = this.reload();
        throw Object.assign(new TrapError(error), { reloaded });
      }
      throw error;
    }
  }
}

/** A WIT error value as one line: `case: message`. */
export function describeError(payload) {
  if (payload === undefined || payload === null) return "error";
  if (typeof payload === "string") return payload;
  if (typeof payload.tag === "string") {
    return payload.val === undefined ? payload.tag : `${payload.tag}: ${describeError(payload.val)}`;
  }
  if (typeof payload.code === "string") return `${payload.code}: ${payload.message}`;
  return String(payload);
}

/** The case name of a WIT error value, for `data-error-case` and styling. */
export function errorCase(payload) {
  if (payload && typeof payload.tag === "string") return payload.tag;
  if (payload && typeof payload.code === "string") return payload.code;
  return "error";
}
