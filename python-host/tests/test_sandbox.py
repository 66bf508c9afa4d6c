"""The Python host's sandbox: the memory cap and the call deadline are hit by
real calls, reported as typed errors that name the limit, and the same process
keeps serving correct calls on a fresh instance afterwards. Stateless calls
run it twice, on the core lane and on the component path, with the same
exceptions and messages.

The deadline is reached without wall-clock timing: the test ticks the epoch
forward by the whole deadline, as the epoch thread would during a call that ran
that long, and the next call is interrupted at its first check. These tests run
before test_wire_*.py in the same process, which then must still pass: other
instances re-arm their deadlines and are not interrupted."""

from __future__ import annotations

import contextlib
from types import SimpleNamespace

import pytest
from styrened.models import mesh_device as ref_mesh, styrene_wire as ref_wire

from conftest import on_component_path
from styrene_wasm import (
    DeadlineExceeded,
    MemoryLimitExceeded,
    _loader,
    _mesh_device,
    _node_store,
    _pqc,
    _wire,
)

SMALL = 2 << 20


@pytest.fixture
def small_memory(monkeypatch):
    """Instances created during the test get a 2 MiB cap. Their deadline is a
    minute: converting megabytes of arguments through wasmtime's C API counts
    against it, and on a busy machine that can take a second."""
    monkeypatch.setattr(_loader, "MEMORY_LIMIT", SMALL)
    monkeypatch.setattr(_loader, "DEADLINE_TICKS", 1200)
    _loader.renew_instances()
    yield
    _loader.renew_instances()  # the next instances get the limits restored after the test


@pytest.fixture(params=["core lane", "component path"])
def lane(request, monkeypatch):
    """The stateless drop-ins, on one lane."""
    modules = SimpleNamespace(wire=_wire, mesh=_mesh_device, pqc=_pqc)
    if request.param == "component path":
        for module in vars(modules).values():
            on_component_path(module, monkeypatch)
    return modules


def idle_instances() -> list:
    """Every instance waiting in a pool (the next call on this thread takes one)."""
    loaded = _loader.load()
    return loaded.instances.idle + (loaded.lane_instances.idle if loaded.lane_instances else [])


