//! `styrene:core/pqc` on top of the `styrene-pqc` crate.

use crate::Component;
use crate::exports::styrene::core::pqc::{
    Error as PqcError, ErrorCode, Guest, GuestSessionService, KemEncapsulation, KemKeypair, Outgoing,
    SecurityTier, SessionInfo, SessionState, X25519Keypair,
};
use std::cell::RefCell;
use styrene_pqc::primitives::{self as p, SystemRandom};
use styrene_pqc::session as domain;

impl From<styrene_pqc::PqcError> for PqcError {
    fn from(e: styrene_pqc::PqcError) -> Self {
        let code = match &e {
            styrene_pqc::PqcError::InvalidKey(_) => ErrorCode::InvalidKey,
            styrene_pqc::PqcError::InvalidData(_) => ErrorCode::InvalidData,
            styrene_pqc::PqcError::InvalidTag => ErrorCode::InvalidTag,
        };
        PqcError { code, message: e.to_string() }
    }
}

impl From<domain::HandshakeError> for PqcError {
    fn from(e: domain::HandshakeError) -> Self {
        let code = match &e {
            // refused key material keeps the primitive's code; the text says it came from a handshake
            domain::HandshakeError::Crypto(inner) => PqcError::from(inner.clone()).code,
            domain::HandshakeError::Malformed(_) => ErrorCode::Malformed,
            domain::HandshakeError::UnknownSession => ErrorCode::UnknownSession,
            domain::HandshakeError::PeerMismatch => ErrorCode::PeerMismatch,
            domain::HandshakeError::BadConfirmation => ErrorCode::BadConfirmation,
            domain::HandshakeError::Replay => ErrorCode::Replay,
            domain::HandshakeError::NoActiveSession => ErrorCode::NoActiveSession,
            domain::HandshakeError::NotHandshake(_) => ErrorCode::NotHandshake,
        };
        PqcError { code, message: e.to_string() }
    }
}

fn outgoing(o: domain::Outgoing) -> Outgoing {
    Outgoing { peer: o.peer, message_type: o.message_type, payload: o.payload }
}

fn tier(t: domain::SecurityTier) -> SecurityTier {
    match t {
        domain::SecurityTier::RnsOnly => SecurityTier::RnsOnly,
        domain::SecurityTier::PqcHybrid => SecurityTier::PqcHybrid,
        domain::SecurityTier::PqcDegraded => SecurityTier::PqcDegraded,
    }
}

/// Unix seconds from `wasi:clocks/wall-clock`.
fn now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

/// The `session-service` resource: styrened's service, its keys kept inside the component.
pub struct ServiceResource(RefCell<domain::SessionService>);

impl GuestSessionService for ServiceResource {
    fn new(rekey_interval_hours: u32) -> Self {
        ServiceResource(RefCell::new(domain::SessionService::new(rekey_interval_hours)))
    }
    fn initiate(&self, peer: String) -> Outgoing {
        outgoing(self.0.borrow_mut().initiate(&peer, now(), &mut SystemRandom))
    }
    fn handle(
        &self,
        source: String,
        message_type: u8,
        payload: Vec<u8>,
    ) -> Result<Option<Outgoing>, PqcError> {
        let reply = self.0.borrow_mut().handle(&source, message_type, &payload, now(), &mut SystemRandom)?;
        Ok(reply.map(outgoing))
    }
    fn check_rekey(&self) -> Vec<Outgoing> {
        self.0.borrow_mut().check_rekey(now(), &mut SystemRandom).into_iter().map(outgoing).collect()
    }
    fn close(&self, peer: String) -> Option<Outgoing> {
        self.0.borrow_mut().close(&peer).map(outgoing)
    }
    fn encrypt(&self, peer: String, plaintext: Vec<u8>) -> Result<Vec<u8>, PqcError> {
        Ok(self.0.borrow().encrypt(&peer, &plaintext, &mut SystemRandom)?)
    }
    fn decrypt(&self, peer: String, data: Vec<u8>) -> Result<Vec<u8>, PqcError> {
        Ok(self.0.borrow().decrypt(&peer, &data)?.to_vec())
    }
    fn security_tier(&self, peer: String) -> SecurityTier {
        tier(self.0.borrow().security_tier(&peer))
    }
    fn session(&self, peer: String) -> Option<SessionInfo> {
        self.0.borrow().session(&peer).map(|s| SessionInfo {
            session_id: s.session_id.to_vec(),
            peer_hash: s.peer_hash.clone(),
            state: match s.state {
                domain::SessionState::Initiating => SessionState::Initiating,
                domain::SessionState::Responding => SessionState::Responding,
                domain::SessionState::Established => SessionState::Established,
                domain::SessionState::Expired => SessionState::Expired,
            },
            created_at: s.created_at,
            last_rekeyed_at: s.last_rekeyed_at,
            rekey_count: s.rekey_count,
            security_tier: tier(s.security_tier),
        })
    }
    fn has_key(&self, peer: String) -> bool {
        self.0.borrow().has_key(&peer)
    }
    fn pending_count(&self) -> u32 {
        self.0.borrow().pending_count().try_into().unwrap_or(u32::MAX)
    }
}

