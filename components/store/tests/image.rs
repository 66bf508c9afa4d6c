//! A store opened from a database image held in memory (what a browser page
//! has: the bytes of a dropped `nodes.db`, no filesystem) checks the image as
//! `open` checks a file and exports a file that opens anywhere.

use rusqlite::Connection;
use serde_json::Value;
use std::path::PathBuf;
use styrene_nodes::{DeviceType, MeshDevice};
use styrene_store::{IdentityLookup, NodeStore, StoreError};
use styrene_vectors::store_vectors;

fn temp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("image-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn device(destination: &str, identity: &str, name: &str) -> MeshDevice {
    MeshDevice {
        destination_hash: destination.to_owned(),
        identity_hash: identity.to_owned(),
        name: name.to_owned(),
        device_type: DeviceType::StyreneNode,
        last_announce: 1_700_000_000,
        announce_count: 1,
        app_data_raw: None,
        capabilities: Some(vec!["rpc".into(), "chat".into()]),
        version: Some("0.18.0".into()),
        lxmf_destination_hash: None,
        short_name: Some(name.to_owned()),
        system_fingerprint: None,
        nomadnet_destination_hash: None,
        discovered_via: Some("RNodeInterface".into()),
        hops: Some(2),
        ygg_address: None,
        b32_address: None,
        web_url: None,
    }
}

/// The bytes of a `nodes.db` written by the file-backed store, with two nodes.
fn database_file(dir: &std::path::Path) -> Vec<u8> {
    let path = dir.join("nodes.db");
    let store = NodeStore::open(&path).unwrap();
    store.save_node(&device(&"ab".repeat(16), &"11".repeat(16), "alpha")).unwrap();
    store.save_node(&device(&"cd".repeat(16), &"22".repeat(16), "bravo")).unwrap();
    drop(store);
    std::fs::read(&path).unwrap()
}

