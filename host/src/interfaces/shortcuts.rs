//! `styrene:core/shortcuts`: the same data as `info`, `wire` and `nodes` in
//! the shapes the Python host takes in one copy. Other hosts need none of
//! it; the benches use [`noop`](Shortcuts::noop) and [`echo`](Shortcuts::echo)
//! to measure what a call and moving bytes cost.

use crate::bindings::exports::styrene::core::shortcuts::Guest;
use crate::error::flatten;
use crate::nodes::NodeStore;
use crate::state::State;
use crate::{HostError, Styrene, nodes, wire};
use wasmtime::Store;

pub use crate::bindings::exports::styrene::core::shortcuts::{Header, NodeQuery};

/// The functions of `shortcuts`.
pub struct Shortcuts<'a, 'r>(&'a mut Styrene<'r>);

impl<'r> Styrene<'r> {
    /// `styrene:core/shortcuts`.
    pub fn shortcuts(&mut self) -> Shortcuts<'_, 'r> {
        Shortcuts(self)
    }
}

impl Shortcuts<'_, '_> {
    fn call<T>(
        &mut self,
        f: impl FnOnce(&Guest, &mut Store<State>) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        self.0.call(|b, s| f(b.styrene_core_shortcuts(), s))
    }

    /// `noop`: a host's bare call cost.
    pub fn noop(&mut self) -> Result<(), HostError> {
        self.call(|c, s| c.call_noop(s))
    }

    /// `echo`: what moving bytes across the boundary costs.
    pub fn echo(&mut self, data: &[u8]) -> Result<Vec<u8>, HostError> {
        self.call(|c, s| c.call_echo(s, data))
    }

    /// `decode-header`: an envelope's header, validated as `decode-envelope` does.
    pub fn decode_header(&mut self, data: &[u8]) -> Result<Header, wire::Error> {
        flatten(self.call(|c, s| c.call_decode_header(s, data)))
    }

    /// `decode-envelope-marshal`: an envelope and its payload as the input of
    /// Python's `marshal.loads`.
    pub fn decode_envelope_marshal(&mut self, data: &[u8]) -> Result<Vec<u8>, wire::Error> {
        flatten(self.call(|c, s| c.call_decode_envelope_marshal(s, data)))
    }

    /// `decode-payload-marshal`: a payload value as `marshal` bytes; none when
    /// it holds an extension value or a timestamp.
    pub fn decode_payload_marshal(&mut self, data: &[u8]) -> Result<Option<Vec<u8>>, wire::Error> {
        flatten(self.call(|c, s| c.call_decode_payload_marshal(s, data)))
    }

    /// `encode-payload-marshal`: `encode-payload` of a value given as
    /// `marshal.dumps` output; none where the typed path must decide.
    pub fn encode_payload_marshal(&mut self, value: &[u8]) -> Result<Option<Vec<u8>>, HostError> {
        self.call(|c, s| c.call_encode_payload_marshal(s, value))
    }

    /// `get-nodes-packed`: the rows of a list query of `store` as one JSON text.
    pub fn get_nodes_packed(&mut self, store: &NodeStore, query: &NodeQuery) -> Result<String, nodes::Error> {
        flatten(
            self.0.call_on(&store.0, |b, s, r| b.styrene_core_shortcuts().call_get_nodes_packed(s, r, query)),
        )
    }
}
