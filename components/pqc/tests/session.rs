//! The handshake between two services, and what tampering, replay, expiry,
//! rekeying and closing do to it.

use styrene_pqc::primitives::SystemRandom;
use styrene_pqc::session::{PENDING_TTL, PQC_CLOSE, PQC_CONFIRM, PQC_INITIATE, PQC_REKEY, PQC_RESPOND};
use styrene_pqc::{HandshakeError, Outgoing, PqcError, SecurityTier, SessionService, SessionState};
use styrene_wire::msgpack::{Node, decode_payload, encode_payload};

const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const T0: f64 = 1_800_000_000.0;

fn rng() -> SystemRandom {
    SystemRandom
}

/// Delivers `out` (sent by `from`) to `to`.
fn deliver(
    to: &mut SessionService,
    from: &str,
    out: &Outgoing,
    now: f64,
) -> Result<Option<Outgoing>, HandshakeError> {
    to.handle(from, out.message_type, &out.payload, now, &mut rng())
}

/// A full handshake, A initiating: the three messages.
fn handshake(a: &mut SessionService, b: &mut SessionService, now: f64) -> [Outgoing; 3] {
    let initiate = a.initiate(B, now, &mut rng());
    let respond = deliver(b, A, &initiate, now).unwrap().unwrap();
    let confirm = deliver(a, B, &respond, now).unwrap().unwrap();
    assert_eq!(deliver(b, A, &confirm, now).unwrap(), None);
    [initiate, respond, confirm]
}

/// `payload` with one byte-string field replaced.
fn with_field(payload: &[u8], key: &str, edit: impl Fn(&mut Vec<u8>)) -> Vec<u8> {
    let mut nodes = decode_payload(payload).unwrap();
    let at = nodes.iter().position(|n| *n == Node::Str(key.into())).unwrap();
    if let Node::Bin(b) = &mut nodes[at + 1] {
        edit(b);
    }
    encode_payload(&nodes).unwrap()
}

#[test]
fn a_handshake_gives_both_sides_the_same_key() {
    let (mut a, mut b) = (SessionService::new(24), SessionService::new(24));
    let [initiate, respond, confirm] = handshake(&mut a, &mut b, T0);
    assert_eq!(
        (initiate.message_type, respond.message_type, confirm.message_type),
        (PQC_INITIATE, PQC_RESPOND, PQC_CONFIRM)
    );
    for (service, peer) in [(&a, B), (&b, A)] {
        let session = service.session(peer).unwrap();
        assert_eq!(
            (session.state, session.security_tier),
            (SessionState::Established, SecurityTier::PqcHybrid)
        );
        assert_eq!(service.pending_count(), 0);
    }
    assert_eq!(a.session(B).unwrap().session_id, b.session(A).unwrap().session_id);
    let sealed = a.encrypt(B, b"over the mesh", &mut rng()).unwrap();
    assert_eq!(b.decrypt(A, &sealed).unwrap().as_slice(), b"over the mesh");
    let back = b.encrypt(A, &[7; 1024], &mut rng()).unwrap();
    assert_eq!(a.decrypt(B, &back).unwrap().as_slice(), &[7; 1024]);
    // the payload keys and sizes styrened sends
    let fields = decode_payload(&initiate.payload).unwrap();
    assert_eq!(fields[0], Node::Map(3));
    assert_eq!(
        (&fields[1], &fields[3], &fields[5]),
        (&Node::Str("session_id".into()), &Node::Str("x25519_pub".into()), &Node::Str("kem_pub".into()))
    );
    assert!(matches!(&fields[6], Node::Bin(pk) if pk.len() == 1184));
}

#[test]
fn a_tampered_respond_expires_the_session_and_keeps_no_key() {
    let (mut a, mut b) = (SessionService::new(24), SessionService::new(24));
    let initiate = a.initiate(B, T0, &mut rng());
    let respond = deliver(&mut b, A, &initiate, T0).unwrap().unwrap();
    for field in ["hmac", "x25519_pub", "kem_ct"] {
        let mut a2 = SessionService::new(24);
        let init2 = a2.initiate(B, T0, &mut rng());
        let mut b2 = SessionService::new(24);
        let resp2 = deliver(&mut b2, A, &init2, T0).unwrap().unwrap();
        let forged = Outgoing { payload: with_field(&resp2.payload, field, |v| v[3] ^= 0x40), ..resp2 };
        let err = deliver(&mut a2, B, &forged, T0).unwrap_err();
        assert!(matches!(err, HandshakeError::BadConfirmation | HandshakeError::Crypto(_)), "{field}: {err}");
        assert_eq!(a2.session(B).unwrap().state, SessionState::Expired, "{field}");
        assert!(!a2.has_key(B) && a2.pending_count() == 0);
        assert!(matches!(a2.encrypt(B, b"x", &mut rng()), Err(PqcError::InvalidData(_))));
    }
    // the untampered one still works
    assert!(deliver(&mut a, B, &respond, T0).unwrap().is_some());
}

