"""Node store benchmark, 10,000 nodes: styrened's Python NodeStore against the
component from Python, side by side in one run (the Rust host's figures come
from `cargo bench --bench nodes`). Reports each operation's time per call, the
ratio, the database size and the process's peak memory. Nothing asserts a time.
"""

from __future__ import annotations

import gc
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from styrened.models import mesh_device as up_md
from styrened.services import node_store as up_ns

from styrene_wasm import _mesh_device as md
from styrene_wasm import _node_store as ns

N = 10_000
LOOKUPS = 1_000


def devices(module, n: int, base: int) -> list:
    return [
        module.MeshDevice(
            f"{i:032x}",
            f"{i % 997:032x}",
            f"node-{i}",
            module.DeviceType.STYRENE_NODE,
            base + i,
            capabilities=["rpc", "chat"],
            version="0.18.0",
            short_name=f"n{i}",
            lxmf_destination_hash=f"{i + 7:032x}",
        )
        for i in range(n)
    ]


def timed(fn, count: int) -> float:
    gc.disable()
    try:
        start = time.perf_counter()
        fn()
        return (time.perf_counter() - start) / count
    finally:
        gc.enable()


def run(store_module, mesh_module, directory: Path) -> dict[str, float]:
    store = store_module.NodeStore(directory / "nodes.db")
    now = int(time.time())
    first, second = devices(mesh_module, N, now), devices(mesh_module, N, now + 1)
    rng = random.Random(1)
    picks = [f"{rng.randrange(N):032x}" for _ in range(LOOKUPS)]
    results = {
        "save_node (insert)": timed(lambda: [store.save_node(d) for d in first], N),
        "save_node (update)": timed(lambda: [store.save_node(d) for d in second], N),
        "get_node_by_destination": timed(lambda: [store.get_node_by_destination(h) for h in picks], LOOKUPS),
        "get_identity_for_destination, 12-char prefix": timed(
            lambda: [store.get_identity_for_destination(h[-12:]) for h in picks], LOOKUPS
        ),
        "get_all_nodes (10,000 rows)": timed(lambda: [store.get_all_nodes() for _ in range(3)], 3),
    }
    # age half the nodes, then prune them
    import sqlite3

    with sqlite3.connect(directory / "nodes.db") as conn:
        conn.execute("UPDATE nodes SET last_announce = 1000 WHERE rowid % 2 = 0")
    if hasattr(store_module, "_Database"):
        # another program wrote the file: the component's open store must reopen it
        store_module._Database.for_path(directory / "nodes.db").reopen()
    results["prune_old_nodes (5,000 of 10,000)"] = timed(lambda: store.prune_old_nodes(), 1)
    results["db size (bytes)"] = (directory / "nodes.db").stat().st_size
    return results


def main() -> None:
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        ours = run(ns, md, Path(a))
        theirs = run(up_ns, up_md, Path(b))
    width = max(len(k) for k in ours)
    print(f"{'Node store, 10,000 nodes':{width}}  {'component':>12}  {'styrened':>12}  ratio")
    for key, value in ours.items():
        other = theirs[key]
        if key.startswith("db size"):
            print(f"{key:{width}}  {int(value):>12}  {int(other):>12}")
            continue
        ratio = f"{other / value:5.1f}x faster" if other >= value else f"{value / other:5.1f}x slower"
        print(f"{key:{width}}  {value * 1e6:9.1f} µs  {other * 1e6:9.1f} µs  {ratio}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak memory of this process (both runs): {peak // 1024} MiB (ru_maxrss)")


if __name__ == "__main__":
    sys.exit(main())
