//! `messages.db` as styrened 0.18.0's `init_db` leaves it: each case of
//! `tests/vectors/generate_messages.py` (a new file, and files in the shapes
//! older versions left) is prepared the same way, opened by the message store,
//! and must then hold what it held after styrened's `init_db`: the same
//! `sqlite_master` text, columns and rows; opening it again changes nothing.

use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use styrene_store::StoreError;
use styrene_store::messages::MessageStore;
use styrene_vectors::messages_vectors;

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("messages-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn value(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => json!(i),
        ValueRef::Real(f) => json!(f),
        ValueRef::Text(t) => json!(String::from_utf8_lossy(t)),
        ValueRef::Blob(b) => json!(b),
    }
}

fn rows(conn: &Connection, sql: &str) -> Vec<Value> {
    let mut stmt = conn.prepare(sql).unwrap();
    let width = stmt.column_count();
    stmt.query_map([], |r| Ok(Value::Array((0..width).map(|i| value(r.get_ref(i).unwrap())).collect())))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// What the generator records of a file: `sqlite_master` sorted, and each
/// table's columns and rows.
fn dump(path: &Path) -> Value {
    let conn = Connection::open(path).unwrap();
    let mut master = rows(&conn, "SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master");
    master.sort_by_key(ToString::to_string);
    let mut tables = serde_json::Map::new();
    let names =
        rows(&conn, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'messages_fts%'");
    for name in names {
        let name = name[0].as_str().unwrap().to_owned();
        let columns = rows(&conn, &format!("PRAGMA table_info({name})"));
        let content = rows(&conn, &format!("SELECT * FROM {name} ORDER BY rowid"));
        tables.insert(name, json!({"columns": columns, "rows": content}));
    }
    json!({"master": master, "tables": tables})
}

/// Sorts the generator's `sqlite_master` the way `dump` does (by the JSON text of each entry).
fn sorted(mut recorded: Value) -> Value {
    recorded["master"].as_array_mut().unwrap().sort_by_key(ToString::to_string);
    recorded
}

#[test]
fn every_schema_ends_as_styreneds_init_db_leaves_it() {
    let dir = temp_dir("cases");
    for case in messages_vectors()["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        if case["contacts_imported_first"] == true {
            continue; // the other shape of a new `contacts`; checked below
        }
        let path = dir.join(format!("{name}.db"));
        {
            let conn = Connection::open(&path).unwrap();
            for statement in case["before"].as_array().unwrap() {
                conn.execute(statement.as_str().unwrap(), []).unwrap();
            }
        }
        drop(MessageStore::open(&path).unwrap());
        assert_eq!(dump(&path), sorted(case["after"].clone()), "{name}");
        drop(MessageStore::open(&path).unwrap());
        assert_eq!(dump(&path), sorted(case["again"].clone()), "{name}, opened again");
    }
}

/// A `contacts` table as styrened makes it when `create_all` knew its model
/// (any `init_db` after the first in a process) is styrened's too: the store
/// opens such a file and changes nothing.
#[test]
fn files_with_the_other_contacts_shape_are_left_as_they_are() {
    let dir = temp_dir("other-shape");
    for case in messages_vectors()["cases"].as_array().unwrap() {
        if case["contacts_imported_first"] != true {
            continue;
        }
        let name = case["name"].as_str().unwrap();
        let path = dir.join(format!("{name}.db"));
        {
            let conn = Connection::open(&path).unwrap();
            // tables before the indexes and triggers on them
            let mut entries = case["after"]["master"].as_array().unwrap().clone();
            entries.sort_by_key(|e| e[0] != "table");
            for entry in &entries {
                let (kind, table, sql) =
                    (entry[0].as_str().unwrap(), entry[1].as_str().unwrap(), entry[3].as_str().unwrap());
                // SQLite makes the FTS5 shadow tables and the automatic indexes itself
                if sql.is_empty() || (kind == "table" && table.starts_with("messages_fts_")) {
                    continue;
                }
                conn.execute(sql, []).unwrap();
            }
        }
        let before = dump(&path);
        drop(MessageStore::open(&path).unwrap());
        assert_eq!(dump(&path), before, "{name}");
        assert_eq!(
            before["master"],
            sorted(case["after"].clone())["master"],
            "{name}: the file was rebuilt as styrened left it"
        );
    }
}

#[test]
fn foreign_and_damaged_files_are_refused_and_left_alone() {
    let dir = temp_dir("bad");
    let foreign = dir.join("foreign.db");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch(
            "CREATE TABLE messages (id TEXT PRIMARY KEY, source TEXT, destination TEXT, content TEXT, \
             timestamp INTEGER, direction TEXT)",
        )
        .unwrap();
    let before = std::fs::read(&foreign).unwrap();
    let refused = MessageStore::open(&foreign).err();
    assert!(
        matches!(&refused, Some(StoreError::ForeignSchema(m)) if m.contains("source_hash")),
        "{refused:?}"
    );
    assert_eq!(std::fs::read(&foreign).unwrap(), before);

    let text = dir.join("text.db");
    std::fs::write(
        &text,
        "not a database, just text that is long enough to fill a header......................",
    )
    .unwrap();
    assert!(matches!(MessageStore::open(&text), Err(StoreError::NotADatabase(_))));
}
