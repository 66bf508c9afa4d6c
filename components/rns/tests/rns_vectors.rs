//! The crate against what RNS 1.5.7 itself produced (`tests/vectors/generate_rns.py`).

use styrene_rns::identity::{Identity, PublicIdentity, destination_hash, name_hash};
use styrene_rns::ifac::Ifac;
use styrene_rns::packet::{self, PacketError};
use styrene_rns::{announce, hdlc, kiss};
use styrene_vectors::{hex, rns_section, to_hex};

#[test]
fn identities() {
    for case in rns_section("identities") {
        let identity = Identity::from_private_bytes(&hex(case["private"].as_str().unwrap())).unwrap();
        assert_eq!(to_hex(&identity.public().to_bytes()), case["public"]);
        assert_eq!(to_hex(&identity.hash()), case["hash"]);
        assert_eq!(to_hex(&identity.private_bytes()[..]), case["private"]);
        let message = hex(case["message"].as_str().unwrap());
        assert_eq!(to_hex(&identity.sign(&message)), case["signature"]);
        let public = PublicIdentity::from_bytes(&identity.public().to_bytes()).unwrap();
        assert!(public.verify(&message, &hex(case["signature"].as_str().unwrap())));
        let ih = identity.hash();
        assert_eq!(to_hex(&destination_hash(&name_hash("lxmf.delivery"), &ih)), case["lxmf_delivery"]);
        assert_eq!(to_hex(&destination_hash(&name_hash("styrene.node"), &ih)), case["styrene_node"]);
    }
}

#[test]
fn announces_are_judged_as_rns_judges_them() {
    let mut checked = [0usize; 2];
    for case in rns_section("announces") {
        let raw = hex(case["raw"].as_str().unwrap());
        let ours = packet::parse(&raw).map_err(|e| e.to_string()).and_then(|p| {
            announce::validate(&p).map_err(|e| e.to_string()).map(|a| (a, packet::packet_hash(&raw)))
        });
        let rns_valid = case["valid"] == true;
        assert_eq!(ours.is_ok(), rns_valid, "{case}: ours {ours:?}");
        checked[usize::from(rns_valid)] += 1;
        if let Ok((announce, hash)) = ours {
            assert_eq!(to_hex(&announce.destination_hash), case["destination"]);
            assert_eq!(to_hex(&announce.identity_hash), case["identity"]);
            assert_eq!(to_hex(&announce.identity.to_bytes()), case["public"]);
            assert_eq!(announce.ratchet.is_some(), case["ratchet"] == true);
            assert_eq!(to_hex(&hash), case["packet_hash"]);
            assert!(announce.is_named(case["name"].as_str().unwrap()));
            let expected_app_data =
                case["app_data"].as_str().map(hex).filter(|d| !d.is_empty() || announce.ratchet.is_some());
            assert_eq!(announce.app_data, expected_app_data, "{case}");
        }
    }
    assert!(checked[0] >= 100 && checked[1] >= 30, "{checked:?}");
}

#[test]
fn announces_we_create_are_what_rns_creates() {
    // Same identity, name, random hash and app_data as an announce RNS made
    // without a ratchet: the bytes are equal (Ed25519 signing is deterministic).
    let mut compared = 0;
    for case in rns_section("announces").iter().filter(|c| c["valid"] == true && c["ratchet"] == false) {
        let raw = hex(case["raw"].as_str().unwrap());
        let heard = announce::validate(&packet::parse(&raw).unwrap()).unwrap();
        let identity = Identity::from_private_bytes(&hex(case["private"].as_str().unwrap())).unwrap();
        let app_data = case["app_data"].as_str().map(hex);
        let ours = announce::create(
            &identity,
            case["name"].as_str().unwrap(),
            heard.random_hash,
            app_data.as_deref(),
        );
        assert_eq!(to_hex(&ours), case["raw"]);
        compared += 1;
    }
    assert!(compared >= 15, "{compared}");
}

