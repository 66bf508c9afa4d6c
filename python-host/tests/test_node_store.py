"""styrened's node store, on styrened 0.18.0's implementation and on the component."""

from __future__ import annotations

import gzip
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import VECTORS

STORE_VECTORS = json.load(gzip.open(VECTORS.with_name("store.json.gz"), "rt"))


@pytest.fixture(params=["styrened", "component"])
def impl(request):
    """(node_store module, mesh_device module) of one implementation."""
    if request.param == "styrened":
        from styrened.models import mesh_device
        from styrened.services import node_store

        return node_store, mesh_device
    from styrene_wasm import _mesh_device, _node_store

    return _node_store, _mesh_device


def as_json(device):
    if device is None:
        return None
    fields = dict(vars(device))
    fields["device_type"] = device.device_type.name
    return fields


def make(md, **fields):
    fields["device_type"] = md.DeviceType[fields.get("device_type", "GENERIC")]
    fields.setdefault("name", "n")
    fields.setdefault("last_announce", 4_000_000_000)
    return md.MeshDevice(**fields)


def test_helpers(impl):
    ns, _ = impl
    assert ns.MIN_PREFIX_LENGTH == 8
    for h, ok in [
        ("a" * 32, True),
        ("A" * 32, True),
        ("aB" * 16, True),
        ("a" * 31, False),
        ("a" * 33, False),
        (None, False),
        ("g" * 32, False),
        (" " + "a" * 31, False),
        ("a" * 31 + "\n", False),
    ]:
        assert ns._is_valid_hash(h) is ok, h
    for h, ok in [
        ("abcdef01", True),
        ("ABCDEF0", False),
        ("abcdefg1", False),
        (None, False),
        ("0" * 40, True),
    ]:
        assert ns._is_valid_hash_prefix(h) is ok, h


def test_replays_styreneds_script(impl, tmp_path, caplog):
    ns, md = impl
    db = tmp_path / "nodes.db"
    store = ns.NodeStore(db)
    for i, step in enumerate(STORE_VECTORS["steps"]):
        op, arg = step["op"], step["arg"]
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            if op == "save_node":
                fields = dict(arg)
                fields["device_type"] = md.DeviceType[fields["device_type"]]
                result = store.save_node(md.MeshDevice(**fields))
            elif op == "save_path":
                result = store.save_path(*arg)
            elif op == "sql":  # another program writes the file while the store has it open
                with sqlite3.connect(db) as conn:
                    conn.execute(arg)
                conn.close()
                result = None
            elif arg is None:
                result = getattr(store, op)()
            else:
                result = getattr(store, op)(arg)
        if isinstance(result, list) and op.endswith("paths"):
            result = [{k: v for k, v in p.items() if k != "updated_at"} for p in result]
        elif op == "get_path" and result is not None:
            result = {k: v for k, v in result.items() if k != "updated_at"}
        elif isinstance(result, list):
            result = [as_json(d) for d in result]
        elif op.startswith("get_node"):
            result = as_json(result)
        assert result == step["result"], (i, op, arg)
        # rejected saves and ambiguous prefixes log styrened's WARNING lines
        warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert warnings == step["warnings"], (i, op, arg)


def test_concurrent_saves(impl, tmp_path):
    ns, md = impl
    store = ns.NodeStore(tmp_path / "nodes.db")
    errors = []

    def writer(t):
        try:
            for i in range(10):
                store.save_node(make(md, destination_hash=f"{t:02x}{i:030x}", identity_hash="1" * 32))
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors and len(store.get_all_nodes()) == 50


def test_readers_beside_a_writer_do_not_deadlock(impl, tmp_path):
    ns, md = impl
    store = ns.NodeStore(tmp_path / "nodes.db")
    stop = threading.Event()
    errors = []

    def read():
        while not stop.is_set():
            try:
                store.get_all_nodes()
                store.get_identity_for_destination("00000000")
            except Exception as e:
                errors.append(e)

    readers = [threading.Thread(target=read) for _ in range(2)]
    for r in readers:
        r.start()
    for i in range(30):
        store.save_node(make(md, destination_hash=f"{i:032x}", identity_hash="2" * 32))
    stop.set()
    for r in readers:
        r.join(timeout=10)
    assert not any(r.is_alive() for r in readers) and not errors