@contextlib.contextmanager
def past_deadline(*instances):
    """Arms the instances' deadlines, then lets the whole of it pass, ticking as
    the epoch thread does (every other instance re-arms on its next call). Inside
    the block calls do not re-arm first, so the next call on one of them is the
    one that has used up its deadline."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_loader, "_REFRESH_TICKS", 1 << 62)
        for instance in instances:
            instance.refresh_deadline()
        # a store's instance may also wait for another program's lock: its deadline is longer
        ticks = max((getattr(i, "deadline_ticks", _loader.DEADLINE_TICKS) for i in instances), default=0)
        for _ in range(max(ticks, _loader.DEADLINE_TICKS)):
            _loader.load().tick()
        yield


def announce(mesh, data):
    name, dtype, *rest = mesh.parse_announce_data(data)
    return (name, dtype.name, *rest)


def test_a_giant_input_hits_the_memory_cap_and_the_host_keeps_serving(small_memory, lane):
    data = b"styrene:host:0.18.0:rpc,chat"
    assert announce(lane.mesh, data) == announce(ref_mesh, data)
    with pytest.raises(MemoryLimitExceeded) as caught:
        lane.mesh.parse_announce_data(b"x" * (3 << 20))  # 3 MiB cannot be copied into 2 MiB
    assert str(caught.value) == (
        f"styrene.wasm exceeded its memory limit of {SMALL} bytes in parse-announce-data "
        "(its arguments did not fit); the instance was replaced"
    )
    assert announce(lane.mesh, data) == announce(ref_mesh, data)
    assert lane.wire.decode_payload(b"\x81\xa1a\x01") == {"a": 1}


# 160 KB that decode into 160,001 values: 10,000 arrays of 15 empty arrays
NESTED = b"\xdc\x27\x10" + (b"\x9f" + b"\x90" * 15) * 10_000


def test_a_small_input_that_decodes_into_too_much_hits_the_memory_cap(small_memory, lane, monkeypatch):
    with pytest.raises(MemoryLimitExceeded) as caught:
        lane.wire.decode_payload(NESTED)
    message = str(caught.value)
    # the component's allocator said which allocation was refused
    # (the core lane decodes through the marshal shortcut, the component path through decode-payload)
    prefix = f"styrene.wasm exceeded its memory limit of {SMALL} bytes in decode-payload"
    assert message.startswith((f"{prefix} ", f"{prefix}-marshal "))
    assert "(styrene.wasm: memory allocation of " in message and message.endswith("the instance was replaced")
    assert lane.wire.decode_payload(b"\x81\xa1a\x01") == {"a": 1}
    # under the default cap the same payload decodes as styrened decodes it
    monkeypatch.setattr(_loader, "MEMORY_LIMIT", 64 << 20)
    _loader.renew_instances()
    assert lane.wire.decode_payload(NESTED) == ref_wire.decode_payload(NESTED)


def test_length_headers_promising_gigabytes_are_refused_under_a_small_cap(small_memory, lane):
    # a decoder that reserved what these headers announce would exceed 2 MiB
    for marker in (0xDD, 0xDF, 0xC9, 0xDB):
        data = bytes([marker]) + b"\xff\xff\xff\xff"
        with pytest.raises(ref_wire.PayloadDecodeError) as want:
            ref_wire.decode_payload(data)
        with pytest.raises(_wire.PayloadDecodeError) as got:
            lane.wire.decode_payload(data)
        assert str(got.value) == str(want.value)


def test_a_giant_node_hits_the_memory_cap_and_the_store_loses_nothing(small_memory, tmp_path):
    store = _node_store.NodeStore(tmp_path / "nodes.db")
    saved = [make_device(i) for i in range(3)]
    for device in saved:
        store.save_node(device)
    with pytest.raises(MemoryLimitExceeded, match="in node-store.save-node"):
        store.save_node(make_device(9, name="n" * (4 << 20)))
    # a fresh instance opens the file again: the three nodes, and no half of the fourth
    assert sorted(d.name for d in store.get_all_nodes()) == ["node-0", "node-1", "node-2"]
    store.save_node(make_device(3))
    assert len(store.get_all_nodes()) == 4
    _node_store._Database.for_path(tmp_path / "nodes.db").close()


def make_device(i: int, name: str | None = None):
    return _mesh_device.MeshDevice(
        destination_hash=f"{i:032x}",
        identity_hash=f"{i + 1000:032x}",
        name=name or f"node-{i}",
        device_type=_mesh_device.DeviceType.STYRENE_NODE,
        last_announce=4_000_000_000,
    )


def test_a_call_past_its_deadline_is_interrupted_and_the_host_keeps_serving(lane):
    public, secret = lane.pqc.kem_generate_keypair()
    assert (len(public), len(secret)) == (1184, 2400)
    with past_deadline(*idle_instances()), pytest.raises(DeadlineExceeded) as caught:
        lane.pqc.kem_generate_keypair()
    assert str(caught.value) == (
        "styrene.wasm exceeded its deadline of 1.0 s in kem-generate-keypair: "
        "the call was interrupted and the instance replaced"
    )
    public, secret = lane.pqc.kem_generate_keypair()
    ciphertext, shared = lane.pqc.kem_encapsulate(public)
    assert lane.pqc.kem_decapsulate(secret, ciphertext) == shared


def test_a_store_call_past_its_deadline_loses_no_saved_node(tmp_path):
    store = _node_store.NodeStore(tmp_path / "nodes.db")
    for i in range(3):
        store.save_node(make_device(i))
    database = _node_store._Database.for_path(tmp_path / "nodes.db")
    with (
        past_deadline(database.instance),
        pytest.raises(DeadlineExceeded, match="in node-store.prune-old-nodes"),
    ):
        store.prune_old_nodes(-10_000_000_000)  # would delete every node
    assert sorted(d.name for d in store.get_all_nodes()) == ["node-0", "node-1", "node-2"]
    database.close()


def test_a_session_service_past_its_deadline_is_replaced():
    service = _pqc.PQCSessionService()
    with (
        past_deadline(service._instance),
        pytest.raises(DeadlineExceeded, match="in session-service.initiate"),
    ):
        service.initiate("ab" * 16)
    peer, message_type, payload = service.initiate("ab" * 16)
    assert (peer, message_type) == ("ab" * 16, 0xD0)
    assert len(payload) > 1184  # carries the ML-KEM public key
