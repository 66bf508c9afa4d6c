//! The gateway relay: bytes arriving on any of its ports (HDLC, KISS with an
//! access code, datagrams) never panic it; everything it transmits is a frame
//! that deframes, unwraps and parses on the receiving port; its buffers stay
//! bounded.
#![no_main]

use libfuzzer_sys::fuzz_target;
use styrene_rns::ifac::Ifac;
use styrene_rns::relay::{Framing, Outcome, PortConfig, Relay};
use styrene_rns::{hdlc, kiss, packet};

fuzz_target!(|data: &[u8]| {
    let mut relay = Relay::new(64);
    let ports = [
        relay.add_port(PortConfig { framing: Framing::Hdlc, hw_mtu: 1064, ifac: None }),
        relay.add_port(PortConfig {
            framing: Framing::Kiss,
            hw_mtu: 564,
            ifac: Some(Ifac::new(Some("fuzz"), None, 8).unwrap()),
        }),
        relay.add_port(PortConfig { framing: Framing::Datagram, hw_mtu: 1064, ifac: None }),
    ];
    // the input is a sequence of (port, length, bytes) records
    let mut rest = data;
    while let [selector, len, tail @ ..] = rest {
        let take = usize::from(*len).min(tail.len());
        let port = ports[usize::from(*selector) % 3];
        let mut outcome = Outcome::default();
        relay.receive(port, &tail[..take], &mut outcome);
        for (to, bytes) in &outcome.transmit {
            let raw = match *to {
                p if p == ports[0] => deframe_hdlc(bytes),
                p if p == ports[1] => {
                    let framed = deframe_kiss(bytes);
                    Ifac::new(Some("fuzz"), None, 8).unwrap().unwrap(&framed).expect("our own access code")
                }
                _ => bytes.clone(),
            };
            assert!(packet::parse(&raw).is_ok(), "only packets RNS would unpack are relayed");
        }
        assert!(relay.buffered(ports[0]) <= 2 * 1064 + 255);
        assert!(relay.buffered(ports[1]) <= 564);
        rest = &tail[take..];
    }
});

fn deframe_hdlc(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    hdlc::Deframer::new(1 << 20, 0).push(bytes, |f| {
        if let hdlc::Deframed::Frame(f) = f {
            out.push(f)
        }
    });
    assert_eq!(out.len(), 1);
    out.pop().unwrap()
}

fn deframe_kiss(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    kiss::Deframer::new(1 << 20).push(bytes, |f| {
        if let kiss::Deframed::Frame(f) = f {
            out.push(f)
        }
    });
    assert_eq!(out.len(), 1);
    out.pop().unwrap()
}
