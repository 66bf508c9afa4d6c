//! Golden vectors produced by running styrened 0.18.0
//! (`tests/vectors/generate_wire.py`), embedded so that tests read them the
//! same way natively and inside wasmtime (where there is no filesystem).

use serde_json::Value;
use std::io::Read;
use std::sync::OnceLock;
use styrene_wire::Node;

const WIRE_GZ: &[u8] = include_bytes!("../../../tests/vectors/wire.json.gz");
const NODES_GZ: &[u8] = include_bytes!("../../../tests/vectors/nodes.json.gz");
const STORE_GZ: &[u8] = include_bytes!("../../../tests/vectors/store.json.gz");
const PQC_GZ: &[u8] = include_bytes!("../../../tests/vectors/pqc.json.gz");
const RNS_GZ: &[u8] = include_bytes!("../../../tests/vectors/rns.json.gz");
const MESSAGES_GZ: &[u8] = include_bytes!("../../../tests/vectors/messages.json.gz");
const ATTACHMENTS_GZ: &[u8] = include_bytes!("../../../tests/vectors/attachments.json.gz");
const TRANSPORT_GZ: &[u8] = include_bytes!("../../../tests/vectors/transport.json.gz");

fn parse(gz: &[u8]) -> Value {
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz).read_to_string(&mut text).expect("vectors are gzip");
    serde_json::from_str(&text).expect("vectors are JSON")
}

/// The parsed `wire.json.gz`.
pub fn wire() -> &'static Value {
    static WIRE: OnceLock<Value> = OnceLock::new();
    WIRE.get_or_init(|| parse(WIRE_GZ))
}

/// The parsed `nodes.json.gz`.
pub fn nodes_vectors() -> &'static Value {
    static NODES: OnceLock<Value> = OnceLock::new();
    NODES.get_or_init(|| parse(NODES_GZ))
}

/// The parsed `store.json.gz`.
pub fn store_vectors() -> &'static Value {
    static STORE: OnceLock<Value> = OnceLock::new();
    STORE.get_or_init(|| parse(STORE_GZ))
}

/// The parsed `pqc.json.gz` (`tests/vectors/generate_pqc.py`).
pub fn pqc_vectors() -> &'static Value {
    static PQC: OnceLock<Value> = OnceLock::new();
    PQC.get_or_init(|| parse(PQC_GZ))
}

/// The parsed `messages.json.gz` (`tests/vectors/generate_messages.py`).
pub fn messages_vectors() -> &'static Value {
    static MESSAGES: OnceLock<Value> = OnceLock::new();
    MESSAGES.get_or_init(|| parse(MESSAGES_GZ))
}

/// The parsed `rns.json.gz` (`tests/vectors/generate_rns.py`, from RNS 1.5.7).
pub fn rns_vectors() -> &'static Value {
    static RNS: OnceLock<Value> = OnceLock::new();
    RNS.get_or_init(|| parse(RNS_GZ))
}

/// The parsed `attachments.json.gz` (`tests/vectors/generate_attachments.py`).
pub fn attachments_vectors() -> &'static Value {
    static ATTACHMENTS: OnceLock<Value> = OnceLock::new();
    ATTACHMENTS.get_or_init(|| parse(ATTACHMENTS_GZ))
}

/// The parsed `transport.json.gz` (`tests/vectors/generate_transport.py`,
/// from RNS 1.5.7's transport).
pub fn transport_vectors() -> &'static Value {
    static TRANSPORT: OnceLock<Value> = OnceLock::new();
    TRANSPORT.get_or_init(|| parse(TRANSPORT_GZ))
}

/// The cases of one section of the RNS vectors, e.g. `"announces"`.
pub fn rns_section(name: &str) -> &'static [Value] {
    rns_vectors()[name].as_array().unwrap_or_else(|| panic!("no section {name}"))
}

/// The cases of one section of the wire vectors, e.g. `"payload_decode"`.
pub fn section(name: &str) -> &'static [Value] {
    wire()[name].as_array().unwrap_or_else(|| panic!("no section {name}"))
}

/// The cases of one section of the node vectors, e.g. `"parse"`.
pub fn nodes_section(name: &str) -> &'static [Value] {
    nodes_vectors()[name].as_array().unwrap_or_else(|| panic!("no section {name}"))
}

/// Bytes from `[["<hex>", repeat], ...]` runs.
pub fn runs(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    for run in value.as_array().expect("runs") {
        let chunk = hex(run[0].as_str().expect("run hex"));
        for _ in 0..run[1].as_u64().expect("run count") {
            out.extend_from_slice(&chunk);
        }
    }
    out
}

/// Lowercase hex of bytes.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes from a hex string.
pub fn hex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex")).collect()
}

/// A value's flat list of tagged nodes as [`Node`]s.
pub fn nodes(tagged: &Value) -> Vec<Node> {
    tagged.as_array().expect("tagged nodes").iter().map(node).collect()
}

fn node(tagged: &Value) -> Node {
    let parts = tagged.as_array().expect("tagged node");
    let count = || parts[1].as_u64().expect("count") as u32;
    match parts[0].as_str().expect("tag") {
        "nil" => Node::Nil,
        "bool" => Node::Bool(parts[1].as_bool().expect("bool")),
        "int" => {
            let text = parts[1].as_str().expect("int text");
            text.parse::<i64>().map(Node::Int).unwrap_or_else(|_| Node::Uint(text.parse().expect("u64")))
        }
        "float" => Node::Float(f64::from_bits(
            u64::from_str_radix(parts[1].as_str().expect("bits"), 16).expect("hex"),
        )),
        "str" => Node::Str(parts[1].as_str().expect("str").to_owned()),
        "bin" => Node::Bin(hex(parts[1].as_str().expect("bin"))),
        "array" => Node::Array(count()),
        "map" => Node::Map(count()),
        "ext" => Node::Ext(parts[1].as_i64().expect("code") as i8, hex(parts[2].as_str().expect("data"))),
        "timestamp" => Node::Timestamp {
            seconds: parts[1].as_i64().expect("seconds"),
            nanoseconds: parts[2].as_u64().expect("nanoseconds") as u32,
        },
        other => panic!("unknown tag {other}"),
    }
}

/// Whether two node lists are equal, with NaN equal to NaN (bit-exact floats).
pub fn same_nodes(a: &[Node], b: &[Node]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Node::Float(p), Node::Float(q)) => p.to_bits() == q.to_bits(),
            _ => x == y,
        })
}

/// The styrened exception class a wire error code is raised as.
pub fn python_class(code: styrene_wire::ErrorCode) -> &'static str {
    use styrene_wire::ErrorCode as C;
    match code {
        C::MessageTooShort | C::InvalidPrefix | C::V2TooShort => "InvalidPrefixError",
        C::UnsupportedVersion => "UnsupportedVersionError",
        C::UnknownMessageType => "InvalidMessageTypeError",
        C::PayloadDecode => "PayloadDecodeError",
        C::PayloadTooLarge | C::InvalidRequestId | C::V1WithRequestId | C::PayloadEncode => "ValueError",
    }
}
