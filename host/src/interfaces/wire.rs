//! `styrene:core/wire`: the Styrene wire codec, byte-compatible with
//! styrened 0.18.0: envelopes, MessagePack payloads and the `create_*` helpers.

use crate::bindings::exports::styrene::core::wire::{Error as WitError, Guest};
use crate::error::{error_codes, flatten};
use crate::state::State;
use crate::{HostError, Styrene};
use wasmtime::Store;

pub use crate::bindings::exports::styrene::core::wire::{
    Envelope, ErrorCode, ExtValue, MessageType, TerminalRequest, Timestamp, ValueNode,
};

/// What a `wire` call can fail with: a [`ComponentError`](crate::ComponentError) whose code maps to
/// one styrened exception class, or the instance's [`HostError`].
pub type Error = crate::Error<ErrorCode>;

error_codes!(WitError => ErrorCode {
    MessageTooShort => "message-too-short",
    InvalidPrefix => "invalid-prefix",
    UnsupportedVersion => "unsupported-version",
    UnknownMessageType => "unknown-message-type",
    V2TooShort => "v2-too-short",
    PayloadTooLarge => "payload-too-large",
    InvalidRequestId => "invalid-request-id",
    V1WithRequestId => "v1-with-request-id",
    PayloadDecode => "payload-decode",
    PayloadEncode => "payload-encode",
});

/// The calls of `wire`.
pub struct Wire<'a, 'r>(&'a mut Styrene<'r>);

impl<'r> Styrene<'r> {
    /// `styrene:core/wire`.
    pub fn wire(&mut self) -> Wire<'_, 'r> {
        Wire(self)
    }
}

impl Wire<'_, '_> {
    fn plain<T>(
        &mut self,
        f: impl FnOnce(&Guest, &mut Store<State>) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        self.0.call(|b, s| f(b.styrene_core_wire(), s))
    }

    fn fallible<T>(
        &mut self,
        f: impl FnOnce(&Guest, &mut Store<State>) -> wasmtime::Result<Result<T, WitError>>,
    ) -> Result<T, Error> {
        flatten(self.plain(f))
    }

    /// `message-types`: the 56 message types, in styrened's definition order.
    pub fn message_types(&mut self) -> Result<Vec<MessageType>, HostError> {
        self.plain(|w, s| w.call_message_types(s))
    }

