//! RNS identities: an X25519 key pair for encryption and an Ed25519 key pair
//! for signatures, addressed by the truncated hash of both public keys.

use crate::{HASH_LEN, full_hash, truncated_hash};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

/// Public keys: X25519 (32) then Ed25519 (32), as in announces.
pub const PUBLIC_KEY_LEN: usize = 64;
/// Private keys: X25519 secret (32) then Ed25519 seed (32), RNS's identity file format.
pub const PRIVATE_KEY_LEN: usize = 64;
/// Ed25519 signature length.
pub const SIGNATURE_LEN: usize = 64;
/// Length of a destination's name hash.
pub const NAME_HASH_LEN: usize = 10;

/// Why key bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The bytes are not the length RNS uses.
    #[error("{what} must be {expected} bytes, got {got}")]
    Length {
        /// Which key.
        what: &'static str,
        /// RNS's length.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// The Ed25519 public key is not a curve point.
    #[error("the Ed25519 public key is not a valid point")]
    BadPoint,
}

/// The public half of an identity: enough to verify signatures and derive hashes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicIdentity {
    encryption: [u8; 32],
    verifying: VerifyingKey,
}

impl PublicIdentity {
    /// From the 64 public-key bytes of an announce.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.len() != PUBLIC_KEY_LEN {
            return Err(KeyError::Length {
                what: "a public key",
                expected: PUBLIC_KEY_LEN,
                got: bytes.len(),
            });
        }
        let mut encryption = [0; 32];
        encryption.copy_from_slice(&bytes[..32]);
        let verifying_bytes: [u8; 32] = bytes[32..].try_into().expect("32 bytes");
        let verifying = VerifyingKey::from_bytes(&verifying_bytes).map_err(|_| KeyError::BadPoint)?;
        Ok(PublicIdentity { encryption, verifying })
    }

    /// X25519 public key then Ed25519 public key.
    pub fn to_bytes(&self) -> [u8; PUBLIC_KEY_LEN] {
        let mut out = [0; PUBLIC_KEY_LEN];
        out[..32].copy_from_slice(&self.encryption);
        out[32..].copy_from_slice(self.verifying.as_bytes());
        out
    }

    /// RNS's identity hash: the truncated hash of the public keys.
    pub fn hash(&self) -> [u8; HASH_LEN] {
        truncated_hash(&self.to_bytes())
    }

    /// Whether `signature` is this identity's Ed25519 signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(signature) = Signature::from_slice(signature) else {
            return false;
        };
        self.verifying.verify(message, &signature).is_ok()
    }
}

/// An identity with its private keys.
pub struct Identity {
    encryption: StaticSecret,
    signing: SigningKey,
    public: PublicIdentity,
}

impl Identity {
    /// A fresh identity from the system's random source.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = Zeroizing::new([0u8; PRIVATE_KEY_LEN]);
        getrandom::fill(&mut bytes[..])?;
        Ok(Identity::from_private_bytes(&bytes[..]).expect("64 bytes"))
    }

    /// From RNS's 64-byte private key (an identity file's contents).
    pub fn from_private_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.len() != PRIVATE_KEY_LEN {
            return Err(KeyError::Length {
                what: "a private key",
                expected: PRIVATE_KEY_LEN,
                got: bytes.len(),
            });
        }
        let secret: [u8; 32] = bytes[..32].try_into().expect("32 bytes");
        let seed: Zeroizing<[u8; 32]> = Zeroizing::new(bytes[32..].try_into().expect("32 bytes"));
        let encryption = StaticSecret::from(secret);
        let signing = SigningKey::from_bytes(&seed);
        let public = PublicIdentity {
            encryption: PublicKey::from(&encryption).to_bytes(),
            verifying: signing.verifying_key(),
        };
        Ok(Identity { encryption, signing, public })
    }

    /// RNS's 64-byte private key format.
    pub fn private_bytes(&self) -> Zeroizing<[u8; PRIVATE_KEY_LEN]> {
        let mut out = Zeroizing::new([0; PRIVATE_KEY_LEN]);
        out[..32].copy_from_slice(self.encryption.as_bytes());
        out[32..].copy_from_slice(self.signing.as_bytes());
        out
    }

    /// The public half.
    pub fn public(&self) -> &PublicIdentity {
        &self.public
    }

    /// The identity hash.
    pub fn hash(&self) -> [u8; HASH_LEN] {
        self.public.hash()
    }

    /// Ed25519 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.signing.sign(message).to_bytes()
    }
}

/// RNS's name hash of a full destination name such as `"lxmf.delivery"`.
pub fn name_hash(full_name: &str) -> [u8; NAME_HASH_LEN] {
    let full = full_hash(full_name.as_bytes());
    let mut out = [0; NAME_HASH_LEN];
    out.copy_from_slice(&full[..NAME_HASH_LEN]);
    out
}

/// A destination hash from its name hash and the identity hash.
pub fn destination_hash(name_hash: &[u8; NAME_HASH_LEN], identity_hash: &[u8; HASH_LEN]) -> [u8; HASH_LEN] {
    let mut material = [0u8; NAME_HASH_LEN + HASH_LEN];
    material[..NAME_HASH_LEN].copy_from_slice(name_hash);
    material[NAME_HASH_LEN..].copy_from_slice(identity_hash);
    truncated_hash(&material)
}

/// Why a destination name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// RNS forbids dots inside the app name and aspects (they join them).
    #[error("dots can't be used in app names or aspects: {0:?}")]
    Dot(String),
}

/// `app_name.aspect1.aspect2…`, refusing dots inside the parts as RNS does.
pub fn expand_name(app_name: &str, aspects: &[&str]) -> Result<String, NameError> {
    let mut name = String::from(app_name);
    for part in std::iter::once(app_name).chain(aspects.iter().copied()) {
        if part.contains('.') {
            return Err(NameError::Dot(part.to_owned()));
        }
    }
    for aspect in aspects {
        name.push('.');
        name.push_str(aspect);
    }
    Ok(name)
}
