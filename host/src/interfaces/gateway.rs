//! `styrene:core/gateway`: the relay of a bridging gateway (the [`Bridge`] resource).

use crate::bindings::exports::styrene::core::gateway::GuestBridge;
use crate::error::flatten;
use crate::framing;
use crate::instance::Handle;
use crate::state::State;
use crate::{HostError, Styrene};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

pub use crate::bindings::exports::styrene::core::gateway::{
    DropReason, Dropped, IfacSettings, Outcome, PortConfig, Transmission,
};

/// A `bridge`: the relay's ports, their partial frames and the packet hashes
/// it remembers. The host feeds it the bytes it reads and writes what it returns.
#[derive(Debug)]
pub struct Bridge(Handle);

impl Bridge {
    fn call<T>(
        &self,
        styrene: &mut Styrene<'_>,
        f: impl FnOnce(&GuestBridge<'_>, &mut Store<State>, ResourceAny) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        styrene.call_on(&self.0, |b, s, r| f(&b.styrene_core_gateway().bridge(), s, r))
    }

    /// A bridge remembering up to twice `remembered` packet hashes for
    /// duplicate suppression.
    pub fn new(styrene: &mut Styrene<'_>, remembered: u32) -> Result<Self, HostError> {
        let bridge =
            styrene.call(|b, s| b.styrene_core_gateway().bridge().call_constructor(s, remembered))?;
        Ok(Self(styrene.adopt(bridge, "bridge")))
    }

    /// Releases the bridge now, reporting a failure.
    pub fn release(self, styrene: &mut Styrene<'_>) -> Result<(), HostError> {
        self.0.release(styrene)
    }

    /// `add-port`: the new port's id. Fails only on access-code settings that
    /// RNS would refuse.
    pub fn add_port(&self, styrene: &mut Styrene<'_>, config: &PortConfig) -> Result<u32, framing::Error> {
        flatten(self.call(styrene, |g, s, r| g.call_add_port(s, r, config)))
    }

    /// `remove-port`: whether there was such a port.
    pub fn remove_port(&self, styrene: &mut Styrene<'_>, port: u32) -> Result<bool, HostError> {
        self.call(styrene, |g, s, r| g.call_remove_port(s, r, port))
    }

    /// `reset-port`: forgets a port's partial frame.
    pub fn reset_port(&self, styrene: &mut Styrene<'_>, port: u32) -> Result<(), HostError> {
        self.call(styrene, |g, s, r| g.call_reset_port(s, r, port))
    }

    /// `receive`: handles bytes read on `port` (a whole datagram on datagram ports).
    pub fn receive(&self, styrene: &mut Styrene<'_>, port: u32, data: &[u8]) -> Result<Outcome, HostError> {
        self.call(styrene, |g, s, r| g.call_receive(s, r, port, data))
    }

    /// `broadcast`: sends a packet made here on every port.
    pub fn broadcast(&self, styrene: &mut Styrene<'_>, packet: &[u8]) -> Result<Outcome, HostError> {
        self.call(styrene, |g, s, r| g.call_broadcast(s, r, packet))
    }
}
