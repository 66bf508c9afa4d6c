// About: what is running, how long it took to load, and what a browser cannot give it.
import { formatSize } from "../bytes.js";
import { describeError } from "../component.js";
import { el, fields, show } from "../ui.js";

/* global STYRENE_BUILD */

export function aboutPanel(root, api) {
  const output = root.querySelector("#about-output");
  const version = api.call((c) => c.info.version()).ok;
  const world = api.call((c) => c.info.worldName()).ok;
  // the file-backed store, asked honestly: no directory is preopened here
  const file = api.call((c) => c.nodes.NodeStore.open("nodes.db"));
  file.ok?.[Symbol.dispose]?.();
  const fileStore = file.err ? `refused: ${describeError(file.err)}` : "opened (unexpected: a directory is preopened)";
  const modules = Object.entries(api.coreModules).map(([name, size]) => `${name} ${formatSize(size)}`).join(", ");
  show(
    output,
    fields([
      ["component version", version, "version"],
      ["WIT world", world, "world"],
      ["load time", `${api.loadMs.toFixed(0)} ms (fetch, compile and instantiate)`, "load-ms"],
      ["styrene.wasm", formatSize(STYRENE_BUILD.wasmBytes)],
      ["core modules", modules, "core-modules"],
      ["jco / preview2-shim", `${STYRENE_BUILD.jco} / ${STYRENE_BUILD.preview2Shim}`],
      ["built", STYRENE_BUILD.builtAt],
      ["file-backed node store", fileStore, "file-store"],
      ["browser", navigator.userAgent],
    ]),
  );
}
