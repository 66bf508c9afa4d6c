//! The Styrene wire codec, byte-compatible with styrened 0.18.0's
//! `styrened.models.styrene_wire`: the envelope (v1 and v2), the message-type
//! table, the MessagePack payload codec with styrened's decode limits, and the
//! payloads of the `create_*` helpers.
//!
//! Plain Rust with no I/O and no randomness of its own: callers pass request ids
//! in, so the crate tests natively and compiles unchanged into the component.

mod create;
mod envelope;
mod error;
pub mod marshal;
mod message_type;
pub mod msgpack;
mod utf8;

pub use create::*;
pub use envelope::*;
pub use error::{ErrorCode, WireError};
pub use message_type::{MESSAGE_TYPES, MessageType};
pub use msgpack::{Node, decode_payload, encode_payload};

/// `b"styrene.io:"`, the 11-byte prefix of every envelope.
pub const STYRENE_PREFIX: &[u8; 11] = b"styrene.io:";
/// Legacy envelope version without a request id.
pub const STYRENE_VERSION_1: u8 = 1;
/// Current envelope version, with a 16-byte request id.
pub const STYRENE_VERSION_2: u8 = 2;
/// The version new envelopes get.
pub const STYRENE_VERSION: u8 = STYRENE_VERSION_2;
/// Length of a v2 request id.
pub const REQUEST_ID_LENGTH: usize = 16;
/// The fire-and-forget request id: 16 zero bytes.
pub const NO_CORRELATION: [u8; REQUEST_ID_LENGTH] = [0; REQUEST_ID_LENGTH];
/// Prefix + version + type.
pub const MIN_MESSAGE_LENGTH_V1: usize = 13;
/// Prefix + version + type + request id.
pub const MIN_MESSAGE_LENGTH_V2: usize = 29;
/// styrened keeps this alias for backward compatibility.
pub const MIN_MESSAGE_LENGTH: usize = MIN_MESSAGE_LENGTH_V1;
/// Largest payload an envelope may carry, and largest input `decode_payload` accepts.
pub const MAX_PAYLOAD_SIZE: usize = 262_144;
/// Most entries a decoded MessagePack map may have.
pub const MAX_MSGPACK_MAP_LEN: usize = 1000;
/// Most items a decoded MessagePack array may have.
pub const MAX_MSGPACK_ARRAY_LEN: usize = 10_000;
/// Longest decoded MessagePack string, in bytes.
pub const MAX_MSGPACK_STR_LEN: usize = 65_536;
/// Deepest container nesting the decoder accepts (msgpack-python's C stack size).
pub const MAX_NESTING_DEPTH: usize = 1024;
