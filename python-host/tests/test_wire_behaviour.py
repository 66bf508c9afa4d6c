"""styrened's documented wire behaviour, asserted on both implementations."""

from __future__ import annotations

import dataclasses

import pytest

RID = bytes(range(16))


def test_enum_is_a_real_intenum(wire):
    import enum

    t = wire.StyreneMessageType
    assert issubclass(t, enum.IntEnum)
    assert int(t.PING) == 1 and bytes([t.CHAT]) == b"\x20"
    assert t(0xC5).name == "TERMINAL_CLOSE" and t["SELF_UPDATE"] == 0x46
    assert len(t) == 56
    with pytest.raises(ValueError):
        t(0x48)


def test_exception_hierarchy(wire):
    for name in (
        "InvalidPrefixError",
        "UnsupportedVersionError",
        "InvalidMessageTypeError",
        "PayloadDecodeError",
    ):
        assert issubclass(getattr(wire, name), wire.StyreneWireError)
    assert issubclass(wire.StyreneWireError, Exception)
    assert not issubclass(wire.StyreneWireError, ValueError)


def test_envelope_is_a_mutable_dataclass(wire):
    env = wire.StyreneEnvelope(2, wire.StyreneMessageType.PING, b"", RID)
    assert dataclasses.is_dataclass(env)
    assert [f.name for f in dataclasses.fields(env)] == ["version", "message_type", "payload", "request_id"]
    assert env == wire.StyreneEnvelope(2, wire.StyreneMessageType.PING, b"", RID)
    assert "StyreneEnvelope(version=2" in repr(env)
    env.payload = b"\x80"
    assert env.encode().endswith(b"\x80")


def test_layout(wire):
    data = wire.create_chat("hi", RID).encode()
    assert data[:11] == b"styrene.io:" and data[11] == 2 and data[12] == 0x20
    assert data[13:29] == RID and wire.decode_payload(data[29:]) == {"text": "hi"}
    assert len(wire.create_ping().encode()) == wire.MIN_MESSAGE_LENGTH_V2 == 29


def test_every_type_round_trips(wire):
    for member in wire.StyreneMessageType:
        env = wire.StyreneEnvelope(2, member, b"\x91\x01", RID)
        back = wire.StyreneEnvelope.decode(env.encode())
        assert back == env and back.message_type is member


def test_v1(wire):
    env = wire.StyreneEnvelope(1, wire.StyreneMessageType.CHAT, b"\x80")
    assert env.request_id is None and env.encode() == b"styrene.io:\x01\x20\x80"
    assert wire.StyreneEnvelope.decode(env.encode()) == env


def test_request_id_rules(wire):
    auto = wire.StyreneEnvelope(2, wire.StyreneMessageType.PING, b"")
    assert len(auto.request_id) == 16 and auto.expects_response
    assert wire.create_pong().request_id == wire.NO_CORRELATION
    assert not wire.create_pong().expects_response
    assert wire.create_provision("x", b"").request_id == wire.NO_CORRELATION
    assert wire.create_announce({}).request_id == wire.NO_CORRELATION
    assert wire.create_exec("ls", []).request_id != wire.create_exec("ls", []).request_id
    assert len(wire.generate_request_id()) == 16
    env = wire.StyreneEnvelope(2, 1, b"", RID)
    env.request_id = b""  # falsy after construction: encode writes NO_CORRELATION
    assert env.encode()[13:29] == bytes(16)


@pytest.mark.parametrize(
    ("data", "error", "text"),
    [
        (b"styrene", "InvalidPrefixError", "too short"),
        (b"xtyrene.io:\x02\x01" + RID, "InvalidPrefixError", "Invalid prefix"),
        (b"styrene.io:\x63\x01" + RID, "UnsupportedVersionError", "Unsupported version: 99"),
        (b"styrene.io:\x01\xfe", "InvalidMessageTypeError", "0xfe"),
        (b"styrene.io:\x02\x01" + RID[:3], "InvalidPrefixError", "v2 message too short"),
    ],
)
def test_decode_errors(wire, data, error, text):
    with pytest.raises(getattr(wire, error), match=text):
        wire.StyreneEnvelope.decode(data)


def test_oversized_payload_is_a_plain_valueerror(wire):
    data = b"styrene.io:\x02\x24" + RID + b"\x00" * (wire.MAX_PAYLOAD_SIZE + 1)
    with pytest.raises(ValueError, match="payload too large") as info:
        wire.StyreneEnvelope.decode(data)
    assert not isinstance(info.value, wire.StyreneWireError)


@pytest.mark.parametrize("version", [256, -1])
def test_version_range(wire, version):
    with pytest.raises(ValueError, match="version must be 0-255"):
        wire.StyreneEnvelope(version, 1, b"")


