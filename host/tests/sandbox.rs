//! The sandbox every instance runs in: what the component may reach, the
//! memory cap and the call deadline. Each limit is hit by a real call and
//! reported as its own error, and the same `Styrene` keeps serving correct
//! calls afterwards on a fresh instance. Needs `styrene.wasm` (`just build`).

use std::path::PathBuf;
use styrene_host::bindings::exports::styrene::core::nodes::{DeviceType, MeshDevice};
use styrene_host::wire::{ErrorCode, ValueNode};
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
    let env = styrene.decode_envelope(b"styrene.io:\x01\x01").unwrap();
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
    let mut styrene = runtime.instantiate().unwrap();
    let cases: [(&[u8], &str); 6] = [
        (b"\xdd\xff\xff\xff\xff", "4294967295 exceeds max_array_len(10000)"),
        (b"\xdf\xff\xff\xff\xff", "4294967295 exceeds max_map_len(1000)"),
        (b"\xdb\xff\xff\xff\xff", "Unpack failed: incomplete input"),
        (b"\xc6\xff\xff\xff\xff", "Unpack failed: incomplete input"),
        (b"\xc9\xff\xff\xff\xff", "0 exceeds max_ext_len(262144)"),
        (b"\x91\xdd\x00\x00\x27\x10", "Unpack failed: incomplete input"),
    ];
    for (data, message) in cases {
        let Err(HostError::Wire(e)) = styrene.decode_payload(data) else { panic!("{data:02x?} decoded") };
        assert_eq!(e.code, ErrorCode::PayloadDecode);
        assert_eq!(e.message, format!("Failed to decode payload: {message}"));
    }
    // the encoder takes a node's count as a promise too: an array of 4 billion with no items
    let Err(HostError::Wire(e)) = styrene.encode_payload(&[ValueNode::Array(u32::MAX)]) else {
        panic!("a truncated tree encoded")
    };
    assert_eq!(e.code, ErrorCode::PayloadEncode);
    assert_eq!(styrene.recoveries, 0);
}

#[test]
fn a_giant_byte_list_hits_the_memory_cap() {
    let runtime = small_memory();
    let mut styrene = runtime.instantiate().unwrap();
    still_serving(&mut styrene);
    // 4 MiB cannot even be copied into a 2 MiB instance, before any size check runs
    let err = styrene.decode_payload(&vec![0x90; 4 << 20]).unwrap_err();
    let HostError::MemoryLimit { limit, requested } = err else { panic!("{err}") };
    assert_eq!(limit, 2 << 20);
    assert!(requested > limit);
    assert!(err.to_string().starts_with("memory limit of 2097152 bytes exceeded"), "{err}");
    assert_eq!(styrene.recoveries, 1);
    still_serving(&mut styrene);
}

#[test]
fn a_giant_value_list_hits_the_memory_cap() {
    let runtime = small_memory();
    let mut styrene = runtime.instantiate().unwrap();
    // a million nodes (an array and its items) are tens of MiB in the guest's memory
    let mut value = vec![ValueNode::Array(1 << 20)];
    value.resize(1 + (1 << 20), ValueNode::Nil);
    let err = styrene.encode_payload(&value).unwrap_err();
    assert!(matches!(err, HostError::MemoryLimit { limit: 2097152, .. }), "{err}");
    assert_eq!(styrene.recoveries, 1);
    still_serving(&mut styrene);
}

/// Runs one PQC key generation (a legitimately expensive call) after moving the
/// engine's epoch forward by the whole deadline, as the epoch thread would
/// during a call that ran that long: the call is interrupted at its first
/// epoch check. No wall-clock timing is involved.
fn keygen_past_the_deadline(styrene: &mut Styrene<'_>, runtime: &Runtime) -> HostError {
    let ticks = runtime_limits().deadline_ticks();
    styrene
        .with_pqc(|p, s| {
            for _ in 0..ticks {
                runtime.engine().increment_epoch();
            }
            p.call_kem_generate_keypair(s)
        })
        .expect_err("the deadline had passed")
}

fn runtime_limits() -> Limits {
    Limits::default()
}

#[test]
fn a_call_past_its_deadline_is_interrupted_and_the_instance_replaced() {
    let runtime = runtime(runtime_limits());
    let mut styrene = runtime.instantiate().unwrap();
    let pair = styrene.with_pqc(|p, s| p.call_kem_generate_keypair(s)).unwrap();
    assert_eq!((pair.public_key.len(), pair.secret_key.len()), (1184, 2400));
    let err = keygen_past_the_deadline(&mut styrene, &runtime);
    assert!(matches!(err, HostError::Deadline(d) if d == runtime_limits().call_deadline), "{err}");
    assert_eq!(
        err.to_string(),
        "deadline of 1000 ms exceeded: the call was interrupted and the instance replaced"
    );
    assert_eq!(styrene.recoveries, 1);
    still_serving(&mut styrene);
    let pair = styrene.with_pqc(|p, s| p.call_kem_generate_keypair(s)).unwrap();
    assert_eq!(pair.public_key.len(), 1184);
}

fn device(i: u32) -> MeshDevice {
    MeshDevice {
        destination_hash: format!("{i:032x}"),
        identity_hash: format!("{:032x}", i + 1000),
        name: format!("node-{i}"),
        device_type: DeviceType::StyreneNode,
        last_announce: 4_000_000_000,
        announce_count: 1,
        app_data_raw: None,
        capabilities: None,
        version: None,
        lxmf_destination_hash: None,
        short_name: None,
        system_fingerprint: None,
        nomadnet_destination_hash: None,
        discovered_via: None,
        hops: None,
        ygg_address: None,
        b32_address: None,
        web_url: None,
    }
}

#[test]
fn a_store_call_past_its_deadline_loses_no_saved_node() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("sandbox-db-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let runtime = runtime(runtime_limits());
    let mut styrene = runtime.instantiate_with_dir(&dir).unwrap();
    let store = styrene.with_nodes(|n, s| n.node_store().call_open(s, "nodes.db")).unwrap().unwrap();
    for i in 0..3 {
        styrene.with_nodes(|n, s| n.node_store().call_save_node(s, store, &device(i))).unwrap().unwrap();
    }
    // a prune that would delete every node, interrupted before it runs
    let ticks = styrene.deadline_ticks();
    let err = styrene
        .with_nodes(|n, s| {
            for _ in 0..ticks {
                runtime.engine().increment_epoch();
            }
            n.node_store().call_prune_old_nodes(s, store, -10_000_000_000)
        })
        .unwrap_err();
    assert!(matches!(err, HostError::Deadline(_)), "{err}");
    // the fresh instance opens the same file: every node saved before is there
    let store = styrene.with_nodes(|n, s| n.node_store().call_open(s, "nodes.db")).unwrap().unwrap();
    let nodes = styrene.with_nodes(|n, s| n.node_store().call_get_all_nodes(s, store)).unwrap().unwrap();
    let mut names: Vec<String> = nodes.into_iter().map(|d| d.name).collect();
    names.sort();
    assert_eq!(names, ["node-0", "node-1", "node-2"]);
    styrene.drop_resource(store).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}
