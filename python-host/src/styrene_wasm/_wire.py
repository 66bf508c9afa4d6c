"""The component-backed implementation of ``styrened.models.styrene_wire``.

Envelope validation and every payload byte go through ``styrene.wasm`` (the
``styrene:core/wire`` interface), on the core lane when it is in use
(:mod:`._core_lane`: a few microseconds a call, bytes copied in bulk). Two
small things stay in Python where crossing would cost more than the work: the
dataclass constructor's four checks (the component's ``new-envelope`` makes
the same checks for other hosts) and the fixed 13/29-byte header
concatenation in ``encode()``.

On the core lane, payload values cross in Python's ``marshal`` format
(``styrene:core/shortcuts``): ``marshal`` builds and walks Python objects in
C, where lifting a ``list<value-node>`` would cost Python work per node. An
envelope is decoded together with its payload in one call, and
``decode_payload`` of that envelope's payload object takes the value from
there. A value that ``marshal`` cannot carry the way msgpack packs it
(extension types and timestamps, bytes, other types, out-of-range integers)
takes the typed ``value-node`` path, so results and errors stay styrened's.

On the component path, where wasmtime's C API moves a byte string element by
element (about 30 ns per byte in and 40 out), a decoded envelope's payload is
sliced off in Python and only its 29 header bytes cross, to ``decode-header``.
"""

from __future__ import annotations

import marshal
import os
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, NoReturn, Self

from . import _loader, _wit
from ._values import from_nodes, to_nodes
from ._wit import SHORTCUTS, WIRE

_decode_payload = _loader.bind(WIRE, "decode-payload")
_encode_payload = _loader.bind(WIRE, "encode-payload")
_message_types = _loader.bind(WIRE, "message-types")
_decode_header = _loader.bind(SHORTCUTS, "decode-header")
_decode_envelope_marshal = _loader.bind(SHORTCUTS, "decode-envelope-marshal")
_decode_payload_marshal = _loader.bind(SHORTCUTS, "decode-payload-marshal")
_encode_payload_marshal = _loader.bind(SHORTCUTS, "encode-payload-marshal")
# the records these modules unpack, in the order they unpack them
_wit.fields(WIRE, "message-type", ("name", "value"))
_wit.fields(SHORTCUTS, "header", ("version", "message_type", "request_id", "payload_offset"))

STYRENE_PREFIX: bytes = b"styrene.io:"
STYRENE_VERSION_1: int = 1
STYRENE_VERSION_2: int = 2
STYRENE_VERSION: int = STYRENE_VERSION_2
REQUEST_ID_LENGTH: int = 16
NO_CORRELATION: bytes = b"\x00" * REQUEST_ID_LENGTH
MIN_MESSAGE_LENGTH_V1: int = len(STYRENE_PREFIX) + 2
MIN_MESSAGE_LENGTH_V2: int = len(STYRENE_PREFIX) + 2 + REQUEST_ID_LENGTH
MIN_MESSAGE_LENGTH: int = MIN_MESSAGE_LENGTH_V1
MAX_PAYLOAD_SIZE: int = 262144
MAX_MSGPACK_MAP_LEN: int = 1000
MAX_MSGPACK_ARRAY_LEN: int = 10000
MAX_MSGPACK_STR_LEN: int = 65536

# The members come from the component's table, so there is one source of truth
# (a type checker reads only literal member lists: hence the ignore).
StyreneMessageType = IntEnum(  # type: ignore[misc]
    "StyreneMessageType", [(name, value) for name, value in _message_types()], module=__name__
)
StyreneMessageType.__doc__ = "Message types of the Styrene protocol (styrened 0.18.0's 56 members)."


class StyreneWireError(Exception):
    """Base exception for wire format errors."""


class InvalidPrefixError(StyreneWireError):
    """Raised when message doesn't start with styrene.io: prefix."""


class UnsupportedVersionError(StyreneWireError):
    """Raised when message version is not supported."""


class InvalidMessageTypeError(StyreneWireError):
    """Raised when message type is not recognized."""


class PayloadDecodeError(StyreneWireError):
    """Raised when payload cannot be decoded."""


# each wire error, by its WIT code, to the class styrened raises for it
_ERROR_CLASS_NAMES = {
    "message-too-short": "InvalidPrefixError",
    "invalid-prefix": "InvalidPrefixError",
    "unsupported-version": "UnsupportedVersionError",
    "unknown-message-type": "InvalidMessageTypeError",
    "v2-too-short": "InvalidPrefixError",
    "payload-too-large": "ValueError",
    "invalid-request-id": "ValueError",
    "v1-with-request-id": "ValueError",
    "payload-decode": "PayloadDecodeError",
    "payload-encode": "ValueError",
}
# every wire function fails with the one wire error type (the shortcuts `use` it)
_errors = _wit.Errors(WIRE, "decode-payload", _ERROR_CLASS_NAMES)


