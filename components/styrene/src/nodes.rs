//! `styrene:core/nodes` on top of the `styrene-nodes` crate.

use crate::Component;
use crate::exports::styrene::core::nodes::{
    AnnounceInfo, DeviceType, DeviceTypeInfo, Guest, GuestNodeStore, HeardAnnounce, IdentityLookup,
    KnownAspect, MeshDevice, NodeStatus, NodeStore, PathEntry, SaveOutcome,
};
use crate::exports::styrene::core::nodes::{Error as StoreError, ErrorCode};
use styrene_nodes as domain;
use styrene_store as store;

fn to_domain(t: DeviceType) -> domain::DeviceType {
    match t {
        DeviceType::StyreneNode => domain::DeviceType::StyreneNode,
        DeviceType::Rnode => domain::DeviceType::Rnode,
        DeviceType::Generic => domain::DeviceType::Generic,
        DeviceType::Unknown => domain::DeviceType::Unknown,
        DeviceType::Hub => domain::DeviceType::Hub,
        DeviceType::LxmfPeer => domain::DeviceType::LxmfPeer,
        DeviceType::PropagationNode => domain::DeviceType::PropagationNode,
        DeviceType::NomadnetNode => domain::DeviceType::NomadnetNode,
    }
}

pub(crate) fn from_domain(t: domain::DeviceType) -> DeviceType {
    match t {
        domain::DeviceType::StyreneNode => DeviceType::StyreneNode,
        domain::DeviceType::Rnode => DeviceType::Rnode,
        domain::DeviceType::Generic => DeviceType::Generic,
        domain::DeviceType::Unknown => DeviceType::Unknown,
        domain::DeviceType::Hub => DeviceType::Hub,
        domain::DeviceType::LxmfPeer => DeviceType::LxmfPeer,
        domain::DeviceType::PropagationNode => DeviceType::PropagationNode,
        domain::DeviceType::NomadnetNode => DeviceType::NomadnetNode,
    }
}

impl From<domain::AnnounceInfo> for AnnounceInfo {
    fn from(i: domain::AnnounceInfo) -> Self {
        AnnounceInfo {
            name: i.name,
            device_type: from_domain(i.device_type),
            capabilities: i.capabilities,
            version: i.version,
            lxmf_destination_hash: i.lxmf_destination_hash,
            short_name: i.short_name,
            system_fingerprint: i.system_fingerprint,
            nomadnet_destination_hash: i.nomadnet_destination_hash,
        }
    }
}

fn device_to_wit(d: domain::MeshDevice) -> MeshDevice {
    MeshDevice {
        destination_hash: d.destination_hash,
        identity_hash: d.identity_hash,
        name: d.name,
        device_type: from_domain(d.device_type),
        last_announce: d.last_announce,
        announce_count: d.announce_count,
        app_data_raw: d.app_data_raw,
        capabilities: d.capabilities,
        version: d.version,
        lxmf_destination_hash: d.lxmf_destination_hash,
        short_name: d.short_name,
        system_fingerprint: d.system_fingerprint,
        nomadnet_destination_hash: d.nomadnet_destination_hash,
        discovered_via: d.discovered_via,
        hops: d.hops,
        ygg_address: d.ygg_address,
        b32_address: d.b32_address,
        web_url: d.web_url,
    }
}

fn device_from_wit(d: MeshDevice) -> domain::MeshDevice {
    domain::MeshDevice {
        destination_hash: d.destination_hash,
        identity_hash: d.identity_hash,
        name: d.name,
        device_type: to_domain(d.device_type),
        last_announce: d.last_announce,
        announce_count: d.announce_count,
        app_data_raw: d.app_data_raw,
        capabilities: d.capabilities,
        version: d.version,
        lxmf_destination_hash: d.lxmf_destination_hash,
        short_name: d.short_name,
        system_fingerprint: d.system_fingerprint,
        nomadnet_destination_hash: d.nomadnet_destination_hash,
        discovered_via: d.discovered_via,
        hops: d.hops,
        ygg_address: d.ygg_address,
        b32_address: d.b32_address,
        web_url: d.web_url,
    }
}

