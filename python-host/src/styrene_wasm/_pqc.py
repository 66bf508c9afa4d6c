"""The component-backed implementation of ``styrened.crypto.pqc_crypto`` and of
styrened's PQC session service (the ``styrene:core/pqc`` interface).

ML-KEM-768 runs in ``styrene.wasm`` (RustCrypto's ``ml-kem``), so
``pqc_available()`` is true wherever the component loads: no liboqs. The
session service keeps its keys inside its own component instance; Python sees
session bookkeeping and ciphertexts, never a key.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from enum import Enum
from typing import Any, NoReturn

from wasmtime import WasmtimeError

from . import _loader, _wit
from ._native import unavailable_reason
from ._wit import PQC

try:
    from cryptography.exceptions import InvalidTag
except ImportError:  # styrened depends on cryptography; this is for hosts without it

    class InvalidTag(Exception):  # type: ignore[no-redef]
        """AES-GCM authentication failed."""


logger = logging.getLogger(__name__)

_kem_generate_keypair = _loader.bind(PQC, "kem-generate-keypair")
_kem_encapsulate = _loader.bind(PQC, "kem-encapsulate")
_kem_decapsulate = _loader.bind(PQC, "kem-decapsulate")
_x25519_generate_keypair = _loader.bind(PQC, "x25519-generate-keypair")
_x25519_derive_shared = _loader.bind(PQC, "x25519-derive-shared")
_hybrid_kdf = _loader.bind(PQC, "hybrid-kdf")
_aes_gcm_encrypt = _loader.bind(PQC, "aes-gcm-encrypt")
_aes_gcm_decrypt = _loader.bind(PQC, "aes-gcm-decrypt")
_ratchet_key = _loader.bind(PQC, "ratchet-key")
_wit.fields(PQC, "kem-keypair", ("public_key", "secret_key"))
_wit.fields(PQC, "kem-encapsulation", ("ciphertext", "shared_secret"))
_wit.fields(PQC, "x25519-keypair", ("public_key", "private_key"))

# The pqc error codes: the handshake's and the primitives'. A primitive raises
# cryptography's InvalidTag for `invalid-tag`, ValueError for the rest.
_ERROR_CODES = (
    "invalid-key",
    "invalid-data",
    "invalid-tag",
    "malformed",
    "unknown-session",
    "peer-mismatch",
    "bad-confirmation",
    "replay",
    "no-active-session",
    "not-handshake",
)
_errors = _wit.Errors(PQC, "aes-gcm-decrypt", _ERROR_CODES)


class PQCNotAvailableError(Exception):
    """Raised when PQC operations are attempted without an ML-KEM implementation."""


def _raise(error: tuple[int, Any]) -> NoReturn:
    name, message = _errors.read(error)
    if name == "invalid-tag":
        raise InvalidTag()
    raise ValueError(message)


def _ok(result: tuple[Any, ...]) -> Any:
    ok, value = result
    return value if ok else _raise(value)


def pqc_available() -> bool:
    """True wherever the component loads (ML-KEM-768 is inside it)."""
    return unavailable_reason() is None


def kem_generate_keypair() -> tuple[bytes, bytes]:
    """ML-KEM-768 key pair: (public key 1184 B, secret key 2400 B)."""
    public_key, secret_key = _kem_generate_keypair()
    return public_key, secret_key


def kem_encapsulate(public_key: bytes) -> tuple[bytes, bytes]:
    """(ciphertext 1088 B, shared secret 32 B) for `public_key`."""
    ciphertext, shared = _ok(_kem_encapsulate(bytes(public_key)))
    return ciphertext, shared


def kem_decapsulate(secret_key: bytes, ciphertext: bytes) -> bytes:
    """The 32-byte shared secret of `ciphertext`."""
    return _ok(_kem_decapsulate(bytes(secret_key), bytes(ciphertext)))


def x25519_generate_keypair() -> tuple[bytes, bytes]:
    """X25519 key pair: (public 32 B, private 32 B)."""
    public_key, private_key = _x25519_generate_keypair()
    return public_key, private_key


def x25519_derive_shared(private_key_bytes: bytes, peer_public_key_bytes: bytes) -> bytes:
    """X25519 ECDH: the 32-byte shared secret."""
    return _ok(_x25519_derive_shared(bytes(private_key_bytes), bytes(peer_public_key_bytes)))


def hybrid_kdf(x25519_shared: bytes, kem_shared: bytes, session_id: bytes) -> bytes:
    """HKDF-SHA256(x25519_shared ‖ kem_shared, salt=session_id, info=b'styrene.io:hybrid-pqc:v1')."""
    return _hybrid_kdf(bytes(x25519_shared), bytes(kem_shared), bytes(session_id))


def aes_gcm_encrypt(key: bytes, plaintext: bytes, aad: bytes | None = None) -> bytes:
    """AES-256-GCM: nonce (12 B, random) ‖ ciphertext ‖ tag (16 B)."""
    return _ok(_aes_gcm_encrypt(bytes(key), bytes(plaintext), None if aad is None else bytes(aad)))


def aes_gcm_decrypt(key: bytes, data: bytes, aad: bytes | None = None) -> bytes:
    """Opens `nonce ‖ ciphertext ‖ tag`; raises ``InvalidTag`` if it was not sealed with this key and AAD."""
    return _ok(_aes_gcm_decrypt(bytes(key), bytes(data), None if aad is None else bytes(aad)))


def ratchet_key(current_key: bytes, counter: int) -> bytes:
    """HKDF-SHA256(current_key, salt=counter as 8 bytes big-endian, info=b'styrene.io:ratchet:v1')."""
    counter.to_bytes(8, "big")  # styrened's range check, with Python's OverflowError
    return _ratchet_key(bytes(current_key), counter)


# ---------------------------------------------------------------- the session service

try:
    from styrened.models.pqc import PQCSessionState as PQCSessionState, SecurityTier as SecurityTier
except ImportError:  # styrened's enums, when styrened is not installed

    class SecurityTier(Enum):  # type: ignore[no-redef]
        """What protects traffic to a peer."""

        NONE = "none"
        RNS_ONLY = "rns_only"
        PQC_HYBRID = "pqc_hybrid"
        PQC_DEGRADED = "pqc_degraded"

    class PQCSessionState(Enum):  # type: ignore[no-redef]
        """Where a session's handshake is."""

        INITIATING = "initiating"
        RESPONDING = "responding"
        ESTABLISHED = "established"
        REKEYING = "rekeying"
        EXPIRED = "expired"


