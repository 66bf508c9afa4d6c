//! One sandboxed instance of the component and its typed calls.

use crate::runtime::Runtime;
use crate::wire::{Envelope, MessageType, ValueNode, WireError};
use std::path::{Path, PathBuf};
use std::time::Duration;
use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, Store, StoreLimits, StoreLimitsBuilder, Trap};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxView, WasiView};

/// What a call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The component rejected the input (styrened's exception, as a typed case).
    #[error("{}: {}", wire_code_name(.0), .0.message)]
    Wire(#[from] WireError),
    /// The call needed more linear memory than [`Limits::memory_bytes`](crate::Limits::memory_bytes). The
    /// instance was replaced; the next call runs on a fresh one.
    #[error(
        "memory limit of {limit} bytes exceeded (the call asked for {requested} bytes); the instance was replaced"
    )]
    MemoryLimit {
        /// The cap, in bytes.
        limit: usize,
        /// The memory size the refused `memory.grow` asked for.
        requested: usize,
    },
    /// The call ran longer than [`Limits::call_deadline`](crate::Limits::call_deadline) and was interrupted.
    /// The instance was replaced; the next call runs on a fresh one.
    #[error("deadline of {} ms exceeded: the call was interrupted and the instance replaced", .0.as_millis())]
    Deadline(Duration),
    /// The component trapped for another reason (a bug in it). The instance
    /// was replaced; the next call runs on a fresh one.
    #[error("component trapped: {0}")]
    Trap(String),
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
    /// The `file-locks` import's view of this instance.
    pub(crate) fn file_locks(&mut self) -> crate::file_locks::FileLocks<'_> {
        crate::file_locks::FileLocks { dir: self.dir.as_deref(), table: &mut self.table }
    }
}

/// How long the node store's SQLite waits for another program's lock before
/// it reports "database is locked" (`styrene_store::BUSY_TIMEOUT`, styrened's
/// busy timeout). A call on an instance with a directory may wait that long
/// on top of its own deadline.
const LOCK_WAIT: Duration = Duration::from_secs(5);

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

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// One instance of `styrene.wasm`. Not shared between threads: give each
/// thread its own (instantiation takes microseconds).
pub struct Styrene<'r> {
    runtime: &'r Runtime,
    /// The directory granted to the component (its node store lives there).
    dir: Option<PathBuf>,
    store: Store<State>,
    bindings: crate::bindings::Styrene,
    /// Number of times the instance was replaced after a trap.
    pub recoveries: u64,
}

impl<'r> Styrene<'r> {
    pub(crate) fn new(runtime: &'r Runtime, dir: Option<PathBuf>) -> wasmtime::Result<Self> {
        let (store, bindings) = fresh(runtime, dir.as_deref())?;
        Ok(Self { runtime, dir, store, bindings, recoveries: 0 })
    }