    /// `decode-envelope`, with styrened's check order and errors.
    pub fn decode_envelope(&mut self, data: &[u8]) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_decode_envelope(s, data))
    }

    /// `new-envelope`, with styrened's constructor checks in its order; a v2
    /// envelope without a request id gets a random one.
    pub fn new_envelope(
        &mut self,
        version: u8,
        message_type: u8,
        payload: &[u8],
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_new_envelope(s, version, message_type, payload, request_id))
    }

    /// `encode-envelope`, as styrened's `encode()` (it checks nothing).
    pub fn encode_envelope(&mut self, envelope: &Envelope) -> Result<Vec<u8>, HostError> {
        self.plain(|w, s| w.call_encode_envelope(s, envelope))
    }

    /// `is-styrene-message`: whether `data` starts with the `styrene.io:` prefix.
    pub fn is_styrene_message(&mut self, data: &[u8]) -> Result<bool, HostError> {
        self.plain(|w, s| w.call_is_styrene_message(s, data))
    }

    /// `generate-request-id`: 16 random bytes from `wasi:random`.
    pub fn generate_request_id(&mut self) -> Result<Vec<u8>, HostError> {
        self.plain(|w, s| w.call_generate_request_id(s))
    }

    /// `decode-payload`, as styrened's `decode_payload`, limits included.
    pub fn decode_payload(&mut self, data: &[u8]) -> Result<Vec<ValueNode>, Error> {
        self.fallible(|w, s| w.call_decode_payload(s, data))
    }

    /// `encode-payload`, as `msgpack.packb(value, use_bin_type=True)`.
    pub fn encode_payload(&mut self, value: &[ValueNode]) -> Result<Vec<u8>, Error> {
        self.fallible(|w, s| w.call_encode_payload(s, value))
    }

    /// `create-ping`.
    pub fn create_ping(&mut self, request_id: Option<&[u8]>) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_ping(s, request_id))
    }

    /// `create-pong`.
    pub fn create_pong(&mut self, request_id: Option<&[u8]>) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_pong(s, request_id))
    }

    /// `create-status-request`.
    pub fn create_status_request(&mut self, request_id: Option<&[u8]>) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_status_request(s, request_id))
    }

    /// `create-status-response`.
    pub fn create_status_response(
        &mut self,
        status: &[ValueNode],
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_status_response(s, status, request_id))
    }

    /// `create-chat`.
    pub fn create_chat(&mut self, message: &str, request_id: Option<&[u8]>) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_chat(s, message, request_id))
    }

    /// `create-announce`.
    pub fn create_announce(&mut self, identity: &[ValueNode]) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_announce(s, identity))
    }

    /// `create-error`.
    pub fn create_error(
        &mut self,
        code: i64,
        message: &str,
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_error(s, code, message, request_id))
    }

    /// `create-exec`.
    pub fn create_exec(
        &mut self,
        command: &str,
        args: &[String],
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_exec(s, command, args, request_id))
    }

    /// `create-exec-result`.
    pub fn create_exec_result(
        &mut self,
        exit_code: i64,
        stdout: &str,
        stderr: &str,
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_exec_result(s, exit_code, stdout, stderr, request_id))
    }

    /// `create-reboot`.
    pub fn create_reboot(&mut self, delay: i64, request_id: Option<&[u8]>) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_reboot(s, delay, request_id))
    }

    /// `create-reboot-result`.
    pub fn create_reboot_result(
        &mut self,
        success: bool,
        message: &str,
        scheduled_time: Option<f64>,
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_reboot_result(s, success, message, scheduled_time, request_id))
    }

    /// `create-config-update`.
    pub fn create_config_update(
        &mut self,
        updates: &[ValueNode],
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_config_update(s, updates, request_id))
    }

    /// `create-config-result`.
    pub fn create_config_result(
        &mut self,
        success: bool,
        message: &str,
        updated_keys: &[String],
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_config_result(s, success, message, updated_keys, request_id))
    }

    /// `create-self-update`.
    pub fn create_self_update(
        &mut self,
        version: Option<&str>,
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_self_update(s, version, request_id))
    }

    /// `create-self-update-result`.
    pub fn create_self_update_result(
        &mut self,
        success: bool,
        message: &str,
        old_version: &str,
        new_version: Option<&str>,
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| {
            w.call_create_self_update_result(s, success, message, old_version, new_version, request_id)
        })
    }

    /// `create-provision`.
    pub fn create_provision(&mut self, adapter: &str, request_id: Option<&[u8]>) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_provision(s, adapter, request_id))
    }

    /// `create-provision-result`.
    pub fn create_provision_result(
        &mut self,
        outcome: &[ValueNode],
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_provision_result(s, outcome, request_id))
    }

    /// `create-inbox-query`.
    pub fn create_inbox_query(&mut self, limit: i64, request_id: Option<&[u8]>) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_inbox_query(s, limit, request_id))
    }

    /// `create-inbox-response`.
    pub fn create_inbox_response(
        &mut self,
        conversations: &[Vec<ValueNode>],
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_inbox_response(s, conversations, request_id))
    }

    /// `create-messages-query`.
    pub fn create_messages_query(
        &mut self,
        peer_hash: &str,
        limit: i64,
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_messages_query(s, peer_hash, limit, request_id))
    }

    /// `create-messages-response`.
    pub fn create_messages_response(
        &mut self,
        messages: &[Vec<ValueNode>],
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_messages_response(s, messages, request_id))
    }

    /// `create-terminal-request`.
    pub fn create_terminal_request(
        &mut self,
        request: &TerminalRequest,
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_terminal_request(s, request, request_id))
    }

    /// `create-terminal-accept`.
    pub fn create_terminal_accept(
        &mut self,
        link_destination: &str,
        session_id: Option<&[u8]>,
        request_id: Option<&[u8]>,
        identity_hash: Option<&str>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| {
            w.call_create_terminal_accept(s, link_destination, session_id, request_id, identity_hash)
        })
    }

    /// `create-terminal-reject`.
    pub fn create_terminal_reject(
        &mut self,
        reason: &str,
        code: i64,
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_terminal_reject(s, reason, code, request_id))
    }

    /// `create-terminal-resize`.
    pub fn create_terminal_resize(
        &mut self,
        rows: i64,
        cols: i64,
        session_id: Option<&[u8]>,
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_terminal_resize(s, rows, cols, session_id, request_id))
    }

    /// `create-terminal-signal`.
    pub fn create_terminal_signal(
        &mut self,
        signal: i64,
        session_id: Option<&[u8]>,
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_terminal_signal(s, signal, session_id, request_id))
    }

    /// `create-terminal-close`.
    pub fn create_terminal_close(
        &mut self,
        session_id: Option<&[u8]>,
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_terminal_close(s, session_id, request_id))
    }

    /// `create-terminal-closed`.
    pub fn create_terminal_closed(
        &mut self,
        exit_code: i64,
        reason: &str,
        session_id: Option<&[u8]>,
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_terminal_closed(s, exit_code, reason, session_id, request_id))
    }

    /// `create-file-offer`.
    pub fn create_file_offer(
        &mut self,
        filename: &str,
        size: i64,
        mime_type: Option<&str>,
        checksum_sha256: Option<&str>,
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| {
            w.call_create_file_offer(s, filename, size, mime_type, checksum_sha256, request_id)
        })
    }

    /// `create-file-accept`.
    pub fn create_file_accept(
        &mut self,
        max_size: i64,
        request_id: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.fallible(|w, s| w.call_create_file_accept(s, max_size, request_id))
    }
}
