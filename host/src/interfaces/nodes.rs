//! `styrene:core/nodes`: styrened's node model, its announce parser, and its
//! SQLite node store (the [`NodeStore`] resource).

use crate::bindings::exports::styrene::core::nodes::{Error as WitError, Guest, GuestNodeStore};
use crate::error::{error_codes, flatten};
use crate::instance::Handle;
use crate::state::State;
use crate::{HostError, Styrene};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

pub use crate::bindings::exports::styrene::core::nodes::{
    AnnounceInfo, DeviceType, DeviceTypeInfo, ErrorCode, HeardAnnounce, IdentityLookup, KnownAspect,
    MeshDevice, NodeStatus, PathEntry, SaveOutcome,
};

error_codes!(WitError => ErrorCode {
    NotADatabase => "not-a-database",
    Corrupt => "corrupt",
    ForeignSchema => "foreign-schema",
    Io => "io",
    Sqlite => "sqlite",
    Busy => "busy",
});

/// What a `nodes` call can fail with: the store's [`ComponentError`](crate::ComponentError), or the
/// instance's [`HostError`].
pub type Error = crate::Error<ErrorCode>;

/// The functions of `nodes`.
pub struct Nodes<'a, 'r>(&'a mut Styrene<'r>);

impl<'r> Styrene<'r> {
    /// `styrene:core/nodes`.
    pub fn nodes(&mut self) -> Nodes<'_, 'r> {
        Nodes(self)
    }
}

impl Nodes<'_, '_> {
    fn call<T>(
        &mut self,
        f: impl FnOnce(&Guest, &mut Store<State>) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        self.0.call(|b, s| f(b.styrene_core_nodes(), s))
    }

    /// `device-types`: the eight device types with styrened's names and values, in its order.
    pub fn device_types(&mut self) -> Result<Vec<DeviceTypeInfo>, HostError> {
        self.call(|n, s| n.call_device_types(s))
    }

    /// `known-aspects`: the destination names styrened's announce handler recognises.
    pub fn known_aspects(&mut self) -> Result<Vec<KnownAspect>, HostError> {
        self.call(|n, s| n.call_known_aspects(s))
    }

    /// `parse-announce-data`: styrened's `parse_announce_data(app_data, aspect_hint)`.
    pub fn parse_announce_data(
        &mut self,
        app_data: Option<&[u8]>,
        aspect_hint: Option<DeviceType>,
    ) -> Result<AnnounceInfo, HostError> {
        self.call(|n, s| n.call_parse_announce_data(s, app_data, aspect_hint))
    }

    /// `try-lxmf-parse`: what LXMF's helpers make of app_data, if anything.
    pub fn try_lxmf_parse(
        &mut self,
        app_data: &[u8],
        aspect_hint: Option<DeviceType>,
    ) -> Result<Option<AnnounceInfo>, HostError> {
        self.call(|n, s| n.call_try_lxmf_parse(s, app_data, aspect_hint))
    }

    /// `create-mesh-device`, stamped with the host's wall clock.
    pub fn create_mesh_device(
        &mut self,
        destination_hash: &str,
        identity_hash: &str,
        app_data: Option<&[u8]>,
        announce_count: i64,
        aspect_hint: Option<DeviceType>,
    ) -> Result<MeshDevice, HostError> {
        self.call(|n, s| {
            n.call_create_mesh_device(
                s,
                destination_hash,
                identity_hash,
                app_data,
                announce_count,
                aspect_hint,
            )
        })
    }

    /// `sanitize-fingerprint`: the fingerprint if it is 1 to 64 of `[a-zA-Z0-9._|-]`.
    pub fn sanitize_fingerprint(&mut self, raw: Option<&str>) -> Result<Option<String>, HostError> {
        self.call(|n, s| n.call_sanitize_fingerprint(s, raw))
    }

    /// `device-status`: `MeshDevice.status` for a last announce at `last_announce`, seen at `now`.
    pub fn device_status(&mut self, last_announce: f64, now: f64) -> Result<NodeStatus, HostError> {
        self.call(|n, s| n.call_device_status(s, last_announce, now))
    }

    /// `last-seen-display`: `MeshDevice.last_seen_display` at `now`.
    pub fn last_seen_display(&mut self, last_announce: f64, now: f64) -> Result<String, HostError> {
        self.call(|n, s| n.call_last_seen_display(s, last_announce, now))
    }
}

/// A `node-store`: styrened's `nodes.db` on SQLite inside the component.
/// Dropping it closes the database before the instance's next call.
#[derive(Debug)]
pub struct NodeStore(pub(crate) Handle);

