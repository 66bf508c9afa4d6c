//! The transport node against RNS 1.5.7: the exact packets RNS's transport
//! sends for the same input (tests/vectors/generate_transport.py), and its
//! rules for paths, rebroadcasts, caps, ingress control, path requests and
//! forwarding.

use serde_json::Value;
use styrene_rns::announce::{self, random_hash};
use styrene_rns::identity::Identity;
use styrene_rns::packet;
use styrene_rns::transport::{
    self, DropReason, Hash, InterfaceConfig, InterfaceId, Limits, Mode, PathEntry, SnapshotError,
    Transmission, Transport, context, path_request_destination, path_request_packet, rebroadcast_packet,
};
use styrene_vectors::transport_vectors;

const T0: f64 = 1_764_000_000.0;

fn hex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("a hex string")).expect("hex")
}

fn hexes(v: &Value) -> Vec<Vec<u8>> {
    v.as_array().expect("a list").iter().map(hex).collect()
}

fn vector_transport_id() -> Hash {
    hex(&transport_vectors()["transport_id"]).try_into().unwrap()
}

/// The recording interfaces of the generator: fast, MTU 500, no ingress
/// control or announce rate limit.
fn quiet(mode: Mode) -> InterfaceConfig {
    InterfaceConfig { ingress_control: false, announce_rate: None, ..InterfaceConfig::new(mode, 10_000_000) }
}

fn two_interfaces(transport_id: Hash) -> (Transport, InterfaceId, InterfaceId) {
    let mut t = Transport::new(transport_id, 7, Limits::default());
    let a = t.add_interface(quiet(Mode::Full), T0).unwrap();
    let z = t.add_interface(quiet(Mode::Full), T0).unwrap();
    (t, a, z)
}

fn on(out: &[Transmission], interface: InterfaceId) -> Vec<Vec<u8>> {
    out.iter().filter(|t| t.interface == interface).map(|t| t.packet.clone()).collect()
}

#[test]
fn path_request_destination_and_packets_are_rns_s() {
    let v = transport_vectors();
    assert_eq!(path_request_destination().to_vec(), hex(&v["path_request_destination"]));
    let id = vector_transport_id();
    for case in v["path_requests"].as_array().unwrap() {
        let destination: Hash = hex(&case["destination"]).try_into().unwrap();
        assert_eq!(path_request_packet(&destination, Some(&id), &hex(&case["tag"])), hex(&case["packet"]));
    }
}

#[test]
fn announces_are_rebroadcast_as_rns_does() {
    let id = vector_transport_id();
    for case in transport_vectors()["rebroadcasts"].as_array().unwrap() {
        let (mut t, a, z) = two_interfaces(id);
        let heard = hex(&case["heard"]);
        assert!(t.receive(a, &heard, T0).is_empty(), "nothing goes out before the random window");
        let out = t.tick(T0 + 1.5);
        assert_eq!(on(&out, a), hexes(&case["sent_a"]), "back on the interface it came from, too");
        assert_eq!(on(&out, z), hexes(&case["sent_z"]));
        let path = t.path(&destination_of(&heard)).unwrap();
        assert_eq!(path.hops, heard[1] + 1);
    }
}

fn destination_of(raw: &[u8]) -> Hash {
    packet::parse(raw).unwrap().header.destination_hash
}

#[test]
fn path_requests_are_answered_from_the_table_as_rns_does() {
    let id = vector_transport_id();
    for case in transport_vectors()["path_responses"].as_array().unwrap() {
        let (mut t, a, z) = two_interfaces(id);
        t.receive(a, &hex(&case["announce"]), T0);
        t.tick(T0 + 1.5);
        assert!(t.receive(z, &hex(&case["request"]), T0 + 2.0).is_empty());
        assert!(t.tick(T0 + 2.2).is_empty(), "within the path request grace");
        let out = t.tick(T0 + 3.5);
        assert_eq!(on(&out, a), hexes(&case["sent_a"]));
        assert_eq!(on(&out, z), hexes(&case["sent_z"]));
        let response = packet::parse(&on(&out, z)[0]).unwrap().header;
        assert_eq!(response.context, context::PATH_RESPONSE);
        assert_eq!(t.counters().path_requests_answered, 1);
    }
}

