//! The component through the native host: golden vectors, bad input, traps,
//! the artifact cache and threads. Needs `styrene.wasm` built first
//! (`just build`); `STYRENE_WASM` overrides where it is looked for.

use serde_json::Value;
use std::path::PathBuf;
use std::sync::OnceLock;
use styrene_host::wire::{self, ErrorCode, ExtValue, TerminalRequest, Timestamp, ValueNode};
use styrene_host::{ComponentError, HostError, Limits, Runtime, Styrene};
use styrene_vectors::{hex, nodes, runs, section};
use styrene_wire::Node;

fn wasm_path() -> PathBuf {
    std::env::var_os("STYRENE_WASM").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/wasm32-wasip2/release/styrene.wasm")
    })
}

fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("component-cache")
}

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        Runtime::load(&wasm_path(), &cache_dir(), Limits::default()).expect("styrene.wasm loads")
    })
}

fn to_wit(node: Node) -> ValueNode {
    match node {
        Node::Nil => ValueNode::Nil,
        Node::Bool(b) => ValueNode::Boolean(b),
        Node::Int(v) => ValueNode::Integer(v),
        Node::Uint(v) => ValueNode::Unsigned(v),
        Node::Float(v) => ValueNode::Float(v),
        Node::Str(s) => ValueNode::Text(s),
        Node::Bin(b) => ValueNode::Binary(b),
        Node::Array(n) => ValueNode::Array(n),
        Node::Map(n) => ValueNode::Mapping(n),
        Node::Ext(type_code, data) => ValueNode::Ext(ExtValue { type_code, data }),
        Node::Timestamp { seconds, nanoseconds } => ValueNode::Timestamp(Timestamp { seconds, nanoseconds }),
    }
}

fn wit_nodes(tagged: &Value) -> Vec<ValueNode> {
    nodes(tagged).into_iter().map(to_wit).collect()
}

fn same(a: &[ValueNode], b: &[ValueNode]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (ValueNode::Float(p), ValueNode::Float(q)) => p.to_bits() == q.to_bits(),
            _ => x == y,
        })
}

fn class(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::MessageTooShort | ErrorCode::InvalidPrefix | ErrorCode::V2TooShort => "InvalidPrefixError",
        ErrorCode::UnsupportedVersion => "UnsupportedVersionError",
        ErrorCode::UnknownMessageType => "InvalidMessageTypeError",
        ErrorCode::PayloadDecode => "PayloadDecodeError",
        _ => "ValueError",
    }
}

fn expect_wire_error(case: &Value, got: wire::Error) {
    let wire::Error::Component(ComponentError { code, message }) = got else { panic!("{case}: {got}") };
    assert_eq!(class(code), case["error"]["class"], "{case}");
    assert_eq!(message, case["error"]["message"].as_str().unwrap(), "{case}");
}

#[test]
fn message_types_match() {
    let mut styrene = Styrene::new(runtime()).unwrap();
    let got: Vec<(String, u8)> =
        styrene.wire().message_types().unwrap().into_iter().map(|t| (t.name, t.value)).collect();
    let want: Vec<(String, u8)> = section("message_types")
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_owned(), t["value"].as_u64().unwrap() as u8))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn envelope_decode_vectors() {
    let mut styrene = Styrene::new(runtime()).unwrap();
    for case in section("envelope_decode") {
        let data = runs(&case["input"]);
        match styrene.wire().decode_envelope(&data) {
            Ok(env) => {
                let ok = &case["ok"];
                assert_eq!(env.version as u64, ok["version"].as_u64().unwrap());
                assert_eq!(env.message_type as u64, ok["message_type"].as_u64().unwrap());
                assert_eq!(
                    env.request_id.as_deref().map(hex::encode),
                    ok["request_id"].as_str().map(str::to_owned)
                );
                assert_eq!(env.payload.len() as u64, ok["payload_length"].as_u64().unwrap());
                assert_eq!(styrene.wire().encode_envelope(&env).unwrap(), data);
            }
            Err(e) => expect_wire_error(case, e),
        }
    }
}

#[test]
fn envelope_construct_vectors() {
    let mut styrene = Styrene::new(runtime()).unwrap();
    for case in section("envelope_construct") {
        let rid = case["request_id"].as_str().map(hex);
        let made = styrene.wire().new_envelope(
            case["version"].as_u64().unwrap() as u8,
            case["message_type"].as_u64().unwrap() as u8,
            &runs(&case["payload"]),
            rid.as_deref(),
        );
        match made {
            Ok(env) => {
                let mut want = runs(&case["encoded"]);
                if env.version == 2 && rid.is_none() {
                    want[13..29].copy_from_slice(env.request_id.as_deref().unwrap());
                }
                assert_eq!(styrene.wire().encode_envelope(&env).unwrap(), want, "{}", case["name"]);
            }
            Err(e) => expect_wire_error(case, e),
        }
    }
}