impl Guest for Component {
    type SessionService = ServiceResource;

    fn kem_generate_keypair() -> KemKeypair {
        let (public_key, secret_key) = p::kem_generate_keypair(&mut SystemRandom);
        KemKeypair { public_key, secret_key: secret_key.to_vec() }
    }
    fn kem_encapsulate(public_key: Vec<u8>) -> Result<KemEncapsulation, PqcError> {
        let (ciphertext, shared) = p::kem_encapsulate(&public_key, &mut SystemRandom)?;
        Ok(KemEncapsulation { ciphertext, shared_secret: shared.to_vec() })
    }
    fn kem_decapsulate(secret_key: Vec<u8>, ciphertext: Vec<u8>) -> Result<Vec<u8>, PqcError> {
        Ok(p::kem_decapsulate(&secret_key, &ciphertext)?.to_vec())
    }
    fn x25519_generate_keypair() -> X25519Keypair {
        let (public_key, private_key) = p::x25519_generate_keypair(&mut SystemRandom);
        X25519Keypair { public_key, private_key: private_key.to_vec() }
    }
    fn x25519_derive_shared(private_key: Vec<u8>, peer_public_key: Vec<u8>) -> Result<Vec<u8>, PqcError> {
        Ok(p::x25519_derive_shared(&private_key, &peer_public_key)?.to_vec())
    }
    fn hybrid_kdf(x25519_shared: Vec<u8>, kem_shared: Vec<u8>, session_id: Vec<u8>) -> Vec<u8> {
        p::hybrid_kdf(&x25519_shared, &kem_shared, &session_id).to_vec()
    }
    fn aes_gcm_encrypt(key: Vec<u8>, plaintext: Vec<u8>, aad: Option<Vec<u8>>) -> Result<Vec<u8>, PqcError> {
        Ok(p::aes_gcm_encrypt(&key, &plaintext, aad.as_deref().unwrap_or_default(), &mut SystemRandom)?)
    }
    fn aes_gcm_decrypt(key: Vec<u8>, data: Vec<u8>, aad: Option<Vec<u8>>) -> Result<Vec<u8>, PqcError> {
        Ok(p::aes_gcm_decrypt(&key, &data, aad.as_deref().unwrap_or_default())?.to_vec())
    }
    fn ratchet_key(current_key: Vec<u8>, counter: u64) -> Vec<u8> {
        p::ratchet_key(&current_key, counter).to_vec()
    }
}

/// Inside wasmtime: the exported functions against the Python-generated known
/// answers, and a handshake between two services.
#[cfg(test)]
mod tests {
    use super::*;
    use styrene_vectors::pqc_vectors;

    fn hex(v: &serde_json::Value) -> Vec<u8> {
        let text = v.as_str().unwrap();
        (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn known_answers_inside_wasm() {
        let v = pqc_vectors();
        for c in v["hybrid_kdf"].as_array().unwrap() {
            let key =
                Component::hybrid_kdf(hex(&c["x25519_shared"]), hex(&c["kem_shared"]), hex(&c["session_id"]));
            assert_eq!(key, hex(&c["key"]));
        }
        for c in v["ml_kem_768"].as_array().unwrap() {
            assert_eq!(Component::kem_decapsulate(hex(&c["dk"]), hex(&c["ct"])).unwrap(), hex(&c["shared"]));
            let enc = Component::kem_encapsulate(hex(&c["ek"])).unwrap();
            assert_eq!(Component::kem_decapsulate(hex(&c["dk"]), enc.ciphertext).unwrap(), enc.shared_secret);
        }
        for c in v["aes_gcm"]["cases"].as_array().unwrap() {
            let aad = (!c["aad"].is_null()).then(|| hex(&c["aad"]));
            assert_eq!(
                Component::aes_gcm_decrypt(hex(&c["key"]), hex(&c["wire"]), aad).unwrap(),
                hex(&c["plaintext"])
            );
        }
        let refused = Component::aes_gcm_decrypt(vec![0; 5], vec![], None);
        assert!(
            matches!(refused, Err(PqcError { code: ErrorCode::InvalidKey, message }) if message == "Key must be 32 bytes, got 5")
        );
    }

    #[test]
    fn a_handshake_inside_wasm() {
        let (a, b) = (ServiceResource::new(24), ServiceResource::new(24));
        let (pa, pb) = ("a".repeat(32), "b".repeat(32));
        let initiate = a.initiate(pb.clone());
        let respond = b.handle(pa.clone(), initiate.message_type, initiate.payload).unwrap().unwrap();
        let confirm = a.handle(pb.clone(), respond.message_type, respond.payload).unwrap().unwrap();
        assert!(b.handle(pa.clone(), confirm.message_type, confirm.payload).unwrap().is_none());
        assert!(matches!(a.security_tier(pb.clone()), SecurityTier::PqcHybrid));
        let sealed = a.encrypt(pb, b"hello".to_vec()).unwrap();
        assert_eq!(b.decrypt(pa, sealed).unwrap(), b"hello");
    }
}
