"""Random inputs through both implementations: same value or same exception.

The number of examples comes from the Hypothesis profile (conftest.py): `ci`
in `just test`, `long` in `just fuzz`."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, strategies as st
from styrened.models import styrene_wire as reference

from conftest import count_example
from styrene_wasm import _wire as component


def outcome(fn, *args):
    try:
        return ("ok", fn(*args))
    except Exception as e:
        return ("error", type(e).__name__, str(e))


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def envelope_fields(fn, data):
    result = outcome(fn, data)
    if result[0] == "ok":
        env = result[1]
        return ("ok", env.version, int(env.message_type), env.message_type.name, env.payload, env.request_id)
    return result


prefixed = st.binary(max_size=64).map(lambda b: b"styrene.io:" + b)


@given(st.one_of(st.binary(max_size=64), prefixed))
def test_envelope_decode_agrees(data):
    count_example("wire: envelope decode")
    assert envelope_fields(reference.StyreneEnvelope.decode, data) == envelope_fields(
        component.StyreneEnvelope.decode, data
    )


# bytes that look like MessagePack: markers from every family followed by random data
markers = st.sampled_from(
    [
        0x00,
        0x7F,
        0x80,
        0x81,
        0x8F,
        0x90,
        0x91,
        0x9F,
        0xA0,
        0xA3,
        0xC0,
        0xC1,
        0xC2,
        0xC3,
        0xC4,
        0xC7,
        0xCA,
        0xCB,
        0xCC,
        0xCD,
        0xCF,
        0xD0,
        0xD3,
        0xD4,
        0xD6,
        0xD7,
        0xD9,
        0xDC,
        0xDE,
        0xE0,
        0xFF,
    ]
)
msgpackish = st.lists(st.one_of(markers.map(lambda m: bytes([m])), st.binary(max_size=4)), max_size=24).map(
    b"".join
)


@given(st.one_of(st.binary(max_size=64), msgpackish))
def test_payload_decode_agrees(data):
    count_example("wire: payload decode")
    a, b = outcome(reference.decode_payload, data), outcome(component.decode_payload, data)
    assert a[0] == b[0] and same(a[1:], b[1:]), (data.hex(), a, b)


keys = st.one_of(st.text(max_size=8), st.binary(max_size=4))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**65),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.binary(max_size=40),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6), st.tuples(inner, inner), st.dictionaries(keys, inner, max_size=6)
    ),
    max_leaves=30,
)


@given(values)
def test_payload_encode_agrees(value):
    count_example("wire: payload encode")
    a, b = outcome(reference.encode_payload, value), outcome(component.encode_payload, value)
    assert a == b
    if a[0] == "ok":
        da, db = outcome(reference.decode_payload, a[1]), outcome(component.decode_payload, a[1])
        assert da[0] == db[0] and same(da[1:], db[1:])


@pytest.mark.parametrize("size", [0, 1, 255, 4096, 65536, 262144])
def test_large_payloads_agree(size):
    value = {"data": b"\x07" * max(0, size - 16)}
    encoded = reference.encode_payload(value)
    assert component.encode_payload(value) == encoded
    assert outcome(component.decode_payload, encoded)[0] == outcome(reference.decode_payload, encoded)[0]