# styrened's member of each `session-state` and `security-tier` case
_STATES = _wit.by_case(
    PQC,
    "session-state",
    {
        "initiating": "INITIATING",
        "responding": "RESPONDING",
        "established": "ESTABLISHED",
        "expired": "EXPIRED",
    },
)
_TIERS = _wit.by_case(
    PQC, "security-tier", {"rns-only": "RNS_ONLY", "pqc-hybrid": "PQC_HYBRID", "pqc-degraded": "PQC_DEGRADED"}
)
_wit.fields(
    PQC,
    "session-info",
    ("session_id", "peer_hash", "state", "created_at", "last_rekeyed_at", "rekey_count", "security_tier"),
)
_wit.fields(PQC, "outgoing", ("peer", "message_type", "payload"))
PQC_MESSAGE_TYPES = (0xD0, 0xD1, 0xD2, 0xD3, 0xD5)

Sender = Callable[[str, int, bytes], Any]


def _message_type_class() -> Any:
    """styrened's ``StyreneMessageType`` (the drop-in's when styrened is absent)."""
    try:
        from styrened.models.styrene_wire import StyreneMessageType
    except ImportError:
        from .wire import StyreneMessageType
    return StyreneMessageType


def _schedule(sent: Any) -> None:
    """Runs what a `send` returned, if it is a coroutine: on the running event
    loop, or to completion when there is none."""
    if asyncio.iscoroutine(sent):
        try:
            asyncio.get_running_loop().create_task(sent)
        except RuntimeError:
            asyncio.run(sent)


class SessionInfo:
    """A snapshot of styrened's ``PQCSession`` fields (no key material)."""

    __slots__ = (
        "created_at",
        "last_rekeyed_at",
        "peer_hash",
        "rekey_count",
        "security_tier",
        "session_id",
        "state",
    )

    def __init__(self, record: tuple[Any, ...]) -> None:
        sid, peer, state, created, rekeyed, count, tier = record
        self.session_id: bytes = sid
        self.peer_hash: str = peer
        self.state = PQCSessionState[_STATES[state]]
        self.created_at: float = created
        self.last_rekeyed_at: float = rekeyed
        self.rekey_count: int = count
        self.security_tier = SecurityTier[_TIERS[tier]]

    def __repr__(self) -> str:
        peer, state, tier = self.peer_hash[:16], self.state.name, self.security_tier.name
        return f"SessionInfo(peer={peer}..., state={state}, tier={tier})"


