"""Programs that share one ``nodes.db``, each in its own process, for the
sharing tests and the bench.

A *store process* keeps one node store open for its whole life, as a daemon
does: the component's (``styrene_wasm``) or styrened's own. It reads one
command per line on stdin and answers one line on stdout:

    save DEST NAME AGE   save a node announced AGE seconds ago   -> ok
    get DEST             the node's name                          -> ok NAME | ok -
    delete DEST          delete it                                -> ok True|False
    prune AGE            prune nodes older than AGE seconds       -> ok COUNT
    count                how many nodes                           -> ok COUNT

A failed call answers ``err CLASS: MESSAGE`` and the process carries on.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = ROOT / "target" / "native" / "styrene-gateway"

STORE_PROCESS = r"""
import sys, time
kind, db = sys.argv[1], sys.argv[2]
if kind == "component":
    from styrene_wasm import _mesh_device as md
    from styrene_wasm._node_store import NodeStore
else:
    from styrened.models import mesh_device as md
    from styrened.services.node_store import NodeStore
store = NodeStore(db_path=db)
print("ready", flush=True)
for line in sys.stdin:
    op, *args = line.split()
    try:
        if op == "save":
            dest, name, age = args
            heard = int(time.time()) - int(age)
            store.save_node(md.MeshDevice(dest, "1" * 32, name, md.DeviceType.GENERIC, heard))
            answer = ""
        elif op == "get":
            node = store.get_node_by_destination(args[0])
            answer = node.name if node else "-"
        elif op == "delete":
            answer = str(store.delete_node(args[0]))
        elif op == "prune":
            answer = str(store.prune_old_nodes(int(args[0])))
        elif op == "count":
            answer = str(len(store.get_all_nodes()))
        else:
            raise ValueError(op)
        print("ok", answer, flush=True)
    except Exception as e:
        print(f"err {type(e).__module__}.{type(e).__name__}: {e}", flush=True)
"""


class StoreProcess:
    """A process with a node store open on `db`: `component` or `styrened`."""

    def __init__(self, kind: str, db: Path) -> None:
        self.kind = kind
        self.process = subprocess.Popen(
            [sys.executable, "-c", STORE_PROCESS, kind, str(db)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ},
        )
        ready = self.process.stdout.readline()
        assert ready == "ready\n", f"the {kind} store did not start: {ready!r}"

    def ask(self, *command: object) -> str:
        """Sends one command; the answer after `ok`, or raises with the `err` line."""
        self.process.stdin.write(" ".join(map(str, command)) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().rstrip("\n")
        if not answer.startswith("ok"):
            raise RuntimeError(f"{self.kind}: {' '.join(map(str, command))}: {answer or 'no answer'}")
        return answer[3:]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def sqlite3_cli(db: Path, sql: str) -> str:
    """The `sqlite3` shell on `db`, with styrened's busy timeout."""
    done = subprocess.run(
        ["sqlite3", "-cmd", ".timeout 5000", str(db), sql], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def gateway_nodes(db: Path, *args: str) -> str:
    """`styrene-gateway nodes ARGS --db DIR` on the same component as the Python host."""
    from styrene_wasm import _loader

    done = subprocess.run(
        [str(GATEWAY), "--component", str(_loader.wasm_path()), "nodes", *args, "--db", str(db.parent)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