def _raise(error: tuple[int, str]) -> NoReturn:
    code, message = _errors.read(error)
    name = _ERROR_CLASS_NAMES[code]
    # looked up at raise time: `activate()` may have swapped in styrened's own classes
    cls = ValueError if name == "ValueError" else globals()[name]
    raise cls(message)


def generate_request_id() -> bytes:
    """16 random bytes for request/response correlation."""
    return os.urandom(REQUEST_ID_LENGTH)


# The payload object of the envelope decoded last, and its value as the same
# call decoded it (``decode-envelope-marshal``): ``decode_payload`` of exactly
# that object, what styrened's handlers call next, needs no call of its own.
# Bytes are immutable, so the same object always decodes the same; one slot,
# replaced whole, so threads only ever miss it.
_last_decoded: tuple[Any, Any] = (None, None)


@dataclass
class StyreneEnvelope:
    """A Styrene envelope: version, message type, raw payload, request id (v2).

    ``encode``, ``decode`` and ``is_styrene_message`` are what ``activate()``
    puts on styrened's own class too (as :func:`_encode`, :func:`_decode` and
    :func:`_is_styrene_message`), so they use only the fields both classes have.
    """

    version: int
    message_type: StyreneMessageType
    payload: bytes
    request_id: bytes | None = field(default=None)

    def __post_init__(self) -> None:
        if not 0 <= self.version <= 255:
            raise ValueError(f"version must be 0-255, got {self.version}")
        if len(self.payload) > MAX_PAYLOAD_SIZE:
            raise ValueError(f"payload too large: {len(self.payload)} > {MAX_PAYLOAD_SIZE}")
        if self.request_id is not None and len(self.request_id) != REQUEST_ID_LENGTH:
            raise ValueError(f"request_id must be {REQUEST_ID_LENGTH} bytes, got {len(self.request_id)}")
        if self.version == STYRENE_VERSION_2 and self.request_id is None:
            self.request_id = generate_request_id()
        elif self.version == STYRENE_VERSION_1 and self.request_id is not None:
            raise ValueError("v1 messages cannot have request_id")

    @property
    def expects_response(self) -> bool:
        return self.request_id is not None and self.request_id != NO_CORRELATION

    def encode(self) -> bytes:
        header = STYRENE_PREFIX + bytes([self.version]) + bytes([self.message_type])
        if self.version == STYRENE_VERSION_2:
            return header + (self.request_id if self.request_id else NO_CORRELATION) + self.payload
        return header + self.payload

    @classmethod
    def decode(cls, data: bytes) -> Self:
        global _last_decoded
        if type(data) is not bytes:
            data = bytes(data)
        if _decode_envelope_marshal.lane == "core":
            ok, out = _decode_envelope_marshal(data)
            if not ok:
                _raise(out)
            version, message_type, request_id, offset, value = marshal.loads(out)
            payload = data[offset:]
            envelope = cls(
                version=version, message_type=_members[message_type], payload=payload, request_id=request_id
            )
            _last_decoded = (payload, value)
            return envelope
        # The component validates the header (every check up to the v2 length
        # check looks only at the first 29 bytes and the length up to 29), so only
        # those bytes cross; the payload is sliced here and its size is checked by
        # the constructor, which is exactly where styrened checks it on decode.
        ok, header = _decode_header(data[:MIN_MESSAGE_LENGTH_V2])
        if not ok:
            _raise(header)
        version, message_type, request_id, offset = header
        return cls(
            version=version, message_type=_members[message_type], payload=data[offset:], request_id=request_id
        )

    @classmethod
    def is_styrene_message(cls, data: bytes) -> bool:
        return data.startswith(STYRENE_PREFIX)


# the functions behind the methods, for activate() to put on styrened's class
_encode = StyreneEnvelope.encode
_decode = vars(StyreneEnvelope)["decode"].__func__
_is_styrene_message = vars(StyreneEnvelope)["is_styrene_message"].__func__


_members: dict[int, Any] = {m.value: m for m in StyreneMessageType}


def encode_payload(data: Any) -> bytes:
    """Encode a value as MessagePack, exactly as ``msgpack.packb(data, use_bin_type=True)``."""
    if _encode_payload_marshal.lane == "core":
        try:
            dumped = marshal.dumps(data)
        except Exception:  # not marshallable: the typed path raises what msgpack raises
            dumped = None
        if dumped is not None:
            packed = _encode_payload_marshal(dumped)
            if packed is not None:
                return packed
    ok, result = _encode_payload(to_nodes(data))
    if not ok:
        _raise(result)
    return result


