//! The envelopes styrened's 30 `create_*` helpers produce, byte for byte.
//!
//! Payload maps keep styrened's key order (it is part of the bytes). Request-id
//! rules: **auto** passes the id through (none → a fresh random id), **zero**
//! turns a missing or empty id into `NO_CORRELATION`, **none** always uses
//! `NO_CORRELATION`.

use crate::msgpack::{Node, write_array_header, write_int, write_map_header, write_node, write_str};
use crate::{Envelope, MessageType, NO_CORRELATION, REQUEST_ID_LENGTH, STYRENE_VERSION, WireError};

/// Where a fresh request id comes from (the component asks `wasi:random`).
pub type FreshId<'a> = &'a mut dyn FnMut() -> [u8; REQUEST_ID_LENGTH];

/// A payload value in a helper's map.
enum Field<'a> {
    Str(&'a str),
    Int(i64),
    Bool(bool),
    Float(f64),
    OptStr(Option<&'a str>),
    Strs(&'a [String]),
    Tree(&'a [Node]),
    Trees(&'a [Vec<Node>]),
}

fn map(fields: &[(&str, Option<Field<'_>>)]) -> Vec<u8> {
    let present: Vec<_> = fields.iter().filter_map(|(k, v)| v.as_ref().map(|v| (k, v))).collect();
    let mut out = Vec::new();
    write_map_header(&mut out, present.len());
    for (key, value) in present {
        write_str(&mut out, key);
        match value {
            Field::Str(s) => write_str(&mut out, s),
            Field::Int(v) => write_int(&mut out, *v),
            Field::Bool(b) => write_node(&mut out, &Node::Bool(*b)),
            Field::Float(f) => write_node(&mut out, &Node::Float(*f)),
            Field::OptStr(None) => write_node(&mut out, &Node::Nil),
            Field::OptStr(Some(s)) => write_str(&mut out, s),
            Field::Strs(items) => {
                write_array_header(&mut out, items.len());
                items.iter().for_each(|s| write_str(&mut out, s));
            }
            Field::Tree(nodes) => out.extend(tree(nodes)),
            Field::Trees(trees) => {
                write_array_header(&mut out, trees.len());
                trees.iter().for_each(|t| out.extend(tree(t)));
            }
        }
    }
    out
}

fn tree(nodes: &[Node]) -> Vec<u8> {
    let mut out = Vec::new();
    nodes.iter().for_each(|n| write_node(&mut out, n));
    out
}

/// Checks a caller-built tree once, so the helpers can splice it in unchecked.
fn checked(nodes: &[Node]) -> Result<&[Node], WireError> {
    crate::encode_payload(nodes).map(|_| nodes)
}

fn auto(
    t: MessageType,
    payload: Vec<u8>,
    rid: Option<Vec<u8>>,
    fresh: FreshId<'_>,
) -> Result<Envelope, WireError> {
    Envelope::new(STYRENE_VERSION, t.value, payload, rid, fresh)
}

fn zero(t: MessageType, payload: Vec<u8>, rid: Option<Vec<u8>>) -> Result<Envelope, WireError> {
    let rid = rid.filter(|r| !r.is_empty()).unwrap_or_else(|| NO_CORRELATION.to_vec());
    Envelope::new(STYRENE_VERSION, t.value, payload, Some(rid), || NO_CORRELATION)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `create_ping(request_id=None)`: PING, auto id, empty payload.
pub fn create_ping(rid: Option<Vec<u8>>, fresh: FreshId<'_>) -> Result<Envelope, WireError> {
    auto(MessageType::PING, vec![], rid, fresh)
}

/// `create_pong(request_id=None)`: PONG, zero id, empty payload.
pub fn create_pong(rid: Option<Vec<u8>>) -> Result<Envelope, WireError> {
    zero(MessageType::PONG, vec![], rid)
}

/// `create_status_request(request_id=None)`: auto id, empty payload.
pub fn create_status_request(rid: Option<Vec<u8>>, fresh: FreshId<'_>) -> Result<Envelope, WireError> {
    auto(MessageType::STATUS_REQUEST, vec![], rid, fresh)
}

/// `create_status_response(status_data, request_id=None)`: the value as given, zero id.
pub fn create_status_response(status: &[Node], rid: Option<Vec<u8>>) -> Result<Envelope, WireError> {
    zero(MessageType::STATUS_RESPONSE, tree(checked(status)?), rid)
}

/// `create_chat(message, request_id=None)`: `{"text"}`, zero id.
pub fn create_chat(message: &str, rid: Option<Vec<u8>>) -> Result<Envelope, WireError> {
    zero(MessageType::CHAT, map(&[("text", Some(Field::Str(message)))]), rid)
}

/// `create_announce(identity_data)`: the value as given, always `NO_CORRELATION`.
pub fn create_announce(identity: &[Node]) -> Result<Envelope, WireError> {
    zero(MessageType::ANNOUNCE, tree(checked(identity)?), None)
}

/// `create_error(error_code, message, request_id=None)`: `{"code","message"}`, zero id.
pub fn create_error(code: i64, message: &str, rid: Option<Vec<u8>>) -> Result<Envelope, WireError> {
    let payload = map(&[("code", Some(Field::Int(code))), ("message", Some(Field::Str(message)))]);
    zero(MessageType::ERROR, payload, rid)
}

/// `create_exec(command, args, request_id=None)`: `{"command","args"}`, auto id.
pub fn create_exec(
    command: &str,
    args: &[String],
    rid: Option<Vec<u8>>,
    fresh: FreshId<'_>,
) -> Result<Envelope, WireError> {
    let payload = map(&[("command", Some(Field::Str(command))), ("args", Some(Field::Strs(args)))]);
    auto(MessageType::EXEC, payload, rid, fresh)
}

/// `create_exec_result(exit_code, stdout, stderr, request_id=None)`: zero id.
pub fn create_exec_result(
    exit_code: i64,
    stdout: &str,
    stderr: &str,
    rid: Option<Vec<u8>>,
) -> Result<Envelope, WireError> {
    let payload = map(&[
        ("exit_code", Some(Field::Int(exit_code))),
        ("stdout", Some(Field::Str(stdout))),
        ("stderr", Some(Field::Str(stderr))),
    ]);
    zero(MessageType::EXEC_RESULT, payload, rid)
}

/// `create_reboot(delay=0, request_id=None)`: `{"delay"}`, auto id.
pub fn create_reboot(delay: i64, rid: Option<Vec<u8>>, fresh: FreshId<'_>) -> Result<Envelope, WireError> {
    auto(MessageType::REBOOT, map(&[("delay", Some(Field::Int(delay)))]), rid, fresh)
}

/// `create_reboot_result(success, message, scheduled_time=None, request_id=None)`: zero id.
pub fn create_reboot_result(
    success: bool,
    message: &str,
    scheduled_time: Option<f64>,
    rid: Option<Vec<u8>>,
) -> Result<Envelope, WireError> {
    let payload = map(&[
        ("success", Some(Field::Bool(success))),
        ("message", Some(Field::Str(message))),
        ("scheduled_time", scheduled_time.map(Field::Float)),
    ]);
    zero(MessageType::REBOOT_RESULT, payload, rid)
}

/// `create_config_update(updates, request_id=None)`: `{"updates"}`, auto id.
pub fn create_config_update(
    updates: &[Node],
    rid: Option<Vec<u8>>,
    fresh: FreshId<'_>,
) -> Result<Envelope, WireError> {
    let payload = map(&[("updates", Some(Field::Tree(checked(updates)?)))]);
    auto(MessageType::CONFIG_UPDATE, payload, rid, fresh)
}

/// `create_config_result(success, message, updated_keys, request_id=None)`: zero id.
pub fn create_config_result(
    success: bool,
    message: &str,
    updated_keys: &[String],
    rid: Option<Vec<u8>>,
) -> Result<Envelope, WireError> {
    let payload = map(&[
        ("success", Some(Field::Bool(success))),
        ("message", Some(Field::Str(message))),
        ("updated_keys", Some(Field::Strs(updated_keys))),
    ]);
    zero(MessageType::CONFIG_RESULT, payload, rid)
}

/// `create_self_update(version=None, request_id=None)`: `{"version": str|nil}`, auto id.
pub fn create_self_update(
    version: Option<&str>,
    rid: Option<Vec<u8>>,
    fresh: FreshId<'_>,
) -> Result<Envelope, WireError> {
    auto(MessageType::SELF_UPDATE, map(&[("version", Some(Field::OptStr(version)))]), rid, fresh)
}

/// `create_self_update_result(success, message, old_version, new_version=None, request_id=None)`: zero id.
pub fn create_self_update_result(
    success: bool,
    message: &str,
    old_version: &str,
    new_version: Option<&str>,
    rid: Option<Vec<u8>>,
) -> Result<Envelope, WireError> {
    let payload = map(&[
        ("success", Some(Field::Bool(success))),
        ("message", Some(Field::Str(message))),
        ("old_version", Some(Field::Str(old_version))),
        ("new_version", new_version.map(Field::Str)),
    ]);
    zero(MessageType::SELF_UPDATE_RESULT, payload, rid)
}

/// `create_provision(adapter, request_id=None)`: `{"adapter","type":"provision"}`, zero id.
pub fn create_provision(adapter: &str, rid: Option<Vec<u8>>) -> Result<Envelope, WireError> {
    let payload = map(&[("adapter", Some(Field::Str(adapter))), ("type", Some(Field::Str("provision")))]);
    zero(MessageType::PROVISION, payload, rid)
}

/// `create_provision_result(result, request_id=None)`: the value as given, zero id.
pub fn create_provision_result(result: &[Node], rid: Option<Vec<u8>>) -> Result<Envelope, WireError> {
    zero(MessageType::PROVISION_RESULT, tree(checked(result)?), rid)
}

/// `create_inbox_query(limit=50, request_id=None)`: `{"limit"}`, auto id.
pub fn create_inbox_query(
    limit: i64,
    rid: Option<Vec<u8>>,
    fresh: FreshId<'_>,
) -> Result<Envelope, WireError> {
    auto(MessageType::INBOX_QUERY, map(&[("limit", Some(Field::Int(limit)))]), rid, fresh)
}

/// `create_inbox_response(conversations, request_id=None)`: `{"conversations": [...]}`, zero id.
pub fn create_inbox_response(
    conversations: &[Vec<Node>],
    rid: Option<Vec<u8>>,
) -> Result<Envelope, WireError> {
    conversations.iter().try_for_each(|c| checked(c).map(drop))?;
    let payload = map(&[("conversations", Some(Field::Trees(conversations)))]);
    zero(MessageType::INBOX_RESPONSE, payload, rid)
}

/// `create_messages_query(peer_hash, limit=50, request_id=None)`: auto id.
pub fn create_messages_query(
    peer_hash: &str,
    limit: i64,
    rid: Option<Vec<u8>>,
    fresh: FreshId<'_>,
) -> Result<Envelope, WireError> {
    let payload = map(&[("peer_hash", Some(Field::Str(peer_hash))), ("limit", Some(Field::Int(limit)))]);
    auto(MessageType::MESSAGES_QUERY, payload, rid, fresh)
}

/// `create_messages_response(messages, request_id=None)`: `{"messages": [...]}`, zero id.
pub fn create_messages_response(messages: &[Vec<Node>], rid: Option<Vec<u8>>) -> Result<Envelope, WireError> {
    messages.iter().try_for_each(|m| checked(m).map(drop))?;
    zero(MessageType::MESSAGES_RESPONSE, map(&[("messages", Some(Field::Trees(messages)))]), rid)
}

/// Arguments of `create_terminal_request`; `Default` gives styrened's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct TerminalRequest {
    /// `term_type`, default `"xterm-256color"`.
    pub term_type: String,
    /// Rows, default 24.
    pub rows: i64,
    /// Columns, default 80.
    pub cols: i64,
    /// Optional shell.
    pub shell: Option<String>,
    /// Optional command.
    pub command: Option<String>,
    /// Optional command arguments.
    pub args: Option<Vec<String>>,
}

impl Default for TerminalRequest {
    fn default() -> Self {
        Self {
            term_type: "xterm-256color".into(),
            rows: 24,
            cols: 80,
            shell: None,
            command: None,
            args: None,
        }
    }
}

/// `create_terminal_request(...)`: `{"term_type","rows","cols"}` + optional `shell`, `command`, `args`; auto id.
pub fn create_terminal_request(
    req: &TerminalRequest,
    rid: Option<Vec<u8>>,
    fresh: FreshId<'_>,
) -> Result<Envelope, WireError> {
    let payload = map(&[
        ("term_type", Some(Field::Str(&req.term_type))),
        ("rows", Some(Field::Int(req.rows))),
        ("cols", Some(Field::Int(req.cols))),
        ("shell", req.shell.as_deref().map(Field::Str)),
        ("command", req.command.as_deref().map(Field::Str)),
        ("args", req.args.as_deref().map(Field::Strs)),
    ]);
    auto(MessageType::TERMINAL_REQUEST, payload, rid, fresh)
}

/// `create_terminal_accept(link_destination, session_id=None, request_id=None, identity_hash=None)`:
/// `session_id` is the hex of the session id, or of the request id when no session id is given.
pub fn create_terminal_accept(
    link_destination: &str,
    session_id: Option<&[u8]>,
    rid: Option<Vec<u8>>,
    identity_hash: Option<&str>,
) -> Result<Envelope, WireError> {
    let session = session_id.or(rid.as_deref()).map(hex);
    let payload = map(&[
        ("link_destination", Some(Field::Str(link_destination))),
        ("session_id", session.as_deref().map(Field::Str)),
        ("identity_hash", identity_hash.map(Field::Str)),
    ]);
    zero(MessageType::TERMINAL_ACCEPT, payload, rid)
}

/// `create_terminal_reject(reason, code=1, request_id=None)`: zero id.
pub fn create_terminal_reject(reason: &str, code: i64, rid: Option<Vec<u8>>) -> Result<Envelope, WireError> {
    let payload = map(&[("reason", Some(Field::Str(reason))), ("code", Some(Field::Int(code)))]);
    zero(MessageType::TERMINAL_REJECT, payload, rid)
}

/// `create_terminal_resize(rows, cols, session_id=None, request_id=None)`: zero id.
pub fn create_terminal_resize(
    rows: i64,
    cols: i64,
    session_id: Option<&[u8]>,
    rid: Option<Vec<u8>>,
) -> Result<Envelope, WireError> {
    let session = session_id.map(hex);
    let payload = map(&[
        ("rows", Some(Field::Int(rows))),
        ("cols", Some(Field::Int(cols))),
        ("session_id", session.as_deref().map(Field::Str)),
    ]);
    zero(MessageType::TERMINAL_RESIZE, payload, rid)
}

/// `create_terminal_signal(signal, session_id=None, request_id=None)`: zero id.
pub fn create_terminal_signal(
    signal: i64,
    session_id: Option<&[u8]>,
    rid: Option<Vec<u8>>,
) -> Result<Envelope, WireError> {
    let session = session_id.map(hex);
    let payload =
        map(&[("signal", Some(Field::Int(signal))), ("session_id", session.as_deref().map(Field::Str))]);
    zero(MessageType::TERMINAL_SIGNAL, payload, rid)
}

/// `create_terminal_close(session_id=None, request_id=None)`: `{}` or `{"session_id"}`, zero id.
pub fn create_terminal_close(session_id: Option<&[u8]>, rid: Option<Vec<u8>>) -> Result<Envelope, WireError> {
    let session = session_id.map(hex);
    zero(MessageType::TERMINAL_CLOSE, map(&[("session_id", session.as_deref().map(Field::Str))]), rid)
}

/// `create_terminal_closed(exit_code, reason="exited", session_id=None, request_id=None)`: zero id.
pub fn create_terminal_closed(
    exit_code: i64,
    reason: &str,
    session_id: Option<&[u8]>,
    rid: Option<Vec<u8>>,
) -> Result<Envelope, WireError> {
    let session = session_id.map(hex);
    let payload = map(&[
        ("exit_code", Some(Field::Int(exit_code))),
        ("reason", Some(Field::Str(reason))),
        ("session_id", session.as_deref().map(Field::Str)),
    ]);
    zero(MessageType::TERMINAL_CLOSED, payload, rid)
}

/// `create_file_offer(filename, size, mime_type=None, checksum_sha256=None, request_id=None)`: zero id.
pub fn create_file_offer(
    filename: &str,
    size: i64,
    mime_type: Option<&str>,
    checksum_sha256: Option<&str>,
    rid: Option<Vec<u8>>,
) -> Result<Envelope, WireError> {
    let payload = map(&[
        ("filename", Some(Field::Str(filename))),
        ("size", Some(Field::Int(size))),
        ("mime_type", mime_type.map(Field::Str)),
        ("checksum", checksum_sha256.map(Field::Str)),
    ]);
    zero(MessageType::FILE_OFFER, payload, rid)
}

/// `create_file_accept(max_size, request_id=None)`: `{"max_size"}`, zero id.
pub fn create_file_accept(max_size: i64, rid: Option<Vec<u8>>) -> Result<Envelope, WireError> {
    zero(MessageType::FILE_ACCEPT, map(&[("max_size", Some(Field::Int(max_size)))]), rid)
}
