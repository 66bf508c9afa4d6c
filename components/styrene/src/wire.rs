//! `styrene:core/wire` on top of the `styrene-wire` crate.

use crate::Component;
use crate::exports::styrene::core::wire::{
    Envelope, Error as WireError, ErrorCode, ExtValue, Guest, MessageType, TerminalRequest, Timestamp,
    ValueNode,
};
use styrene_wire as domain;

type Rid = Option<Vec<u8>>;
type Made = Result<Envelope, WireError>;

fn fresh_request_id() -> [u8; domain::REQUEST_ID_LENGTH] {
    let mut id = [0u8; domain::REQUEST_ID_LENGTH];
    // wasi:random cannot fail in a conforming host; an all-zero id would only
    // mean "no correlation", never a crash
    let _ = getrandom::fill(&mut id);
    id
}

impl From<domain::WireError> for WireError {
    fn from(e: domain::WireError) -> Self {
        use domain::ErrorCode as D;
        let code = match e.code {
            D::MessageTooShort => ErrorCode::MessageTooShort,
            D::InvalidPrefix => ErrorCode::InvalidPrefix,
            D::UnsupportedVersion => ErrorCode::UnsupportedVersion,
            D::UnknownMessageType => ErrorCode::UnknownMessageType,
            D::V2TooShort => ErrorCode::V2TooShort,
            D::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            D::InvalidRequestId => ErrorCode::InvalidRequestId,
            D::V1WithRequestId => ErrorCode::V1WithRequestId,
            D::PayloadDecode => ErrorCode::PayloadDecode,
            D::PayloadEncode => ErrorCode::PayloadEncode,
        };
        WireError { code, message: e.message }
    }
}

impl From<domain::Envelope> for Envelope {
    fn from(e: domain::Envelope) -> Self {
        Envelope {
            version: e.version,
            message_type: e.message_type,
            payload: e.payload,
            request_id: e.request_id,
        }
    }
}

fn to_domain(node: ValueNode) -> domain::Node {
    match node {
        ValueNode::Nil => domain::Node::Nil,
        ValueNode::Boolean(b) => domain::Node::Bool(b),
        ValueNode::Integer(v) => domain::Node::Int(v),
        ValueNode::Unsigned(v) => match i64::try_from(v) {
            Ok(v) => domain::Node::Int(v),
            Err(_) => domain::Node::Uint(v),
        },
        ValueNode::Float(v) => domain::Node::Float(v),
        ValueNode::Text(s) => domain::Node::Str(s),
        ValueNode::Binary(b) => domain::Node::Bin(b),
        ValueNode::Array(n) => domain::Node::Array(n),
        ValueNode::Mapping(n) => domain::Node::Map(n),
        ValueNode::Ext(e) => domain::Node::Ext(e.type_code, e.data),
        ValueNode::Timestamp(t) => domain::Node::Timestamp { seconds: t.seconds, nanoseconds: t.nanoseconds },
    }
}

fn from_domain(node: domain::Node) -> ValueNode {
    match node {
        domain::Node::Nil => ValueNode::Nil,
        domain::Node::Bool(b) => ValueNode::Boolean(b),
        domain::Node::Int(v) => ValueNode::Integer(v),
        domain::Node::Uint(v) => ValueNode::Unsigned(v),
        domain::Node::Float(v) => ValueNode::Float(v),
        domain::Node::Str(s) => ValueNode::Text(s),
        domain::Node::Bin(b) => ValueNode::Binary(b),
        domain::Node::Array(n) => ValueNode::Array(n),
        domain::Node::Map(n) => ValueNode::Mapping(n),
        domain::Node::Ext(code, data) => ValueNode::Ext(ExtValue { type_code: code, data }),
        domain::Node::Timestamp { seconds, nanoseconds } => {
            ValueNode::Timestamp(Timestamp { seconds, nanoseconds })
        }
    }
}

fn tree(nodes: Vec<ValueNode>) -> Vec<domain::Node> {
    nodes.into_iter().map(to_domain).collect()
}

fn trees(lists: Vec<Vec<ValueNode>>) -> Vec<Vec<domain::Node>> {
    lists.into_iter().map(tree).collect()
}

fn made(result: Result<domain::Envelope, domain::WireError>) -> Made {
    result.map(Envelope::from).map_err(WireError::from)
}

impl Guest for Component {
    fn message_types() -> Vec<MessageType> {
        domain::MESSAGE_TYPES
            .iter()
            .map(|t| MessageType { name: t.name.to_string(), value: t.value })
            .collect()
    }

    fn decode_envelope(data: Vec<u8>) -> Made {
        made(domain::Envelope::decode(&data))
    }

    fn new_envelope(version: u8, message_type: u8, payload: Vec<u8>, request_id: Rid) -> Made {
        made(domain::Envelope::new(version, message_type, payload, request_id, fresh_request_id))
    }

    fn encode_envelope(e: Envelope) -> Vec<u8> {
        let Envelope { version, message_type, payload, request_id } = e;
        domain::Envelope { version, message_type, payload, request_id }.encode()
    }

    fn is_styrene_message(data: Vec<u8>) -> bool {
        domain::Envelope::is_styrene_message(&data)
    }

    fn generate_request_id() -> Vec<u8> {
        fresh_request_id().to_vec()
    }

    fn decode_payload(data: Vec<u8>) -> Result<Vec<ValueNode>, WireError> {
        Ok(domain::decode_payload(&data)?.into_iter().map(from_domain).collect())
    }

