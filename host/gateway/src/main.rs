//! `styrene-gateway`: the native host's command line.
//!
//! `run --config FILE` runs the gateway (a Reticulum transport node, or a
//! bridge); `paths` prints a running gateway's path table; `decode <hex|->`
//! decodes a Styrene envelope and its payload through the component; `info`
//! says which component is loaded and how; `nodes` reads the node store;
//! `pqc-peer` serves the PQC session service on stdin/stdout.

mod gateway;
mod nodes;
mod paths;
mod pqc;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use styrene_host::wire::ValueNode;
use styrene_host::{Limits, Runtime, Styrene};

const USAGE: &str = "usage: styrene-gateway [--component PATH] <command>

commands:
  run --config FILE                   run the gateway (see gateway.example.toml); stops on SIGTERM
  paths [--status ADDR]               a running gateway's path table, like `rnpath -t`
                                      (ADDR: its [status] listen address, default 127.0.0.1:4280)
  decode <hex|->                      decode a Styrene envelope (hex, or raw bytes on stdin) and its payload
  info                                component version, WIT world, imports, cache location and load time
  nodes list --db DIR                 every node in DIR/nodes.db, newest announce first
  nodes show HASH --db DIR            one node, by its destination hash
  nodes prune [--max-age SECS] --db DIR
                                      delete nodes not heard for SECS (default 30 days)
  pqc-peer                            the PQC session service as a peer on stdin/stdout (see src/pqc.rs)

