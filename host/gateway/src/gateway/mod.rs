//! `styrene-gateway run`: a Reticulum transport node (or, with
//! `mode = "bridge"`, a bridge) for a Reticulum network. The host owns the
//! interfaces, the clock, threads and files; the component owns framing,
//! access codes, packet and announce checks, routing, and the node store.

pub mod config;
mod core;
mod engine;
mod links;
mod outbox;
mod paths;
mod registry;
mod status;

pub use config::Config;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use styrene_host::Runtime;

/// Depth of the relay's input channel: interface threads wait when it is full,
/// so a flood slows its sender instead of growing memory.
const CHANNEL_DEPTH: usize = 256;

/// Runs the gateway until `shutdown` is set (SIGTERM).
pub fn run(runtime: &Runtime, config: Config, shutdown: Arc<AtomicBool>) -> Result<(), String> {
    create_private_dir(&config.data_dir)?;
    let server = match config.status.listen {
        Some(addr) => {
            Some(tiny_http::Server::http(addr).map_err(|e| format!("status endpoint {addr}: {e}"))?)
        }
        None => None,
    };
    let links: Vec<_> = config.interfaces.iter().map(|i| (i.name.clone(), i.kind)).collect();
    let registry = registry::Registry::new(&links, config.mode);
    let (events, inbox) = std::sync::mpsc::sync_channel(CHANNEL_DEPTH);
    let settings = core::Settings {
        name: config.name.clone(),
        data_dir: config.data_dir.clone(),
        links: config.interfaces.clone(),
        announce: config.announce.clone(),
        mode: config.mode,
        limits: styrene_host::transport::Limits {
            paths: config.limits.paths,
            announces: 16_384,
            reverse: 65_536,
            links: config.limits.links,
            path_requests: 4_096,
            packet_hashes: config.limits.remembered_packets,
        },
    };
    let ctx = links::Context {
        events,
        registry: registry.clone(),
        shutdown: shutdown.clone(),
        queue_bytes: config.limits.queue_bytes,
        max_clients: config.limits.max_clients,
    };
    std::thread::scope(|scope| {
        if let Some(server) = server {
            let (registry, events, diag, shutdown) =
                (registry.clone(), ctx.events.clone(), config.status.diag_dir.clone(), &*shutdown);
            scope.spawn(move || status::serve(server, registry, events, diag, shutdown));
        }
        for (index, interface) in config.interfaces.iter().enumerate() {
            let (ctx, interface) = (ctx.clone(), interface.clone());
            std::thread::Builder::new()
                .name(format!("if-{}", interface.name))
                .spawn_scoped(scope, move || links::run(ctx, index, interface))
                .expect("spawning an interface thread");
        }
        drop(ctx);
        let result = core::run(runtime, settings, registry.clone(), inbox, &shutdown);
        // whatever ended the relay ends the interfaces too
        shutdown.store(true, Ordering::Relaxed);
        result
    })
}

fn create_private_dir(dir: &std::path::Path) -> Result<(), String> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))
}
