// A small static server for web/dist on 127.0.0.1, with the MIME types the
// page needs (WebAssembly.compileStreaming insists on application/wasm).
// `node serve.mjs [--port N] [--prefix /diag/]`; the prefix mounts the page
// below a path, as the gateway's status port does. Its Gateway panel asks
// for `../status`; this server is no gateway and answers 204 (no status),
// where a 404 would put a red line in the browser's console on every load.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, dirname, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const MIME_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".txt": "text/plain; charset=utf-8",
};

/** Serves `root` at `prefix`; resolves to the listening server once it listens. */
export function serve(root, { host = "127.0.0.1", port = 0, prefix = "/" } = {}) {
  const base = prefix.endsWith("/") ? prefix : `${prefix}/`;
  const gatewayStatus = new URL("../status", `http://localhost${base}`).pathname;
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url, "http://localhost").pathname);
    if (path === gatewayStatus) {
      response.writeHead(204, { "cache-control": "no-store" }).end();
      return;
    }
    if (path === base.slice(0, -1)) {
      response.writeHead(301, { location: base }).end();
      return;
    }
    if (!path.startsWith(base) || (request.method !== "GET" && request.method !== "HEAD")) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    const relative = path.slice(base.length) || "index.html";
    const file = normalize(join(root, relative));
    if (!file.startsWith(root + sep)) {
      response.writeHead(403).end();
      return;
    }
    try {
      if (!(await stat(file)).isFile()) throw new Error("not a file");
      const body = await readFile(file);
      response.writeHead(200, {
        "content-type": MIME_TYPES[extname(file)] ?? "application/octet-stream",
        "content-length": body.length,
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
      });
      response.end(request.method === "HEAD" ? undefined : body);
    } catch {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : fallback;
  };
  const root = join(dirname(fileURLToPath(import.meta.url)), "dist");
  const prefix = option("--prefix", "/");
  const server = await serve(root, { port: Number(option("--port", "8090")), prefix });
  const { address, port } = server.address();
  console.log(`Styrene diagnostics: http://${address}:${port}${prefix} (Ctrl-C stops)`);
}
