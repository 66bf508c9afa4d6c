//! The gateway as a bridge: frames per second through `styrene-gateway run`
//! (HDLC in over TCP → component → HDLC out over TCP), the gateway pinned to
//! one core, for 100- and 500-byte packets; component calls per frame; and
//! the gateway's resident memory at idle and under load with 10,000 nodes in
//! its store. The load generator runs on another core. Nothing asserts a time.

mod common;

use common::{free_port, hdlc, memory, pin_to_core_1, root, status};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use styrene_host::nodes::{DeviceType, MeshDevice, NodeStore};
use styrene_host::{Limits, Runtime, Styrene};

const NODES: usize = 10_000;
const FRAMES: usize = 200_000;

/// A data dir whose nodes.db holds `NODES` nodes, written through the component.
fn data_dir_with_nodes(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let wasm = root().join("target/wasm32-wasip2/release/styrene.wasm");
    let runtime = Runtime::load(&wasm, &styrene_host::default_cache_dir(), Limits::default()).unwrap();
    let mut styrene = Styrene::with_dir(&runtime, dir).unwrap();
    let store = NodeStore::open(&mut styrene, "nodes.db").unwrap();
    for i in 0..NODES {
        let device = MeshDevice {
            destination_hash: format!("{:032x}", i as u128 * 7919 + 1),
            identity_hash: format!("{:032x}", i as u128 * 104_729 + 3),
            name: format!("node-{i}"),
            device_type: DeviceType::StyreneNode,
            last_announce: 1_764_000_000 + i as i64,
            announce_count: 1,
            app_data_raw: Some(format!("styrene:node-{i}:0.18.0:rpc,chat").into_bytes()),
            capabilities: Some(vec!["rpc".into(), "chat".into()]),
            version: Some("0.18.0".into()),
            lxmf_destination_hash: None,
            short_name: None,
            system_fingerprint: None,
            nomadnet_destination_hash: None,
            discovered_via: Some("radio → 0a1b2c3d".into()),
            hops: Some(2),
            ygg_address: None,
            b32_address: None,
            web_url: None,
        };
        store.save_node(&mut styrene, &device).unwrap();
    }
    store.release(&mut styrene).unwrap();
}

/// `count` distinct RNS data packets of `size` bytes, HDLC-framed back to back.
fn stream(count: usize, size: usize, salt: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(count * (size + 8));
    let mut packet = vec![0u8; size];
    for i in 0..count as u64 {
        packet[2..10].copy_from_slice(&(i ^ (salt << 40)).to_be_bytes());
        packet[10..18].copy_from_slice(&salt.to_be_bytes());
        for (j, b) in packet[19..].iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(31).wrapping_add(j as u8) | 1;
        }
        hdlc(&packet, &mut out);
    }
    out
}

struct Gateway {
    child: Child,
    status_port: u16,
    in_port: u16,
    out_port: u16,
}