#[test]
fn packets_in_transport_and_their_proofs_go_as_rns_sends_them() {
    let id = vector_transport_id();
    for case in transport_vectors()["forwarding"].as_array().unwrap() {
        let (mut t, a, z) = two_interfaces(id);
        t.receive(a, &hex(&case["announce"]), T0);
        let forwarded = t.receive(z, &hex(&case["packet"]), T0 + 1.0);
        let returned = t.receive(a, &hex(&case["proof"]), T0 + 1.1);
        assert_eq!(on(&forwarded, a), hexes(&case["sent_a"]));
        assert_eq!(on(&returned, z), hexes(&case["sent_z"]));
        assert_eq!(t.counters().packets_forwarded, 1);
        assert_eq!(t.counters().proofs_returned, 1);
    }
}

// ---- behaviour beyond the recorded vectors

fn identity(n: u8) -> Identity {
    Identity::from_private_bytes(&[n; 64]).unwrap()
}

fn blob(random: u8, emitted: u64) -> [u8; 10] {
    let mut out = random_hash(emitted).unwrap();
    out[..5].fill(random);
    out
}

fn announce_from(n: u8, random: u8, emitted: u64) -> Vec<u8> {
    announce::create(&identity(n), "styrene.node", blob(random, emitted), None)
}

/// `raw` as another transport node would rebroadcast it, `hops` in its header.
fn via(raw: &[u8], transport_id: Hash, hops: u8) -> Vec<u8> {
    rebroadcast_packet(raw, &transport_id, hops, false).unwrap()
}

const US: Hash = [0xAA; 16];
const THEM: Hash = [0xBB; 16];

#[test]
fn paths_keep_fewer_hops_and_newer_emissions_by_rns_rules() {
    let (mut t, a, z) = two_interfaces(US);
    let first = announce_from(1, 1, 1000);
    let destination = destination_of(&first);
    t.receive(a, &via(&first, THEM, 2), T0);
    let path = t.path(&destination).unwrap();
    assert_eq!((path.hops, path.next_hop, path.interface), (3, THEM, a));
    assert_eq!(path.expires, T0 + 7.0 * 24.0 * 3600.0);
    assert_eq!(path.random_blobs, vec![blob(1, 1000)]);

    t.receive(z, &via(&announce_from(1, 2, 999), THEM, 0), T0 + 1.0);
    assert_eq!(t.path(&destination).unwrap().hops, 3, "an older emission with fewer hops is refused");
    t.receive(z, &via(&announce_from(1, 3, 1000), THEM, 5), T0 + 1.0);
    assert_eq!(t.path(&destination).unwrap().hops, 3, "the same emission with more hops is refused");
    t.receive(z, &announce_from(1, 4, 1001), T0 + 2.0);
    let path = t.path(&destination).unwrap();
    assert_eq!((path.hops, path.next_hop, path.interface), (1, destination, z), "direct, newer");
    assert_eq!(path.random_blobs, vec![blob(1, 1000), blob(4, 1001)]);
    assert!(t.counters().dropped[&DropReason::AnnounceNotNewer] >= 2);
}

