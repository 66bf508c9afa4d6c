//! The engine, the loaded component and the epoch ticker: what every
//! instance is made from.

use crate::cache::{self, Source};
use crate::state::{EPOCH_TICK, Limits, State};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use wasmtime::component::Linker;
use wasmtime::{Config, Engine};

/// A compiled `styrene.wasm`, ready to instantiate.
pub struct Runtime {
    pub(crate) pre: crate::bindings::StyrenePre<State>,
    pub(crate) limits: Limits,
    engine: Engine,
    source: Source,
    artifact: PathBuf,
    load_time: Duration,
    ticker_stop: Arc<AtomicBool>,
}

impl Runtime {
    /// Loads the component at `wasm_path`, caching its compiled form in `cache_dir`.
    pub fn load(wasm_path: &Path, cache_dir: &Path, limits: Limits) -> wasmtime::Result<Self> {
        let wasm = std::fs::read(wasm_path)
            .map_err(|e| wasmtime::format_err!("cannot read {}: {e}", wasm_path.display()))?;
        Self::from_bytes(&wasm, cache_dir, limits)
    }

    /// Loads the component from its bytes, caching its compiled form in `cache_dir`.
    pub fn from_bytes(wasm: &[u8], cache_dir: &Path, limits: Limits) -> wasmtime::Result<Self> {
        let started = Instant::now();
        let engine = Engine::new(&engine_config())?;
        let (component, source, artifact) = cache::load(&engine, wasm, cache_dir)?;
        let pre = crate::bindings::StyrenePre::new(linker(&engine)?.instantiate_pre(&component)?)?;
        let ticker_stop = Arc::new(AtomicBool::new(false));
        spawn_ticker(engine.clone(), ticker_stop.clone());
        Ok(Self { pre, limits, engine, source, artifact, load_time: started.elapsed(), ticker_stop })
    }

    /// The engine (shared by every instance).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether the compiled component came from the cache.
    pub fn from_cache(&self) -> bool {
        self.source == Source::Cache
    }

    /// Where the precompiled artifact lives.
    pub fn artifact_path(&self) -> &Path {
        &self.artifact
    }

    /// How long loading took (read, compile or deserialize, link).
    pub fn load_time(&self) -> Duration {
        self.load_time
    }

    /// The component's imports, e.g. `wasi:random/random@0.2.x`.
    pub fn imports(&self) -> Vec<String> {
        let ty = self.pre.instance_pre().component().component_type();
        ty.imports(&self.engine).map(|(name, _)| name.to_string()).collect()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

/// The configuration every host uses: synchronous calls only (no async
/// machinery on the call path) and epoch interruption for deadlines.
fn engine_config() -> Config {
    let mut config = Config::new();
    config.concurrency_support(false);
    config.epoch_interruption(true);
    config
}

fn linker(engine: &Engine) -> wasmtime::Result<Linker<State>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    crate::file_locks::add_to_linker(&mut linker, State::file_locks)?;
    Ok(linker)
}

fn spawn_ticker(engine: Engine, stop: Arc<AtomicBool>) {
    std::thread::Builder::new()
        .name("styrene-epoch".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        })
        .expect("spawning the epoch thread");
}
