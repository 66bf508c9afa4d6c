"""The golden vectors generated from styrened 0.18.0, through both implementations."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from conftest import runs, same, value, vectors

sys.setrecursionlimit(10_000)  # building 1024-deep expected values


def error_matches(exc: BaseException, expected: dict) -> bool:
    return type(exc).__name__ == expected["class"] and str(exc) == expected["message"]


def test_message_types(wire):
    got = [{"name": m.name, "value": m.value} for m in wire.StyreneMessageType]
    assert got == vectors()["message_types"]


@pytest.mark.parametrize("case", vectors()["envelope_decode"], ids=lambda c: c["name"])
def test_envelope_decode(wire, case):
    data = runs(case["input"])
    assert wire.StyreneEnvelope.is_styrene_message(data) is case["is_styrene_message"]
    if "error" in case:
        with pytest.raises(Exception) as info:
            wire.StyreneEnvelope.decode(data)
        assert error_matches(info.value, case["error"])
        return
    env = wire.StyreneEnvelope.decode(data)
    ok = case["ok"]
    assert env.version == ok["version"]
    assert env.message_type == ok["message_type"]
    assert isinstance(env.message_type, wire.StyreneMessageType)
    assert (env.request_id.hex() if env.request_id is not None else None) == ok["request_id"]
    assert len(env.payload) == ok["payload_length"]
    if ok["payload"] is not None:
        assert env.payload == bytes.fromhex(ok["payload"])
    assert env.encode() == data


@pytest.mark.parametrize("case", vectors()["envelope_construct"], ids=lambda c: c["name"])
def test_envelope_construct(wire, case):
    rid = bytes.fromhex(case["request_id"]) if case["request_id"] is not None else None
    make = lambda: wire.StyreneEnvelope(  # noqa: E731
        version=case["version"],
        message_type=case["message_type"],
        payload=runs(case["payload"]),
        request_id=rid,
    )
    if "error" in case:
        with pytest.raises(ValueError) as info:
            make()
        assert error_matches(info.value, case["error"])
        return
    env = make()
    encoded = env.encode()
    want = runs(case["encoded"])
    if case["version"] == 2 and rid is None:
        want = want[:13] + env.request_id + want[29:]  # styrened drew a random id
    assert encoded == want
    assert env.expects_response is case["expects_response"]


@pytest.mark.parametrize("case", vectors()["payload_decode"], ids=lambda c: c["name"])
def test_payload_decode(wire, case):
    data = runs(case["input"])
    if "error" in case:
        with pytest.raises(wire.PayloadDecodeError) as info:
            wire.decode_payload(data)
        assert error_matches(info.value, case["error"])
        return
    assert same(wire.decode_payload(data), value(case["ok"]))


@pytest.mark.parametrize("case", vectors()["payload_encode"], ids=lambda c: c["name"])
def test_payload_encode(wire, case):
    assert wire.encode_payload(value(case["value"])) == runs(case["encoded"])


@pytest.mark.parametrize("case", vectors()["create"], ids=lambda c: c["function"])
def test_create_helpers(wire, case):
    kwargs = {k: value(v) for k, v in case["kwargs"].items()}
    make = getattr(wire, case["function"])
    if "error" in case:
        with pytest.raises(ValueError) as info:
            make(**kwargs)
        assert error_matches(info.value, case["error"])
        return
    env = make(**kwargs)
    want = case["envelope"]
    assert env.message_type == want["message_type"]
    assert env.payload.hex() == want["payload"]
    if want["request_id"] == "random":
        assert len(env.request_id) == 16 and env.request_id != bytes(16)
        assert env.encode()[:13].hex() == case["encoded_without_rid"]["header"]
    else:
        assert env.encode().hex() == case["encoded"]


def component_create(function: str, kwargs: dict[str, Any]) -> tuple[bool, Any]:
    """The component's own `create-*` export called as styrened's `create_*` would
    be: the arguments bound to styrened's signature (its defaults included), in
    order, grouped into the WIT's records, payload values as value nodes."""
    import inspect

    from styrened.models import styrene_wire as ref_wire
    from wasmtime.component import _types as t

    from styrene_wasm import _loader, _wit
    from styrene_wasm._values import to_nodes

    export = function.replace("_", "-")
    bound = inspect.signature(getattr(ref_wire, function)).bind(**kwargs)
    bound.apply_defaults()
    given = list(bound.arguments.values())
    args = []
    for _, ty in _wit.item(_wit.WIRE, export).params:
        if isinstance(ty, t.RecordType):
            args.append(tuple(given[: len(ty.fields)]))
            del given[: len(ty.fields)]
            continue
        v = given.pop(0)
        if isinstance(ty, t.ListType) and isinstance(ty.element, t.VariantType):
            v = to_nodes(v)
        elif isinstance(ty, t.ListType) and isinstance(ty.element, t.ListType):
            v = [to_nodes(item) for item in v]
        args.append(v)
    assert not given
    return _loader.bind(_wit.WIRE, export)(*args)


