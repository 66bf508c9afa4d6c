//! styrened's PQC session service (spec §4.3): the three-message handshake
//! and the per-peer keys, without I/O. The host passes in each message it
//! received (source hash, type, payload), the time and a random source, and
//! sends the replies this returns as Styrene envelopes.
//!
//! ```text
//! A ── PQC_INITIATE {session_id, x25519_pub, kem_pub} ──────────────► B
//! A ◄─ PQC_RESPOND  {session_id, x25519_pub, kem_ct, hmac} ────────── B
//! A ── PQC_CONFIRM  {session_id, hmac} ─────────────────────────────► B
//! key  = HKDF-SHA256(X25519 ‖ ML-KEM secret, salt = session_id, "styrene.io:hybrid-pqc:v1")
//! hmac = HMAC-SHA256(key, "PQC_RESPOND" | "PQC_CONFIRM" ‖ session_id ‖ sender's X25519 public key)
//! ```
//!
//! Where this differs from styrened, each difference keeps a styrened peer
//! working (docs/pqc.md):
//! * the key in use remembers the session id it was agreed under, and that id
//!   is the AES-GCM AAD until a new handshake completes (styrened switches the
//!   AAD to the new id as soon as a rekey starts, while still using the old key);
//! * a handshake message is checked before it changes anything: field sizes,
//!   and an INITIATE whose session id is already pending or in use is a replay;
//! * a pending handshake that expires (60 s) leaves its session EXPIRED instead
//!   of INITIATING or RESPONDING for good.

use crate::primitives::{self, PqcError, Secret};
use rand_core::CryptoRngCore;
use std::collections::HashMap;
use std::fmt;
use styrene_wire::msgpack::{Node, decode_payload, encode_payload, subtree_end};
use zeroize::Zeroizing;

/// `PQC_INITIATE` (0xD0).
pub const PQC_INITIATE: u8 = 0xD0;
/// `PQC_RESPOND` (0xD1).
pub const PQC_RESPOND: u8 = 0xD1;
/// `PQC_CONFIRM` (0xD2).
pub const PQC_CONFIRM: u8 = 0xD2;
/// `PQC_REKEY` (0xD3): its payload is ignored.
pub const PQC_REKEY: u8 = 0xD3;
/// `PQC_CLOSE` (0xD5): its payload is ignored.
pub const PQC_CLOSE: u8 = 0xD5;
/// A pending handshake is dropped after this many seconds.
pub const PENDING_TTL: f64 = 60.0;
/// The session-id length.
pub const SESSION_ID_SIZE: usize = 16;
const RESPOND_LABEL: &[u8] = b"PQC_RESPOND";
const CONFIRM_LABEL: &[u8] = b"PQC_CONFIRM";

/// styrened's `PQCSessionState` (REKEYING is declared upstream and never set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// We sent INITIATE.
    Initiating,
    /// We answered an INITIATE.
    Responding,
    /// Both sides hold the key.
    Established,
    /// Failed, closed or timed out.
    Expired,
}

/// styrened's `SecurityTier`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityTier {
    /// RNS's own encryption only (no PQC key yet).
    RnsOnly,
    /// A hybrid key is established.
    PqcHybrid,
    /// The peer closed its PQC session.
    PqcDegraded,
}

/// styrened's `PQCSession`: public bookkeeping, never key material.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The handshake's 16-byte id.
    pub session_id: [u8; SESSION_ID_SIZE],
    /// The peer's hash (the LXMF source hash its messages arrive from).
    pub peer_hash: String,
    /// Where the handshake is.
    pub state: SessionState,
    /// Unix seconds when this session started.
    pub created_at: f64,
    /// Unix seconds of the last (re)key.
    pub last_rekeyed_at: f64,
    /// Completed rekeys before this session.
    pub rekey_count: u32,
    /// What protects traffic to this peer now.
    pub security_tier: SecurityTier,
}

impl Session {
    /// A session whose handshake starts now: tier RNS_ONLY until it completes.
    fn starting(session_id: [u8; SESSION_ID_SIZE], peer: &str, state: SessionState, now: f64) -> Self {
        Session {
            session_id,
            peer_hash: peer.to_owned(),
            state,
            created_at: now,
            last_rekeyed_at: now,
            rekey_count: 0,
            security_tier: SecurityTier::RnsOnly,
        }
    }
}

/// A message for the host to send to `peer` as a Styrene envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The destination (peer hash).
    pub peer: String,
    /// The Styrene message type (0xD0..0xD5).
    pub message_type: u8,
    /// The MessagePack payload.
    pub payload: Vec<u8>,
}

