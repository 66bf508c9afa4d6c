//! The on-disk cache of precompiled components.

use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

/// The default cache directory: `$STYRENE_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/styrene-wasm`, else `~/.cache/styrene-wasm`.
pub fn default_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("STYRENE_CACHE_DIR") {
        return dir.into();
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("styrene-wasm")
}

/// The artifact's file name: the wasm's hash, wasmtime's version, and a hash of
/// the engine settings that make artifacts incompatible.
pub fn artifact_path(dir: &Path, engine: &Engine, wasm: &[u8]) -> PathBuf {
    let digest = Sha256::digest(wasm);
    let mut settings = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut settings);
    dir.join(format!(
        "styrene-{}-wasmtime{}-{:016x}.cwasm",
        hex::encode(&digest[..12]),
        wasmtime_environ::VERSION,
        settings.finish()
    ))
}

/// How the component was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Deserialized from the cache.
    Cache,
    /// Compiled now (and written to the cache if it was writable).
    Compiled,
}

/// Loads the component from the cache, or compiles it and stores the artifact.
/// A cache that is unreadable, corrupt or unwritable only costs a compile.
pub fn load(engine: &Engine, wasm: &[u8], dir: &Path) -> wasmtime::Result<(Component, Source, PathBuf)> {
    let path = artifact_path(dir, engine, wasm);
    if path.is_file() {
        // SAFETY: the file is one this function wrote with `precompile_component`
        // into the user's own cache directory, named by the wasm's hash and the
        // engine's compatibility hash; wasmtime still checks its header and
        // rejects artifacts from another version or configuration.
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
            return Ok((component, Source::Cache, path));
        }
    }
    let artifact = engine.precompile_component(wasm)?;
    // write to a temporary name and rename, so a concurrent reader never sees half a file
    if std::fs::create_dir_all(dir).is_ok() {
        // unique per process and per call: two threads may compile the same component at once
        static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = path.with_extension(format!("tmp{}.{n}", std::process::id()));
        if std::fs::write(&tmp, &artifact).is_ok() && std::fs::rename(&tmp, &path).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
    // SAFETY: the bytes were produced just now by this engine.
    let component = unsafe { Component::deserialize(engine, &artifact)? };
    Ok((component, Source::Compiled, path))
}
