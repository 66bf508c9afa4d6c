// The page's numbers: what a browser downloads (the JS bundle and the core
// wasm modules, raw and gzipped) and how long a cold page takes from
// navigation to interactive (component fetched, compiled, instantiated and
// the panels wired), in Debian's chromium, headless. Writes
// target/web-bench.json. `node web/bench.mjs [RUNS]` after `node web/build.mjs`.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { serve } from "./serve.mjs";

const web = dirname(fileURLToPath(import.meta.url));
const dist = join(web, "dist");
const runs = Number(process.argv[2] ?? 7);

const sizes = {};
for (const file of readdirSync(dist).filter((f) => /\.(js|wasm|css|html)$/.test(f))) {
  const bytes = readFileSync(join(dist, file));
  sizes[file] = { bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

const server = await serve(dist, { prefix: "/diag/" });
const url = `http://127.0.0.1:${server.address().port}/diag/`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true });
const samples = [];
try {
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext(); // a fresh HTTP cache: every run is a cold load
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');
    samples.push(
      await page.evaluate(() => {
        const ready = performance.getEntriesByName("styrene-ready")[0];
        const navigation = performance.getEntriesByType("navigation")[0];
        return { interactive: ready.startTime, component: ready.detail.loadMs, domContentLoaded: navigation.domContentLoadedEventEnd };
      }),
    );
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const result = {
  sizes,
  runs,
  medianMs: {
    navigationToInteractive: median(samples.map((s) => s.interactive)),
    componentLoad: median(samples.map((s) => s.component)),
    domContentLoaded: median(samples.map((s) => s.domContentLoaded)),
  },
  samples,
};
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log("web/dist                      raw        gzip");
for (const [file, { bytes, gzip }] of Object.entries(sizes)) {
  console.log(`  ${file.padEnd(24)} ${kib(bytes).padStart(10)} ${kib(gzip).padStart(11)}`);
}
const m = result.medianMs;
console.log(`cold load, median of ${runs} (chromium headless, 127.0.0.1):`);
console.log(`  navigation to interactive  ${m.navigationToInteractive.toFixed(0)} ms`);
console.log(`  of which styrene.wasm      ${m.componentLoad.toFixed(0)} ms (fetch, compile, instantiate)`);
const out = join(web, "../target/web-bench.json");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(result, null, 1) + "\n");
console.log(`written to ${out}`);