NODE_COLUMNS = (
    "destination_hash, identity_hash, name, device_type, last_announce, announce_count, capabilities, "
    "version, "
    "lxmf_destination_hash, short_name, system_fingerprint, discovered_via, hops, nomadnet_destination_hash, "
    "ygg_address, b32_address, web_url"
)


def rows(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT {NODE_COLUMNS} FROM nodes ORDER BY destination_hash").fetchall()
    finally:
        conn.close()


def fill(store, md):
    store.save_node(
        make(
            md,
            destination_hash="a" * 32,
            identity_hash="1" * 32,
            device_type="STYRENE_NODE",
            capabilities=["rpc"],
            short_name="alpha",
            discovered_via="TCP",
            hops=1,
            web_url="http://x",
        )
    )
    store.save_node(
        make(
            md,
            destination_hash="b" * 32,
            identity_hash="2" * 32,
            device_type="LXMF_PEER",
            lxmf_destination_hash="c" * 32,
            last_announce=123,
        )
    )
    store.save_node(make(md, destination_hash="a" * 32, identity_hash="1" * 32, device_type="STYRENE_NODE"))
    store.save_path("a" * 32, None, 2, "TCPClientInterface", "t", 1000, None)


def test_a_database_written_by_styrened_reads_the_same_through_the_component(tmp_path):
    from styrened.models import mesh_device as up_md
    from styrened.services.node_store import NodeStore as Upstream

    from styrene_wasm import _node_store

    db = tmp_path / "nodes.db"
    upstream = Upstream(db)
    fill(upstream, up_md)
    expected = [as_json(d) for d in upstream.get_all_nodes()], upstream.get_all_paths()
    ours = _node_store.NodeStore(db)
    assert ([as_json(d) for d in ours.get_all_nodes()], ours.get_all_paths()) == expected
    assert ours.get_identity_for_lxmf_destination("cccccccc") == "2" * 32


def test_a_database_written_by_the_component_reads_the_same_in_styrened(tmp_path):
    from styrened.services.node_store import NodeStore as Upstream

    from styrene_wasm import _mesh_device, _node_store

    fresh_py, fresh_wasm = tmp_path / "py", tmp_path / "wasm"
    fresh_py.mkdir()
    fresh_wasm.mkdir()
    from styrened.models import mesh_device as up_md

    fill(Upstream(fresh_py / "nodes.db"), up_md)
    ours = _node_store.NodeStore(fresh_wasm / "nodes.db")
    fill(ours, _mesh_device)
    read_by_ours = [as_json(d) for d in ours.get_all_nodes()]
    # closed, the store leaves the file alone in its directory, in styrened's journal mode
    _node_store._Database.for_path(fresh_wasm / "nodes.db").close()
    assert rows(fresh_wasm / "nodes.db") == rows(fresh_py / "nodes.db")
    upstream = Upstream(fresh_wasm / "nodes.db")
    assert [as_json(d) for d in upstream.get_all_nodes()] == read_by_ours
    with sqlite3.connect(fresh_wasm / "nodes.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    assert sorted(p.name for p in fresh_wasm.iterdir()) == ["nodes.db"]


def test_other_connections_share_the_file_while_the_component_has_it_open(tmp_path):
    from styrened.services.node_store import NodeStore as Upstream

    from styrene_wasm import _mesh_device, _node_store

    db = tmp_path / "nodes.db"
    ours = _node_store.NodeStore(db)
    fill(ours, _mesh_device)
    # in this process too: styrened's store and a plain connection read and write beside it
    with sqlite3.connect(db, timeout=0.1) as conn:
        assert conn.execute("SELECT count(*) FROM nodes").fetchone()[0] == 2
    conn.close()
    upstream = Upstream(db)
    assert len(upstream.get_all_nodes()) == 2
    upstream.delete_node("a" * 32)
    assert len(ours.get_all_nodes()) == 1  # seen on the next call, without reopening
    # while another connection holds the write lock, the component waits for
    # styrened's busy timeout, then fails as styrened's sqlite3 would, and carries on
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")
    with pytest.raises(sqlite3.OperationalError, match="^database is locked$"):
        ours.get_all_nodes()
    writer.execute("ROLLBACK")
    writer.close()
    assert len(ours.get_all_nodes()) == 1


def test_rows_written_through_get_conn_read_back_as_styrened_reads_them(impl, tmp_path):
    ns, _ = impl
    db = tmp_path / "nodes.db"
    store = ns.NodeStore(db)
    conn = store._get_conn()
    assert isinstance(conn, sqlite3.Connection) and conn.row_factory is sqlite3.Row
    assert Path(conn.execute("PRAGMA database_list").fetchone()["file"]) == db.resolve()
    # a row styrened's own save_node would never write: no name, no device type
    conn.execute(
        "INSERT INTO nodes (destination_hash, identity_hash, name, device_type, last_announce)"
        " VALUES (?, ?, NULL, NULL, 5)",
        ("ab" * 16, "1" * 32),
    )
    conn.commit()
    conn.close()
    with store._connection() as conn:
        conn.execute("UPDATE nodes SET hops = 3")
        conn.commit()
    node = store.get_node_by_destination("ab" * 16)
    # styrened names a nameless node after its hash and reads a missing type as UNKNOWN
    assert (node.name, node.device_type.name, node.hops) == ("device-abababab", "UNKNOWN", 3)
    with pytest.raises(sqlite3.ProgrammingError):
        conn.execute("SELECT 1")  # _connection() closed it


def test_resetting_styreneds_singleton_gives_a_new_store_after_activation(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import styrene_wasm\n"
            "assert styrene_wasm.activate()\n"
            "from styrened.services import node_store as ns\n"
            "first = ns.get_node_store()\n"
            "ns._node_store = None\n"
            "second = ns.get_node_store()\n"
            "print(type(second).__module__, first is not second, ns._node_store is second)\n",
        ],
        env={**os.environ, "STYRENE_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["styrene_wasm._node_store", "True", "True"]


def test_the_oldest_schema_is_migrated_as_styrened_does(tmp_path):
    from styrened.services.node_store import NodeStore as Upstream

    from styrene_wasm import _node_store

    copies = []
    for name in ("py", "wasm"):
        (tmp_path / name).mkdir()
        db = tmp_path / name / "nodes.db"
        with sqlite3.connect(db) as conn:
            conn.execute(STORE_VECTORS["oldest_schema_sql"])
            conn.execute(
                "INSERT INTO nodes (destination_hash, identity_hash, name, device_type, last_announce) "
                f"VALUES ('{'a' * 32}', '{'1' * 32}', 'legacy', 'styrene_node', 5)"
            )
        copies.append(db)
    Upstream(copies[0])
    _node_store.NodeStore(copies[1])
    _node_store._Database.for_path(copies[1]).close()

    def schema(db: Path) -> list[tuple]:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()

    assert schema(copies[0]) == schema(copies[1])
    assert rows(copies[0]) == rows(copies[1])


@pytest.mark.parametrize(
    "content", [b"not a database" * 20, b"SQLite format 3\x00short", b"\x89PNG" + bytes(300)]
)
def test_files_that_are_not_node_stores_are_refused_and_left_alone(tmp_path, content):
    from styrene_wasm import _node_store

    db = tmp_path / "nodes.db"
    db.write_bytes(content)
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        _node_store.NodeStore(db)
    assert db.read_bytes() == content


def test_a_foreign_schema_is_refused_and_left_alone(tmp_path):
    from styrene_wasm import _node_store

    db = tmp_path / "nodes.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE nodes (identity_hash TEXT PRIMARY KEY, seen INTEGER)")
    before = db.read_bytes()
    with pytest.raises(sqlite3.DatabaseError, match="not a styrened node store"):
        _node_store.NodeStore(db)
    assert db.read_bytes() == before


WRITER = """
import sys
from pathlib import Path
from styrene_wasm import _mesh_device as md, _node_store as ns
store = ns.NodeStore(Path(sys.argv[1]))
for i in range(100000):
    dest = f"{i:032x}"
    store.save_node(md.MeshDevice(dest, "1" * 32, "n" * 50, md.DeviceType.GENERIC, 1700000000 + i))
    print(dest, flush=True)
"""


def test_sigkill_during_a_burst_of_saves_loses_nothing_that_returned(tmp_path):
    db = tmp_path / "nodes.db"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True, env={**os.environ}
    )
    saved = []
    deadline = time.monotonic() + 60
    while len(saved) < 200 and time.monotonic() < deadline:
        line = writer.stdout.readline()
        if not line:
            break
        saved.append(line.strip())
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=30)
    assert len(saved) >= 200, "the writer did not get going"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        present = {r[0] for r in conn.execute("SELECT destination_hash FROM nodes")}
    conn.close()
    assert set(saved) <= present
    from styrene_wasm import _node_store

    assert len(_node_store.NodeStore(db).get_all_nodes()) == len(present)
