"""Generate the messages.db golden vectors by running styrened 0.18.0's ``init_db``.

styrened's ``styrened.models.messages.init_db`` creates and migrates
``messages.db`` (spec section 5.1). What it leaves depends on the process:
``Base.metadata.create_all`` creates ``contacts`` itself only once
``styrened.models.contacts`` has been imported, which ``init_db`` does
halfway through its first call. So every case runs ``init_db`` in a fresh
Python process, on a database prepared from the case's "before" statements
(older schemas written the way older styrened versions left them), and
records everything the file holds afterwards: ``sqlite_master`` (sorted, as
styrened creates a table's indexes in an order that varies between processes),
each table's columns, and each table's rows. ``init_db`` then runs a second
time in the same process on the same file, which must change nothing.
The component's message store replays each case and must leave the same file.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import styrened

OUT = Path(__file__).with_name("messages.json.gz")
LOCAL, PEER = "aa" * 16, "bb" * 16

# messages as the first styrened versions with delivery tracking created it,
# before title, read receipts, attachments and threading
MESSAGES_V1 = [
    "CREATE TABLE messages (id INTEGER NOT NULL, source_hash VARCHAR(32) NOT NULL, "
    "destination_hash VARCHAR(32) NOT NULL, timestamp FLOAT NOT NULL, content VARCHAR, "
    "fields VARCHAR NOT NULL, protocol_id VARCHAR(50) NOT NULL, status VARCHAR(20) NOT NULL, "
    "delivery_method VARCHAR(20), delivery_attempts INTEGER NOT NULL, lxmf_hash VARCHAR(64), "
    "signature_valid BOOLEAN, transport_encrypted BOOLEAN, PRIMARY KEY (id))",
    "CREATE INDEX ix_messages_protocol_id ON messages (protocol_id)",
    "CREATE INDEX ix_messages_status ON messages (status)",
    "CREATE INDEX ix_messages_timestamp ON messages (timestamp)",
    "INSERT INTO messages (source_hash, destination_hash, timestamp, content, fields, protocol_id, status, "
    f"delivery_attempts) VALUES ('{PEER}', '{LOCAL}', 1700000000.5, 'old hello', '{{}}', 'chat', "
    "'received', 0)",
]
CONTACTS_PEER_HASH = [
    "CREATE TABLE contacts (peer_hash TEXT PRIMARY KEY, alias VARCHAR(100) NOT NULL, notes VARCHAR(500), "
    "created_at REAL NOT NULL, updated_at REAL NOT NULL)",
    f"INSERT INTO contacts VALUES ('{PEER}', 'bravo', 'met at camp', 1.0, 2.0)",
]
CONTACTS_PEER_HASH_BLOCKED = [
    "CREATE TABLE contacts (peer_hash TEXT PRIMARY KEY, alias VARCHAR(100) NOT NULL, notes VARCHAR(500), "
    "blocked BOOLEAN, blocked_at REAL, created_at REAL NOT NULL, updated_at REAL NOT NULL)",
    f"INSERT INTO contacts VALUES ('{PEER}', 'bravo', NULL, 1, 3.5, 1.0, 2.0)",
    f"INSERT INTO contacts VALUES ('{LOCAL}', 'me', NULL, NULL, NULL, 1.0, 2.0)",
]
CONTACTS_HALF_MIGRATED = [
    "CREATE TABLE contacts (identity_hash TEXT, peer_hash TEXT, alias VARCHAR(100) NOT NULL, "
    "notes VARCHAR(500), blocked BOOLEAN, blocked_at REAL, created_at REAL NOT NULL, "
    "updated_at REAL NOT NULL)",
    f"INSERT INTO contacts VALUES ('{'cc' * 16}', '{PEER}', 'charlie', NULL, NULL, NULL, 1.0, 2.0)",
]
CONTACTS_NEITHER = [
    "CREATE TABLE contacts (alias VARCHAR(100) NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL)",
    "INSERT INTO contacts VALUES ('nobody', 1.0, 2.0)",
]
CONTACTS_WITHOUT_FLAGS = [
    "CREATE TABLE contacts (identity_hash TEXT PRIMARY KEY, alias VARCHAR(100) NOT NULL, notes VARCHAR(500), "
    "created_at REAL NOT NULL, updated_at REAL NOT NULL)",
    f"INSERT INTO contacts VALUES ('{'dd' * 16}', 'delta', NULL, 1.0, 2.0)",
]

# (name, statements run before init_db, whether contacts is imported before init_db)
CASES = [
    ("fresh", [], False),
    ("fresh-contacts-imported", [], True),
    ("messages-v1", MESSAGES_V1, False),
    ("messages-v1-contacts-imported", MESSAGES_V1, True),
    ("contacts-peer-hash", MESSAGES_V1 + CONTACTS_PEER_HASH, False),
    ("contacts-peer-hash-blocked", CONTACTS_PEER_HASH_BLOCKED, False),
    ("contacts-half-migrated", CONTACTS_HALF_MIGRATED, False),
    ("contacts-neither-column", CONTACTS_NEITHER, False),
    ("contacts-without-flags", CONTACTS_WITHOUT_FLAGS, False),
]

# Runs in a fresh interpreter: argv = db path, "1" to import contacts first
CHILD = """
import json, sqlite3, sys
if sys.argv[2] == "1":
    import styrened.models.contacts  # noqa: F401
from styrened.models.messages import init_db

def dump(path):
    conn = sqlite3.connect(path)
    # sorted: create_all makes a table's indexes in an order that varies from process to process
    everything = "SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master"
    master = sorted(list(r) for r in conn.execute(everything))
    tables = {}
    plain = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'messages_fts%'"
    for (name,) in conn.execute(plain):
        columns = [list(r) for r in conn.execute(f"PRAGMA table_info({name})")]
        rows = [list(r) for r in conn.execute(f"SELECT * FROM {name} ORDER BY rowid")]
        tables[name] = {"columns": columns, "rows": rows}
    conn.close()
    return {"master": master, "tables": tables}

init_db(sys.argv[1]).dispose()
first = dump(sys.argv[1])
init_db(sys.argv[1]).dispose()
print(json.dumps({"after": first, "again": dump(sys.argv[1])}))
"""


def run_case(tmp: Path, name: str, before: list[str], contacts_first: bool) -> dict:
    db = tmp / f"{name}.db"
    conn = sqlite3.connect(db)
    for statement in before:
        conn.execute(statement)
    conn.commit()
    conn.close()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), "1" if contacts_first else "0"],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.stdout)
    return {"name": name, "before": before, "contacts_imported_first": contacts_first, **result}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cases = [run_case(Path(tmp), *case) for case in CASES]
    vectors = {
        "generator": "tests/vectors/generate_messages.py",
        "styrened": styrened.__version__,
        "cases": cases,
    }
    text = (json.dumps(vectors, indent=1) + "\n").encode()
    with OUT.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(text)
    print(
        f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(cases)} cases) from styrened {styrened.__version__}"
    )


if __name__ == "__main__":
    main()
