//! `styrene:core/transport`: a Reticulum transport node (the
//! [`TransportNode`] resource). The host feeds it the bytes it reads with the
//! time, ticks it about every 250 ms, and writes what it returns.

use crate::bindings::exports::styrene::core::transport::{Error as WitError, GuestTransportNode};
use crate::error::{error_codes, flatten};
use crate::instance::Handle;
use crate::rns::Identity;
use crate::state::State;
use crate::{HostError, Styrene};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

pub use crate::bindings::exports::styrene::core::transport::{
    Counters, DropReason, Dropped, ErrorCode, InterfaceMode, InterfaceSettings, Limits, Outcome, Path,
    PortState,
};

error_codes!(WitError => ErrorCode {
    NoSecret => "no-secret",
    BadSize => "bad-size",
    BadBitrate => "bad-bitrate",
    BadAnnounceCap => "bad-announce-cap",
    NotASnapshot => "not-a-snapshot",
    DamagedSnapshot => "damaged-snapshot",
    BadDestination => "bad-destination",
});

/// What a `transport` call can fail with: a [`ComponentError`](crate::ComponentError), or the instance's [`HostError`].
pub type Error = crate::Error<ErrorCode>;

/// A `transport-node`: its ports, path, reverse and link tables, announce
/// queues and timers.
#[derive(Debug)]
pub struct TransportNode(Handle);

impl TransportNode {
    fn call<T>(
        &self,
        styrene: &mut Styrene<'_>,
        f: impl FnOnce(&GuestTransportNode<'_>, &mut Store<State>, ResourceAny) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        styrene.call_on(&self.0, |b, s, r| f(&b.styrene_core_transport().transport_node(), s, r))
    }

    /// A node whose transport id is `identity`'s hash, drawing its random
    /// choices from `seed`.
    pub fn new(
        styrene: &mut Styrene<'_>,
        identity: &Identity,
        seed: u64,
        limits: Limits,
    ) -> Result<Self, HostError> {
        let identity = styrene.resource_of(identity.handle())?;
        let node = styrene.call(|b, s| {
            b.styrene_core_transport().transport_node().call_constructor(s, identity, seed, limits)
        })?;
        Ok(Self(styrene.adopt(node, "transport-node")))
    }

    /// Releases the node now, reporting a failure.
    pub fn release(self, styrene: &mut Styrene<'_>) -> Result<(), HostError> {
        self.0.release(styrene)
    }

    /// `transport-id`.
    pub fn transport_id(&self, styrene: &mut Styrene<'_>) -> Result<Vec<u8>, HostError> {
        self.call(styrene, |g, s, r| g.call_transport_id(s, r))
    }

    /// `add-port`: the new port's id.
    pub fn add_port(
        &self,
        styrene: &mut Styrene<'_>,
        config: &crate::gateway::PortConfig,
        settings: InterfaceSettings,
        now: f64,
    ) -> Result<u32, Error> {
        flatten(self.call(styrene, |g, s, r| g.call_add_port(s, r, config, settings, now)))
    }

    /// `remove-port`: whether there was such a port.
    pub fn remove_port(&self, styrene: &mut Styrene<'_>, port: u32) -> Result<bool, HostError> {
        self.call(styrene, |g, s, r| g.call_remove_port(s, r, port))
    }

    /// `reset-port`: forgets a port's partial frame.
    pub fn reset_port(&self, styrene: &mut Styrene<'_>, port: u32) -> Result<(), HostError> {
        self.call(styrene, |g, s, r| g.call_reset_port(s, r, port))
    }

    /// `receive`: handles bytes read on `port` at `now`.
    pub fn receive(
        &self,
        styrene: &mut Styrene<'_>,
        port: u32,
        data: &[u8],
        now: f64,
    ) -> Result<Outcome, HostError> {
        self.call(styrene, |g, s, r| g.call_receive(s, r, port, data, now))
    }

    /// `tick`: runs the timers at `now`.
    pub fn tick(&self, styrene: &mut Styrene<'_>, now: f64) -> Result<Outcome, HostError> {
        self.call(styrene, |g, s, r| g.call_tick(s, r, now))
    }

    /// `announce`: sends this node's own announce.
    pub fn announce(&self, styrene: &mut Styrene<'_>, packet: &[u8]) -> Result<Outcome, HostError> {
        self.call(styrene, |g, s, r| g.call_announce(s, r, packet))
    }

    /// `request-path`: asks the network for a path to `destination`.
    pub fn request_path(
        &self,
        styrene: &mut Styrene<'_>,
        destination: &[u8],
        now: f64,
    ) -> Result<Outcome, Error> {
        flatten(self.call(styrene, |g, s, r| g.call_request_path(s, r, destination, now)))
    }

    /// `paths`: the path table.
    pub fn paths(&self, styrene: &mut Styrene<'_>) -> Result<Vec<Path>, HostError> {
        self.call(styrene, |g, s, r| g.call_paths(s, r))
    }

    /// `ports`: announce queues and held announces.
    pub fn ports(&self, styrene: &mut Styrene<'_>) -> Result<Vec<PortState>, HostError> {
        self.call(styrene, |g, s, r| g.call_ports(s, r))
    }

    /// `counters`.
    pub fn counters(&self, styrene: &mut Styrene<'_>) -> Result<Counters, HostError> {
        self.call(styrene, |g, s, r| g.call_counters(s, r))
    }

    /// `export-paths`: the path table as bytes to keep.
    pub fn export_paths(&self, styrene: &mut Styrene<'_>) -> Result<Vec<u8>, HostError> {
        self.call(styrene, |g, s, r| g.call_export_paths(s, r))
    }

    /// `import-paths`: restores a snapshot; the number of paths read.
    pub fn import_paths(&self, styrene: &mut Styrene<'_>, snapshot: &[u8]) -> Result<u32, Error> {
        flatten(self.call(styrene, |g, s, r| g.call_import_paths(s, r, snapshot)))
    }
}
