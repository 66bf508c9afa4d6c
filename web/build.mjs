// Builds web/dist/: the very same dist/styrene.wasm that the other hosts run,
// transpiled by jco (instantiation mode: the page supplies the WASI imports
// and fetches the core modules itself, by relative URL), plus the app bundled
// by esbuild. Everything in dist/ is addressed relative to index.html, so the
// directory can be served under any prefix (the gateway serves it at /diag/).
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { writeKatFixture } from "./scripts/kat-fixture.mjs";

const web = dirname(fileURLToPath(import.meta.url));
const root = join(web, "..");
const wasm = process.env.STYRENE_WASM ?? join(root, "dist/styrene.wasm");
const build = join(web, "build");
const dist = join(web, "dist");

if (!existsSync(wasm)) {
  console.error(`${wasm} is missing: run \`just build\` first`);
  process.exit(1);
}
const lock = JSON.parse(readFileSync(join(web, "package-lock.json"), "utf8"));
const versionOf = (name) => lock.packages[`node_modules/${name}`]?.version ?? "unknown";

rmSync(build, { recursive: true, force: true });
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

execFileSync(
  join(web, "node_modules/.bin/jco"),
  ["transpile", wasm, "--out-dir", join(build, "jco"), "--name", "styrene",
    "--instantiation", "async", "--no-nodejs-compat", "--no-typescript", "--quiet"],
  { stdio: "inherit" },
);
writeKatFixture(join(root, "tests/vectors/pqc.json.gz"), join(build, "kat.json"));

await esbuild.build({
  entryPoints: [join(web, "src/main.js")],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2022"],
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  outfile: join(dist, "app.js"),
  define: {
    STYRENE_BUILD: JSON.stringify({
      jco: versionOf("@bytecodealliance/jco"),
      preview2Shim: versionOf("@bytecodealliance/preview2-shim"),
      wasmBytes: statSync(wasm).size,
      builtAt: new Date().toISOString(),
    }),
  },
  logLevel: "warning",
});

for (const file of readdirSync(join(build, "jco")).filter((f) => f.endsWith(".wasm"))) {
  copyFileSync(join(build, "jco", file), join(dist, file));
}
for (const file of ["index.html", "style.css"]) {
  copyFileSync(join(web, "src", file), join(dist, file));
}
const size = (f) => statSync(join(dist, f)).size;
const listing = readdirSync(dist).filter((f) => !f.endsWith(".map")).map((f) => `${f} ${size(f)}`);
console.log(`web/dist: ${listing.join(", ")}`);
