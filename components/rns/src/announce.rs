//! Announces: a destination's public keys, name hash, a random hash, an
//! optional ratchet key, a signature, and app_data. Parsing checks what RNS's
//! `Identity.validate_announce` checks; creation builds what RNS's
//! `Destination.announce` sends.

use crate::HASH_LEN;
use crate::identity::{
    Identity, NAME_HASH_LEN, PUBLIC_KEY_LEN, PublicIdentity, SIGNATURE_LEN, destination_hash, name_hash,
};
use crate::packet::{DestinationType, HEADER_1, Header, Packet, PacketType};

/// Length of the random hash (5 random bytes, then 5 bytes of Unix time).
pub const RANDOM_HASH_LEN: usize = 10;
/// Length of a ratchet public key.
pub const RATCHET_LEN: usize = 32;
/// Announce data without ratchet and app_data.
const FIXED_LEN: usize = PUBLIC_KEY_LEN + NAME_HASH_LEN + RANDOM_HASH_LEN + SIGNATURE_LEN;

/// A validated announce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announce {
    /// The announced destination.
    pub destination_hash: [u8; HASH_LEN],
    /// The announcing identity.
    pub identity: PublicIdentity,
    /// Its identity hash.
    pub identity_hash: [u8; HASH_LEN],
    /// Hash of the destination's full name.
    pub name_hash: [u8; NAME_HASH_LEN],
    /// Random hash; its last five bytes are the sender's clock (big-endian seconds).
    pub random_hash: [u8; RANDOM_HASH_LEN],
    /// The ratchet key, when the context flag is set.
    pub ratchet: Option<[u8; RATCHET_LEN]>,
    /// The app_data; `None` when the announce carries none (RNS's convention).
    pub app_data: Option<Vec<u8>>,
}

impl Announce {
    /// The sender's clock when it made the announce.
    pub fn emitted_at(&self) -> u64 {
        self.random_hash[5..].iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
    }

    /// Whether this destination is `full_name` (such as `"lxmf.delivery"`) of its identity.
    pub fn is_named(&self, full_name: &str) -> bool {
        destination_hash(&name_hash(full_name), &self.identity_hash) == self.destination_hash
    }
}

/// Why an announce was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnnounceError {
    /// Not an announce packet.
    #[error("not an announce packet")]
    NotAnnounce,
    /// An announce for a PLAIN or GROUP destination, which RNS drops.
    #[error("announce for a PLAIN or GROUP destination")]
    NotSingle,
    /// Too short for its fields.
    #[error("announce data of {0} bytes is too short")]
    Truncated(usize),
    /// The public key is not usable.
    #[error("announce public key is invalid")]
    BadKey,
    /// The signature does not verify.
    #[error("invalid announce signature")]
    BadSignature,
    /// The destination hash is not the one the name and identity give.
    #[error("destination hash does not match the announced identity and name")]
    DestinationMismatch,
}

/// Validates an announce packet: signature over RNS's signed fields, then the
/// destination hash from the name hash and the identity hash.
pub fn validate(packet: &Packet<'_>) -> Result<Announce, AnnounceError> {
    let header = &packet.header;
    if header.packet_type != PacketType::Announce {
        return Err(AnnounceError::NotAnnounce);
    }
    if matches!(header.destination_type, DestinationType::Plain | DestinationType::Group) {
        return Err(AnnounceError::NotSingle);
    }
    let data = packet.data;
    let ratchet_len = if header.context_flag { RATCHET_LEN } else { 0 };
    if data.len() < FIXED_LEN + ratchet_len {
        return Err(AnnounceError::Truncated(data.len()));
    }
    let public_key = &data[..PUBLIC_KEY_LEN];
    let mut at = PUBLIC_KEY_LEN;
    let name_hash: [u8; NAME_HASH_LEN] = data[at..at + NAME_HASH_LEN].try_into().expect("sized");
    at += NAME_HASH_LEN;
    let random_hash: [u8; RANDOM_HASH_LEN] = data[at..at + RANDOM_HASH_LEN].try_into().expect("sized");
    at += RANDOM_HASH_LEN;
    let ratchet: Option<[u8; RATCHET_LEN]> =
        header.context_flag.then(|| data[at..at + RATCHET_LEN].try_into().expect("sized"));
    at += ratchet_len;
    let signature = &data[at..at + SIGNATURE_LEN];
    at += SIGNATURE_LEN;
    let app_data = &data[at..];

    let identity = PublicIdentity::from_bytes(public_key).map_err(|_| AnnounceError::BadKey)?;
    let signed = signed_fields(
        &header.destination_hash,
        public_key,
        &name_hash,
        &random_hash,
        ratchet.as_ref(),
        app_data,
    );
    if !identity.verify(&signed, signature) {
        return Err(AnnounceError::BadSignature);
    }
    let identity_hash = identity.hash();
    if destination_hash(&name_hash, &identity_hash) != header.destination_hash {
        return Err(AnnounceError::DestinationMismatch);
    }
    // RNS: app_data is None unless the data is longer than the fields without
    // a ratchet (so a ratchet announce always has at least empty app_data).
    let app_data = (data.len() > FIXED_LEN).then(|| app_data.to_vec());
    Ok(Announce {
        destination_hash: header.destination_hash,
        identity,
        identity_hash,
        name_hash,
        random_hash,
        ratchet,
        app_data,
    })
}

