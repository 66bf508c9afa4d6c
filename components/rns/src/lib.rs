//! Reticulum on the wire, as RNS 1.5.7 puts it there: the byte-level facts a
//! Styrene gateway needs to sit on a Reticulum network, as a bridge or as a
//! transport node.
//!
//! * [`hdlc`] and [`kiss`]: streaming deframers and framers with the exact
//!   quirks of RNS's TCP and KISS read loops (shared closing flags, escapes
//!   that pass unknown bytes through, size checks, buffer resets).
//! * [`ifac`]: Interface Access Codes, from network name and passphrase to the
//!   masked, signed frames RNS puts on an IFAC-enabled interface.
//! * [`packet`]: the packet header, the packet hash, and RNS's unpack rules.
//! * [`identity`] and [`announce`]: X25519 + Ed25519 identities in RNS's
//!   64-byte private key format, destination hashes, announce validation and
//!   creation.
//! * [`relay`]: the deduplicating, IFAC-aware relay that bridges interfaces.
//! * [`transport`]: an RNS transport node: paths, announce propagation within
//!   airtime caps, path requests, and forwarding of packets, proofs and links.
//!
//! Everything is plain Rust with no I/O: hosts own sockets, ports and time.

pub mod announce;
pub mod hdlc;
pub mod identity;
pub mod ifac;
pub mod kiss;
pub mod node;
pub mod packet;
pub mod ports;
pub mod relay;
pub mod transport;

mod hkdf;
mod seen;

/// RNS `Reticulum.MTU`: the largest packet a destination may send.
pub const MTU: usize = 500;
/// RNS `Reticulum.HEADER_MINSIZE`: flags, hops, one address, context.
pub const HEADER_MINSIZE: usize = 2 + 1 + 16;
/// RNS `Transport.PATHFINDER_M`: packets with this many hops are refused.
pub const PATHFINDER_M: u8 = 128;
/// Length of RNS's truncated hashes (destination, identity, transport ids).
pub const HASH_LEN: usize = 16;

/// SHA-256, RNS's `Identity.full_hash`.
pub fn full_hash(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

/// The first 16 bytes of SHA-256, RNS's `Identity.truncated_hash`.
pub fn truncated_hash(data: &[u8]) -> [u8; HASH_LEN] {
    let full = full_hash(data);
    let mut out = [0; HASH_LEN];
    out.copy_from_slice(&full[..HASH_LEN]);
    out
}