def decode_payload(data: bytes) -> Any:
    """Decode a MessagePack payload with styrened's limits; raises :class:`PayloadDecodeError`."""
    last = _last_decoded
    if data is last[0]:
        value = last[1]
    else:
        if isinstance(data, str):
            raise PayloadDecodeError("Failed to decode payload: a bytes-like object is required, not 'str'")
        if len(data) > MAX_PAYLOAD_SIZE:
            raise PayloadDecodeError(f"Payload too large: {len(data)} > {MAX_PAYLOAD_SIZE}")
        if type(data) is not bytes:
            data = bytes(data)
        value = None
        if _decode_payload_marshal.lane == "core":
            ok, value = _decode_payload_marshal(data)
            if not ok:
                _raise(value)
    # the value's marshal bytes, its decode error, or None: marshal cannot carry it
    if type(value) is bytes:
        return marshal.loads(value)
    if type(value) is str:
        raise PayloadDecodeError(value)
    ok, result = _decode_payload(data)
    if not ok:
        _raise(result)
    return from_nodes(result)


def _envelope(message_type: int, payload: bytes, request_id: bytes | None) -> Any:
    return StyreneEnvelope(
        version=STYRENE_VERSION, message_type=_members[message_type], payload=payload, request_id=request_id
    )


def _zero(request_id: bytes | None) -> bytes:
    return request_id if request_id else NO_CORRELATION


# The helpers: styrened's payload maps (key order is part of the bytes) and
# request-id rules (pass-through, or "zero": missing/empty -> NO_CORRELATION).


def create_ping(request_id: bytes | None = None) -> StyreneEnvelope:
    return _envelope(0x01, b"", request_id)


def create_pong(request_id: bytes | None = None) -> StyreneEnvelope:
    return _envelope(0x02, b"", _zero(request_id))


def create_status_request(request_id: bytes | None = None) -> StyreneEnvelope:
    return _envelope(0x10, b"", request_id)


def create_status_response(status_data: dict[str, Any], request_id: bytes | None = None) -> StyreneEnvelope:
    return _envelope(0x11, encode_payload(status_data), _zero(request_id))


def create_chat(message: str, request_id: bytes | None = None) -> StyreneEnvelope:
    return _envelope(0x20, encode_payload({"text": message}), _zero(request_id))


def create_announce(identity_data: dict[str, Any]) -> StyreneEnvelope:
    return _envelope(0x30, encode_payload(identity_data), NO_CORRELATION)


def create_error(error_code: int, message: str, request_id: bytes | None = None) -> StyreneEnvelope:
    return _envelope(0xFF, encode_payload({"code": error_code, "message": message}), _zero(request_id))


def create_exec(command: str, args: list[str], request_id: bytes | None = None) -> StyreneEnvelope:
    return _envelope(0x40, encode_payload({"command": command, "args": args}), request_id)


def create_exec_result(
    exit_code: int, stdout: str, stderr: str, request_id: bytes | None = None
) -> StyreneEnvelope:
    payload = encode_payload({"exit_code": exit_code, "stdout": stdout, "stderr": stderr})
    return _envelope(0x60, payload, _zero(request_id))


def create_reboot(delay: int = 0, request_id: bytes | None = None) -> StyreneEnvelope:
    return _envelope(0x41, encode_payload({"delay": delay}), request_id)


def create_reboot_result(
    success: bool, message: str, scheduled_time: float | None = None, request_id: bytes | None = None
) -> StyreneEnvelope:
    data: dict[str, Any] = {"success": success, "message": message}
    if scheduled_time is not None:
        data["scheduled_time"] = scheduled_time
    return _envelope(0x61, encode_payload(data), _zero(request_id))


def create_config_update(updates: dict[str, Any], request_id: bytes | None = None) -> StyreneEnvelope:
    return _envelope(0x42, encode_payload({"updates": updates}), request_id)


def create_config_result(
    success: bool, message: str, updated_keys: list[str], request_id: bytes | None = None
) -> StyreneEnvelope:
    payload = encode_payload({"success": success, "message": message, "updated_keys": updated_keys})
    return _envelope(0x62, payload, _zero(request_id))


def create_self_update(version: str | None = None, request_id: bytes | None = None) -> StyreneEnvelope:
    return _envelope(0x46, encode_payload({"version": version}), request_id)


def create_self_update_result(
    success: bool,
    message: str,
    old_version: str,
    new_version: str | None = None,
    request_id: bytes | None = None,
) -> StyreneEnvelope:
    data: dict[str, Any] = {"success": success, "message": message, "old_version": old_version}
    if new_version is not None:
        data["new_version"] = new_version
    return _envelope(0x66, encode_payload(data), _zero(request_id))


