"""The ``file-locks`` import in the Python host: what it lets the component
reach, and that no lock outlives the instance that took it."""

from __future__ import annotations

import sqlite3

import pytest

from styrene_wasm import _file_locks, _loader, _mesh_device, _node_store


@pytest.mark.parametrize("path", ["", "/etc/passwd", "../nodes.db", "a/../../b", "./nodes.db", "a//b"])
def test_nothing_outside_the_granted_directory_can_be_opened(tmp_path, path):
    with pytest.raises(PermissionError):
        _file_locks._open_inside(str(tmp_path), path)


def test_a_symbolic_link_is_not_followed(tmp_path):
    (tmp_path / "link").symlink_to("/etc/hostname")
    with pytest.raises(OSError):
        _file_locks._open_inside(str(tmp_path), "link")


def test_a_trap_in_the_middle_of_a_write_leaves_no_lock_and_loses_nothing(tmp_path, monkeypatch):
    """The deadline passes while the store holds SQLite's exclusive lock in the
    middle of a prune (ticked from inside the lock call, so it is no race):
    the instance is discarded, its locks go with it at once, and the next
    program rolls the half-done prune back from its journal."""
    db = tmp_path / "nodes.db"
    store = _node_store.NodeStore(db)
    hub = _mesh_device.DeviceType.HUB
    for i in range(300):
        store.save_node(_mesh_device.MeshDevice(f"{i:032x}", "1" * 32, f"n{i}", hub, 5))
    real_set = _file_locks._set

    def set_then_let_the_deadline_pass(fd, start, length, kind):
        answer = real_set(fd, start, length, kind)
        if kind == "write" and start == 0x40000002 and answer is None:  # EXCLUSIVE: pages are next
            for _ in range(10_000):
                _loader.load().tick()
        return answer

    monkeypatch.setattr(_file_locks, "_set", set_then_let_the_deadline_pass)
    with pytest.raises(_loader.ComponentTrap):
        store.prune_old_nodes(0)  # every node is older than that
    monkeypatch.setattr(_file_locks, "_set", real_set)
    # no lock is left: another program writes at once, without waiting
    other = sqlite3.connect(db, timeout=0)
    assert other.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert other.execute("SELECT count(*) FROM nodes").fetchone()[0] == 300
    other.execute("DELETE FROM nodes WHERE name = 'n0'")
    other.commit()
    other.close()
    assert len(store.get_all_nodes()) == 299
