//! The RNS packet header: `flags ‖ hops ‖ [transport id] ‖ destination ‖
//! context ‖ data`, with RNS's unpack rules and packet hash.

use crate::{HASH_LEN, PATHFINDER_M, full_hash};

/// Header type 1: one address.
pub const HEADER_1: u8 = 0;
/// Header type 2: a transport id before the destination.
pub const HEADER_2: u8 = 1;

/// Packet types (the two low bits of the flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketType {
    /// Data.
    Data = 0,
    /// An announce of a destination.
    Announce = 1,
    /// A link request.
    LinkRequest = 2,
    /// A proof.
    Proof = 3,
}

/// Destination types (bits 3..2 of the flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DestinationType {
    /// One identity.
    Single = 0,
    /// A shared key.
    Group = 1,
    /// Unencrypted.
    Plain = 2,
    /// A link.
    Link = 3,
}

/// The decoded header of a packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Bit 7: the frame carries an access code (only before IFAC is removed).
    pub ifac: bool,
    /// Bit 6: [`HEADER_1`] or [`HEADER_2`].
    pub header_type: u8,
    /// Bit 5: for announces, a ratchet key is included.
    pub context_flag: bool,
    /// Bit 4: 0 broadcast, 1 transport.
    pub transport_type: u8,
    /// Bits 3..2.
    pub destination_type: DestinationType,
    /// Bits 1..0.
    pub packet_type: PacketType,
    /// Hops so far.
    pub hops: u8,
    /// The next transport node, in header type 2.
    pub transport_id: Option<[u8; HASH_LEN]>,
    /// The destination.
    pub destination_hash: [u8; HASH_LEN],
    /// The context byte.
    pub context: u8,
}

impl Header {
    /// The flags byte.
    pub fn flags(&self) -> u8 {
        (u8::from(self.ifac) << 7)
            | ((self.header_type & 1) << 6)
            | (u8::from(self.context_flag) << 5)
            | ((self.transport_type & 1) << 4)
            | ((self.destination_type as u8) << 2)
            | self.packet_type as u8
    }

    /// Serialized length of this header.
    pub fn len(&self) -> usize {
        2 + self.transport_id.map_or(0, |_| HASH_LEN) + HASH_LEN + 1
    }

    /// Headers are never empty; present for clippy's `len` convention.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// Why bytes are not a packet RNS would accept (its `Packet.unpack`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    /// Shorter than a header.
    #[error("malformed packet: {0} bytes is shorter than its header")]
    Truncated(usize),
    /// Nothing after the header.
    #[error("malformed packet: zero-length data field")]
    EmptyData,
    /// Too many hops.
    #[error("invalid hop count {0}")]
    HopLimit(u8),
}

/// A parsed packet borrowing its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet<'a> {
    /// The header.
    pub header: Header,
    /// Everything after the context byte.
    pub data: &'a [u8],
}

/// Parses a packet as RNS's `Packet.unpack` does.
pub fn parse(raw: &[u8]) -> Result<Packet<'_>, PacketError> {
    if raw.len() < 2 {
        return Err(PacketError::Truncated(raw.len()));
    }
    let (flags, hops) = (raw[0], raw[1]);
    if hops >= PATHFINDER_M {
        return Err(PacketError::HopLimit(hops));
    }
    let header_type = (flags >> 6) & 1;
    let addresses = if header_type == HEADER_2 { 2 } else { 1 };
    let header_len = 2 + addresses * HASH_LEN + 1;
    if raw.len() < header_len {
        return Err(PacketError::Truncated(raw.len()));
    }
    let hash_at = |at: usize| -> [u8; HASH_LEN] { raw[at..at + HASH_LEN].try_into().expect("16 bytes") };
    let (transport_id, destination_hash) =
        if header_type == HEADER_2 { (Some(hash_at(2)), hash_at(2 + HASH_LEN)) } else { (None, hash_at(2)) };
    let data = &raw[header_len..];
    if data.is_empty() {
        return Err(PacketError::EmptyData);
    }
    let header = Header {
        ifac: flags & 0x80 != 0,
        header_type,
        context_flag: flags & 0x20 != 0,
        transport_type: (flags >> 4) & 1,
        destination_type: match (flags >> 2) & 3 {
            0 => DestinationType::Single,
            1 => DestinationType::Group,
            2 => DestinationType::Plain,
            _ => DestinationType::Link,
        },
        packet_type: match flags & 3 {
            0 => PacketType::Data,
            1 => PacketType::Announce,
            2 => PacketType::LinkRequest,
            _ => PacketType::Proof,
        },
        hops,
        transport_id,
        destination_hash,
        context: raw[header_len - 1],
    };
    Ok(Packet { header, data })
}

/// Serializes a header and data (a header of type 2 needs a transport id;
/// without one it is written as type 1).
pub fn serialize(header: &Header, data: &[u8]) -> Vec<u8> {
    let mut header = header.clone();
    header.header_type = if header.transport_id.is_some() { HEADER_2 } else { HEADER_1 };
    let mut out = Vec::with_capacity(header.len() + data.len());
    out.push(header.flags());
    out.push(header.hops);
    if let Some(transport) = header.transport_id {
        out.extend_from_slice(&transport);
    }
    out.extend_from_slice(&header.destination_hash);
    out.push(header.context);
    out.extend_from_slice(data);
    out
}

/// RNS's packet hash: SHA-256 of the low flag nibble and everything after the
/// hops and transport id, so that it does not change in transit.
pub fn packet_hash(raw: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    let Some(&flags) = raw.first() else {
        return full_hash(&[]);
    };
    hasher.update([flags & 0x0F]);
    let skip = if (flags >> 6) & 1 == HEADER_2 { 2 + HASH_LEN } else { 2 };
    hasher.update(raw.get(skip..).unwrap_or(&[]));
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_both_header_types() {
        let mut raw = vec![0x51, 3];
        raw.extend([7u8; 16]);
        raw.extend([9u8; 16]);
        raw.push(0x0C);
        raw.extend_from_slice(b"data");
        let packet = parse(&raw).unwrap();
        assert_eq!(packet.header.header_type, HEADER_2);
        assert_eq!(packet.header.transport_type, 1);
        assert_eq!(packet.header.packet_type, PacketType::Announce);
        assert_eq!(packet.header.transport_id, Some([7; 16]));
        assert_eq!(packet.header.destination_hash, [9; 16]);
        assert_eq!(packet.header.context, 0x0C);
        assert_eq!(serialize(&packet.header, packet.data), raw);

        let stripped = serialize(&Header { transport_id: None, ..packet.header.clone() }, packet.data);
        assert_eq!(packet_hash(&stripped), packet_hash(&raw), "the hash ignores the transport id and hops");
    }

    #[test]
    fn unpack_rules() {
        assert_eq!(parse(&[0]), Err(PacketError::Truncated(1)));
        let mut raw = vec![0, 128];
        raw.extend([0u8; 18]);
        assert_eq!(parse(&raw), Err(PacketError::HopLimit(128)));
        raw[1] = 0;
        assert_eq!(parse(&raw[..19]), Err(PacketError::EmptyData));
        assert!(parse(&raw).is_ok());
    }
}