#[test]
fn payload_vectors() {
    let mut styrene = Styrene::new(runtime()).unwrap();
    for case in section("payload_decode") {
        match styrene.wire().decode_payload(&runs(&case["input"])) {
            Ok(got) => assert!(same(&got, &wit_nodes(&case["ok"])), "{}", case["name"]),
            Err(e) => expect_wire_error(case, e),
        }
    }
    for case in section("payload_encode") {
        let got = styrene.wire().encode_payload(&wit_nodes(&case["value"])).unwrap();
        assert!(got == runs(&case["encoded"]), "{}", case["name"]);
    }
}

#[test]
fn interop_fixtures() {
    let mut styrene = Styrene::new(runtime()).unwrap();
    for fixture in section("interop_fixtures") {
        let wire = hex(fixture["wire"].as_str().unwrap());
        let env = styrene.wire().decode_envelope(&wire).unwrap();
        assert_eq!(styrene.wire().encode_envelope(&env).unwrap(), wire);
        match styrene.wire().decode_payload(&env.payload) {
            Ok(value) => assert!(same(&value, &wit_nodes(&fixture["decoded_payload"]))),
            Err(e) => assert_eq!(
                e.to_string(),
                format!("payload-decode: {}", fixture["payload_error"]["message"].as_str().unwrap())
            ),
        }
    }
}

#[test]
fn create_vectors() {
    let mut styrene = Styrene::new(runtime()).unwrap();
    for case in section("create") {
        let made = create(&mut styrene, case["function"].as_str().unwrap(), &case["kwargs"]);
        match (made, case.get("error")) {
            (Ok(env), None) => {
                let want = &case["envelope"];
                assert_eq!(env.message_type as u64, want["message_type"].as_u64().unwrap(), "{case}");
                assert_eq!(hex::encode(&env.payload), want["payload"].as_str().unwrap(), "{case}");
                if want["request_id"] == "random" {
                    assert_eq!(env.request_id.as_ref().map(Vec::len), Some(16));
                } else {
                    assert_eq!(
                        hex::encode(styrene.wire().encode_envelope(&env).unwrap()),
                        case["encoded"].as_str().unwrap()
                    );
                }
            }
            (Err(e), Some(_)) => expect_wire_error(case, e),
            (got, _) => panic!("{case}: {got:?}"),
        }
    }
}

