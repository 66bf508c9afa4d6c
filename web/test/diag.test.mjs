// The diagnostics page in a real browser: Debian's chromium, headless, driven
// by playwright-core (which never downloads a browser of its own). Fixtures
// come from styrened (make_fixtures.py); the page is served under /diag/,
// as the gateway serves it. The Gateway panel's tests run a real
// styrene-gateway (target/native, with the component it loads).
//
//   FIXTURES=target/web-test/fixtures node --test web/test/
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { formatSize } from "../src/bytes.js";
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
const captures = readJson("captures.json");
const conversations = readJson("messages.json");
const messagesDb = readFileSync(join(fixtures, "messages.db"));
const captureFile = (capture) => ({ name: capture.file, mimeType: "application/octet-stream", buffer: readFileSync(join(fixtures, capture.file)) });

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

/**
 * A fresh page on `panel`, ready, from `at` (the page under /diag/ of serve.mjs
 * unless a gateway's); every console error or page error fails the test at
 * `done()`, but for those `done` is told to expect.
 */
async function open(panel, { at = base, ...options } = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const problems = [];
  // besides its own files, the page asks only for the status of the gateway that may serve it
  const gatewayApi = ["../status", "../paths"].map((path) => new URL(path, at).href);
  page.on("console", (message) => message.type() === "error" && problems.push(`console: ${message.text()}`));
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()}`));
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(at) && !gatewayApi.includes(url) && !url.startsWith("blob:") && !url.startsWith("data:")) {
      problems.push(`fetched outside the page: ${url}`);
    }
  });
  await page.goto(`${at}#${panel}`);
  await page.waitForSelector("body[data-ready]");
  assert.equal(await page.getAttribute("body", "data-ready"), "true", await page.innerText("#banner"));
  return {
    page,
    async done(expected = []) {
      // taken before closing: a poll still in flight when the page goes is no failure
      const seen = problems.filter((problem) => !expected.some((pattern) => pattern.test(problem)));
      await context.close();
      assert.deepEqual(seen, [], "no console errors, no failed or outside requests");
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

/** The deframing summary, once the page has decoded a capture. */
async function deframed(page, pattern) {
  const selector = '#decode-output [data-error-case="deframed"], #decode-output [data-error-case="no-frames"]';
  const summary = page.locator(selector);
  await summary.first().waitFor();
  if (pattern) {
    // after a second Decode the old summary is still there until the new one replaces it
    await page.waitForFunction(
      ([selector, source]) => new RegExp(source).test(document.querySelector(selector)?.innerText ?? ""),
      [selector, pattern.source],
    );
  }
  return summary.first().innerText();
}

const ANNOUNCE_ERROR = { bad_signature: "bad-signature", mismatch: "destination-mismatch" };

/**
 * Every rendered frame against what RNS's own read loop delivered or dropped,
 * what RNS says of each packet and announce, and what styrened's announce
 * handler makes of the app_data (all from make_fixtures.py).
 */
async function checkFrames(page, expected) {
  const frames = page.locator("#decode-output .frame");
  assert.equal(await frames.count(), expected.length, "one card per frame RNS delivered or dropped");
  for (const [i, want] of expected.entries()) {
    const frame = frames.nth(i);
    const field = (name) => frame.locator(`[data-field="${name}"]`).first().innerText();
    const where = `frame ${i + 1}`;
    if ("dropped" in want) {
      assert.match(await frame.locator('[data-error-case="bad-length"]').innerText(), new RegExp(`^bad-length: ${want.dropped} bytes`), where);
      continue;
    }
    assert.match(await frame.locator(".meta").innerText(), new RegExp(`^${want.frame.length / 2} bytes`), where);
    if (want.packet) {
      assert.equal(await field("ifac-status"), "valid", where);
      assert.equal(await field("ifac-packet"), want.packet, where);
    }
    if (want.unpacks === false) {
      assert.equal(await frame.locator("details.layer.failed").count(), 1, `${where}: RNS does not unpack it, and neither does the page`);
      continue;
    }
    assert.equal(await field("destination-hash"), want.destination_hash, where);
    assert.equal(await field("packet-hash"), want.packet_hash, where);
    if (!("valid" in want)) continue;
    assert.equal(await field("packet-type"), "announce", where);
    assert.equal(await field("hops"), String(want.hops), where);
    if (!want.valid) {
      const refused = frame.locator("details.layer.failed [data-error-case]");
      assert.equal(await refused.getAttribute("data-error-case"), ANNOUNCE_ERROR[want.forgery], where);
      continue;
    }
    assert.equal(await field("signature"), "valid", where);
    assert.equal(await field("announce-destination"), want.destination_hash, where);
    assert.equal(await field("identity-hash"), want.identity_hash, where);
    assert.equal(await field("public-key"), want.public_key, where);
    assert.equal(await field("app-data-length"), want.app_data === null ? "none" : `${want.app_data.length / 2} bytes`, where);
    assert.equal(await field("device-name"), want.device_name, where);
    assert.match(await field("device-type"), new RegExp(`^${want.device_type} \\(`), where);
    assert.match(await field("aspect-hint"), new RegExp(`^${want.aspect_hint ?? "none"}`), where);
  }
}

test("decode: an HDLC capture file (RNS's framing), picked by auto and deframed by the component", async () => {
  const { page, done } = await open("decode");
  const capture = captures.hdlc;
  await page.setInputFiles("#decode-file", captureFile(capture));
  assert.match(await deframed(page), /^HDLC stream, hw-mtu 16384: \d+ bytes read, 6 frames; 1 dropped for their length; 30 bytes of an unfinished frame at the end$/);
  assert.equal(await text(page, '#decode-output [data-error-case="picked"]'), "auto: HDLC stream, as the first byte is 0x7e, HDLC's flag");
  await checkFrames(page, capture.frames);
  assert.ok(capture.frames.some((f) => f.valid === false) && capture.frames.some((f) => f.aspect_hint), "a forgery and an aspect hint are checked");
  await page.screenshot({ path: join(shots, "decode-hdlc.png"), fullPage: true });
  // the top of it, for the README (web/screenshot-decode.png)
  await page.setViewportSize({ width: 1100, height: 900 });
  await page.screenshot({ path: join(shots, "decode-capture.png"), fullPage: true, clip: { x: 0, y: 0, width: 1100, height: 2050 } });

  // the same file with a smaller MTU: RNS drops the longer announces
  await page.fill("#decode-mtu", String(captures.hdlc_mtu_200.hw_mtu));
  await page.click('#decode button[type="submit"]');
  assert.match(await deframed(page, /^HDLC stream, hw-mtu 200: /), /^HDLC stream, hw-mtu 200: /);
  await checkFrames(page, captures.hdlc_mtu_200.frames);
  await done();
});

test("decode: a KISS capture pasted as base64, framing chosen by hand", async () => {
  const { page, done } = await open("decode");
  const capture = captures.kiss;
  await page.fill("#decode-input", readFileSync(join(fixtures, capture.file)).toString("base64"));
  await page.selectOption("#decode-framing", "kiss");
  await page.click('#decode button[type="submit"]');
  assert.match(await deframed(page), /^KISS stream, hw-mtu 564: \d+ bytes read, 7 frames$/);
  assert.equal(await page.locator('#decode-output [data-error-case="picked"]').count(), 0, "nothing to pick");
  await checkFrames(page, capture.frames);
  await done();
});

test("decode: an IFAC capture unwraps with the right passphrase and is invalid with a wrong one", async () => {
  const { page, done } = await open("decode");
  const capture = captures.ifac;
  await page.fill("#decode-ifac-network", capture.network_name);
  await page.fill("#decode-ifac-passphrase", capture.passphrase);
  await page.fill("#decode-ifac-size", String(capture.ifac_size));
  await page.setInputFiles("#decode-file", captureFile(capture));
  assert.match(await deframed(page), new RegExp(`, IFAC ${capture.ifac_size} bytes: \\d+ bytes read, ${capture.frames.length} frames$`));
  await checkFrames(page, capture.frames);

  // the same file again (Decode with the text box empty), with a wrong passphrase
  await page.fill("#decode-ifac-passphrase", `${capture.passphrase}!`);
  await page.click('#decode button[type="submit"]');
  await deframed(page);
  const invalid = page.locator('#decode-output .frame [data-error-case="invalid"]');
  await invalid.first().waitFor();
  assert.equal(await invalid.count(), capture.frames.length);
  assert.match(await invalid.first().innerText(), /^invalid: invalid IFAC on packet$/);
  assert.equal(await page.locator('#decode-output [data-field="ifac-packet"]').count(), 0);

  // a code size the component refuses
  await page.fill("#decode-ifac-size", "65");
  await page.click('#decode button[type="submit"]');
  assert.match(await text(page, '#decode-output [data-error-case="bad-size"]'), /^IFAC: bad-size: IFAC size must be 1 to 64 bytes, got 65$/);
  await done();
});

test("decode: one announce packet as hex is picked as an RNS packet; an envelope stays an envelope", async () => {
  const { page, done } = await open("decode");
  const announcePacket = captures.hdlc.frames.find((f) => f.aspect_hint);
  await page.fill("#decode-input", [announcePacket.frame, envelopes.chat.hex].join("\n"));
  await page.click('#decode button[type="submit"]');
  const frames = page.locator("#decode-output .frame");
  assert.equal(await frames.count(), 2);
  assert.match(await frames.nth(0).locator(".meta").innerText(), /as RNS packet \(auto: it parses as an RNS packet\)/);
  assert.equal(await frames.nth(0).locator('[data-field="identity-hash"]').innerText(), announcePacket.identity_hash);
  assert.equal(await frames.nth(0).locator('[data-field="known-name"]').innerText(), `${announcePacket.aspects} (by name hash)`);
  assert.match(await frames.nth(1).locator(".meta").innerText(), /as Styrene envelope \(auto: it starts with styrene\.io:/);
  assert.equal(await frames.nth(1).locator('[data-field="type"]').innerText(), envelopes.chat.type);
  await done();
});

test("decode: bytes with no frame in them say so", async () => {
  const { page, done } = await open("decode");
  await page.fill("#decode-input", "7e0102030405");
  await page.click('#decode button[type="submit"]');
  assert.match(await deframed(page), /^HDLC stream, hw-mtu 16384: 6 bytes read, 0 frames; 5 bytes of an unfinished frame at the end$/);
  assert.equal(await page.locator("#decode-output .frame").count(), 0);
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
  // opening is asynchronous: wait for the status line to name the new file
  await page.waitForFunction(() => document.querySelector("#store-status")?.innerText.startsWith("exported.db"));
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

/** The Messages panel with styrened's messages.db open for its local destination. */
async function openMessages() {
  const opened = await open("messages");
  const { page } = opened;
  // the database first: the page asks for the local destination before it opens it
  await page.setInputFiles("#messages-file", { name: "messages.db", mimeType: "application/octet-stream", buffer: messagesDb });
  assert.match(await text(page, '#messages-status [data-error-case="need-local-hash"]'), /32 hex digits/);
  // as RNS prints it, in capitals: the page takes it
  await page.fill("#messages-local", `<${conversations.local.toUpperCase()}>`);
  await page.click('#messages-open button[type="submit"]');
  await page.locator('#messages-status [data-error-case="opened"]').waitFor();
  return opened;
}

/** The ids of the messages listed in `selector`. */
const listedIds = (page, selector) => page.locator(`${selector} li.message`).evaluateAll((items) => items.map((li) => Number(li.dataset.id)));

test("messages: styrened's messages.db, its conversations with their counts, one shown oldest first, then older", async () => {
  const { page, done } = await openMessages();
  const want = conversations.conversations;
  const total = want.reduce((sum, c) => sum + c.message_count, 0);
  const unread = want.reduce((sum, c) => sum + c.unread_count, 0);
  assert.match(
    await text(page, "#messages-status"),
    new RegExp(`^messages\\.db .* for ${conversations.local}: ${want.length} conversations, ${total} chat messages, ${unread} unread; integrity ok`),
  );
  const rows = page.locator("#messages-list tbody tr");
  assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.peer)), want.map((c) => c.peer_hash), "newest first, as styrened lists them");
  for (const [i, c] of want.entries()) {
    const cell = (field) => rows.nth(i).locator(`[data-field="${field}"]`).innerText();
    assert.equal(await cell("message-count"), String(c.message_count), c.peer_hash);
    assert.equal(await cell("unread-count"), String(c.unread_count), c.peer_hash);
    assert.equal(await cell("attachment-count"), String(c.attachment_count), c.peer_hash);
    assert.equal(await cell("preview"), `${c.last_message_outgoing ? "→ " : ""}${c.last_message_preview}`, c.peer_hash);
  }
  assert.ok(want.some((c) => c.attachment_count > 0) && new Set(want.map((c) => c.unread_count)).size > 1, "the counts tell the conversations apart");

  // the ridge relay: the newest 50, oldest first, then the 10 before them
  await page.click(`#messages-list tr[data-peer="${conversations.peers.ridge}"]`);
  await page.locator("#messages-thread li.message").first().waitFor();
  assert.deepEqual(await listedIds(page, "#messages-thread"), conversations.ridge_newest.map((m) => m.id));
  assert.equal(await text(page, "#messages-thread li.message .content"), conversations.ridge_newest[0].content);
  assert.equal(await text(page, '#messages-thread [data-field="shown"]'), "50 of 60 messages, oldest first");
  await page.click("#messages-older");
  await page.waitForFunction(() => document.querySelectorAll("#messages-thread li.message").length === 60);
  assert.deepEqual(await listedIds(page, "#messages-thread"), [...conversations.ridge_older, ...conversations.ridge_newest].map((m) => m.id));
  assert.equal(await page.locator("#messages-older").count(), 0, "nothing older is left");

  // base camp: a title, an attachment, unicode
  await page.click(`#messages-list tr[data-peer="${conversations.peers.camp}"]`);
  await page.waitForFunction((peer) => document.querySelector("#messages-thread section")?.dataset.peer === peer, conversations.peers.camp);
  assert.equal(await text(page, '#messages-thread [data-field="title"]'), "Supplies");
  assert.equal(await text(page, '#messages-thread [data-field="attachment"]'), "attachment: image, ridge.jpg, 47.1 KiB, image/jpeg");
  assert.ok((await page.locator("#messages-thread .content").allInnerTexts()).includes("Grüße aus Zürich 🏔️ — 山の上から"));
  await page.screenshot({ path: join(shots, "messages.png"), fullPage: true });

  // the export opens again, with the same conversations
  const [db] = await Promise.all([page.waitForEvent("download"), page.click("#messages-export")]);
  const image = readFileSync(await db.path());
  assert.equal(image.subarray(0, 16).toString("latin1"), "SQLite format 3\0");
  await page.setInputFiles("#messages-file", { name: "exported.db", mimeType: "application/octet-stream", buffer: image });
  await page.waitForFunction(() => document.querySelector("#messages-status")?.innerText.startsWith("exported.db"));
  assert.match(await text(page, "#messages-status"), new RegExp(`: ${want.length} conversations, ${total} chat messages, ${unread} unread`));
  await done();
});

test("messages: FTS5 search finds a word, a prefix and a phrase as styrened does; a bad query is a notice", async () => {
  const { page, done } = await openMessages();
  for (const [kind, query] of Object.entries(conversations.queries)) {
    await page.fill("#messages-query", query);
    await page.click('#messages-search button[type="submit"]');
    const found = conversations.found[kind];
    await page.waitForFunction(
      (n) => document.querySelector('#messages-results [data-error-case="found"]')?.innerText.startsWith(`${n} chat messages match`) &&
        document.querySelectorAll("#messages-results li.message").length === n,
      found.length,
    );
    assert.deepEqual(await listedIds(page, "#messages-results"), found, `${kind}: ${query}`);
  }
  const bad = conversations.bad_query;
  await page.fill("#messages-query", bad.query);
  await page.click('#messages-search button[type="submit"]');
  assert.equal(await text(page, '#messages-results [data-error-case="invalid-query"]'), `not a valid FTS5 query: ${bad.error}`);
  // the page goes on searching
  await page.fill("#messages-query", conversations.queries.phrase);
  await page.click('#messages-search button[type="submit"]');
  await page.locator('#messages-results [data-error-case="found"]').waitFor();
  assert.deepEqual(await listedIds(page, "#messages-results"), conversations.found.phrase);
  await done();
});

test("messages: a file that is not SQLite is refused with not-a-database; the open database stays", async () => {
  const { page, done } = await openMessages();
  await page.setInputFiles("#messages-file", { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("field notes, not a database\n".repeat(20)) });
  const refused = page.locator('#messages-status [data-error-case="not-a-database"]');
  assert.match(await refused.innerText(), /^notes\.txt: not-a-database: the image does not start with an SQLite header/);
  await page.click(`#messages-list tr[data-peer="${conversations.peers.camp}"]`);
  assert.equal(await text(page, '#messages-thread [data-field="title"]'), "Supplies");
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

// ---- the Gateway panel, on a real styrene-gateway ----

const GATEWAY = join(repo, "target/native/styrene-gateway");
// RNS 1.5.7's own announces; the first valid one (the others are forgeries)
const rnsAnnounce = JSON.parse(gunzipSync(readFileSync(join(repo, "tests/vectors/rns.json.gz")))).announces.find(
  (a) => a.valid === true && !("forgery" in a),
);

/** A port nothing listens on now, for the gateway to take. */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function getJson(url) {
  try {
    const response = await fetch(url);
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

/** A packet framed as RNS's TCP interfaces frame it: HDLC flags around it, 0x7e and 0x7d escaped. */
function hdlc(packet) {
  const out = [0x7e];
  for (const byte of packet) {
    if (byte === 0x7e || byte === 0x7d) out.push(0x7d, byte ^ 0x20);
    else out.push(byte);
  }
  out.push(0x7e);
  return Buffer.from(out);
}

/**
 * `styrene-gateway run` with one `tcp_server` interface (`lan`), its status
 * port serving web/dist at /diag/, and no announces of its own but the one
 * it makes when a client connects; `top` adds lines at the top of gateway.toml.
 */
async function startGateway(top = []) {
  const dir = mkdtempSync(join(tmpdir(), "styrene-web-gateway-"));
  const statusPort = await freePort();
  const lanPort = await freePort();
  const config = join(dir, "gateway.toml");
  writeFileSync(
    config,
    [
      'name = "web-test"',
      `data_dir = ${JSON.stringify(join(dir, "data"))}`,
      ...top,
      "[announce]",
      "interval_secs = 0",
      "[status]",
      `listen = "127.0.0.1:${statusPort}"`,
      `diag_dir = ${JSON.stringify(join(web, "dist"))}`,
      "[[interface]]",
      'name = "lan"',
      'type = "tcp_server"',
      `listen = "127.0.0.1:${lanPort}"`,
    ].join("\n") + "\n",
  );
  const log = join(dir, "gateway.log");
  const child = spawn(GATEWAY, ["run", "--config", config], {
    env: {
      ...process.env,
      STYRENE_WASM: join(repo, "target/wasm32-wasip2/release/styrene.wasm"),
      STYRENE_CACHE_DIR: join(repo, "target/styrene-cache"),
    },
    stdio: ["ignore", "ignore", openSync(log, "a")],
  });
  const url = `http://127.0.0.1:${statusPort}`;
  // the status port answers at once; the identity is there once the relay runs
  for (let tries = 0; !(await getJson(`${url}/status`))?.identity_hash; tries++) {
    if (child.exitCode !== null || tries > 600) {
      child.kill();
      throw new Error(`the gateway did not come up:\n${readFileSync(log, "utf8")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    diag: `${url}/diag/`,
    lanPort,
    status: () => getJson(`${url}/status`),
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await once(child, "exit");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP client of the gateway's `lan` interface, as a Reticulum program would be. */
async function lanClient(gateway) {
  const socket = connect(gateway.lanPort, "127.0.0.1");
  await once(socket, "connect");
  socket.on("data", () => {}); // the gateway's own announce, unread
  return socket;
}

/** Writes `frame` every 200 ms for `ms`; resolves to the bytes written. */
async function keepSending(socket, frame, ms) {
  let sent = 0;
  for (const end = Date.now() + ms; Date.now() < end; ) {
    socket.write(frame);
    sent += frame.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return sent;
}

/** The [x, y] points of an interface chart's series. */
async function plotted(page, name, series) {
  const points = await page
    .locator(`#gateway .interface[data-interface="${name}"] polyline[data-series="${series}"]`)
    .getAttribute("points");
  return points.trim() === "" ? [] : points.trim().split(" ").map((p) => p.split(",").map(Number));
}

/** Waits until the rx series of `name` has at least `n` points, not all on one level. */
async function waitForTraffic(page, name, n) {
  await page.waitForFunction(
    ([name, n]) => {
      const line = document.querySelector(`#gateway .interface[data-interface="${name}"] polyline[data-series="rx"]`);
      const ys = (line?.getAttribute("points") ?? "").trim().split(" ").filter(Boolean).map((p) => p.split(",")[1]);
      return ys.length >= n && new Set(ys).size > 1;
    },
    [name, n],
    { timeout: 20_000 },
  );
}

test("gateway: not served by a gateway (serve.mjs), the tab stays hidden and the panel says what it needs", async () => {
  const { page, done } = await open("gateway");
  await page.waitForSelector('#gateway[data-gateway="absent"]');
  assert.equal(await page.locator('nav a[href="#gateway"]').isVisible(), false);
  assert.match(await text(page, '#gateway [data-error-case="needs-gateway"]'), /^This panel needs the page served by styrene-gateway/);
  assert.equal(await page.locator("#gateway svg.chart").count(), 0);
  await done(); // serve.mjs answered the probe with 204: nothing in the console
});

test("gateway: live from a real styrene-gateway: traffic charts, state, counters and the path table", async () => {
  const gateway = await startGateway();
  const client = await lanClient(gateway);
  try {
    const { page, done } = await open("gateway", { at: gateway.diag });
    await page.waitForSelector('#gateway[data-gateway="live"]');
    assert.equal(await page.locator('nav a[href="#gateway"]').isVisible(), true);
    const status = await gateway.status();
    assert.equal(await text(page, '#gateway [data-field="identity"]'), status.identity_hash);
    assert.equal(await text(page, '#gateway [data-field="mode"]'), "transport node");
    const card = page.locator('#gateway .interface[data-interface="lan"]');
    assert.equal(await card.locator('[data-field="state"]').innerText(), "listening");
    await page.waitForFunction(() => /^ports: lan\/127\.0\.0\.1:\d+ /.test(document.querySelector('#gateway [data-field="ports"]')?.innerText));

    // an announce from RNS, then the same bytes again for a while (duplicates: counted, not relayed)
    const frame = hdlc(Buffer.from(rnsAnnounce.raw, "hex"));
    const sent = await keepSending(client, frame, 4000);

    // the path table learnt its destination, one hop away, through the client's port
    const row = page.locator(`#gateway-paths tr[data-destination="${rnsAnnounce.destination}"]`);
    await row.waitFor();
    assert.equal(await row.locator('[data-field="hops"]').innerText(), "1");
    assert.equal(await row.locator('[data-field="next-hop"]').innerText(), "direct");
    assert.match(await row.locator('[data-field="interface"]').innerText(), /^lan\/127\.0\.0\.1:\d+$/);
    assert.match(await row.locator('[data-field="expires"]').innerText(), /^in 6 d 23 h$/, "RNS keeps a path a week");
    await page.waitForFunction(() => document.querySelector('#gateway [data-field="path_table_size"]')?.innerText === "1");
    assert.equal(await text(page, '#gateway [data-field="paths_learnt"]'), "1");

    // the chart: received bytes per second, from successive samples, on both sides of zero traffic
    await waitForTraffic(page, "lan", 4);
    const rx = await plotted(page, "lan", "rx");
    const chart = card.locator("svg.chart").first();
    const width = Number(await chart.getAttribute("width"));
    assert.ok(rx.every(([x]) => x >= 0 && x <= width), "every point inside the chart");
    assert.ok(rx.every(([x], i) => i === 0 || x > rx[i - 1][0]), "oldest first");
    assert.deepEqual(await chart.locator("text.tick").allTextContents().then((t) => t.slice(-3)), ["−120 s", "−60 s", "now"]);
    assert.ok((await plotted(page, "lan", "queue")).length >= 4, "the announce queue is sampled too");
    assert.match(await card.locator(".legend").first().innerText(), /received: \d+(\.\d)? (B|KiB)\/s/);

    // all sent bytes were read, and the page says so
    assert.equal((await gateway.status()).interfaces[0].rx_bytes, sent);
    await page.waitForFunction(
      (want) => document.querySelector('#gateway .interface [data-field="rx-bytes"]')?.innerText === want,
      formatSize(sent),
    );
    await page.screenshot({ path: join(shots, "gateway.png"), fullPage: true });

    // on a phone the charts are drawn narrower, and nothing is wider than the screen
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForFunction(() => Number(document.querySelector("#gateway svg.chart")?.getAttribute("width")) < 390);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, "no horizontal scrolling");
    await page.screenshot({ path: join(shots, "gateway-phone.png"), fullPage: true });

    // a failing /paths is a notice; the rest goes on, and the table comes back
    await page.route("**/paths", (route) => route.fulfill({ status: 500, contentType: "text/plain", body: "relay busy\n" }));
    const failed = page.locator('#gateway [data-error-case="paths-failed"]');
    assert.match(await failed.innerText(), /^\/paths answered 500: relay busy\. Asking again in a second\.$/);
    assert.equal(await page.getAttribute("#gateway", "data-gateway"), "live");
    await page.unroute("**/paths");
    await row.waitFor();
    await done([/the server responded with a status of 500/]);
  } finally {
    client.destroy();
    await gateway.stop();
  }
});

test("gateway: a bridge answers /paths with 500; the panel says it keeps no path table, and the page stays usable", async () => {
  const gateway = await startGateway(['mode = "bridge"']);
  const client = await lanClient(gateway);
  try {
    const paths = await fetch(`${gateway.url}/paths`);
    assert.equal(paths.status, 500);
    assert.match(await paths.text(), /a bridge keeps no path table/);

    const { page, done } = await open("gateway", { at: gateway.diag });
    const asked = [];
    page.on("request", (request) => asked.push(new URL(request.url()).pathname));
    await page.waitForSelector('#gateway[data-gateway="live"]');
    assert.match(await text(page, '#gateway [data-field="mode"]'), /^bridge/);
    await page.locator('#gateway [data-error-case="bridge"]').nth(1).waitFor();
    assert.deepEqual(
      await page.locator('#gateway [data-error-case="bridge"]').allInnerTexts(),
      [
        "A bridge has no transport node: no path table, no announce rebroadcasts, no transport counters.",
        'A bridge keeps no path table (mode = "bridge"): every valid frame goes to every other interface.',
      ],
    );
    await keepSending(client, hdlc(Buffer.from(rnsAnnounce.raw, "hex")), 3000);
    await waitForTraffic(page, "lan", 3);
    assert.equal(await page.locator("#gateway-paths").count(), 0);
    assert.ok(asked.includes("/status") && !asked.includes("/paths"), "a bridge's /paths is not asked for");

    // the other panels work as ever
    await page.click('nav a[href="#decode"]');
    await page.fill("#decode-input", envelopes.chat.hex);
    await page.click('#decode button[type="submit"]');
    assert.equal(await text(page, '#decode-output [data-field="type"]'), envelopes.chat.type);

    // the gateway stops: the panel says so and keeps what it drew
    await gateway.stop();
    await page.waitForSelector('#gateway[data-gateway="lost"]', { state: "attached" });
    await page.click('nav a[href="#gateway"]');
    assert.match(await text(page, '#gateway [data-error-case="lost"]'), /^The gateway did not answer at .+; the charts stop at its last sample\./);
    assert.ok((await plotted(page, "lan", "rx")).length >= 3);
    await done([/ERR_CONNECTION_REFUSED/, /^request failed: .*\/status$/]);
  } finally {
    client.destroy();
    await gateway.stop();
  }
});
