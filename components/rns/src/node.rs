//! A transport node on ports: bytes come in on a port, are deframed and
//! their access codes checked ([`crate::ports`]), go through the
//! [`Transport`], and what it sends is framed for the ports it goes to.
//! The port ids are the transport's interface ids.

use crate::ports::{PortConfig, PortError, Ports};
use crate::transport::{
    DropReason, Hash, InterfaceConfig, InterfaceConfigError, Learnt, Limits, Transmission, Transport,
};

/// Why a frame went no further.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeDrop {
    /// Refused at the port (size, access code), or too large for the port it was to go out on.
    #[error(transparent)]
    Port(#[from] PortError),
    /// Refused or left by the transport.
    #[error("{0}")]
    Transport(DropReason),
}

/// What one call produced.
#[derive(Debug, Default)]
pub struct NodeOutcome {
    /// Framed packets to write: the port, and one frame (or datagram).
    pub transmit: Vec<(u32, Vec<u8>)>,
    /// Announces that changed the path table, with the port they came in on.
    pub learnt: Vec<(u32, Learnt)>,
    /// Frames that went no further, with the port they concern.
    pub dropped: Vec<(u32, NodeDrop)>,
}

/// A transport node and its ports.
pub struct Node {
    ports: Ports,
    transport: Transport,
}

impl Node {
    /// A node whose transport id is `transport_id` (see [`Transport::new`]).
    pub fn new(transport_id: Hash, seed: u64, limits: Limits) -> Self {
        Node { ports: Ports::default(), transport: Transport::new(transport_id, seed, limits) }
    }

    /// The transport, to read its tables and counters.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The transport, to restore paths or ask for one.
    pub fn transport_mut(&mut self) -> &mut Transport {
        &mut self.transport
    }

    /// Adds a port with its framing and its interface settings; returns its id.
    pub fn add_port(
        &mut self,
        port: PortConfig,
        interface: InterfaceConfig,
        now: f64,
    ) -> Result<u32, InterfaceConfigError> {
        let id = self.transport.add_interface(interface, now)?;
        self.ports.insert(id, port);
        Ok(id)
    }

    /// Removes a port; false if there was none.
    pub fn remove_port(&mut self, id: u32) -> bool {
        let known = self.ports.remove(id);
        self.transport.remove_interface(id) || known
    }

    /// Forgets a port's partial frame.
    pub fn reset_port(&mut self, id: u32) {
        self.ports.reset(id);
    }

    /// Handles bytes read on `port` at `now`.
    pub fn receive(&mut self, port: u32, data: &[u8], now: f64) -> NodeOutcome {
        let mut outcome = NodeOutcome::default();
        for frame in self.ports.deframe(port, data) {
            let raw = match frame {
                Ok(raw) => raw,
                Err(e) => {
                    outcome.dropped.push((port, NodeDrop::Port(e)));
                    continue;
                }
            };
            let receipt = self.transport.receive_packet(port, &raw, now);
            if let Some(reason) = receipt.dropped {
                outcome.dropped.push((port, NodeDrop::Transport(reason)));
            }
            outcome.learnt.extend(receipt.learnt.map(|learnt| (port, learnt)));
            self.frame_all(receipt.transmit, &mut outcome);
        }
        outcome
    }

    /// Runs the transport's timers at `now`.
    pub fn tick(&mut self, now: f64) -> NodeOutcome {
        let mut outcome = NodeOutcome::default();
        let transmissions = self.transport.tick(now);
        self.frame_all(transmissions, &mut outcome);
        outcome
    }

    /// Sends an announce made by this node (see [`Transport::announce_local`]).
    pub fn announce_local(&mut self, packet: &[u8]) -> NodeOutcome {
        let mut outcome = NodeOutcome::default();
        let transmissions = self.transport.announce_local(packet);
        self.frame_all(transmissions, &mut outcome);
        outcome
    }

    /// Asks the network for a path (see [`Transport::request_path`]).
    pub fn request_path(&mut self, destination: &Hash, now: f64) -> NodeOutcome {
        let mut outcome = NodeOutcome::default();
        let transmissions = self.transport.request_path(destination, now);
        self.frame_all(transmissions, &mut outcome);
        outcome
    }

    fn frame_all(&self, transmissions: Vec<Transmission>, outcome: &mut NodeOutcome) {
        for Transmission { interface, packet } in transmissions {
            match self.ports.frame(interface, &packet) {
                Some(Ok(framed)) => outcome.transmit.push((interface, framed)),
                Some(Err(e)) => outcome.dropped.push((interface, NodeDrop::Port(e))),
                None => {}
            }
        }
    }
}
