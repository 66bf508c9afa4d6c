//! The relay behind a bridging gateway: every valid frame heard on one port
//! is sent on every other port, once.
//!
//! A bridge is part of the medium, not an RNS transport node, so packets are
//! relayed unchanged: the hop count is left to the RNS nodes at the edges,
//! which count a hop on receipt. (Counting it here too would make an RNS node
//! see its neighbour several hops away and address packets to a transport
//! node that does not exist, which its neighbour then filters out.)
//!
//! What the relay applies is what RNS applies on receipt before anything is
//! forwarded: frame sizes, the interface's access code, the unpack rules
//! (including the hop limit), duplicate suppression by packet hash, and
//! announce validation. Valid announces are reported so that the caller can
//! record the node.

use crate::announce::{self, Announce, AnnounceError};
use crate::ifac::IfacError;
use crate::packet::{self, PacketError, PacketType};
pub use crate::ports::{Framing, PortConfig, encode};
use crate::ports::{PortError, Ports};
use crate::seen::SeenHashes;

/// Why a frame was not relayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Drop {
    /// The frame's length is outside what the interface accepts.
    #[error("frame of {0} bytes is outside the interface's size limits")]
    BadLength(usize),
    /// The access code check failed.
    #[error(transparent)]
    Ifac(#[from] IfacError),
    /// Not a packet RNS would unpack.
    #[error(transparent)]
    Packet(#[from] PacketError),
    /// Already relayed.
    #[error("duplicate packet")]
    Duplicate,
    /// A forged or broken announce.
    #[error(transparent)]
    Announce(#[from] AnnounceError),
    /// The packet is larger than an outgoing port's MTU.
    #[error("packet of {0} bytes exceeds the outgoing interface's MTU")]
    TooLargeFor(usize),
}

impl From<PortError> for Drop {
    fn from(error: PortError) -> Self {
        match error {
            PortError::BadLength(n) => Drop::BadLength(n),
            PortError::Ifac(e) => Drop::Ifac(e),
            PortError::TooLarge(n) => Drop::TooLargeFor(n),
        }
    }
}

/// A valid announce heard on a port.
#[derive(Debug, Clone)]
pub struct Heard {
    /// The port it came in on.
    pub port: u32,
    /// The announce.
    pub announce: Announce,
    /// Hops as RNS counts them on receipt (the header's hops plus one).
    pub hops: u8,
    /// Where it came from: the transport id if it has one, else the destination.
    pub received_from: [u8; crate::HASH_LEN],
}

/// What one call to [`Relay::receive`] produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Framed packets to write: the port, and one frame (or datagram).
    pub transmit: Vec<(u32, Vec<u8>)>,
    /// Packets relayed (each counted once, however many ports it went to).
    pub relayed: u32,
    /// Announces that passed validation.
    pub heard: Vec<Heard>,
    /// Frames dropped: the port they concern and why.
    pub dropped: Vec<(u32, Drop)>,
}

/// The relay: ports, their deframers, and the duplicate filter.
pub struct Relay {
    ports: Ports,
    next_id: u32,
    seen: SeenHashes,
}

impl Relay {
    /// A relay that remembers up to `2 × remembered` packet hashes.
    pub fn new(remembered: usize) -> Self {
        Relay { ports: Ports::default(), next_id: 0, seen: SeenHashes::new(remembered) }
    }

    /// Adds a port and returns its id.
    pub fn add_port(&mut self, config: PortConfig) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        self.ports.insert(id, config);
        id
    }

    /// Removes a port (a client that went away); false if there was none.
    pub fn remove_port(&mut self, id: u32) -> bool {
        self.ports.remove(id)
    }

    /// Forgets a port's partial frame (RNS's inter-byte timeout on serial links).
    pub fn reset_port(&mut self, id: u32) {
        self.ports.reset(id);
    }

    /// Bytes held in a port's deframer.
    pub fn buffered(&self, id: u32) -> usize {
        self.ports.buffered(id)
    }

    /// Handles bytes read on `port` (a whole datagram on datagram ports).
    pub fn receive(&mut self, port: u32, data: &[u8], outcome: &mut Outcome) {
        for frame in self.ports.deframe(port, data) {
            match frame.map_err(Drop::from).and_then(|raw| self.relay_packet(port, raw, outcome)) {
                Ok(()) => {}
                Err(drop) => outcome.dropped.push((port, drop)),
            }
        }
    }

    /// Sends a packet made locally (such as the gateway's own announce) on
    /// every port; it is remembered, so an echo of it is not relayed back.
    pub fn broadcast(&mut self, packet: &[u8], outcome: &mut Outcome) {
        self.seen.insert(packet::packet_hash(packet));
        self.transmit(None, packet, outcome);
    }

    fn relay_packet(&mut self, from: u32, raw: Vec<u8>, outcome: &mut Outcome) -> Result<(), Drop> {
        let parsed = packet::parse(&raw)?;
        // a repeat is refused before its signature is checked again; a packet
        // is remembered only once it has passed every check
        let hash = packet::packet_hash(&raw);
        if self.seen.contains(&hash) {
            return Err(Drop::Duplicate);
        }
        let heard = if parsed.header.packet_type == PacketType::Announce {
            let announce = announce::validate(&parsed)?;
            let received_from = parsed.header.transport_id.unwrap_or(parsed.header.destination_hash);
            Some(Heard { port: from, announce, hops: parsed.header.hops + 1, received_from })
        } else {
            None
        };
        self.seen.insert(hash);
        outcome.heard.extend(heard);
        outcome.relayed += 1;
        self.transmit(Some(from), &raw, outcome);
        Ok(())
    }

    /// Frames `raw` for every port but `except`.
    fn transmit(&self, except: Option<u32>, raw: &[u8], outcome: &mut Outcome) {
        // Ports without an access code share one framed copy per framing.
        let mut plain: [Option<Vec<u8>>; 3] = [None, None, None];
        for (id, config) in self.ports.iter() {
            if Some(id) == except {
                continue;
            }
            if raw.len() > config.hw_mtu {
                outcome.dropped.push((id, Drop::TooLargeFor(raw.len())));
                continue;
            }
            let framed = match &config.ifac {
                Some(ifac) => encode(config.framing, &ifac.wrap(raw)),
                None => {
                    plain[config.framing as usize].get_or_insert_with(|| encode(config.framing, raw)).clone()
                }
            };
            outcome.transmit.push((id, framed));
        }
    }
}