def test_is_styrene_message(wire):
    assert wire.StyreneEnvelope.is_styrene_message(b"styrene.io:")
    assert not wire.StyreneEnvelope.is_styrene_message(b"")
    assert not wire.StyreneEnvelope.is_styrene_message(b"styrene")


def test_bytes_like_inputs(wire):
    data = wire.create_chat("hi", RID).encode()
    assert wire.StyreneEnvelope.decode(bytearray(data)).payload == data[29:]
    assert wire.decode_payload(bytearray(b"\x81\xa1a\x01")) == {"a": 1}
    assert wire.decode_payload(memoryview(b"\x81\xa1a\x01")) == {"a": 1}


def test_payload_limits(wire):
    with pytest.raises(wire.PayloadDecodeError, match="Payload too large"):
        wire.decode_payload(b"\x00" * (wire.MAX_PAYLOAD_SIZE + 1))
    with pytest.raises(wire.PayloadDecodeError):
        wire.decode_payload(b"\xff\xff\xff\xff")
    with pytest.raises(wire.PayloadDecodeError, match="exceeds max_array_len"):
        wire.decode_payload(b"\xdd\x00\x00\x27\x11")
    with pytest.raises(wire.PayloadDecodeError, match="exceeds max_map_len"):
        wire.decode_payload(b"\xde\x03\xe9")
    with pytest.raises(wire.PayloadDecodeError) as info:
        wire.decode_payload(b"")
    assert str(info.value) == "Failed to decode payload: Unpack failed: incomplete input"


@pytest.mark.parametrize(
    ("value", "error", "text"),
    [
        ({1, 2}, TypeError, "can not serialize 'set' object"),
        (object(), TypeError, "can not serialize 'object' object"),
        (2**64, OverflowError, "Integer value out of range"),
        (-(2**63) - 1, OverflowError, "Integer value out of range"),
        ("\ud800", UnicodeEncodeError, "surrogates not allowed"),
        ({"k": [1, {2}]}, TypeError, "can not serialize 'set' object"),
    ],
)
def test_encode_errors_are_not_wrapped(wire, value, error, text):
    with pytest.raises(error, match=text):
        wire.encode_payload(value)


def nested(depth: int, leaf: object = None) -> list:
    root: list = []
    inner = root
    for _ in range(depth):
        inner.append([])
        inner = inner[0]
    if leaf is not None:
        inner.append(leaf)
    return root


def test_encode_nesting_limit(wire):
    # msgpack-python refuses any object nested more than 1024 levels below the root
    assert wire.encode_payload(nested(1024)) == b"\x91" * 1024 + b"\x90"
    with pytest.raises(ValueError, match="recursion limit exceeded"):
        wire.encode_payload(nested(1025))
    with pytest.raises(ValueError, match="recursion limit exceeded"):
        wire.encode_payload(nested(1024, leaf=1))
    assert wire.encode_payload(nested(1023, leaf=1)).endswith(b"\x91\x01")


def test_encoding_rules(wire):
    assert wire.encode_payload(1.0)[0] == 0xCB
    assert wire.encode_payload("a" * 40)[:2] == b"\xd9\x28"
    assert wire.encode_payload(b"x")[:2] == b"\xc4\x01"
    assert wire.encode_payload((1, 2)) == b"\x92\x01\x02"
    assert wire.encode_payload({"b": 1, "a": 2}) == b"\x82\xa1b\x01\xa1a\x02"
    assert wire.encode_payload(wire.StyreneMessageType.CHAT) == b"\x20"
    assert wire.encode_payload(bytearray(b"ab")) == b"\xc4\x02ab"
    assert wire.encode_payload(memoryview(b"ab")) == b"\xc4\x02ab"
    assert wire.encode_payload(True) == b"\xc3"


def test_decoded_types(wire):
    value = wire.decode_payload(wire.encode_payload({"a": [1, 2.5, None, b"x", "s", {"n": True}]}))
    assert value == {"a": [1, 2.5, None, b"x", "s", {"n": True}]}
    assert type(value["a"]) is list and type(value["a"][3]) is bytes
    assert wire.decode_payload(b"\x82\xa1a\x01\xa1a\x02") == {"a": 2}
    assert wire.decode_payload(b"\x81\xc4\x01a\x02") == {b"a": 2}


def test_terminal_helpers(wire):
    accept = wire.decode_payload(wire.create_terminal_accept("dd", request_id=RID).payload)
    assert accept == {"link_destination": "dd", "session_id": RID.hex()}
    assert wire.decode_payload(wire.create_terminal_close().payload) == {}
    closed = wire.create_terminal_closed(1, session_id=b"\x01")
    assert wire.decode_payload(closed.payload) == {"exit_code": 1, "reason": "exited", "session_id": "01"}