def test_every_create_helper_is_a_component_export():
    from styrene_wasm import _loader, _wit, wire

    loaded = _loader.load()
    interface = loaded.component.type.exports(loaded.engine)[_wit.WIRE].ty
    exports = {name for name in interface.exports(loaded.engine) if name.startswith("create-")}
    assert exports == {n.replace("_", "-") for n in wire.NAMES if n.startswith("create_")}


@pytest.mark.parametrize("case", vectors()["create"], ids=lambda c: c["function"])
def test_component_create_functions(case):
    """The component's `create-*` functions, which the drop-in does not call
    (its Python helpers are faster: `just bench`), make styrened's envelopes too."""
    from styrene_wasm import _wire

    ok, made = component_create(case["function"], {k: value(v) for k, v in case["kwargs"].items()})
    if "error" in case:
        assert not ok
        code, message = _wire._errors.read(made)
        assert {"class": _wire._ERROR_CLASS_NAMES[code], "message": message} == case["error"]
        return
    assert ok
    version, message_type, payload, request_id = made
    want = case["envelope"]
    assert (version, message_type, payload.hex()) == (want["version"], want["message_type"], want["payload"])
    if want["request_id"] == "random":
        assert len(request_id) == 16 and request_id != bytes(16)
    else:
        assert request_id.hex() == want["request_id"]


@pytest.mark.parametrize("fixture", vectors()["interop_fixtures"], ids=lambda f: f["name"])
def test_interop_fixtures(wire, fixture):
    data = bytes.fromhex(fixture["wire"])
    env = wire.StyreneEnvelope.decode(data)
    assert env.message_type.name == fixture["message_type_name"]
    assert env.encode() == data
    if "payload_error" in fixture:
        with pytest.raises(wire.PayloadDecodeError) as info:
            wire.decode_payload(env.payload)
        assert str(info.value) == fixture["payload_error"]["message"]
    else:
        assert same(wire.decode_payload(env.payload), value(fixture["decoded_payload"]))


@pytest.mark.parametrize("case", vectors()["payload_decode"], ids=lambda c: c["name"])
def test_payload_decode_after_envelope_decode(wire, case):
    """decode_payload of a decoded envelope's payload (what styrened's handlers
    do; on the core lane the envelope's decode already holds the value)."""
    payload = runs(case["input"])
    if len(payload) > wire.MAX_PAYLOAD_SIZE:
        return  # the envelope itself refuses it
    env = wire.StyreneEnvelope.decode(wire.StyreneEnvelope(2, 0x20, payload, bytes(16)).encode())
    if "error" in case:
        with pytest.raises(wire.PayloadDecodeError) as info:
            wire.decode_payload(env.payload)
        assert error_matches(info.value, case["error"])
        return
    first, second = wire.decode_payload(env.payload), wire.decode_payload(env.payload)
    assert same(first, value(case["ok"])) and same(second, first)
    assert not isinstance(first, (list, dict)) or first is not second  # a fresh value each time


@pytest.mark.parametrize("case", vectors()["marshal"], ids=lambda c: c["name"])
def test_payload_encode_of_marshal_vectors(wire, case):
    """Values as the interpreter wrote them with marshal (shared objects, long
    ints, values styrened refuses) encode to styrened's bytes or raise its error."""
    import marshal

    from styrened.models import styrene_wire as reference

    data = marshal.loads(runs(case["marshal"]))

    def outcome(encode):
        try:
            return ("ok", encode(data))
        except Exception as e:
            return (type(e), str(e))

    want = outcome(reference.encode_payload)
    if "error" in case:
        assert want[0].__name__ == case["error"]
    else:
        assert want == ("ok", runs(case["msgpack"]))
    assert outcome(wire.encode_payload) == want
