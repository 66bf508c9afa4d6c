//! The conversation service: the native library (styrene-store on rusqlite)
//! vs the component in the Rust host, on copies of the corpus that
//! `python-host/bench/bench_messages.py --corpus` builds (100,000 messages over
//! 500 peers, named by `STYRENE_BENCH_CORPUS`). `just bench` runs it between
//! building the corpus and the Python bench, which prints these figures in
//! one table with styrened's and the Python host's: this writes them to the
//! file named by `STYRENE_BENCH_OUT` (JSON). Per-call figures are means (µs)
//! over the same number of calls as the Python bench; nothing asserts a time.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use styrene_host::messages::{ConversationService, Draft};
use styrene_host::{Limits, Runtime, Styrene};
use styrene_store::messages as native;

const LOCAL: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const PEERS: usize = 500;
const SAVES: usize = 300;
const PAGES: usize = 300;
const SEARCHES: usize = 200;
const READS: usize = 100;
const DELETES: usize = 20;

fn peer(i: usize) -> String {
    format!("{i:032x}")
}

/// Seconds per call of each call in `calls`.
fn each(count: usize, mut call: impl FnMut(usize)) -> Vec<f64> {
    (0..count)
        .map(|i| {
            let start = Instant::now();
            call(i);
            start.elapsed().as_secs_f64()
        })
        .collect()
}

fn mean_us(times: &[f64]) -> f64 {
    times.iter().sum::<f64>() / times.len() as f64 * 1e6
}

fn median_us(times: &[f64]) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2] * 1e6
}

/// The searches: words and two-word phrases taken from the corpus's own messages.
fn queries(corpus: &Path) -> Vec<(&'static str, Vec<String>)> {
    let conn = rusqlite::Connection::open(corpus).unwrap();
    let mut stmt = conn.prepare("SELECT content FROM messages WHERE id % 487 = 0 LIMIT ?").unwrap();
    let texts: Vec<String> =
        stmt.query_map([SEARCHES as i64], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
    let words: Vec<String> = texts.iter().map(|t| t.split(' ').next().unwrap().to_owned()).collect();
    vec![
        ("a word", words.clone()),
        ("a prefix term*", words.iter().map(|w| format!("{}*", &w[..w.len().min(3)])).collect()),
        (
            "a phrase",
            texts
                .iter()
                .map(|t| format!("\"{}\"", t.split(' ').take(2).collect::<Vec<_>>().join(" ")))
                .collect(),
        ),
    ]
}

/// What both implementations are measured on, behind one interface.
trait Service {
    fn save(&mut self, draft: &Draft);
    fn list(&mut self);
    fn page(&mut self, peer: &str);
    fn search(&mut self, query: &str);
    fn read(&mut self, peer: &str);
    fn delete(&mut self, peer: &str);
}

struct Native(native::ConversationService);

impl Service for Native {
    fn save(&mut self, d: &Draft) {
        let draft = native::Draft {
            peer: d.peer.clone(),
            content: d.content.clone(),
            timestamp: d.timestamp,
            ..Default::default()
        };
        self.0.save_incoming(&draft).unwrap();
    }
    fn list(&mut self) {
        self.0.list_conversations().unwrap();
    }
    fn page(&mut self, peer: &str) {
        self.0.get_messages(&[peer.to_owned()], 50, None, None).unwrap();
    }
    fn search(&mut self, query: &str) {
        self.0.search_messages(query, None, 50).unwrap();
    }
    fn read(&mut self, peer: &str) {
        self.0.mark_read(&[peer.to_owned()]).unwrap();
    }
    fn delete(&mut self, peer: &str) {
        self.0.delete_conversation(&[peer.to_owned()]).unwrap();
    }
}

struct Component<'r> {
    styrene: Styrene<'r>,
    service: ConversationService,
}

impl Service for Component<'_> {
    fn save(&mut self, draft: &Draft) {
        self.service.save_incoming(&mut self.styrene, draft).unwrap();
    }
    fn list(&mut self) {
        self.service.list_conversations(&mut self.styrene).unwrap();
    }
    fn page(&mut self, peer: &str) {
        self.service.get_messages(&mut self.styrene, &[peer.to_owned()], 50, None, None).unwrap();
    }
    fn search(&mut self, query: &str) {
        self.service.search_messages(&mut self.styrene, query, None, 50).unwrap();
    }
    fn read(&mut self, peer: &str) {
        self.service.mark_read(&mut self.styrene, &[peer.to_owned()]).unwrap();
    }
    fn delete(&mut self, peer: &str) {
        self.service.delete_conversation(&mut self.styrene, &[peer.to_owned()]).unwrap();
    }
}

