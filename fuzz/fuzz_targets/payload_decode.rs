//! A MessagePack payload: decoding never panics and stays within its limits;
//! a decoded value encodes, and that encoding decodes and encodes to the same
//! bytes (compared as bytes, since NaN is not equal to itself).
#![no_main]

use libfuzzer_sys::fuzz_target;
use styrene_wire::{decode_payload, encode_payload};

fuzz_target!(|data: &[u8]| {
    if let Ok(nodes) = decode_payload(data) {
        let encoded = encode_payload(&nodes).expect("a decoded value encodes");
        let again = decode_payload(&encoded).expect("its encoding decodes");
        assert_eq!(encode_payload(&again).expect("and encodes again"), encoded);
    }
});
