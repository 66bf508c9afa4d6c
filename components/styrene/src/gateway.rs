//! `styrene:core/gateway` on top of `styrene-rns`'s relay.

use crate::Component;
use crate::exports::styrene::core::framing::{Error as IfacError, FramingKind};
use crate::exports::styrene::core::gateway::{
    DropReason, Dropped, Guest, GuestBridge, Outcome, PortConfig, Transmission,
};
use crate::exports::styrene::core::nodes::HeardAnnounce;
use std::cell::RefCell;
use std::collections::HashMap;
use styrene_rns::HASH_LEN;
use styrene_rns::announce::Announce;
use styrene_rns::ifac::{self, Ifac};
use styrene_rns::relay::{self, Drop, Framing, Relay};

fn reason(drop: &Drop) -> DropReason {
    match drop {
        Drop::BadLength(_) => DropReason::BadLength,
        Drop::Ifac(e) => DropReason::AccessCode(crate::framing::code(e)),
        Drop::Packet(e) => DropReason::Packet(crate::rns::packet_code(e)),
        Drop::Announce(e) => DropReason::Packet(crate::rns::announce_code(e)),
        Drop::Duplicate => DropReason::Duplicate,
        Drop::TooLargeFor(_) => DropReason::TooLarge,
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The announce as styrened's handler would store it (the transport node's too).
pub(crate) fn heard_to_wit(
    announce: &Announce,
    hops: u8,
    received_from: &[u8; HASH_LEN],
    port_name: &str,
) -> HeardAnnounce {
    let next_hop = hex(&received_from[..4]);
    HeardAnnounce {
        destination_hash: hex(&announce.destination_hash),
        identity_hash: hex(&announce.identity_hash),
        app_data: announce.app_data.clone(),
        aspect_hint: styrene_nodes::aspect_hint(|name| announce.is_named(name))
            .map(crate::nodes::from_domain),
        hops: i64::from(hops),
        discovered_via: Some(styrene_nodes::discovered_via(port_name, &next_hop)),
    }
}

/// A port's framing and access code (the transport node's ports too).
pub(crate) fn port_to_domain(config: &PortConfig) -> Result<relay::PortConfig, ifac::IfacError> {
    let ifac = match &config.ifac {
        Some(s) => Some(Ifac::new(s.network_name.as_deref(), s.passphrase.as_deref(), s.size as usize)?),
        None => None,
    };
    let framing = match config.framing {
        FramingKind::Hdlc => Framing::Hdlc,
        FramingKind::Kiss => Framing::Kiss,
        FramingKind::Datagram => Framing::Datagram,
    };
    Ok(relay::PortConfig { framing, hw_mtu: config.hw_mtu as usize, ifac })
}

struct State {
    relay: Relay,
    names: HashMap<u32, String>,
}

/// The `bridge` resource.
pub struct BridgeResource(RefCell<State>);

impl GuestBridge for BridgeResource {
    fn new(remembered: u32) -> Self {
        BridgeResource(RefCell::new(State { relay: Relay::new(remembered as usize), names: HashMap::new() }))
    }

    fn add_port(&self, config: PortConfig) -> Result<u32, IfacError> {
        let port = port_to_domain(&config)?;
        let mut state = self.0.borrow_mut();
        let id = state.relay.add_port(port);
        state.names.insert(id, config.name);
        Ok(id)
    }

    fn remove_port(&self, port: u32) -> bool {
        let mut state = self.0.borrow_mut();
        state.names.remove(&port);
        state.relay.remove_port(port)
    }

    fn reset_port(&self, port: u32) {
        self.0.borrow_mut().relay.reset_port(port);
    }

    fn receive(&self, port: u32, data: Vec<u8>) -> Outcome {
        let mut state = self.0.borrow_mut();
        let mut outcome = relay::Outcome::default();
        state.relay.receive(port, &data, &mut outcome);
        let name = state.names.get(&port).map_or("", String::as_str);
        to_wit(outcome, name)
    }

    fn broadcast(&self, packet: Vec<u8>) -> Outcome {
        let mut outcome = relay::Outcome::default();
        self.0.borrow_mut().relay.broadcast(&packet, &mut outcome);
        to_wit(outcome, "")
    }
}

fn to_wit(outcome: relay::Outcome, name: &str) -> Outcome {
    Outcome {
        transmit: outcome.transmit.into_iter().map(|(port, data)| Transmission { port, data }).collect(),
        relayed: outcome.relayed,
        heard: outcome
            .heard
            .iter()
            .map(|h| heard_to_wit(&h.announce, h.hops, &h.received_from, name))
            .collect(),
        dropped: outcome
            .dropped
            .into_iter()
            .map(|(port, drop)| Dropped { port, reason: reason(&drop), detail: drop.to_string() })
            .collect(),
    }
}

impl Guest for Component {
    type Bridge = BridgeResource;
}

/// Inside wasmtime: the bridge end to end on RNS-made announces.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::exports::styrene::core::framing::ErrorCode as IfacCode;
    use crate::exports::styrene::core::gateway::IfacSettings;
    use crate::exports::styrene::core::nodes::DeviceType;
    use crate::exports::styrene::core::rns::ErrorCode as RnsCode;
    use styrene_rns::hdlc;
    use styrene_vectors::{hex, rns_section};

    fn config(name: &str, framing: FramingKind, ifac: Option<IfacSettings>) -> PortConfig {
        PortConfig { name: name.into(), framing, hw_mtu: 16384, ifac }
    }

    #[test]
    fn announces_are_relayed_and_reported_with_styreneds_hint() {
        let bridge = BridgeResource::new(1000);
        let a = bridge.add_port(config("rns", FramingKind::Hdlc, None)).unwrap();
        let b = bridge.add_port(config("udp", FramingKind::Datagram, None)).unwrap();
        for case in rns_section("announces").iter().filter(|c| c.get("forgery").is_none()) {
            let raw = hex(case["raw"].as_str().unwrap());
            let outcome = bridge.receive(a, hdlc::frame(&raw));
            assert_eq!(outcome.relayed, 1);
            assert_eq!(outcome.transmit.len(), 1);
            assert_eq!((outcome.transmit[0].port, &outcome.transmit[0].data), (b, &raw));
            let heard = &outcome.heard[0];
            assert_eq!(heard.destination_hash, case["destination"]);
            assert_eq!(heard.hops, 1);
            let expected_hint = match case["name"].as_str().unwrap() {
                "lxmf.delivery" => Some(DeviceType::LxmfPeer),
                "nomadnetwork.node" => Some(DeviceType::NomadnetNode),
                _ => None,
            };
            assert_eq!(heard.aspect_hint, expected_hint);
            assert_eq!(
                heard.discovered_via.as_deref(),
                Some(format!("rns → {}", &heard.destination_hash[..8]).as_str())
            );
        }
        let forged = rns_section("announces").iter().find(|c| c["forgery"] == "bad_signature").unwrap();
        let outcome = bridge.receive(a, hdlc::frame(&hex(forged["raw"].as_str().unwrap())));
        assert!(matches!(outcome.dropped[0].reason, DropReason::Packet(RnsCode::BadSignature)));
        let bad = IfacSettings { network_name: None, passphrase: None, size: 16 };
        assert!(matches!(
            bridge.add_port(config("x", FramingKind::Kiss, Some(bad))),
            Err(IfacError { code: IfacCode::NoSecret, .. })
        ));
    }
}
