//! styrened's `pqc_crypto` (spec §4.1): ML-KEM-768, X25519, the hybrid KDF,
//! AES-256-GCM with a random nonce, and the (unused upstream) key ratchet.
//!
//! Sizes and error texts are styrened's: where it relies on `cryptography`,
//! that library's messages; where it relies on liboqs, which only says that
//! an operation failed, a message naming the size or check that failed.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use ml_kem::kem::{Decapsulate, Encapsulate};
use ml_kem::{EncodedSizeUser, KemCore, MlKem768};
use rand_core::{CryptoRng, CryptoRngCore, RngCore};
use sha2::Sha256;
use sha3::{Digest, Sha3_256};
use std::fmt;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::{Zeroize, Zeroizing};

/// ML-KEM-768 encapsulation (public) key size.
pub const KEM_PUBLIC_KEY_SIZE: usize = 1184;
/// ML-KEM-768 decapsulation (secret) key size, FIPS 203's expanded form (liboqs's too).
pub const KEM_SECRET_KEY_SIZE: usize = 2400;
/// ML-KEM-768 ciphertext size.
pub const KEM_CIPHERTEXT_SIZE: usize = 1088;
/// Shared secrets, X25519 keys and AES keys are 32 bytes.
pub const KEY_SIZE: usize = 32;
/// AES-GCM nonce size.
pub const NONCE_SIZE: usize = 12;
/// AES-GCM tag size.
pub const TAG_SIZE: usize = 16;
/// HKDF info of the hybrid KDF.
pub const HYBRID_INFO: &[u8] = b"styrene.io:hybrid-pqc:v1";
/// HKDF info of the ratchet.
pub const RATCHET_INFO: &[u8] = b"styrene.io:ratchet:v1";

/// A secret that is wiped from memory when dropped.
pub type Secret = Zeroizing<Vec<u8>>;

/// Why a primitive refused its input. Python raises `ValueError` for the first
/// two and `cryptography.exceptions.InvalidTag` for the last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PqcError {
    /// Key material of the wrong size or that fails its FIPS 203 / RFC 7748 check.
    InvalidKey(String),
    /// Input data that cannot be what it claims (too short).
    InvalidData(String),
    /// AES-GCM authentication failed: wrong key, nonce, AAD, or tampered data.
    InvalidTag,
}

impl fmt::Display for PqcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PqcError::InvalidKey(m) | PqcError::InvalidData(m) => f.write_str(m),
            PqcError::InvalidTag => f.write_str("authentication tag mismatch"),
        }
    }
}

impl std::error::Error for PqcError {}

/// The platform's randomness (`wasi:random` in the component) for the RustCrypto APIs.
pub struct SystemRandom;

impl RngCore for SystemRandom {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }
    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        // wasi:random and the OS generators do not fail; if one did, no key may be made
        getrandom::fill(dest).expect("the platform provides randomness");
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        getrandom::fill(dest).map_err(|_| {
            rand_core::Error::from(
                std::num::NonZeroU32::new(rand_core::Error::CUSTOM_START).expect("non-zero"),
            )
        })
    }
}

impl CryptoRng for SystemRandom {}

/// FIPS 203 §7.2 input check: every 12-bit coefficient of the key is below q.
fn check_kem_public_key(pk: &[u8]) -> Result<(), PqcError> {
    if pk.len() != KEM_PUBLIC_KEY_SIZE {
        return Err(PqcError::InvalidKey(format!(
            "ML-KEM-768 public key must be {KEM_PUBLIC_KEY_SIZE} bytes, got {}",
            pk.len()
        )));
    }
    const Q: u16 = 3329;
    let below_q = pk[..KEM_PUBLIC_KEY_SIZE - 32].chunks_exact(3).all(|b| {
        let (b0, b1, b2) = (u16::from(b[0]), u16::from(b[1]), u16::from(b[2]));
        (b0 | (b1 & 0x0f) << 8) < Q && (b1 >> 4 | b2 << 4) < Q
    });
    if below_q {
        Ok(())
    } else {
        Err(PqcError::InvalidKey("ML-KEM-768 public key is not reduced mod q".into()))
    }
}

/// FIPS 203 §7.3 input check: the secret key carries its public key and that key's hash.
fn check_kem_secret_key(sk: &[u8]) -> Result<(), PqcError> {
    if sk.len() != KEM_SECRET_KEY_SIZE {
        return Err(PqcError::InvalidKey(format!(
            "ML-KEM-768 secret key must be {KEM_SECRET_KEY_SIZE} bytes, got {}",
            sk.len()
        )));
    }
    let (ek, h) = (&sk[1152..1152 + KEM_PUBLIC_KEY_SIZE], &sk[2336..2368]);
    if Sha3_256::digest(ek).as_slice() != h {
        return Err(PqcError::InvalidKey("ML-KEM-768 secret key fails its hash check".into()));
    }
    Ok(())
}

