"""``messages.db`` shared between processes: the component's conversation
service in several processes and styrened's path (SQLAlchemy) in another,
all saving at once, and a component writer SIGKILLed in the middle of its
burst. Afterwards the file passes SQLite's integrity check, every save that
returned an id is in it, and a service opened anew counts the unread messages
the rows say."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from styrene_wasm._conversation_service import ConversationService

TESTS = Path(__file__).resolve().parent
LOCAL = "aa" * 16
SAVES = 150

# argv: kind, db, writer number; prints each saved id as soon as the save returns
WRITER = r"""
import sys
kind, db, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
if kind == "component":
    from styrene_wasm._conversation_service import ConversationService
    service = ConversationService(db, "aa" * 16)
else:
    sys.path.insert(0, sys.argv[4])
    from conversations_reference import ReferenceConversations
    from sqlalchemy import create_engine
    service = ReferenceConversations(create_engine(f"sqlite:///{db}"), "aa" * 16)
print("ready", flush=True)
for i in range(int(sys.argv[5])):
    peer = f"{n:02x}" * 16
    new = service.save_incoming_message(peer, f"writer {n} message {i} antenna", timestamp=float(i))
    print(new, flush=True)
"""


def writer(kind: str, db: Path, n: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, kind, str(db), str(n), str(TESTS), str(SAVES)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    return process


def test_writers_in_several_processes_and_one_killed_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "messages.db"
    ConversationService(db, LOCAL).close()  # the schema, before the writers race to make it
    writers = [writer("component", db, 1), writer("component", db, 2), writer("styrened", db, 3)]
    victim = writer("component", db, 4)
    returned: list[int] = []
    assert victim.stdout is not None
    for _ in range(SAVES // 3):  # let it get well into its burst, then kill it mid-save
        returned.append(int(victim.stdout.readline()))
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    for w in writers:
        out, _ = w.communicate(timeout=300)
        assert w.returncode == 0
        ids = [int(line) for line in out.split()]
        assert len(ids) == SAVES
        returned += ids
    assert len(set(returned)) == len(returned), "no id was handed out twice"
    # the killed writer's half-done save, if any, is rolled back by whoever opens the file next
    service = ConversationService(db, LOCAL)
    service.initialize()
    assert service._service.checked("integrity-ok")
    with sqlite3.connect(db) as conn:
        present = {row[0] for row in conn.execute("SELECT id FROM messages")}
        received = dict(
            conn.execute(
                "SELECT source_hash, count(*) FROM messages WHERE status = 'received' GROUP BY source_hash"
            )
        )
    assert set(returned) <= present
    for n in (1, 2, 3, 4):
        peer = f"{n:02x}" * 16
        assert service.get_unread_count(peer) == received[peer]
    assert service.get_total_unread_count() == len(present)
    found = service.search_messages("antenna", limit=10_000)
    assert {m.id for m in found} == present, "the FTS index holds every row and only those"
    service.close()


def test_a_reader_sees_each_writers_commits(tmp_path: Path) -> None:
    db = tmp_path / "messages.db"
    reader = ConversationService(db, LOCAL)
    w = writer("styrened", db, 5)
    out, _ = w.communicate(timeout=300)
    deadline = time.monotonic() + 10
    while len(reader.get_messages("05" * 16, limit=1000)) < SAVES and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [m.id for m in reader.get_messages("05" * 16, limit=1000)] == [int(x) for x in out.split()]
    reader.close()
