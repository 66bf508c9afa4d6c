//! Native library vs the component in the Rust host, side by side in one run.
//! `just bench` runs it (`cargo bench --profile native -p styrene-host`).
//! Each figure is the best of several timed batches; nothing here asserts a time.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;
use styrene_host::{Limits, Runtime, Styrene};
use styrene_wire as native;

/// Best nanoseconds per call over `batches` batches of `n` calls.
fn per_op(n: u32, batches: u32, mut f: impl FnMut()) -> f64 {
    (0..batches)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..n {
                f();
            }
            start.elapsed().as_nanos() as f64 / n as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let wasm = std::env::var_os("STYRENE_WASM").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/wasm32-wasip2/release/styrene.wasm")
    });
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-cache");
    let runtime = Runtime::load(&wasm, &cache, Limits::default()).expect("styrene.wasm loads");
    let mut styrene = Styrene::new(&runtime).unwrap();

    let rid = [7u8; 16];
    let text = "x".repeat(262);
    let chat = native::create_chat(&text, Some(rid.to_vec())).unwrap().encode();
    assert_eq!(chat.len(), 300);
    let payload = chat[29..].to_vec();
    let nodes = native::decode_payload(&payload).unwrap();
    let wit_nodes = styrene.wire().decode_payload(&payload).unwrap();
    let big = vec![0xa5u8; 16 * 1024];

    let rows = [
        ("no-op call", None, per_op(200_000, 5, || styrene.shortcuts().noop().unwrap())),
        (
            "envelope decode, CHAT 300 B",
            Some(per_op(200_000, 5, || _ = black_box(native::Envelope::decode(black_box(&chat)).unwrap()))),
            per_op(100_000, 5, || _ = black_box(styrene.wire().decode_envelope(black_box(&chat)).unwrap())),
        ),
        (
            "decode_payload, CHAT",
            Some(per_op(200_000, 5, || {
                drop(black_box(native::decode_payload(black_box(&payload)).unwrap()));
            })),
            per_op(100_000, 5, || _ = black_box(styrene.wire().decode_payload(black_box(&payload)).unwrap())),
        ),
        (
            "encode_payload, CHAT",
            Some(per_op(200_000, 5, || _ = black_box(native::encode_payload(black_box(&nodes)).unwrap()))),
            per_op(100_000, 5, || {
                _ = black_box(styrene.wire().encode_payload(black_box(&wit_nodes)).unwrap());
            }),
        ),
        (
            "16 KiB echo round trip",
            None,
            per_op(2_000, 5, || _ = black_box(styrene.shortcuts().echo(black_box(&big)).unwrap())),
        ),
    ];

    println!(
        "{:36} {:>14} {:>14} {:>12} {:>16}",
        "Rust host", "native lib", "component", "ratio", "component ops/s"
    );
    for (what, native_ns, component_ns) in rows {
        let native_text = native_ns.map_or(String::new(), |n| format!("{n:.0} ns"));
        let ratio = native_ns.map_or(String::new(), |n| format!("{:.1}x", component_ns / n));
        let ops = 1e9 / component_ns;
        println!(
            "{what:36} {native_text:>14} {:>14} {ratio:>12} {ops:>16.0}",
            format!("{component_ns:.0} ns")
        );
    }
    println!(
        "(ratio = component time / native time; target: envelope decode >= 500000 ops/s through the component)"
    );
    println!(
        "load: {:.2} ms ({})",
        runtime.load_time().as_secs_f64() * 1e3,
        if runtime.from_cache() { "cached artifact" } else { "compiled" }
    );
}
