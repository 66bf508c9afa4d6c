"""One ``nodes.db``, shared as SQLite shares it: the component from Python,
the component in the Rust host, styrened's own store and the ``sqlite3``
shell, each in its own process, read and write it beside each other."""

from __future__ import annotations

import random
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sharing import GATEWAY, StoreProcess, gateway_nodes, sqlite3_cli

pytestmark = pytest.mark.skipif(not GATEWAY.is_file(), reason="needs the Rust host (just build)")

OLD = 10 * 86400  # seconds: what a prune of nodes older than a day removes


def dest(tag: str, i: int) -> str:
    return f"{tag}{i:0{32 - len(tag)}x}"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "nodes.db"
    seed = StoreProcess("styrened", path)  # styrened's schema, as a user's file has it
    seed.close()
    return path


def test_every_program_sees_every_other_programs_writes_at_once(db: Path) -> None:
    component, styrened = StoreProcess("component", db), StoreProcess("styrened", db)
    try:
        # each program's way of writing a node, and of reading one back by name
        def write_with(who: str, d: str, name: str) -> None:
            if who == "component":
                component.ask("save", d, name, 0)
            elif who == "styrened":
                styrened.ask("save", d, name, 0)
            elif who == "sqlite3":
                sqlite3_cli(db, f"UPDATE nodes SET name = '{name}' WHERE destination_hash = '{d}'")
            else:  # the Rust host writes by pruning: an old node goes
                component.ask("save", d, name, OLD)  # made old first, by another program
                gateway_nodes(db, "prune", "--max-age", "86400")

        def read_with(who: str, d: str) -> str:
            if who == "component":
                return component.ask("get", d)
            if who == "styrened":
                return styrened.ask("get", d)
            if who == "sqlite3":
                return sqlite3_cli(db, f"SELECT name FROM nodes WHERE destination_hash = '{d}'") or "-"
            out = gateway_nodes(db, "list")
            line = next((line for line in out.splitlines() if line.startswith(d)), None)
            return line.split()[2] if line else "-"

        programs = ("component", "styrened", "sqlite3", "rust-host")
        for i, writer in enumerate(programs):
            for j, reader in enumerate(programs):
                d = dest("ab", i * 10 + j)
                styrened.ask("save", d, "before", 0)
                write_with(writer, d, f"by-{writer}")
                expected = "-" if writer == "rust-host" else f"by-{writer}"
                assert read_with(reader, d) == expected, f"{reader} reading what {writer} wrote"
    finally:
        component.close()
        styrened.close()
    assert sqlite3_cli(db, "PRAGMA integrity_check") == "ok"


def test_readers_and_writers_of_every_kind_at_the_same_time(db: Path) -> None:
    """Four programs hammer the file at once; every call succeeds (each waits
    for the others' locks as SQLite does) and every write lands."""
    stores = [StoreProcess("component", db), StoreProcess("styrened", db)]
    failures: list[str] = []
    written: list[str] = []

    def hammer(store: StoreProcess, tag: str) -> None:
        for i in range(150):
            d = dest(tag, i)
            try:
                store.ask("save", d, f"{tag}-{i}", 0)
                written.append(d)
                assert store.ask("get", d) == f"{tag}-{i}"
                store.ask("count")
            except Exception as e:  # collected, so the other threads finish
                failures.append(f"{store.kind}: {e}")

    def shell() -> None:
        for i in range(40):
            try:
                sqlite3_cli(
                    db,
                    f"INSERT INTO nodes (destination_hash, identity_hash, name, device_type, "
                    f"last_announce) VALUES ('{dest('ee', i)}', '{'2' * 32}', 'sh', 'generic', 1)",
                )
                written.append(dest("ee", i))
                sqlite3_cli(db, "SELECT count(*) FROM nodes")
            except AssertionError as e:
                failures.append(f"sqlite3: {e}")

    def rust_host() -> None:
        for _ in range(15):
            try:
                gateway_nodes(db, "list")
            except AssertionError as e:
                failures.append(f"rust-host: {e}")

    tags = ("c1", "d1")
    threads = [threading.Thread(target=hammer, args=(s, t)) for s, t in zip(stores, tags, strict=True)]
    threads += [threading.Thread(target=shell), threading.Thread(target=rust_host)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    for store in stores:
        store.close()
    assert failures == []
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        present = {r[0] for r in conn.execute("SELECT destination_hash FROM nodes")}
    conn.close()
    assert set(written) <= present


STRESS_OPS = 2000


def test_four_processes_with_writers_killed_mid_transaction(db: Path) -> None:
    """2 component and 2 styrened processes, STRESS_OPS mixed saves, lookups and
    prunes each, on one file; writers are SIGKILLed at random moments and
    started again. Afterwards the file is sound, every save that returned is
    there, and no call failed but with styrened's own "database is locked"."""
    rng = random.Random(20261201)
    saved: set[str] = set()
    locked = 0
    unexpected: list[str] = []
    # old nodes for the prunes to remove; the saves below are all recent
    seed = StoreProcess("styrened", db)
    for i in range(200):
        seed.ask("save", dest("0d", i), "old", OLD)
    seed.close()

    def worker(kind: str, tag: str) -> None:
        nonlocal locked
        done, generation = 0, 0
        store = StoreProcess(kind, db)
        while done < STRESS_OPS:
            roll = rng.random()
            try:
                if roll < 0.01:  # killed mid-call: a save may be half written
                    store.process.stdin.write(f"save {dest(tag + 'f', generation)} killed 0\n")
                    store.process.stdin.flush()
                    time.sleep(rng.random() * 0.004)
                    store.process.send_signal(signal.SIGKILL)
                    store.process.wait(timeout=30)
                    generation += 1
                    store = StoreProcess(kind, db)
                elif roll < 0.55:
                    d = dest(tag, done)
                    store.ask("save", d, "fresh", 0)
                    saved.add(d)
                elif roll < 0.95:
                    store.ask("get", dest(tag, rng.randrange(done + 1)))
                else:
                    store.ask("prune", 86400)
            except RuntimeError as e:
                if "sqlite3.OperationalError: database is locked" in str(e):
                    locked += 1
                else:
                    unexpected.append(str(e))
            done += 1
        store.close()

    threads = [
        threading.Thread(target=worker, args=(kind, tag))
        for kind, tag in (("component", "c1"), ("component", "c2"), ("styrened", "d1"), ("styrened", "d2"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=1800)
    assert unexpected == []
    with sqlite3.connect(db, timeout=5) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        present = {r[0] for r in conn.execute("SELECT destination_hash FROM nodes")}
    conn.close()
    missing = saved - present
    assert not missing, f"{len(missing)} returned saves are gone, e.g. {sorted(missing)[:3]}"
    print(f"stress: {len(saved)} saves kept; {locked} calls answered 'database is locked'")
