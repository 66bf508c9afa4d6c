//! PQC handshake messages from a stranger: whatever arrives, nothing panics,
//! no key is established without a genuine handshake, and a refused message
//! leaves no pending handshake behind.
#![no_main]

use libfuzzer_sys::fuzz_target;
use styrene_pqc::SessionService;
use styrene_pqc::primitives::SystemRandom;

const PEER: &str = "0123456789abcdef0123456789abcdef";

fuzz_target!(|data: &[u8]| {
    let Some((&kind, payload)) = data.split_first() else { return };
    let message_type = 0xD0 + kind % 6;
    // a responder and an initiator (with a handshake in flight) each get the message
    let mut responder = SessionService::new(24);
    let mut initiator = SessionService::new(24);
    initiator.initiate(PEER, 1.0, &mut SystemRandom);
    for service in [&mut responder, &mut initiator] {
        let before = service.pending_count();
        let result = service.handle(PEER, message_type, payload, 2.0, &mut SystemRandom);
        assert!(!service.has_key(PEER), "a key from one forged message");
        if result.is_err() {
            assert!(service.pending_count() <= before, "a refused message left a handshake");
        }
    }
});