#[test]
fn paths_expire_by_the_mode_of_their_interface() {
    let mut t = Transport::new(US, 1, Limits::default());
    let full = t.add_interface(quiet(Mode::Full), T0).unwrap();
    let ap = t.add_interface(quiet(Mode::AccessPoint), T0).unwrap();
    let roaming = t.add_interface(quiet(Mode::Roaming), T0).unwrap();
    let on_full = announce_from(1, 1, 1);
    let on_ap = announce_from(2, 1, 1);
    let on_roaming = announce_from(3, 1, 1);
    t.receive(full, &on_full, T0);
    t.receive(ap, &on_ap, T0);
    t.receive(roaming, &on_roaming, T0);
    assert_eq!(t.path(&destination_of(&on_ap)).unwrap().expires, T0 + 24.0 * 3600.0);
    t.tick(T0 + 6.0 * 3600.0 + 10.0);
    assert!(t.path(&destination_of(&on_roaming)).is_none(), "roaming paths last 6 hours");
    assert!(t.path(&destination_of(&on_ap)).is_some());
    t.tick(T0 + 24.0 * 3600.0 + 10.0);
    assert!(t.path(&destination_of(&on_ap)).is_none(), "access-point paths last a day");
    assert!(t.path(&destination_of(&on_full)).is_some());
    t.tick(T0 + 7.0 * 24.0 * 3600.0 + 10.0);
    assert_eq!(t.paths().count(), 0, "the rest last a week");
    assert_eq!(t.counters().paths_expired, 3);
}

#[test]
fn a_rebroadcast_is_retried_once_unless_heard_from_others() {
    let (mut t, a, _z) = two_interfaces(US);
    let raw = announce_from(1, 1, 1);
    t.receive(a, &raw, T0);
    assert_eq!(t.tick(T0 + 1.0).len(), 2, "first rebroadcast on both interfaces");
    assert!(t.tick(T0 + 3.0).is_empty(), "within the grace");
    assert_eq!(t.tick(T0 + 7.0).len(), 2, "one retry after PATHFINDER_G + RW");
    assert!(t.tick(T0 + 13.0).is_empty(), "then done");
    assert!(t.tick(T0 + 20.0).is_empty());

    // a neighbour rebroadcasting it at the same distance, twice after our first try, completes it
    let (mut t, a, z) = two_interfaces(US);
    t.receive(a, &raw, T0);
    t.tick(T0 + 1.0);
    t.receive(z, &via(&raw, THEM, 1), T0 + 1.2);
    t.receive(a, &via(&raw, [0xCC; 16], 1), T0 + 1.3);
    assert!(t.tick(T0 + 7.0).is_empty(), "LOCAL_REBROADCASTS_MAX reached: no retry");

    // hearing it passed on one hop further, before the retry is due, completes it too
    let (mut t, a, z) = two_interfaces(US);
    t.receive(a, &raw, T0);
    t.tick(T0 + 1.0);
    t.receive(z, &via(&raw, THEM, 2), T0 + 2.0);
    assert!(t.tick(T0 + 7.0).is_empty(), "passed on: no retry");
}

#[test]
fn our_own_rebroadcast_echoed_back_changes_nothing() {
    let (mut t, a, z) = two_interfaces(US);
    let raw = announce_from(1, 1, 1);
    t.receive(a, &raw, T0);
    let sent = t.tick(T0 + 1.0);
    let before = t.path(&destination_of(&raw)).unwrap().clone();
    assert!(t.receive(z, &sent[1].packet, T0 + 1.1).is_empty());
    assert_eq!(t.path(&destination_of(&raw)).unwrap(), &before, "the same random blob is no news");
}

#[test]
fn announces_on_a_slow_interface_wait_for_its_cap_fewest_hops_first() {
    let mut t = Transport::new(US, 3, Limits::default());
    let fast = t.add_interface(quiet(Mode::Full), T0).unwrap();
    let slow = t.add_interface(InterfaceConfig { bitrate: 1200, ..quiet(Mode::Full) }, T0).unwrap();
    let raws: Vec<Vec<u8>> = (1..=3).map(|n| via(&announce_from(n, 1, 1), THEM, 4 - n)).collect();
    for raw in &raws {
        t.receive(fast, raw, T0);
    }
    let out = t.tick(T0 + 1.0);
    assert_eq!(on(&out, fast).len(), 1, "even a fast interface sends one announce per instant");
    let first = on(&out, slow);
    assert_eq!(first.len(), 1);
    assert_eq!(first[0][1], 2, "fewest hops first (the round is sorted by hops)");
    assert_eq!((t.queued_announces(fast), t.queued_announces(slow)), (2, 2));
    assert_eq!(t.counters().announces_queued, 4);
    assert_eq!(
        on(&t.tick(T0 + 1.5), fast).len(),
        2,
        "the fast cap reopens within milliseconds: both queued announces went out by this tick, as RNS's timer sends them"
    );
    // 2 % of 1200 bit/s: a ~170-byte announce holds the slow cap for ~57 s
    let wait = (first[0].len() as f64 * 8.0 / 1200.0) / 0.02;
    assert!(on(&t.tick(T0 + 1.0 + wait - 1.0), slow).is_empty());
    let next = on(&t.tick(T0 + 1.0 + wait + 0.1), slow);
    assert_eq!(next.len(), 1);
    assert_eq!(next[0][1], 2, "the retry of the first announce, queued meanwhile, has the fewest hops");
    assert_eq!(t.queued_announces(slow), 2);
}