def create_provision(adapter: str, request_id: bytes | None = None) -> StyreneEnvelope:
    return _envelope(0x47, encode_payload({"adapter": adapter, "type": "provision"}), _zero(request_id))


def create_provision_result(result: dict[str, Any], request_id: bytes | None = None) -> StyreneEnvelope:
    return _envelope(0x67, encode_payload(result), _zero(request_id))


def create_inbox_query(limit: int = 50, request_id: bytes | None = None) -> StyreneEnvelope:
    return _envelope(0x44, encode_payload({"limit": limit}), request_id)


def create_inbox_response(
    conversations: list[dict[str, Any]], request_id: bytes | None = None
) -> StyreneEnvelope:
    return _envelope(0x64, encode_payload({"conversations": conversations}), _zero(request_id))


def create_messages_query(
    peer_hash: str, limit: int = 50, request_id: bytes | None = None
) -> StyreneEnvelope:
    return _envelope(0x45, encode_payload({"peer_hash": peer_hash, "limit": limit}), request_id)


def create_messages_response(
    messages: list[dict[str, Any]], request_id: bytes | None = None
) -> StyreneEnvelope:
    return _envelope(0x65, encode_payload({"messages": messages}), _zero(request_id))


def create_terminal_request(
    term_type: str = "xterm-256color",
    rows: int = 24,
    cols: int = 80,
    shell: str | None = None,
    command: str | None = None,
    args: list[str] | None = None,
    request_id: bytes | None = None,
) -> StyreneEnvelope:
    data: dict[str, Any] = {"term_type": term_type, "rows": rows, "cols": cols}
    if shell is not None:
        data["shell"] = shell
    if command is not None:
        data["command"] = command
    if args is not None:
        data["args"] = args
    return _envelope(0xC0, encode_payload(data), request_id)


def create_terminal_accept(
    link_destination: str,
    session_id: bytes | None = None,
    request_id: bytes | None = None,
    identity_hash: str | None = None,
) -> StyreneEnvelope:
    effective_session_id = session_id if session_id is not None else request_id
    data: dict[str, Any] = {"link_destination": link_destination}
    if effective_session_id is not None:
        data["session_id"] = effective_session_id.hex()
    if identity_hash is not None:
        data["identity_hash"] = identity_hash
    return _envelope(0xC1, encode_payload(data), _zero(request_id))


def create_terminal_reject(reason: str, code: int = 1, request_id: bytes | None = None) -> StyreneEnvelope:
    return _envelope(0xC2, encode_payload({"reason": reason, "code": code}), _zero(request_id))


def _with_session(data: dict[str, Any], session_id: bytes | None) -> dict[str, Any]:
    if session_id is not None:
        data["session_id"] = session_id.hex()
    return data


def create_terminal_resize(
    rows: int, cols: int, session_id: bytes | None = None, request_id: bytes | None = None
) -> StyreneEnvelope:
    data = _with_session({"rows": rows, "cols": cols}, session_id)
    return _envelope(0xC3, encode_payload(data), _zero(request_id))


def create_terminal_signal(
    signal: int, session_id: bytes | None = None, request_id: bytes | None = None
) -> StyreneEnvelope:
    data = _with_session({"signal": signal}, session_id)
    return _envelope(0xC4, encode_payload(data), _zero(request_id))


def create_terminal_close(
    session_id: bytes | None = None, request_id: bytes | None = None
) -> StyreneEnvelope:
    return _envelope(0xC5, encode_payload(_with_session({}, session_id)), _zero(request_id))


def create_terminal_closed(
    exit_code: int, reason: str = "exited", session_id: bytes | None = None, request_id: bytes | None = None
) -> StyreneEnvelope:
    data = _with_session({"exit_code": exit_code, "reason": reason}, session_id)
    return _envelope(0xC6, encode_payload(data), _zero(request_id))


def create_file_offer(
    filename: str,
    size: int,
    mime_type: str | None = None,
    checksum_sha256: str | None = None,
    request_id: bytes | None = None,
) -> StyreneEnvelope:
    data: dict[str, Any] = {"filename": filename, "size": size}
    if mime_type is not None:
        data["mime_type"] = mime_type
    if checksum_sha256 is not None:
        data["checksum"] = checksum_sha256
    return _envelope(0x22, encode_payload(data), _zero(request_id))


def create_file_accept(max_size: int, request_id: bytes | None = None) -> StyreneEnvelope:
    return _envelope(0x23, encode_payload({"max_size": max_size}), _zero(request_id))
