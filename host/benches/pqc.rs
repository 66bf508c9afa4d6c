//! The PQC session: the native library (styrene-pqc) vs the component in the
//! Rust host, side by side in one run: a full handshake (INITIATE, RESPOND,
//! CONFIRM, both sides holding the key) and AES-256-GCM of 1 KiB each way.
//! `just bench` runs it before `python-host/bench/bench_pqc.py`, which prints
//! these figures in one table with the Python host's and the pure-Python
//! floor (it reads the JSON written to `STYRENE_BENCH_OUT`). Each figure is the
//! best of several batches; nothing asserts a time.

use std::path::PathBuf;
use std::time::Instant;
use styrene_host::pqc;
use styrene_host::{Limits, Runtime, Styrene};
use styrene_pqc::SessionService;
use styrene_pqc::primitives::SystemRandom;

const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/// The best time per call, in µs, of `batches` batches of `count` calls.
fn best(batches: usize, count: usize, mut f: impl FnMut()) -> f64 {
    (0..batches)
        .map(|_| {
            let start = Instant::now();
            (0..count).for_each(|_| f());
            start.elapsed().as_secs_f64() * 1e6 / count as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn native_handshake(a: &mut SessionService, b: &mut SessionService) {
    let now = 1.8e9;
    let initiate = a.initiate(B, now, &mut SystemRandom);
    let respond =
        b.handle(A, initiate.message_type, &initiate.payload, now, &mut SystemRandom).unwrap().unwrap();
    let confirm =
        a.handle(B, respond.message_type, &respond.payload, now, &mut SystemRandom).unwrap().unwrap();
    b.handle(A, confirm.message_type, &confirm.payload, now, &mut SystemRandom).unwrap();
}

fn main() {
    let wasm = std::env::var_os("STYRENE_WASM").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/wasm32-wasip2/release/styrene.wasm")
    });
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let runtime = Runtime::load(&wasm, &tmp.join("bench-cache"), Limits::default()).unwrap();
    let mut styrene = Styrene::new(&runtime).unwrap();
    let (sa, sb) = (
        pqc::SessionService::new(&mut styrene, 24).unwrap(),
        pqc::SessionService::new(&mut styrene, 24).unwrap(),
    );
    let mut component_handshake = || {
        let initiate = sa.initiate(&mut styrene, B).unwrap();
        let respond = sb.handle(&mut styrene, A, initiate.message_type, &initiate.payload).unwrap().unwrap();
        let confirm = sa.handle(&mut styrene, B, respond.message_type, &respond.payload).unwrap().unwrap();
        sb.handle(&mut styrene, A, confirm.message_type, &confirm.payload).unwrap();
    };
    let c_handshake = best(5, 40, &mut component_handshake);
    let (mut na, mut nb) = (SessionService::new(24), SessionService::new(24));
    let n_handshake = best(5, 40, || native_handshake(&mut na, &mut nb));

    let kib = vec![0x5a; 1024];
    let sealed = na.encrypt(B, &kib, &mut SystemRandom).unwrap();
    let n_encrypt = best(5, 2000, || drop(na.encrypt(B, &kib, &mut SystemRandom).unwrap()));
    let n_decrypt = best(5, 2000, || drop(nb.decrypt(A, &sealed).unwrap()));
    let c_sealed = sa.encrypt(&mut styrene, B, &kib).unwrap();
    let c_encrypt = best(5, 2000, || drop(sa.encrypt(&mut styrene, B, &kib).unwrap()));
    let c_decrypt = best(5, 2000, || drop(sb.decrypt(&mut styrene, A, &c_sealed).unwrap()));
    sa.release(&mut styrene).unwrap();
    sb.release(&mut styrene).unwrap();

    let rows = [
        ("full handshake (3 messages, both sides)", n_handshake, c_handshake),
        ("encrypt 1 KiB", n_encrypt, c_encrypt),
        ("decrypt 1 KiB", n_decrypt, c_decrypt),
    ];
    println!("{:42} {:>12} {:>12} {:>7}", "PQC in the Rust host", "native lib", "component", "ratio");
    for (what, n, c) in rows {
        println!("{what:42} {n:>9.1} µs {c:>9.1} µs {:>6.1}x", c / n);
    }
    println!("(target: the component's handshake within 2x of the native library)");
    if let Some(out) = std::env::var_os("STYRENE_BENCH_OUT") {
        let times: serde_json::Map<String, serde_json::Value> = rows
            .iter()
            .map(|(what, n, c)| (what.to_string(), serde_json::json!({"native": n, "component": c})))
            .collect();
        std::fs::write(out, serde_json::to_string_pretty(&serde_json::json!({"times_us": times})).unwrap())
            .unwrap();
    }
}