#[test]
fn a_newer_announce_replaces_its_queued_one() {
    let mut t = Transport::new(US, 3, Limits::default());
    let fast = t.add_interface(quiet(Mode::Full), T0).unwrap();
    let slow = t.add_interface(InterfaceConfig { bitrate: 1200, ..quiet(Mode::Full) }, T0).unwrap();
    t.receive(fast, &via(&announce_from(1, 1, 1), THEM, 1), T0);
    t.tick(T0 + 1.0);
    t.receive(fast, &via(&announce_from(2, 1, 1), THEM, 1), T0 + 2.0);
    t.tick(T0 + 3.0);
    t.receive(fast, &via(&announce_from(2, 2, 5), THEM, 1), T0 + 4.0);
    t.tick(T0 + 5.0);
    assert_eq!(t.queued_announces(slow), 1, "one entry per destination, the newest");
    let released = on(&t.tick(T0 + 1000.0), slow);
    let sent = announce::validate(&packet::parse(&released[0]).unwrap()).unwrap();
    assert_eq!(sent.emitted_at(), 5);
}

#[test]
fn modes_limit_where_announces_go() {
    let mut t = Transport::new(US, 3, Limits::default());
    let full = t.add_interface(quiet(Mode::Full), T0).unwrap();
    let ap = t.add_interface(quiet(Mode::AccessPoint), T0).unwrap();
    let roaming = t.add_interface(quiet(Mode::Roaming), T0).unwrap();
    let boundary = t.add_interface(quiet(Mode::Boundary), T0).unwrap();
    t.receive(full, &announce_from(1, 1, 1), T0);
    let out = t.tick(T0 + 1.0);
    let targets: Vec<InterfaceId> = out.iter().map(|x| x.interface).collect();
    assert_eq!(targets, vec![full, roaming, boundary], "never on an access point");
    assert!(!targets.contains(&ap));

    t.receive(roaming, &announce_from(2, 1, 1), T0 + 2.0);
    let targets: Vec<InterfaceId> = t.tick(T0 + 3.0).iter().map(|x| x.interface).collect();
    assert_eq!(targets, vec![full], "heard on roaming: not to roaming or boundary interfaces");

    t.receive(boundary, &announce_from(3, 1, 1), T0 + 4.0);
    let targets: Vec<InterfaceId> = t.tick(T0 + 5.0).iter().map(|x| x.interface).collect();
    assert_eq!(targets, vec![full, boundary], "heard on boundary: not to roaming interfaces");
}

#[test]
fn a_burst_of_new_announces_on_a_new_interface_is_held_and_released_slowly() {
    let mut t = Transport::new(US, 3, Limits::default());
    let config = InterfaceConfig { announce_rate: None, ..InterfaceConfig::new(Mode::Full, 10_000_000) };
    let new = t.add_interface(config, T0).unwrap();
    for n in 1..=6 {
        t.receive(new, &announce_from(n, 1, 1), T0 + f64::from(n) * 0.1);
    }
    assert_eq!(t.paths().count(), 2, "the third within 0.2 s is over 3 per second: a burst");
    assert_eq!(t.held_announces(new), 4);
    assert_eq!(t.counters().announces_held, 4);
    // held for the penalty (15 s), and until the burst has calmed for IC_BURST_HOLD
    t.tick(T0 + 10.0);
    assert_eq!(t.held_announces(new), 4);
    t.tick(T0 + 30.0);
    assert_eq!(t.held_announces(new), 3, "one released per interface job");
    t.tick(T0 + 36.0);
    assert_eq!(t.held_announces(new), 2);
    t.tick(T0 + 42.0);
    t.tick(T0 + 48.0);
    assert_eq!((t.held_announces(new), t.paths().count()), (0, 6));
    assert_eq!(t.counters().announces_released, 4);
}

