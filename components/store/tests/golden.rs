//! The node store replays the script that ran on styrened 0.18.0's NodeStore
//! (`tests/vectors/generate_store.py`) and must give the same results, the
//! same warnings and the same schema.

use rusqlite::Connection;
use serde_json::{Value, json};
use std::path::PathBuf;
use styrene_nodes::{DeviceType, MeshDevice};
use styrene_store::{IdentityLookup, NodeStore, PathEntry, SaveOutcome, StoreError, ambiguous_warning};
use styrene_vectors::store_vectors;

fn device_json(d: &MeshDevice) -> Value {
    json!({
        "destination_hash": d.destination_hash, "identity_hash": d.identity_hash, "name": d.name,
        "device_type": d.device_type.name(), "last_announce": d.last_announce, "announce_count": d.announce_count,
        "app_data_raw": null, "capabilities": d.capabilities, "version": d.version,
        "lxmf_destination_hash": d.lxmf_destination_hash, "short_name": d.short_name,
        "system_fingerprint": d.system_fingerprint, "nomadnet_destination_hash": d.nomadnet_destination_hash,
        "discovered_via": d.discovered_via, "hops": d.hops, "ygg_address": d.ygg_address,
        "b32_address": d.b32_address, "web_url": d.web_url,
    })
}

fn path_json(p: &PathEntry) -> Value {
    json!({
        "destination_hash": p.destination_hash, "next_hop": p.next_hop, "hops": p.hops,
        "interface_type": p.interface_type, "interface_name": p.interface_name, "bitrate": p.bitrate,
        "expires": p.expires,
    })
}

fn device_from(v: &Value) -> MeshDevice {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let type_name = v["device_type"].as_str().unwrap();
    MeshDevice {
        destination_hash: s("destination_hash").unwrap(),
        identity_hash: s("identity_hash").unwrap(),
        name: s("name").unwrap(),
        device_type: *DeviceType::ALL.iter().find(|t| t.name() == type_name).unwrap(),
        last_announce: v["last_announce"].as_i64().unwrap(),
        announce_count: v.get("announce_count").and_then(Value::as_i64).unwrap_or(0),
        app_data_raw: None,
        capabilities: v
            .get("capabilities")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|c| c.as_str().unwrap().to_owned()).collect()),
        version: s("version"),
        lxmf_destination_hash: s("lxmf_destination_hash"),
        short_name: s("short_name"),
        system_fingerprint: s("system_fingerprint"),
        nomadnet_destination_hash: s("nomadnet_destination_hash"),
        discovered_via: s("discovered_via"),
        hops: v.get("hops").and_then(Value::as_i64),
        ygg_address: s("ygg_address"),
        b32_address: s("b32_address"),
        web_url: s("web_url"),
    }
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One step of the script, returning (result, warnings) as the generator recorded them.
fn step(store: &NodeStore, op: &str, arg: &Value) -> (Value, Vec<String>) {
    let warn = |outcome: SaveOutcome| match outcome {
        SaveOutcome::Saved => vec![],
        SaveOutcome::Rejected(message) => vec![message],
    };
    let text = || arg.as_str().unwrap();
    let one = |d: Option<MeshDevice>| d.as_ref().map_or(Value::Null, device_json);
    let list = |ds: Vec<MeshDevice>| Value::Array(ds.iter().map(device_json).collect());
    match op {
        "save_node" => (Value::Null, warn(store.save_node(&device_from(arg)).unwrap())),
        "save_path" => {
            let a = arg.as_array().unwrap();
            let outcome = store
                .save_path(
                    a[0].as_str().unwrap(),
                    a[1].as_str(),
                    a[2].as_i64().unwrap(),
                    a[3].as_str(),
                    a[4].as_str(),
                    a[5].as_i64(),
                    a[6].as_i64(),
                )
                .unwrap();
            (Value::Null, warn(outcome))
        }
        "sql" => unreachable!("the replay runs SQL itself, with the store closed"),
        "get_node_by_destination" => (one(store.get_node_by_destination(text()).unwrap()), vec![]),
        "get_node_by_identity" => (one(store.get_node_by_identity(text()).unwrap()), vec![]),
        "get_node_by_lxmf_destination" => (one(store.get_node_by_lxmf_destination(text()).unwrap()), vec![]),
        "get_identity_for_destination" => {
            lookup("operator_dest", text(), store.get_identity_for_destination(text()))
        }
        "get_identity_for_lxmf_destination" => {
            lookup("lxmf_dest", text(), store.get_identity_for_lxmf_destination(text()))
        }
        "get_all_nodes" => (list(store.get_all_nodes().unwrap()), vec![]),
        "get_styrene_nodes" => (list(store.get_styrene_nodes().unwrap()), vec![]),
        "get_nodes_by_short_name" => (list(store.get_nodes_by_short_name(text()).unwrap()), vec![]),
        "get_nodes_by_short_name_prefix" => {
            (list(store.get_nodes_by_short_name_prefix(text()).unwrap()), vec![])
        }
        "delete_node" => (json!(store.delete_node(text()).unwrap()), vec![]),
        "prune_old_nodes" => (json!(store.prune_old_nodes(arg.as_i64().unwrap(), now()).unwrap()), vec![]),
        "clear_all_nodes" => (json!(store.clear_all_nodes().unwrap()), vec![]),
        "get_all_paths" => {
            (Value::Array(store.get_all_paths().unwrap().iter().map(path_json).collect()), vec![])
        }
        "get_path" => (store.get_path(text()).unwrap().as_ref().map_or(Value::Null, path_json), vec![]),
        "prune_expired_paths" => (json!(store.prune_expired_paths(now()).unwrap()), vec![]),
        "clear_all_paths" => (json!(store.clear_all_paths().unwrap()), vec![]),
        other => panic!("no op {other}"),
    }
}

