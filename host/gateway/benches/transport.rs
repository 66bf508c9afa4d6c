//! The gateway as a Reticulum transport node, side by side with Python
//! `rnsd` (RNS 1.5.7, `enable_transport = Yes`) on the same workload.
//!
//! * Forwarding: peer A sends HEADER_2 data packets addressed through the
//!   node to B (one hop beyond it); B answers each forwarded packet with its
//!   proof, which the node returns to A along its reverse table. Both nodes
//!   get the same transport identity, so the bytes sent are the same. The
//!   node is pinned to one core, the peers run on the other. The rate counts
//!   forwarded packets up to the moment the last proof is back at A.
//! * Announces processed (each with its signature check) and path requests
//!   answered per second, in process: the component from the Rust host, and
//!   the same `styrene-rns` code natively.
//! * Resident memory of `styrene-gateway` with 10,000 paths and 10,000 nodes
//!   in its store, idle and under forwarding load.
//!
//! Nothing here asserts a time.

mod common;

use common::{free_port, hdlc, memory, pin_to_core_1, root};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use styrene_host::framing::FramingKind;
use styrene_host::gateway::PortConfig;
use styrene_host::rns::Identity as HostIdentity;
use styrene_host::transport::{InterfaceMode, InterfaceSettings, Limits as HostLimits, TransportNode};
use styrene_host::{Limits, Runtime, Styrene};
use styrene_rns::announce;
use styrene_rns::hdlc::{Deframed, Deframer};
use styrene_rns::identity::Identity;
use styrene_rns::packet::{self, DestinationType, HEADER_1, HEADER_2, Header, PacketType};
use styrene_rns::transport::{self, InterfaceConfig, Mode, Transport};

/// Packets forwarded through styrene-gateway per size.
const FRAMES: usize = 100_000;
/// The same through rnsd, which is much slower.
const RNSD_FRAMES: usize = 10_000;
/// Packets A keeps in flight without their proof, as a sender that waits for
/// proofs would (far beyond what Reticulum programs do, well within the
/// reverse table).
const WINDOW: usize = 8_192;
/// rnsd's window: RNS 1.5.7 drops inbound packets beyond a queue of 1,024
/// (`Transport.INBOUND_DA_QUEUE_LENGTH`, proofs included), so it gets a window
/// that, with a batch on top, stays below that and measures its forwarding
/// rather than its shedding.
const RNSD_WINDOW: usize = 512;
/// Packets written to A's socket at a time.
const BATCH: usize = 256;
/// Paths and nodes the gateway holds during the memory measurement.
const PATHS: usize = 10_000;
const T0: f64 = 1_764_000_000.0;

/// The node's transport identity: the same private key for both nodes.
fn node_identity() -> Identity {
    Identity::from_private_bytes(&[0x42; 64]).expect("a valid key")
}

fn announce_of(identity: &Identity, name: &str) -> Vec<u8> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    announce::create(identity, name, announce::random_hash(now).unwrap(), None)
}

fn data_packet(transport_id: [u8; 16], destination: [u8; 16], size: usize, n: u64) -> Vec<u8> {
    let header = Header {
        ifac: false,
        header_type: HEADER_2,
        context_flag: false,
        transport_type: 1,
        destination_type: DestinationType::Single,
        packet_type: PacketType::Data,
        hops: 0,
        transport_id: Some(transport_id),
        destination_hash: destination,
        context: 0,
    };
    let mut data = vec![0u8; size - 35];
    data[..8].copy_from_slice(&n.to_be_bytes());
    for (i, b) in data[8..].iter_mut().enumerate() {
        *b = (n as u8).wrapping_mul(31).wrapping_add(i as u8);
    }
    packet::serialize(&header, &data)
}

/// An implicit proof of `raw` (transport returns it by the packet's hash without checking it).
fn proof_of(raw: &[u8]) -> Vec<u8> {
    let hash = packet::packet_hash(raw);
    let header = Header {
        ifac: false,
        header_type: HEADER_1,
        context_flag: false,
        transport_type: 0,
        destination_type: DestinationType::Single,
        packet_type: PacketType::Proof,
        hops: 0,
        transport_id: None,
        destination_hash: hash[..16].try_into().unwrap(),
        context: 0,
    };
    packet::serialize(&header, &[0x5A; 64])
}