#[test]
fn path_requests_are_deduplicated_by_tag_and_unknown_ones_searched_for_on_gateways() {
    let mut t = Transport::new(US, 3, Limits::default());
    let gateway = t.add_interface(quiet(Mode::Gateway), T0).unwrap();
    let full = t.add_interface(quiet(Mode::Full), T0).unwrap();
    let wanted: Hash = [0x42; 16];
    let request = path_request_packet(&wanted, None, &[9; 16]);
    let out = t.receive(gateway, &request, T0);
    assert_eq!(
        out,
        vec![Transmission { interface: full, packet: path_request_packet(&wanted, Some(&US), &[9; 16]) }]
    );
    assert_eq!(t.counters().path_requests_forwarded, 1);
    assert!(t.receive(gateway, &request, T0 + 0.1).is_empty());
    assert_eq!(t.counters().dropped[&DropReason::DuplicatePathRequest], 1);

    // on a full interface, an unknown destination is not searched for
    assert!(t.receive(full, &path_request_packet(&[0x43; 16], None, &[1; 16]), T0).is_empty());

    // the answer to our search goes back to the gateway side at once, as a path response
    let raw = announce_from(5, 1, 1);
    let destination = destination_of(&raw);
    t.receive(gateway, &path_request_packet(&destination, None, &[2; 16]), T0 + 1.0);
    let out = t.receive(full, &raw, T0 + 2.0);
    assert_eq!(
        out,
        vec![Transmission { interface: gateway, packet: rebroadcast_packet(&raw, &US, 1, true).unwrap() }]
    );

    let tagless = path_request_packet(&wanted, None, &[]);
    t.receive(gateway, &tagless, T0);
    assert_eq!(t.counters().dropped[&DropReason::TaglessPathRequest], 1);
}

#[test]
fn a_path_request_from_the_next_hop_is_not_answered() {
    let (mut t, a, z) = two_interfaces(US);
    let raw = announce_from(1, 1, 1);
    t.receive(a, &via(&raw, THEM, 1), T0);
    t.tick(T0 + 1.0);
    t.receive(z, &path_request_packet(&destination_of(&raw), Some(&THEM), &[1; 16]), T0 + 2.0);
    assert!(t.tick(T0 + 3.0).is_empty());
    assert_eq!(t.counters().path_requests_answered, 0);
}

#[test]
fn the_packet_filter_drops_what_rns_drops() {
    let (mut t, a, _z) = two_interfaces(US);
    let mut other = vec![0x50, 0];
    other.extend([0xEE; 16]);
    other.extend([0x11; 16]);
    other.extend([0, 1, 2, 3]);
    t.receive(a, &other, T0);
    let mut plain = vec![0x08, 2];
    plain.extend([0x11; 16]);
    plain.extend([0, 1, 2]);
    t.receive(a, &plain, T0);
    let mut data = vec![0x00, 0];
    data.extend([0x11; 16]);
    data.extend([0, 1, 2]);
    t.receive(a, &data, T0);
    t.receive(a, &data, T0);
    let mut hop_limit = data.clone();
    hop_limit[1] = 128;
    t.receive(a, &hop_limit, T0);
    let dropped = &t.counters().dropped;
    assert_eq!(dropped[&DropReason::OtherTransport], 1);
    assert_eq!(dropped[&DropReason::TransportedPlainOrGroup], 1);
    assert_eq!(dropped[&DropReason::Duplicate], 1);
    assert_eq!(dropped[&DropReason::Malformed], 1);
}

