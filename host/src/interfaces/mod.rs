//! One module per WIT interface of the component, as wasmtime's WASI host
//! has one per WASI interface: typed calls, the interface's values, its
//! resources as typed handles, and its [`Error`](crate::Error).

pub mod framing;
pub mod gateway;
pub mod info;
pub mod messages;
pub mod nodes;
pub mod pqc;
pub mod rns;
pub mod shortcuts;
pub mod transport;
pub mod wire;
