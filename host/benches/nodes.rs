//! The node store: the native library (styrene-store on rusqlite) vs the
//! component in the Rust host, side by side in one run. `just bench` runs it
//! before `python-host/bench/bench_nodes.py`, which prints these figures in one
//! table with styrened's and the Python host's: this writes them to the file
//! named by `STYRENE_BENCH_OUT` (JSON). Both benches run the same workload
//! (see `device`). Saves and lookups are means over many calls, listing and
//! pruning the best of three; nothing asserts a time.

use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::time::Instant;
use styrene_host::nodes::{DeviceType, MeshDevice, NodeStore};
use styrene_host::{Limits, Runtime, Styrene};

const N: usize = 10_000;
const LOOKUPS: usize = 1_000;
const ROUNDS: usize = 3;

/// A 32-hex-digit hash: the first 16 bytes of SHA-256 of `text`.
fn hash(text: &str) -> String {
    hex::encode(&Sha256::digest(text.as_bytes())[..16])
}

/// Node `i` of the workload; in the `aged` pass every odd node was last heard
/// in 1970, so pruning removes half. `bench_nodes.py` builds the same nodes.
fn device(i: usize, last: i64, aged: bool) -> MeshDevice {
    MeshDevice {
        destination_hash: hash(&format!("destination {i}")),
        identity_hash: hash(&format!("identity {}", i % 997)),
        name: format!("node-{i}"),
        device_type: DeviceType::StyreneNode,
        last_announce: if aged && i % 2 == 1 { 1000 } else { last + i as i64 },
        announce_count: 1,
        app_data_raw: None,
        capabilities: Some(vec!["rpc".into(), "chat".into()]),
        version: Some("0.18.0".into()),
        lxmf_destination_hash: Some(hash(&format!("lxmf {i}"))),
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

/// The process's peak resident memory (Linux `VmHWM`), in MiB.
fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? / 1024)
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
    let mut styrene = Styrene::with_dir(&runtime, &wasm_dir).unwrap();
    let store = NodeStore::open(&mut styrene, "nodes.db").unwrap();
    let native = styrene_store::NodeStore::open(&native_dir.join("nodes.db")).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let first: Vec<MeshDevice> = (0..N).map(|i| device(i, now, false)).collect();
    let second: Vec<MeshDevice> = (0..N).map(|i| device(i, now + 1, true)).collect();
    let picks: Vec<String> = (0..LOOKUPS).map(|i| first[(i * 7919) % N].destination_hash.clone()).collect();

    let mut rows: Vec<(&str, f64, f64)> = Vec::new();
    let mut both = |what, native_us: f64, component_us: f64| rows.push((what, native_us, component_us));
    let n1 = per_call(N, || first.iter().for_each(|d| ignore(native.save_node(&native_device(d)).unwrap())));
    let c1 = per_call(N, || {
        first.iter().for_each(|d| ignore(store.save_node(&mut styrene, d).unwrap()));
    });
    both("save_node (insert)", n1, c1);
    let n2 = per_call(N, || second.iter().for_each(|d| ignore(native.save_node(&native_device(d)).unwrap())));
    let c2 = per_call(N, || {
        second.iter().for_each(|d| ignore(store.save_node(&mut styrene, d).unwrap()));
    });
    both("save_node (update)", n2, c2);
    let n3 =
        per_call(LOOKUPS, || picks.iter().for_each(|h| ignore(native.get_node_by_destination(h).unwrap())));
    let c3 = per_call(LOOKUPS, || {
        picks.iter().for_each(|h| ignore(store.get_node_by_destination(&mut styrene, h).unwrap()));
    });
    both("get_node_by_destination", n3, c3);
    let n4 = per_call(LOOKUPS, || {
        picks.iter().for_each(|h| ignore(native.get_identity_for_destination(&h[..12]).unwrap()));
    });
    let c4 = per_call(LOOKUPS, || {
        picks
            .iter()
            .for_each(|h| ignore(store.get_identity_for_destination(&mut styrene, &h[..12]).unwrap()));
    });
    both("get_identity_for_destination, 12-char prefix", n4, c4);
    // listing and pruning: the best of ROUNDS (these machines are noisy)
    let mut n5 = f64::INFINITY;
    let mut c5 = f64::INFINITY;
    for _ in 0..ROUNDS {
        n5 = n5.min(per_call(1, || ignore(native.get_all_nodes().unwrap())));
        c5 = c5.min(per_call(1, || ignore(store.get_all_nodes(&mut styrene).unwrap())));
    }
    both("get_all_nodes (10,000 rows)", n5, c5);
    let aged: Vec<&MeshDevice> = second.iter().skip(1).step_by(2).collect();
    let mut n6 = f64::INFINITY;
    let mut c6 = f64::INFINITY;
    for round in 0..ROUNDS {
        if round > 0 {
            // the pruned half comes back, as old as before
            for d in &aged {
                native.save_node(&native_device(d)).unwrap();
                store.save_node(&mut styrene, d).unwrap();
            }
        }
        n6 = n6.min(per_call(1, || ignore(native.prune_old_nodes(86400 * 30, now).unwrap())));
        c6 = c6.min(per_call(1, || ignore(store.prune_old_nodes(&mut styrene, 86400 * 30).unwrap())));
    }
    both("prune_old_nodes (5,000 of 10,000)", n6, c6);
    store.release(&mut styrene).unwrap();
    drop(native);
    let size = |dir: &PathBuf| std::fs::metadata(dir.join("nodes.db")).map_or(0, |m| m.len());
    let peak = peak_rss_mib();

    println!("{:46} {:>14} {:>14} {:>8}", "Node store in the Rust host", "native lib", "component", "ratio");
    for (what, n, c) in &rows {
        println!("{what:46} {n:>11.1} µs {c:>11.1} µs {:>7.1}x", c / n);
    }
    println!("{:46} {:>14} {:>14}", "db size (bytes)", size(&native_dir), size(&wasm_dir));
    println!("peak memory of this process (native and component): {} MiB", peak.unwrap_or(0));
    if let Some(out) = std::env::var_os("STYRENE_BENCH_OUT") {
        let times: serde_json::Map<String, serde_json::Value> = rows
            .iter()
            .map(|(what, n, c)| (what.to_string(), serde_json::json!({"native": n, "component": c})))
            .collect();
        let report = serde_json::json!({
            "times_us": times,
            "db_size": {"native": size(&native_dir), "component": size(&wasm_dir)},
            "peak_rss_mib": peak,
        });
        std::fs::write(out, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    }
}
