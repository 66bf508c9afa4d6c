//! `styrene:core/transport` on top of `styrene-rns`'s transport node.

use crate::Component;
use crate::exports::styrene::core::gateway::{PortConfig, Transmission};
use crate::exports::styrene::core::rns::IdentityBorrow;
use crate::exports::styrene::core::transport::{
    Counters, DropReason, Dropped, Error, ErrorCode, Guest, GuestTransportNode, InterfaceMode,
    InterfaceSettings, Limits, Outcome, Path, PortState,
};
use crate::rns::IdentityResource;
use std::cell::RefCell;
use std::collections::HashMap;
use styrene_rns::ifac::IfacError;
use styrene_rns::node::{Node, NodeDrop, NodeOutcome};
use styrene_rns::ports::PortError;
use styrene_rns::transport::{self, InterfaceConfig, InterfaceConfigError, Mode, SnapshotError};

fn error(code: ErrorCode, message: impl ToString) -> Error {
    Error { code, message: message.to_string() }
}

impl From<IfacError> for Error {
    fn from(e: IfacError) -> Self {
        let code = if matches!(e, IfacError::NoSecret) { ErrorCode::NoSecret } else { ErrorCode::BadSize };
        error(code, e)
    }
}

impl From<InterfaceConfigError> for Error {
    fn from(e: InterfaceConfigError) -> Self {
        let code = match e {
            InterfaceConfigError::Bitrate(_) => ErrorCode::BadBitrate,
            InterfaceConfigError::AnnounceCap(_) => ErrorCode::BadAnnounceCap,
        };
        error(code, e)
    }
}

impl From<SnapshotError> for Error {
    fn from(e: SnapshotError) -> Self {
        let code = match e {
            SnapshotError::NotASnapshot => ErrorCode::NotASnapshot,
            SnapshotError::Damaged(_) => ErrorCode::DamagedSnapshot,
        };
        error(code, e)
    }
}

fn mode(mode: InterfaceMode) -> Mode {
    match mode {
        InterfaceMode::Full => Mode::Full,
        InterfaceMode::PointToPoint => Mode::PointToPoint,
        InterfaceMode::AccessPoint => Mode::AccessPoint,
        InterfaceMode::Roaming => Mode::Roaming,
        InterfaceMode::Boundary => Mode::Boundary,
        InterfaceMode::Gateway => Mode::Gateway,
    }
}