impl From<store::StoreError> for StoreError {
    fn from(e: store::StoreError) -> Self {
        let (code, message) = match e {
            store::StoreError::NotADatabase(m) => (ErrorCode::NotADatabase, m),
            store::StoreError::Corrupt(m) => (ErrorCode::Corrupt, m),
            store::StoreError::ForeignSchema(m) => (ErrorCode::ForeignSchema, m),
            store::StoreError::Io(m) => (ErrorCode::Io, m),
            store::StoreError::Sqlite(m) => (ErrorCode::Sqlite, m),
            store::StoreError::Busy(m) => (ErrorCode::Busy, m),
        };
        StoreError { code, message }
    }
}

impl From<store::SaveOutcome> for SaveOutcome {
    fn from(o: store::SaveOutcome) -> Self {
        match o {
            store::SaveOutcome::Saved => SaveOutcome::Saved,
            store::SaveOutcome::Rejected(m) => SaveOutcome::Rejected(m),
        }
    }
}

fn path_to_wit(p: store::PathEntry) -> PathEntry {
    PathEntry {
        destination_hash: p.destination_hash,
        next_hop: p.next_hop,
        hops: p.hops,
        interface_type: p.interface_type,
        interface_name: p.interface_name,
        bitrate: p.bitrate,
        expires: p.expires,
        updated_at: p.updated_at,
    }
}

impl From<store::IdentityLookup> for IdentityLookup {
    fn from(l: store::IdentityLookup) -> Self {
        match l {
            store::IdentityLookup::Found(identity) => IdentityLookup::Found(identity),
            store::IdentityLookup::NotFound => IdentityLookup::NotFound,
            store::IdentityLookup::InvalidPrefix => IdentityLookup::InvalidPrefix,
            store::IdentityLookup::Ambiguous(n) => {
                IdentityLookup::Ambiguous(n.try_into().unwrap_or(u32::MAX))
            }
        }
    }
}

pub(crate) type Stored<T> = Result<T, StoreError>;

fn devices(result: Result<Vec<domain::MeshDevice>, store::StoreError>) -> Stored<Vec<MeshDevice>> {
    Ok(result?.into_iter().map(device_to_wit).collect())
}

/// The `node-store` resource: one SQLite connection inside the component.
pub struct StoreResource(pub(crate) store::NodeStore);

impl StoreResource {
    /// The store behind `open-image`: SQLite's in-memory database, filled from the image.
    fn from_image(image: &[u8]) -> Stored<Self> {
        Ok(StoreResource(store::NodeStore::open_image(image)?))
    }
}

