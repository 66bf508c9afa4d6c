use crate::error::{ErrorCode, WireError};
use crate::{
    MAX_PAYLOAD_SIZE, MIN_MESSAGE_LENGTH_V1, MIN_MESSAGE_LENGTH_V2, MessageType, NO_CORRELATION,
    REQUEST_ID_LENGTH, STYRENE_PREFIX, STYRENE_VERSION_1, STYRENE_VERSION_2,
};

/// A Styrene envelope: styrened's `StyreneEnvelope` fields.
///
/// The type byte is kept raw because styrened lets any byte be constructed and
/// encoded; only `decode` insists on a known member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// Envelope version (1 and 2 decode; any byte encodes).
    pub version: u8,
    /// Message-type byte.
    pub message_type: u8,
    /// Raw payload bytes (MessagePack by convention).
    pub payload: Vec<u8>,
    /// 16-byte correlation id; always present for v2 once constructed.
    pub request_id: Option<Vec<u8>>,
}

impl Envelope {
    /// Builds an envelope with styrened's `__post_init__` checks, in its order.
    /// A v2 envelope without a request id gets `fresh_request_id()`.
    pub fn new(
        version: u8,
        message_type: u8,
        payload: Vec<u8>,
        request_id: Option<Vec<u8>>,
        fresh_request_id: impl FnOnce() -> [u8; REQUEST_ID_LENGTH],
    ) -> Result<Self, WireError> {
        check_payload_size(payload.len())?;
        if let Some(rid) = &request_id
            && rid.len() != REQUEST_ID_LENGTH
        {
            return Err(WireError::new(
                ErrorCode::InvalidRequestId,
                format!("request_id must be {REQUEST_ID_LENGTH} bytes, got {}", rid.len()),
            ));
        }
        let request_id = match (version, request_id) {
            (STYRENE_VERSION_2, None) => Some(fresh_request_id().to_vec()),
            (STYRENE_VERSION_1, Some(_)) => {
                return Err(WireError::new(ErrorCode::V1WithRequestId, "v1 messages cannot have request_id"));
            }
            (_, rid) => rid,
        };
        Ok(Self { version, message_type, payload, request_id })
    }

    /// `expects_response`: a request id that is not `NO_CORRELATION`.
    pub fn expects_response(&self) -> bool {
        self.request_id.as_deref().is_some_and(|rid| rid != NO_CORRELATION)
    }

    /// Encodes to wire bytes. Only v2 writes a request id (an empty one becomes
    /// `NO_CORRELATION`); every other version goes straight to the payload.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(MIN_MESSAGE_LENGTH_V2 + self.payload.len());
        out.extend_from_slice(STYRENE_PREFIX);
        out.push(self.version);
        out.push(self.message_type);
        if self.version == STYRENE_VERSION_2 {
            match self.request_id.as_deref() {
                Some(rid) if !rid.is_empty() => out.extend_from_slice(rid),
                _ => out.extend_from_slice(&NO_CORRELATION),
            }
        }
        out.extend_from_slice(&self.payload);
        out
    }

    /// Decodes wire bytes with styrened's check order: length 13, prefix,
    /// version, type, then the v2 length 29, then the payload size.
    pub fn decode(data: &[u8]) -> Result<Self, WireError> {
        let header = decode_header(data)?;
        let payload = data[header.payload_offset..].to_vec();
        Ok(Self {
            version: header.version,
            message_type: header.message_type.value,
            payload,
            request_id: header.request_id.map(|rid| rid.to_vec()),
        })
    }

    /// `is_styrene_message`: only the prefix is checked.
    pub fn is_styrene_message(data: &[u8]) -> bool {
        data.starts_with(STYRENE_PREFIX)
    }
}

/// The validated header of an envelope and where its payload starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// 1 or 2.
    pub version: u8,
    /// A known message type.
    pub message_type: MessageType,
    /// The request id (v2 only).
    pub request_id: Option<[u8; REQUEST_ID_LENGTH]>,
    /// Offset of the payload in the decoded bytes (13 or 29).
    pub payload_offset: usize,
}