/// `kem_generate_keypair()`: `(public key 1184 B, secret key 2400 B)`.
pub fn kem_generate_keypair(rng: &mut impl CryptoRngCore) -> (Vec<u8>, Secret) {
    let (dk, ek) = MlKem768::generate(rng);
    let mut encoded = dk.as_bytes();
    let secret = Zeroizing::new(encoded.to_vec());
    encoded.as_mut_slice().zeroize();
    (ek.as_bytes().to_vec(), secret)
}

/// `kem_encapsulate(public_key)`: `(ciphertext 1088 B, shared secret 32 B)`.
pub fn kem_encapsulate(
    public_key: &[u8],
    rng: &mut impl CryptoRngCore,
) -> Result<(Vec<u8>, Secret), PqcError> {
    check_kem_public_key(public_key)?;
    let encoded = ml_kem::Encoded::<<MlKem768 as KemCore>::EncapsulationKey>::try_from(public_key)
        .map_err(|_| PqcError::InvalidKey("ML-KEM-768 public key has the wrong size".into()))?;
    let ek = <MlKem768 as KemCore>::EncapsulationKey::from_bytes(&encoded);
    let (ct, ss) =
        ek.encapsulate(rng).map_err(|()| PqcError::InvalidKey("ML-KEM-768 encapsulation failed".into()))?;
    Ok((ct.to_vec(), Zeroizing::new(ss.to_vec())))
}

/// `kem_decapsulate(secret_key, ciphertext)`: the 32-byte shared secret. A
/// ciphertext that was tampered with yields an unrelated secret (FIPS 203's
/// implicit rejection), never an error.
pub fn kem_decapsulate(secret_key: &[u8], ciphertext: &[u8]) -> Result<Secret, PqcError> {
    check_kem_secret_key(secret_key)?;
    if ciphertext.len() != KEM_CIPHERTEXT_SIZE {
        return Err(PqcError::InvalidKey(format!(
            "ML-KEM-768 ciphertext must be {KEM_CIPHERTEXT_SIZE} bytes, got {}",
            ciphertext.len()
        )));
    }
    let mut encoded = ml_kem::Encoded::<<MlKem768 as KemCore>::DecapsulationKey>::try_from(secret_key)
        .map_err(|_| PqcError::InvalidKey("ML-KEM-768 secret key has the wrong size".into()))?;
    let dk = <MlKem768 as KemCore>::DecapsulationKey::from_bytes(&encoded);
    encoded.as_mut_slice().zeroize();
    let ct = ml_kem::Ciphertext::<MlKem768>::try_from(ciphertext)
        .map_err(|_| PqcError::InvalidKey("ML-KEM-768 ciphertext has the wrong size".into()))?;
    let ss =
        dk.decapsulate(&ct).map_err(|()| PqcError::InvalidKey("ML-KEM-768 decapsulation failed".into()))?;
    Ok(Zeroizing::new(ss.to_vec()))
}

/// `x25519_generate_keypair()`: `(public 32 B, private 32 B)`, public first as in styrened.
pub fn x25519_generate_keypair(rng: &mut impl CryptoRngCore) -> (Vec<u8>, Secret) {
    let secret = StaticSecret::random_from_rng(rng);
    let public = PublicKey::from(&secret);
    (public.as_bytes().to_vec(), Zeroizing::new(secret.to_bytes().to_vec()))
}

/// The public key of an X25519 private key.
pub fn x25519_public_key(private_key: &[u8]) -> Result<Vec<u8>, PqcError> {
    let secret = StaticSecret::from(private_bytes(private_key)?);
    Ok(PublicKey::from(&secret).as_bytes().to_vec())
}

fn private_bytes(private_key: &[u8]) -> Result<[u8; 32], PqcError> {
    private_key.try_into().map_err(|_| PqcError::InvalidKey("An X25519 private key is 32 bytes long".into()))
}

/// `x25519_derive_shared(private, peer_public)`: the 32-byte shared secret. A
/// peer key of small order (an all-zero result) is refused, as `cryptography` refuses it.
pub fn x25519_derive_shared(private_key: &[u8], peer_public_key: &[u8]) -> Result<Secret, PqcError> {
    let secret = StaticSecret::from(private_bytes(private_key)?);
    let peer: [u8; 32] = peer_public_key
        .try_into()
        .map_err(|_| PqcError::InvalidKey("An X25519 public key is 32 bytes long".into()))?;
    let shared = secret.diffie_hellman(&PublicKey::from(peer));
    if !shared.was_contributory() {
        return Err(PqcError::InvalidKey("Error computing shared key.".into()));
    }
    Ok(Zeroizing::new(shared.as_bytes().to_vec()))
}