/// A link request (`X25519 key ‖ Ed25519 key`) through us, the proof the
/// destination signs, and link traffic both ways.
#[test]
fn links_are_set_up_and_carried_through_the_link_table() {
    use styrene_rns::identity::PublicIdentity;
    let (mut t, a, z) = two_interfaces(US);
    let dest_identity = identity(9);
    let raw = announce_from(9, 1, 1);
    let destination = destination_of(&raw);
    t.receive(a, &raw, T0);

    let mut request = vec![0x52, 0];
    request.extend(US);
    request.extend(destination);
    request.push(0);
    request.extend([0x31; 64]);
    let out = t.receive(z, &request, T0 + 1.0);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].interface, a);
    assert_eq!(&out[0].packet[..2], &[0x02, 1], "the last hop: HEADER_1, hops + 1");
    assert_eq!(t.table_sizes().0, 1);

    // the link id RNS derives: truncated hash of the hashable part
    let mut hashable = vec![request[0] & 0x0F];
    hashable.extend(&request[18..]);
    let link_id = styrene_rns::truncated_hash(&hashable);
    let mut proof = vec![0x0F, 0];
    proof.extend(link_id);
    proof.push(context::LRPROOF);
    let peer_key = [0x77u8; 32];
    let public = dest_identity.public().to_bytes();
    let signed = [&link_id[..], &peer_key, &public[32..]].concat();
    let mut forged = proof.clone();
    forged.extend([0u8; 64]);
    forged.extend(peer_key);
    assert!(t.receive(a, &forged, T0 + 1.5).is_empty());
    assert_eq!(t.counters().dropped[&DropReason::InvalidLinkProof], 1);
    proof.extend(dest_identity.sign(&signed));
    proof.extend(peer_key);
    assert!(PublicIdentity::from_bytes(&public).unwrap().verify(&signed, &proof[19..83]));
    let out = t.receive(a, &proof, T0 + 2.0);
    assert_eq!(out, vec![Transmission { interface: z, packet: [&[0x0F, 1][..], &proof[2..]].concat() }]);

    // link traffic both ways, hops as each side should show them
    let mut from_initiator = vec![0x0C, 0];
    from_initiator.extend(link_id);
    from_initiator.extend([0, 5, 5, 5]);
    let out = t.receive(z, &from_initiator, T0 + 3.0);
    assert_eq!(out[0].interface, a);
    let mut from_destination = vec![0x0C, 0];
    from_destination.extend(link_id);
    from_destination.extend([0, 6, 6, 6]);
    let out = t.receive(a, &from_destination, T0 + 3.0);
    assert_eq!(out[0].interface, z);
    let mut wrong_hops = from_destination.clone();
    wrong_hops[1] = 3;
    wrong_hops[20] = 7;
    assert!(t.receive(a, &wrong_hops, T0 + 3.0).is_empty());
    assert_eq!(t.counters().link_packets_forwarded, 2);

    // a proven link lives LINK_TIMEOUT (900 s) past its last packet
    t.tick(T0 + 800.0);
    assert_eq!(t.table_sizes().0, 1);
    t.tick(T0 + 910.0);
    assert_eq!(t.table_sizes().0, 0);
}

#[test]
fn tables_are_bounded_and_evictions_counted() {
    let limits = Limits { paths: 4, ..Limits::default() };
    let mut t = Transport::new(US, 3, limits);
    let a = t.add_interface(quiet(Mode::Full), T0).unwrap();
    for n in 1..=6 {
        t.receive(a, &announce_from(n, 1, 1), T0);
    }
    assert_eq!(t.paths().count(), 4);
    assert_eq!(t.evictions()[0], 2);
    assert!(t.path(&destination_of(&announce_from(1, 1, 1))).is_none(), "the oldest went first");
    assert_eq!(t.counters().received, 6);
}

// ---- restarts, receipts and the node's own announces

