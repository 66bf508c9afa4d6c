"""Generate the node-store golden vectors by running styrened 0.18.0's NodeStore.

A fixed script of operations runs against the real
``styrened.services.node_store.NodeStore`` on a fresh ``nodes.db``; every
result, every WARNING it logs, the final rows, and the schema it leaves are
recorded. The Rust store replays the same script and must match. Times that
styrened takes from its own clock (``created_at``, ``updated_at``) are left
out; prune cut-offs are chosen far from "now" so either clock gives one answer.
"""

from __future__ import annotations

import gzip
import json
import logging
import sqlite3
import tempfile
from pathlib import Path

import styrened
from styrened.models.mesh_device import DeviceType, MeshDevice
from styrened.services.node_store import NodeStore

OUT = Path(__file__).with_name("store.json.gz")
A, B, C, D = "a" * 32, "b" * 32, "c" * 32, "d" * 32
ID1, ID2 = "1" * 32, "2" * 32
L1, L2 = "a1" * 16, "a2" * 16
FUTURE = 4_000_000_000  # 2096: never pruned
ANCIENT = 1_000  # 1970: always pruned

OLDEST_SCHEMA = """CREATE TABLE nodes (destination_hash TEXT PRIMARY KEY, identity_hash TEXT NOT NULL,
  name TEXT, device_type TEXT, last_announce INTEGER, announce_count INTEGER DEFAULT 1, capabilities TEXT,
  version TEXT, created_at INTEGER DEFAULT (strftime('%s', 'now')),
  updated_at INTEGER DEFAULT (strftime('%s', 'now')))"""


def device(dest, ident, **fields):
    base = {"name": "n", "device_type": "GENERIC", "last_announce": FUTURE}
    base.update(fields)
    return {"destination_hash": dest, "identity_hash": ident, **base}


SCRIPT = [
    [
        "save_node",
        device(
            A,
            ID1,
            name="alpha",
            device_type="STYRENE_NODE",
            capabilities=["rpc", "chat"],
            version="1.0",
            lxmf_destination_hash=L1,
            short_name="Alpha",
            system_fingerprint="fp",
            discovered_via="TCP",
            hops=2,
            nomadnet_destination_hash=D,
            ygg_address="200::1",
            b32_address="x.b32.i2p",
            web_url="http://a",
            announce_count=5,
        ),
    ],
    ["get_node_by_destination", A],
    # an update: announce_count = stored + 1; name/version/... overwritten, the overlay fields sticky
    [
        "save_node",
        device(A, ID1, name="alpha2", device_type="STYRENE_NODE", capabilities=[], announce_count=99),
    ],
    ["get_node_by_destination", A],
    [
        "save_node",
        device(
            B,
            ID2,
            name="",
            device_type="LXMF_PEER",
            lxmf_destination_hash=L2,
            short_name="bravo",
            announce_count=0,
            last_announce=FUTURE - 10,
        ),
    ],
    ["get_node_by_destination", B],
    ["save_node", device(C.upper(), ID1, name="upper", last_announce=FUTURE - 5)],
    ["save_node", device("abc", ID1)],
    ["save_node", device(A, "xyz")],
    ["save_node", device(" " + "a" * 31, ID1)],
    ["save_node", device("g" * 32, ID1)],
    ["get_node_by_destination", A.upper()],
    ["get_node_by_destination", C.upper()],
    ["get_node_by_identity", ID2],
    ["get_node_by_lxmf_destination", L2],
    ["get_identity_for_destination", A],
    ["get_identity_for_destination", A.upper()],
    ["get_identity_for_destination", "aaaaaaaa"],
    ["get_identity_for_destination", "AAAAAAAA"],
    ["get_identity_for_destination", "aaaaaaa"],
    ["get_identity_for_destination", "zzzzzzzz"],
    ["get_identity_for_destination", "a" * 33],
    ["get_identity_for_destination", "cccccccc"],
    ["get_identity_for_lxmf_destination", L1],
    ["get_identity_for_lxmf_destination", "a2a2a2a2"],
    ["get_identity_for_lxmf_destination", "a2a2a2a"],
    ["save_node", device(D, ID2, lxmf_destination_hash="a2" * 15 + "ff", last_announce=FUTURE - 20)],
    ["get_identity_for_lxmf_destination", "a2a2a2a2"],
    ["get_identity_for_lxmf_destination", "a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2f"],
    ["get_all_nodes"],
    ["get_styrene_nodes"],
    ["get_nodes_by_short_name", "BRAVO"],
    ["get_nodes_by_short_name_prefix", "br"],
    ["get_nodes_by_short_name_prefix", "%"],
    ["get_nodes_by_short_name_prefix", "_lpha"],
    [
        "sql",
        "INSERT INTO nodes (destination_hash, identity_hash, name, device_type, last_announce, "
        f"announce_count, capabilities) VALUES ('{'e' * 32}', '{ID1}', NULL, 'styrene_node', NULL, 0, '')",
    ],
    [
        "sql",
        "INSERT INTO nodes (destination_hash, identity_hash, name, device_type, last_announce) "
        "VALUES ('" + "f" * 32 + "', '" + ID2 + "', 'old', 'weird', " + str(ANCIENT) + ")",
    ],
    ["get_node_by_destination", "e" * 32],
    ["get_node_by_destination", "f" * 32],
    ["get_styrene_nodes"],
    ["prune_old_nodes", 86400],
    ["get_node_by_destination", "f" * 32],
    ["get_node_by_destination", "e" * 32],
    ["delete_node", B],
    ["delete_node", B],
    ["save_path", [A, B, 3, "TCPClientInterface", "tcp0", 10_000_000, FUTURE]],
    ["save_path", [B, None, 1, None, None, None, ANCIENT]],
    ["save_path", [C, None, 2, "RNodeInterface", "lora", 1200, None]],
    ["save_path", ["bad", None, 1, None, None, None, None]],
    ["save_path", [D, "nothex", 1, None, None, None, None]],
    ["save_path", [A, None, 5, None, None, None, None]],
    ["get_all_paths"],
    ["get_path", A],
    ["get_path", D],
    ["prune_expired_paths"],
    ["get_all_paths"],
    ["clear_all_paths"],
    ["clear_all_nodes"],
    ["get_all_nodes"],
]


