//! RNS packets, announces and access codes: parsing never panics; a parsed
//! packet serializes back to the same bytes with the same hash; announce
//! validation never panics and what it accepts is consistent; an access code
//! wrapped around any packet unwraps to it, and any frame is refused or
//! unwrapped without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use styrene_rns::ifac::Ifac;
use styrene_rns::{announce, packet};

fn ifac() -> &'static Ifac {
    static IFAC: OnceLock<Ifac> = OnceLock::new();
    IFAC.get_or_init(|| Ifac::new(Some("fuzz"), Some("net"), 8).unwrap())
}

fuzz_target!(|raw: &[u8]| {
    if let Ok(parsed) = packet::parse(raw) {
        let mut again = packet::serialize(&parsed.header, parsed.data);
        again[0] |= raw[0] & 0x80;
        assert_eq!(again, raw);
        assert_eq!(packet::packet_hash(&again), packet::packet_hash(raw));
        if let Ok(heard) = announce::validate(&parsed) {
            assert_eq!(heard.destination_hash, parsed.header.destination_hash);
            assert_eq!(heard.identity_hash, heard.identity.hash());
        }
    }
    let _ = ifac().unwrap(raw);
    // RNS refuses frames of 2 + size bytes or less, so a packet needs 3 bytes to round trip
    if raw.len() > 2 && raw[0] & 0x80 == 0 {
        assert_eq!(ifac().unwrap(&ifac().wrap(raw)).as_deref(), Ok(raw));
    }
});
