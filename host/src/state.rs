//! What every store holds and the limits it runs under: the sandbox of one
//! instance, before any component is in it.

use std::path::{Path, PathBuf};
use std::time::Duration;
use wasmtime::component::ResourceTable;
use wasmtime::{Engine, ResourceLimiter, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxView, WasiView};

/// How often the engine's epoch advances; deadlines are counted in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// How long the node store's SQLite waits for another program's lock before
/// it reports "database is locked" (`styrene_store::BUSY_TIMEOUT`, styrened's
/// busy timeout). A call on an instance with a directory may wait that long
/// on top of its own deadline.
const LOCK_WAIT: Duration = Duration::from_secs(5);

/// The sandbox every instance gets.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most linear memory the component may grow to, in bytes.
    pub memory_bytes: usize,
    /// Longest a single call may run before it is interrupted.
    pub call_deadline: Duration,
}

impl Limits {
    /// The call deadline in epoch ticks (at least one): how far the engine's
    /// epoch may advance during one call.
    pub fn deadline_ticks(&self) -> u64 {
        (self.call_deadline.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64
    }

    /// How many epoch ticks a call may run on an instance with or without a
    /// directory: the call deadline, and with a directory also the time its
    /// node store may wait for another program's lock.
    pub(crate) fn deadline_ticks_with(&self, dir: Option<&Path>) -> u64 {
        let waiting = if dir.is_some() { LOCK_WAIT.as_millis() / EPOCH_TICK.as_millis() } else { 0 };
        self.deadline_ticks() + waiting as u64
    }
}

impl Default for Limits {
    fn default() -> Self {
        // 64 MiB holds a few maximum-size payloads and their decoded trees;
        // one second is far above any legitimate call (microseconds)
        Self { memory_bytes: 64 << 20, call_deadline: Duration::from_secs(1) }
    }
}

/// The store's data: WASI with no capabilities beyond randomness, clocks and
/// the granted directory, the locks on that directory's files, and the memory
/// limiter.
pub struct State {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: Limiter,
    dir: Option<PathBuf>,
}

impl State {
    /// A store holding a fresh sandbox: capped memory, the call deadline armed
    /// (instantiation runs guest code too), and at most the one directory.
    pub(crate) fn store(
        engine: &Engine,
        limits: Limits,
        dir: Option<&Path>,
    ) -> wasmtime::Result<Store<Self>> {
        let inner =
            StoreLimitsBuilder::new().memory_size(limits.memory_bytes).trap_on_grow_failure(true).build();
        // no environment, no arguments, no stdio, no network (the component imports no
        // wasi:sockets; refused here too, should a build ever import them); at most the
        // one directory granted
        let mut wasi = WasiCtx::builder();
        wasi.allow_tcp(false).allow_udp(false).allow_ip_name_lookup(false);
        // the calls are synchronous and short: run file operations on the calling
        // thread instead of handing each one to a blocking-task pool
        wasi.allow_blocking_current_thread(true);
        if let Some(dir) = dir {
            wasi.preopened_dir(dir, ".", FsPerms::ReadWrite)?;
        }
        let state = Self {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            limits: Limiter { inner, refused: None },
            dir: dir.map(Path::to_path_buf),
        };
        let mut store = Store::new(engine, state);
        store.limiter(|s| &mut s.limits);
        store.set_epoch_deadline(limits.deadline_ticks_with(dir));
        store.epoch_deadline_trap();
        Ok(store)
    }

    /// The memory size a refused `memory.grow` asked for, if one was refused:
    /// what turns a trap into a memory-limit error.
    pub(crate) fn refused_growth(&self) -> Option<usize> {
        self.limits.refused
    }

    /// The `file-locks` import's view of this instance.
    pub(crate) fn file_locks(&mut self) -> crate::file_locks::FileLocks<'_> {
        crate::file_locks::FileLocks { dir: self.dir.as_deref(), table: &mut self.table }
    }
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// wasmtime's `StoreLimits`, remembering the growth it refused so that a
/// trap can be reported as the memory limit it is.
struct Limiter {
    inner: StoreLimits,
    refused: Option<usize>,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let granted = self.inner.memory_growing(current, desired, maximum);
        if !matches!(granted, Ok(true)) {
            self.refused = Some(desired);
        }
        granted
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.inner.table_growing(current, desired, maximum)
    }

    fn instances(&self) -> usize {
        self.inner.instances()
    }

    fn tables(&self) -> usize {
        self.inner.tables()
    }

    fn memories(&self) -> usize {
        self.inner.memories()
    }
}