    /// Runs one export call under the deadline; a trap replaces the instance.
    fn call<T>(
        &mut self,
        f: impl FnOnce(&crate::bindings::Styrene, &mut Store<State>) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        self.store.set_epoch_deadline(deadline_ticks(self.runtime, self.dir.as_deref()));
        match f(&self.bindings, &mut self.store) {
            Ok(value) => Ok(value),
            Err(trap) => {
                let limits = self.runtime.limits;
                let error = if let Some(requested) = self.store.data().limits.refused {
                    HostError::MemoryLimit { limit: limits.memory_bytes, requested }
                } else if trap.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
                    // epoch interruption is the only source of `Interrupt` here
                    HostError::Deadline(limits.call_deadline)
                } else {
                    HostError::Trap(format!("{trap:#}"))
                };
                let (store, bindings) = fresh(self.runtime, self.dir.as_deref())
                    .map_err(|e| HostError::Trap(format!("{error}; re-instantiation failed: {e:#}")))?;
                self.store = store;
                self.bindings = bindings;
                self.recoveries += 1;
                Err(error)
            }
        }
    }

    /// How many epoch ticks a call on this instance may run: the runtime's
    /// deadline, and for an instance with a directory also the time its node
    /// store may wait for another program's lock.
    pub fn deadline_ticks(&self) -> u64 {
        deadline_ticks(self.runtime, self.dir.as_deref())
    }

    /// `info.version`.
    pub fn version(&mut self) -> Result<String, HostError> {
        self.call(|b, s| b.styrene_core_info().call_version(s))
    }

    /// `info.world-name`.
    pub fn world_name(&mut self) -> Result<String, HostError> {
        self.call(|b, s| b.styrene_core_info().call_world_name(s))
    }

    /// `shortcuts.noop`: the bare cost of a call. Only the benches use it.
    pub fn noop(&mut self) -> Result<(), HostError> {
        self.call(|b, s| b.styrene_core_shortcuts().call_noop(s))
    }

    /// `shortcuts.echo`: what moving bytes in and out costs. Only the benches use it.
    pub fn echo(&mut self, data: &[u8]) -> Result<Vec<u8>, HostError> {
        self.call(|b, s| b.styrene_core_shortcuts().call_echo(s, data))
    }

    /// `wire.message-types`.
    pub fn message_types(&mut self) -> Result<Vec<MessageType>, HostError> {
        self.call(|b, s| b.styrene_core_wire().call_message_types(s))
    }

    /// `wire.decode-envelope`.
    pub fn decode_envelope(&mut self, data: &[u8]) -> Result<Envelope, HostError> {
        Ok(self.call(|b, s| b.styrene_core_wire().call_decode_envelope(s, data))??)
    }

    /// `wire.new-envelope`.
    pub fn new_envelope(
        &mut self,
        version: u8,
        message_type: u8,
        payload: &[u8],
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, HostError> {
        Ok(self.call(|b, s| {
            b.styrene_core_wire().call_new_envelope(s, version, message_type, payload, request_id)
        })??)
    }

    /// `wire.encode-envelope`.
    pub fn encode_envelope(&mut self, envelope: &Envelope) -> Result<Vec<u8>, HostError> {
        self.call(|b, s| b.styrene_core_wire().call_encode_envelope(s, envelope))
    }

    /// `wire.decode-payload`.
    pub fn decode_payload(&mut self, data: &[u8]) -> Result<Vec<ValueNode>, HostError> {
        Ok(self.call(|b, s| b.styrene_core_wire().call_decode_payload(s, data))??)
    }

    /// `wire.encode-payload`.
    pub fn encode_payload(&mut self, value: &[ValueNode]) -> Result<Vec<u8>, HostError> {
        Ok(self.call(|b, s| b.styrene_core_wire().call_encode_payload(s, value))??)
    }

    /// Any `nodes` function or `node-store` method, through the generated bindings.
    pub fn with_nodes<T>(
        &mut self,
        f: impl FnOnce(
            &crate::bindings::exports::styrene::core::nodes::Guest,
            &mut Store<State>,
        ) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        self.call(|b, s| f(b.styrene_core_nodes(), s))
    }

    /// Releases a resource this instance handed out (such as a `node-store`).
    pub fn drop_resource(&mut self, handle: wasmtime::component::ResourceAny) -> Result<(), HostError> {
        self.call(|_, s| handle.resource_drop(s))
    }

    /// A `pqc` export (primitives, the `session-service` resource), through the generated bindings.
    pub fn with_pqc<T>(
        &mut self,
        f: impl FnOnce(
            &crate::bindings::exports::styrene::core::pqc::Guest,
            &mut Store<State>,
        ) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        self.call(|b, s| f(b.styrene_core_pqc(), s))
    }

    /// A `gateway` export (the `bridge` resource), through the generated bindings.
    pub fn with_gateway<T>(
        &mut self,
        f: impl FnOnce(
            &crate::bindings::exports::styrene::core::gateway::Guest,
            &mut Store<State>,
        ) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        self.call(|b, s| f(b.styrene_core_gateway(), s))
    }

    /// An `rns` export (packets, announces, the `identity` resource), through the generated bindings.
    pub fn with_rns<T>(
        &mut self,
        f: impl FnOnce(
            &crate::bindings::exports::styrene::core::rns::Guest,
            &mut Store<State>,
        ) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        self.call(|b, s| f(b.styrene_core_rns(), s))
    }

    /// A `framing` export (deframers, framers, access codes), through the generated bindings.
    pub fn with_framing<T>(
        &mut self,
        f: impl FnOnce(
            &crate::bindings::exports::styrene::core::framing::Guest,
            &mut Store<State>,
        ) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        self.call(|b, s| f(b.styrene_core_framing(), s))
    }

    /// Any other `wire` export, through the generated bindings.
    pub fn with_wire<T>(
        &mut self,
        f: impl FnOnce(
            &crate::bindings::exports::styrene::core::wire::Guest,
            &mut Store<State>,
        ) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        self.call(|b, s| f(b.styrene_core_wire(), s))
    }
}

fn deadline_ticks(runtime: &Runtime, dir: Option<&Path>) -> u64 {
    let waiting = if dir.is_some() { LOCK_WAIT.as_millis() / crate::EPOCH_TICK.as_millis() } else { 0 };
    runtime.limits.deadline_ticks() + waiting as u64
}

fn fresh(
    runtime: &Runtime,
    dir: Option<&Path>,
) -> wasmtime::Result<(Store<State>, crate::bindings::Styrene)> {
    let inner =
        StoreLimitsBuilder::new().memory_size(runtime.limits.memory_bytes).trap_on_grow_failure(true).build();
    let limits = Limiter { inner, refused: None };
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
    let state =
        State { wasi: wasi.build(), table: ResourceTable::new(), limits, dir: dir.map(Path::to_path_buf) };
    let mut store = Store::new(runtime.engine(), state);
    store.limiter(|s| &mut s.limits);
    // instantiation runs guest code too, under the same deadline as a call
    store.set_epoch_deadline(deadline_ticks(runtime, dir));
    store.epoch_deadline_trap();
    let bindings = runtime.pre.instantiate(&mut store)?;
    Ok((store, bindings))
}

/// The WIT name of an error's case, e.g. `unknown-message-type`.
pub fn wire_code_name(error: &WireError) -> &'static str {
    use crate::wire::ErrorCode as C;
    match error.code {
        C::MessageTooShort => "message-too-short",
        C::InvalidPrefix => "invalid-prefix",
        C::UnsupportedVersion => "unsupported-version",
        C::UnknownMessageType => "unknown-message-type",
        C::V2TooShort => "v2-too-short",
        C::PayloadTooLarge => "payload-too-large",
        C::InvalidRequestId => "invalid-request-id",
        C::V1WithRequestId => "v1-with-request-id",
        C::PayloadDecode => "payload-decode",
        C::PayloadEncode => "payload-encode",
    }
}
