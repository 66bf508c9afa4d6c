//! KISS deframing (RNS's KISS read loop): any bytes, split at any points, never
//! panic; frames are never longer than the MTU; framing a delivered frame again
//! gives the same frame back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use styrene_rns::kiss::{self, Deframed, Deframer};

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, stream)) = data.split_first() else { return };
    let hw_mtu = [508, 564, 1064][usize::from(knobs & 3) % 3];
    let chunk = 1 + usize::from(knobs >> 2) * 3;
    let mut deframer = Deframer::new(hw_mtu);
    let mut frames = Vec::new();
    for piece in stream.chunks(chunk) {
        deframer.push(piece, |f| frames.push(f));
        assert!(deframer.buffered() <= hw_mtu);
    }
    for frame in frames {
        if let Deframed::Frame(frame) = frame {
            assert!(frame.len() <= hw_mtu);
            let mut again = Deframer::new(hw_mtu);
            let mut out = Vec::new();
            again.push(&kiss::frame(&frame), |f| out.push(f));
            assert_eq!(out, vec![Deframed::Frame(frame)]);
        }
    }
});
