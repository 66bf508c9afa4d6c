//! Interface Access Codes: on an IFAC-enabled interface every packet carries a
//! truncated Ed25519 signature made with a key derived from the network name
//! and passphrase, and the rest of the packet is masked with a key stream
//! derived from that signature. Frames without a valid code are dropped.

use crate::identity::Identity;
use crate::{full_hash, hkdf};
use zeroize::Zeroizing;

/// RNS's IFAC salt.
pub const SALT: [u8; 32] = [
    0xad, 0xf5, 0x4d, 0x88, 0x2c, 0x9a, 0x9b, 0x80, 0x77, 0x1e, 0xb4, 0x99, 0x5d, 0x70, 0x2d, 0x4a, 0x3e,
    0x73, 0x33, 0x91, 0xb2, 0xa0, 0xf5, 0x3f, 0x41, 0x6d, 0x9f, 0x90, 0x7e, 0x55, 0xcf, 0xf8,
];

/// The IFAC flag in the first header byte.
pub const FLAG: u8 = 0x80;

/// Why IFAC settings or a frame were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IfacError {
    /// Neither a network name nor a passphrase was given.
    #[error("IFAC needs a network name, a passphrase, or both")]
    NoSecret,
    /// The code size is outside 1..=64 bytes.
    #[error("IFAC size must be 1 to 64 bytes, got {0}")]
    BadSize(usize),
    /// The frame lacks the IFAC flag on an IFAC-enabled interface.
    #[error("missing IFAC flag on packet for IFAC-enabled interface")]
    MissingFlag,
    /// The frame has the IFAC flag on an interface without IFAC.
    #[error("IFAC flag set on packet for interface without IFAC enabled")]
    UnexpectedFlag,
    /// The frame is too short to hold the code.
    #[error("insufficient packet size for IFAC packet")]
    TooShort,
    /// The code does not match: another network, or a forged frame.
    #[error("invalid IFAC on packet")]
    Invalid,
}

/// The access code of one interface.
pub struct Ifac {
    key: Zeroizing<[u8; 64]>,
    identity: Identity,
    size: usize,
}

impl Ifac {
    /// Derives the interface's key from the network name and passphrase
    /// (either may be absent, not both), with `size` bytes of code per packet
    /// (RNS's defaults: 16 for TCP and UDP, 8 for serial, KISS and RNode).
    pub fn new(network_name: Option<&str>, passphrase: Option<&str>, size: usize) -> Result<Self, IfacError> {
        if !(1..=64).contains(&size) {
            return Err(IfacError::BadSize(size));
        }
        let mut origin = Zeroizing::new(Vec::with_capacity(64));
        if let Some(name) = network_name {
            origin.extend_from_slice(&full_hash(name.as_bytes()));
        }
        if let Some(pass) = passphrase {
            origin.extend_from_slice(&full_hash(pass.as_bytes()));
        }
        if origin.is_empty() {
            return Err(IfacError::NoSecret);
        }
        let derived = Zeroizing::new(hkdf::derive(&full_hash(&origin), &SALT, 64));
        let mut key = Zeroizing::new([0u8; 64]);
        key.copy_from_slice(&derived);
        Ok(Ifac::from_key(key, size).expect("a valid size"))
    }

    /// From an already derived 64-byte key.
    pub fn from_key(key: Zeroizing<[u8; 64]>, size: usize) -> Result<Self, IfacError> {
        if !(1..=64).contains(&size) {
            return Err(IfacError::BadSize(size));
        }
        let identity = Identity::from_private_bytes(&key[..]).expect("64 bytes");
        Ok(Ifac { key, identity, size })
    }

    /// The derived 64-byte key.
    pub fn key(&self) -> &[u8; 64] {
        &self.key
    }

    /// Bytes of code per packet.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The frame RNS sends for `packet` on this interface.
    pub fn wrap(&self, packet: &[u8]) -> Vec<u8> {
        if packet.len() < 2 {
            // RNS never sends these; keep them verbatim rather than invent a format.
            return packet.to_vec();
        }
        let signature = self.identity.sign(packet);
        let tag = &signature[64 - self.size..];
        let mask = hkdf::derive(tag, &self.key[..], packet.len() + self.size);
        let mut out = Vec::with_capacity(packet.len() + self.size);
        out.push(((packet[0] | FLAG) ^ mask[0]) | FLAG);
        out.push(packet[1] ^ mask[1]);
        out.extend_from_slice(tag);
        for (i, byte) in packet[2..].iter().enumerate() {
            out.push(byte ^ mask[2 + self.size + i]);
        }
        out
    }

    /// The packet inside `frame`, if its code is valid.
    pub fn unwrap(&self, frame: &[u8]) -> Result<Vec<u8>, IfacError> {
        if frame.len() <= 2 {
            return Err(IfacError::TooShort);
        }
        if frame[0] & FLAG == 0 {
            return Err(IfacError::MissingFlag);
        }
        if frame.len() <= 2 + self.size {
            return Err(IfacError::TooShort);
        }
        let tag = &frame[2..2 + self.size];
        let mask = hkdf::derive(tag, &self.key[..], frame.len());
        let mut packet = Vec::with_capacity(frame.len() - self.size);
        packet.push((frame[0] ^ mask[0]) & !FLAG);
        packet.push(frame[1] ^ mask[1]);
        for i in 2 + self.size..frame.len() {
            packet.push(frame[i] ^ mask[i]);
        }
        let expected = self.identity.sign(&packet);
        if constant_time_eq(&expected[64 - self.size..], tag) { Ok(packet) } else { Err(IfacError::Invalid) }
    }
}

/// What RNS checks on a frame heard on an interface without IFAC.
pub fn check_open(frame: &[u8]) -> Result<(), IfacError> {
    if frame.first().is_some_and(|b| b & FLAG != 0) { Err(IfacError::UnexpectedFlag) } else { Ok(()) }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    // Keys and frames are checked against RNS's own output in tests/rns_vectors.rs.

    #[test]
    fn a_secret_is_required() {
        assert_eq!(Ifac::new(None, None, 8).err(), Some(IfacError::NoSecret));
        assert_eq!(Ifac::new(Some("net"), None, 65).err(), Some(IfacError::BadSize(65)));
    }

    #[test]
    fn wrap_unwrap_and_tamper() {
        let ifac = Ifac::new(Some("testnet"), Some("secret"), 8).unwrap();
        let mut packet = vec![0u8, 0];
        packet.extend(0..16u8);
        packet.push(0);
        packet.extend_from_slice(b"hello");
        let frame = ifac.wrap(&packet);
        assert_eq!(ifac.unwrap(&frame).unwrap(), packet);
        let mut tampered = frame.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert_eq!(ifac.unwrap(&tampered), Err(IfacError::Invalid));
        let other = Ifac::new(Some("othernet"), Some("secret"), 8).unwrap();
        assert_eq!(other.unwrap(&frame), Err(IfacError::Invalid));
        assert_eq!(ifac.unwrap(&packet), Err(IfacError::MissingFlag));
        assert_eq!(ifac.unwrap(&frame[..10]), Err(IfacError::TooShort));
        assert_eq!(check_open(&frame), Err(IfacError::UnexpectedFlag));
    }
}
