//! SQLite compiled for wasm32-wasip2 (rusqlite's `bundled`) calls mmap,
//! getpid, signal and process clocks, which wasi-libc provides only as its
//! "emulated" libraries. Link them from Debian's `wasi-libc` package
//! (`/usr/lib/wasm32-wasi`, or `$WASI_EMULATED_LIB_DIR`). They are copied
//! into OUT_DIR first: putting that whole directory on the search path would
//! let its older `libc.a` shadow the one Rust ships for the target.

use std::path::PathBuf;

const LIBS: [&str; 4] =
    ["wasi-emulated-mman", "wasi-emulated-getpid", "wasi-emulated-signal", "wasi-emulated-process-clocks"];

fn main() {
    println!("cargo:rerun-if-env-changed=WASI_EMULATED_LIB_DIR");
    if std::env::var("TARGET").as_deref() != Ok("wasm32-wasip2") {
        return;
    }
    let source = std::env::var_os("WASI_EMULATED_LIB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/wasm32-wasi"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for lib in LIBS {
        let file = format!("lib{lib}.a");
        let from = source.join(&file);
        std::fs::copy(&from, out.join(&file)).unwrap_or_else(|e| {
            panic!("{}: {e} (install Debian's wasi-libc, or set WASI_EMULATED_LIB_DIR)", from.display())
        });
        println!("cargo:rustc-link-lib=static={lib}");
    }
    println!("cargo:rustc-link-search=native={}", out.display());
}