fn schema_of(path: &std::path::Path) -> Value {
    let conn = Connection::open(path).unwrap();
    let mut stmt = conn.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").unwrap();
    let rows: Vec<Value> = stmt
        .query_map([], |r| {
            Ok(serde_json::json!([
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?
            ]))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    Value::Array(rows)
}

#[test]
fn an_image_opens_in_memory_and_exports_a_file_styreneds_sqlite_reads() {
    let dir = temp_dir("round-trip");
    let original = database_file(&dir);
    let store = NodeStore::open_image(&original).unwrap();
    assert_eq!(store.get_all_nodes().unwrap().len(), 2);
    assert_eq!(
        store.get_identity_for_destination("abababab").unwrap(),
        IdentityLookup::Found("11".repeat(16))
    );
    assert_eq!(store.get_node_by_destination(&"cd".repeat(16)).unwrap().unwrap().name, "bravo");
    store.save_node(&device(&"ef".repeat(16), &"33".repeat(16), "charlie")).unwrap();

    let image = store.export_image().unwrap();
    assert!(image.starts_with(b"SQLite format 3\0"));
    assert_eq!((image[18], image[19]), (1, 1), "rollback-journal mode, as styrened writes it");
    let exported = dir.join("exported.db");
    std::fs::write(&exported, &image).unwrap();
    let conn = Connection::open(&exported).unwrap();
    let names: Vec<String> = conn
        .prepare("SELECT name FROM nodes ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(names, ["alpha", "bravo", "charlie"]);
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    drop(conn);
    // the same schema text as the file the store created
    assert_eq!(schema_of(&exported), schema_of(&dir.join("nodes.db")));
    // the file the page would have read is unchanged: the image was copied
    assert_eq!(std::fs::read(dir.join("nodes.db")).unwrap(), original);
}

#[test]
fn an_empty_image_is_a_new_store_with_styreneds_schema() {
    let dir = temp_dir("empty");
    let store = NodeStore::open_image(&[]).unwrap();
    assert!(store.get_all_nodes().unwrap().is_empty());
    let path = dir.join("new.db");
    std::fs::write(&path, store.export_image().unwrap()).unwrap();
    drop(store);
    let fresh = dir.join("fresh.db");
    drop(NodeStore::open(&fresh).unwrap());
    assert_eq!(schema_of(&path), schema_of(&fresh));
}

#[test]
fn bad_images_get_the_same_errors_as_bad_files() {
    let dir = temp_dir("bad");
    let text = b"not a database, a text file long enough to fill an SQLite header page......".repeat(3);
    for (name, image) in [
        ("text", text),
        ("short header", b"SQLite format 3\0tiny".to_vec()),
        ("png", [&[0x89, b'P', b'N', b'G'][..], &[0u8; 200]].concat()),
    ] {
        let err = NodeStore::open_image(&image).err().expect("refused");
        assert!(matches!(err, StoreError::NotADatabase(_)), "{name}: {err}");
    }

    let whole = {
        let path = dir.join("whole.db");
        let store = NodeStore::open(&path).unwrap();
        for i in 0..200 {
            store.save_node(&device(&format!("{i:032x}"), &"11".repeat(16), &"x".repeat(200))).unwrap();
        }
        drop(store);
        std::fs::read(&path).unwrap()
    };
    let err = NodeStore::open_image(&whole[..whole.len() / 2]).err().expect("a truncated image is refused");
    assert!(matches!(err, StoreError::Corrupt(_)), "{err}");

    let foreign = dir.join("foreign.db");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE nodes (identity_hash TEXT PRIMARY KEY, x INT)")
        .unwrap();
    let err = NodeStore::open_image(&std::fs::read(&foreign).unwrap()).err().expect("refused");
    assert!(matches!(err, StoreError::ForeignSchema(_)), "{err}");
}

#[test]
fn an_image_of_a_wal_mode_file_opens_with_what_was_checkpointed() {
    let dir = temp_dir("wal");
    let path = dir.join("wal.db");
    let store = NodeStore::open(&path).unwrap();
    store.save_node(&device(&"ab".repeat(16), &"11".repeat(16), "alpha")).unwrap();
    drop(store);
    let conn = Connection::open(&path).unwrap();
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(())).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    let image = std::fs::read(&path).unwrap();
    drop(conn);
    assert_eq!((image[18], image[19]), (2, 2), "the file says WAL");
    let store = NodeStore::open_image(&image).unwrap();
    assert_eq!(store.get_all_nodes().unwrap()[0].name, "alpha");
    let exported = store.export_image().unwrap();
    assert_eq!((exported[18], exported[19]), (1, 1));
}

#[test]
fn an_image_of_styreneds_oldest_schema_is_migrated() {
    let dir = temp_dir("oldest");
    let path = dir.join("old.db");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(store_vectors()["oldest_schema_sql"].as_str().unwrap()).unwrap();
    conn.execute(
        "INSERT INTO nodes (destination_hash, identity_hash, name, device_type, last_announce) \
         VALUES (?1, ?2, 'legacy', 'styrene_node', 5)",
        ["a".repeat(32), "1".repeat(32)],
    )
    .unwrap();
    drop(conn);
    let store = NodeStore::open_image(&std::fs::read(&path).unwrap()).unwrap();
    let node = store.get_node_by_destination(&"a".repeat(32)).unwrap().unwrap();
    assert_eq!(node.name, "legacy");
    assert_eq!(node.device_type, DeviceType::StyreneNode);
    let migrated = dir.join("migrated.db");
    std::fs::write(&migrated, store.export_image().unwrap()).unwrap();
    let fresh = dir.join("fresh.db");
    drop(NodeStore::open(&fresh).unwrap());
    let columns = |p: &std::path::Path| -> Vec<String> {
        let conn = Connection::open(p).unwrap();
        let mut stmt = conn.prepare("SELECT name FROM pragma_table_info('nodes') ORDER BY name").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    };
    assert_eq!(columns(&migrated), columns(&fresh));
}
