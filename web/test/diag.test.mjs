// The diagnostics page in a real browser: Debian's chromium, headless, driven
// by playwright-core (which never downloads a browser of its own). Fixtures
// come from styrened (make_fixtures.py); the page is served under /diag/,
// as the gateway serves it.
//
//   FIXTURES=target/web-test/fixtures node --test web/test/
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serve } from "../serve.mjs";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const repo = join(web, "..");
const fixtures = process.env.FIXTURES ?? join(repo, "target/web-test/fixtures");
const shots = join(repo, "target/web-test");
const readJson = (name) => JSON.parse(readFileSync(join(fixtures, name), "utf8"));
const envelopes = readJson("envelopes.json");
const announce = readJson("announce.json");
const stored = readJson("nodes.json");
const nodesDb = readFileSync(join(fixtures, "nodes.db"));

let server;
let browser;
let base;

before(async () => {
  server = await serve(join(web, "dist"), { prefix: "/diag/" });
  base = `http://127.0.0.1:${server.address().port}/diag/`;
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true });
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** A fresh page on `panel`, ready; every console error or page error fails the test at `done()`. */
async function open(panel, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const problems = [];
  page.on("console", (message) => message.type() === "error" && problems.push(`console: ${message.text()}`));
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()}`));
  page.on("request", (request) => {
    if (!request.url().startsWith(base) && !request.url().startsWith("blob:") && !request.url().startsWith("data:")) {
      problems.push(`fetched outside the page: ${request.url()}`);
    }
  });
  await page.goto(`${base}#${panel}`);
  await page.waitForSelector("body[data-ready]");
  assert.equal(await page.getAttribute("body", "data-ready"), "true", await page.innerText("#banner"));
  return {
    page,
    async done() {
      await context.close();
      assert.deepEqual(problems, [], "no console errors, no failed or outside requests");
    },
  };
}

const text = (page, selector) => page.locator(selector).first().innerText();

test("about: the component's version and world, loaded from relative URLs under /diag/", async () => {
  const { page, done } = await open("about");
  const version = readFileSync(join(repo, "Cargo.toml"), "utf8").match(/^version = "(.+)"/m)[1];
  const world = readFileSync(join(repo, "wit/world.wit"), "utf8");
  const pkg = world.match(/^package ([^;]+);/m)[1];
  const name = world.match(/^world (\S+)/m)[1];
  assert.equal(await text(page, '#about [data-field="version"]'), version);
  assert.equal(await text(page, '#about [data-field="world"]'), pkg.replace("@", `/${name}@`));
  assert.match(await text(page, '#about [data-field="load-ms"]'), /^\d+ ms/);
  assert.match(await text(page, '#about [data-field="file-store"]'), /^refused: io: /, "no preopened directory");
  await done();
});

test("decode: a styrened envelope as hex, shown field by field", async () => {
  const { page, done } = await open("decode");
  const chat = envelopes.chat;
  await page.fill("#decode-input", chat.hex);
  await page.click('#decode button[type="submit"]');
  const frame = page.locator("#decode-output .frame").first();
  assert.equal(await frame.locator('[data-field="version"]').innerText(), String(chat.version));
  assert.equal(await frame.locator('[data-field="type"]').innerText(), chat.type);
  assert.equal(await frame.locator('[data-field="request-id"]').innerText(), chat.request_id);
  assert.equal(await frame.locator('[data-field="payload-length"]').innerText(), `${chat.payload_length} bytes`);
  const textEntry = frame.locator('dt[data-key="text"] + dd');
  assert.equal(await textEntry.innerText(), JSON.stringify(chat.text));
  await page.screenshot({ path: join(shots, "decode.png"), fullPage: true });
  await done();
});

test("decode: several frames, base64 too, and a bad one with the component's error case", async () => {
  const { page, done } = await open("decode");
  const v1 = Buffer.from(envelopes.v1_chat.hex, "hex").toString("base64");
  await page.fill("#decode-input", [envelopes.chat.hex, v1, envelopes.bad_version.hex].join("\n"));
  await page.click('#decode button[type="submit"]');
  const frames = page.locator("#decode-output .frame");
  assert.equal(await frames.count(), 3);
  assert.equal(await frames.nth(1).locator('[data-field="type"]').innerText(), envelopes.v1_chat.type);
  assert.equal(await frames.nth(1).locator('[data-field="request-id"]').innerText(), "none (v1)");
  assert.match(await frames.nth(1).locator(".meta").innerText(), /from base64/);
  const error = frames.nth(2).locator("[data-error-case]");
  assert.equal(envelopes.bad_version.class, "UnsupportedVersionError");
  assert.equal(await error.getAttribute("data-error-case"), "unsupported-version");
  assert.equal(await error.innerText(), `unsupported-version: ${envelopes.bad_version.message}`);
  await done();
});

test("decode: text that is not hex or base64, and a 10 MB file, get a message; the page stays usable", async () => {
  const { page, done } = await open("decode");
  await page.fill("#decode-input", "this is not hex");
  await page.click('#decode button[type="submit"]');
  const message = page.locator('#decode-output [data-error-case="input"]');
  assert.match(await message.innerText(), /neither hex nor base64: "t" at column 1 is not a hex digit/);

  await page.setInputFiles("#decode-file", {
    name: "capture.bin",
    mimeType: "application/octet-stream",
    buffer: Buffer.alloc(10 * 1000 * 1000, 0x7e),
  });
  const tooLarge = page.locator('#decode-output [data-error-case="too-large"]');
  assert.match(await tooLarge.innerText(), /capture\.bin is 9\.5 MiB; the decoder takes at most 4\.0 MiB/);

  await page.setInputFiles("#decode-file", { name: "frame.bin", mimeType: "application/octet-stream", buffer: Buffer.from(envelopes.chat.hex, "hex") });
  assert.equal(await text(page, '#decode-output [data-field="type"]'), envelopes.chat.type);
  await done();
});

