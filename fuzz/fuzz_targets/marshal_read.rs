//! `marshal` input for the encoder: reading never panics and never trusts a
//! length; whatever it reads is a complete value that packs, and the writer's
//! `marshal` of it reads back to the same packed bytes (compared as bytes,
//! since NaN is not equal to itself).
#![no_main]

use libfuzzer_sys::fuzz_target;
use styrene_wire::encode_payload;
use styrene_wire::marshal::{from_marshal, to_marshal};

fuzz_target!(|data: &[u8]| {
    if let Ok(nodes) = from_marshal(data) {
        let packed = encode_payload(&nodes).expect("a value read from marshal packs");
        let written = to_marshal(&nodes).expect("it holds no extension value");
        let again = from_marshal(&written).expect("the writer's output reads back");
        assert_eq!(encode_payload(&again).expect("and packs again"), packed);
    }
});
