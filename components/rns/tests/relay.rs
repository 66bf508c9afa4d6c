//! The relay: ports with different framings and access codes, RNS's checks
//! on receipt, duplicate suppression, and announces reported for recording.

use styrene_rns::announce::{self, random_hash};
use styrene_rns::identity::Identity;
use styrene_rns::ifac::{Ifac, IfacError};
use styrene_rns::packet::PacketError;
use styrene_rns::relay::{Drop, Framing, Outcome, PortConfig, Relay};
use styrene_rns::{hdlc, kiss};

fn data_packet(tag: u8) -> Vec<u8> {
    let mut p = vec![0x00, 0x00];
    p.extend([tag; 16]);
    p.push(0x00);
    p.extend_from_slice(b"some payload bytes");
    p
}

fn port(framing: Framing, hw_mtu: usize, ifac: Option<Ifac>) -> PortConfig {
    PortConfig { framing, hw_mtu, ifac }
}

fn receive(relay: &mut Relay, port: u32, data: &[u8]) -> Outcome {
    let mut outcome = Outcome::default();
    relay.receive(port, data, &mut outcome);
    outcome
}

#[test]
fn a_frame_goes_to_every_other_port_in_its_framing() {
    let mut relay = Relay::new(100);
    let tcp = relay.add_port(port(Framing::Hdlc, 16384, None));
    let radio = relay.add_port(port(Framing::Kiss, 564, None));
    let udp = relay.add_port(port(Framing::Datagram, 1064, None));
    let packet = data_packet(1);
    let outcome = receive(&mut relay, tcp, &hdlc::frame(&packet));
    assert_eq!(outcome.relayed, 1);
    assert_eq!(outcome.transmit, vec![(radio, kiss::frame(&packet)), (udp, packet.clone())]);
    assert!(outcome.dropped.is_empty());
}

#[test]
fn access_codes_are_checked_in_and_applied_out_per_port() {
    let mut relay = Relay::new(100);
    let coded =
        relay.add_port(port(Framing::Hdlc, 16384, Some(Ifac::new(Some("mesh"), Some("pass"), 16).unwrap())));
    let radio = relay.add_port(port(Framing::Kiss, 564, Some(Ifac::new(Some("radio"), None, 8).unwrap())));
    let open = relay.add_port(port(Framing::Hdlc, 16384, None));
    let packet = data_packet(2);
    let ours = Ifac::new(Some("mesh"), Some("pass"), 16).unwrap();
    let outcome = receive(&mut relay, coded, &hdlc::frame(&ours.wrap(&packet)));
    assert_eq!(outcome.relayed, 1);
    let radio_code = Ifac::new(Some("radio"), None, 8).unwrap();
    assert_eq!(outcome.transmit[0], (radio, kiss::frame(&radio_code.wrap(&packet))));
    assert_eq!(outcome.transmit[1], (open, hdlc::frame(&packet)));

    let theirs = Ifac::new(Some("mesh"), Some("wrong"), 16).unwrap();
    let outcome = receive(&mut relay, coded, &hdlc::frame(&theirs.wrap(&data_packet(3))));
    assert_eq!(outcome.dropped, vec![(coded, Drop::Ifac(IfacError::Invalid))]);
    let outcome = receive(&mut relay, coded, &hdlc::frame(&data_packet(4)));
    assert_eq!(outcome.dropped, vec![(coded, Drop::Ifac(IfacError::MissingFlag))]);
    let outcome = receive(&mut relay, open, &hdlc::frame(&ours.wrap(&data_packet(5))));
    assert_eq!(outcome.dropped, vec![(open, Drop::Ifac(IfacError::UnexpectedFlag))]);
}