/// Calls a `create-*` export with styrened's keyword arguments and defaults.
fn create(s: &mut Styrene<'_>, function: &str, kw: &Value) -> Result<wire::Envelope, wire::Error> {
    let scalar = |k: &str| kw.get(k).map(|v| nodes(v).remove(0));
    let text = |k: &str| match scalar(k) {
        Some(Node::Str(s)) => Some(s),
        _ => None,
    };
    let int = |k: &str, default: i64| match scalar(k) {
        Some(Node::Int(v)) => v,
        _ => default,
    };
    let flag = |k: &str| scalar(k) == Some(Node::Bool(true));
    let bin = |k: &str| match scalar(k) {
        Some(Node::Bin(b)) => Some(b),
        _ => None,
    };
    let tree = |k: &str| wit_nodes(&kw[k]);
    let strs = |k: &str| -> Vec<String> {
        nodes(&kw[k]).into_iter().skip(1).map(|n| if let Node::Str(s) = n { s } else { panic!() }).collect()
    };
    let items = |k: &str| -> Vec<Vec<ValueNode>> {
        let array = nodes(&kw[k]);
        styrene_wire::msgpack::array_items(&array)
            .into_iter()
            .map(|item| item.iter().cloned().map(to_wit).collect())
            .collect()
    };
    let rid = bin("request_id");
    let rid = rid.as_deref();
    let session = bin("session_id");
    let session = session.as_deref();
    let mut w = s.wire();
    match function {
        "create_ping" => w.create_ping(rid),
        "create_pong" => w.create_pong(rid),
        "create_status_request" => w.create_status_request(rid),
        "create_status_response" => w.create_status_response(&tree("status_data"), rid),
        "create_chat" => w.create_chat(&text("message").unwrap(), rid),
        "create_announce" => w.create_announce(&tree("identity_data")),
        "create_error" => w.create_error(int("error_code", 0), &text("message").unwrap(), rid),
        "create_exec" => w.create_exec(&text("command").unwrap(), &strs("args"), rid),
        "create_exec_result" => {
            w.create_exec_result(int("exit_code", 0), &text("stdout").unwrap(), &text("stderr").unwrap(), rid)
        }
        "create_reboot" => w.create_reboot(int("delay", 0), rid),
        "create_reboot_result" => {
            let when = match scalar("scheduled_time") {
                Some(Node::Float(f)) => Some(f),
                _ => None,
            };
            w.create_reboot_result(flag("success"), &text("message").unwrap(), when, rid)
        }
        "create_config_update" => w.create_config_update(&tree("updates"), rid),
        "create_config_result" => {
            w.create_config_result(flag("success"), &text("message").unwrap(), &strs("updated_keys"), rid)
        }
        "create_self_update" => w.create_self_update(text("version").as_deref(), rid),
        "create_self_update_result" => w.create_self_update_result(
            flag("success"),
            &text("message").unwrap(),
            &text("old_version").unwrap(),
            text("new_version").as_deref(),
            rid,
        ),
        "create_provision" => w.create_provision(&text("adapter").unwrap(), rid),
        "create_provision_result" => w.create_provision_result(&tree("result"), rid),
        "create_inbox_query" => w.create_inbox_query(int("limit", 50), rid),
        "create_inbox_response" => w.create_inbox_response(&items("conversations"), rid),
        "create_messages_query" => {
            w.create_messages_query(&text("peer_hash").unwrap(), int("limit", 50), rid)
        }
        "create_messages_response" => w.create_messages_response(&items("messages"), rid),
        "create_terminal_request" => {
            let req = TerminalRequest {
                term_type: text("term_type").unwrap_or_else(|| "xterm-256color".into()),
                rows: int("rows", 24),
                cols: int("cols", 80),
                shell: text("shell"),
                command: text("command"),
                args: kw.get("args").map(|_| strs("args")),
            };
            w.create_terminal_request(&req, rid)
        }
        "create_terminal_accept" => w.create_terminal_accept(
            &text("link_destination").unwrap(),
            session,
            rid,
            text("identity_hash").as_deref(),
        ),
        "create_terminal_reject" => w.create_terminal_reject(&text("reason").unwrap(), int("code", 1), rid),
        "create_terminal_resize" => w.create_terminal_resize(int("rows", 0), int("cols", 0), session, rid),
        "create_terminal_signal" => w.create_terminal_signal(int("signal", 0), session, rid),
        "create_terminal_close" => w.create_terminal_close(session, rid),
        "create_terminal_closed" => {
            let reason = text("reason").unwrap_or_else(|| "exited".into());
            w.create_terminal_closed(int("exit_code", 0), &reason, session, rid)
        }
        "create_file_offer" => w.create_file_offer(
            &text("filename").unwrap(),
            int("size", 0),
            text("mime_type").as_deref(),
            text("checksum_sha256").as_deref(),
            rid,
        ),
        "create_file_accept" => w.create_file_accept(int("max_size", 0), rid),
        other => panic!("no helper {other}"),
    }
}

#[test]
fn random_bytes_never_trap() {
    // a fixed xorshift stream: reproducible, and enough to walk every decoder branch
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut styrene = Styrene::new(runtime()).unwrap();
    for round in 0..3000 {
        let len = (next() % 96) as usize;
        let mut data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if round % 3 == 0 {
            data.splice(0..0, b"styrene.io:\x02".iter().copied());
        }
        let errors =
            [styrene.wire().decode_envelope(&data).err(), styrene.wire().decode_payload(&data).err()];
        for e in errors.into_iter().flatten() {
            assert!(matches!(e, wire::Error::Component(_)), "input {} gave {e}", hex::encode(&data));
        }
    }
    assert_eq!(styrene.recoveries, 0);
}

#[test]
fn oversized_inputs_get_typed_errors() {
    let mut styrene = Styrene::new(runtime()).unwrap();
    let mut big = b"styrene.io:\x02\x24".to_vec();
    big.resize(1 << 20, 0xab);
    let Err(wire::Error::Component(e)) = styrene.wire().decode_envelope(&big) else {
        panic!("1 MiB envelope accepted")
    };
    assert_eq!(e.code, ErrorCode::PayloadTooLarge);
    assert_eq!(e.message, format!("payload too large: {} > 262144", (1 << 20) - 29));
    let Err(wire::Error::Component(e)) = styrene.wire().decode_payload(&big) else {
        panic!("1 MiB payload accepted")
    };
    assert_eq!(e.message, format!("Payload too large: {} > 262144", 1 << 20));
    assert_eq!(styrene.recoveries, 0);
}

#[test]
fn a_trap_is_reported_and_the_instance_replaced() {
    let limits = Limits { memory_bytes: 2 << 20, ..Limits::default() };
    let runtime = Runtime::load(&wasm_path(), &cache_dir(), limits).unwrap();
    let mut styrene = Styrene::new(&runtime).unwrap();
    let decode = |s: &mut Styrene<'_>, data: &[u8]| s.wire().decode_envelope(data);
    assert!(decode(&mut styrene, b"styrene.io:\x01\x01").is_ok());
    // the guest cannot allocate its 4 MiB argument under a 2 MiB cap
    let err = decode(&mut styrene, &vec![0u8; 4 << 20]).unwrap_err();
    assert!(matches!(err, wire::Error::Host(HostError::MemoryLimit { limit: 2097152, .. })), "{err}");
    assert_eq!(styrene.recoveries, 1);
    assert!(decode(&mut styrene, b"styrene.io:\x01\x01").is_ok());
}

