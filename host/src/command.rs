//! Running a WASI command component: the runner behind
//! `cargo test --target wasm32-wasip2`, so the component's own tests run
//! inside the same wasmtime the gateway embeds.

use std::path::Path;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxView, WasiView};

struct CommandState {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for CommandState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// Runs `wasm` with `args` (args[0] is the program name), inherited stdio and
/// the current directory preopened read-only as `.`. Returns its exit code.
pub fn run_command(wasm: &Path, args: &[String]) -> wasmtime::Result<u8> {
    let mut config = Config::new();
    config.concurrency_support(false);
    let engine = Engine::new(&config)?;
    let component = Component::from_file(&engine, wasm)?;
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    // the tests open no file-backed store, so they need no file locks: any
    // import beyond WASI traps if called
    linker.define_unknown_imports_as_traps(&component)?;
    let mut wasi = WasiCtx::builder();
    wasi.inherit_stdio().args(args);
    wasi.preopened_dir(".", ".", FsPerms::ReadOnly)?;
    let state = CommandState { wasi: wasi.build(), table: ResourceTable::new() };
    let mut store = Store::new(&engine, state);
    let command = Command::instantiate(&mut store, &component, &linker)?;
    Ok(match command.wasi_cli_run().call_run(&mut store)? {
        Ok(()) => 0,
        Err(()) => 1,
    })
}
