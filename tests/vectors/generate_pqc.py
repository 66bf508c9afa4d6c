"""Generate the PQC known-answer vectors from Python code.

* The hybrid KDF, the ratchet, AES-GCM decryption and every error text come
  from styrened 0.18.0's own ``styrened.crypto.pqc_crypto`` (which runs on
  ``cryptography``); AES-GCM encryption with a chosen nonce and X25519 from
  ``cryptography`` directly (styrened's encrypt draws its nonce at random).
* The handshake confirmations are HMAC-SHA256 over label ‖ session id ‖ X25519
  public key (spec §4.3), computed with Python's ``hmac``.
* ML-KEM-768 comes from ``kyber-py``, an independent pure-Python FIPS 203
  implementation: key pairs from seeds (d, z), encapsulations from a message
  m, and decapsulation of a tampered ciphertext (implicit rejection).

Inputs are drawn from a seeded generator, so the output is deterministic.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import random
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from kyber_py.ml_kem import ML_KEM_768
from styrened.crypto import pqc_crypto

OUT = Path(__file__).with_name("pqc.json.gz")
rng = random.Random(20261124)


def b(n: int) -> bytes:
    return bytes(rng.getrandbits(8) for _ in range(n))


def error(fn, *args) -> dict:
    try:
        fn(*args)
    except InvalidTag:
        return {"class": "InvalidTag", "message": ""}
    except Exception as e:  # the class and text are what is recorded
        # cryptography appends OpenSSL's error stack after a colon for some keys
        return {"class": type(e).__name__, "message": str(e).split(": error:")[0]}
    raise AssertionError(f"{fn.__name__}{args!r} did not fail")


def kdf() -> list:
    cases = [(b"\xaa" * 32, b"\xbb" * 32, b"\xcc" * 16)]
    cases += [(b(32), b(32), b(16)) for _ in range(8)]
    cases.append((b(32), b(32), b""))  # styrened takes any salt
    return [
        {
            "x25519_shared": x.hex(),
            "kem_shared": k.hex(),
            "session_id": s.hex(),
            "key": pqc_crypto.hybrid_kdf(x, k, s).hex(),
        }
        for x, k, s in cases
    ]


def ratchet() -> list:
    keys = [b"\x11" * 32] + [b(32) for _ in range(4)]
    counters = [0, 1, 2, 255, 2**32, 2**64 - 1]
    return [
        {"key": k.hex(), "counter": c, "out": pqc_crypto.ratchet_key(k, c).hex()}
        for k in keys
        for c in counters
    ]


def confirmations() -> list:
    out = []
    for label in (b"PQC_RESPOND", b"PQC_CONFIRM"):
        for _ in range(4):
            key, sid, pub = b(32), b(16), b(32)
            tag = hmac.new(key, label + sid + pub, hashlib.sha256).digest()
            out.append(
                {
                    "label": label.decode(),
                    "key": key.hex(),
                    "session_id": sid.hex(),
                    "x25519_pub": pub.hex(),
                    "tag": tag.hex(),
                }
            )
    return out


def aes_gcm() -> dict:
    cases = []
    for size in (0, 1, 5, 16, 100, 1024):
        key, nonce, plaintext = b(32), b(12), b(size)
        aad = None if size == 5 else b(16)
        wire = nonce + AESGCM(key).encrypt(nonce, plaintext, aad)
        assert pqc_crypto.aes_gcm_decrypt(key, wire, aad) == plaintext
        cases.append(
            {
                "key": key.hex(),
                "nonce": nonce.hex(),
                "plaintext": plaintext.hex(),
                "aad": None if aad is None else aad.hex(),
                "wire": wire.hex(),
            }
        )
    key, nonce = b(32), b(12)
    good = nonce + AESGCM(key).encrypt(nonce, b"payload", b"sid")
    tampered = bytearray(good)
    tampered[-1] ^= 1
    errors = {
        "encrypt_key_sizes": [
            {"size": n, **error(pqc_crypto.aes_gcm_encrypt, bytes(n), b"x")} for n in (0, 16, 31, 33)
        ],
        "decrypt_key_sizes": [
            {"size": n, **error(pqc_crypto.aes_gcm_decrypt, bytes(n), bytes(40))} for n in (0, 24, 64)
        ],
        "decrypt_short": [
            {"size": n, **error(pqc_crypto.aes_gcm_decrypt, key, bytes(n))} for n in (0, 12, 27)
        ],
        "tampered": {
            "key": key.hex(),
            "aad": b"sid".hex(),
            "wire": bytes(tampered).hex(),
            **error(pqc_crypto.aes_gcm_decrypt, key, bytes(tampered), b"sid"),
        },
        "wrong_aad": {
            "key": key.hex(),
            "aad": b"other".hex(),
            "wire": good.hex(),
            **error(pqc_crypto.aes_gcm_decrypt, key, good, b"other"),
        },
    }
    return {"cases": cases, "errors": errors}


def x25519() -> dict:
    cases = []
    for _ in range(6):
        private, peer_private = b(32), b(32)
        peer_public = X25519PrivateKey.from_private_bytes(peer_private).public_key().public_bytes_raw()
        public = X25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()
        shared = pqc_crypto.x25519_derive_shared(private, peer_public)
        cases.append(
            {
                "private": private.hex(),
                "public": public.hex(),
                "peer_public": peer_public.hex(),
                "shared": shared.hex(),
            }
        )
    private = b(32)
    errors = {
        "low_order_peer": {
            "private": private.hex(),
            "peer_public": "00" * 32,
            **error(pqc_crypto.x25519_derive_shared, private, bytes(32)),
        },
        "short_peer": {**error(pqc_crypto.x25519_derive_shared, private, bytes(31))},
        "short_private": {**error(pqc_crypto.x25519_derive_shared, bytes(31), bytes(32))},
    }
    return {"cases": cases, "errors": errors}


def ml_kem() -> list:
    cases = []
    for _ in range(4):
        d, z, m = b(32), b(32), b(32)
        ek, dk = ML_KEM_768._keygen_internal(d, z)
        shared, ct = ML_KEM_768._encaps_internal(ek, m)
        assert ML_KEM_768.decaps(dk, ct) == shared
        tampered = bytearray(ct)
        tampered[rng.randrange(len(ct))] ^= 1 << rng.randrange(8)
        rejected = ML_KEM_768.decaps(dk, bytes(tampered))
        assert rejected != shared
        cases.append(
            {
                "d": d.hex(),
                "z": z.hex(),
                "ek": ek.hex(),
                "dk": dk.hex(),
                "m": m.hex(),
                "ct": ct.hex(),
                "shared": shared.hex(),
                "tampered_ct": bytes(tampered).hex(),
                "rejected_shared": rejected.hex(),
            }
        )
    return cases


def main() -> None:
    vectors = {
        "source": "styrened 0.18.0 pqc_crypto, cryptography, hmac, kyber-py 1.2.0",
        "hybrid_kdf": kdf(),
        "ratchet_key": ratchet(),
        "confirmations": confirmations(),
        "aes_gcm": aes_gcm(),
        "x25519": x25519(),
        "ml_kem_768": ml_kem(),
    }
    text = json.dumps(vectors, indent=1, sort_keys=True)
    with OUT.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(text.encode())
    print(f"{OUT.name}: {len(text)} bytes of JSON")


if __name__ == "__main__":
    main()