#[test]
fn the_second_load_comes_from_the_cache() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let first = Runtime::load(&wasm_path(), &dir, Limits::default()).unwrap();
    assert!(!first.from_cache());
    let second = Runtime::load(&wasm_path(), &dir, Limits::default()).unwrap();
    assert!(second.from_cache());
    assert_eq!(first.artifact_path(), second.artifact_path());
    // replace the file (as a crash mid-copy would leave it), never truncate it in
    // place: the loaded runtimes map it
    let tmp = dir.join("corrupt.tmp");
    std::fs::write(&tmp, b"corrupt").unwrap();
    std::fs::rename(&tmp, second.artifact_path()).unwrap();
    let third = Runtime::load(&wasm_path(), &dir, Limits::default()).unwrap();
    assert!(!third.from_cache(), "a corrupt artifact is recompiled");
    assert!(Styrene::new(&third).unwrap().info().version().is_ok());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn instances_on_many_threads() {
    let runtime = runtime();
    std::thread::scope(|scope| {
        for t in 0..4u8 {
            scope.spawn(move || {
                let mut styrene = Styrene::new(runtime).unwrap();
                for i in 0..500u32 {
                    let payload = [0x91, (i % 100) as u8];
                    let env = styrene.wire().new_envelope(2, 0x20, &payload, Some(&[t; 16])).unwrap();
                    let bytes = styrene.wire().encode_envelope(&env).unwrap();
                    assert_eq!(styrene.wire().decode_envelope(&bytes).unwrap(), env);
                }
            });
        }
    });
}

#[test]
fn announce_parsing_through_the_component() {
    use styrene_host::nodes::DeviceType;
    let mut styrene = Styrene::new(runtime()).unwrap();
    let types = styrene.nodes().device_types().unwrap();
    let by_name = |name: &str| types.iter().find(|t| t.name == name).map(|t| t.device_type);
    assert_eq!(types.len(), 8);
    for case in styrene_vectors::nodes_section("parse") {
        let data = case["app_data"].as_str().map(hex);
        let hint: Option<DeviceType> = case["hint"].as_str().and_then(by_name);
        let got = styrene.nodes().parse_announce_data(data.as_deref(), hint).unwrap();
        assert_eq!(got.name, case["result"][0].as_str().unwrap(), "{}", case["name"]);
        assert_eq!(Some(got.device_type), by_name(case["result"][1].as_str().unwrap()), "{}", case["name"]);
    }
    let device = styrene
        .nodes()
        .create_mesh_device(&"ab".repeat(16), &"cd".repeat(16), Some(b"rnode:R"), 1, None)
        .unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((now - device.last_announce).abs() <= 2, "stamped by the host's wall clock");
    assert_eq!(device.name, "R");
}

#[test]
fn a_conversation_through_the_component() {
    use styrene_host::messages::{ConversationService, Draft};
    let (local, peer) = ("aa".repeat(16), "bb".repeat(16));
    let mut styrene = Styrene::new(runtime()).unwrap();
    let service = ConversationService::open_image(&mut styrene, &[], &local).unwrap();
    let draft = Draft {
        peer: peer.clone(),
        content: "hello".into(),
        timestamp: 1_764_000_000.0,
        title: None,
        fields: None,
        lxmf_hash: Some(vec![7; 32]),
        delivery_method: None,
        delivery_attempts: 0,
        signature_valid: Some(true),
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
    let id = service.save_incoming(&mut styrene, &draft).unwrap();
    let conversations = service.list_conversations(&mut styrene).unwrap();
    assert_eq!(conversations.len(), 1);
    assert_eq!((conversations[0].peer_hash.as_str(), conversations[0].unread_count), (peer.as_str(), 1));
    let messages = service.get_messages(&mut styrene, std::slice::from_ref(&peer), 50, None, None).unwrap();
    assert_eq!((messages[0].id, messages[0].content.as_deref()), (id, Some("hello")));
    assert_eq!(service.mark_read(&mut styrene, &[peer]).unwrap(), 1);
    assert_eq!(service.total_unread(&mut styrene).unwrap(), 0);
    // an image that is not a database is refused with the code and SQLite's words
    let err =
        ConversationService::open_image(&mut styrene, b"not a database, not at all", &local).unwrap_err();
    assert_eq!(err.code(), Some(styrene_host::messages::ErrorCode::NotADatabase), "{err}");
    assert!(err.to_string().starts_with("not-a-database: "), "{err}");
    service.release(&mut styrene).unwrap();
}
