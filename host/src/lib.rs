//! Native host of `styrene.wasm` on the `wasmtime` crate.
//!
//! [`Runtime`] compiles the component once per machine (the precompiled
//! artifact is cached on disk, keyed by the wasm's SHA-256 and by wasmtime's
//! version and configuration) and owns the engine. [`Styrene`] is one instance
//! with its own store ([`Styrene::new`], or [`Styrene::with_dir`] to grant it
//! a directory): no capabilities but randomness, clocks and at most one
//! directory (with locks on its files, so that the node store shares its
//! database with other SQLite programs); capped memory ([`Limits`]); an
//! execution deadline on every call; and recovery from a trap (the broken
//! instance is dropped and a fresh one takes its place; the caller gets
//! [`HostError::MemoryLimit`], [`HostError::Deadline`] or [`HostError::Trap`]).
//!
//! Each WIT interface has its own module, as wasmtime's WASI host has:
//! [`info`], [`wire`], [`nodes`], [`messages`], [`pqc`], [`framing`], [`rns`], [`gateway`], [`transport`]
//! and [`shortcuts`]. A module holds the interface's values, a view of the
//! instance with its functions (`styrene.wire().decode_envelope(..)`), its
//! resources as typed handles whose methods take the instance
//! (`NodeStore::open(&mut styrene, "nodes.db")`, then
//! `store.get_all_nodes(&mut styrene)`), and its [`Error`]: the component's
//! [`ComponentError`] (the interface's `error` record: a code, shown by its
//! WIT name, and the component's message) or the instance's [`HostError`].
//! A handle used after its instance was replaced gets
//! [`HostError::StaleHandle`]; a dropped handle's resource is released before
//! the instance's next call.
//!
//! [`file_locks`] is the component's one import beyond WASI; it is public so
//! that other linkers can offer it (the `styrene-wasm-runner` binary does, for
//! the component's own tests). The gateway daemon and the command line are
//! the `styrene-gateway` crate (`host/gateway`), built on this library.

mod cache;
mod error;
pub mod file_locks;
mod instance;
mod interfaces;
mod runtime;
mod state;

pub use error::{CaseName, ComponentError, Error, HostError};
pub use instance::Styrene;
pub use interfaces::{framing, gateway, info, messages, nodes, pqc, rns, shortcuts, transport, wire};
pub use runtime::Runtime;
pub use state::{EPOCH_TICK, Limits};

/// Typed bindings generated from `wit/` by `bindgen!`.
pub mod bindings {
    wasmtime::component::bindgen!({
        world: "styrene",
        path: "../wit",
        additional_derives: [PartialEq],
        with: { "styrene:core/file-locks.lockable-file": crate::file_locks::LockableFile },
    });
}

pub use cache::default_dir as default_cache_dir;

/// The wasmtime version this host embeds.
pub const WASMTIME_VERSION: &str = wasmtime_environ::VERSION;