fn start(dir: &Path) -> Gateway {
    let (status_port, in_port, out_port) = (free_port(), free_port(), free_port());
    let config = format!(
        "name = \"bench\"\nmode = \"bridge\"\ndata_dir = \"{}\"\n[status]\nlisten = \"127.0.0.1:{status_port}\"\n\
         [announce]\ninterval_secs = 0\n[limits]\nqueue_bytes = 16777216\n\
         [[interface]]\nname = \"in\"\ntype = \"tcp_server\"\nlisten = \"127.0.0.1:{in_port}\"\n\
         [[interface]]\nname = \"out\"\ntype = \"tcp_server\"\nlisten = \"127.0.0.1:{out_port}\"\n",
        dir.join("data").display()
    );
    let path = dir.join("gateway.toml");
    std::fs::write(&path, config).unwrap();
    let binary = env!("CARGO_BIN_EXE_styrene-gateway");
    let pinned = Command::new("taskset").arg("--version").output().is_ok();
    let mut command = if pinned { Command::new("taskset") } else { Command::new(binary) };
    if pinned {
        command.args(["-c", "0", binary]);
    }
    let child = command
        .args(["run", "--config"])
        .arg(&path)
        .env("STYRENE_WASM", root().join("target/wasm32-wasip2/release/styrene.wasm"))
        .env("STYRENE_LOG", "warn")
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", status_port)).is_err() {
        assert!(Instant::now() < deadline, "the gateway did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Gateway { child, status_port, in_port, out_port }
}

/// Sends `frames` through the bridge; returns (frames delivered, seconds, peak RSS seen).
fn run_load(gw: &Gateway, frames: &[u8], count: usize) -> (usize, f64, u64) {
    let mut out = TcpStream::connect(("127.0.0.1", gw.out_port)).unwrap();
    let mut input = TcpStream::connect(("127.0.0.1", gw.in_port)).unwrap();
    // a new port gets the gateway's announce after a second: let it pass first
    std::thread::sleep(Duration::from_millis(1500));
    out.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let mut scratch = vec![0u8; 1 << 16];
    while matches!(out.read(&mut scratch), Ok(n) if n > 0) {}
    let pid = gw.child.id();
    let started = Instant::now();
    let frames = frames.to_vec();
    let sender = std::thread::spawn(move || {
        pin_to_core_1();
        input.write_all(&frames).unwrap();
        input
    });
    pin_to_core_1();
    out.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let (mut flags, mut buffer, mut peak, mut last) = (0usize, vec![0u8; 1 << 16], 0u64, started);
    while flags / 2 < count {
        match out.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                flags += buffer[..n].iter().filter(|&&b| b == 0x7e).count();
                last = Instant::now();
                if flags % 4096 < 2 {
                    peak = peak.max(memory(pid).0);
                }
            }
        }
    }
    drop(sender.join());
    (flags / 2, (last - started).as_secs_f64(), peak.max(memory(pid).0))
}

fn main() {
    let dir = std::env::temp_dir().join(format!("styrene-bench-gateway-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    data_dir_with_nodes(&dir.join("data"));
    let mut gw = start(&dir);
    std::thread::sleep(Duration::from_secs(2));
    let (idle_rss, _) = memory(gw.child.id());
    println!("gateway bridge, pinned to one core, {NODES} nodes in its store ({FRAMES} frames per size)");
    println!(
        "{:<10} {:>14} {:>16} {:>15} {:>15}",
        "packet", "frames/s", "calls per frame", "RSS under load", "frames lost"
    );
    let mut rows = Vec::new();
    for (salt, size) in [(1u64, 100usize), (2, 500)] {
        let frames = stream(FRAMES, size, salt);
        let calls_before = status(gw.status_port)["component"]["calls"].as_u64().unwrap();
        let (delivered, seconds, rss) = run_load(&gw, &frames, FRAMES);
        let calls = status(gw.status_port)["component"]["calls"].as_u64().unwrap() - calls_before;
        let rate = delivered as f64 / seconds;
        let per_frame = calls as f64 / FRAMES as f64;
        println!(
            "{:<10} {:>14.0} {:>16.3} {:>12.1} MiB {:>15}",
            format!("{size} B"),
            rate,
            per_frame,
            rss as f64 / 1048576.0,
            FRAMES.saturating_sub(delivered)
        );
        rows.push(serde_json::json!({"size": size, "frames_per_s": rate, "calls_per_frame": per_frame, "rss": rss, "lost": FRAMES.saturating_sub(delivered)}));
    }
    let (rss, peak) = memory(gw.child.id());
    println!(
        "RSS: idle {:.1} MiB, after load {:.1} MiB, peak {:.1} MiB",
        idle_rss as f64 / 1048576.0,
        rss as f64 / 1048576.0,
        peak as f64 / 1048576.0
    );
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(gw.child.id() as i32, libc::SIGTERM) };
    let _ = gw.child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(out) = std::env::var_os("STYRENE_BENCH_OUT") {
        let doc = serde_json::json!({"rows": rows, "idle_rss": idle_rss, "peak_rss": peak});
        std::fs::write(out, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    }
}
