//! `styrene-wasm-runner FILE ARGS...`: runs a WASI command component inside
//! the same wasmtime the native host embeds, with the host's `file-locks`
//! import. It is the runner behind `cargo test --target wasm32-wasip2`
//! (`.cargo/config.toml`), so the component's own tests run there.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use styrene_host::file_locks::{self, FileLocks};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxView, WasiView};

const USAGE: &str = "usage: styrene-wasm-runner FILE [ARGS...]
runs the WASI command component FILE (the wasm32-wasip2 test runner)";

fn main() -> ExitCode {
    // the component sees FILE as its program name, then ARGS
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(wasm) = args.first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    match run_command(&PathBuf::from(wasm), &args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

struct CommandState {
    wasi: WasiCtx,
    table: ResourceTable,
    /// The directory preopened as `.`, where its files may be locked too.
    dir: PathBuf,
}

impl CommandState {
    fn file_locks(&mut self) -> FileLocks<'_> {
        FileLocks { dir: Some(&self.dir), table: &mut self.table }
    }
}

impl WasiView for CommandState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// Runs `wasm` with `args` (`args[0]` is the program name), inherited stdio and
/// the current directory preopened read-only as `.`. Returns its exit code.
fn run_command(wasm: &Path, args: &[String]) -> wasmtime::Result<u8> {
    let mut config = Config::new();
    config.concurrency_support(false);
    let engine = Engine::new(&config)?;
    let component = Component::from_file(&engine, wasm)?;
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    file_locks::add_to_linker(&mut linker, CommandState::file_locks)?;
    let mut wasi = WasiCtx::builder();
    wasi.inherit_stdio().args(args);
    wasi.preopened_dir(".", ".", FsPerms::ReadOnly)?;
    let state = CommandState { wasi: wasi.build(), table: ResourceTable::new(), dir: PathBuf::from(".") };
    let mut store = Store::new(&engine, state);
    let command = Command::instantiate(&mut store, &component, &linker)?;
    Ok(match command.wasi_cli_run().call_run(&mut store)? {
        Ok(()) => 0,
        Err(()) => 1,
    })
}
