//! The status endpoint on localhost: `/status` (JSON), `/metrics`
//! (Prometheus text), `/nodes` (the node store as JSON), `/paths` (the
//! transport node's path table as JSON), and `/diag/` (the browser
//! diagnostics page, when its directory is configured).

use super::config::GatewayMode;
use super::core::Event;
use super::registry::Shared;
use serde_json::{Value, json};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, SyncSender};
use std::time::Duration;
use styrene_host::transport::Counters;
use tiny_http::{Header, Response, Server};

/// Serves until `shutdown` is set.
pub fn serve(
    server: Server,
    registry: Shared,
    events: SyncSender<Event>,
    diag: Option<PathBuf>,
    shutdown: &AtomicBool,
) {
    while !shutdown.load(Ordering::Relaxed) {
        let Ok(Some(request)) = server.recv_timeout(Duration::from_millis(250)) else { continue };
        let path = request.url().split('?').next().unwrap_or("/").to_owned();
        let response = match path.as_str() {
            "/status" => json_response(&status_json(&registry)),
            "/metrics" => text_response(&metrics(&registry), "text/plain; version=0.0.4"),
            "/nodes" => ask(&events, |reply| Event::Nodes { reply }),
            "/paths" => ask(&events, |reply| Event::Paths { reply }),
            "/" => text_response("styrene-gateway: /status /metrics /nodes /paths /diag/\n", "text/plain"),
            // the page's relative URLs need the slash
            "/diag" => Response::from_string("")
                .with_status_code(301)
                .with_header(Header::from_bytes("Location", "/diag/").expect("a valid header")),
            p if p.starts_with("/diag/") => diag_file(diag.as_deref(), &p["/diag".len()..]),
            _ => Response::from_string("not found\n").with_status_code(404),
        };
        let _ = request.respond(response);
    }
}

fn json_response(value: &Value) -> Response<std::io::Cursor<Vec<u8>>> {
    text_response(&serde_json::to_string_pretty(value).expect("JSON"), "application/json")
}

fn text_response(body: &str, content_type: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    Response::from_string(body)
        .with_header(Header::from_bytes("Content-Type", content_type).expect("a valid header"))
}

/// Asks the relay thread for a JSON document.
fn ask(
    events: &SyncSender<Event>,
    event: impl FnOnce(mpsc::Sender<Result<String, String>>) -> Event,
) -> Response<std::io::Cursor<Vec<u8>>> {
    let (reply, answer) = mpsc::channel();
    if events.send(event(reply)).is_err() {
        return Response::from_string("relay stopped\n").with_status_code(503);
    }
    match answer.recv_timeout(Duration::from_secs(5)) {
        Ok(Ok(json)) => text_response(&json, "application/json"),
        Ok(Err(e)) => Response::from_string(format!("{e}\n")).with_status_code(500),
        Err(_) => Response::from_string("relay busy\n").with_status_code(503),
    }
}

