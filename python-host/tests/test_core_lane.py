"""The core lane against the component path: the same results and the same
exceptions for random inputs, no crash for random bytes into any decoder, the
canonical ABI's checks on what the guest hands back, the fallback, and
instances shared by short-lived threads without growing memory.

(The golden vectors and the sandbox limits run through both lanes in
test_wire_vectors.py, test_mesh_device.py, test_pqc.py and test_sandbox.py.)
"""

from __future__ import annotations

import struct
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings, strategies as st
from test_host import run_python
from test_wire_differential import values
from wasmtime.component import _types as t

from conftest import component_path_copy, count_example, same
from styrene_wasm import _canonical, _loader, _mesh_device, _pqc, _wire
from styrene_wasm._errors import ComponentTrap, InstanceUnavailable


@pytest.fixture(scope="module")
def component():
    """The stateless drop-ins bound to the component path (the defaults run on the core lane)."""
    import types

    with pytest.MonkeyPatch.context() as patch:
        yield types.SimpleNamespace(
            wire=component_path_copy(_wire, patch),
            mesh=component_path_copy(_mesh_device, patch),
            pqc=component_path_copy(_pqc, patch),
        )


def outcome(fn, *args):
    try:
        return ("ok", fn(*args))
    except Exception as e:
        return ("error", type(e).__name__, str(e))


def agree(a, b, context) -> None:
    assert a[0] == b[0] and same(list(a[1:]), list(b[1:])), (context, a, b)


def test_the_lane_is_in_use():
    loaded = _loader.load()
    assert loaded.lane is not None, loaded.lane_reason
    assert _wire._decode_payload.lane == "core" and _pqc._aes_gcm_encrypt.lane == "core"


# --- random inputs: the same outcome on both lanes ------------------------------------

prefixed = st.binary(max_size=80).map(lambda b: b"styrene.io:" + b)
envelopes = st.one_of(st.binary(max_size=64), prefixed)


def fields(result):
    if result[0] == "ok":
        env = result[1]
        return ("ok", env.version, int(env.message_type), env.payload, env.request_id)
    return result


@given(envelopes)
def test_envelope_decode_agrees_across_lanes(component, data):
    count_example("lanes: envelope decode")
    agree(
        fields(outcome(_wire.StyreneEnvelope.decode, data)),
        # the class is shared: its decode is the core lane's, so call the clone's function
        fields(outcome(component.wire._decode, _wire.StyreneEnvelope, data)),
        data.hex(),
    )


@given(
    st.one_of(st.binary(max_size=96), values.map(lambda v: _wire.encode_payload(v) if _encodable(v) else b""))
)
def test_payload_decode_agrees_across_lanes(component, data):
    count_example("lanes: payload decode")
    agree(outcome(_wire.decode_payload, data), outcome(component.wire.decode_payload, data), data.hex())


def _encodable(value) -> bool:
    return outcome(_wire.encode_payload, value)[0] == "ok"


@given(values)
def test_payload_encode_agrees_across_lanes(component, value):
    count_example("lanes: payload encode")
    agree(outcome(_wire.encode_payload, value), outcome(component.wire.encode_payload, value), value)


app_data = st.one_of(
    st.none(),
    st.binary(max_size=80),
    st.lists(st.text(alphabet="styrene:0123456789.,-_abc|", max_size=12), max_size=8).map(
        lambda parts: ":".join(parts).encode()
    ),
    values.filter(_encodable).map(_wire.encode_payload),
)
hints = st.one_of(st.none(), st.sampled_from(list(_mesh_device.DeviceType)))


@given(app_data, hints)
def test_announce_parsing_agrees_across_lanes(component, data, hint):
    count_example("lanes: announce app_data")
    agree(
        outcome(_mesh_device.parse_announce_data, data, hint),
        outcome(component.mesh.parse_announce_data, data, hint),
        data,
    )
    if data:
        agree(
            outcome(_mesh_device._try_lxmf_parse, data, hint),
            outcome(component.mesh._try_lxmf_parse, data, hint),
            data,
        )


