//! `styrene:core/rns` on top of the `styrene-rns` crate.

use crate::Component;
use crate::exports::styrene::core::rns::{
    Announce, AnnounceError, DestinationType, Guest, GuestIdentity, Identity, KeyError, Packet, PacketError,
    PacketHeader, PacketType,
};
use styrene_rns::identity::{self as domain, KeyError as DomainKeyError, NameError, PublicIdentity};
use styrene_rns::{HASH_LEN, announce, packet};

impl From<packet::PacketError> for PacketError {
    fn from(e: packet::PacketError) -> Self {
        match e {
            packet::PacketError::Truncated(n) => PacketError::Truncated(n as u32),
            packet::PacketError::EmptyData => PacketError::EmptyData,
            packet::PacketError::HopLimit(h) => PacketError::HopLimit(h),
        }
    }
}

impl From<announce::AnnounceError> for AnnounceError {
    fn from(e: announce::AnnounceError) -> Self {
        match e {
            announce::AnnounceError::NotAnnounce => AnnounceError::NotAnnounce,
            announce::AnnounceError::NotSingle => AnnounceError::NotSingle,
            announce::AnnounceError::Truncated(n) => AnnounceError::Truncated(n as u32),
            announce::AnnounceError::BadKey => AnnounceError::BadKey,
            announce::AnnounceError::BadSignature => AnnounceError::BadSignature,
            announce::AnnounceError::DestinationMismatch => AnnounceError::DestinationMismatch,
        }
    }
}

impl From<DomainKeyError> for KeyError {
    fn from(e: DomainKeyError) -> Self {
        match e {
            DomainKeyError::Length { got, .. } => KeyError::Length(got as u32),
            DomainKeyError::BadPoint => KeyError::BadPoint,
        }
    }
}

impl From<NameError> for KeyError {
    fn from(NameError::Dot(part): NameError) -> Self {
        KeyError::BadName(part)
    }
}

fn header_to_wit(h: &packet::Header) -> PacketHeader {
    PacketHeader {
        ifac: h.ifac,
        header_type: h.header_type,
        context_flag: h.context_flag,
        transport_type: h.transport_type,
        destination_type: match h.destination_type {
            packet::DestinationType::Single => DestinationType::Single,
            packet::DestinationType::Group => DestinationType::Group,
            packet::DestinationType::Plain => DestinationType::Plain,
            packet::DestinationType::Link => DestinationType::Link,
        },
        packet_type: match h.packet_type {
            packet::PacketType::Data => PacketType::Data,
            packet::PacketType::Announce => PacketType::Announce,
            packet::PacketType::LinkRequest => PacketType::LinkRequest,
            packet::PacketType::Proof => PacketType::Proof,
        },
        hops: h.hops,
        transport_id: h.transport_id.map(|t| t.to_vec()),
        destination_hash: h.destination_hash.to_vec(),
        context: h.context,
    }
}

/// A 16-byte hash from WIT bytes; other lengths are padded or cut, as the
/// header layout has exactly 16 bytes for it.
fn hash16(bytes: &[u8]) -> [u8; HASH_LEN] {
    let mut out = [0; HASH_LEN];
    let n = bytes.len().min(HASH_LEN);
    out[..n].copy_from_slice(&bytes[..n]);
    out
}

fn header_from_wit(h: &PacketHeader) -> packet::Header {
    packet::Header {
        ifac: h.ifac,
        header_type: h.header_type & 1,
        context_flag: h.context_flag,
        transport_type: h.transport_type & 1,
        destination_type: match h.destination_type {
            DestinationType::Single => packet::DestinationType::Single,
            DestinationType::Group => packet::DestinationType::Group,
            DestinationType::Plain => packet::DestinationType::Plain,
            DestinationType::Link => packet::DestinationType::Link,
        },
        packet_type: match h.packet_type {
            PacketType::Data => packet::PacketType::Data,
            PacketType::Announce => packet::PacketType::Announce,
            PacketType::LinkRequest => packet::PacketType::LinkRequest,
            PacketType::Proof => packet::PacketType::Proof,
        },
        hops: h.hops,
        transport_id: h.transport_id.as_deref().map(hash16),
        destination_hash: hash16(&h.destination_hash),
        context: h.context,
    }
}