#[test]
fn duplicates_hops_and_sizes_are_refused() {
    let mut relay = Relay::new(100);
    let a = relay.add_port(port(Framing::Hdlc, 16384, None));
    let small = relay.add_port(port(Framing::Kiss, 564, None));
    let packet = data_packet(6);
    assert_eq!(receive(&mut relay, a, &hdlc::frame(&packet)).relayed, 1);
    assert_eq!(receive(&mut relay, a, &hdlc::frame(&packet)).dropped, vec![(a, Drop::Duplicate)]);
    let mut moved = packet.clone();
    moved[1] = 5;
    assert_eq!(
        receive(&mut relay, a, &hdlc::frame(&moved)).dropped,
        vec![(a, Drop::Duplicate)],
        "hops are not hashed"
    );
    let mut far = data_packet(7);
    far[1] = 128;
    assert_eq!(
        receive(&mut relay, a, &hdlc::frame(&far)).dropped,
        vec![(a, Drop::Packet(PacketError::HopLimit(128)))]
    );
    let mut big = data_packet(8);
    big.resize(2000, 1);
    let outcome = receive(&mut relay, a, &hdlc::frame(&big));
    assert_eq!(outcome.relayed, 1);
    assert_eq!(outcome.dropped, vec![(small, Drop::TooLargeFor(2000))]);
    assert!(outcome.transmit.is_empty());
}

#[test]
fn memory_for_duplicates_is_bounded() {
    let mut relay = Relay::new(10);
    let a = relay.add_port(port(Framing::Datagram, 1064, None));
    let mut packets = Vec::new();
    for n in 0..50u8 {
        let p = data_packet(n);
        assert_eq!(receive(&mut relay, a, &p).relayed, 1);
        packets.push(p);
    }
    // the newest are still known, the oldest forgotten (two generations of 10)
    assert_eq!(receive(&mut relay, a, &packets[49]).dropped, vec![(a, Drop::Duplicate)]);
    assert_eq!(receive(&mut relay, a, &packets[0]).relayed, 1);
}

#[test]
fn announces_are_validated_and_reported() {
    let mut relay = Relay::new(100);
    let a = relay.add_port(port(Framing::Hdlc, 16384, None));
    let b = relay.add_port(port(Framing::Hdlc, 16384, None));
    let identity = Identity::from_private_bytes(&[9; 64]).unwrap();
    let mut raw = announce::create(
        &identity,
        "lxmf.delivery",
        random_hash(1_764_000_000).unwrap(),
        Some(b"\x92\xc4\x03Bob\xc0"),
    );
    raw[1] = 2;
    let outcome = receive(&mut relay, a, &hdlc::frame(&raw));
    assert_eq!(outcome.transmit, vec![(b, hdlc::frame(&raw))], "relayed as heard, hops unchanged");
    let heard = &outcome.heard[0];
    assert_eq!(heard.hops, 3, "RNS counts a hop on receipt");
    assert_eq!(heard.announce.identity_hash, identity.hash());
    assert_eq!(heard.received_from, heard.announce.destination_hash);
    assert!(heard.announce.is_named("lxmf.delivery"));

    let mut forged = announce::create(&identity, "lxmf.delivery", random_hash(0).unwrap(), Some(b"x"));
    *forged.last_mut().unwrap() = b'y';
    let outcome = receive(&mut relay, a, &hdlc::frame(&forged));
    assert!(outcome.heard.is_empty() && outcome.transmit.is_empty());
    assert_eq!(outcome.dropped, vec![(a, Drop::Announce(announce::AnnounceError::BadSignature))]);
}

#[test]
fn own_packets_go_everywhere_once() {
    let mut relay = Relay::new(100);
    let a = relay.add_port(port(Framing::Hdlc, 16384, None));
    let b = relay.add_port(port(Framing::Kiss, 564, None));
    let packet = data_packet(9);
    let mut outcome = Outcome::default();
    relay.broadcast(&packet, &mut outcome);
    assert_eq!(outcome.transmit, vec![(a, hdlc::frame(&packet)), (b, kiss::frame(&packet))]);
    assert_eq!(
        receive(&mut relay, a, &hdlc::frame(&packet)).dropped,
        vec![(a, Drop::Duplicate)],
        "its echo is not relayed"
    );
    assert!(relay.remove_port(b));
    assert!(!relay.remove_port(b));
    assert!(
        receive(&mut relay, b, &kiss::frame(&data_packet(10))).transmit.is_empty(),
        "a removed port is ignored"
    );
}
