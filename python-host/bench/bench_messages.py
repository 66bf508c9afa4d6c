"""Conversation service benchmark: 100,000 messages over 500 peers, side by side.

Each implementation gets its own copy of one corpus (a ``messages.db`` made by
styrened 0.18.0's ``init_db`` and filled with SQLite's own inserts, so the FTS5
index is built by the same triggers) and runs in a process of its own, for its
own peak-memory figure:

* styrened's path: the repository's ``ConversationService`` queries through
  SQLAlchemy sessions on the 0.18.0 models (python-host/tests/conversations_reference.py);
* the component from Python (``styrene_wasm.conversation_service``);
* when `just bench` ran ``cargo bench --bench messages`` first (it writes
  ``STYRENE_BENCH_OUT``): the component from the Rust host and the native library.

Per-call figures are means over many calls (µs); searches also give their
median. Nothing here asserts a time.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = int(os.environ.get("STYRENE_BENCH_MESSAGES", "100000"))
PEERS = 500
LOCAL = "aa" * 16
SAVES, PAGES, SEARCHES, READS, DELETES = 300, 300, 200, 100, 20
CORPUS = ROOT / "target" / "bench-messages" / f"corpus-{MESSAGES}.db"
# the targets: per-call operations at least this much faster than styrened's path
PER_CALL_TARGET = 3.0
SEARCH_P50_TARGET_MS = 2.0


def peer(i: int) -> str:
    return f"{i:032x}"


def vocabulary() -> list[str]:
    """2,000 made-up words and a few common ones, the same in every run."""
    rng = random.Random(1)
    letters = "abcdefghijklmnoprstuvwy"
    words = {"".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(2_000)}
    return [*sorted(words), "the", "and", "mesh", "node", "antenna", "relay"]


def build_corpus() -> Path:
    """The corpus file, made once (styrened's init_db, then plain inserts)."""
    if CORPUS.is_file():
        return CORPUS
    CORPUS.parent.mkdir(parents=True, exist_ok=True)
    scratch = CORPUS.with_suffix(".tmp")
    scratch.unlink(missing_ok=True)
    from styrened.models.messages import init_db

    init_db(str(scratch)).dispose()
    words = vocabulary()
    rng = random.Random(2)
    rows = []
    for i in range(MESSAGES):
        other = peer(rng.randrange(PEERS))
        incoming = i % 2 == 0
        text = " ".join(rng.choice(words) for _ in range(rng.randint(3, 25)))
        attachment = i % 10 == 0
        rows.append(
            (
                other if incoming else LOCAL,
                LOCAL if incoming else other,
                1_600_000_000.0 + i,
                text,
                "{}",
                "chat",
                ("received" if i > MESSAGES * 0.9 else "read") if incoming else "delivered",
                0,
                bytes(rng.randrange(256) for _ in range(32)).hex(),
                0,
                0,
                int(attachment),
                "image" if attachment else None,
            )
        )
    with sqlite3.connect(scratch) as conn:
        conn.executemany(
            "INSERT INTO messages (source_hash, destination_hash, timestamp, content, fields, protocol_id, "
            "status, delivery_attempts, lxmf_hash, read_by_recipient, read_receipt_sent, has_attachment, "
            "attachment_type) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    os.replace(scratch, CORPUS)
    return CORPUS


def service(which: str, path: Path) -> Any:
    if which == "styrened":
        sys.path.insert(0, str(ROOT / "python-host" / "tests"))
        from conversations_reference import ReferenceConversations
        from sqlalchemy import create_engine

        return ReferenceConversations(create_engine(f"sqlite:///{path}"), LOCAL)
    from styrene_wasm.conversation_service import ConversationService

    s = ConversationService(path, LOCAL)
    s.initialize()
    return s


def each(call: Any, arguments: list[Any]) -> list[float]:
    """Seconds per call of `call` on each of `arguments`."""
    out = []
    for argument in arguments:
        start = time.perf_counter()
        call(argument)
        out.append(time.perf_counter() - start)
    return out


def run_one(which: str, path: Path) -> dict[str, Any]:
    rng = random.Random(3)
    words = vocabulary()
    # both delete a conversation's attachment files through styrened's store: its
    # import is not what is measured
    import styrened.services.attachment_store  # noqa: F401

    started = time.perf_counter()
    s = service(which, path)
    figures: dict[str, Any] = {"open (ms)": (time.perf_counter() - started) * 1e3}
    saves = each(
        lambda i: s.save_incoming_message(peer(i % PEERS), f"benchmark message {i}"), list(range(SAVES))
    )
    figures["save_incoming_message"] = statistics.mean(saves) * 1e6
    figures["list_conversations (ms)"] = min(each(lambda _: s.list_conversations(), [0, 1, 2])) * 1e3
    pages = each(lambda p: s.get_messages(p, 50), [peer(rng.randrange(PEERS)) for _ in range(PAGES)])
    figures["get_messages(peer, 50)"] = statistics.mean(pages) * 1e6
    with sqlite3.connect(path) as conn:
        texts = [
            row[0]
            for row in conn.execute("SELECT content FROM messages ORDER BY random() LIMIT ?", (SEARCHES,))
        ]
    queries = {
        "a word": [rng.choice(words) for _ in range(SEARCHES)],
        "a prefix term*": [rng.choice(words)[:3] + "*" for _ in range(SEARCHES)],
        "a phrase": ['"' + " ".join(t.split()[:2]) + '"' for t in texts],
    }
    for kind, qs in queries.items():
        times = each(s.search_messages, qs)
        figures[f"search_messages, {kind}"] = statistics.mean(times) * 1e6
        figures[f"search p50, {kind}"] = statistics.median(times) * 1e6
    reads = each(s.mark_read, [peer(i) for i in range(READS)])
    figures["mark_read"] = statistics.mean(reads) * 1e6
    deletes = each(s.delete_conversation, [peer(PEERS - 1 - i) for i in range(DELETES)])
    figures["delete_conversation"] = statistics.mean(deletes) * 1e6
    figures["peak RSS (MiB)"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def child(which: str) -> dict[str, Any]:
    scratch = ROOT / "target" / "bench-messages" / which
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    path = scratch / "messages.db"
    shutil.copyfile(build_corpus(), path)
    out = subprocess.run(
        [sys.executable, __file__, "--child", which, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


ROWS = (
    "open (ms)",
    "save_incoming_message",
    "list_conversations (ms)",
    "get_messages(peer, 50)",
    "search_messages, a word",
    "search_messages, a prefix term*",
    "search_messages, a phrase",
    "search p50, a word",
    "search p50, a prefix term*",
    "search p50, a phrase",
    "mark_read",
    "delete_conversation",
    "peak RSS (MiB)",
)
PER_CALL = {
    "save_incoming_message",
    "get_messages(peer, 50)",
    "search_messages, a word",
    "search_messages, a prefix term*",
    "search_messages, a phrase",
    "mark_read",
    "delete_conversation",
}


def main() -> None:
    build_corpus()
    theirs = child("styrened")
    ours = child("component")
    rust: dict[str, Any] = {}
    out = os.environ.get("STYRENE_BENCH_OUT")
    if out and Path(out).is_file():
        rust = json.loads(Path(out).read_text())
    host, native = rust.get("component", {}), rust.get("native", {})
    print(f"\nconversations: {MESSAGES:,} messages over {PEERS} peers (µs per call unless marked)")
    header = f"{'':34} {'styrened':>11} {'component':>11} {'Rust host':>11} {'native':>11}   ratio"
    print(header)
    for row in ROWS:
        t, o = theirs.get(row), ours.get(row)
        ratio = ""
        if row in PER_CALL and t and o:
            ratio = f"{t / o:5.1f}x faster than styrened  [target >= {PER_CALL_TARGET:.0f}x: "
            ratio += ("met" if t / o >= PER_CALL_TARGET else "missed") + "]"
        elif row.startswith("search p50") and o:
            ratio = (
                f"[target <= {SEARCH_P50_TARGET_MS:.0f} ms: "
                + ("met" if o / 1e3 <= SEARCH_P50_TARGET_MS else "missed")
                + "]"
            )
        cells = [
            f"{v:11.1f}" if isinstance(v, (int, float)) else f"{'-':>11}"
            for v in (t, o, host.get(row), native.get(row))
        ]
        print(f"{row:34} {' '.join(cells)}   {ratio}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--corpus"]:
        print(build_corpus())
    elif len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(run_one(sys.argv[2], Path(sys.argv[3]))))
    else:
        main()