fn hkdf32(ikm: &[u8], salt: &[u8], info: &[u8]) -> Secret {
    let mut out = Zeroizing::new(vec![0u8; KEY_SIZE]);
    Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(info, &mut out)
        .expect("32 bytes is a valid HKDF-SHA256 length");
    out
}

/// `hybrid_kdf(x25519_shared, kem_shared, session_id)`: HKDF-SHA256 over
/// `x25519_shared ‖ kem_shared`, salt = session id, info `styrene.io:hybrid-pqc:v1`.
pub fn hybrid_kdf(x25519_shared: &[u8], kem_shared: &[u8], session_id: &[u8]) -> Secret {
    let mut ikm = Zeroizing::new(Vec::with_capacity(x25519_shared.len() + kem_shared.len()));
    ikm.extend_from_slice(x25519_shared);
    ikm.extend_from_slice(kem_shared);
    hkdf32(&ikm, session_id, HYBRID_INFO)
}

/// `ratchet_key(current_key, counter)`: HKDF-SHA256(current key, salt = counter
/// as 8 bytes big-endian, info `styrene.io:ratchet:v1`).
pub fn ratchet_key(current_key: &[u8], counter: u64) -> Secret {
    hkdf32(current_key, &counter.to_be_bytes(), RATCHET_INFO)
}

fn mac_over(key: &[u8], parts: &[&[u8]]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac
}

/// HMAC-SHA256 of `parts` (concatenated) under `key`.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    mac_over(key, parts).finalize().into_bytes().into()
}

/// Whether `tag` is the HMAC-SHA256 of `parts` under `key`, compared in constant time.
pub fn hmac_sha256_verify(key: &[u8], parts: &[&[u8]], tag: &[u8]) -> bool {
    mac_over(key, parts).verify_slice(tag).is_ok()
}

fn cipher(key: &[u8]) -> Result<Aes256Gcm, PqcError> {
    if key.len() != KEY_SIZE {
        return Err(PqcError::InvalidKey(format!("Key must be 32 bytes, got {}", key.len())));
    }
    Aes256Gcm::new_from_slice(key)
        .map_err(|_| PqcError::InvalidKey(format!("Key must be 32 bytes, got {}", key.len())))
}

/// `aes_gcm_encrypt(key, plaintext, aad)`: `nonce ‖ ciphertext ‖ tag` with a
/// fresh random 12-byte nonce.
pub fn aes_gcm_encrypt(
    key: &[u8],
    plaintext: &[u8],
    aad: &[u8],
    rng: &mut impl CryptoRngCore,
) -> Result<Vec<u8>, PqcError> {
    let mut nonce = [0u8; NONCE_SIZE];
    rng.fill_bytes(&mut nonce);
    aes_gcm_encrypt_with_nonce(key, &nonce, plaintext, aad)
}

/// AES-256-GCM with a given nonce, in styrened's `nonce ‖ ciphertext ‖ tag`
/// layout. Only for known-answer tests and callers that manage nonces.
pub fn aes_gcm_encrypt_with_nonce(
    key: &[u8],
    nonce: &[u8; NONCE_SIZE],
    plaintext: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>, PqcError> {
    let sealed = cipher(key)?
        .encrypt(Nonce::from_slice(nonce), Payload { msg: plaintext, aad })
        .map_err(|_| PqcError::InvalidData("plaintext too long for AES-GCM".into()))?;
    let mut out = Vec::with_capacity(NONCE_SIZE + sealed.len());
    out.extend_from_slice(nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// `aes_gcm_decrypt(key, data, aad)` of `nonce ‖ ciphertext ‖ tag`.
pub fn aes_gcm_decrypt(key: &[u8], data: &[u8], aad: &[u8]) -> Result<Secret, PqcError> {
    let cipher = cipher(key)?;
    if data.len() < NONCE_SIZE + TAG_SIZE {
        return Err(PqcError::InvalidData(format!("Data too short for nonce + tag: {} bytes", data.len())));
    }
    let (nonce, sealed) = data.split_at(NONCE_SIZE);
    let plain = cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad })
        .map_err(|_| PqcError::InvalidTag)?;
    Ok(Zeroizing::new(plain))
}
