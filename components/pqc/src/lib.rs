//! styrened's hybrid post-quantum session (spec §4): ML-KEM-768 + X25519,
//! HKDF-SHA256, HMAC-SHA256 key confirmation and AES-256-GCM, on RustCrypto's
//! `ml-kem`, `x25519-dalek`, `hkdf`, `hmac` and `aes-gcm`.
//!
//! [`primitives`] mirrors styrened's `pqc_crypto` module function for
//! function; [`session`] is the handshake and key bookkeeping of its
//! `PQCSessionService`, with time and randomness passed in.

pub mod primitives;
pub mod session;

pub use primitives::PqcError;
pub use session::{HandshakeError, Outgoing, SecurityTier, Session, SessionService, SessionState};
