"""Node store benchmark, 10,000 nodes, side by side in one table: styrened's
Python NodeStore, the component from Python, and (when `just bench` has run
`cargo bench --bench nodes` first, which writes `STYRENE_BENCH_OUT`) the
component from the Rust host and the native Rust library.

Each Python implementation runs in a process of its own, so each gets its own
peak-memory figure. Saves and lookups are means over many calls; listing and
pruning are the best of three. Every implementation runs the same workload (`device`
mirrors host/benches/nodes.rs). Nothing here asserts a time.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N = int(os.environ.get("STYRENE_BENCH_NODES", "10000"))
LOOKUPS = 1_000
ROUNDS = 3  # list and prune figures are the best of this many (these machines are noisy)
OPERATIONS = (
    "save_node (insert)",
    "save_node (update)",
    "get_node_by_destination",
    "get_identity_for_destination, 12-char prefix",
    "get_all_nodes (10,000 rows)",
    "prune_old_nodes (5,000 of 10,000)",
)
# ours must be at least this much faster than styrened's (the targets)
TARGETS = {
    "save_node (insert)": 3.0,
    "save_node (update)": 3.0,
    "get_node_by_destination": 3.0,
    "get_identity_for_destination, 12-char prefix": 3.0,
}


def hash32(text: str) -> str:
    """32 hex digits: the first 16 bytes of SHA-256 of `text`."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def devices(module, base: int, aged: bool = False) -> list:
    """The workload's nodes; with `aged`, every odd one last heard in 1970 (prune removes half)."""
    return [
        module.MeshDevice(
            hash32(f"destination {i}"),
            hash32(f"identity {i % 997}"),
            f"node-{i}",
            module.DeviceType.STYRENE_NODE,
            1000 if aged and i % 2 else base + i,
            capabilities=["rpc", "chat"],
            version="0.18.0",
            short_name=f"n{i}",
            lxmf_destination_hash=hash32(f"lxmf {i}"),
        )
        for i in range(N)
    ]


def timed(fn, count: int) -> float:
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        fn()
        return (time.perf_counter() - start) / count
    finally:
        gc.enable()


def run_one(which: str, directory: Path) -> dict:
    """One implementation's figures (µs per call), DB size and peak memory."""
    if which == "component":
        from styrene_wasm import _mesh_device as mesh_module
        from styrene_wasm import _node_store as store_module
    else:
        from styrened.models import mesh_device as mesh_module
        from styrened.services import node_store as store_module
    store = store_module.NodeStore(directory / "nodes.db")
    now = int(time.time())
    first, second = devices(mesh_module, now), devices(mesh_module, now + 1, aged=True)
    picks = [first[(i * 7919) % N].destination_hash for i in range(LOOKUPS)]
    seconds = {
        "save_node (insert)": timed(lambda: [store.save_node(d) for d in first], N),
        "save_node (update)": timed(lambda: [store.save_node(d) for d in second], N),
        "get_node_by_destination": timed(lambda: [store.get_node_by_destination(h) for h in picks], LOOKUPS),
        "get_identity_for_destination, 12-char prefix": timed(
            lambda: [store.get_identity_for_destination(h[:12]) for h in picks], LOOKUPS
        ),
        "get_all_nodes (10,000 rows)": min(timed(store.get_all_nodes, 1) for _ in range(ROUNDS)),
    }
    aged = second[1::2]
    prunes = []
    for round_ in range(ROUNDS):
        if round_:
            for d in aged:  # the pruned half comes back, as old as before
                store.save_node(d)
        prunes.append(timed(store.prune_old_nodes, 1))
    seconds["prune_old_nodes (5,000 of 10,000)"] = min(prunes)
    if which == "component":
        # the file as styrened would find it: log checkpointed, rollback journal
        store_module._Database.for_path(directory / "nodes.db").close()
    return {
        "times_us": {k: v * 1e6 for k, v in seconds.items()},
        "db_size": (directory / "nodes.db").stat().st_size,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def child(which: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--one", which], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def ratio(ours: float, theirs: float) -> str:
    return f"{theirs / ours:.1f}x faster" if theirs >= ours else f"{ours / theirs:.1f}x slower"


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        with tempfile.TemporaryDirectory() as directory:
            print(json.dumps(run_one(sys.argv[2], Path(directory))))
        return
    ours, theirs = child("component"), child("styrened")
    rust_file = os.environ.get("STYRENE_BENCH_OUT")
    rust = json.loads(Path(rust_file).read_text()) if rust_file and Path(rust_file).exists() else None
    width = max(len(k) for k in OPERATIONS)
    head = f"{'Node store, 10,000 nodes (µs per call)':{width}}  {'styrened':>10}  {'component':>10}  "
    head += f"{'vs styrened':>12}"
    if rust:
        head += f"  {'Rust host':>10}  {'native lib':>10}"
    print(head)
    for key in OPERATIONS:
        mine, other = ours["times_us"][key], theirs["times_us"][key]
        line = f"{key:{width}}  {other:10.1f}  {mine:10.1f}  {ratio(mine, other):>12}"
        if rust:
            line += f"  {rust['times_us'][key]['component']:10.1f}  {rust['times_us'][key]['native']:10.1f}"
        if key in TARGETS:
            line += f"  [target >= {TARGETS[key]:.0f}x faster]"
        else:
            line += "  [target: not slower]"
        print(line)
    sizes = f"{theirs['db_size']:10d}  {ours['db_size']:10d}  {'':>12}"
    if rust:
        sizes += f"  {rust['db_size']['component']:10d}  {rust['db_size']['native']:10d}"
    print(f"{'db size (bytes)':{width}}  {sizes}")
    memory = f"{theirs['peak_rss_mib']:10d}  {ours['peak_rss_mib']:10d}  {'':>12}"
    if rust:
        memory += f"  {rust['peak_rss_mib']:>23}"
    print(f"{'peak memory of the process (MiB)':{width}}  {memory}")
    if rust:
        print("(the Rust host's native library and component share one process and one memory figure)")


if __name__ == "__main__":
    sys.exit(main())
