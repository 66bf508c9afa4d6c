"""The Python host itself: cache, threads, traps, fallback, activate(), CLI, wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from styrene_wasm import _loader, _wire

RID = bytes(range(16))
PYTHON_HOST = Path(__file__).resolve().parents[1]


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env={**os.environ, **env}
    )


def test_warm_start_uses_the_cached_artifact(tmp_path):
    code = "import styrene_wasm, json; print(json.dumps(styrene_wasm.info()))"
    first = run_python(code, STYRENE_CACHE_DIR=str(tmp_path))
    second = run_python(code, STYRENE_CACHE_DIR=str(tmp_path))
    assert '"loaded_from_cache": false' in first.stdout, first.stderr
    assert '"loaded_from_cache": true' in second.stdout, second.stderr
    # the component and the core module the core lane takes out of it
    assert len(list(tmp_path.glob("styrene-*.cwasm"))) == 2
    assert '"core_lane_from_cache": true' in second.stdout, second.stderr


def test_corrupt_cache_is_recompiled(tmp_path):
    code = "import styrene_wasm; i = styrene_wasm.info(); print(i['loaded_from_cache'], i['cache'])"
    first = run_python(code, STYRENE_CACHE_DIR=str(tmp_path))
    artifact = Path(first.stdout.split()[1])
    artifact.write_bytes(b"not an artifact")
    again = run_python(
        code + "; from styrene_wasm import wire; print(wire.create_ping().encode()[:11])",
        STYRENE_CACHE_DIR=str(tmp_path),
    )
    assert again.stdout.startswith("False"), again.stderr
    assert "b'styrene.io:'" in again.stdout


def test_threads_share_the_component_safely():
    errors: list[BaseException] = []
    payloads = [_wire.encode_payload({"n": i, "text": "x" * i}) for i in range(50)]

    def worker(seed: int) -> None:
        try:
            for i in range(200):
                n = (seed + i) % 50
                env = _wire.StyreneEnvelope.decode(_wire.StyreneEnvelope(2, 0x20, payloads[n], RID).encode())
                assert _wire.decode_payload(env.payload) == {"n": n, "text": "x" * n}
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[:3]


@pytest.mark.parametrize("lane", ["core", "component"])
def test_a_trap_replaces_the_instance(monkeypatch, lane):
    monkeypatch.setattr(_loader, "MEMORY_LIMIT", 2 << 20)
    # converting 4 MiB through wasmtime's C API counts against the deadline: give it a minute
    monkeypatch.setattr(_loader, "DEADLINE_TICKS", 1200)
    echo = _loader.bind("styrene:core/shortcuts@0.1.0", "echo", lane)
    _loader.renew_instances()
    assert echo(b"small") == b"small"
    with pytest.raises(_loader.MemoryLimitExceeded, match="memory limit of 2097152 bytes in echo"):
        echo(b"\x00" * (4 << 20))  # the guest cannot allocate this under a 2 MiB cap
    assert echo(b"still serving") == b"still serving"
    monkeypatch.undo()
    _loader.renew_instances()


def test_fallback_to_styrened_when_disabled():
    result = run_python(
        "from styrene_wasm import wire; from styrened.models import styrene_wire as up;"
        "print(wire.IMPLEMENTATION, wire.decode_payload is up.decode_payload)",
        STYRENE_NATIVE="0",
    )
    assert result.stdout.split() == ["styrened", "True"], result.stderr
    assert result.stderr.count("disabled by STYRENE_NATIVE=0") == 1


def test_fallback_when_the_component_is_missing(tmp_path):
    result = run_python(
        "from styrene_wasm import wire; print(wire.IMPLEMENTATION)",
        STYRENE_WASM=str(tmp_path / "missing.wasm"),
    )
    assert result.stdout.strip() == "styrened"
    assert "FileNotFoundError" in result.stderr


def test_activate_switches_styrened_to_the_component():
    result = run_python(
        "import styrened.protocols.styrene as proto\n"
        "from styrened.models import styrene_wire as up\n"
        "import styrene_wasm\n"
        "from styrene_wasm import _wire\n"
        "assert styrene_wasm.activate()\n"
        "assert up.decode_payload is _wire.decode_payload and proto.decode_payload is _wire.decode_payload\n"
        "assert up.StyreneEnvelope.decode.__func__ is _wire._decode\n"
        "env = up.create_chat('hi', bytes(16))\n"
        "assert type(env) is up.StyreneEnvelope and type(env.message_type) is up.StyreneMessageType\n"
        "back = up.StyreneEnvelope.decode(env.encode())\n"
        "assert type(back) is up.StyreneEnvelope and back == env\n"
        "try:\n"
        "    up.decode_payload(b'\\xc1')\n"
        "except up.PayloadDecodeError as e:\n"
        "    print('caught', type(e) is up.PayloadDecodeError)\n"
        "print(styrene_wasm.info()['activated'])\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["caught", "True", "True"]


def test_activate_switches_mesh_device_to_the_component():
    result = run_python(
        "import styrened.services.node_store as store_module\n"
        "from styrened.models import mesh_device as up\n"
        "import styrene_wasm\n"
        "from styrene_wasm import _mesh_device\n"
        "assert styrene_wasm.activate()\n"
        "assert up.create_mesh_device is _mesh_device.create_mesh_device\n"
        "hub = up.DeviceType.HUB\n"
        "device = up.create_mesh_device('ab' * 16, 'cd' * 16, b'styrene:h:1:rpc', aspect_hint=hub)\n"
        "assert type(device) is up.MeshDevice and device.device_type is up.DeviceType.STYRENE_NODE\n"
        "assert device.status is up.NodeStatus.ACTIVE and device.is_styrene_node\n"
        "assert store_module.MeshDevice is up.MeshDevice\n"
        "print(up.parse_announce_data(b'rnode:R')[1] is up.DeviceType.RNODE)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True"]


def test_mesh_device_fallback_when_disabled():
    result = run_python(
        "from styrene_wasm import mesh_device; from styrened.models import mesh_device as up;"
        "print(mesh_device.IMPLEMENTATION, mesh_device.parse_announce_data is up.parse_announce_data)",
        STYRENE_NATIVE="0",
    )
    assert result.stdout.split() == ["styrened", "True"], result.stderr


def test_activate_switches_node_store_to_the_component(tmp_path):
    result = run_python(
        "import styrened.protocols.styrene as proto\n"
        "from styrened.services import node_store as up\n"
        "import styrene_wasm\n"
        "from styrene_wasm import _node_store\n"
        "assert styrene_wasm.activate()\n"
        "assert up.NodeStore is _node_store.NodeStore and up.get_node_store is _node_store.get_node_store\n"
        "from styrened.models.mesh_device import MeshDevice, DeviceType\n"
        "store = up.get_node_store()\n"
        "store.save_node(MeshDevice('a' * 32, '1' * 32, 'n', DeviceType.HUB, 5))\n"
        "node = store.get_node_by_destination('a' * 32)\n"
        "print(type(node) is MeshDevice, node.device_type is DeviceType.HUB)\n",
        STYRENE_DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
    assert (tmp_path / "nodes.db").is_file()


def test_cli_decode_and_info():
    data = _wire.create_chat("hi", RID).encode().hex()
    decoded = subprocess.run(
        [sys.executable, "-m", "styrene_wasm", "decode", data], capture_output=True, text=True, timeout=60
    )
    assert decoded.returncode == 0, decoded.stderr
    assert "message_type:       CHAT (0x20)" in decoded.stdout
    assert "decoded:            {'text': 'hi'}" in decoded.stdout
    piped = subprocess.run(
        [sys.executable, "-m", "styrene_wasm", "decode", "-"],
        input=bytes.fromhex(data),
        capture_output=True,
        timeout=60,
    )
    assert b"CHAT" in piped.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "styrene_wasm", "decode", "73747972656e652e696f3a0248"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1 and "InvalidMessageTypeError: Unknown message type: 0x48" in bad.stderr
    info = subprocess.run(
        [sys.executable, "-m", "styrene_wasm", "info"], capture_output=True, text=True, timeout=60
    )
    assert "world:               styrene:core/styrene@0.1.0" in info.stdout
    assert "implementation:      component" in info.stdout


def test_wheel_is_pure_python_and_carries_the_component(tmp_path):
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(PYTHON_HOST),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("*.whl")
    assert wheel.name.endswith("-py3-none-any.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "styrene_wasm/styrene.wasm" in names


GATEWAY = PYTHON_HOST.parent / "target" / "native" / "styrene-gateway"


def test_gateway_nodes_commands_on_a_styrened_database(tmp_path):
    from styrened.models.mesh_device import create_mesh_device
    from styrened.services.node_store import NodeStore as Upstream

    store = Upstream(tmp_path / "nodes.db")
    store.save_node(create_mesh_device("ab" * 16, "cd" * 16, b"styrene:gw1:0.18.0:rpc"))
    old = create_mesh_device("ef" * 16, "12" * 16, b"rnode:R1")
    old.last_announce = 1000
    store.save_node(old)

    def gateway(*args: str) -> str:
        done = subprocess.run(
            [str(GATEWAY), "nodes", *args, "--db", str(tmp_path)], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    listing = gateway("list")
    assert (
        "abababababababababababababababab  styrene" in listing and "rnode" in listing and "2 nodes" in listing
    )
    assert "name:                      gw1" in gateway("show", "ab" * 16)
    assert "pruned 1 nodes" in gateway("prune")
    assert [d.destination_hash for d in Upstream(tmp_path / "nodes.db").get_all_nodes()] == ["ab" * 16]


def test_a_database_another_host_has_open_is_read_by_the_gateway_and_by_styrened(tmp_path):
    """While this process's component holds the store open, the Rust host's
    `nodes list`, `show` and `prune` read and write it, and styrened's store in
    another process reads and writes it; this store sees their writes on its
    next call."""
    from sharing import StoreProcess, gateway_nodes

    from styrene_wasm import _mesh_device, _node_store

    db = tmp_path / "nodes.db"
    ours = _node_store.NodeStore(db)
    ours.save_node(_mesh_device.MeshDevice("ab" * 16, "cd" * 16, "n", _mesh_device.DeviceType.HUB, 5))
    listed = gateway_nodes(db, "list")
    assert "abababababababababababababababab  hub" in listed and "1 nodes" in listed
    shown = gateway_nodes(db, "show", "ab" * 16)
    assert "identity_hash:             cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd" in shown
    styrened = StoreProcess("styrened", db)
    try:
        assert styrened.ask("get", "ab" * 16) == "n"
        styrened.ask("save", "ef" * 16, "theirs", 0)
    finally:
        styrened.close()
    assert [d.name for d in ours.get_all_nodes()] == ["theirs", "n"]  # newest announce first
    assert "pruned 1 nodes" in gateway_nodes(db, "prune", "--max-age", "60")  # "n" was heard at t=5
    assert [d.name for d in ours.get_all_nodes()] == ["theirs"]
    _node_store._Database.for_path(db).close()