/// Why a received message changed nothing, or what it ended. styrened logs
/// these and sends nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeError {
    /// The payload is not the expected MessagePack map of byte strings.
    Malformed(String),
    /// No pending handshake with this session id in the right role.
    UnknownSession,
    /// The message came from another peer than the handshake's: the pending handshake was dropped.
    PeerMismatch,
    /// The key confirmation failed: the session is EXPIRED and no key was kept.
    BadConfirmation,
    /// An INITIATE reused a session id that is pending or in use.
    Replay,
    /// A PQC_REKEY from a peer without an established key.
    NoActiveSession,
    /// Not a PQC handshake message type.
    NotHandshake(u8),
    /// The peer's key material was refused.
    Crypto(PqcError),
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::Malformed(m) => write!(f, "malformed PQC payload: {m}"),
            HandshakeError::UnknownSession => f.write_str("no pending PQC handshake for this session"),
            HandshakeError::PeerMismatch => {
                f.write_str("PQC handshake message from another peer: handshake dropped")
            }
            HandshakeError::BadConfirmation => f.write_str("PQC key confirmation failed: session expired"),
            HandshakeError::Replay => f.write_str("PQC_INITIATE reuses a session id: ignored"),
            HandshakeError::NoActiveSession => {
                f.write_str("PQC_REKEY without an established session: ignored")
            }
            HandshakeError::NotHandshake(t) => {
                write!(f, "message type 0x{t:02X} is not a PQC handshake message")
            }
            HandshakeError::Crypto(e) => write!(f, "PQC key material refused: {e}"),
        }
    }
}

impl std::error::Error for HandshakeError {}

impl From<PqcError> for HandshakeError {
    fn from(e: PqcError) -> Self {
        HandshakeError::Crypto(e)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Initiator,
    Responder,
}

/// The secrets of a handshake in flight (wiped on drop).
struct Pending {
    role: Role,
    peer: String,
    own_x25519_public: [u8; 32],
    own_x25519_private: Secret,
    kem_secret: Option<Secret>,
    peer_x25519_public: Option<[u8; 32]>,
    derived_key: Option<Secret>,
    created_at: f64,
}

/// An established key and the session id it was agreed under (the AAD).
struct ActiveKey {
    key: Secret,
    session_id: [u8; SESSION_ID_SIZE],
}

/// styrened's `PQCSessionService`, minus the transport.
pub struct SessionService {
    sessions: HashMap<String, Session>,
    pending: HashMap<[u8; SESSION_ID_SIZE], Pending>,
    active: HashMap<String, ActiveKey>,
    rekey_interval_seconds: f64,
}

/// The fields of a handshake payload.
struct Fields(Vec<(String, Vec<u8>)>);

impl Fields {
    /// styrened's payloads: a map whose values are byte strings (`_ensure_bytes`
    /// also takes a `str`, as Latin-1).
    fn decode(payload: &[u8]) -> Result<Self, HandshakeError> {
        let nodes = decode_payload(payload).map_err(|e| HandshakeError::Malformed(e.to_string()))?;
        let Some(&Node::Map(count)) = nodes.first() else {
            return Err(HandshakeError::Malformed("payload is not a map".into()));
        };
        let mut fields = Vec::with_capacity(count as usize);
        let mut at = 1;
        for _ in 0..count {
            let Node::Str(key) = &nodes[at] else {
                return Err(HandshakeError::Malformed("map keys must be strings".into()));
            };
            let value = &nodes[at + 1];
            at = subtree_end(&nodes, at + 1); // a decoded tree is complete
            let bytes = match value {
                Node::Bin(b) => b.clone(),
                Node::Str(s) => s
                    .chars()
                    .map(|c| u8::try_from(u32::from(c)).ok())
                    .collect::<Option<Vec<u8>>>()
                    .ok_or_else(|| HandshakeError::Malformed(format!("{key}: text beyond Latin-1")))?,
                _ => continue, // nested values are not fields of ours
            };
            fields.push((key.clone(), bytes));
        }
        Ok(Fields(fields))
    }

    fn get<const N: usize>(&self, key: &str) -> Result<[u8; N], HandshakeError> {
        let value = self.bytes(key)?;
        value
            .try_into()
            .map_err(|_| HandshakeError::Malformed(format!("{key} must be {N} bytes, got {}", value.len())))
    }