const NODE_STORE: &str = "node-store";

impl NodeStore {
    fn make(
        styrene: &mut Styrene<'_>,
        f: impl FnOnce(&GuestNodeStore<'_>, &mut Store<State>) -> wasmtime::Result<Result<ResourceAny, WitError>>,
    ) -> Result<Self, Error> {
        let store = flatten(styrene.call(|b, s| f(&b.styrene_core_nodes().node_store(), s)))?;
        Ok(Self(styrene.adopt(store, NODE_STORE)))
    }

    fn call<T>(
        &self,
        styrene: &mut Styrene<'_>,
        f: impl FnOnce(
            &GuestNodeStore<'_>,
            &mut Store<State>,
            ResourceAny,
        ) -> wasmtime::Result<Result<T, WitError>>,
    ) -> Result<T, Error> {
        flatten(styrene.call_on(&self.0, |b, s, r| f(&b.styrene_core_nodes().node_store(), s, r)))
    }

    /// `open`: opens (or creates) the database at `path` inside the
    /// instance's directory, checks it, and brings its schema to styrened's shape.
    pub fn open(styrene: &mut Styrene<'_>, path: &str) -> Result<Self, Error> {
        Self::make(styrene, |n, s| n.call_open(s, path))
    }

    /// `open-in-memory`: a store in memory.
    pub fn open_in_memory(styrene: &mut Styrene<'_>) -> Result<Self, Error> {
        Self::make(styrene, |n, s| n.call_open_in_memory(s))
    }

    /// `open-image`: a store in memory that starts as a copy of a `nodes.db` file's bytes.
    pub fn open_image(styrene: &mut Styrene<'_>, image: &[u8]) -> Result<Self, Error> {
        Self::make(styrene, |n, s| n.call_open_image(s, image))
    }

    /// Closes the database now, reporting a failure (dropping the handle
    /// closes it before the instance's next call).
    pub fn release(self, styrene: &mut Styrene<'_>) -> Result<(), HostError> {
        self.0.release(styrene)
    }

    /// `export-image`: the database as the bytes of a `nodes.db` file.
    pub fn export_image(&self, styrene: &mut Styrene<'_>) -> Result<Vec<u8>, Error> {
        self.call(styrene, |n, s, r| n.call_export_image(s, r))
    }

    /// `save-node`: styrened's `save_node` upsert.
    pub fn save_node(&self, styrene: &mut Styrene<'_>, device: &MeshDevice) -> Result<SaveOutcome, Error> {
        self.call(styrene, |n, s, r| n.call_save_node(s, r, device))
    }

    /// `record-announce`: what styrened's announce handler does with a heard
    /// announce; returns the device as stored.
    pub fn record_announce(
        &self,
        styrene: &mut Styrene<'_>,
        heard: &HeardAnnounce,
    ) -> Result<MeshDevice, Error> {
        self.call(styrene, |n, s, r| n.call_record_announce(s, r, heard))
    }

    /// `get-node-by-destination`: exact, case-sensitive.
    pub fn get_node_by_destination(
        &self,
        styrene: &mut Styrene<'_>,
        destination_hash: &str,
    ) -> Result<Option<MeshDevice>, Error> {
        self.call(styrene, |n, s, r| n.call_get_node_by_destination(s, r, destination_hash))
    }

    /// `get-node-by-identity`: the first row SQLite finds.
    pub fn get_node_by_identity(
        &self,
        styrene: &mut Styrene<'_>,
        identity_hash: &str,
    ) -> Result<Option<MeshDevice>, Error> {
        self.call(styrene, |n, s, r| n.call_get_node_by_identity(s, r, identity_hash))
    }

    /// `get-node-by-lxmf-destination`: exact.
    pub fn get_node_by_lxmf_destination(
        &self,
        styrene: &mut Styrene<'_>,
        lxmf_destination_hash: &str,
    ) -> Result<Option<MeshDevice>, Error> {
        self.call(styrene, |n, s, r| n.call_get_node_by_lxmf_destination(s, r, lxmf_destination_hash))
    }

    /// `get-identity-for-destination`: exact for a full hash, else a unique 8+ hex prefix.
    pub fn get_identity_for_destination(
        &self,
        styrene: &mut Styrene<'_>,
        destination_hash: &str,
    ) -> Result<IdentityLookup, Error> {
        self.call(styrene, |n, s, r| n.call_get_identity_for_destination(s, r, destination_hash))
    }

    /// `get-identity-for-lxmf-destination`: the same rules on the LXMF column.
    pub fn get_identity_for_lxmf_destination(
        &self,
        styrene: &mut Styrene<'_>,
        lxmf_destination_hash: &str,
    ) -> Result<IdentityLookup, Error> {
        self.call(styrene, |n, s, r| n.call_get_identity_for_lxmf_destination(s, r, lxmf_destination_hash))
    }

    /// `get-all-nodes`: newest announce first.
    pub fn get_all_nodes(&self, styrene: &mut Styrene<'_>) -> Result<Vec<MeshDevice>, Error> {
        self.call(styrene, |n, s, r| n.call_get_all_nodes(s, r))
    }

    /// `get-styrene-nodes`: device type `styrene`, newest first.
    pub fn get_styrene_nodes(&self, styrene: &mut Styrene<'_>) -> Result<Vec<MeshDevice>, Error> {
        self.call(styrene, |n, s, r| n.call_get_styrene_nodes(s, r))
    }

    /// `get-nodes-by-short-name`: case-insensitive.
    pub fn get_nodes_by_short_name(
        &self,
        styrene: &mut Styrene<'_>,
        short_name: &str,
    ) -> Result<Vec<MeshDevice>, Error> {
        self.call(styrene, |n, s, r| n.call_get_nodes_by_short_name(s, r, short_name))
    }

    /// `get-nodes-by-short-name-prefix`: `LIKE prefix%`, case-insensitive.
    pub fn get_nodes_by_short_name_prefix(
        &self,
        styrene: &mut Styrene<'_>,
        prefix: &str,
    ) -> Result<Vec<MeshDevice>, Error> {
        self.call(styrene, |n, s, r| n.call_get_nodes_by_short_name_prefix(s, r, prefix))
    }

    /// `delete-node`: whether a row was deleted.
    pub fn delete_node(&self, styrene: &mut Styrene<'_>, destination_hash: &str) -> Result<bool, Error> {
        self.call(styrene, |n, s, r| n.call_delete_node(s, r, destination_hash))
    }

    /// `prune-old-nodes` at the host's wall clock: rows deleted.
    pub fn prune_old_nodes(&self, styrene: &mut Styrene<'_>, max_age_seconds: i64) -> Result<u64, Error> {
        self.call(styrene, |n, s, r| n.call_prune_old_nodes(s, r, max_age_seconds))
    }

    /// `clear-all-nodes`: rows deleted.
    pub fn clear_all_nodes(&self, styrene: &mut Styrene<'_>) -> Result<u64, Error> {
        self.call(styrene, |n, s, r| n.call_clear_all_nodes(s, r))
    }

    /// `save-path`: an upsert replacing every column.
    #[allow(clippy::too_many_arguments)] // the WIT function's own parameters
    pub fn save_path(
        &self,
        styrene: &mut Styrene<'_>,
        destination_hash: &str,
        next_hop: Option<&str>,
        hops: i64,
        interface_type: Option<&str>,
        interface_name: Option<&str>,
        bitrate: Option<i64>,
        expires: Option<i64>,
    ) -> Result<SaveOutcome, Error> {
        self.call(styrene, |n, s, r| {
            n.call_save_path(
                s,
                r,
                destination_hash,
                next_hop,
                hops,
                interface_type,
                interface_name,
                bitrate,
                expires,
            )
        })
    }

    /// `get-all-paths`: fewest hops first.
    pub fn get_all_paths(&self, styrene: &mut Styrene<'_>) -> Result<Vec<PathEntry>, Error> {
        self.call(styrene, |n, s, r| n.call_get_all_paths(s, r))
    }

    /// `get-path`.
    pub fn get_path(
        &self,
        styrene: &mut Styrene<'_>,
        destination_hash: &str,
    ) -> Result<Option<PathEntry>, Error> {
        self.call(styrene, |n, s, r| n.call_get_path(s, r, destination_hash))
    }

    /// `prune-expired-paths` at the host's wall clock: rows deleted.
    pub fn prune_expired_paths(&self, styrene: &mut Styrene<'_>) -> Result<u64, Error> {
        self.call(styrene, |n, s, r| n.call_prune_expired_paths(s, r))
    }

    /// `clear-all-paths`: rows deleted.
    pub fn clear_all_paths(&self, styrene: &mut Styrene<'_>) -> Result<u64, Error> {
        self.call(styrene, |n, s, r| n.call_clear_all_paths(s, r))
    }

    /// `integrity-ok`: `PRAGMA integrity_check` says ok.
    pub fn integrity_ok(&self, styrene: &mut Styrene<'_>) -> Result<bool, Error> {
        self.call(styrene, |n, s, r| n.call_integrity_ok(s, r))
    }
}
