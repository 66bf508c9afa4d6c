// PQC self-test: a full hybrid (ML-KEM-768 + X25519) handshake between two
// session services in this page, each message measured, then known answers
// from styrened's vectors (copied into kat.json when the page was built).
import kat from "../../build/kat.json";
import { fromHex, toHex } from "../bytes.js";
import { describeError, errorCase } from "../component.js";
import { el, fields, guard, notice, show, table } from "../ui.js";

function randomHash() {
  return toHex(crypto.getRandomValues(new Uint8Array(16)));
}

function equal(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The handshake, step by step: [{step, from, to, type, payload, envelope, ms}]; throws on a refusal. */
function handshake(api, context) {
  const alice = { name: "A", hash: randomHash() };
  const bob = { name: "B", hash: randomHash() };
  const timed = (fn) => {
    const started = performance.now();
    const result = api.call(fn);
    return { result, ms: performance.now() - started };
  };
  const created = timed((c) => [new c.pqc.SessionService(24), new c.pqc.SessionService(24)]);
  [alice.service, bob.service] = created.result.ok;
  const steps = [];
  const record = (step, from, to, message, ms) => {
    const envelope = api.call((c) => c.wire.encodeEnvelope(c.wire.newEnvelope(2, message.messageType, message.payload, undefined))).ok;
    steps.push({
      step,
      from: from.name,
      to: to.name,
      type: context.typeNames.get(message.messageType) ?? message.messageType,
      payload: message.payload.length,
      envelope: envelope.length,
      ms,
    });
  };
  const initiate = timed(() => alice.service.initiate(bob.hash));
  record("initiate", alice, bob, initiate.result.ok, initiate.ms);
  let message = initiate.result.ok;
  let [from, to] = [alice, bob];
  while (message) {
    const handled = timed(() => to.service.handle(from.hash, message.messageType, message.payload));
    if (handled.result.err) {
      throw Object.assign(new Error(`${to.name} refused ${steps.at(-1).type}: ${describeError(handled.result.err)}`), { errorCase: errorCase(handled.result.err) });
    }
    message = handled.result.ok;
    if (message) record(`${to.name} handles, replies`, to, from, message, handled.ms);
    else steps.push({ step: `${to.name} handles`, from: to.name, to: "—", type: "(no reply)", payload: 0, envelope: 0, ms: handled.ms });
    [from, to] = [to, from];
  }
  const plaintext = new TextEncoder().encode("styrene self-test");
  const sealed = timed(() => alice.service.encrypt(bob.hash, plaintext));
  const opened = timed(() => bob.service.decrypt(alice.hash, sealed.result.ok));
  const tiers = [alice.service.securityTier(bob.hash), bob.service.securityTier(alice.hash)];
  const keys = [alice.service.hasKey(bob.hash), bob.service.hasKey(alice.hash)];
  alice.service[Symbol.dispose]?.();
  bob.service[Symbol.dispose]?.();
  return {
    steps,
    setupMs: created.ms,
    sealed: { ms: sealed.ms, bytes: sealed.result.ok?.length, error: sealed.result.err },
    opened: { ms: opened.ms, ok: opened.result.ok !== undefined && equal(opened.result.ok, plaintext), error: opened.result.err },
    tiers,
    keys,
  };
}

/** The known answers: [{name, pass, detail}]. */
function knownAnswers(api) {
  const k = kat.mlKem768;
  const checks = [];
  const check = (name, fn, expected) => {
    const started = performance.now();
    const result = api.call(fn);
    const ms = performance.now() - started;
    const pass = result.ok !== undefined && equal(result.ok, fromHex(expected));
    const detail = result.err ? describeError(result.err) : pass ? `${toHex(result.ok).slice(0, 16)}… matches` : `got ${toHex(result.ok).slice(0, 16)}…`;
    checks.push({ name, pass, detail, ms });
  };
  check("ML-KEM-768 decapsulation", (c) => c.pqc.kemDecapsulate(fromHex(k.dk), fromHex(k.ct)), k.shared);
  check("ML-KEM-768 implicit rejection (tampered ciphertext)", (c) => c.pqc.kemDecapsulate(fromHex(k.dk), fromHex(k.tamperedCt)), k.rejectedShared);
  const h = kat.hybridKdf;
  check("hybrid KDF (HKDF-SHA256)", (c) => c.pqc.hybridKdf(fromHex(h.x25519Shared), fromHex(h.kemShared), fromHex(h.sessionId)), h.key);
  return checks;
}

const ms = (value) => `${value.toFixed(2)} ms`;

export function pqcPanel(root, api, context) {
  const button = root.querySelector("#pqc-run");
  const output = root.querySelector("#pqc-output");
  button.addEventListener("click", () =>
    guard(output, async () => {
      button.disabled = true;
      show(output, notice("info", "running…"));
      await new Promise((resolve) => setTimeout(resolve, 0)); // let "running" paint
      try {
        let run;
        try {
          run = handshake(api, context);
        } catch (error) {
          if (!error.errorCase) throw error;
          show(output, notice("error", error.message, error.errorCase));
          return;
        }
        const answers = knownAnswers(api);
        const established = run.keys.every(Boolean) && run.tiers.every((t) => t === "pqc-hybrid") && run.opened.ok;
        const katPass = answers.every((a) => a.pass);
        const rows = run.steps.map((s) =>
          el("tr", {}, el("td", {}, s.step), el("td", {}, `${s.from} → ${s.to}`), el("td", { class: "mono" }, s.type), el("td", { class: "num" }, s.payload), el("td", { class: "num" }, s.envelope), el("td", { class: "num" }, ms(s.ms))),
        );
        show(
          output,
          notice(established ? "ok" : "error", established ? "Handshake complete: both sides hold the same hybrid key (AES-256-GCM round trip ok)." : "Handshake did not establish a shared key.", established ? "established" : "failed"),
          table(
            "Messages (sizes in bytes; the envelope is Styrene v2 around the payload)",
            ["step", "direction", "type", "payload", "envelope", "time"],
            el("tbody", {}, rows),
            { id: "pqc-steps" },
          ),
          fields([
            ["two services", ms(run.setupMs)],
            ["encrypt 17 bytes", `${run.sealed.bytes} bytes out, ${ms(run.sealed.ms)}`],
            ["decrypt", `${run.opened.ok ? "plaintext matches" : describeError(run.opened.error)}, ${ms(run.opened.ms)}`, "round-trip"],
            ["security tier", run.tiers.join(" / "), "tier"],
          ]),
          el("h3", {}, "Known answers", el("span", { class: "summary" }, kat.source)),
          el(
            "ul",
            { class: "checks" },
            answers.map((a) => el("li", { class: a.pass ? "pass" : "fail", dataset: { kat: a.pass ? "pass" : "fail" } }, el("strong", {}, a.pass ? "pass" : "FAIL"), ` ${a.name}: ${a.detail} (${ms(a.ms)})`)),
          ),
          notice(established && katPass ? "ok" : "error", established && katPass ? "Self-test passed." : "Self-test FAILED.", established && katPass ? "self-test-passed" : "self-test-failed"),
        );
      } finally {
        button.disabled = false;
      }
    }),
  );
}
