//! The sandbox every instance runs in: what the component may reach and the
//! memory cap (the call deadline is tested inside the crate, which can move
//! the epoch during a call: `src/instance/tests.rs`). Each limit is hit by a
//! real call and reported as its own error, and the same `Styrene` keeps
//! serving correct calls afterwards on a fresh instance, refusing the handles
//! of the instance it replaced. Needs `styrene.wasm` (`just build`).

use std::path::PathBuf;
use styrene_host::nodes::{self, NodeStore};
use styrene_host::wire::{self, ErrorCode, ValueNode};
use styrene_host::{HostError, Limits, Runtime, Styrene};

fn wasm_path() -> PathBuf {
    std::env::var_os("STYRENE_WASM").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/wasm32-wasip2/release/styrene.wasm")
    })
}

fn runtime(limits: Limits) -> Runtime {
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sandbox-cache");
    Runtime::load(&wasm_path(), &cache, limits).expect("styrene.wasm loads")
}

fn small_memory() -> Runtime {
    runtime(Limits { memory_bytes: 2 << 20, ..Limits::default() })
}

fn still_serving(styrene: &mut Styrene<'_>) {
    let env = styrene.wire().decode_envelope(b"styrene.io:\x01\x01").unwrap();
    assert_eq!((env.version, env.message_type), (1, 1));
}

#[test]
fn the_component_can_reach_no_network() {
    // what it imports is all it could ever call: no sockets, no HTTP (and the
    // host's WASI context refuses TCP, UDP and name lookups besides)
    let imports = runtime(Limits::default()).imports();
    assert!(imports.iter().any(|i| i.starts_with("wasi:random/random")), "{imports:?}");
    for import in &imports {
        assert!(!import.starts_with("wasi:sockets") && !import.starts_with("wasi:http"), "{import}");
    }
}

#[test]
fn length_headers_promising_gigabytes_are_refused_without_reserving() {
    // under a 2 MiB cap: a decoder that reserved what these headers announce would trap
    let runtime = small_memory();
    let mut styrene = Styrene::new(&runtime).unwrap();
    let cases: [(&[u8], &str); 6] = [
        (b"\xdd\xff\xff\xff\xff", "4294967295 exceeds max_array_len(10000)"),
        (b"\xdf\xff\xff\xff\xff", "4294967295 exceeds max_map_len(1000)"),
        (b"\xdb\xff\xff\xff\xff", "Unpack failed: incomplete input"),
        (b"\xc6\xff\xff\xff\xff", "Unpack failed: incomplete input"),
        (b"\xc9\xff\xff\xff\xff", "0 exceeds max_ext_len(262144)"),
        (b"\x91\xdd\x00\x00\x27\x10", "Unpack failed: incomplete input"),
    ];
    for (data, message) in cases {
        let Err(wire::Error::Component(e)) = styrene.wire().decode_payload(data) else {
            panic!("{data:02x?} decoded")
        };
        assert_eq!(e.code, ErrorCode::PayloadDecode);
        assert_eq!(e.message, format!("Failed to decode payload: {message}"));
    }
    // the encoder takes a node's count as a promise too: an array of 4 billion with no items
    let Err(wire::Error::Component(e)) = styrene.wire().encode_payload(&[ValueNode::Array(u32::MAX)]) else {
        panic!("a truncated tree encoded")
    };
    assert_eq!(e.code, ErrorCode::PayloadEncode);
    assert_eq!(styrene.recoveries, 0);
}

#[test]
fn a_giant_byte_list_hits_the_memory_cap() {
    let runtime = small_memory();
    let mut styrene = Styrene::new(&runtime).unwrap();
    still_serving(&mut styrene);
    // 4 MiB cannot even be copied into a 2 MiB instance, before any size check runs
    let err = styrene.wire().decode_payload(&vec![0x90; 4 << 20]).unwrap_err();
    let wire::Error::Host(HostError::MemoryLimit { limit, requested }) = err else { panic!("{err}") };
    assert_eq!(limit, 2 << 20);
    assert!(requested > limit);
    assert!(err.to_string().starts_with("memory limit of 2097152 bytes exceeded"), "{err}");
    assert_eq!(styrene.recoveries, 1);
    still_serving(&mut styrene);
}

#[test]
fn a_giant_value_list_hits_the_memory_cap() {
    let runtime = small_memory();
    let mut styrene = Styrene::new(&runtime).unwrap();
    // a million nodes (an array and its items) are tens of MiB in the guest's memory
    let mut value = vec![ValueNode::Array(1 << 20)];
    value.resize(1 + (1 << 20), ValueNode::Nil);
    let err = styrene.wire().encode_payload(&value).unwrap_err();
    assert!(matches!(err, wire::Error::Host(HostError::MemoryLimit { limit: 2097152, .. })), "{err}");
    assert_eq!(styrene.recoveries, 1);
    still_serving(&mut styrene);
}

#[test]
fn a_handle_from_a_replaced_instance_is_refused_and_a_new_one_serves() {
    let runtime = small_memory();
    let mut styrene = Styrene::new(&runtime).unwrap();
    let store = NodeStore::open_in_memory(&mut styrene).unwrap();
    assert!(store.get_all_nodes(&mut styrene).unwrap().is_empty());
    styrene.wire().decode_payload(&vec![0x90; 4 << 20]).unwrap_err();
    assert_eq!(styrene.recoveries, 1);
    // the store died with the instance that trapped: its handle is refused, not passed on
    let err = store.get_all_nodes(&mut styrene).unwrap_err();
    assert!(matches!(err, nodes::Error::Host(HostError::StaleHandle("node-store"))), "{err}");
    assert_eq!(
        err.to_string(),
        "this node-store belongs to an instance that was replaced after a trap, or to another instance; make a new one"
    );
    assert_eq!(styrene.recoveries, 1, "refusing a stale handle replaces nothing");
    drop(store);
    let store = NodeStore::open_in_memory(&mut styrene).unwrap();
    assert!(store.integrity_ok(&mut styrene).unwrap());
    store.release(&mut styrene).unwrap();
}

#[test]
fn a_handle_is_refused_by_another_instance_and_released_when_dropped() {
    let runtime = runtime(Limits::default());
    let (mut ours, mut theirs) = (Styrene::new(&runtime).unwrap(), Styrene::new(&runtime).unwrap());
    let store = NodeStore::open_in_memory(&mut ours).unwrap();
    let err = store.integrity_ok(&mut theirs).unwrap_err();
    assert!(matches!(err, nodes::Error::Host(HostError::StaleHandle("node-store"))), "{err}");
    // dropped handles are released before the next call, which then runs as usual
    for _ in 0..100 {
        drop(NodeStore::open_in_memory(&mut ours).unwrap());
    }
    assert!(store.integrity_ok(&mut ours).unwrap());
    drop(store);
    still_serving(&mut ours);
    assert_eq!((ours.recoveries, theirs.recoveries), (0, 0));
}
