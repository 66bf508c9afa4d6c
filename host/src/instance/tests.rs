//! The call deadline, proved without a clock: the engine's epoch is moved
//! past the whole deadline inside a call, just before the guest runs, as the
//! epoch thread would during a call that ran that long, so the guest is
//! interrupted at its first epoch check. Only the crate can reach between
//! arming the deadline and the guest, hence these tests live here. Needs
//! `styrene.wasm` (`just build`); `STYRENE_WASM` overrides where it is looked for.

use super::Styrene;
use crate::nodes::{DeviceType, MeshDevice, NodeStore};
use crate::{HostError, Limits, Runtime};
use std::path::PathBuf;

fn runtime() -> Runtime {
    let wasm = std::env::var_os("STYRENE_WASM").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/wasm32-wasip2/release/styrene.wasm")
    });
    let cache = std::env::temp_dir().join("styrene-host-unit-cache");
    Runtime::load(&wasm, &cache, Limits::default()).expect("styrene.wasm loads")
}

fn still_serving(styrene: &mut Styrene<'_>) {
    let env = styrene.wire().decode_envelope(b"styrene.io:\x01\x01").unwrap();
    assert_eq!((env.version, env.message_type), (1, 1));
}

#[test]
fn a_call_past_its_deadline_is_interrupted_and_the_instance_replaced() {
    let runtime = runtime();
    let mut styrene = Styrene::new(&runtime).unwrap();
    let pair = styrene.pqc().kem_generate_keypair().unwrap();
    assert_eq!((pair.public_key.len(), pair.secret_key.len()), (1184, 2400));
    // one PQC key generation (a legitimately expensive call), past its deadline
    let engine = runtime.engine().clone();
    let ticks = styrene.deadline_ticks();
    let err = styrene
        .call(|b, s| {
            (0..ticks).for_each(|_| engine.increment_epoch());
            b.styrene_core_pqc().call_kem_generate_keypair(s)
        })
        .expect_err("the deadline had passed");
    assert!(matches!(err, HostError::Deadline(d) if d == Limits::default().call_deadline), "{err}");
    assert_eq!(
        err.to_string(),
        "deadline of 1000 ms exceeded: the call was interrupted and the instance replaced"
    );
    assert_eq!(styrene.recoveries, 1);
    still_serving(&mut styrene);
    assert_eq!(styrene.pqc().kem_generate_keypair().unwrap().public_key.len(), 1184);
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
    let dir = std::env::temp_dir().join(format!("styrene-host-unit-db-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let runtime = runtime();
    let mut styrene = Styrene::with_dir(&runtime, &dir).unwrap();
    let store = NodeStore::open(&mut styrene, "nodes.db").unwrap();
    for i in 0..3 {
        store.save_node(&mut styrene, &device(i)).unwrap();
    }
    // a prune that would delete every node, interrupted before it runs
    let engine = runtime.engine().clone();
    let ticks = styrene.deadline_ticks();
    let err = styrene
        .call_on(&store.0, |b, s, r| {
            (0..ticks).for_each(|_| engine.increment_epoch());
            b.styrene_core_nodes().node_store().call_prune_old_nodes(s, r, -10_000_000_000)
        })
        .unwrap_err();
    assert!(matches!(err, HostError::Deadline(_)), "{err}");
    // the fresh instance opens the same file: every node saved before is there
    let store = NodeStore::open(&mut styrene, "nodes.db").unwrap();
    let mut names: Vec<String> =
        store.get_all_nodes(&mut styrene).unwrap().into_iter().map(|d| d.name).collect();
    names.sort();
    assert_eq!(names, ["node-0", "node-1", "node-2"]);
    store.release(&mut styrene).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}