#[test]
fn a_tampered_confirm_expires_the_responder() {
    let (mut a, mut b) = (SessionService::new(24), SessionService::new(24));
    let initiate = a.initiate(B, T0, &mut rng());
    let respond = deliver(&mut b, A, &initiate, T0).unwrap().unwrap();
    let confirm = deliver(&mut a, B, &respond, T0).unwrap().unwrap();
    let forged = Outgoing { payload: with_field(&confirm.payload, "hmac", |v| v[0] ^= 1), ..confirm.clone() };
    assert_eq!(deliver(&mut b, A, &forged, T0).unwrap_err(), HandshakeError::BadConfirmation);
    assert_eq!(b.session(A).unwrap().state, SessionState::Expired);
    assert!(!b.has_key(A));
    // the real CONFIRM arriving afterwards finds nothing to complete
    assert_eq!(deliver(&mut b, A, &confirm, T0).unwrap_err(), HandshakeError::UnknownSession);
    assert!(!b.has_key(A));
}

#[test]
fn replayed_messages_change_nothing() {
    let (mut a, mut b) = (SessionService::new(24), SessionService::new(24));
    let [initiate, respond, confirm] = handshake(&mut a, &mut b, T0);
    let sealed = a.encrypt(B, b"before", &mut rng()).unwrap();
    assert_eq!(deliver(&mut b, A, &initiate, T0 + 1.0).unwrap_err(), HandshakeError::Replay);
    assert_eq!(deliver(&mut a, B, &respond, T0 + 1.0).unwrap_err(), HandshakeError::UnknownSession);
    assert_eq!(deliver(&mut b, A, &confirm, T0 + 1.0).unwrap_err(), HandshakeError::UnknownSession);
    assert_eq!(b.session(A).unwrap().state, SessionState::Established);
    assert_eq!(b.decrypt(A, &sealed).unwrap().as_slice(), b"before");
}

#[test]
fn a_respond_from_another_peer_drops_the_handshake() {
    let (mut a, mut b) = (SessionService::new(24), SessionService::new(24));
    let initiate = a.initiate(B, T0, &mut rng());
    let respond = deliver(&mut b, A, &initiate, T0).unwrap().unwrap();
    let mallory = "cccccccccccccccccccccccccccccccc";
    assert_eq!(deliver(&mut a, mallory, &respond, T0).unwrap_err(), HandshakeError::PeerMismatch);
    assert_eq!(deliver(&mut a, B, &respond, T0).unwrap_err(), HandshakeError::UnknownSession);
    assert!(!a.has_key(B) && !a.has_key(mallory));
}

#[test]
fn a_pending_handshake_expires_after_a_minute() {
    let (mut a, mut b) = (SessionService::new(24), SessionService::new(24));
    let initiate = a.initiate(B, T0, &mut rng());
    let respond = deliver(&mut b, A, &initiate, T0).unwrap().unwrap();
    let late = T0 + PENDING_TTL + 1.0;
    assert_eq!(deliver(&mut a, B, &respond, late).unwrap_err(), HandshakeError::UnknownSession);
    assert_eq!(a.session(B).unwrap().state, SessionState::Expired);
    assert_eq!(a.pending_count(), 0);
}