    fn bytes(&self, key: &str) -> Result<&[u8], HandshakeError> {
        // a duplicate key keeps its last value, as a Python dict does
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
            .ok_or_else(|| HandshakeError::Malformed(format!("missing {key}")))
    }
}

fn map_payload(fields: &[(&str, &[u8])]) -> Vec<u8> {
    let mut nodes = vec![Node::Map(fields.len() as u32)];
    for (key, value) in fields {
        nodes.push(Node::Str((*key).to_owned()));
        nodes.push(Node::Bin(value.to_vec()));
    }
    encode_payload(&nodes).expect("a flat map of byte strings encodes")
}

fn short(peer: &str) -> String {
    peer.chars().take(16).collect()
}

impl SessionService {
    /// A service that rekeys established sessions after `rekey_interval_hours`
    /// (styrened's `pqc.rekey_interval_hours`, default 24).
    pub fn new(rekey_interval_hours: u32) -> Self {
        SessionService {
            sessions: HashMap::new(),
            pending: HashMap::new(),
            active: HashMap::new(),
            rekey_interval_seconds: f64::from(rekey_interval_hours) * 3600.0,
        }
    }

    /// `initiate_session(peer)`: fresh X25519 and ML-KEM key pairs and a new
    /// session id; the session (replacing any) is INITIATING at tier RNS_ONLY.
    pub fn initiate(&mut self, peer: &str, now: f64, rng: &mut impl CryptoRngCore) -> Outgoing {
        let mut session_id = [0u8; SESSION_ID_SIZE];
        rng.fill_bytes(&mut session_id);
        let (x_public, x_private) = primitives::x25519_generate_keypair(rng);
        let (kem_public, kem_secret) = primitives::kem_generate_keypair(rng);
        let own_x25519_public: [u8; 32] =
            x_public.as_slice().try_into().expect("X25519 public keys are 32 bytes");
        self.sessions
            .insert(peer.to_owned(), Session::starting(session_id, peer, SessionState::Initiating, now));
        self.pending.insert(
            session_id,
            Pending {
                role: Role::Initiator,
                peer: peer.to_owned(),
                own_x25519_public,
                own_x25519_private: x_private,
                kem_secret: Some(kem_secret),
                peer_x25519_public: None,
                derived_key: None,
                created_at: now,
            },
        );
        Outgoing {
            peer: peer.to_owned(),
            message_type: PQC_INITIATE,
            payload: map_payload(&[
                ("session_id", &session_id[..]),
                ("x25519_pub", &x_public[..]),
                ("kem_pub", &kem_public[..]),
            ]),
        }
    }