fn reason(drop: &NodeDrop) -> DropReason {
    use transport::DropReason as Transport;
    match drop {
        NodeDrop::Port(PortError::BadLength(_)) => DropReason::BadLength,
        NodeDrop::Port(PortError::Ifac(e)) => DropReason::AccessCode(crate::framing::code(e)),
        NodeDrop::Port(PortError::TooLarge(_)) => DropReason::TooLarge,
        NodeDrop::Transport(reason) => match reason {
            Transport::UnknownInterface | Transport::Malformed => DropReason::Malformed,
            Transport::OtherTransport => DropReason::OtherTransport,
            Transport::TransportedPlainOrGroup => DropReason::TransportedPlainOrGroup,
            Transport::InvalidAnnounceType => DropReason::InvalidAnnounceType,
            Transport::Duplicate => DropReason::Duplicate,
            Transport::OversizeAnnounce => DropReason::OversizeAnnounce,
            Transport::InvalidAnnounce => DropReason::InvalidAnnounce,
            Transport::TaglessPathRequest => DropReason::TaglessPathRequest,
            Transport::DuplicatePathRequest => DropReason::DuplicatePathRequest,
            Transport::NoPath => DropReason::NoPath,
            Transport::LinkMismatch => DropReason::LinkMismatch,
            Transport::InvalidLinkProof => DropReason::InvalidLinkProof,
            Transport::BadLinkRequest => DropReason::BadLinkRequest,
            Transport::UnmatchedProof => DropReason::UnmatchedProof,
            Transport::AnnounceNotNewer => DropReason::AnnounceNotNewer,
            Transport::NotForUs => DropReason::NotForUs,
        },
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

struct State {
    node: Node,
    names: HashMap<u32, String>,
}

impl State {
    fn to_wit(&self, outcome: NodeOutcome) -> Outcome {
        let name = |port: &u32| self.names.get(port).map_or("", String::as_str);
        Outcome {
            transmit: outcome.transmit.into_iter().map(|(port, data)| Transmission { port, data }).collect(),
            heard: outcome
                .learnt
                .iter()
                .map(|(port, l)| {
                    crate::gateway::heard_to_wit(&l.announce, l.hops, &l.received_from, name(port))
                })
                .collect(),
            dropped: outcome
                .dropped
                .iter()
                .map(|(port, drop)| Dropped { port: *port, reason: reason(drop), detail: drop.to_string() })
                .collect(),
        }
    }
}

/// The `transport-node` resource.
pub struct TransportNodeResource(RefCell<State>);

impl TransportNodeResource {
    fn with_id(transport_id: transport::Hash, seed: u64, limits: Limits) -> Self {
        let limits = transport::Limits {
            paths: limits.paths as usize,
            announces: limits.announces as usize,
            announce_rates: limits.paths as usize,
            reverse: limits.reverse as usize,
            links: limits.links as usize,
            path_requests: limits.path_requests as usize,
            packet_hashes: limits.packet_hashes as usize,
        };
        TransportNodeResource(RefCell::new(State {
            node: Node::new(transport_id, seed, limits),
            names: HashMap::new(),
        }))
    }
}

impl GuestTransportNode for TransportNodeResource {
    fn new(identity: IdentityBorrow<'_>, seed: u64, limits: Limits) -> Self {
        Self::with_id(identity.get::<IdentityResource>().domain().hash(), seed, limits)
    }

    fn transport_id(&self) -> Vec<u8> {
        self.0.borrow().node.transport().transport_id().to_vec()
    }

    fn add_port(&self, config: PortConfig, settings: InterfaceSettings, now: f64) -> Result<u32, Error> {
        let port = crate::gateway::port_to_domain(&config)?;
        let interface = InterfaceConfig {
            name: config.name.clone(),
            announce_cap: settings.announce_cap,
            ingress_control: settings.ingress_control,
            hw_mtu: Some(config.hw_mtu as usize),
            ..InterfaceConfig::new(mode(settings.mode), settings.bitrate)
        };
        let mut state = self.0.borrow_mut();
        let id = state.node.add_port(port, interface, now)?;
        state.names.insert(id, config.name);
        Ok(id)
    }

    fn remove_port(&self, port: u32) -> bool {
        let mut state = self.0.borrow_mut();
        state.names.remove(&port);
        state.node.remove_port(port)
    }

    fn reset_port(&self, port: u32) {
        self.0.borrow_mut().node.reset_port(port);
    }

    fn receive(&self, port: u32, data: Vec<u8>, now: f64) -> Outcome {
        let mut state = self.0.borrow_mut();
        let outcome = state.node.receive(port, &data, now);
        state.to_wit(outcome)
    }

    fn tick(&self, now: f64) -> Outcome {
        let mut state = self.0.borrow_mut();
        let outcome = state.node.tick(now);
        state.to_wit(outcome)
    }

    fn announce(&self, packet: Vec<u8>) -> Outcome {
        let mut state = self.0.borrow_mut();
        let outcome = state.node.announce_local(&packet);
        state.to_wit(outcome)
    }

    fn request_path(&self, destination: Vec<u8>, now: f64) -> Result<Outcome, Error> {
        let destination: transport::Hash = destination
            .try_into()
            .map_err(|d: Vec<u8>| error(ErrorCode::BadDestination, format!("{} bytes, not 16", d.len())))?;
        let mut state = self.0.borrow_mut();
        let outcome = state.node.request_path(&destination, now);
        Ok(state.to_wit(outcome))
    }

    fn paths(&self) -> Vec<Path> {
        let state = self.0.borrow();
        state
            .node
            .transport()
            .paths()
            .map(|(destination, entry)| Path {
                destination: destination.to_vec(),
                next_hop: entry.next_hop.to_vec(),
                hops: entry.hops,
                port: entry.interface,
                timestamp: entry.timestamp,
                expires: entry.expires,
            })
            .collect()
    }

    fn ports(&self) -> Vec<PortState> {
        let state = self.0.borrow();
        let transport = state.node.transport();
        transport
            .interface_ids()
            .map(|port| PortState {
                port,
                queued_announces: to_u32(transport.queued_announces(port)),
                held_announces: to_u32(transport.held_announces(port)),
            })
            .collect()
    }

    fn counters(&self) -> Counters {
        let state = self.0.borrow();
        let transport = state.node.transport();
        let c = transport.counters();
        let (links, reverse) = transport.table_sizes();
        Counters {
            received: c.received,
            dropped: c.dropped.values().sum(),
            paths_learnt: c.paths_learnt,
            paths_restored: c.paths_restored,
            paths_expired: c.paths_expired,
            announces_sent: c.announces_sent,
            announces_queued: c.announces_queued,
            announces_queue_dropped: c.announces_queue_dropped,
            announces_rate_blocked: c.announces_rate_blocked,
            announces_held: c.announces_held,
            announces_hold_dropped: c.announces_hold_dropped,
            local_announces_sent: c.local_announces_sent,
            path_requests_received: c.path_requests_received,
            path_requests_answered: c.path_requests_answered,
            path_requests_forwarded: c.path_requests_forwarded,
            packets_forwarded: c.packets_forwarded,
            proofs_returned: c.proofs_returned,
            link_requests_forwarded: c.link_requests_forwarded,
            link_proofs_forwarded: c.link_proofs_forwarded,
            link_packets_forwarded: c.link_packets_forwarded,
            evicted: transport.evictions().iter().sum(),
            path_table_size: to_u32(transport.path_count()),
            link_table_size: to_u32(links),
            reverse_table_size: to_u32(reverse),
            parked_paths: to_u32(transport.parked_paths()),
        }
    }

    fn export_paths(&self) -> Vec<u8> {
        self.0.borrow().node.transport().export_paths()
    }

    fn import_paths(&self, snapshot: Vec<u8>) -> Result<u32, Error> {
        let read = self.0.borrow_mut().node.transport_mut().import_paths(&snapshot)?;
        Ok(to_u32(read))
    }
}

impl Guest for Component {
    type TransportNode = TransportNodeResource;
}

/// Inside wasmtime: the node end to end on RNS-made announces.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::exports::styrene::core::framing::FramingKind;
    use styrene_rns::hdlc;
    use styrene_vectors::{hex, rns_section};

    const T0: f64 = 1_764_000_000.0;

    fn port(name: &str, framing: FramingKind) -> PortConfig {
        PortConfig { name: name.into(), framing, hw_mtu: 16384, ifac: None }
    }

    fn settings(bitrate: u64) -> InterfaceSettings {
        InterfaceSettings { mode: InterfaceMode::Full, bitrate, announce_cap: 2.0, ingress_control: false }
    }

    fn node() -> TransportNodeResource {
        let limits = Limits {
            paths: 100,
            announces: 100,
            reverse: 100,
            links: 100,
            path_requests: 100,
            packet_hashes: 1000,
        };
        TransportNodeResource::with_id([0x5A; 16], 7, limits)
    }

    #[test]
    fn announces_are_learnt_reported_and_rebroadcast_framed_per_port() {
        let node = node();
        assert_eq!(node.transport_id(), vec![0x5A; 16]);
        let tcp = node.add_port(port("hub", FramingKind::Hdlc), settings(10_000_000), T0).unwrap();
        let udp = node.add_port(port("lan", FramingKind::Datagram), settings(10_000_000), T0).unwrap();
        let case = rns_section("announces").iter().find(|c| c.get("forgery").is_none()).unwrap().clone();
        let raw = hex(case["raw"].as_str().unwrap());
        let outcome = node.receive(tcp, hdlc::frame(&raw), T0);
        assert_eq!(outcome.heard.len(), 1);
        assert_eq!(outcome.heard[0].destination_hash, case["destination"]);
        assert_eq!(outcome.heard[0].hops, 1);
        assert!(outcome.heard[0].discovered_via.as_deref().unwrap().starts_with("hub → "));
        let later = node.tick(T0 + 2.0);
        let on_udp: Vec<_> = later.transmit.iter().filter(|t| t.port == udp).collect();
        assert_eq!(on_udp.len(), 1, "rebroadcast once on the datagram port");
        assert_eq!(on_udp[0].data[0] & 0x40, 0x40, "as HEADER_2 with our transport id");
        assert_eq!(&on_udp[0].data[2..18], node.transport_id().as_slice());
        let paths = node.paths();
        assert_eq!((paths.len(), paths[0].hops, paths[0].port), (1, 1, tcp));
        assert_eq!(node.counters().path_table_size, 1);
        let repeat = node.receive(tcp, hdlc::frame(&raw), T0 + 3.0);
        assert!(repeat.heard.is_empty());
        assert!(matches!(repeat.dropped[0].reason, DropReason::AnnounceNotNewer | DropReason::Duplicate));
    }

    #[test]
    fn bad_settings_and_snapshots_get_typed_errors() {
        let node = node();
        let low = node.add_port(port("slow", FramingKind::Kiss), settings(1), T0).unwrap_err();
        assert_eq!(low.code, ErrorCode::BadBitrate);
        let capped = InterfaceSettings { announce_cap: 0.0, ..settings(1200) };
        assert_eq!(
            node.add_port(port("x", FramingKind::Kiss), capped, T0).unwrap_err().code,
            ErrorCode::BadAnnounceCap
        );
        assert_eq!(node.import_paths(b"junk".to_vec()).unwrap_err().code, ErrorCode::NotASnapshot);
        let mut snapshot = node.export_paths();
        snapshot.push(0);
        assert_eq!(node.import_paths(snapshot).unwrap_err().code, ErrorCode::DamagedSnapshot);
        assert_eq!(node.request_path(vec![1; 3], T0).unwrap_err().code, ErrorCode::BadDestination);
    }
}
