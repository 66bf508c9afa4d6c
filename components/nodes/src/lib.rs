//! Node logic of styrened 0.18.0 (`styrened.models.mesh_device`): the mesh
//! device model, its status rules, and the order-dependent announce parser.
//!
//! Plain Rust with no I/O: the current time is always a parameter, so the
//! crate tests natively and compiles unchanged into the component.

mod announce;
mod aspects;
mod device;
mod lxmf;
mod python;

pub use announce::{
    AnnounceInfo, create_mesh_device, parse_announce_data, sanitize_fingerprint, try_lxmf_parse,
};
pub use aspects::{KNOWN_ASPECTS, aspect_hint, discovered_via};
pub use device::{DeviceType, MeshDevice, NodeStatus, last_seen_display, status_at};
