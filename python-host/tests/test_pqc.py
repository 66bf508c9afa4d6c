"""PQC: styrened's primitives on the component (dual-run against styrened's own
``pqc_crypto`` where it does not need liboqs), ML-KEM-768 against kyber-py in
both directions, and full handshakes between the component's session service
and an independent peer built from styrened's primitives and kyber-py."""

from __future__ import annotations

import gzip
import json
import logging
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from kyber_py.ml_kem import ML_KEM_768
from pqc_reference import ReferencePeer

from conftest import LANES, implementation

PQC_VECTORS = Path(__file__).resolve().parents[2] / "tests" / "vectors" / "pqc.json.gz"
ME, PEER = "a1" * 16, "b2" * 16


@cache
def vectors() -> dict:
    with gzip.open(PQC_VECTORS, "rt") as f:
        return json.load(f)


def h(text: str | None) -> bytes | None:
    return None if text is None else bytes.fromhex(text)


@pytest.fixture(params=LANES)
def pqc(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    return implementation(request.param, "styrened.crypto.pqc_crypto", "styrene_wasm._pqc", monkeypatch)


def test_the_drop_in_has_every_name_and_pqc_is_available():
    from styrened.crypto import pqc_crypto as upstream

    from styrene_wasm import pqc_crypto

    for name in pqc_crypto.NAMES:
        assert hasattr(upstream, name) and hasattr(pqc_crypto, name), name
    assert pqc_crypto.IMPLEMENTATION == "component"
    assert pqc_crypto.pqc_available() is True  # no liboqs here, and none needed


def test_known_answers(pqc):
    v = vectors()
    for c in v["hybrid_kdf"]:
        assert pqc.hybrid_kdf(h(c["x25519_shared"]), h(c["kem_shared"]), h(c["session_id"])) == h(c["key"])
    for c in v["ratchet_key"]:
        assert pqc.ratchet_key(h(c["key"]), c["counter"]) == h(c["out"])
    for c in v["aes_gcm"]["cases"]:
        assert pqc.aes_gcm_decrypt(h(c["key"]), h(c["wire"]), h(c["aad"])) == h(c["plaintext"])
        sealed = pqc.aes_gcm_encrypt(h(c["key"]), h(c["plaintext"]), h(c["aad"]))
        assert pqc.aes_gcm_decrypt(h(c["key"]), sealed, h(c["aad"])) == h(c["plaintext"])
    for c in v["x25519"]["cases"]:
        assert pqc.x25519_derive_shared(h(c["private"]), h(c["peer_public"])) == h(c["shared"])


def test_errors_have_styreneds_classes_and_messages(pqc):
    errors = vectors()["aes_gcm"]["errors"]
    for c in errors["encrypt_key_sizes"]:
        with pytest.raises(ValueError, match=f"^{re.escape(c['message'])}$"):
            pqc.aes_gcm_encrypt(bytes(c["size"]), b"x")
    for c in errors["decrypt_short"]:
        with pytest.raises(ValueError, match=f"^{re.escape(c['message'])}$"):
            pqc.aes_gcm_decrypt(bytes(32), bytes(c["size"]))
    for name in ("tampered", "wrong_aad"):
        c = errors[name]
        with pytest.raises(InvalidTag):
            pqc.aes_gcm_decrypt(h(c["key"]), h(c["wire"]), h(c["aad"]))
    x = vectors()["x25519"]["errors"]
    with pytest.raises(ValueError, match=re.escape(x["low_order_peer"]["message"])):
        pqc.x25519_derive_shared(h(x["low_order_peer"]["private"]), bytes(32))
    with pytest.raises(ValueError, match=x["short_peer"]["message"]):
        pqc.x25519_derive_shared(bytes(range(32)), bytes(31))
    with pytest.raises(ValueError, match=x["short_private"]["message"]):
        pqc.x25519_derive_shared(bytes(31), bytes(range(32)))
    for bad in (-1, 2**64):
        with pytest.raises(OverflowError):
            pqc.ratchet_key(bytes(32), bad)


def test_ml_kem_crosses_with_kyber_py_both_ways():
    from styrene_wasm import pqc_crypto as ours

    for _ in range(3):
        # the component's keys, kyber-py's encapsulation
        public, secret = ours.kem_generate_keypair()
        shared, ct = ML_KEM_768.encaps(public)
        assert ours.kem_decapsulate(secret, ct) == shared
        assert ML_KEM_768.decaps(secret, ct) == shared  # the same 2400-byte secret-key format
        # kyber-py's keys, the component's encapsulation
        public, secret = ML_KEM_768.keygen()
        ct, shared = ours.kem_encapsulate(public)
        assert ML_KEM_768.decaps(secret, ct) == shared
        assert ours.kem_decapsulate(secret, ct) == shared
    for c in vectors()["ml_kem_768"]:
        assert ours.kem_decapsulate(h(c["dk"]), h(c["tampered_ct"])) == h(c["rejected_shared"])
    with pytest.raises(ValueError, match="1184 bytes"):
        ours.kem_encapsulate(bytes(100))


@pytest.mark.parametrize("initiator", ["component", "reference"])
def test_handshake_with_a_peer_built_from_styreneds_primitives(initiator):
    from styrene_wasm.pqc_session import PQCSessionService, PQCSessionState, SecurityTier

    reference = ReferencePeer()
    sent = []
    ours = PQCSessionService(send=lambda peer, t, payload: sent.append((t, payload)))
    if initiator == "component":
        ours.initiate(PEER)
    else:
        assert ours.handle(PEER, *reference.initiate(ME))
    for _ in range(3):
        if not sent:
            break
        message_type, payload = sent.pop(0)
        reply = reference.handle(ME, message_type, payload)
        if reply is not None:
            assert ours.handle(PEER, *reply)
    assert ours.get_security_tier(PEER) is SecurityTier.PQC_HYBRID
    assert ours.get_session(PEER).state is PQCSessionState.ESTABLISHED
    assert ours.get_session(PEER).session_id == reference.keys[ME][1]
    # data both ways, 1 KiB, AES-GCM with the session id as AAD
    data = bytes(range(256)) * 4
    assert reference.decrypt(ME, ours.encrypt_payload(PEER, data)) == data
    assert ours.decrypt_payload(PEER, reference.encrypt(ME, data)) == data
    forged = bytearray(reference.encrypt(ME, data))
    forged[20] ^= 1
    with pytest.raises(InvalidTag):
        ours.decrypt_payload(PEER, bytes(forged))


def test_a_tampered_respond_never_establishes_a_key(caplog):
    from styrened.models.styrene_wire import decode_payload, encode_payload

    from styrene_wasm.pqc_session import PQCSessionService, PQCSessionState

    reference = ReferencePeer()
    sent = []
    ours = PQCSessionService(send=lambda peer, t, payload: sent.append((t, payload)))
    ours.initiate(PEER)
    message_type, payload = reference.handle(ME, *sent.pop(0))
    fields = decode_payload(payload)
    fields["hmac"] = bytes(32)
    with caplog.at_level(logging.WARNING):
        assert not ours.handle(PEER, message_type, encode_payload(fields))
    assert "key confirmation failed" in caplog.text
    assert ours.get_session(PEER).state is PQCSessionState.EXPIRED
    assert not ours.has_key(PEER) and not sent
    with pytest.raises(ValueError, match="No active PQC session"):
        ours.encrypt_payload(PEER, b"x")


class RustPeer:
    """`styrene-gateway pqc-peer`: the component's session service in the Rust host."""

    def __init__(self) -> None:
        from test_host import GATEWAY

        self.process = subprocess.Popen(
            [str(GATEWAY), "pqc-peer"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def ask(self, *words: object) -> list[str]:
        self.process.stdin.write(" ".join(str(w) for w in words) + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().split()

    def close(self) -> None:
        self.process.stdin.close()
        assert self.process.wait(timeout=30) == 0


@pytest.mark.parametrize("initiator", ["python", "rust"])
def test_handshake_between_the_python_host_and_the_rust_host(initiator):
    from styrene_wasm.pqc_session import PQCSessionService, SecurityTier

    rust = RustPeer()
    sent = []
    ours = PQCSessionService(send=lambda peer, t, payload: sent.append((t, payload)))
    try:
        if initiator == "python":
            ours.initiate(PEER)
        else:
            _, _, message_type, payload = rust.ask("initiate", ME)
            assert ours.handle(PEER, int(message_type), bytes.fromhex(payload))
        while sent:
            message_type, payload = sent.pop(0)
            answer = rust.ask("recv", ME, message_type, payload.hex())
            if answer[0] == "send":
                assert ours.handle(PEER, int(answer[2]), bytes.fromhex(answer[3]))
            else:
                assert answer == ["ok"], answer
        assert ours.get_security_tier(PEER) is SecurityTier.PQC_HYBRID
        assert rust.ask("tier", ME) == ["tier", "pqc-hybrid"]
        data = bytes(range(256)) * 4
        assert rust.ask("decrypt", ME, ours.encrypt_payload(PEER, data).hex()) == ["data", data.hex()]
        _, sealed = rust.ask("encrypt", ME, data.hex())
        assert ours.decrypt_payload(PEER, bytes.fromhex(sealed)) == data
    finally:
        rust.close()


def test_activate_gives_styrened_pqc_without_liboqs():
    from test_host import run_python

    result = run_python(
        "import styrened.crypto as crypto\n"
        "from styrened.crypto import pqc_crypto as up\n"
        "assert not up.pqc_available()  # no liboqs on this machine\n"
        "import styrene_wasm\n"
        "from styrene_wasm import _pqc\n"
        "assert styrene_wasm.activate()\n"
        "assert up.kem_encapsulate is _pqc.kem_encapsulate and crypto.pqc_available is _pqc.pqc_available\n"
        "pk, sk = up.kem_generate_keypair()\n"
        "ct, ss = up.kem_encapsulate(pk)\n"
        "print(up.pqc_available(), crypto.pqc_available(), up.kem_decapsulate(sk, ct) == ss)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True"]


class LoopbackProtocol:
    """Two of these stand in for styrened's ``StyreneProtocol`` on each side of
    a link: ``register_handler`` and ``send_typed_message`` with its signature;
    messages travel as encoded Styrene v2 envelopes (the component's wire codec)."""

    def __init__(self, own_hash: str) -> None:
        self.own_hash = own_hash
        self.handlers: dict[int, list] = {}
        self.peer: LoopbackProtocol | None = None
        self.wire_log: list[bytes] = []

    def register_handler(self, message_type, handler) -> None:
        self.handlers.setdefault(int(message_type), []).append(handler)

    async def send_typed_message(self, destination, message_type, payload, request_id=None) -> None:
        import os

        from styrene_wasm import wire

        envelope = wire.StyreneEnvelope(
            version=2, message_type=message_type, payload=payload, request_id=request_id or os.urandom(16)
        )
        self.peer.wire_log.append(envelope.encode())

    async def deliver_all(self) -> None:
        import asyncio
        from types import SimpleNamespace

        from styrene_wasm import wire

        for _ in range(20):
            await asyncio.sleep(0)  # let scheduled sends run
            for side in (self, self.peer):
                while side.wire_log:
                    envelope = wire.StyreneEnvelope.decode(side.wire_log.pop(0))
                    message = SimpleNamespace(source_hash=side.peer.own_hash)
                    for handler in side.handlers.get(int(envelope.message_type), []):
                        await handler(message, envelope)


def test_the_session_service_runs_on_styreneds_protocol_interface():
    import asyncio

    from styrened.models.pqc import PQCSessionState

    from styrene_wasm.pqc_session import PQCSessionService, SecurityTier

    class Config:
        rekey_interval_hours = 12

    a_link, b_link = LoopbackProtocol(ME), LoopbackProtocol(PEER)
    a_link.peer, b_link.peer = b_link, a_link
    a, b = PQCSessionService(a_link, Config()), PQCSessionService(b_link, Config())
    assert sorted(a_link.handlers) == [0xD0, 0xD1, 0xD2, 0xD3, 0xD5]

    async def run() -> None:
        await a.initiate_session(PEER)
        await a_link.deliver_all()

    asyncio.run(run())
    assert a.get_security_tier(PEER) is SecurityTier.PQC_HYBRID
    assert b.get_session(ME).state is PQCSessionState.ESTABLISHED
    assert b.decrypt_payload(ME, a.encrypt_payload(PEER, b"through envelopes")) == b"through envelopes"
