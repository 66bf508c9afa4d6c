// Copies one known-answer case of each deterministic PQC step the handshake
// uses out of the golden vectors (tests/vectors/pqc.json.gz, generated from
// styrened 0.18.0, cryptography and kyber-py) into a small JSON fixture the
// page bundles: an ML-KEM-768 decapsulation (and its implicit rejection of a
// tampered ciphertext) and one hybrid KDF.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { gunzipSync } from "node:zlib";

export function katFixture(vectorsPath) {
  const vectors = JSON.parse(gunzipSync(readFileSync(vectorsPath)).toString("utf8"));
  const kem = vectors.ml_kem_768[0];
  const kdf = vectors.hybrid_kdf[0];
  return {
    source: `${vectorsPath.split("/").slice(-3).join("/")}: ${vectors.source}`,
    mlKem768: {
      dk: kem.dk,
      ct: kem.ct,
      shared: kem.shared,
      tamperedCt: kem.tampered_ct,
      rejectedShared: kem.rejected_shared,
    },
    hybridKdf: {
      x25519Shared: kdf.x25519_shared,
      kemShared: kdf.kem_shared,
      sessionId: kdf.session_id,
      key: kdf.key,
    },
  };
}

export function writeKatFixture(vectorsPath, outPath) {
  const fixture = katFixture(vectorsPath);
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, JSON.stringify(fixture, null, 1) + "\n");
  return fixture;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [vectorsPath, outPath] = process.argv.slice(2);
  writeKatFixture(vectorsPath, outPath);
}
