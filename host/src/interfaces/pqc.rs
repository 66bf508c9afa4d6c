//! `styrene:core/pqc`: styrened's hybrid post-quantum primitives and its
//! session service (the [`SessionService`] resource).

use crate::bindings::exports::styrene::core::pqc::{Error as WitError, Guest, GuestSessionService};
use crate::error::{error_codes, flatten};
use crate::instance::Handle;
use crate::state::State;
use crate::{HostError, Styrene};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

pub use crate::bindings::exports::styrene::core::pqc::{
    ErrorCode, KemEncapsulation, KemKeypair, Outgoing, SecurityTier, SessionInfo, SessionState, X25519Keypair,
};

error_codes!(WitError => ErrorCode {
    InvalidKey => "invalid-key",
    InvalidData => "invalid-data",
    InvalidTag => "invalid-tag",
    Malformed => "malformed",
    UnknownSession => "unknown-session",
    PeerMismatch => "peer-mismatch",
    BadConfirmation => "bad-confirmation",
    Replay => "replay",
    NoActiveSession => "no-active-session",
    NotHandshake => "not-handshake",
});

/// What a `pqc` call can fail with: a [`ComponentError`](crate::ComponentError), or the instance's [`HostError`].
pub type Error = crate::Error<ErrorCode>;

/// The primitives of `pqc`.
pub struct Pqc<'a, 'r>(&'a mut Styrene<'r>);

impl<'r> Styrene<'r> {
    /// `styrene:core/pqc`.
    pub fn pqc(&mut self) -> Pqc<'_, 'r> {
        Pqc(self)
    }
}

impl Pqc<'_, '_> {
    fn call<T>(
        &mut self,
        f: impl FnOnce(&Guest, &mut Store<State>) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        self.0.call(|b, s| f(b.styrene_core_pqc(), s))
    }

    /// `kem-generate-keypair`: an ML-KEM-768 key pair.
    pub fn kem_generate_keypair(&mut self) -> Result<KemKeypair, HostError> {
        self.call(|p, s| p.call_kem_generate_keypair(s))
    }

    /// `kem-encapsulate`.
    pub fn kem_encapsulate(&mut self, public_key: &[u8]) -> Result<KemEncapsulation, Error> {
        flatten(self.call(|p, s| p.call_kem_encapsulate(s, public_key)))
    }