fn named(name: &str, mode: Mode) -> InterfaceConfig {
    InterfaceConfig { name: name.into(), ..quiet(mode) }
}

#[test]
fn a_saved_path_table_comes_back_on_the_interface_of_the_same_name() {
    let mut t = Transport::new([9; 16], 1, Limits::default());
    let hub = t.add_interface(named("hub", Mode::Full), T0).unwrap();
    let radio = t.add_interface(named("radio", Mode::Full), T0).unwrap();
    let near = announce_from(1, 1, 1000);
    let far = via(&announce_from(2, 2, 1000), [7; 16], 2);
    t.receive(hub, &near, T0);
    t.receive(radio, &far, T0);
    let snapshot = t.export_paths();

    // a restart: interfaces come back with other ids, "radio" only later
    let mut again = Transport::new([9; 16], 2, Limits::default());
    let _other = again.add_interface(named("other", Mode::Full), T0 + 10.0).unwrap();
    let hub_again = again.add_interface(named("hub", Mode::Full), T0 + 10.0).unwrap();
    assert_eq!(again.import_paths(&snapshot), Ok(2));
    assert_eq!(again.path_count(), 1, "the radio's path waits for its interface");
    assert_eq!(again.parked_paths(), 1);
    let restored = again.path(&destination_of(&near)).unwrap();
    assert_eq!(
        restored,
        &PathEntry { interface: hub_again, ..t.path(&destination_of(&near)).unwrap().clone() }
    );
    let radio_again = again.add_interface(named("radio", Mode::Full), T0 + 20.0).unwrap();
    let far_path = again.path(&destination_of(&far)).unwrap();
    assert_eq!((far_path.interface, far_path.hops, far_path.next_hop), (radio_again, 3, [7; 16]));
    assert_eq!(again.counters().paths_restored, 2);
    // a parked path is saved again until its interface comes back
    assert_eq!(again.export_paths().len(), snapshot.len());

    // restored paths answer path requests, and older announces do not replace them
    let request = path_request_packet(&destination_of(&near), None, b"tag-1");
    again.receive(radio_again, &request, T0 + 21.0);
    let out = again.tick(T0 + 23.0);
    assert_eq!(on(&out, radio_again).len(), 1, "answered from the restored table");
    let older = announce_from(1, 3, 999);
    let receipt = again.receive_packet(hub_again, &older, T0 + 24.0);
    assert_eq!(receipt.dropped, Some(DropReason::AnnounceNotNewer));
}

#[test]
fn a_damaged_snapshot_restores_nothing() {
    let mut t = Transport::new([9; 16], 1, Limits::default());
    let hub = t.add_interface(named("hub", Mode::Full), T0).unwrap();
    t.receive(hub, &announce_from(1, 1, 1000), T0);
    t.receive(hub, &announce_from(2, 1, 1000), T0);
    let snapshot = t.export_paths();
    let fresh = || {
        let mut t = Transport::new([9; 16], 1, Limits::default());
        t.add_interface(named("hub", Mode::Full), T0).unwrap();
        t
    };
    assert_eq!(fresh().import_paths(b"not a snapshot"), Err(SnapshotError::NotASnapshot));
    for cut in [6, 20, snapshot.len() / 2, snapshot.len() - 1] {
        let mut t = fresh();
        assert!(matches!(t.import_paths(&snapshot[..cut]), Err(SnapshotError::Damaged(_))), "cut at {cut}");
        assert_eq!(t.path_count(), 0);
    }
    let mut forged_count = snapshot.clone();
    forged_count[5..9].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(matches!(fresh().import_paths(&forged_count), Err(SnapshotError::Damaged(_))));
    // an announce that is not for the entry's destination
    let mut swapped = snapshot.clone();
    swapped[9] ^= 1;
    let mut t = fresh();
    assert!(matches!(t.import_paths(&swapped), Err(SnapshotError::Damaged(_))));
    assert_eq!(t.path_count(), 0);
}