The component is found at --component, else $STYRENE_WASM, else styrene.wasm beside
this binary, else the workspace build (target/wasm32-wasip2/release/styrene.wasm).";

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut component = None;
    if args.first().map(String::as_str) == Some("--component") && args.len() > 1 {
        component = Some(PathBuf::from(args.remove(1)));
        args.remove(0);
    }
    let result = match args.first().map(String::as_str) {
        Some("decode") if args.len() == 2 => decode(component, &args[1]),
        Some("info") if args.len() == 1 => info(component),
        Some("run") if args.len() == 3 && args[1] == "--config" => run(component, &args[2]),
        Some("pqc-peer") if args.len() == 1 => pqc::serve(load(component)),
        Some("paths") => match paths::parse(&args[1..]) {
            Some(status) => paths::run(status),
            None => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        },
        Some("nodes") => match nodes::parse(&args[1..]) {
            Some(command) => nodes::run(load(component), command),
            None => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn component_path(explicit: Option<PathBuf>) -> PathBuf {
    if let Some(path) = explicit.or_else(|| std::env::var_os("STYRENE_WASM").map(PathBuf::from)) {
        return path;
    }
    let beside = std::env::current_exe().ok().and_then(|exe| exe.parent().map(|d| d.join("styrene.wasm")));
    if let Some(path) = beside.filter(|p| p.is_file()) {
        return path;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/wasm32-wasip2/release/styrene.wasm")
}

pub(crate) fn load(component: Option<PathBuf>) -> Result<Runtime, Box<dyn std::error::Error>> {
    let path = component_path(component);
    Runtime::load(&path, &styrene_host::default_cache_dir(), Limits::default())
        .map_err(|e| format!("{e:#}").into())
}

fn decode(component: Option<PathBuf>, input: &str) -> Result<(), Box<dyn std::error::Error>> {
    let bytes = if input == "-" {
        let mut raw = Vec::new();
        std::io::stdin().read_to_end(&mut raw)?;
        raw
    } else {
        hex::decode(input.trim()).map_err(|e| format!("input is not hex: {e}"))?
    };
    let runtime = load(component)?;
    let mut styrene = Styrene::new(&runtime)?;
    let names = styrene.wire().message_types()?;
    let envelope = styrene.wire().decode_envelope(&bytes)?;
    let name = names.iter().find(|t| t.value == envelope.message_type).map_or("?", |t| t.name.as_str());
    println!("version:      {}", envelope.version);
    println!("message_type: {name} (0x{:02x})", envelope.message_type);
    match &envelope.request_id {
        Some(rid) => println!("request_id:   {}", hex::encode(rid)),
        None => println!("request_id:   none"),
    }
    println!("payload:      {} bytes {}", envelope.payload.len(), hex::encode(&envelope.payload));
    println!("re-encoded:   {}", hex::encode(styrene.wire().encode_envelope(&envelope)?));
    if envelope.payload.is_empty() {
        println!("decoded:      (empty)");
        return Ok(());
    }
    match styrene.wire().decode_payload(&envelope.payload) {
        Ok(nodes) => println!("decoded:      {}", render(&nodes)),
        Err(styrene_host::Error::Component(e)) => println!("decoded:      not MessagePack ({e})"),
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// Renders a value tree in Python's literal syntax, so it reads like styrened's output.
pub fn render(nodes: &[ValueNode]) -> String {
    fn one(nodes: &[ValueNode], at: &mut usize, out: &mut String) {
        let node = &nodes[*at];
        *at += 1;
        match node {
            ValueNode::Nil => out.push_str("None"),
            ValueNode::Boolean(b) => out.push_str(if *b { "True" } else { "False" }),
            ValueNode::Integer(v) => out.push_str(&v.to_string()),
            ValueNode::Unsigned(v) => out.push_str(&v.to_string()),
            ValueNode::Float(v) => out.push_str(&format!("{v:?}")),
            ValueNode::Text(s) => out.push_str(&styrene_wire::python_str_repr(s)),
            ValueNode::Binary(b) => out.push_str(&styrene_wire::python_bytes_repr(b)),
            ValueNode::Ext(e) => out.push_str(&format!("ExtType({}, {})", e.type_code, hex::encode(&e.data))),
            ValueNode::Timestamp(t) => out.push_str(&format!("Timestamp({}, {})", t.seconds, t.nanoseconds)),
            ValueNode::Array(n) => {
                out.push('[');
                for i in 0..*n {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    one(nodes, at, out);
                }
                out.push(']');
            }
            ValueNode::Mapping(n) => {
                out.push('{');
                for i in 0..*n {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    one(nodes, at, out);
                    out.push_str(": ");
                    one(nodes, at, out);
                }
                out.push('}');
            }
        }
    }
    let mut out = String::new();
    if !nodes.is_empty() {
        one(nodes, &mut 0, &mut out);
    }
    out
}

fn info(component: Option<PathBuf>) -> Result<(), Box<dyn std::error::Error>> {
    let path = component_path(component);
    let runtime = load(Some(path.clone()))?;
    let mut styrene = Styrene::new(&runtime)?;
    println!("component:    {}", path.display());
    println!("version:      {}", styrene.info().version()?);
    println!("world:        {}", styrene.info().world_name()?);
    println!("imports:      {}", runtime.imports().join(", "));
    println!("wasmtime:     {}", styrene_host::WASMTIME_VERSION);
    println!(
        "artifact:     {} ({})",
        runtime.artifact_path().display(),
        if runtime.from_cache() { "from cache" } else { "compiled now" }
    );
    println!("load time:    {:.2} ms", runtime.load_time().as_secs_f64() * 1e3);
    Ok(())
}

fn run(component: Option<PathBuf>, config: &str) -> Result<(), Box<dyn std::error::Error>> {
    let level =
        std::env::var("STYRENE_LOG").ok().and_then(|l| l.parse().ok()).unwrap_or(tracing::Level::INFO);
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_max_level(level).with_ansi(ansi).with_writer(std::io::stderr).init();
    let config = gateway::Config::load(std::path::Path::new(config))?;
    let shutdown = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, shutdown.clone())?;
    }
    let limits = Limits {
        memory_bytes: config.limits.memory_mib << 20,
        call_deadline: std::time::Duration::from_millis(config.limits.call_deadline_ms),
    };
    let path = component_path(component);
    let runtime =
        Runtime::load(&path, &styrene_host::default_cache_dir(), limits).map_err(|e| format!("{e:#}"))?;
    tracing::info!(component = %path.display(), load_ms = runtime.load_time().as_millis() as u64, "component loaded");
    gateway::run(&runtime, config, shutdown)?;
    tracing::info!("stopped");
    Ok(())
}