impl GuestNodeStore for StoreResource {
    fn open(path: String) -> Stored<NodeStore> {
        crate::file_locks::install();
        Ok(NodeStore::new(StoreResource(store::NodeStore::open(std::path::Path::new(&path))?)))
    }
    fn open_in_memory() -> Stored<NodeStore> {
        Ok(NodeStore::new(StoreResource(store::NodeStore::open_in_memory()?)))
    }
    fn open_image(image: Vec<u8>) -> Stored<NodeStore> {
        Ok(NodeStore::new(StoreResource::from_image(&image)?))
    }
    fn export_image(&self) -> Stored<Vec<u8>> {
        Ok(self.0.export_image()?)
    }
    fn save_node(&self, device: MeshDevice) -> Stored<SaveOutcome> {
        Ok(self.0.save_node(&device_from_wit(device))?.into())
    }
    fn record_announce(&self, heard: HeardAnnounce) -> Stored<MeshDevice> {
        let heard = store::HeardAnnounce {
            destination_hash: heard.destination_hash,
            identity_hash: heard.identity_hash,
            app_data: heard.app_data,
            aspect_hint: heard.aspect_hint.map(to_domain),
            hops: heard.hops,
            discovered_via: heard.discovered_via,
        };
        Ok(device_to_wit(self.0.record_announce(&heard, unix_now())?))
    }
    fn get_node_by_destination(&self, hash: String) -> Stored<Option<MeshDevice>> {
        Ok(self.0.get_node_by_destination(&hash)?.map(device_to_wit))
    }
    fn get_node_by_identity(&self, hash: String) -> Stored<Option<MeshDevice>> {
        Ok(self.0.get_node_by_identity(&hash)?.map(device_to_wit))
    }
    fn get_node_by_lxmf_destination(&self, hash: String) -> Stored<Option<MeshDevice>> {
        Ok(self.0.get_node_by_lxmf_destination(&hash)?.map(device_to_wit))
    }
    fn get_identity_for_destination(&self, hash: String) -> Stored<IdentityLookup> {
        Ok(self.0.get_identity_for_destination(&hash)?.into())
    }
    fn get_identity_for_lxmf_destination(&self, hash: String) -> Stored<IdentityLookup> {
        Ok(self.0.get_identity_for_lxmf_destination(&hash)?.into())
    }
    fn get_all_nodes(&self) -> Stored<Vec<MeshDevice>> {
        devices(self.0.get_all_nodes())
    }
    fn get_styrene_nodes(&self) -> Stored<Vec<MeshDevice>> {
        devices(self.0.get_styrene_nodes())
    }
    fn get_nodes_by_short_name(&self, short_name: String) -> Stored<Vec<MeshDevice>> {
        devices(self.0.get_nodes_by_short_name(&short_name))
    }
    fn get_nodes_by_short_name_prefix(&self, prefix: String) -> Stored<Vec<MeshDevice>> {
        devices(self.0.get_nodes_by_short_name_prefix(&prefix))
    }
    fn delete_node(&self, hash: String) -> Stored<bool> {
        Ok(self.0.delete_node(&hash)?)
    }
    fn prune_old_nodes(&self, max_age_seconds: i64) -> Stored<u64> {
        Ok(self.0.prune_old_nodes(max_age_seconds, unix_now())? as u64)
    }
    fn clear_all_nodes(&self) -> Stored<u64> {
        Ok(self.0.clear_all_nodes()? as u64)
    }
    fn save_path(
        &self,
        destination_hash: String,
        next_hop: Option<String>,
        hops: i64,
        interface_type: Option<String>,
        interface_name: Option<String>,
        bitrate: Option<i64>,
        expires: Option<i64>,
    ) -> Stored<SaveOutcome> {
        let outcome = self.0.save_path(
            &destination_hash,
            next_hop.as_deref(),
            hops,
            interface_type.as_deref(),
            interface_name.as_deref(),
            bitrate,
            expires,
        )?;
        Ok(outcome.into())
    }
    fn get_all_paths(&self) -> Stored<Vec<PathEntry>> {
        Ok(self.0.get_all_paths()?.into_iter().map(path_to_wit).collect())
    }
    fn get_path(&self, hash: String) -> Stored<Option<PathEntry>> {
        Ok(self.0.get_path(&hash)?.map(path_to_wit))
    }
    fn prune_expired_paths(&self) -> Stored<u64> {
        Ok(self.0.prune_expired_paths(unix_now())? as u64)
    }
    fn clear_all_paths(&self) -> Stored<u64> {
        Ok(self.0.clear_all_paths()? as u64)
    }
    fn integrity_ok(&self) -> Stored<bool> {
        Ok(self.0.integrity_ok()?)
    }
}