#[test]
fn receipts_say_what_was_learnt_and_what_was_dropped() {
    let (mut t, a, _z) = two_interfaces([9; 16]);
    let announce = announce_from(1, 1, 1000);
    let receipt = t.receive_packet(a, &announce, T0);
    let learnt = receipt.learnt.expect("a new path");
    assert_eq!(learnt.announce.destination_hash, destination_of(&announce));
    assert_eq!((learnt.hops, learnt.received_from), (1, destination_of(&announce)));
    assert_eq!(receipt.dropped, None);
    let again = t.receive_packet(a, &announce, T0 + 1.0);
    assert!(again.learnt.is_none());
    assert!(again.dropped.is_some(), "the same announce changes nothing");
    assert_eq!(t.receive_packet(a, &[0x00], T0).dropped, Some(DropReason::Malformed));
}

#[test]
fn our_own_announce_goes_everywhere_but_access_points_uncapped() {
    let mut t = Transport::new([9; 16], 1, Limits::default());
    let full = t.add_interface(quiet(Mode::Full), T0).unwrap();
    let slow = t.add_interface(InterfaceConfig { bitrate: 5, ..quiet(Mode::Full) }, T0).unwrap();
    let roaming = t.add_interface(quiet(Mode::Roaming), T0).unwrap();
    let ap = t.add_interface(quiet(Mode::AccessPoint), T0).unwrap();
    let own = announce_from(4, 1, 1000);
    let out = t.announce_local(&own);
    for interface in [full, slow, roaming] {
        assert_eq!(on(&out, interface), vec![own.clone()]);
    }
    assert!(on(&out, ap).is_empty());
    assert_eq!(t.announce_local(&own).len(), 3, "the cap does not hold back our own announces");
    let echo = t.receive_packet(full, &own, T0 + 1.0);
    assert!(echo.learnt.is_none() && echo.transmit.is_empty(), "our announce heard back is not news");
}

#[test]
fn an_interface_that_comes_back_gets_its_paths_back() {
    let mut t = Transport::new([9; 16], 1, Limits::default());
    let hub = t.add_interface(named("hub", Mode::Full), T0).unwrap();
    let near = announce_from(1, 1, 1000);
    t.receive(hub, &near, T0);
    assert!(t.remove_interface(hub));
    assert!(t.path(&destination_of(&near)).is_none(), "nothing can go out through a removed interface");
    let snapshot = t.export_paths();
    let hub_again = t.add_interface(named("hub", Mode::Full), T0 + 30.0).unwrap();
    assert_eq!(t.path(&destination_of(&near)).map(|p| p.interface), Some(hub_again));
    // saved while the interface was away, the path is not lost either
    let mut restarted = Transport::new([9; 16], 2, Limits::default());
    assert_eq!(restarted.import_paths(&snapshot), Ok(1));
    restarted.add_interface(named("hub", Mode::Full), T0 + 40.0).unwrap();
    assert_eq!(restarted.path_count(), 1);
    // one that never comes back expires with its path's lifetime
    let gone = restarted.add_interface(named("gone", Mode::Full), T0 + 40.0).unwrap();
    restarted.receive(gone, &announce_from(2, 1, 1000), T0 + 41.0);
    restarted.remove_interface(gone);
    assert_eq!(restarted.parked_paths(), 1);
    restarted.tick(T0 + 41.0 + transport::PATHFINDER_E + 10.0);
    assert_eq!(restarted.parked_paths(), 0);
}

#[test]
fn a_burst_inside_one_read_is_a_burst() {
    // the frames of one read reach the transport with the same `now`
    let mut t = Transport::new(US, 1, Limits::default());
    let new = t
        .add_interface(
            InterfaceConfig { announce_rate: None, ..InterfaceConfig::new(Mode::Full, 10_000_000) },
            T0,
        )
        .unwrap();
    for n in 1..=10 {
        t.receive(new, &announce_from(n, 1, 1000), T0 + 1.0);
    }
    assert!(t.held_announces(new) > 0, "announces for unknown destinations held");
    assert!(t.path_count() < 10);
}