class PQCSessionService:
    """styrened's PQC session service, with the handshake and the keys in the component.

    Built like styrened's, ``PQCSessionService(protocol, config)``: it registers
    its handlers for PQC_INITIATE, RESPOND, CONFIRM, REKEY and CLOSE on the
    ``StyreneProtocol`` and sends through ``protocol.send_typed_message``, so
    every message travels as a Styrene envelope; the peer is the message's
    ``source_hash``, as in styrened. Without a protocol, ``send(peer_hash,
    message_type, payload)`` delivers (it may return an awaitable) and
    :meth:`handle` takes what arrives. Calls are serialised per service.
    """

    def __init__(
        self,
        protocol: Any = None,
        config: Any = None,
        *,
        send: Sender | None = None,
        rekey_interval_hours: int = 24,
    ) -> None:
        # styrened's PQCConfig, or a daemon config that holds one as `.pqc`
        pqc_config = getattr(config, "pqc", config)
        rekey_interval_hours = int(getattr(pqc_config, "rekey_interval_hours", rekey_interval_hours))
        self._protocol = protocol
        if protocol is not None and send is None:
            message_type = _message_type_class()

            def send(peer: str, t: int, payload: bytes) -> Any:
                kind = message_type(t)
                return protocol.send_typed_message(destination=peer, message_type=kind, payload=payload)

        self._send = send
        self._lock = threading.RLock()
        self._rekey_interval_hours = int(rekey_interval_hours)
        self._start()
        if protocol is not None and hasattr(protocol, "register_handler"):
            message_type = _message_type_class()
            for t in PQC_MESSAGE_TYPES:
                protocol.register_handler(message_type(t), self._handle_message)

    def _start(self) -> None:
        self._instance = _loader.Instance(_loader.load())
        constructor = self._instance.func(PQC, "[constructor]session-service")
        self._handle = constructor(self._rekey_interval_hours)

    def _call(self, method: str, *args: Any) -> Any:
        with self._lock:
            try:
                return self._instance.call_method(PQC, "session-service", method, self._handle, *args)
            except WasmtimeError as trap:
                # the sessions lived in the trapped instance and are gone with it (their
                # keys never left it); peers handshake again with the fresh service
                stderr = bytes(self._instance.stderr)
                self._start()
                raise _loader.trap_error(trap, f"session-service.{method}", stderr) from None

    def _deliver(self, outgoing: tuple[Any, ...] | None) -> Any:
        if outgoing is None:
            return None
        peer, message_type, payload = outgoing
        if self._send is None:
            return (peer, message_type, payload)
        return self._send(peer, message_type, payload)

    # -- handshake

    def initiate(self, peer_hash: str) -> Any:
        """Starts a handshake with `peer_hash` (replacing any session): sends PQC_INITIATE."""
        return self._deliver(self._call("initiate", peer_hash))

    async def initiate_session(self, peer_hash: str) -> None:
        """styrened's ``initiate_session``."""
        sent = self.initiate(peer_hash)
        if asyncio.iscoroutine(sent):
            await sent

    def initiate_session_sync(self, peer_hash: str) -> None:
        """styrened's ``initiate_session_sync``."""
        _schedule(self.initiate(peer_hash))

    def handle(self, source_hash: str, message_type: int, payload: bytes) -> bool:
        """Handles one PQC message from `source_hash`. Returns whether it was accepted;
        a refused one is logged (WARNING) and changes nothing it should not."""
        ok, value = self._call("handle", source_hash, int(message_type), bytes(payload))
        if not ok:
            _code, message = value  # pqc `error`: the component's text says what happened
            logger.warning(f"PQC 0x{int(message_type):02X} from {source_hash[:16]}...: {message}")
            return False
        _schedule(self._deliver(value))
        return True

    async def _handle_message(self, message: Any, envelope: Any) -> None:
        self.handle(message.source_hash, int(envelope.message_type), envelope.payload)

    handle_initiate = handle_respond = handle_confirm = handle_rekey = handle_close = _handle_message

    def check_rekey(self) -> int:
        """Starts a new handshake for every session due a rekey; returns how many."""
        due = self._call("check-rekey")
        for outgoing in due:
            _schedule(self._deliver(outgoing))
        return len(due)

    def close(self, peer_hash: str) -> Any:
        """Drops the key for `peer_hash` and sends PQC_CLOSE."""
        return self._deliver(self._call("close", peer_hash))

    # -- data

    def encrypt_payload(self, peer_hash: str, plaintext: bytes) -> bytes:
        """AES-256-GCM under the peer's key (AAD: the session id the key was agreed under)."""
        return _ok(self._call("encrypt", peer_hash, bytes(plaintext)))

    def decrypt_payload(self, peer_hash: str, data: bytes) -> bytes:
        """Opens what the peer encrypted; ``InvalidTag`` if it was tampered with."""
        return _ok(self._call("decrypt", peer_hash, bytes(data)))

    # -- state

    def get_security_tier(self, peer_hash: str) -> Any:
        """styrened's ``SecurityTier`` for the peer (RNS_ONLY without a session)."""
        return SecurityTier[_TIERS[self._call("security-tier", peer_hash)]]

    def get_session(self, peer_hash: str) -> SessionInfo | None:
        """The peer's session (bookkeeping only), if any."""
        record = self._call("session", peer_hash)
        return None if record is None else SessionInfo(record)

    def has_key(self, peer_hash: str) -> bool:
        """Whether a key is established with the peer."""
        return self._call("has-key", peer_hash)

    def pending_count(self) -> int:
        """Handshakes in flight."""
        return self._call("pending-count")