/// What an announce's signature covers: `destination ‖ public keys ‖ name hash
/// ‖ random hash ‖ [ratchet] ‖ app_data`.
fn signed_fields(
    destination: &[u8; HASH_LEN],
    public_key: &[u8],
    name_hash: &[u8; NAME_HASH_LEN],
    random_hash: &[u8; RANDOM_HASH_LEN],
    ratchet: Option<&[u8; RATCHET_LEN]>,
    app_data: &[u8],
) -> Vec<u8> {
    let ratchet = ratchet.map_or(&[][..], |r| &r[..]);
    [&destination[..], public_key, name_hash, random_hash, ratchet, app_data].concat()
}

/// The raw announce packet RNS's `Destination.announce` would send for the
/// destination `full_name` of `identity`, with this random hash (5 random
/// bytes then the time, see [`random_hash`]) and app_data, without ratchet.
pub fn create(
    identity: &Identity,
    full_name: &str,
    random_hash: [u8; RANDOM_HASH_LEN],
    app_data: Option<&[u8]>,
) -> Vec<u8> {
    let name_hash = name_hash(full_name);
    let destination = destination_hash(&name_hash, &identity.hash());
    let public_key = identity.public().to_bytes();
    let app_data = app_data.unwrap_or(&[]);
    let signature =
        identity.sign(&signed_fields(&destination, &public_key, &name_hash, &random_hash, None, app_data));
    let mut data = Vec::with_capacity(FIXED_LEN + app_data.len());
    data.extend_from_slice(&public_key);
    data.extend_from_slice(&name_hash);
    data.extend_from_slice(&random_hash);
    data.extend_from_slice(&signature);
    data.extend_from_slice(app_data);
    let header = Header {
        ifac: false,
        header_type: HEADER_1,
        context_flag: false,
        transport_type: 0,
        destination_type: DestinationType::Single,
        packet_type: PacketType::Announce,
        hops: 0,
        transport_id: None,
        destination_hash: destination,
        context: 0,
    };
    crate::packet::serialize(&header, &data)
}

/// RNS's random hash: five random bytes, then `now` as five big-endian bytes.
pub fn random_hash(now: u64) -> Result<[u8; RANDOM_HASH_LEN], getrandom::Error> {
    let mut out = [0u8; RANDOM_HASH_LEN];
    getrandom::fill(&mut out[..5])?;
    out[5..].copy_from_slice(&now.to_be_bytes()[3..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::parse;

    #[test]
    fn create_then_validate() {
        let identity = Identity::from_private_bytes(&[5u8; 64]).unwrap();
        let raw = create(&identity, "styrene.node", random_hash(1_700_000_000).unwrap(), Some(b"styrene:gw"));
        let announce = validate(&parse(&raw).unwrap()).unwrap();
        assert_eq!(announce.identity_hash, identity.hash());
        assert_eq!(announce.app_data.as_deref(), Some(&b"styrene:gw"[..]));
        assert_eq!(announce.emitted_at(), 1_700_000_000);
        assert!(announce.is_named("styrene.node"));

        let mut forged = raw.clone();
        *forged.last_mut().unwrap() ^= 1;
        assert_eq!(validate(&parse(&forged).unwrap()), Err(AnnounceError::BadSignature));
        let mut moved = raw.clone();
        moved[2] ^= 1;
        assert_eq!(
            validate(&parse(&moved).unwrap()),
            Err(AnnounceError::BadSignature),
            "the destination is signed"
        );
        assert_eq!(validate(&parse(&raw[..100]).unwrap()), Err(AnnounceError::Truncated(81)));

        let bare = create(&identity, "styrene.node", random_hash(0).unwrap(), None);
        assert_eq!(validate(&parse(&bare).unwrap()).unwrap().app_data, None);
    }
}