    fn encode_payload(value: Vec<ValueNode>) -> Result<Vec<u8>, WireError> {
        Ok(domain::encode_payload(&tree(value))?)
    }

    fn create_ping(rid: Rid) -> Made {
        made(domain::create_ping(rid, &mut fresh_request_id))
    }
    fn create_pong(rid: Rid) -> Made {
        made(domain::create_pong(rid))
    }
    fn create_status_request(rid: Rid) -> Made {
        made(domain::create_status_request(rid, &mut fresh_request_id))
    }
    fn create_status_response(status: Vec<ValueNode>, rid: Rid) -> Made {
        made(domain::create_status_response(&tree(status), rid))
    }
    fn create_chat(message: String, rid: Rid) -> Made {
        made(domain::create_chat(&message, rid))
    }
    fn create_announce(identity: Vec<ValueNode>) -> Made {
        made(domain::create_announce(&tree(identity)))
    }
    fn create_error(code: i64, message: String, rid: Rid) -> Made {
        made(domain::create_error(code, &message, rid))
    }
    fn create_exec(command: String, args: Vec<String>, rid: Rid) -> Made {
        made(domain::create_exec(&command, &args, rid, &mut fresh_request_id))
    }
    fn create_exec_result(exit_code: i64, stdout: String, stderr: String, rid: Rid) -> Made {
        made(domain::create_exec_result(exit_code, &stdout, &stderr, rid))
    }
    fn create_reboot(delay: i64, rid: Rid) -> Made {
        made(domain::create_reboot(delay, rid, &mut fresh_request_id))
    }
    fn create_reboot_result(success: bool, message: String, scheduled_time: Option<f64>, rid: Rid) -> Made {
        made(domain::create_reboot_result(success, &message, scheduled_time, rid))
    }
    fn create_config_update(updates: Vec<ValueNode>, rid: Rid) -> Made {
        made(domain::create_config_update(&tree(updates), rid, &mut fresh_request_id))
    }
    fn create_config_result(success: bool, message: String, updated_keys: Vec<String>, rid: Rid) -> Made {
        made(domain::create_config_result(success, &message, &updated_keys, rid))
    }
    fn create_self_update(version: Option<String>, rid: Rid) -> Made {
        made(domain::create_self_update(version.as_deref(), rid, &mut fresh_request_id))
    }
    fn create_self_update_result(
        success: bool,
        message: String,
        old_version: String,
        new_version: Option<String>,
        rid: Rid,
    ) -> Made {
        made(domain::create_self_update_result(success, &message, &old_version, new_version.as_deref(), rid))
    }
    fn create_provision(adapter: String, rid: Rid) -> Made {
        made(domain::create_provision(&adapter, rid))
    }
    fn create_provision_result(result: Vec<ValueNode>, rid: Rid) -> Made {
        made(domain::create_provision_result(&tree(result), rid))
    }
    fn create_inbox_query(limit: i64, rid: Rid) -> Made {
        made(domain::create_inbox_query(limit, rid, &mut fresh_request_id))
    }
    fn create_inbox_response(conversations: Vec<Vec<ValueNode>>, rid: Rid) -> Made {
        made(domain::create_inbox_response(&trees(conversations), rid))
    }
    fn create_messages_query(peer_hash: String, limit: i64, rid: Rid) -> Made {
        made(domain::create_messages_query(&peer_hash, limit, rid, &mut fresh_request_id))
    }
    fn create_messages_response(messages: Vec<Vec<ValueNode>>, rid: Rid) -> Made {
        made(domain::create_messages_response(&trees(messages), rid))
    }
    fn create_terminal_request(r: TerminalRequest, rid: Rid) -> Made {
        let req = domain::TerminalRequest {
            term_type: r.term_type,
            rows: r.rows,
            cols: r.cols,
            shell: r.shell,
            command: r.command,
            args: r.args,
        };
        made(domain::create_terminal_request(&req, rid, &mut fresh_request_id))
    }
    fn create_terminal_accept(
        link_destination: String,
        session_id: Rid,
        rid: Rid,
        identity_hash: Option<String>,
    ) -> Made {
        made(domain::create_terminal_accept(
            &link_destination,
            session_id.as_deref(),
            rid,
            identity_hash.as_deref(),
        ))
    }
    fn create_terminal_reject(reason: String, code: i64, rid: Rid) -> Made {
        made(domain::create_terminal_reject(&reason, code, rid))
    }
    fn create_terminal_resize(rows: i64, cols: i64, session_id: Rid, rid: Rid) -> Made {
        made(domain::create_terminal_resize(rows, cols, session_id.as_deref(), rid))
    }
    fn create_terminal_signal(signal: i64, session_id: Rid, rid: Rid) -> Made {
        made(domain::create_terminal_signal(signal, session_id.as_deref(), rid))
    }
    fn create_terminal_close(session_id: Rid, rid: Rid) -> Made {
        made(domain::create_terminal_close(session_id.as_deref(), rid))
    }
    fn create_terminal_closed(exit_code: i64, reason: String, session_id: Rid, rid: Rid) -> Made {
        made(domain::create_terminal_closed(exit_code, &reason, session_id.as_deref(), rid))
    }
    fn create_file_offer(
        filename: String,
        size: i64,
        mime_type: Option<String>,
        checksum: Option<String>,
        rid: Rid,
    ) -> Made {
        made(domain::create_file_offer(&filename, size, mime_type.as_deref(), checksum.as_deref(), rid))
    }
    fn create_file_accept(max_size: i64, rid: Rid) -> Made {
        made(domain::create_file_accept(max_size, rid))
    }
}
