use core::fmt;

/// The stable kind of a wire error. Each maps to one styrened exception class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Shorter than 13 bytes (`InvalidPrefixError`).
    MessageTooShort,
    /// Does not start with `styrene.io:` (`InvalidPrefixError`).
    InvalidPrefix,
    /// Version byte is neither 1 nor 2 (`UnsupportedVersionError`).
    UnsupportedVersion,
    /// Type byte is not one of the 56 types (`InvalidMessageTypeError`).
    UnknownMessageType,
    /// A v2 envelope shorter than 29 bytes (`InvalidPrefixError`).
    V2TooShort,
    /// An envelope payload over 262144 bytes (`ValueError`).
    PayloadTooLarge,
    /// A request id that is not 16 bytes (`ValueError`).
    InvalidRequestId,
    /// A v1 envelope given a request id (`ValueError`).
    V1WithRequestId,
    /// A payload that is not one valid MessagePack object within the limits (`PayloadDecodeError`).
    PayloadDecode,
    /// A value tree that cannot be encoded (`ValueError`).
    PayloadEncode,
}

/// A wire error: its stable kind and styrened's exact message text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    /// Which case this is.
    pub code: ErrorCode,
    /// The text styrened puts in the exception.
    pub message: String,
}

impl WireError {
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for WireError {}
