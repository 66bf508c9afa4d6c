//! What the relay thread hands frames to: the component's transport node
//! (`mode = "transport"`, the default) or its bridge (`mode = "bridge"`).
//! Both answer with frames to write, announces to record and frames
//! dropped; this module gives the relay one shape for the two.

use super::config::{GatewayMode, InterfaceConfig, InterfaceMode};
use styrene_host::gateway::{self, Bridge, PortConfig};
use styrene_host::nodes::HeardAnnounce;
use styrene_host::rns::Identity;
use styrene_host::transport::{self, InterfaceSettings, Limits, TransportNode};
use styrene_host::{HostError, Styrene};

/// What a call produced, whichever engine made it.
#[derive(Default)]
pub struct Produced {
    /// Frames to write: the component's port id and the bytes.
    pub transmit: Vec<(u32, Vec<u8>)>,
    /// Announces to record in the node store.
    pub heard: Vec<HeardAnnounce>,
    /// Frames that went no further: port, status label, detail.
    pub dropped: Vec<(u32, &'static str, String)>,
    /// Packets the bridge relayed; for a transport node, the frames it sent.
    pub relayed: u32,
}

/// Why a port could not be added.
pub enum PortRefused {
    /// The component refused its settings.
    Settings(String),
    /// The instance failed (it has been replaced).
    Host(HostError),
}

fn refused<C: styrene_host::CaseName + std::fmt::Debug>(e: styrene_host::Error<C>) -> PortRefused {
    match e {
        styrene_host::Error::Component(e) => PortRefused::Settings(e.to_string()),
        styrene_host::Error::Host(e) => PortRefused::Host(e),
    }
}

/// The engine on the current instance.
pub enum Engine {
    /// A bridge.
    Bridge(Bridge),
    /// A transport node.
    Transport(TransportNode),
}

/// Unix seconds now, as the transport node counts time.
pub fn unix_now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

impl Engine {
    /// A fresh engine on `styrene`; a transport node's id is `identity`'s hash.
    pub fn new(
        styrene: &mut Styrene<'_>,
        mode: GatewayMode,
        identity: &Identity,
        limits: Limits,
    ) -> Result<Engine, HostError> {
        Ok(match mode {
            GatewayMode::Bridge => Engine::Bridge(Bridge::new(styrene, limits.packet_hashes)?),
            GatewayMode::Transport => {
                // the seed only spreads rebroadcast times; it need not be secret
                let seed = (unix_now() * 1e6) as u64 ^ u64::from(std::process::id());
                Engine::Transport(TransportNode::new(styrene, identity, seed, limits)?)
            }
        })
    }

    /// The transport node, if this is one.
    pub fn transport(&self) -> Option<&TransportNode> {
        match self {
            Engine::Transport(node) => Some(node),
            Engine::Bridge(_) => None,
        }
    }

    /// Adds a port of configured interface `link`.
    pub fn add_port(
        &self,
        styrene: &mut Styrene<'_>,
        config: &PortConfig,
        link: &InterfaceConfig,
    ) -> Result<u32, PortRefused> {
        match self {
            Engine::Bridge(bridge) => bridge.add_port(styrene, config).map_err(refused),
            Engine::Transport(node) => {
                let settings = InterfaceSettings {
                    mode: interface_mode(link.mode),
                    bitrate: link.bitrate(),
                    announce_cap: link.announce_cap,
                    ingress_control: link.ingress_control,
                };
                node.add_port(styrene, config, settings, unix_now()).map_err(refused)
            }
        }
    }

    /// Removes a port.
    pub fn remove_port(&self, styrene: &mut Styrene<'_>, port: u32) -> Result<bool, HostError> {
        match self {
            Engine::Bridge(bridge) => bridge.remove_port(styrene, port),
            Engine::Transport(node) => node.remove_port(styrene, port),
        }
    }

    /// Forgets a port's partial frame.
    pub fn reset_port(&self, styrene: &mut Styrene<'_>, port: u32) -> Result<(), HostError> {
        match self {
            Engine::Bridge(bridge) => bridge.reset_port(styrene, port),
            Engine::Transport(node) => node.reset_port(styrene, port),
        }
    }

    /// Handles bytes read on `port`.
    pub fn receive(&self, styrene: &mut Styrene<'_>, port: u32, data: &[u8]) -> Result<Produced, HostError> {
        match self {
            Engine::Bridge(bridge) => bridge.receive(styrene, port, data).map(from_bridge),
            Engine::Transport(node) => node.receive(styrene, port, data, unix_now()).map(from_transport),
        }
    }

    /// Sends the gateway's own announce.
    pub fn announce(&self, styrene: &mut Styrene<'_>, packet: &[u8]) -> Result<Produced, HostError> {
        match self {
            Engine::Bridge(bridge) => bridge.broadcast(styrene, packet).map(from_bridge),
            Engine::Transport(node) => node.announce(styrene, packet).map(from_transport),
        }
    }

