//! Native host of `styrene.wasm` on the `wasmtime` crate.
//!
//! [`Runtime`] compiles the component once per machine (the precompiled
//! artifact is cached on disk, keyed by the wasm's SHA-256 and by wasmtime's
//! version and configuration) and owns the engine. [`Styrene`] is one instance
//! with its own store: no capabilities but randomness, clocks and at most one
//! directory (with locks on its files, so that the node store shares its
//! database with other SQLite programs); capped memory; an execution deadline on every call; and recovery
//! from a trap (the broken instance is dropped and a fresh one takes its place;
//! the caller gets [`HostError::MemoryLimit`], [`HostError::Deadline`] or
//! [`HostError::Trap`]).
//!
//! [`file_locks`] is public so that other linkers can offer the same import
//! (the `styrene-wasm-runner` binary does, for the component's own tests).
//! The gateway daemon and the command line are the `styrene-gateway` crate
//! (`host/gateway`), built on this library.

mod cache;
pub mod file_locks;
mod instance;
mod runtime;

pub use instance::{HostError, State, Styrene};
pub use runtime::{EPOCH_TICK, Limits, Runtime};

/// Typed bindings generated from `wit/` by `bindgen!`.
pub mod bindings {
    wasmtime::component::bindgen!({
        world: "styrene",
        path: "../wit",
        additional_derives: [PartialEq],
        with: { "styrene:core/file-locks.lockable-file": crate::file_locks::LockableFile },
    });
}

/// The typed values of `styrene:core/wire`, as the bindings generate them.
pub mod wire {
    pub use crate::bindings::exports::styrene::core::wire::{
        Envelope, ErrorCode, ExtValue, MessageType, TerminalRequest, Timestamp, ValueNode, WireError,
    };
}

pub use cache::default_dir as default_cache_dir;

/// The wasmtime version this host embeds.
pub const WASMTIME_VERSION: &str = wasmtime_environ::VERSION;
