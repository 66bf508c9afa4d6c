"""Node store benchmark, side by side, in three tables.

1. 10,000 nodes, µs per call: styrened's Python NodeStore, the component from
   Python, and (when `just bench` has run `cargo bench --bench nodes` first,
   which writes `STYRENE_BENCH_OUT`) the component from the Rust host and the
   native Rust library.
2. The cost of sharing the file: the same calls on the component of commit
   3ce74a7, the last before the store was shared, which held its database in
   SQLite's exclusive locking mode with a write-ahead log. That commit is
   checked out as a git worktree in target/exclusive-baseline and its
   component built there once (kept for later runs); it runs in its own
   Python host, from that worktree.
3. 2 writer and 2 reader processes on one `nodes.db` at once, operations per
   second: all four styrened's, then all four the component's.

Each implementation runs in a process of its own, so each gets its own
peak-memory figure. Saves and lookups are means over many calls; listing and
pruning are the best of three. Every implementation runs the same workload
(`device` mirrors host/benches/nodes.rs). Nothing here asserts a time.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
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

# the exclusive-mode store to measure sharing against
BASELINE_COMMIT = "3ce74a706c668f0576b5f6e1867c0bb4f8c0c32d"
BASELINE = ROOT / "target" / "exclusive-baseline"
BASELINE_SRC = BASELINE / "python-host" / "src"
BASELINE_WASM = BASELINE_SRC / "styrene_wasm" / "styrene.wasm"

# the processes sharing one file
SHARED_NODES = 1_000
SHARED_SECONDS = float(os.environ.get("STYRENE_BENCH_SHARED_SECONDS", "5"))
ROLES = ("writer", "writer", "reader", "reader")


def hash32(text: str) -> str:
    """32 hex digits: the first 16 bytes of SHA-256 of `text`."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def device(module, i: int, last_announce: int):
    """Node `i` of the workload, last heard at `last_announce`."""
    return module.MeshDevice(
        hash32(f"destination {i}"),
        hash32(f"identity {i % 997}"),
        f"node-{i}",
        module.DeviceType.STYRENE_NODE,
        last_announce,
        capabilities=["rpc", "chat"],
        version="0.18.0",
        short_name=f"n{i}",
        lxmf_destination_hash=hash32(f"lxmf {i}"),
    )


def devices(module, base: int, aged: bool = False) -> list:
    """The workload's nodes; with `aged`, every odd one last heard in 1970 (prune removes half)."""
    return [device(module, i, 1000 if aged and i % 2 else base + i) for i in range(N)]


def modules(which: str) -> tuple:
    """(mesh_device, node_store) of `component` (whichever styrene_wasm is on the path) or `styrened`."""
    if which == "component":
        from styrene_wasm import _mesh_device as mesh_module, _node_store as store_module
    else:
        from styrened.models import mesh_device as mesh_module
        from styrened.services import node_store as store_module
    return mesh_module, store_module


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
    mesh_module, store_module = modules(which)
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
        # closed, so the file is all the store leaves (the baseline's log checkpointed into it)
        store_module._Database.for_path(directory / "nodes.db").close()
    return {
        "times_us": {k: v * 1e6 for k, v in seconds.items()},
        "db_size": (directory / "nodes.db").stat().st_size,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "host": str(Path(store_module.__file__).parent),
    }


def child(which: str, env: dict | None = None) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--one", which],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def git(*args: object, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *map(str, args)], cwd=cwd, capture_output=True, text=True)


def baseline_checked_out() -> bool:
    return BASELINE.is_dir() and git("rev-parse", "HEAD", cwd=BASELINE).stdout.strip() == BASELINE_COMMIT