/// The Python bench's workload, in its order and with its row names.
fn run(
    service: &mut dyn Service,
    queries: &[(&str, Vec<String>)],
) -> serde_json::Map<String, serde_json::Value> {
    let mut rows = serde_json::Map::new();
    let saves = each(SAVES, |i| {
        let draft = Draft {
            peer: peer(i % PEERS),
            content: format!("benchmark message {i}"),
            timestamp: 1_700_000_000.0 + i as f64,
            title: None,
            fields: None,
            lxmf_hash: None,
            delivery_method: None,
            delivery_attempts: 0,
            signature_valid: None,
            transport_encrypted: None,
            thread_id: None,
            reply_to_hash: None,
            has_attachment: false,
            attachment_type: None,
            attachment_name: None,
            attachment_size: None,
            attachment_mime: None,
            attachment_path: None,
        };
        service.save(&draft);
    });
    rows.insert("save_incoming_message".into(), mean_us(&saves).into());
    let lists = each(3, |_| service.list());
    rows.insert(
        "list_conversations (ms)".into(),
        (lists.iter().copied().fold(f64::MAX, f64::min) * 1e3).into(),
    );
    let pages = each(PAGES, |i| service.page(&peer((i * 7919) % PEERS)));
    rows.insert("get_messages(peer, 50)".into(), mean_us(&pages).into());
    for (kind, qs) in queries {
        let times = each(qs.len(), |i| service.search(&qs[i]));
        rows.insert(format!("search_messages, {kind}"), mean_us(&times).into());
        rows.insert(format!("search p50, {kind}"), median_us(&times).into());
    }
    let reads = each(READS, |i| service.read(&peer(i)));
    rows.insert("mark_read".into(), mean_us(&reads).into());
    let deletes = each(DELETES, |i| service.delete(&peer(PEERS - 1 - i)));
    rows.insert("delete_conversation".into(), mean_us(&deletes).into());
    rows
}

fn copy_to(corpus: &Path, dir: &Path) -> PathBuf {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("messages.db");
    std::fs::copy(corpus, &path).unwrap();
    path
}

fn main() {
    let Some(corpus) = std::env::var_os("STYRENE_BENCH_CORPUS").map(PathBuf::from) else {
        eprintln!("STYRENE_BENCH_CORPUS names no corpus (`just bench` builds it): nothing to measure");
        return;
    };
    let wasm = std::env::var_os("STYRENE_WASM").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/wasm32-wasip2/release/styrene.wasm")
    });
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let queries = queries(&corpus);

    let started = Instant::now();
    let store = native::MessageStore::open(&copy_to(&corpus, &tmp.join("messages-native"))).unwrap();
    let mut natively = Native(native::ConversationService::new(store, LOCAL).unwrap());
    let native_open = started.elapsed();
    let mut native_rows = run(&mut natively, &queries);
    native_rows.insert("open (ms)".into(), (native_open.as_secs_f64() * 1e3).into());

    // the message store's page cache (styrene-store's CACHE_MIB) on top of a call's own needs
    let limits = Limits { memory_bytes: 160 << 20, call_deadline: Duration::from_secs(5) };
    let runtime = Runtime::load(&wasm, &tmp.join("bench-cache"), limits).unwrap();
    let dir = tmp.join("messages-component");
    copy_to(&corpus, &dir);
    let started = Instant::now();
    let mut styrene = Styrene::with_dir(&runtime, &dir).unwrap();
    let service = ConversationService::open(&mut styrene, "messages.db", LOCAL).unwrap();
    let component_open = started.elapsed();
    let mut component = Component { styrene, service };
    let mut component_rows = run(&mut component, &queries);
    component_rows.insert("open (ms)".into(), (component_open.as_secs_f64() * 1e3).into());

    println!("conversations ({}): native / component in the Rust host", corpus.display());
    for (row, n) in &native_rows {
        println!("  {row:34} {:>11.1} {:>11.1}", n.as_f64().unwrap(), component_rows[row].as_f64().unwrap());
    }
    if let Some(out) = std::env::var_os("STYRENE_BENCH_OUT") {
        let report = serde_json::json!({"native": native_rows, "component": component_rows});
        std::fs::write(out, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    }
}