    /// `kem-decapsulate`: a tampered ciphertext yields an unrelated secret.
    pub fn kem_decapsulate(&mut self, secret_key: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, Error> {
        flatten(self.call(|p, s| p.call_kem_decapsulate(s, secret_key, ciphertext)))
    }

    /// `x25519-generate-keypair`.
    pub fn x25519_generate_keypair(&mut self) -> Result<X25519Keypair, HostError> {
        self.call(|p, s| p.call_x25519_generate_keypair(s))
    }

    /// `x25519-derive-shared`; a small-order peer key is refused.
    pub fn x25519_derive_shared(
        &mut self,
        private_key: &[u8],
        peer_public_key: &[u8],
    ) -> Result<Vec<u8>, Error> {
        flatten(self.call(|p, s| p.call_x25519_derive_shared(s, private_key, peer_public_key)))
    }

    /// `hybrid-kdf`: HKDF-SHA256 of both shared secrets, 32 bytes.
    pub fn hybrid_kdf(
        &mut self,
        x25519_shared: &[u8],
        kem_shared: &[u8],
        session_id: &[u8],
    ) -> Result<Vec<u8>, HostError> {
        self.call(|p, s| p.call_hybrid_kdf(s, x25519_shared, kem_shared, session_id))
    }

    /// `aes-gcm-encrypt`: `nonce ‖ ciphertext ‖ tag`, the nonce random.
    pub fn aes_gcm_encrypt(
        &mut self,
        key: &[u8],
        plaintext: &[u8],
        aad: Option<&[u8]>,
    ) -> Result<Vec<u8>, Error> {
        flatten(self.call(|p, s| p.call_aes_gcm_encrypt(s, key, plaintext, aad)))
    }

    /// `aes-gcm-decrypt`.
    pub fn aes_gcm_decrypt(&mut self, key: &[u8], data: &[u8], aad: Option<&[u8]>) -> Result<Vec<u8>, Error> {
        flatten(self.call(|p, s| p.call_aes_gcm_decrypt(s, key, data, aad)))
    }

    /// `ratchet-key`: HKDF-SHA256 with the counter as salt.
    pub fn ratchet_key(&mut self, current_key: &[u8], counter: u64) -> Result<Vec<u8>, HostError> {
        self.call(|p, s| p.call_ratchet_key(s, current_key, counter))
    }
}

/// A `session-service`: styrened's PQC session service without the
/// transport. Its keys stay in the component; dropping the handle releases
/// it before the instance's next call.
#[derive(Debug)]
pub struct SessionService(Handle);

impl SessionService {
    fn call<T>(
        &self,
        styrene: &mut Styrene<'_>,
        f: impl FnOnce(&GuestSessionService<'_>, &mut Store<State>, ResourceAny) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        styrene.call_on(&self.0, |b, s, r| f(&b.styrene_core_pqc().session_service(), s, r))
    }

    /// A service that rekeys established sessions after `rekey_interval_hours`.
    pub fn new(styrene: &mut Styrene<'_>, rekey_interval_hours: u32) -> Result<Self, HostError> {
        let service = styrene
            .call(|b, s| b.styrene_core_pqc().session_service().call_constructor(s, rekey_interval_hours))?;
        Ok(Self(styrene.adopt(service, "session-service")))
    }

    /// Releases the service now, reporting a failure.
    pub fn release(self, styrene: &mut Styrene<'_>) -> Result<(), HostError> {
        self.0.release(styrene)
    }

    /// `initiate`: the PQC_INITIATE to send to `peer`.
    pub fn initiate(&self, styrene: &mut Styrene<'_>, peer: &str) -> Result<Outgoing, HostError> {
        self.call(styrene, |p, s, r| p.call_initiate(s, r, peer))
    }

    /// `handle`: a PQC message from `source`; the reply to send, if any.
    pub fn handle(
        &self,
        styrene: &mut Styrene<'_>,
        source: &str,
        message_type: u8,
        payload: &[u8],
    ) -> Result<Option<Outgoing>, Error> {
        flatten(self.call(styrene, |p, s, r| p.call_handle(s, r, source, message_type, payload)))
    }

    /// `check-rekey`: a PQC_INITIATE for every session due for a rekey.
    pub fn check_rekey(&self, styrene: &mut Styrene<'_>) -> Result<Vec<Outgoing>, HostError> {
        self.call(styrene, |p, s, r| p.call_check_rekey(s, r))
    }

    /// `close`: ends the session with `peer`; the PQC_CLOSE to send, if there was one.
    pub fn close(&self, styrene: &mut Styrene<'_>, peer: &str) -> Result<Option<Outgoing>, HostError> {
        self.call(styrene, |p, s, r| p.call_close(s, r, peer))
    }

    /// `encrypt`: AES-256-GCM under the peer's key.
    pub fn encrypt(&self, styrene: &mut Styrene<'_>, peer: &str, plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        flatten(self.call(styrene, |p, s, r| p.call_encrypt(s, r, peer, plaintext)))
    }

    /// `decrypt`.
    pub fn decrypt(&self, styrene: &mut Styrene<'_>, peer: &str, data: &[u8]) -> Result<Vec<u8>, Error> {
        flatten(self.call(styrene, |p, s, r| p.call_decrypt(s, r, peer, data)))
    }

    /// `security-tier`: what protects traffic to `peer` now.
    pub fn security_tier(&self, styrene: &mut Styrene<'_>, peer: &str) -> Result<SecurityTier, HostError> {
        self.call(styrene, |p, s, r| p.call_security_tier(s, r, peer))
    }

    /// `session`: the peer's session, if any.
    pub fn session(&self, styrene: &mut Styrene<'_>, peer: &str) -> Result<Option<SessionInfo>, HostError> {
        self.call(styrene, |p, s, r| p.call_session(s, r, peer))
    }

    /// `has-key`: whether a key is established with `peer`.
    pub fn has_key(&self, styrene: &mut Styrene<'_>, peer: &str) -> Result<bool, HostError> {
        self.call(styrene, |p, s, r| p.call_has_key(s, r, peer))
    }

    /// `pending-count`: handshakes in flight.
    pub fn pending_count(&self, styrene: &mut Styrene<'_>) -> Result<u32, HostError> {
        self.call(styrene, |p, s, r| p.call_pending_count(s, r))
    }
}