def exclusive_baseline() -> str | None:
    """Builds the baseline's component once; None when it is there, else why it cannot be."""
    if BASELINE_WASM.is_file() and baseline_checked_out():
        return None
    if not baseline_checked_out():
        if git("cat-file", "-e", f"{BASELINE_COMMIT}^{{commit}}").returncode:
            git("fetch", "--quiet", "origin", BASELINE_COMMIT)  # a shallow clone lacks it
            if git("cat-file", "-e", f"{BASELINE_COMMIT}^{{commit}}").returncode:
                return f"commit {BASELINE_COMMIT[:7]} is not in this clone and could not be fetched"
        git("worktree", "remove", "--force", BASELINE)
        shutil.rmtree(BASELINE, ignore_errors=True)
        git("worktree", "prune")
        added = git("worktree", "add", "--detach", BASELINE, BASELINE_COMMIT)
        if added.returncode:
            raise RuntimeError(f"git worktree add {BASELINE}: {added.stderr}")
    print(f"building the component of {BASELINE_COMMIT[:7]} once, in {BASELINE}", file=sys.stderr)
    # its own target directory: the workspace's release styrene.wasm stays as it is
    target = BASELINE / "target"
    env = {**os.environ, "CARGO_TARGET_DIR": str(target)}
    build = "cargo build --quiet --locked --target wasm32-wasip2 --release -p styrene".split()
    subprocess.run(build, cwd=BASELINE, env=env, check=True)
    partial = BASELINE_WASM.with_suffix(".partial")
    shutil.copyfile(target / "wasm32-wasip2" / "release" / "styrene.wasm", partial)
    partial.replace(BASELINE_WASM)  # there only once it is whole: the next run's sign of a finished build
    return None


def run_baseline() -> dict:
    """The per-call figures of the exclusive-mode component, in its own Python host."""
    path = os.pathsep.join(filter(None, [str(BASELINE_SRC), os.environ.get("PYTHONPATH")]))
    result = child("component", {"PYTHONPATH": path, "STYRENE_WASM": str(BASELINE_WASM)})
    if Path(result["host"]) != BASELINE_SRC / "styrene_wasm":
        raise RuntimeError(f"the baseline ran the wrong Python host: {result['host']}")
    return result


def contend(which: str, role: str, db: Path, seconds: float) -> dict:
    """One of the processes sharing `db`: saves (writer) or lookups (reader) for `seconds`."""
    mesh_module, store_module = modules(which)
    store = store_module.NodeStore(db)
    hashes = [hash32(f"destination {i}") for i in range(SHARED_NODES)]
    rng = random.Random(f"{role} {os.getpid()}")
    print("ready", flush=True)
    sys.stdin.readline()  # everyone starts together
    calls = locked = 0
    now = int(time.time())
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        i = rng.randrange(SHARED_NODES)
        try:
            if role == "writer":  # an announce heard again: the node's row updated
                store.save_node(device(mesh_module, i, now + calls))
            else:
                store.get_node_by_destination(hashes[i])
            calls += 1
        except sqlite3.OperationalError as e:  # styrened's own error once the busy timeout has passed
            if "locked" not in str(e):
                raise
            locked += 1
    return {"calls": calls, "locked": locked}


