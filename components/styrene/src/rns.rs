//! `styrene:core/rns` on top of the `styrene-rns` crate.

use crate::Component;
use crate::exports::styrene::core::rns::{
    Announce, DestinationType, Error as RnsError, ErrorCode, Guest, GuestIdentity, Identity, Packet,
    PacketHeader, PacketType,
};
use styrene_rns::identity::{self as domain, KeyError as DomainKeyError, NameError, PublicIdentity};
use styrene_rns::{HASH_LEN, announce, packet};

/// The WIT code of a packet error (the gateway's drop reasons use it too).
pub(crate) fn packet_code(e: &packet::PacketError) -> ErrorCode {
    match e {
        packet::PacketError::Truncated(_) => ErrorCode::PacketTruncated,
        packet::PacketError::EmptyData => ErrorCode::EmptyData,
        packet::PacketError::HopLimit(_) => ErrorCode::HopLimit,
    }
}

/// The WIT code of an announce error (the gateway's drop reasons use it too).
pub(crate) fn announce_code(e: &announce::AnnounceError) -> ErrorCode {
    match e {
        announce::AnnounceError::NotAnnounce => ErrorCode::NotAnnounce,
        announce::AnnounceError::NotSingle => ErrorCode::NotSingle,
        announce::AnnounceError::Truncated(_) => ErrorCode::AnnounceTruncated,
        announce::AnnounceError::BadKey => ErrorCode::BadKey,
        announce::AnnounceError::BadSignature => ErrorCode::BadSignature,
        announce::AnnounceError::DestinationMismatch => ErrorCode::DestinationMismatch,
    }
}

impl From<packet::PacketError> for RnsError {
    fn from(e: packet::PacketError) -> Self {
        RnsError { code: packet_code(&e), message: e.to_string() }
    }
}

impl From<announce::AnnounceError> for RnsError {
    fn from(e: announce::AnnounceError) -> Self {
        RnsError { code: announce_code(&e), message: e.to_string() }
    }
}

impl From<DomainKeyError> for RnsError {
    fn from(e: DomainKeyError) -> Self {
        let code = match &e {
            DomainKeyError::Length { .. } => ErrorCode::KeyLength,
            DomainKeyError::BadPoint => ErrorCode::BadPoint,
        };
        RnsError { code, message: e.to_string() }
    }
}

impl From<NameError> for RnsError {
    fn from(e: NameError) -> Self {
        RnsError { code: ErrorCode::BadName, message: e.to_string() }
    }
}

fn no_randomness() -> RnsError {
    RnsError { code: ErrorCode::NoRandomness, message: "the host gave no randomness".into() }
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

fn full_name(app_name: &str, aspects: &[String]) -> Result<String, RnsError> {
    let aspects: Vec<&str> = aspects.iter().map(String::as_str).collect();
    Ok(domain::expand_name(app_name, &aspects)?)
}

/// The `identity` resource.
pub struct IdentityResource(domain::Identity);

impl IdentityResource {
    /// The identity itself, for other interfaces (the transport node's id).
    pub(crate) fn domain(&self) -> &domain::Identity {
        &self.0
    }
}

impl GuestIdentity for IdentityResource {
    fn generate() -> Result<Identity, RnsError> {
        let identity = domain::Identity::generate().map_err(|_| no_randomness())?;
        Ok(Identity::new(IdentityResource(identity)))
    }
    fn from_private_key(private_key: Vec<u8>) -> Result<Identity, RnsError> {
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
    fn destination_hash(&self, app_name: String, aspects: Vec<String>) -> Result<Vec<u8>, RnsError> {
        let name = full_name(&app_name, &aspects)?;
        Ok(domain::destination_hash(&domain::name_hash(&name), &self.0.hash()).to_vec())
    }
    fn announce(
        &self,
        app_name: String,
        aspects: Vec<String>,
        app_data: Option<Vec<u8>>,
    ) -> Result<Vec<u8>, RnsError> {
        let name = full_name(&app_name, &aspects)?;
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let random_hash = announce::random_hash(now).map_err(|_| no_randomness())?;
        Ok(announce::create(&self.0, &name, random_hash, app_data.as_deref()))
    }
}

impl Guest for Component {
    type Identity = IdentityResource;

    fn parse_packet(raw: Vec<u8>) -> Result<Packet, RnsError> {
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

    fn validate_announce(raw: Vec<u8>) -> Result<Announce, RnsError> {
        let parsed = packet::parse(&raw).map_err(RnsError::from)?;
        Ok(announce_to_wit(&announce::validate(&parsed)?))
    }

    fn verify(public_key: Vec<u8>, message: Vec<u8>, signature: Vec<u8>) -> Result<bool, RnsError> {
        Ok(PublicIdentity::from_bytes(&public_key)?.verify(&message, &signature))
    }
}

/// Inside wasmtime: packets and announces against what RNS produced.
#[cfg(test)]
mod tests {
    use super::*;
    use styrene_vectors::{hex, rns_section, to_hex};

    #[test]
    fn announces_are_judged_as_rns_judges_them() {
        for case in rns_section("announces") {
            let result = <Component as Guest>::validate_announce(hex(case["raw"].as_str().unwrap()));
            assert_eq!(result.is_ok(), case["valid"] == true, "{case}");
            if let Ok(announce) = result {
                assert_eq!(to_hex(&announce.identity_hash), case["identity"]);
                assert_eq!(to_hex(&announce.destination_hash), case["destination"]);
            }
        }
    }

    #[test]
    fn identities_sign_and_announce_as_rns() {
        for case in rns_section("identities").iter().take(4) {
            let identity =
                IdentityResource::from_private_key(hex(case["private"].as_str().unwrap())).unwrap();
            let identity = identity.get::<IdentityResource>();
            assert_eq!(to_hex(&identity.hash()), case["hash"]);
            assert_eq!(to_hex(&identity.sign(hex(case["message"].as_str().unwrap()))), case["signature"]);
            let lxmf = identity.destination_hash("lxmf".into(), vec!["delivery".into()]).unwrap();
            assert_eq!(to_hex(&lxmf), case["lxmf_delivery"]);
            let raw = identity
                .announce("styrene".into(), vec!["node".into()], Some(b"styrene:x".to_vec()))
                .unwrap();
            let heard = <Component as Guest>::validate_announce(raw).unwrap();
            assert_eq!(to_hex(&heard.identity_hash), case["hash"]);
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
            assert!(heard.emitted_at.abs_diff(now) < 60, "stamped with the wasi wall clock");
        }
        assert!(matches!(
            IdentityResource::from_private_key(vec![0; 10]),
            Err(RnsError { code: ErrorCode::KeyLength, .. })
        ));
        let generated = IdentityResource::generate().unwrap();
        let generated = generated.get::<IdentityResource>();
        assert!(matches!(
            generated.destination_hash("a.b".into(), vec![]),
            Err(RnsError { code: ErrorCode::BadName, message }) if message.contains("a.b")
        ));
    }

    #[test]
    fn packets_round_trip() {
        for case in rns_section("packets").iter().filter(|c| c.get("ok").is_some()) {
            let raw = hex(case["raw"].as_str().unwrap());
            let packet = <Component as Guest>::parse_packet(raw.clone()).unwrap();
            assert_eq!(to_hex(&packet.hash), case["ok"]["hash"]);
            let mut again = <Component as Guest>::serialize_packet(packet.header, packet.data);
            again[0] |= raw[0] & 0x80;
            assert_eq!(again, raw);
        }
    }
}