keys = st.one_of(st.binary(min_size=32, max_size=32), st.binary(max_size=40))
blobs = st.binary(max_size=200)


@given(keys, blobs, st.one_of(st.none(), st.binary(max_size=24)), st.integers(-1, 2**64))
def test_pqc_primitives_agree_across_lanes(component, key, data, aad, counter):
    count_example("lanes: PQC inputs")
    ours, theirs = _pqc, component.pqc
    agree(
        outcome(ours.aes_gcm_decrypt, key, data, aad), outcome(theirs.aes_gcm_decrypt, key, data, aad), "gcm"
    )
    agree(
        outcome(ours.x25519_derive_shared, key, data[:32]),
        outcome(theirs.x25519_derive_shared, key, data[:32]),
        "x",
    )
    agree(
        outcome(ours.hybrid_kdf, key, data, aad or b""),
        outcome(theirs.hybrid_kdf, key, data, aad or b""),
        "kdf",
    )
    agree(outcome(ours.ratchet_key, key, counter), outcome(theirs.ratchet_key, key, counter), "ratchet")
    agree(outcome(ours.kem_decapsulate, data, key), outcome(theirs.kem_decapsulate, data, key), "kem")
    # randomised primitives: what one lane seals, the other opens
    sealed = outcome(ours.aes_gcm_encrypt, key, data, aad)
    if sealed[0] == "ok":
        assert theirs.aes_gcm_decrypt(key, sealed[1], aad) == data
    else:
        assert outcome(theirs.aes_gcm_encrypt, key, data, aad) == sealed


def test_keys_cross_between_lanes(component):
    public, secret = _pqc.kem_generate_keypair()
    ciphertext, shared = component.pqc.kem_encapsulate(public)
    assert _pqc.kem_decapsulate(secret, ciphertext) == shared
    a_public, a_private = _pqc.x25519_generate_keypair()
    b_public, b_private = component.pqc.x25519_generate_keypair()
    assert _pqc.x25519_derive_shared(a_private, b_public) == component.pqc.x25519_derive_shared(
        b_private, a_public
    )


# --- every stateless export, raw: random values of its WIT types --------------------

# exports whose result may depend on randomness or the clock (a create-* helper, and
# new-envelope for version 2, draw a request id when given none): compared by shape,
# random bytes by length
_UNREPEATABLE = {
    "generate-request-id",
    "new-envelope",
    "kem-generate-keypair",
    "x25519-generate-keypair",
    "aes-gcm-encrypt",
}


def unrepeatable(name: str) -> bool:
    return name in _UNREPEATABLE or name.startswith("create-") or name == "kem-encapsulate"


def shape(value):
    if isinstance(value, bytes):
        return ("bytes", len(value))
    if isinstance(value, (tuple, list)):
        return [shape(v) for v in value]
    return type(value).__name__


def strategy(ty):
    """Random values of a WIT type, in the shapes both lanes take."""
    ranges = {t.U8: 8, t.U16: 16, t.U32: 32, t.U64: 64}
    for cls, bits in ranges.items():
        if isinstance(ty, cls):
            return st.integers(0, 2**bits - 1)
    signed = {t.S8: 8, t.S16: 16, t.S32: 32, t.S64: 64}
    for cls, bits in signed.items():
        if isinstance(ty, cls):
            return st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    if isinstance(ty, t.Bool):
        return st.booleans()
    if isinstance(ty, (t.F32, t.F64)):
        return st.floats(width=32 if isinstance(ty, t.F32) else 64)
    if isinstance(ty, t.String):
        return st.text(max_size=24)
    if isinstance(ty, t.ListType):
        if isinstance(ty.element, t.U8):
            return st.binary(max_size=64)
        return st.lists(strategy(ty.element), max_size=4)
    if isinstance(ty, t.RecordType):
        return st.tuples(*[strategy(f) for _, f in ty.fields])
    if isinstance(ty, t.VariantType):
        return st.one_of(
            *[
                st.just((i, None)) if c is None else strategy(c).map(lambda v, i=i: (i, v))
                for i, (_, c) in enumerate(ty.cases)
            ]
        )
    if isinstance(ty, t.EnumType):
        return st.integers(0, len(ty.names) - 1)
    if isinstance(ty, t.OptionType):
        return st.one_of(st.none(), strategy(ty.payload))
    if isinstance(ty, t.ResultType):
        ok = st.just(None) if ty.ok is None else strategy(ty.ok)
        err = st.just(None) if ty.err is None else strategy(ty.err)
        return st.one_of(ok.map(lambda v: (True, v)), err.map(lambda v: (False, v)))
    raise TypeError(type(ty).__name__)