/// Validates everything `StyreneEnvelope.decode` validates without copying the payload.
pub fn decode_header(data: &[u8]) -> Result<Header, WireError> {
    if data.len() < MIN_MESSAGE_LENGTH_V1 {
        return Err(WireError::new(
            ErrorCode::MessageTooShort,
            format!("Message too short: {} bytes, minimum {MIN_MESSAGE_LENGTH_V1}", data.len()),
        ));
    }
    if !data.starts_with(STYRENE_PREFIX) {
        return Err(WireError::new(
            ErrorCode::InvalidPrefix,
            format!(
                "Invalid prefix: expected {}, got {}",
                python_bytes_repr(STYRENE_PREFIX),
                python_bytes_repr(&data[..STYRENE_PREFIX.len()])
            ),
        ));
    }
    let version = data[11];
    let type_byte = data[12];
    if version != STYRENE_VERSION_1 && version != STYRENE_VERSION_2 {
        return Err(WireError::new(
            ErrorCode::UnsupportedVersion,
            format!("Unsupported version: {version}, expected {STYRENE_VERSION_1} or {STYRENE_VERSION_2}"),
        ));
    }
    let message_type = MessageType::from_byte(type_byte).ok_or_else(|| {
        WireError::new(ErrorCode::UnknownMessageType, format!("Unknown message type: 0x{type_byte:02x}"))
    })?;
    let (request_id, payload_offset) = if version == STYRENE_VERSION_2 {
        if data.len() < MIN_MESSAGE_LENGTH_V2 {
            return Err(WireError::new(
                ErrorCode::V2TooShort,
                format!("v2 message too short: {} bytes, minimum {MIN_MESSAGE_LENGTH_V2}", data.len()),
            ));
        }
        let mut rid = [0u8; REQUEST_ID_LENGTH];
        rid.copy_from_slice(&data[13..29]);
        (Some(rid), MIN_MESSAGE_LENGTH_V2)
    } else {
        (None, MIN_MESSAGE_LENGTH_V1)
    };
    check_payload_size(data.len() - payload_offset)?;
    Ok(Header { version, message_type, request_id, payload_offset })
}

fn check_payload_size(len: usize) -> Result<(), WireError> {
    if len > MAX_PAYLOAD_SIZE {
        return Err(WireError::new(
            ErrorCode::PayloadTooLarge,
            format!("payload too large: {len} > {MAX_PAYLOAD_SIZE}"),
        ));
    }
    Ok(())
}

/// Python's `repr()` of a `bytes` value, which styrened puts in prefix errors.
pub fn python_bytes_repr(bytes: &[u8]) -> String {
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') { '"' } else { '\'' };
    let mut out = String::with_capacity(bytes.len() + 3);
    out.push('b');
    out.push(quote);
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if b == quote as u8 => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push(quote);
    out
}

/// Python's `repr()` of a `str`, close enough for messages and display:
/// single quotes unless the text holds one and no double quote, escapes for
/// backslashes and control characters.
pub fn python_str_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') { '"' } else { '\'' };
    let mut out = String::from(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rid() -> [u8; 16] {
        core::array::from_fn(|i| i as u8)
    }

    #[test]
    fn v2_round_trip_and_offsets() {
        let env = Envelope::new(2, 0x20, b"\x80".to_vec(), None, rid).unwrap();
        let bytes = env.encode();
        assert_eq!(&bytes[..11], STYRENE_PREFIX);
        assert_eq!(bytes[11], 2);
        assert_eq!(bytes[12], 0x20);
        assert_eq!(&bytes[13..29], &rid());
        assert_eq!(&bytes[29..], b"\x80");
        assert_eq!(Envelope::decode(&bytes).unwrap(), env);
    }

    #[test]
    fn check_order_matches_styrened() {
        let short = Envelope::decode(b"styrene.io:").unwrap_err();
        assert_eq!(short.code, ErrorCode::MessageTooShort);
        assert_eq!(short.message, "Message too short: 11 bytes, minimum 13");
        let prefix = Envelope::decode(b"xtyrene.io:\x02\x01").unwrap_err();
        assert_eq!(prefix.message, "Invalid prefix: expected b'styrene.io:', got b'xtyrene.io:'");
        // unknown type is reported before the v2 length check
        let unknown = Envelope::decode(b"styrene.io:\x02\x48").unwrap_err();
        assert_eq!(unknown.message, "Unknown message type: 0x48");
        let v2short = Envelope::decode(b"styrene.io:\x02\x01abc").unwrap_err();
        assert_eq!(v2short.code, ErrorCode::V2TooShort);
        let version = Envelope::decode(b"styrene.io:\x03\x01").unwrap_err();
        assert_eq!(version.message, "Unsupported version: 3, expected 1 or 2");
    }

    #[test]
    fn construction_rules() {
        assert_eq!(
            Envelope::new(1, 1, vec![], Some(vec![0; 16]), rid).unwrap_err().code,
            ErrorCode::V1WithRequestId
        );
        assert_eq!(
            Envelope::new(2, 1, vec![], Some(vec![0; 3]), rid).unwrap_err().message,
            "request_id must be 16 bytes, got 3"
        );
        assert_eq!(
            Envelope::new(2, 1, vec![0; MAX_PAYLOAD_SIZE + 1], None, rid).unwrap_err().message,
            "payload too large: 262145 > 262144"
        );
        let v3 = Envelope::new(3, 0x01, b"x".to_vec(), None, rid).unwrap();
        assert_eq!(v3.encode(), b"styrene.io:\x03\x01x");
        assert!(!Envelope::new(2, 1, vec![], Some(vec![0; 16]), rid).unwrap().expects_response());
    }

    #[test]
    fn str_repr_like_python() {
        assert_eq!(python_str_repr("it's"), "\"it's\"");
        assert_eq!(python_str_repr("a'\"\n"), "'a\\'\"\\n'");
    }

    #[test]
    fn bytes_repr_like_python() {
        assert_eq!(python_bytes_repr(b"a'b"), "b\"a'b\"");
        assert_eq!(python_bytes_repr(b"a'\"\x00\xff"), "b'a\\'\"\\x00\\xff'");
    }
}
