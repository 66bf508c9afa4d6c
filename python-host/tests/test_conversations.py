"""The conversation service on the component against styrened's path.

styrened's path is the repository's service over SQLAlchemy on the 0.18.0
models (``conversations_reference.py``). Both get the same operations, each on
its own ``messages.db`` (the component's made by the component, styrened's by
styrened's ``init_db``), and must answer alike: conversations, pages of
history, searches, unread counts, the counts of marks and deletes. Searches
are also compared with what Python's own SQLite finds with the same FTS5 query
on the same file, and files move both ways between the component and
styrened's models.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from conversations_reference import ReferenceConversations
from hypothesis import given, strategies as st
from sqlalchemy import create_engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session
from styrened.models.messages import Message, init_db as styrened_init_db

from conftest import count_example
from styrene_wasm._conversation_service import ConversationService

LOCAL = "aa" * 16
PEERS = ["bb" * 16, "cc" * 16, "dd" * 16, "ee" * 16]
WORDS = ["antenna", "solar", "panel", "mesh", "relay", "café", "Ünïcode", "node", "ping", "the"]


class Pair:
    """The component's service and styrened's path, on two fresh files."""

    def __init__(self, tmp: Path) -> None:
        self.ours_path = tmp / "ours" / "messages.db"
        self.theirs_path = tmp / "theirs" / "messages.db"
        self.ours_path.parent.mkdir(parents=True)
        self.theirs_path.parent.mkdir(parents=True)
        self.ours = ConversationService(self.ours_path, LOCAL)
        self.ours.initialize()
        self.engine = styrened_init_db(str(self.theirs_path))
        self.theirs = ReferenceConversations(self.engine, LOCAL)

    def both(self, method: str, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
        ours = getattr(self.ours, method)(*args, **kwargs)
        theirs = getattr(self.theirs, method)(*args, **kwargs)
        return plain(ours), theirs

    def same(self, method: str, *args: Any, **kwargs: Any) -> Any:
        ours, theirs = self.both(method, *args, **kwargs)
        assert ours == theirs, f"{method}{args}{kwargs}"
        return ours

    def close(self) -> None:
        self.ours.close()
        self.engine.dispose()


def plain(value: Any) -> Any:
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value.to_dict() if hasattr(value, "to_dict") else value


@pytest.fixture
def pair(tmp_path: Path) -> Any:
    p = Pair(tmp_path)
    yield p
    p.close()


def test_a_scripted_inbox_answers_as_styreneds(pair: Pair) -> None:
    t = 1_700_000_000.0
    for i in range(30):
        peer = PEERS[i % 3]
        text = f"{WORDS[i % len(WORDS)]} message {i} " + ("long " * 30 if i % 7 == 0 else "")
        pair.same("save_incoming_message", peer, text, timestamp=t + i, lxmf_hash=bytes([i]) * 32)
        pair.same(
            "save_outgoing_message",
            peer,
            f"reply {i} {WORDS[(i + 3) % len(WORDS)]}",
            timestamp=t + i + 0.5,
            title="re" if i % 4 == 0 else None,
            fields={"signature_valid": True, "n": i, "ü": "x"} if i % 5 == 0 else None,
            has_attachment=i % 6 == 0,
            attachment_type="image" if i % 6 == 0 else None,
            attachment_name="p.png" if i % 6 == 0 else None,
            attachment_size=10 if i % 6 == 0 else None,
            attachment_path="bb/1_p.png" if i % 12 == 0 else None,
        )
    pair.same("list_conversations")
    for peer in PEERS:
        pair.same("get_conversation", peer)
        pair.same("get_messages", peer)
        pair.same("get_messages", peer, limit=7, before_timestamp=t + 20)
        pair.same("get_messages", peer, limit=5, status_filter="received")
        pair.same("get_messages", peer, limit=4, before_timestamp=float("nan"))
        pair.same("get_unread_count", peer)
    pair.same("get_messages", PEERS[0], limit=100, additional_peer_hashes=[PEERS[1], PEERS[0]])
    for query in ["antenna", "sol*", '"message 1"', "reply NOT mesh", "café", "ping OR relay", "title:re"]:
        pair.same("search_messages", query)
        pair.same("search_messages", query, peer_hash=PEERS[1], limit=3)
    for bad in ["antenna AND", "(", "nosuch:column", "NEAR(x"]:
        assert pair.same("search_messages", bad) == []
    pair.same("mark_read", PEERS[0], additional_peer_hashes=[PEERS[1]])
    pair.same("get_total_unread_count")
    pair.same("list_conversations")
    pair.same("update_message_status", 4, "failed")
    pair.same("delete_conversation", PEERS[2])
    pair.same("list_conversations")
    pair.same("get_total_unread_count")


ops = st.one_of(
    st.tuples(
        st.just("in"),
        st.sampled_from(PEERS),
        st.lists(st.sampled_from(WORDS), min_size=0, max_size=6).map(" ".join),
        st.floats(0, 1e6, allow_nan=False),
    ),
    st.tuples(
        st.just("out"),
        st.sampled_from(PEERS),
        st.text(max_size=40),
        st.floats(0, 1e6, allow_nan=False),
    ),
    st.tuples(st.just("page"), st.sampled_from(PEERS), st.integers(-1, 20), st.none() | st.floats(0, 1e6)),
    st.tuples(st.just("search"), st.sampled_from(WORDS), st.sampled_from(["", "*"]), st.integers(1, 10)),
    st.tuples(st.just("read"), st.sampled_from(PEERS), st.none(), st.none()),
    st.tuples(st.just("delete"), st.sampled_from(PEERS), st.none(), st.none()),
)


@given(st.lists(ops, max_size=25))
def test_generated_workloads_answer_as_styreneds(
    tmp_path_factory: pytest.TempPathFactory, steps: list[Any]
) -> None:
    pair = Pair(tmp_path_factory.mktemp("conversations"))
    try:
        for op, peer, a, b in steps:
            if op == "in":
                pair.same("save_incoming_message", peer, a, timestamp=b)
            elif op == "out":
                pair.same("save_outgoing_message", peer, a, timestamp=b)
            elif op == "page":
                pair.same("get_messages", peer, limit=a, before_timestamp=b)
            elif op == "search":
                pair.same("search_messages", peer + a, limit=b)
            elif op == "read":
                pair.same("mark_read", peer)
            else:
                pair.same("delete_conversation", peer)
        pair.same("list_conversations")
        pair.same("get_total_unread_count")
        count_example("conversations: generated workloads")
    finally:
        pair.close()


# FTS5 queries: words, prefixes, phrases, operators, columns, and text that is not a query
queries = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(WORDS).map(lambda w: w[:3] + "*"),
    st.lists(st.sampled_from(WORDS), min_size=2, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"'),
    st.tuples(
        st.sampled_from(WORDS), st.sampled_from(["AND", "OR", "NOT", "NEAR"]), st.sampled_from(WORDS)
    ).map(" ".join),
    st.sampled_from(WORDS).map(lambda w: f"content:{w}"),
    st.text(max_size=12),
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("corpus") / "messages.db"
    service = ConversationService(path, LOCAL)
    import random

    rng = random.Random(7)
    for i in range(400):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 8)))
        text += rng.choice(["", "!", " -- ", ", «quoted»", " 42", " e-mail"])
        peer = rng.choice(PEERS)
        if i % 2:
            service.save_incoming_message(peer, text, timestamp=float(rng.randint(0, 500)))
        else:
            service.save_outgoing_message(
                peer, text, timestamp=float(rng.randint(0, 500)), title=rng.choice(WORDS)
            )
    yield service, path
    service.close()


@given(queries, st.sampled_from([None, *PEERS]))
def test_searches_find_what_sqlite_finds_in_the_same_order(corpus: Any, query: str, peer: str | None) -> None:
    service, path = corpus
    sql = (
        "SELECT m.id FROM messages m JOIN messages_fts fts ON m.id = fts.rowid "
        "WHERE messages_fts MATCH ? AND m.protocol_id = 'chat'"
    )
    params: list[Any] = [query]
    if peer:
        sql += " AND (m.source_hash = ? OR m.destination_hash = ?)"
        params += [peer, peer]
    sql += " ORDER BY m.timestamp DESC LIMIT 50"
    with sqlite3.connect(path) as conn:
        try:
            expected: Any = [row[0] for row in conn.execute(sql, params)]
        except sqlite3.OperationalError as e:
            expected = e
    if isinstance(expected, Exception):
        words = (
            "fts5",
            "syntax error",
            "parse error",
            "unexpected token",
            "no such column",
            "malformed match",
        )
        if any(w in str(expected).lower() for w in words):
            assert service.search_messages(query, peer) == []
        else:
            with pytest.raises(OperationalError, match=None):
                service.search_messages(query, peer)
    else:
        assert [m.id for m in service.search_messages(query, peer)] == expected
    count_example("conversations: searches against sqlite3")


def test_files_move_both_ways_between_the_component_and_styreneds_models(tmp_path: Path) -> None:
    path = tmp_path / "messages.db"
    service = ConversationService(path, LOCAL)
    mine = service.save_incoming_message(
        PEERS[0], "written by the component", timestamp=1.0, fields={"k": [1]}
    )
    engine = create_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        row = session.get(Message, mine)
        assert row is not None
        assert (row.content, row.status, row.get_fields_dict()) == (
            "written by the component",
            "received",
            {"k": [1]},
        )
        session.add(
            Message(
                source_hash=LOCAL,
                destination_hash=PEERS[0],
                timestamp=2.0,
                content="by styrened",
                protocol_id="chat",
                status="sent",
            )
        )
        session.commit()
    # the component's connection sees the other program's commit on its next call
    assert [m.content for m in service.get_messages(PEERS[0])] == ["written by the component", "by styrened"]
    assert [m.content for m in service.search_messages("styrened")] == ["by styrened"]
    service.close()
    engine.dispose()
    # and a file styrened made opens in the component with its rows
    theirs = tmp_path / "theirs.db"
    engine = styrened_init_db(str(theirs))
    ReferenceConversations(engine, LOCAL).save_incoming_message(PEERS[1], "from styrened", timestamp=3.0)
    engine.dispose()
    reopened = ConversationService(theirs, LOCAL)
    reopened.initialize()
    assert reopened.get_unread_count(PEERS[1]) == 1
    assert [m.content for m in reopened.search_messages("from")] == ["from styrened"]
    reopened.close()


def test_saves_from_many_threads_all_land(tmp_path: Path) -> None:
    service = ConversationService(tmp_path / "messages.db", LOCAL)
    service.initialize()
    ids: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        for i in range(50):
            new = service.save_incoming_message(PEERS[n % 4], f"thread {n} message {i}", timestamp=float(i))
            with lock:
                ids.append(new)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(ids) == list(range(1, 401))
    assert service.get_total_unread_count() == 400
    service.close()
    again = ConversationService(tmp_path / "messages.db", LOCAL)
    again.initialize()
    assert again.get_total_unread_count() == 400
    again.close()


def test_bad_files_are_refused_and_left_alone(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute(
            "CREATE TABLE messages (id TEXT PRIMARY KEY, source TEXT, destination TEXT, content TEXT)"
        )
    before = foreign.read_bytes()
    with pytest.raises(DatabaseError, match="foreign-schema: table messages has no column source_hash"):
        ConversationService(foreign, LOCAL)
    assert foreign.read_bytes() == before
    text = tmp_path / "text.db"
    text.write_bytes(b"this is not a database, and it is long enough to hold a header" * 3)
    with pytest.raises(DatabaseError, match="not-a-database"):
        ConversationService(text, LOCAL)
    assert text.read_bytes() == b"this is not a database, and it is long enough to hold a header" * 3


def test_a_search_error_sqlite_raises_is_raised(tmp_path: Path) -> None:
    service = ConversationService(tmp_path / "messages.db", LOCAL)
    service.save_incoming_message(PEERS[0], "hello", timestamp=1.0)
    # styrened re-raises SQLite errors that are not about the query's syntax
    with pytest.raises(OperationalError, match="unterminated string"):
        service.search_messages('"hello')
    assert service.search_messages("hello AND") == []
    service.close()


def test_content_beyond_the_instances_memory_is_refused_and_loses_nothing(tmp_path: Path) -> None:
    from styrene_wasm import ComponentTrap

    service = ConversationService(tmp_path / "messages.db", LOCAL)
    kept = service.save_incoming_message(PEERS[0], "kept", timestamp=1.0)
    # more than the message store's instance may hold: the call fails, the instance is
    # replaced, and the next call opens the file again
    with pytest.raises(ComponentTrap):
        service.save_incoming_message(PEERS[0], "x" * (200 << 20), timestamp=2.0)
    assert [m.id for m in service.get_messages(PEERS[0])] == [kept]
    assert service._service.checked("integrity-ok")
    assert service.save_incoming_message(PEERS[0], "after", timestamp=3.0) == kept + 1
    service.close()


def test_a_damaged_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "messages.db"
    service = ConversationService(path, LOCAL)
    for i in range(300):
        service.save_incoming_message(PEERS[i % 4], f"message {i} " * 20, timestamp=float(i))
    service.close()
    damaged = path.read_bytes()
    damaged = damaged[: len(damaged) // 2] + bytes(4096) + damaged[len(damaged) // 2 + 4096 :]
    path.write_bytes(damaged)
    with pytest.raises(DatabaseError, match="corrupt|not-a-database"):
        ConversationService(path, LOCAL)
    assert path.read_bytes() == damaged