#[test]
fn packets_unpack_as_in_rns() {
    for case in rns_section("packets") {
        let raw = hex(case["raw"].as_str().unwrap());
        match (packet::parse(&raw), case.get("ok")) {
            (Ok(p), Some(ok)) => {
                let h = &p.header;
                assert_eq!(u64::from(h.header_type), ok["header_type"].as_u64().unwrap());
                assert_eq!(u64::from(h.context_flag), ok["context_flag"].as_u64().unwrap());
                assert_eq!(u64::from(h.transport_type), ok["transport_type"].as_u64().unwrap());
                assert_eq!(h.destination_type as u64, ok["destination_type"].as_u64().unwrap());
                assert_eq!(h.packet_type as u64, ok["packet_type"].as_u64().unwrap());
                assert_eq!(u64::from(h.hops), ok["hops"].as_u64().unwrap());
                assert_eq!(h.transport_id.map(|t| to_hex(&t)), ok["transport_id"].as_str().map(String::from));
                assert_eq!(to_hex(&h.destination_hash), ok["destination"]);
                assert_eq!(u64::from(h.context), ok["context"].as_u64().unwrap());
                assert_eq!(to_hex(p.data), ok["data"]);
                assert_eq!(to_hex(&packet::packet_hash(&raw)), ok["hash"]);
                let mut again = packet::serialize(h, p.data);
                again[0] |= raw[0] & 0x80;
                assert_eq!(again, raw, "serialize(parse(raw)) == raw");
            }
            (Err(e), None) => assert!(matches!(
                e,
                PacketError::Truncated(_) | PacketError::EmptyData | PacketError::HopLimit(_)
            )),
            (ours, rns) => panic!("{case}: ours {ours:?}, RNS {rns:?}"),
        }
    }
}

fn expected_frames(case: &serde_json::Value) -> Vec<(String, String)> {
    case["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f[0].as_str().unwrap().to_owned(), f[1].to_string().trim_matches('"').to_owned()))
        .collect()
}

#[test]
fn hdlc_streams_deframe_as_in_rns_tcp_interface() {
    for case in rns_section("hdlc_streams") {
        let mut deframer = hdlc::Deframer::new(
            case["hw_mtu"].as_u64().unwrap() as usize,
            case["ifac_size"].as_u64().unwrap() as usize,
        );
        let mut got = Vec::new();
        for chunk in case["chunks"].as_array().unwrap() {
            deframer.push(&hex(chunk.as_str().unwrap()), |f| {
                got.push(match f {
                    hdlc::Deframed::Frame(frame) => ("frame".to_owned(), to_hex(&frame)),
                    hdlc::Deframed::BadLength(n) => ("invalid".to_owned(), n.to_string()),
                });
            });
        }
        assert_eq!(got, expected_frames(case), "{}", case["chunks"]);
    }
}

#[test]
fn kiss_streams_deframe_as_in_rns_kiss_framing() {
    for case in rns_section("kiss_streams") {
        let mut deframer = kiss::Deframer::new(case["hw_mtu"].as_u64().unwrap() as usize);
        let mut got = Vec::new();
        for chunk in case["chunks"].as_array().unwrap() {
            deframer.push(&hex(chunk.as_str().unwrap()), |f| {
                // RNS's TCP read loop hands every data frame, even an empty
                // one, to process_incoming, which ignores empty ones.
                if let kiss::Deframed::Frame(frame) = f
                    && !frame.is_empty()
                {
                    got.push(("frame".to_owned(), to_hex(&frame)));
                }
            });
        }
        assert_eq!(got, expected_frames(case), "{}", case["chunks"]);
    }
}

#[test]
fn framing_is_rns_framing() {
    for case in rns_section("framing") {
        let packet = hex(case["packet"].as_str().unwrap());
        assert_eq!(to_hex(&hdlc::frame(&packet)), case["hdlc"]);
        assert_eq!(to_hex(&kiss::frame(&packet)), case["kiss"]);
    }
}

#[test]
fn ifac_keys_wraps_and_checks() {
    for case in rns_section("ifac") {
        let ifac = Ifac::new(
            case["network_name"].as_str(),
            case["passphrase"].as_str(),
            case["ifac_size"].as_u64().unwrap() as usize,
        )
        .unwrap();
        assert_eq!(to_hex(ifac.key()), case["key"]);
        for frame in case["frames"].as_array().unwrap() {
            let packet = hex(frame["packet"].as_str().unwrap());
            assert_eq!(to_hex(&ifac.wrap(&packet)), frame["frame"]);
            assert_eq!(ifac.unwrap(&hex(frame["frame"].as_str().unwrap())).unwrap(), packet);
            let tampered = ifac.unwrap(&hex(frame["tampered"].as_str().unwrap()));
            assert_eq!(tampered.is_ok(), frame["tampered_accepted"] == true);
        }
    }
}
