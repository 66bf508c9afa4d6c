//! The node store: the native library (styrene-store on rusqlite) vs the
//! component in the Rust host, side by side in one run. `just bench` runs it.
//! Each figure is one timed pass; nothing here asserts a time.

use std::path::PathBuf;
use std::time::Instant;
use styrene_host::bindings::exports::styrene::core::nodes::{DeviceType, MeshDevice};
use styrene_host::{Limits, Runtime};

const N: usize = 10_000;
const LOOKUPS: usize = 1_000;

fn device(i: usize, last: i64) -> MeshDevice {
    MeshDevice {
        destination_hash: format!("{i:032x}"),
        identity_hash: format!("{:032x}", i % 997),
        name: format!("node-{i}"),
        device_type: DeviceType::StyreneNode,
        last_announce: last,
        announce_count: 1,
        app_data_raw: None,
        capabilities: Some(vec!["rpc".into(), "chat".into()]),
        version: Some("0.18.0".into()),
        lxmf_destination_hash: Some(format!("{:032x}", i + 7)),
        short_name: Some(format!("n{i}")),
        system_fingerprint: None,
        nomadnet_destination_hash: None,
        discovered_via: None,
        hops: None,
        ygg_address: None,
        b32_address: None,
        web_url: None,
    }
}

fn native_device(d: &MeshDevice) -> styrene_nodes::MeshDevice {
    styrene_nodes::MeshDevice {
        destination_hash: d.destination_hash.clone(),
        identity_hash: d.identity_hash.clone(),
        name: d.name.clone(),
        device_type: styrene_nodes::DeviceType::StyreneNode,
        last_announce: d.last_announce,
        announce_count: d.announce_count,
        app_data_raw: None,
        capabilities: d.capabilities.clone(),
        version: d.version.clone(),
        lxmf_destination_hash: d.lxmf_destination_hash.clone(),
        short_name: d.short_name.clone(),
        system_fingerprint: None,
        nomadnet_destination_hash: None,
        discovered_via: None,
        hops: None,
        ygg_address: None,
        b32_address: None,
        web_url: None,
    }
}

/// Discards a result (some are `Copy`, which `drop` would not take).
fn ignore<T>(_: T) {}

fn per_call(count: usize, f: impl FnOnce()) -> f64 {
    let start = Instant::now();
    f();
    start.elapsed().as_secs_f64() * 1e6 / count as f64
}

fn main() {
    let wasm = std::env::var_os("STYRENE_WASM").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/wasm32-wasip2/release/styrene.wasm")
    });
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let (native_dir, wasm_dir) = (tmp.join("bench-native"), tmp.join("bench-component"));
    for dir in [&native_dir, &wasm_dir] {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).unwrap();
    }
    let runtime = Runtime::load(&wasm, &tmp.join("bench-cache"), Limits::default()).unwrap();
    let mut styrene = runtime.instantiate_with_dir(&wasm_dir).unwrap();
    let store = styrene.with_nodes(|n, s| n.node_store().call_open(s, "nodes.db")).unwrap().unwrap();
    let native = styrene_store::NodeStore::open(&native_dir.join("nodes.db")).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let first: Vec<MeshDevice> = (0..N).map(|i| device(i, now)).collect();
    let second: Vec<MeshDevice> = (0..N).map(|i| device(i, now + 1)).collect();
    let picks: Vec<String> = (0..LOOKUPS).map(|i| format!("{:032x}", (i * 7919) % N)).collect();

    let mut rows: Vec<(&str, f64, f64)> = Vec::new();
    let mut both = |what, native_us: f64, component_us: f64| rows.push((what, native_us, component_us));
    let n1 = per_call(N, || first.iter().for_each(|d| ignore(native.save_node(&native_device(d)).unwrap())));
    let c1 = per_call(N, || {
        first.iter().for_each(|d| {
            ignore(styrene.with_nodes(|n, s| n.node_store().call_save_node(s, store, d)).unwrap())
        })
    });
    both("save_node (insert)", n1, c1);
    let n2 = per_call(N, || second.iter().for_each(|d| ignore(native.save_node(&native_device(d)).unwrap())));
    let c2 = per_call(N, || {
        second.iter().for_each(|d| {
            ignore(styrene.with_nodes(|n, s| n.node_store().call_save_node(s, store, d)).unwrap())
        })
    });
    both("save_node (update)", n2, c2);
    let n3 =
        per_call(LOOKUPS, || picks.iter().for_each(|h| ignore(native.get_node_by_destination(h).unwrap())));
    let c3 = per_call(LOOKUPS, || {
        picks.iter().for_each(|h| {
            ignore(
                styrene.with_nodes(|n, s| n.node_store().call_get_node_by_destination(s, store, h)).unwrap(),
            )
        })
    });
    both("get_node_by_destination", n3, c3);
    let n4 = per_call(LOOKUPS, || {
        picks.iter().for_each(|h| ignore(native.get_identity_for_destination(&h[20..]).unwrap()))
    });
    let c4 = per_call(LOOKUPS, || {
        picks.iter().for_each(|h| {
            ignore(
                styrene
                    .with_nodes(|n, s| n.node_store().call_get_identity_for_destination(s, store, &h[20..]))
                    .unwrap(),
            )
        })
    });
    both("get_identity_for_destination, 12-char prefix", n4, c4);
    let n5 = per_call(1, || ignore(native.get_all_nodes().unwrap()));
    let c5 = per_call(1, || {
        ignore(styrene.with_nodes(|n, s| n.node_store().call_get_all_nodes(s, store)).unwrap())
    });
    both("get_all_nodes (10,000 rows)", n5, c5);
    let n6 = per_call(1, || ignore(native.prune_old_nodes(0, now + 10).unwrap()));
    let c6 = per_call(1, || {
        ignore(styrene.with_nodes(|n, s| n.node_store().call_prune_old_nodes(s, store, -10)).unwrap())
    });
    both("prune_old_nodes (all 10,000)", n6, c6);

    println!("{:46} {:>14} {:>14} {:>8}", "Node store in the Rust host", "native lib", "component", "ratio");
    for (what, n, c) in rows {
        println!("{what:46} {n:>11.1} µs {c:>11.1} µs {:>7.1}x", c / n);
    }
    styrene.drop_resource(store).unwrap();
}