def device_json(d: MeshDevice | None):
    if d is None:
        return None
    fields = dict(vars(d))
    fields["device_type"] = d.device_type.name
    return fields


def path_json(p: dict | None):
    if p is None:
        return None
    return {k: v for k, v in p.items() if k != "updated_at"}


def run(store: NodeStore, db: Path, op: str, arg, warnings: list[str]):
    warnings.clear()
    if op == "save_node":
        fields = dict(arg)
        fields["device_type"] = DeviceType[fields["device_type"]]
        result = store.save_node(MeshDevice(**fields))
    elif op == "save_path":
        result = store.save_path(*arg)
    elif op == "sql":
        with sqlite3.connect(db) as conn:
            conn.execute(arg)
        result = None
    elif arg is None:
        result = getattr(store, op)()
    else:
        result = getattr(store, op)(arg)
    if isinstance(result, MeshDevice) or (op.startswith("get_node") and result is None):
        result = device_json(result)
    elif isinstance(result, list) and op.endswith("paths"):
        result = [path_json(p) for p in result]
    elif op == "get_path":
        result = path_json(result)
    elif isinstance(result, list):
        result = [device_json(d) for d in result]
    return {"op": op, "arg": arg, "result": result, "warnings": list(warnings)}


def schema(db: Path) -> dict:
    with sqlite3.connect(db) as conn:
        tables = {
            t: [list(c[1:]) for c in conn.execute(f"PRAGMA table_info({t})")] for t in ("nodes", "paths")
        }
        indexes = sorted(
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index' AND sql IS NOT NULL")
        )
    return {"tables": tables, "indexes": indexes}


def main() -> None:
    warnings: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record):
            if record.levelno >= logging.WARNING:
                warnings.append(record.getMessage())

    logging.getLogger("styrened.services.node_store").addHandler(Capture())
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "nodes.db"
        store = NodeStore(db)
        steps = [run(store, db, op, (args[0] if args else None), warnings) for op, *args in SCRIPT]
        fresh_schema = schema(db)
        old = Path(tmp) / "old.db"
        with sqlite3.connect(old) as conn:
            conn.execute(OLDEST_SCHEMA)
            conn.execute(
                "INSERT INTO nodes (destination_hash, identity_hash, name, device_type, last_announce) "
                f"VALUES ('{A}', '{ID1}', 'legacy', 'styrene_node', 5)"
            )
        legacy_store = NodeStore(old)
        migrated = {"schema": schema(old), "node": device_json(legacy_store.get_node_by_destination(A))}
    vectors = {
        "generator": "tests/vectors/generate_store.py",
        "styrened": styrened.__version__,
        "steps": steps,
        "schema": fresh_schema,
        "oldest_schema_sql": OLDEST_SCHEMA,
        "migrated": migrated,
    }
    text = (json.dumps(vectors, indent=1) + "\n").encode()
    with OUT.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(text)
    print(
        f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(steps)} steps) from styrened {styrened.__version__}"
    )


if __name__ == "__main__":
    main()