fn unix_now() -> i64 {
    // wasi:clocks/wall-clock; a clock before 1970 reads as 0
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

impl Guest for Component {
    type NodeStore = StoreResource;

    fn device_types() -> Vec<DeviceTypeInfo> {
        domain::DeviceType::ALL
            .into_iter()
            .map(|t| DeviceTypeInfo {
                device_type: from_domain(t),
                name: t.name().to_owned(),
                value: t.value().to_owned(),
            })
            .collect()
    }

    fn known_aspects() -> Vec<KnownAspect> {
        styrene_nodes::KNOWN_ASPECTS
            .into_iter()
            .map(|(name, kind)| KnownAspect {
                name: name.to_owned(),
                device_type: from_domain(kind),
                name_hash: styrene_rns::identity::name_hash(name).to_vec(),
            })
            .collect()
    }

    fn parse_announce_data(app_data: Option<Vec<u8>>, hint: Option<DeviceType>) -> AnnounceInfo {
        domain::parse_announce_data(app_data.as_deref(), hint.map(to_domain)).into()
    }

    fn try_lxmf_parse(app_data: Vec<u8>, hint: Option<DeviceType>) -> Option<AnnounceInfo> {
        domain::try_lxmf_parse(&app_data, hint.map(to_domain)).map(Into::into)
    }

    fn create_mesh_device(
        destination_hash: String,
        identity_hash: String,
        app_data: Option<Vec<u8>>,
        announce_count: i64,
        hint: Option<DeviceType>,
    ) -> MeshDevice {
        device_to_wit(domain::create_mesh_device(
            &destination_hash,
            &identity_hash,
            app_data.as_deref(),
            announce_count,
            hint.map(to_domain),
            unix_now(),
        ))
    }

    fn sanitize_fingerprint(raw: Option<String>) -> Option<String> {
        domain::sanitize_fingerprint(raw.as_deref())
    }

    fn device_status(last_announce: f64, now: f64) -> NodeStatus {
        match domain::status_at(last_announce, now) {
            domain::NodeStatus::Active => NodeStatus::Active,
            domain::NodeStatus::Stale => NodeStatus::Stale,
            domain::NodeStatus::Lost => NodeStatus::Lost,
        }
    }

    fn last_seen_display(last_announce: f64, now: f64) -> String {
        domain::last_seen_display(last_announce, now)
    }
}

/// Inside wasmtime: a database image goes into SQLite's in-memory database and
/// comes back out, with no filesystem involved, and bad images get their
/// typed error (the browser page's node store works this way).
#[cfg(test)]
mod tests {
    use super::*;

    fn styrene_device(destination: &str, identity: &str) -> MeshDevice {
        let mut device = Component::create_mesh_device(destination.into(), identity.into(), None, 1, None);
        device.device_type = DeviceType::StyreneNode;
        device.short_name = Some("relay".into());
        device
    }

    #[test]
    fn an_image_round_trips_inside_wasm() {
        let empty = StoreResource::from_image(&[]).unwrap();
        assert!(empty.get_all_nodes().unwrap().is_empty());
        let saved = empty.save_node(styrene_device(&"ab".repeat(16), &"12".repeat(16))).unwrap();
        assert!(matches!(saved, SaveOutcome::Saved));
        let image = empty.export_image().unwrap();
        assert!(image.starts_with(b"SQLite format 3\0"));

        let reopened = StoreResource::from_image(&image).unwrap();
        let found = reopened.get_identity_for_destination("abababab".into()).unwrap();
        assert!(matches!(found, IdentityLookup::Found(identity) if identity == "12".repeat(16)));
        let node = reopened.get_node_by_destination("ab".repeat(16)).unwrap().unwrap();
        assert_eq!(node.short_name.as_deref(), Some("relay"));
        assert!(matches!(node.device_type, DeviceType::StyreneNode));
        assert!(reopened.integrity_ok().unwrap());
        // the image was copied: changing the reopened store leaves it as it was
        assert!(reopened.delete_node("ab".repeat(16)).unwrap());
        assert_eq!(StoreResource::from_image(&image).unwrap().get_all_nodes().unwrap().len(), 1);
    }

    #[test]
    fn bad_images_are_typed_errors_inside_wasm() {
        let text = b"plain text that is not an SQLite database at all, padded past one header..".repeat(2);
        assert!(matches!(
            StoreResource::from_image(&text).err(),
            Some(StoreError { code: ErrorCode::NotADatabase, .. })
        ));
        let store = StoreResource::from_image(&[]).unwrap();
        for i in 0..100 {
            store.save_node(styrene_device(&format!("{i:032x}"), &"12".repeat(16))).unwrap();
        }
        let image = store.export_image().unwrap();
        let cut = StoreResource::from_image(&image[..image.len() / 2]).err();
        assert!(matches!(cut, Some(StoreError { code: ErrorCode::Corrupt, .. })), "{cut:?}");
    }
}