test("announce: styrened's parse of a Styrene app_data", async () => {
  const { page, done } = await open("announce");
  await page.fill("#announce-input", announce.app_data);
  await page.click('#announce button[type="submit"]');
  const field = (name) => text(page, `#announce-output [data-field="${name}"]`);
  assert.equal(await field("name"), announce.name);
  assert.match(await field("device-type"), new RegExp(`^${announce.device_type} \\(`));
  assert.deepEqual(await page.locator('#announce-output [data-field="capabilities"] .chip').allInnerTexts(), announce.capabilities);
  assert.equal(await field("version"), announce.version);
  assert.equal(await field("short-name"), announce.short_name);
  assert.equal(await field("fingerprint"), announce.system_fingerprint);
  assert.equal(await field("lxmf-destination"), announce.lxmf_destination_hash);
  assert.equal(await field("nomadnet-destination"), announce.nomadnet_destination_hash);
  await done();
});

test("node store: styrened's nodes.db, a prefix search, exports as JSON and as a database", async () => {
  const { page, done } = await open("store");
  await page.setInputFiles("#store-file", { name: "nodes.db", mimeType: "application/octet-stream", buffer: nodesDb });
  const status = page.locator('#store-status [data-error-case="opened"]');
  assert.match(await status.innerText(), new RegExp(`${stored.count} nodes, ${stored.styrene} Styrene nodes`));
  assert.equal(await page.locator("#store-list tbody tr").count(), stored.count);

  await page.fill("#store-query", stored.probe.prefix);
  await page.click('#store-search button[type="submit"]');
  assert.match(await text(page, "#store-results .notice"), new RegExp(`destination prefix → identity ${stored.probe.identity_hash}`));
  assert.equal(await text(page, '#store-inspect [data-field="destination"]'), stored.probe.destination_hash);
  assert.equal(await text(page, '#store-inspect [data-field="identity"]'), stored.probe.identity_hash);
  assert.equal(await text(page, '#store-inspect [data-field="name"]'), stored.probe.name);
  await page.screenshot({ path: join(shots, "store.png"), fullPage: true });

  const [json] = await Promise.all([page.waitForEvent("download"), page.click("#store-export-json")]);
  const exported = JSON.parse(readFileSync(await json.path(), "utf8"));
  assert.deepEqual(exported.nodes.map((n) => n.destinationHash).sort(), stored.nodes.map((n) => n.destination_hash).sort());

  const [db] = await Promise.all([page.waitForEvent("download"), page.click("#store-export-db")]);
  const image = readFileSync(await db.path());
  assert.equal(image.subarray(0, 16).toString("latin1"), "SQLite format 3\0");
  // the exported database opens again, with the same nodes
  await page.setInputFiles("#store-file", { name: "exported.db", mimeType: "application/octet-stream", buffer: image });
  assert.match(await text(page, "#store-status"), new RegExp(`^exported\\.db .*: ${stored.count} nodes`));
  await done();
});

test("node store: a file that is not SQLite is refused with not-a-database; the open store stays", async () => {
  const { page, done } = await open("store");
  await page.setInputFiles("#store-file", { name: "nodes.db", mimeType: "application/octet-stream", buffer: nodesDb });
  await page.locator('#store-status [data-error-case="opened"]').waitFor();
  await page.setInputFiles("#store-file", { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("field notes, not a database\n".repeat(20)) });
  const refused = page.locator('#store-status [data-error-case="not-a-database"]');
  assert.match(await refused.innerText(), /^notes\.txt: not-a-database: the image does not start with an SQLite header/);
  await page.fill("#store-query", stored.probe.destination_hash);
  await page.click('#store-search button[type="submit"]');
  assert.equal(await text(page, '#store-inspect [data-field="name"]'), stored.probe.name);
  await done();
});

test("pqc: a full hybrid handshake in the page and styrened's known answers", async () => {
  const { page, done } = await open("pqc");
  await page.click("#pqc-run");
  const verdict = page.locator('#pqc-output [data-error-case^="self-test"]');
  assert.equal(await verdict.getAttribute("data-error-case"), "self-test-passed", await page.innerText("#pqc-output"));
  const types = await page.locator("#pqc-steps tbody td:nth-child(3)").allInnerTexts();
  assert.deepEqual(types, ["PQC_INITIATE", "PQC_RESPOND", "PQC_CONFIRM", "(no reply)"]);
  const sizes = await page.locator("#pqc-steps tbody td:nth-child(4)").allInnerTexts();
  assert.ok(Number(sizes[0]) > 1184 + 32, "PQC_INITIATE carries an ML-KEM-768 and an X25519 public key");
  assert.equal(await page.locator('#pqc-output [data-kat="pass"]').count(), 3);
  assert.equal(await page.locator('#pqc-output [data-kat="fail"]').count(), 0);
  assert.equal(await text(page, '#pqc-output [data-field="tier"]'), "pqc-hybrid / pqc-hybrid");
  await page.screenshot({ path: join(shots, "pqc.png"), fullPage: true });
  await done();
});

test("phone screen, dark: readable and nothing wider than the screen", async () => {
  const { page, done } = await open("decode", { viewport: { width: 390, height: 844 }, colorScheme: "dark", deviceScaleFactor: 2 });
  await page.fill("#decode-input", envelopes.chat.hex);
  await page.click('#decode button[type="submit"]');
  await page.locator('#decode-output [data-field="type"]').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, "no horizontal scrolling");
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(background, "rgb(15, 18, 22)", "the dark palette");
  await page.screenshot({ path: join(shots, "phone-dark.png"), fullPage: true });
  await done();
});
