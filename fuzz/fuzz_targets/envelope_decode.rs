//! A Styrene envelope from a stranger's radio: decoding never panics; what
//! decodes encodes back to the same bytes; the header check agrees with it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use styrene_wire::{Envelope, decode_header};

fuzz_target!(|data: &[u8]| {
    let full = Envelope::decode(data);
    let header = decode_header(data);
    assert_eq!(full.is_ok(), header.is_ok(), "decode and decode_header disagree");
    if let Ok(envelope) = full {
        assert_eq!(envelope.encode(), data, "decode then encode changed the bytes");
    }
});