    /// Runs the transport node's timers (a bridge has none).
    pub fn tick(&self, styrene: &mut Styrene<'_>) -> Result<Produced, HostError> {
        match self {
            Engine::Bridge(_) => Ok(Produced::default()),
            Engine::Transport(node) => node.tick(styrene, unix_now()).map(from_transport),
        }
    }

    /// Releases the engine's resource.
    pub fn release(self, styrene: &mut Styrene<'_>) -> Result<(), HostError> {
        match self {
            Engine::Bridge(bridge) => bridge.release(styrene),
            Engine::Transport(node) => node.release(styrene),
        }
    }
}

fn interface_mode(mode: InterfaceMode) -> transport::InterfaceMode {
    match mode {
        InterfaceMode::Full => transport::InterfaceMode::Full,
        InterfaceMode::PointToPoint => transport::InterfaceMode::PointToPoint,
        InterfaceMode::AccessPoint => transport::InterfaceMode::AccessPoint,
        InterfaceMode::Roaming => transport::InterfaceMode::Roaming,
        InterfaceMode::Boundary => transport::InterfaceMode::Boundary,
        InterfaceMode::Gateway => transport::InterfaceMode::Gateway,
    }
}

fn from_bridge(outcome: gateway::Outcome) -> Produced {
    Produced {
        transmit: outcome.transmit.into_iter().map(|t| (t.port, t.data)).collect(),
        heard: outcome.heard,
        dropped: outcome.dropped.into_iter().map(|d| (d.port, bridge_label(d.reason), d.detail)).collect(),
        relayed: outcome.relayed,
    }
}

fn from_transport(outcome: transport::Outcome) -> Produced {
    Produced {
        relayed: u32::try_from(outcome.transmit.len()).unwrap_or(u32::MAX),
        transmit: outcome.transmit.into_iter().map(|t| (t.port, t.data)).collect(),
        heard: outcome.heard,
        dropped: outcome.dropped.into_iter().map(|d| (d.port, transport_label(d.reason), d.detail)).collect(),
    }
}

/// The label the status endpoint counts a bridge's drop under: one per way a
/// frame fails, named after the access code or the part of the packet it fails on.
pub fn bridge_label(reason: gateway::DropReason) -> &'static str {
    use gateway::DropReason;
    match reason {
        DropReason::BadLength => "bad-length",
        DropReason::AccessCode(code) => access_code_label(code),
        DropReason::Packet(code) => packet_label(code),
        DropReason::Duplicate => "duplicate",
        DropReason::TooLarge => "too-large",
    }
}

/// The label of a transport node's drop: the WIT case name, with the access
/// code's named as the bridge names them.
pub fn transport_label(reason: transport::DropReason) -> &'static str {
    use transport::DropReason as D;
    match reason {
        D::BadLength => "bad-length",
        D::AccessCode(code) => access_code_label(code),
        D::TooLarge => "too-large",
        D::Malformed => "malformed",
        D::OtherTransport => "other-transport",
        D::TransportedPlainOrGroup => "transported-plain-or-group",
        D::InvalidAnnounceType => "invalid-announce-type",
        D::Duplicate => "duplicate",
        D::OversizeAnnounce => "oversize-announce",
        D::InvalidAnnounce => "invalid-announce",
        D::TaglessPathRequest => "tagless-path-request",
        D::DuplicatePathRequest => "duplicate-path-request",
        D::NoPath => "no-path",
        D::LinkMismatch => "link-mismatch",
        D::InvalidLinkProof => "invalid-link-proof",
        D::BadLinkRequest => "bad-link-request",
        D::UnmatchedProof => "unmatched-proof",
        D::AnnounceNotNewer => "announce-not-newer",
        D::NotForUs => "not-for-us",
    }
}

fn access_code_label(code: styrene_host::framing::ErrorCode) -> &'static str {
    use styrene_host::framing::ErrorCode as Ifac;
    match code {
        Ifac::MissingFlag => "ifac-missing",
        Ifac::UnexpectedFlag => "ifac-unexpected",
        Ifac::TooShort => "ifac-too-short",
        Ifac::Invalid | Ifac::NoSecret | Ifac::BadSize => "ifac-invalid",
    }
}

fn packet_label(code: styrene_host::rns::ErrorCode) -> &'static str {
    use styrene_host::rns::ErrorCode as Packet;
    match code {
        Packet::HopLimit => "hop-limit",
        Packet::BadSignature => "announce-signature",
        Packet::DestinationMismatch => "announce-destination",
        Packet::NotAnnounce | Packet::NotSingle | Packet::AnnounceTruncated | Packet::BadKey => {
            "announce-malformed"
        }
        Packet::PacketTruncated
        | Packet::EmptyData
        | Packet::KeyLength
        | Packet::BadPoint
        | Packet::BadName
        | Packet::NoRandomness => "malformed",
    }
}