/// Resident and peak memory of this process, in bytes (Linux).
pub fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
            .map_or(0, |kib| kib * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The `/status` document.
pub fn status_json(registry: &Shared) -> Value {
    let r = registry.lock().expect("registry");
    let (rss, peak) = memory();
    let interfaces: Vec<Value> = r
        .links
        .iter()
        .map(|l| {
            let (tx_frames, tx_bytes) = l.sent();
            json!({
                "name": l.name,
                "type": format!("{:?}", l.kind),
                "state": l.state,
                "ports": l.outboxes.iter().map(|(name, o)| json!({"name": name, "queued_bytes": o.queued_bytes()})).collect::<Vec<_>>(),
                "rx_bytes": l.counters.rx_bytes,
                "rx_frames": l.counters.rx_frames,
                "tx_frames": tx_frames,
                "tx_bytes": tx_bytes,
                "announces_heard": l.counters.announces,
                "dropped": l.counters.dropped,
                "queue_dropped": l.queue_drops(),
                "reconnects": l.counters.reconnects,
                "announce_queue": l.announce_queue,
                "held_announces": l.held_announces,
            })
        })
        .collect();
    let transport = r.transport.as_ref().map(transport_json);
    json!({
        "version": env!("CARGO_PKG_VERSION"),
        "mode": match r.mode { GatewayMode::Transport => "transport", GatewayMode::Bridge => "bridge" },
        "transport": transport,
        "uptime_secs": r.started.elapsed().as_secs(),
        "identity_hash": r.identity_hash,
        "destination_hash": r.destination_hash,
        "relayed": r.relayed,
        "nodes_recorded": r.nodes_recorded,
        "announces_sent": r.announces_sent,
        "component": {"calls": r.component_calls, "recoveries": r.recoveries},
        "memory": {"rss_bytes": rss, "peak_rss_bytes": peak},
        "interfaces": interfaces,
    })
}

/// The transport node's counters, named as in the WIT record.
fn transport_json(c: &Counters) -> Value {
    json!({
        "received": c.received,
        "dropped": c.dropped,
        "paths_learnt": c.paths_learnt,
        "paths_restored": c.paths_restored,
        "paths_expired": c.paths_expired,
        "announces_sent": c.announces_sent,
        "announces_queued": c.announces_queued,
        "announces_queue_dropped": c.announces_queue_dropped,
        "announces_rate_blocked": c.announces_rate_blocked,
        "announces_held": c.announces_held,
        "announces_hold_dropped": c.announces_hold_dropped,
        "local_announces_sent": c.local_announces_sent,
        "path_requests_received": c.path_requests_received,
        "path_requests_answered": c.path_requests_answered,
        "path_requests_forwarded": c.path_requests_forwarded,
        "packets_forwarded": c.packets_forwarded,
        "proofs_returned": c.proofs_returned,
        "link_requests_forwarded": c.link_requests_forwarded,
        "link_proofs_forwarded": c.link_proofs_forwarded,
        "link_packets_forwarded": c.link_packets_forwarded,
        "evicted": c.evicted,
        "path_table_size": c.path_table_size,
        "link_table_size": c.link_table_size,
        "reverse_table_size": c.reverse_table_size,
        "parked_paths": c.parked_paths,
    })
}

/// The `/metrics` document.
pub fn metrics(registry: &Shared) -> String {
    use std::fmt::Write;
    let r = registry.lock().expect("registry");
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, samples: Vec<(String, u64)>| {
        let _ = writeln!(out, "# HELP styrene_gateway_{name} {help}\n# TYPE styrene_gateway_{name} {kind}");
        for (labels, value) in samples {
            let _ = writeln!(out, "styrene_gateway_{name}{labels} {value}");
        }
    };
    let per_link = |f: &dyn Fn(&super::registry::Link) -> u64| -> Vec<(String, u64)> {
        r.links.iter().map(|l| (format!("{{interface=\"{}\"}}", l.name), f(l))).collect()
    };
    metric("relayed_total", "counter", "Packets relayed.", vec![(String::new(), r.relayed)]);
    metric(
        "nodes_recorded_total",
        "counter",
        "Announces recorded in the node store.",
        vec![(String::new(), r.nodes_recorded)],
    );
    metric("announces_sent_total", "counter", "Own announces sent.", vec![(String::new(), r.announces_sent)]);
    metric(
        "component_calls_total",
        "counter",
        "Calls into the component.",
        vec![(String::new(), r.component_calls)],
    );
    metric(
        "component_recoveries_total",
        "counter",
        "Component traps recovered from.",
        vec![(String::new(), r.recoveries)],
    );
    metric("rx_bytes_total", "counter", "Bytes read per interface.", per_link(&|l| l.counters.rx_bytes));
    metric(
        "rx_frames_total",
        "counter",
        "Packets heard and relayed per interface.",
        per_link(&|l| l.counters.rx_frames),
    );
    metric("tx_frames_total", "counter", "Frames written per interface.", per_link(&|l| l.sent().0));
    metric(
        "queue_dropped_total",
        "counter",
        "Frames dropped from full queues.",
        per_link(&|l| l.queue_drops()),
    );
    metric(
        "reconnects_total",
        "counter",
        "Connections lost or failed.",
        per_link(&|l| l.counters.reconnects),
    );
    metric(
        "interface_up",
        "gauge",
        "1 while the interface is connected, listening or open.",
        per_link(&|l| u64::from(matches!(l.state.as_str(), "connected" | "listening" | "open"))),
    );
    let dropped = r
        .links
        .iter()
        .flat_map(|l| {
            l.counters
                .dropped
                .iter()
                .map(move |(reason, n)| (format!("{{interface=\"{}\",reason=\"{reason}\"}}", l.name), *n))
        })
        .collect();
    metric("dropped_total", "counter", "Frames not relayed, by reason.", dropped);
    if let Some(c) = &r.transport {
        let one = |v: u64| vec![(String::new(), v)];
        metric("paths", "gauge", "Paths in the transport node's table.", one(c.path_table_size.into()));
        metric("links", "gauge", "Links routed through the transport node.", one(c.link_table_size.into()));
        metric(
            "paths_learnt_total",
            "counter",
            "Paths learnt or replaced from announces.",
            one(c.paths_learnt),
        );
        metric(
            "paths_expired_total",
            "counter",
            "Paths expired or gone with their interface.",
            one(c.paths_expired),
        );
        metric(
            "announces_rebroadcast_total",
            "counter",
            "Announce rebroadcasts sent, once per interface.",
            one(c.announces_sent),
        );
        metric(
            "announces_capped_total",
            "counter",
            "Announce rebroadcasts held by an announce cap.",
            one(c.announces_queued),
        );
        metric(
            "announces_cap_dropped_total",
            "counter",
            "Queued announces dropped (queue full or too old).",
            one(c.announces_queue_dropped),
        );
        metric(
            "announces_held_total",
            "counter",
            "Announces held by ingress control.",
            one(c.announces_held),
        );
        metric("path_requests_total", "counter", "Path requests received.", one(c.path_requests_received));
        metric(
            "path_requests_answered_total",
            "counter",
            "Path requests answered from the path table.",
            one(c.path_requests_answered),
        );
        metric(
            "path_requests_forwarded_total",
            "counter",
            "Path requests forwarded for unknown destinations.",
            one(c.path_requests_forwarded),
        );
        metric(
            "packets_forwarded_total",
            "counter",
            "Packets forwarded along the path table.",
            one(c.packets_forwarded),
        );
        metric(
            "proofs_returned_total",
            "counter",
            "Proofs returned along the reverse table.",
            one(c.proofs_returned),
        );
        metric(
            "link_packets_forwarded_total",
            "counter",
            "Link requests, proofs and link packets forwarded.",
            one(c.link_requests_forwarded + c.link_proofs_forwarded + c.link_packets_forwarded),
        );
        metric("table_evictions_total", "counter", "Entries evicted from full tables.", one(c.evicted));
        metric(
            "announce_queue",
            "gauge",
            "Announces waiting for the interface's announce cap.",
            per_link(&|l| l.announce_queue),
        );
    }
    let (rss, _) = memory();
    metric("rss_bytes", "gauge", "Resident memory.", vec![(String::new(), rss)]);
    out
}

/// A file of the diagnostics page; only plain relative paths inside the directory.
fn diag_file(dir: Option<&Path>, rest: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    let Some(dir) = dir else {
        return Response::from_string("no diag_dir configured\n").with_status_code(404);
    };
    let rest = rest.trim_start_matches('/');
    let relative = Path::new(if rest.is_empty() { "index.html" } else { rest });
    if !relative.components().all(|c| matches!(c, Component::Normal(_))) {
        return Response::from_string("bad path\n").with_status_code(400);
    }
    let path = dir.join(relative);
    match std::fs::read(&path) {
        Ok(bytes) => {
            let kind = match path.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html; charset=utf-8",
                Some("js" | "mjs") => "text/javascript",
                Some("css") => "text/css",
                Some("wasm") => "application/wasm",
                Some("json") => "application/json",
                Some("png") => "image/png",
                Some("svg") => "image/svg+xml",
                _ => "application/octet-stream",
            };
            Response::from_data(bytes)
                .with_header(Header::from_bytes("Content-Type", kind).expect("a valid header"))
        }
        Err(_) => Response::from_string("not found\n").with_status_code(404),
    }
}