    /// Handles one received message (`source` is the sender's hash): the
    /// reply to send, if any.
    pub fn handle(
        &mut self,
        source: &str,
        message_type: u8,
        payload: &[u8],
        now: f64,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Option<Outgoing>, HandshakeError> {
        match message_type {
            PQC_INITIATE => self.handle_initiate(source, payload, now, rng).map(Some),
            PQC_RESPOND => self.handle_respond(source, payload, now),
            PQC_CONFIRM => self.handle_confirm(source, payload).map(|()| None),
            PQC_REKEY => {
                if self.active.contains_key(source) {
                    Ok(Some(self.initiate(source, now, rng)))
                } else {
                    Err(HandshakeError::NoActiveSession)
                }
            }
            PQC_CLOSE => {
                self.drop_key(source, SecurityTier::PqcDegraded);
                Ok(None)
            }
            other => Err(HandshakeError::NotHandshake(other)),
        }
    }

    fn handle_initiate(
        &mut self,
        source: &str,
        payload: &[u8],
        now: f64,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Outgoing, HandshakeError> {
        let fields = Fields::decode(payload)?;
        let session_id: [u8; SESSION_ID_SIZE] = fields.get("session_id")?;
        let peer_x25519: [u8; 32] = fields.get("x25519_pub")?;
        let kem_public = fields.bytes("kem_pub")?;
        self.sweep(now);
        let in_use = self.active.values().any(|k| k.session_id == session_id);
        if self.pending.contains_key(&session_id) || in_use {
            return Err(HandshakeError::Replay);
        }
        let (x_public, x_private) = primitives::x25519_generate_keypair(rng);
        let (kem_ciphertext, kem_shared) = primitives::kem_encapsulate(kem_public, rng)?;
        let x_shared = primitives::x25519_derive_shared(&x_private, &peer_x25519)?;
        let key = primitives::hybrid_kdf(&x_shared, &kem_shared, &session_id);
        let tag = primitives::hmac_sha256(&key, &[RESPOND_LABEL, &session_id, &x_public]);
        self.sessions
            .insert(source.to_owned(), Session::starting(session_id, source, SessionState::Responding, now));
        self.pending.insert(
            session_id,
            Pending {
                role: Role::Responder,
                peer: source.to_owned(),
                own_x25519_public: x_public.as_slice().try_into().expect("X25519 public keys are 32 bytes"),
                own_x25519_private: x_private,
                kem_secret: None,
                peer_x25519_public: Some(peer_x25519),
                derived_key: Some(key),
                created_at: now,
            },
        );
        Ok(Outgoing {
            peer: source.to_owned(),
            message_type: PQC_RESPOND,
            payload: map_payload(&[
                ("session_id", &session_id[..]),
                ("x25519_pub", &x_public[..]),
                ("kem_ct", &kem_ciphertext[..]),
                ("hmac", &tag[..]),
            ]),
        })
    }

    /// The pending handshake for a RESPOND or CONFIRM, if it is ours to continue.
    fn take_pending(
        &mut self,
        source: &str,
        session_id: &[u8; SESSION_ID_SIZE],
        role: Role,
    ) -> Result<Pending, HandshakeError> {
        match self.pending.get(session_id) {
            Some(p) if p.role == role && p.peer == source => {
                Ok(self.pending.remove(session_id).expect("present"))
            }
            Some(p) if p.role == role => {
                // styrened's guard against a man in the middle: the handshake is dropped
                self.pending.remove(session_id);
                Err(HandshakeError::PeerMismatch)
            }
            _ => Err(HandshakeError::UnknownSession),
        }
    }

    fn handle_respond(
        &mut self,
        source: &str,
        payload: &[u8],
        now: f64,
    ) -> Result<Option<Outgoing>, HandshakeError> {
        let fields = Fields::decode(payload)?;
        let session_id: [u8; SESSION_ID_SIZE] = fields.get("session_id")?;
        let peer_x25519: [u8; 32] = fields.get("x25519_pub")?;
        let kem_ciphertext = fields.bytes("kem_ct")?.to_vec();
        let tag = fields.bytes("hmac")?.to_vec();
        self.sweep(now);
        let pending = self.take_pending(source, &session_id, Role::Initiator)?;
        let derived = (|| {
            let kem_secret = pending.kem_secret.as_ref().expect("an initiator keeps its KEM secret");
            let kem_shared = primitives::kem_decapsulate(kem_secret, &kem_ciphertext)?;
            let x_shared = primitives::x25519_derive_shared(&pending.own_x25519_private, &peer_x25519)?;
            Ok::<_, PqcError>(primitives::hybrid_kdf(&x_shared, &kem_shared, &session_id))
        })();
        let key = match derived {
            Ok(key)
                if primitives::hmac_sha256_verify(
                    &key,
                    &[RESPOND_LABEL, &session_id, &peer_x25519],
                    &tag,
                ) =>
            {
                key
            }
            failed => {
                self.expire(source, &session_id);
                return Err(failed.err().map_or(HandshakeError::BadConfirmation, HandshakeError::Crypto));
            }
        };
        let confirm =
            primitives::hmac_sha256(&key, &[CONFIRM_LABEL, &session_id, &pending.own_x25519_public]);
        self.establish(source, session_id, key);
        Ok(Some(Outgoing {
            peer: source.to_owned(),
            message_type: PQC_CONFIRM,
            payload: map_payload(&[("session_id", &session_id[..]), ("hmac", &confirm[..])]),
        }))
    }

    fn handle_confirm(&mut self, source: &str, payload: &[u8]) -> Result<(), HandshakeError> {
        let fields = Fields::decode(payload)?;
        let session_id: [u8; SESSION_ID_SIZE] = fields.get("session_id")?;
        let tag = fields.bytes("hmac")?.to_vec();
        let mut pending = self.take_pending(source, &session_id, Role::Responder)?;
        let key = pending.derived_key.take().expect("a responder keeps the derived key");
        let initiator_x25519 = pending.peer_x25519_public.expect("a responder keeps the initiator's key");
        if !primitives::hmac_sha256_verify(&key, &[CONFIRM_LABEL, &session_id, &initiator_x25519], &tag) {
            self.expire(source, &session_id);
            return Err(HandshakeError::BadConfirmation);
        }
        self.establish(source, session_id, key);
        Ok(())
    }

    fn establish(&mut self, peer: &str, session_id: [u8; SESSION_ID_SIZE], key: Secret) {
        self.active.insert(peer.to_owned(), ActiveKey { key, session_id });
        if let Some(session) = self.sessions.get_mut(peer)
            && session.session_id == session_id
        {
            session.state = SessionState::Established;
            session.security_tier = SecurityTier::PqcHybrid;
        }
    }

    /// The session of this handshake (if it is still the peer's) becomes EXPIRED.
    fn expire(&mut self, peer: &str, session_id: &[u8; SESSION_ID_SIZE]) {
        if let Some(session) = self.sessions.get_mut(peer)
            && &session.session_id == session_id
        {
            session.state = SessionState::Expired;
        }
    }

    /// Drops pending handshakes older than `PENDING_TTL`; their sessions expire.
    fn sweep(&mut self, now: f64) {
        let stale: Vec<([u8; SESSION_ID_SIZE], String)> = self
            .pending
            .iter()
            .filter(|(_, p)| p.created_at > 0.0 && now - p.created_at > PENDING_TTL)
            .map(|(sid, p)| (*sid, p.peer.clone()))
            .collect();
        for (sid, peer) in stale {
            self.pending.remove(&sid);
            self.expire(&peer, &sid);
        }
    }

    fn drop_key(&mut self, peer: &str, tier: SecurityTier) {
        self.active.remove(peer);
        if let Some(session) = self.sessions.get_mut(peer) {
            session.state = SessionState::Expired;
            session.security_tier = tier;
        }
    }

    /// Ends our side of a session (styrened never sends PQC_CLOSE, and ignores
    /// its payload): the key is dropped and the peer is told.
    pub fn close(&mut self, peer: &str) -> Option<Outgoing> {
        let session_id = self.sessions.get(peer)?.session_id;
        self.drop_key(peer, SecurityTier::RnsOnly);
        Some(Outgoing {
            peer: peer.to_owned(),
            message_type: PQC_CLOSE,
            payload: map_payload(&[("session_id", &session_id[..])]),
        })
    }

    /// `check_rekey()`: a fresh handshake (INITIATE) for every established
    /// session older than the rekey interval.
    pub fn check_rekey(&mut self, now: f64, rng: &mut impl CryptoRngCore) -> Vec<Outgoing> {
        let due: Vec<(String, u32)> = self
            .sessions
            .values()
            .filter(|s| {
                s.state == SessionState::Established && now - s.last_rekeyed_at >= self.rekey_interval_seconds
            })
            .map(|s| (s.peer_hash.clone(), s.rekey_count))
            .collect();
        due.into_iter()
            .map(|(peer, count)| {
                let out = self.initiate(&peer, now, rng);
                if let Some(session) = self.sessions.get_mut(&peer) {
                    session.rekey_count = count + 1;
                }
                out
            })
            .collect()
    }

    fn active_key(&self, peer: &str) -> Result<&ActiveKey, PqcError> {
        self.active
            .get(peer)
            .ok_or_else(|| PqcError::InvalidData(format!("No active PQC session with {}...", short(peer))))
    }

    /// `encrypt_payload(peer, plaintext)`: AES-256-GCM under the peer's key,
    /// AAD = the session id that key was agreed under.
    pub fn encrypt(
        &self,
        peer: &str,
        plaintext: &[u8],
        rng: &mut impl CryptoRngCore,
    ) -> Result<Vec<u8>, PqcError> {
        let active = self.active_key(peer)?;
        primitives::aes_gcm_encrypt(&active.key, plaintext, &active.session_id, rng)
    }

    /// `decrypt_payload(peer, data)`.
    pub fn decrypt(&self, peer: &str, data: &[u8]) -> Result<Zeroizing<Vec<u8>>, PqcError> {
        let active = self.active_key(peer)?;
        primitives::aes_gcm_decrypt(&active.key, data, &active.session_id)
    }

    /// `get_security_tier(peer)`: RNS_ONLY without a session.
    pub fn security_tier(&self, peer: &str) -> SecurityTier {
        self.sessions.get(peer).map_or(SecurityTier::RnsOnly, |s| s.security_tier)
    }

    /// The peer's session, if any.
    pub fn session(&self, peer: &str) -> Option<&Session> {
        self.sessions.get(peer)
    }

    /// Whether a key is established with `peer`.
    pub fn has_key(&self, peer: &str) -> bool {
        self.active.contains_key(peer)
    }

    /// Handshakes in flight.
    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }
}
