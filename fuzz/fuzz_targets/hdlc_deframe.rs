//! HDLC deframing (RNS's TCP read loop): any bytes, split at any points, never
//! panic; every frame delivered is within the size limits; the buffer stays
//! bounded; and framing a delivered frame again gives the same frame back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use styrene_rns::hdlc::{self, Deframed, Deframer};

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, stream)) = data.split_first() else { return };
    let hw_mtu = [500, 564, 1064, 16384][usize::from(knobs & 3)];
    let ifac_size = [0, 8, 16][usize::from(knobs >> 2) % 3];
    let chunk = 1 + usize::from(knobs >> 4) * 7;
    let mut deframer = Deframer::new(hw_mtu, ifac_size);
    let mut frames = Vec::new();
    for piece in stream.chunks(chunk) {
        deframer.push(piece, |f| frames.push(f));
        assert!(deframer.buffered() <= 2 * hw_mtu + chunk, "the partial frame is bounded");
    }
    for frame in frames {
        if let Deframed::Frame(frame) = frame {
            assert!(frame.len() > 19 && frame.len() <= hw_mtu + ifac_size);
            let mut again = Deframer::new(hw_mtu, ifac_size);
            let mut out = Vec::new();
            again.push(&hdlc::frame(&frame), |f| out.push(f));
            assert_eq!(out, vec![Deframed::Frame(frame)]);
        }
    }
});