/// An announce as WIT carries it.
pub fn announce_to_wit(a: &announce::Announce) -> Announce {
    Announce {
        destination_hash: a.destination_hash.to_vec(),
        identity_hash: a.identity_hash.to_vec(),
        public_key: a.identity.to_bytes().to_vec(),
        name_hash: a.name_hash.to_vec(),
        random_hash: a.random_hash.to_vec(),
        emitted_at: a.emitted_at(),
        ratchet: a.ratchet.map(|r| r.to_vec()),
        app_data: a.app_data.clone(),
    }
}

fn full_name(app_name: &str, aspects: &[String]) -> Result<String, KeyError> {
    let aspects: Vec<&str> = aspects.iter().map(String::as_str).collect();
    Ok(domain::expand_name(app_name, &aspects)?)
}

/// The `identity` resource.
pub struct IdentityResource(domain::Identity);

impl GuestIdentity for IdentityResource {
    fn generate() -> Result<Identity, KeyError> {
        let identity = domain::Identity::generate().map_err(|_| KeyError::NoRandomness)?;
        Ok(Identity::new(IdentityResource(identity)))
    }
    fn from_private_key(private_key: Vec<u8>) -> Result<Identity, KeyError> {
        Ok(Identity::new(IdentityResource(domain::Identity::from_private_bytes(&private_key)?)))
    }
    fn private_key(&self) -> Vec<u8> {
        self.0.private_bytes().to_vec()
    }
    fn public_key(&self) -> Vec<u8> {
        self.0.public().to_bytes().to_vec()
    }
    fn hash(&self) -> Vec<u8> {
        self.0.hash().to_vec()
    }
    fn sign(&self, message: Vec<u8>) -> Vec<u8> {
        self.0.sign(&message).to_vec()
    }
    fn destination_hash(&self, app_name: String, aspects: Vec<String>) -> Result<Vec<u8>, KeyError> {
        let name = full_name(&app_name, &aspects)?;
        Ok(domain::destination_hash(&domain::name_hash(&name), &self.0.hash()).to_vec())
    }
    fn announce(
        &self,
        app_name: String,
        aspects: Vec<String>,
        app_data: Option<Vec<u8>>,
    ) -> Result<Vec<u8>, KeyError> {
        let name = full_name(&app_name, &aspects)?;
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let random_hash = announce::random_hash(now).map_err(|_| KeyError::NoRandomness)?;
        Ok(announce::create(&self.0, &name, random_hash, app_data.as_deref()))
    }
}

impl Guest for Component {
    type Identity = IdentityResource;

    fn parse_packet(raw: Vec<u8>) -> Result<Packet, PacketError> {
        let parsed = packet::parse(&raw)?;
        Ok(Packet {
            header: header_to_wit(&parsed.header),
            data: parsed.data.to_vec(),
            hash: packet::packet_hash(&raw).to_vec(),
        })
    }

    fn serialize_packet(header: PacketHeader, data: Vec<u8>) -> Vec<u8> {
        packet::serialize(&header_from_wit(&header), &data)
    }

    fn validate_announce(raw: Vec<u8>) -> Result<Announce, AnnounceError> {
        let parsed = packet::parse(&raw).map_err(|e| AnnounceError::Packet(e.into()))?;
        Ok(announce_to_wit(&announce::validate(&parsed)?))
    }

    fn verify(public_key: Vec<u8>, message: Vec<u8>, signature: Vec<u8>) -> Result<bool, KeyError> {
        Ok(PublicIdentity::from_bytes(&public_key)?.verify(&message, &signature))
    }
}