/// A lookup's result and the WARNING styrened logs for it.
fn lookup(label: &str, input: &str, outcome: Result<IdentityLookup, StoreError>) -> (Value, Vec<String>) {
    match outcome.unwrap() {
        IdentityLookup::Ambiguous(n) => (Value::Null, vec![ambiguous_warning(label, input, n)]),
        other => (json!(other.identity()), vec![]),
    }
}

#[test]
fn replays_styrened_script() {
    let dir = temp_dir("replay");
    let db = dir.join("nodes.db");
    let mut store = NodeStore::open(&db).unwrap();
    for (i, expected) in store_vectors()["steps"].as_array().unwrap().iter().enumerate() {
        let op = expected["op"].as_str().unwrap();
        if op == "sql" {
            // another program writes the file: the store lets go of it first
            drop(store);
            Connection::open(&db).unwrap().execute_batch(expected["arg"].as_str().unwrap()).unwrap();
            store = NodeStore::open(&db).unwrap();
            continue;
        }
        let (result, warnings) = step(&store, op, &expected["arg"]);
        assert_eq!(result, expected["result"], "step {i} {op} {}", expected["arg"]);
        // a rejected save returns styrened's WARNING text, an ambiguous lookup the
        // match count that styrened's WARNING states
        let want: Vec<&str> =
            expected["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
        assert_eq!(warnings, want, "step {i} {op}");
    }
}

fn schema(conn: &Connection) -> Value {
    let mut tables = serde_json::Map::new();
    for t in ["nodes", "paths"] {
        let mut stmt = conn.prepare(&format!("PRAGMA table_info({t})")).unwrap();
        let rows: Vec<Value> = stmt
            .query_map([], |r| {
                let default: Option<String> = r.get(4)?;
                Ok(json!([
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    default,
                    r.get::<_, i64>(5)?
                ]))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        tables.insert(t.to_owned(), Value::Array(rows));
    }
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type='index' AND sql IS NOT NULL ORDER BY name")
        .unwrap();
    let indexes: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
    json!({"tables": tables, "indexes": indexes})
}

#[test]
fn fresh_schema_is_styreneds() {
    let dir = temp_dir("schema");
    let db = dir.join("nodes.db");
    drop(NodeStore::open(&db).unwrap());
    assert_eq!(schema(&Connection::open(&db).unwrap()), store_vectors()["schema"]);
}

#[test]
fn oldest_schema_is_migrated_like_styrened() {
    let dir = temp_dir("migrate");
    let db = dir.join("old.db");
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch(store_vectors()["oldest_schema_sql"].as_str().unwrap()).unwrap();
    conn.execute(
        "INSERT INTO nodes (destination_hash, identity_hash, name, device_type, last_announce) \
         VALUES (?1, ?2, 'legacy', 'styrene_node', 5)",
        ["a".repeat(32), "1".repeat(32)],
    )
    .unwrap();
    drop(conn);
    let store = NodeStore::open(&db).unwrap();
    let migrated = &store_vectors()["migrated"];
    assert_eq!(
        device_json(&store.get_node_by_destination(&"a".repeat(32)).unwrap().unwrap()),
        migrated["node"]
    );
    drop(store);
    assert_eq!(schema(&Connection::open(&db).unwrap()), migrated["schema"]);
}

#[test]
fn bad_files_are_refused_and_left_alone() {
    let dir = temp_dir("bad");
    let cases: [(&str, Vec<u8>); 3] = [
        (
            "text.db",
            b"this is not a database, it is a text file with enough bytes to fill a header page...."
                .repeat(3),
        ),
        ("short.db", b"SQLite format 3\0tiny".to_vec()),
        ("png.db", [&[0x89, b'P', b'N', b'G'][..], &[0u8; 200]].concat()),
    ];
    for (name, content) in cases {
        let path = dir.join(name);
        std::fs::write(&path, &content).unwrap();
        let err = NodeStore::open(&path).err().expect("refused");
        assert!(matches!(err, StoreError::NotADatabase(_)), "{name}: {err}");
        assert_eq!(std::fs::read(&path).unwrap(), content, "{name} untouched");
    }
    // a real database cut short
    let whole = dir.join("whole.db");
    let store = NodeStore::open(&whole).unwrap();
    for i in 0..200 {
        let mut d =
            device_from(&json!({"destination_hash": format!("{i:032x}"), "identity_hash": "1".repeat(32),
            "name": "x".repeat(200), "device_type": "GENERIC", "last_announce": 1}));
        d.announce_count = 1;
        store.save_node(&d).unwrap();
    }
    drop(store);
    let bytes = std::fs::read(&whole).unwrap();
    let cut = dir.join("cut.db");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let cut_bytes = std::fs::read(&cut).unwrap();
    assert!(matches!(NodeStore::open(&cut), Err(StoreError::Corrupt(_))));
    assert_eq!(std::fs::read(&cut).unwrap(), cut_bytes, "truncated database untouched");
    // a foreign nodes table
    let foreign = dir.join("foreign.db");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE nodes (identity_hash TEXT PRIMARY KEY, x INT)")
        .unwrap();
    let before = std::fs::read(&foreign).unwrap();
    assert!(matches!(NodeStore::open(&foreign), Err(StoreError::ForeignSchema(_))));
    assert_eq!(std::fs::read(&foreign).unwrap(), before);
}
