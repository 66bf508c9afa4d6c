"""An independent peer for the PQC handshake (spec section 4.3), built from
styrened 0.18.0's own primitives (``styrened.crypto.pqc_crypto``: X25519,
the hybrid KDF, AES-GCM), its MessagePack codec, Python's ``hmac``, and
kyber-py's ML-KEM-768 in place of liboqs. Nothing in it comes from the
component; the tests run it against the component's session service."""

from __future__ import annotations

import hashlib
import hmac
import os

from kyber_py.ml_kem import ML_KEM_768
from styrened.crypto import pqc_crypto as py
from styrened.models.styrene_wire import decode_payload, encode_payload

INITIATE, RESPOND, CONFIRM = 0xD0, 0xD1, 0xD2


def _mac(key: bytes, label: bytes, sid: bytes, public: bytes) -> bytes:
    return hmac.new(key, label + sid + public, hashlib.sha256).digest()


class ReferencePeer:
    """One side of the handshake; `keys[peer]` is (key, session id) once established."""

    def __init__(self) -> None:
        self.pending: dict[bytes, dict] = {}
        self.keys: dict[str, tuple[bytes, bytes]] = {}

    def initiate(self, peer: str) -> tuple[int, bytes]:
        sid = os.urandom(16)
        x_public, x_private = py.x25519_generate_keypair()
        kem_public, kem_secret = ML_KEM_768.keygen()
        self.pending[sid] = dict(peer=peer, x_public=x_public, x_private=x_private, kem_secret=kem_secret)
        return INITIATE, encode_payload({"session_id": sid, "x25519_pub": x_public, "kem_pub": kem_public})

    def handle(self, source: str, message_type: int, payload: bytes) -> tuple[int, bytes] | None:
        fields = decode_payload(payload)
        sid = fields["session_id"]
        if message_type == INITIATE:
            x_public, x_private = py.x25519_generate_keypair()
            kem_shared, kem_ct = ML_KEM_768.encaps(fields["kem_pub"])
            key = py.hybrid_kdf(py.x25519_derive_shared(x_private, fields["x25519_pub"]), kem_shared, sid)
            self.pending[sid] = {"peer": source, "key": key, "initiator_public": fields["x25519_pub"]}
            tag = _mac(key, b"PQC_RESPOND", sid, x_public)
            reply = {"session_id": sid, "x25519_pub": x_public, "kem_ct": kem_ct, "hmac": tag}
            return RESPOND, encode_payload(reply)
        pending = self.pending.pop(sid)
        assert pending["peer"] == source
        if message_type == RESPOND:
            kem_shared = ML_KEM_768.decaps(pending["kem_secret"], fields["kem_ct"])
            x_shared = py.x25519_derive_shared(pending["x_private"], fields["x25519_pub"])
            key = py.hybrid_kdf(x_shared, kem_shared, sid)
            if not hmac.compare_digest(fields["hmac"], _mac(key, b"PQC_RESPOND", sid, fields["x25519_pub"])):
                raise ValueError("bad RESPOND hmac")
            self.keys[source] = (key, sid)
            confirm = _mac(key, b"PQC_CONFIRM", sid, pending["x_public"])
            return CONFIRM, encode_payload({"session_id": sid, "hmac": confirm})
        if message_type == CONFIRM:
            expected = _mac(pending["key"], b"PQC_CONFIRM", sid, pending["initiator_public"])
            if not hmac.compare_digest(fields["hmac"], expected):
                raise ValueError("bad CONFIRM hmac")
            self.keys[source] = (pending["key"], sid)
            return None
        raise ValueError(f"unexpected 0x{message_type:02X}")

    def encrypt(self, peer: str, plaintext: bytes) -> bytes:
        key, sid = self.keys[peer]
        return py.aes_gcm_encrypt(key, plaintext, aad=sid)

    def decrypt(self, peer: str, data: bytes) -> bytes:
        key, sid = self.keys[peer]
        return py.aes_gcm_decrypt(key, data, aad=sid)