#[test]
fn malformed_payloads_are_refused_without_changing_state() {
    let mut b = SessionService::new(24);
    let good = SessionService::new(24).initiate(B, T0, &mut rng());
    let cases: Vec<Vec<u8>> = vec![
        vec![],
        vec![0xc1],
        encode_payload(&[Node::Array(0)]).unwrap(),
        encode_payload(&[Node::Map(1), Node::Str("session_id".into()), Node::Bin(vec![0; 16])]).unwrap(),
        with_field(&good.payload, "session_id", |v| v.truncate(15)),
        with_field(&good.payload, "x25519_pub", |v| v.push(0)),
        with_field(&good.payload, "kem_pub", |v| v.truncate(1000)),
    ];
    for payload in cases {
        let err = b.handle(A, PQC_INITIATE, &payload, T0, &mut rng()).unwrap_err();
        assert!(matches!(err, HandshakeError::Malformed(_) | HandshakeError::Crypto(_)), "{err}");
        assert!(b.session(A).is_none() && b.pending_count() == 0);
    }
}

#[test]
fn a_rekey_is_a_new_handshake_and_traffic_keeps_flowing_during_it() {
    let (mut a, mut b) = (SessionService::new(24), SessionService::new(24));
    handshake(&mut a, &mut b, T0);
    let first_sid = a.session(B).unwrap().session_id;
    assert!(a.check_rekey(T0 + 3600.0, &mut rng()).is_empty());
    let later = T0 + 24.0 * 3600.0;
    let mut due = a.check_rekey(later, &mut rng());
    assert_eq!(due.len(), 1);
    let initiate = due.remove(0);
    assert_eq!(initiate.message_type, PQC_INITIATE);
    let session = a.session(B).unwrap();
    assert_eq!((session.state, session.rekey_count), (SessionState::Initiating, 1));
    // until the new handshake completes, the old key and its session id still protect traffic
    let sealed = a.encrypt(B, b"during the rekey", &mut rng()).unwrap();
    assert_eq!(b.decrypt(A, &sealed).unwrap().as_slice(), b"during the rekey");
    let respond = deliver(&mut b, A, &initiate, later).unwrap().unwrap();
    let confirm = deliver(&mut a, B, &respond, later).unwrap().unwrap();
    deliver(&mut b, A, &confirm, later).unwrap();
    let session = a.session(B).unwrap();
    assert_eq!((session.state, session.rekey_count), (SessionState::Established, 1));
    assert_ne!(session.session_id, first_sid);
    let sealed = b.encrypt(A, b"new key", &mut rng()).unwrap();
    assert_eq!(a.decrypt(B, &sealed).unwrap().as_slice(), b"new key");
}

#[test]
fn pqc_rekey_and_pqc_close_from_the_peer() {
    let (mut a, mut b) = (SessionService::new(24), SessionService::new(24));
    assert_eq!(b.handle(A, PQC_REKEY, &[0x80], T0, &mut rng()).unwrap_err(), HandshakeError::NoActiveSession);
    handshake(&mut a, &mut b, T0);
    let out = b.handle(A, PQC_REKEY, &[0x80], T0, &mut rng()).unwrap().unwrap();
    assert_eq!((out.peer.as_str(), out.message_type), (A, PQC_INITIATE));
    assert_eq!(a.handle(B, PQC_CLOSE, &[], T0, &mut rng()).unwrap(), None);
    let session = a.session(B).unwrap();
    assert_eq!((session.state, session.security_tier), (SessionState::Expired, SecurityTier::PqcDegraded));
    let err = a.encrypt(B, b"x", &mut rng()).unwrap_err();
    assert_eq!(err, PqcError::InvalidData("No active PQC session with bbbbbbbbbbbbbbbb...".into()));
    assert_eq!(a.security_tier("dddddddddddddddddddddddddddddddd"), SecurityTier::RnsOnly);
}

#[test]
fn nonces_are_never_reused_under_one_key() {
    let (mut a, mut b) = (SessionService::new(24), SessionService::new(24));
    handshake(&mut a, &mut b, T0);
    let mut nonces = std::collections::HashSet::new();
    for _ in 0..20_000 {
        let sealed = a.encrypt(B, b"", &mut rng()).unwrap();
        assert!(nonces.insert(sealed[..12].to_vec()), "a nonce came twice");
    }
}

#[test]
fn close_tells_the_peer() {
    let (mut a, mut b) = (SessionService::new(24), SessionService::new(24));
    handshake(&mut a, &mut b, T0);
    let close = a.close(B).unwrap();
    assert_eq!(close.message_type, PQC_CLOSE);
    assert!(!a.has_key(B));
    deliver(&mut b, A, &close, T0).unwrap();
    assert!(!b.has_key(A));
    assert_eq!(b.security_tier(A), SecurityTier::PqcDegraded);
}