/// A node under test: its process and the two TCP ports its peers connect to.
struct Node {
    child: Child,
    a_port: u16,
    b_port: u16,
    status_port: Option<u16>,
}

impl Node {
    fn stop(mut self) {
        // SAFETY: signalling our own child process.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

fn pinned(binary: &Path) -> Command {
    if Command::new("taskset").arg("--version").output().is_ok() {
        let mut command = Command::new("taskset");
        command.args(["-c", "0"]).arg(binary);
        command
    } else {
        Command::new(binary)
    }
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the node did not start listening on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn start_gateway(dir: &Path) -> Node {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    write_private(&data.join("identity"), node_identity().private_bytes().as_slice());
    let (status_port, a_port, b_port) = (free_port(), free_port(), free_port());
    let interface = |name: &str, port: u16| {
        format!(
            "[[interface]]\nname = \"{name}\"\ntype = \"tcp_server\"\nlisten = \"127.0.0.1:{port}\"\ningress_control = false\n"
        )
    };
    let config = format!(
        "name = \"bench\"\ndata_dir = \"{}\"\n[status]\nlisten = \"127.0.0.1:{status_port}\"\n\
         [announce]\ninterval_secs = 0\n[limits]\nqueue_bytes = 16777216\n{}{}",
        data.display(),
        interface("a", a_port),
        interface("b", b_port),
    );
    let path = dir.join("gateway.toml");
    std::fs::write(&path, config).unwrap();
    let child = pinned(Path::new(env!("CARGO_BIN_EXE_styrene-gateway")))
        .args(["run", "--config"])
        .arg(&path)
        .env("STYRENE_WASM", root().join("target/wasm32-wasip2/release/styrene.wasm"))
        .env("STYRENE_LOG", "warn")
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    wait_for_port(status_port);
    wait_for_port(b_port);
    Node { child, a_port, b_port, status_port: Some(status_port) }
}

/// A key file, readable by its owner only (the gateway warns otherwise).
fn write_private(path: &Path, bytes: &[u8]) {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).unwrap();
    file.write_all(bytes).unwrap();
}

fn rnsd_binary() -> Option<PathBuf> {
    Some(root().join(".venv/bin/rnsd")).filter(|p| p.is_file())
}

fn start_rnsd(dir: &Path, binary: &Path) -> Node {
    let storage = dir.join("storage");
    std::fs::create_dir_all(&storage).unwrap();
    write_private(&storage.join("transport_identity"), node_identity().private_bytes().as_slice());
    let (a_port, b_port) = (free_port(), free_port());
    let interface = |name: &str, port: u16| {
        format!(
            "  [[{name}]]\n    type = TCPServerInterface\n    enabled = yes\n    listen_ip = 127.0.0.1\n    \
             listen_port = {port}\n    ingress_control = No\n"
        )
    };
    let config = format!(
        "[reticulum]\n  enable_transport = Yes\n  share_instance = No\n  panic_on_interface_error = No\n\
         [logging]\n  loglevel = 2\n[interfaces]\n{}{}",
        interface("a", a_port),
        interface("b", b_port)
    );
    std::fs::write(dir.join("config"), config).unwrap();
    let child = pinned(binary)
        .arg("--config")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    wait_for_port(a_port);
    wait_for_port(b_port);
    Node { child, a_port, b_port, status_port: None }
}

/// Reads HDLC frames from `conn` until `stop` says so or nothing came for `idle`.
fn read_frames(conn: &mut TcpStream, idle: Duration, mut each: impl FnMut(Vec<u8>) -> bool) {
    conn.set_read_timeout(Some(idle)).unwrap();
    let mut deframer = Deframer::new(16384, 0);
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = match conn.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let mut done = false;
        deframer.push(&buffer[..n], |f| {
            if let Deframed::Frame(frame) = f {
                done |= !each(frame);
            }
        });
        if done {
            return;
        }
    }
}

fn is_path_known(node: &Node, destination: &[u8; 16]) -> bool {
    let Some(port) = node.status_port else { return true };
    let mut conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.write_all(b"GET /paths HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
    let mut text = String::new();
    conn.read_to_string(&mut text).unwrap();
    text.contains(&hex::encode(destination))
}

struct Forwarded {
    forwarded: usize,
    proofs: usize,
    seconds: f64,
    peak_rss: u64,
}

/// B announces, then A sends `count` packets of `size` bytes through the node
/// while B proves each one as it arrives, keeping at most `window` (plus a
/// batch) without their proof.
fn forward(node: &Node, sink: &Identity, size: usize, count: usize, window: usize, salt: u64) -> Forwarded {
    let transport_id = node_identity().hash();
    let b_announce = announce_of(sink, "bench.sink");
    let destination = packet::parse(&b_announce).unwrap().header.destination_hash;
    let mut b = TcpStream::connect(("127.0.0.1", node.b_port)).unwrap();
    let mut frame = Vec::new();
    hdlc(&b_announce, &mut frame);
    b.write_all(&frame).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !is_path_known(node, &destination) {
        assert!(Instant::now() < deadline, "the node did not learn B's path");
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut a = TcpStream::connect(("127.0.0.1", node.a_port)).unwrap();
    // rnsd needs a moment for a new client; the gateway announces itself to it after a second
    std::thread::sleep(Duration::from_millis(2000));
    let batches: Vec<Vec<u8>> = (0..count as u64)
        .collect::<Vec<_>>()
        .chunks(BATCH)
        .map(|ns| {
            let mut batch = Vec::with_capacity(ns.len() * (size + 8));
            for &n in ns {
                hdlc(&data_packet(transport_id, destination, size, n ^ (salt << 40)), &mut batch);
            }
            batch
        })
        .collect();
    let pid = node.child.id();
    let started = Instant::now();
    let mut a_reader = a.try_clone().unwrap();
    let proven = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let proven_by_sender = proven.clone();
    let sender = std::thread::spawn(move || {
        pin_to_core_1();
        let mut sent = 0usize;
        let waited_since = Instant::now();
        for batch in batches {
            while sent >= window + proven_by_sender.load(std::sync::atomic::Ordering::Relaxed)
                && waited_since.elapsed() < Duration::from_secs(120)
            {
                std::thread::sleep(Duration::from_micros(100));
            }
            a.write_all(&batch).unwrap();
            sent += BATCH;
        }
        a
    });
    let prover = std::thread::spawn(move || {
        pin_to_core_1();
        let mut writer = b.try_clone().unwrap();
        let mut forwarded = 0usize;
        read_frames(&mut b, Duration::from_secs(10), |frame| {
            if frame.len() > 2 && frame[0] & 0x03 == 0 && frame[2..18] == destination {
                let mut out = Vec::new();
                hdlc(&proof_of(&frame), &mut out);
                let _ = writer.write_all(&out);
                forwarded += 1;
            }
            forwarded < count
        });
        (forwarded, b)
    });
    pin_to_core_1();
    let (mut proofs, mut last, mut peak) = (0usize, started, 0u64);
    read_frames(&mut a_reader, Duration::from_secs(10), |frame| {
        if frame.len() > 2 && frame[0] & 0x03 == 3 {
            proofs += 1;
            proven.store(proofs, std::sync::atomic::Ordering::Relaxed);
            last = Instant::now();
            if proofs % 4096 == 0 {
                peak = peak.max(memory(pid).0);
            }
        }
        proofs < count
    });
    let _a = sender.join();
    let (forwarded, _b) = prover.join().unwrap();
    Forwarded {
        forwarded,
        proofs,
        seconds: (last - started).as_secs_f64(),
        peak_rss: peak.max(memory(pid).0),
    }
}

/// `PATHS` announces from distinct identities.
fn announces(count: usize) -> Vec<Vec<u8>> {
    (0..count).map(|_| announce_of(&Identity::generate().unwrap(), "bench.node")).collect()
}

/// Feeds announces to the gateway on a new connection to interface B and
/// waits until its path table holds them.
fn fill_paths(node: &Node, announces: &[Vec<u8>]) -> f64 {
    let mut b = TcpStream::connect(("127.0.0.1", node.b_port)).unwrap();
    let mut stream = Vec::new();
    for raw in announces {
        hdlc(raw, &mut stream);
    }
    let started = Instant::now();
    b.write_all(&stream).unwrap();
    let port = node.status_port.unwrap();
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let status = common::status(port);
        let paths = status["transport"]["path_table_size"].as_u64().unwrap_or(0);
        if paths as usize >= announces.len() {
            return started.elapsed().as_secs_f64();
        }
        assert!(Instant::now() < deadline, "only {paths} paths learnt");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Announces per second, path requests answered per second, and 100-byte
/// packets forwarded (each with its proof back) per second, through
/// `receive` and `tick`. The announces come in on port 0, everything else on port 1.
fn in_process(
    announces: &[Vec<u8>],
    mut receive: impl FnMut(u32, &[u8], f64) -> usize,
    mut tick: impl FnMut(f64) -> usize,
) -> (f64, f64, f64) {
    let started = Instant::now();
    for (i, raw) in announces.iter().enumerate() {
        receive(0, raw, T0 + i as f64 * 1e-4);
    }
    let announce_rate = announces.len() as f64 / started.elapsed().as_secs_f64();
    let now = T0 + 100.0;
    tick(now);
    let started = Instant::now();
    for (i, raw) in announces.iter().enumerate() {
        let destination = packet::parse(raw).unwrap().header.destination_hash;
        let request = transport::path_request_packet(&destination, None, &(i as u64).to_be_bytes());
        receive(1, &request, now);
    }
    let answered = tick(now + 2.0);
    let request_rate = answered as f64 / started.elapsed().as_secs_f64();
    let destination = packet::parse(&announces[0]).unwrap().header.destination_hash;
    let packets: Vec<(Vec<u8>, Vec<u8>)> = (0..announces.len() as u64)
        .map(|n| {
            let data = data_packet(node_identity().hash(), destination, 100, n);
            let proof = proof_of(&data);
            (data, proof)
        })
        .collect();
    let started = Instant::now();
    let mut delivered = 0;
    for (data, proof) in &packets {
        delivered += receive(1, data, now + 3.0);
        delivered += receive(0, proof, now + 3.0);
    }
    assert_eq!(delivered, 2 * packets.len(), "every packet and proof forwarded");
    let forward_rate = packets.len() as f64 / started.elapsed().as_secs_f64();
    (announce_rate, request_rate, forward_rate)
}

fn quiet(mode: Mode) -> InterfaceConfig {
    InterfaceConfig { ingress_control: false, announce_rate: None, ..InterfaceConfig::new(mode, 10_000_000) }
}

fn main() {
    let dir = std::env::temp_dir().join(format!("styrene-bench-transport-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let sink = Identity::generate().unwrap();

    // in process: the component from the Rust host, and the native crate
    let workload = announces(PATHS);
    let wasm = root().join("target/wasm32-wasip2/release/styrene.wasm");
    let runtime = Runtime::load(&wasm, &styrene_host::default_cache_dir(), Limits::default()).unwrap();
    let mut styrene = Styrene::new(&runtime).unwrap();
    let identity =
        HostIdentity::from_private_key(&mut styrene, node_identity().private_bytes().as_slice()).unwrap();
    let limits = HostLimits {
        paths: 65_536,
        announces: 16_384,
        reverse: 65_536,
        links: 16_384,
        path_requests: 65_536,
        packet_hashes: 131_072,
    };
    let node = TransportNode::new(&mut styrene, &identity, 1, limits).unwrap();
    let settings = InterfaceSettings {
        mode: InterfaceMode::Full,
        bitrate: 10_000_000,
        announce_cap: 2.0,
        ingress_control: false,
    };
    for name in ["in", "out"] {
        let port = PortConfig { name: name.into(), framing: FramingKind::Datagram, hw_mtu: 1064, ifac: None };
        node.add_port(&mut styrene, &port, settings, T0).unwrap();
    }
    let styrene = std::cell::RefCell::new(styrene);
    let component = in_process(
        &workload,
        |port, raw, now| node.receive(&mut styrene.borrow_mut(), port, raw, now).unwrap().transmit.len(),
        |now| {
            node.tick(&mut styrene.borrow_mut(), now).unwrap();
            node.counters(&mut styrene.borrow_mut()).unwrap().path_requests_answered as usize
        },
    );
    let native_limits = transport::Limits { path_requests: 65_536, ..transport::Limits::default() };
    let transport = std::cell::RefCell::new(Transport::new(node_identity().hash(), 1, native_limits));
    transport.borrow_mut().add_interface(quiet(Mode::Full), T0).unwrap();
    transport.borrow_mut().add_interface(quiet(Mode::Full), T0).unwrap();
    let native = in_process(
        &workload,
        |port, raw, now| transport.borrow_mut().receive(port, raw, now).len(),
        |now| {
            transport.borrow_mut().tick(now);
            transport.borrow().counters().path_requests_answered as usize
        },
    );
    println!("transport node in process, {PATHS} announces from distinct identities");
    println!("{:<44} {:>14} {:>14}", "", "component", "native");
    println!("{:<44} {:>14.0} {:>14.0}", "announces processed/s (signature checked)", component.0, native.0);
    println!("{:<44} {:>14.0} {:>14.0}", "path requests answered/s", component.1, native.1);
    println!(
        "{:<44} {:>14.0} {:>14.0}",
        "100 B packets forwarded/s, each with its proof", component.2, native.2
    );

    // through the gateway: 10,000 paths (and nodes) first, then forwarding
    let gateway = start_gateway(&dir.join("gateway"));
    std::thread::sleep(Duration::from_secs(2));
    let fill_seconds = fill_paths(&gateway, &workload);
    std::thread::sleep(Duration::from_secs(3));
    let (idle_rss, _) = memory(gateway.child.id());
    let nodes = common::status(gateway.status_port.unwrap())["nodes_recorded"].as_u64().unwrap_or(0);
    println!(
        "\nstyrene-gateway learnt {PATHS} paths ({nodes} nodes recorded) in {fill_seconds:.1} s; idle RSS {:.1} MiB (target ≤ 24 MiB)",
        idle_rss as f64 / 1048576.0
    );
    let rnsd = rnsd_binary();
    println!(
        "\nforwarded HEADER_2 packets with their proofs, node pinned to one core ({FRAMES} per size, \
         {WINDOW} in flight; rnsd {RNSD_FRAMES}, {RNSD_WINDOW} in flight)"
    );
    println!(
        "{:<8} {:>18} {:>14} {:>10} {:>16} {:>14}",
        "packet", "styrene-gateway/s", "rnsd/s", "ratio", "RSS under load", "lost (gw/rnsd)"
    );
    for (salt, size) in [(1u64, 100usize), (2, 500)] {
        let ours = forward(&gateway, &sink, size, FRAMES, WINDOW, salt);
        let theirs = rnsd.as_deref().map(|binary| {
            let node = start_rnsd(&dir.join(format!("rnsd-{size}")), binary);
            let result = forward(&node, &sink, size, RNSD_FRAMES, RNSD_WINDOW, salt);
            node.stop();
            result
        });
        let rate = |f: &Forwarded| f.proofs as f64 / f.seconds;
        println!(
            "{:<8} {:>18.0} {:>14} {:>10} {:>12.1} MiB {:>14}",
            format!("{size} B"),
            rate(&ours),
            theirs.as_ref().map_or("(no rnsd)".into(), |t| format!("{:.0}", rate(t))),
            theirs.as_ref().map_or("-".into(), |t| format!("{:.1}x", rate(&ours) / rate(t))),
            ours.peak_rss as f64 / 1048576.0,
            format!(
                "{}/{}",
                FRAMES - ours.proofs.min(ours.forwarded),
                theirs.as_ref().map_or("-".into(), |t| format!(
                    "{} ({} not forwarded)",
                    RNSD_FRAMES - t.proofs.min(t.forwarded),
                    RNSD_FRAMES - t.forwarded
                ))
            ),
        );
    }
    let (rss, peak) = memory(gateway.child.id());
    println!(
        "styrene-gateway RSS with {PATHS} paths: idle {:.1} MiB, after load {:.1} MiB, peak {:.1} MiB (target ≤ 24 MiB); forwarding target ≥ 180,000 100-byte frames/s",
        idle_rss as f64 / 1048576.0,
        rss as f64 / 1048576.0,
        peak as f64 / 1048576.0
    );
    gateway.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