def _exports():
    loaded = _loader.load()
    out = []
    for interface, item in loaded.component.type.exports(loaded.engine).items():
        for name, func in item.ty.exports(loaded.engine).items():
            key = f"{interface}#{name}"
            if loaded.lane is not None and loaded.lane.serves(key):
                out.append((interface, name, func.ty))
    return out


@pytest.mark.parametrize("interface, name, ty", _exports(), ids=lambda x: x if isinstance(x, str) else "")
def test_every_stateless_export_agrees_across_lanes(interface, name, ty):
    core = _loader.bind(interface, name, "core")
    path = _loader.bind(interface, name, "component")
    args = st.tuples(*[strategy(p) for _, p in ty.params])

    # a sixth of the profile's examples per export: there are sixty of them
    @settings(max_examples=max(50, settings.default.max_examples // 6))
    @given(args)
    def check(values):
        count_example("lanes: raw exports")
        a, b = outcome(core, *values), outcome(path, *values)
        if unrepeatable(name):
            assert a[0] == b[0] and (shape(a[1]) == shape(b[1]) if a[0] == "ok" else a == b), (values, a, b)
        else:
            agree(a, b, (name, values))

    check()


# --- random bytes into every decoder through the lane ----------------------------------

DECODERS = [
    lambda d: _wire.StyreneEnvelope.decode(d),
    lambda d: _wire.decode_payload(d),
    lambda d: _mesh_device.parse_announce_data(d),
    lambda d: _mesh_device._try_lxmf_parse(d),
    lambda d: _mesh_device.create_mesh_device("ab" * 16, "cd" * 16, d),
    lambda d: _pqc.aes_gcm_decrypt(d[:32], d[32:]),
    lambda d: _pqc.kem_decapsulate(d, d),
    lambda d: _pqc.kem_encapsulate(d),
    lambda d: _pqc.x25519_derive_shared(d[:32], d[32:64]),
]
# errors the drop-ins raise for bad input (styrened's own classes and messages)
EXPECTED = (ValueError, _wire.StyreneWireError, _pqc.InvalidTag)


@given(st.binary(max_size=512), st.sampled_from(range(len(DECODERS))))
def test_random_bytes_into_every_decoder_never_crash(data, which):
    count_example("lanes: random bytes into decoders")
    try:
        DECODERS[which](data)
    except EXPECTED:
        pass
    # a decoder must answer or refuse; a trap would fail the test here, and the
    # process surviving to the next example is the point


# --- what the guest hands back is checked ------------------------------------------------


class Memory:
    """Linear memory for codec checks: a bytearray, nothing to allocate."""

    def __init__(self, data: bytes) -> None:
        self.view = memoryview(bytearray(data))


def lifted(ty_codec, data: bytes, ptr: int = 0):
    return ty_codec.load(Memory(data).view, ptr)


def nested_types():
    loaded = _loader.load()
    wire = loaded.component.type.exports(loaded.engine)["styrene:core/wire@0.1.0"].ty.exports(loaded.engine)
    return wire["decode-payload"].ty.result  # result<list<value-node>, wire-error>


def test_a_discriminant_past_the_cases_is_refused():
    codec = _canonical.codec(nested_types())
    with pytest.raises(_canonical.Invalid, match="discriminant 2 out of range"):
        lifted(codec, b"\x02" + bytes(15))
    ok_one_node_at_16 = struct.pack("<BxxxII", 0, 16, 1) + bytes(4)
    with pytest.raises(_canonical.Invalid, match="discriminant 11 out of range"):
        lifted(codec, ok_one_node_at_16 + b"\x0b" + bytes(23))  # value-node has cases 0..10


def test_invalid_utf8_and_out_of_bounds_pointers_are_refused():
    text = _canonical.codec(t.String())
    with pytest.raises(_canonical.Invalid, match="invalid UTF-8"):
        lifted(text, struct.pack("<II", 8, 2) + b"\xc3\x28")
    with pytest.raises(_canonical.Invalid, match="run past the end of memory"):
        lifted(text, struct.pack("<II", 8, 9) + b"abc")
    items = _canonical.codec(nested_types())
    with pytest.raises(_canonical.Invalid, match="run past the end of memory"):
        lifted(items, struct.pack("<BxxxII", 0, 8, 1000))
    with pytest.raises(_canonical.Invalid, match="not 8-aligned"):
        lifted(items, struct.pack("<BxxxII", 0, 9, 1) + bytes(40))


def test_bools_chars_and_flags_are_checked():
    with pytest.raises(_canonical.Invalid, match="invalid bool 2"):
        lifted(_canonical.codec(t.Bool()), b"\x02")
    with pytest.raises(_canonical.Invalid, match="invalid char 0xd800"):
        lifted(_canonical.codec(t.Char()), struct.pack("<I", 0xD800))
    flags = _canonical._flags(3)
    assert flags.load(Memory(b"\x05").view, 0) == 5
    with pytest.raises(_canonical.Invalid, match="beyond the 3 labels"):
        flags.load(Memory(b"\x09").view, 0)


def test_an_abi_violation_is_a_typed_trap_and_the_lane_keeps_serving(monkeypatch):
    """Results that break the ABI (here: echo's list read as a string of invalid
    UTF-8) raise ComponentTrap, discard the instance, and the next call is served."""
    from styrene_wasm import _core_lane

    spec = _loader.load().lane.specs["styrene:core/shortcuts@0.1.0#echo"]
    pool = _loader.load().lane_instances
    monkeypatch.setattr(spec, "result", _canonical.codec(t.String()))
    monkeypatch.setattr(spec, "invoke", _core_lane.invoker(spec))
    as_text = _loader.bind("styrene:core/shortcuts@0.1.0", "echo", "core")
    before = pool._count
    with pytest.raises(ComponentTrap, match="styrene.wasm trapped in echo: invalid UTF-8 in a string"):
        as_text(b"\xff\xfe")
    assert pool._count == before - 1  # that instance is gone
    assert as_text(b"fine") == "fine"
    monkeypatch.undo()
    assert _loader.bind("styrene:core/shortcuts@0.1.0", "echo", "core")(b"\xff") == b"\xff"


# --- the fallback and instantiation failures ----------------------------------------------


def test_the_lane_can_be_turned_off():
    result = run_python(
        "import styrene_wasm; from styrene_wasm import _wire; i = styrene_wasm.info();"
        "print(i['core_lane'], '|', i['lane wire'], '|', _wire._decode_payload.lane,"
        " _wire.decode_payload(b'\\x01'))",
        STYRENE_CORE_LANE="0",
    )
    assert result.stdout.split("|") == [
        "not used: disabled by STYRENE_CORE_LANE=0 ",
        " component ",
        " component 1\n",
    ]
    assert result.stderr.count("STYRENE_CORE_LANE=0") == 1, result.stderr


def test_a_core_module_that_is_not_what_the_lane_expects_is_refused():
    from styrene_wasm import _core_lane

    lane = _loader.load().lane
    specs = dict(lane.specs)
    key = "styrene:core/wire@0.1.0#decode-payload"
    assert _core_lane._mismatch(lane.module, specs) is None
    specs["styrene:core/wire@0.1.0#no-such-function"] = specs[key]
    assert _core_lane._mismatch(lane.module, specs) == (
        "it does not export styrene:core/wire@0.1.0#no-such-function"
    )
    # a signature that flattens differently from the module's export
    del specs["styrene:core/wire@0.1.0#no-such-function"]
    specs[key] = lane.specs["styrene:core/shortcuts@0.1.0#noop"]
    assert _core_lane._mismatch(lane.module, specs) == (
        f"{key} is (i32, i32) -> i32, the WIT type flattens to () -> ()"
    )
    with pytest.raises(ValueError, match="not a component binary"):
        _core_lane.main_module(b"\x00asm\x01\x00\x00\x00")


def test_a_failed_instantiation_is_typed_and_the_next_call_tries_again(monkeypatch):
    loaded = _loader.load()
    for pool in (loaded.instances, loaded.lane_instances):
        make, failures = pool._make, []

        def refuse(make=make, failures=failures):
            if not failures:
                failures.append(1)
                raise MemoryError("Cannot allocate memory (os error 12)")
            return make()

        monkeypatch.setattr(pool, "_make", refuse)
        pool.renew()
    for lane in ("core", "component"):
        echo = _loader.bind("styrene:core/shortcuts@0.1.0", "echo", lane)
        with pytest.raises(InstanceUnavailable, match="could not be instantiated: MemoryError"):
            echo(b"x")
        assert echo(b"x") == b"x"


# --- threads ------------------------------------------------------------------------------

THREADS = textwrap.dedent(
    """
    import gc, os, sys, threading
    from styrene_wasm import _loader, _wire

    lane_call = _wire._decode_payload
    component_call = _loader.bind("styrene:core/wire@0.1.0", "decode-payload", "component")
    errors = []

    def rss_and_maps():
        with open("/proc/self/status") as f:
            rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        with open("/proc/self/maps") as f:
            return rss, sum(1 for _ in f)

    def one(i):
        try:
            call = lane_call if i % 2 else component_call
            assert call(b"\\x92\\x01\\xa1a") == (True, [(7, 2), (2, 1), (5, "a")])
        except Exception as e:
            errors.append(repr(e))

    def run(count):
        for start in range(0, count, 50):
            batch = [threading.Thread(target=one, args=(i,)) for i in range(start, start + 50)]
            for t in batch:
                t.start()
            for t in batch:
                t.join()

    total = int(sys.argv[1])
    run(total // 10)  # warm up: the pools reach their size, malloc its working set
    gc.collect()
    before = rss_and_maps()
    run(total)
    gc.collect()
    after = rss_and_maps()
    pools = _loader.load()
    print(before[0], before[1], after[0], after[1], len(errors), errors[:3],
          pools.instances._count, pools.lane_instances._count)
    """
)


def test_short_lived_threads_share_pooled_instances_and_memory_stays_flat():
    """RNS calls announce handlers on a new thread each: 100,000 such threads,
    one call each, alternating lanes, must neither leak instances nor memory."""
    result = subprocess.run(
        [sys.executable, "-c", THREADS, "100000"], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    rss_before, maps_before, rss_after, maps_after, errors, *rest = result.stdout.split(maxsplit=5)
    assert errors == "0", result.stdout
    instances = rest[0].rsplit(maxsplit=2)[1:]
    assert all(int(n) <= _loader.POOL_SIZE for n in instances), result.stdout
    # a leaked instance costs ~113 KB and 4 mappings: 100,000 of them would be ~11 GB
    assert int(rss_after) - int(rss_before) < 20_000, result.stdout  # KiB
    assert int(maps_after) - int(maps_before) < 50, result.stdout