def run_shared(which: str) -> dict:
    """2 writers and 2 readers, all `which`, on one fresh file: calls per second by role."""
    with tempfile.TemporaryDirectory() as directory:
        db = Path(directory) / "nodes.db"
        mesh_module, store_module = modules("styrened")  # styrened's file, as a user has it
        seed = store_module.NodeStore(db)
        for i in range(SHARED_NODES):
            seed.save_node(device(mesh_module, i, int(time.time())))
        command = [sys.executable, __file__, "--contend", which]
        processes = [
            subprocess.Popen(
                [*command, role, db, str(SHARED_SECONDS)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for role in ROLES
        ]
        for process in processes:
            if process.stdout.readline() != "ready\n":
                raise RuntimeError(f"a {which} store process did not start")
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        results = []
        for process in processes:
            out, _ = process.communicate(timeout=SHARED_SECONDS + 60)
            if process.returncode:
                raise RuntimeError(f"a {which} store process failed")
            results.append(json.loads(out.strip().splitlines()[-1]))
        with sqlite3.connect(db) as conn:
            intact = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
    by_role = {
        role: sum(r["calls"] for r, rl in zip(results, ROLES, strict=True) if rl == role)
        for role in set(ROLES)
    }
    return {
        "saves_per_s": by_role["writer"] / SHARED_SECONDS,
        "lookups_per_s": by_role["reader"] / SHARED_SECONDS,
        "locked": sum(r["locked"] for r in results),
        "intact": intact,
    }


def ratio(ours: float, theirs: float) -> str:
    return f"{theirs / ours:.1f}x faster" if theirs >= ours else f"{ours / theirs:.1f}x slower"


def per_call_table(ours: dict, theirs: dict, rust: dict | None) -> None:
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


def row(label: str, width: int, *cells: tuple[object, int]) -> str:
    """`label` padded to `width`, then each (value, width) right-aligned."""
    return f"{label:{width}}" + "".join(f"  {value:>{size}}" for value, size in cells)


def sharing_cost_table(ours: dict, theirs: dict, exclusive: dict) -> None:
    width = max(len(k) for k in OPERATIONS)
    print()
    print(
        row(
            "Cost of sharing the file (µs per call)",
            width,
            ("styrened", 10),
            ("shared", 10),
            ("exclusive", 10),
            ("shared vs styrened", 18),
            ("shared vs exclusive", 19),
        )
    )
    for key in OPERATIONS:
        other, mine, before = theirs["times_us"][key], ours["times_us"][key], exclusive["times_us"][key]
        cells = ((f"{other:.1f}", 10), (f"{mine:.1f}", 10), (f"{before:.1f}", 10))
        print(row(key, width, *cells, (ratio(mine, other), 18), (ratio(mine, before), 19)))
    memory = (theirs["peak_rss_mib"], 10), (ours["peak_rss_mib"], 10), (exclusive["peak_rss_mib"], 10)
    print(row("peak memory of the process (MiB)", width, *memory))
    print(
        "(shared: this checkout's component: SQLite's own locks through the host, rollback journal,\n"
        " synchronous FULL, as styrened; exclusive: the component and Python host of commit\n"
        f" {BASELINE_COMMIT[:7]}, the last before sharing: exclusive locking mode, write-ahead log,\n"
        " synchronous NORMAL; built once in target/exclusive-baseline)"
    )


def shared_table(styrened: dict, component: dict) -> None:
    width = 46
    print()
    print(row("2 writer + 2 reader processes on one nodes.db", width, ("styrened", 10), ("component", 10)))
    rates = (
        ("saves_per_s", "save_node per second (2 writers)"),
        ("lookups_per_s", "get_node_by_destination per second (2 readers)"),
    )
    for key, label in rates:
        mine, other = component[key], styrened[key]
        faster = ratio(1 / mine, 1 / other)  # as seconds per call
        print(row(label, width, (f"{other:.0f}", 10), (f"{mine:.0f}", 10), (faster, 12)))
    locked = (styrened["locked"], 10), (component["locked"], 10)
    print(row("calls that found the file locked past 5 s", width, *locked))
    intact = (("ok" if styrened["intact"] else "FAILED", 10), ("ok" if component["intact"] else "FAILED", 10))
    print(row("integrity_check afterwards", width, *intact))
    print(
        f"({SHARED_NODES:,} nodes seeded by styrened; each process keeps its store open and calls for "
        f"{SHARED_SECONDS:g} s;\n a save updates a random node, a lookup reads one)"
    )


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        with tempfile.TemporaryDirectory() as directory:
            print(json.dumps(run_one(sys.argv[2], Path(directory))))
        return
    if sys.argv[1:2] == ["--contend"]:
        which, role, db, seconds = sys.argv[2:6]
        print(json.dumps(contend(which, role, Path(db), float(seconds))))
        return
    missing_baseline = exclusive_baseline()
    ours, theirs = child("component"), child("styrened")
    rust_file = os.environ.get("STYRENE_BENCH_OUT")
    rust = json.loads(Path(rust_file).read_text()) if rust_file and Path(rust_file).exists() else None
    per_call_table(ours, theirs, rust)
    if missing_baseline:
        print(f"\n(no cost-of-sharing table: {missing_baseline})")
    else:
        sharing_cost_table(ours, theirs, run_baseline())
    shared_table(run_shared("styrened"), run_shared("component"))


if __name__ == "__main__":
    sys.exit(main())
