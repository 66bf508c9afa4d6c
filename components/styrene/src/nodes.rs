//! `styrene:core/nodes` on top of the `styrene-nodes` crate.

use crate::Component;
use crate::exports::styrene::core::nodes::{
    AnnounceInfo, DeviceType, DeviceTypeInfo, Guest, MeshDevice, NodeStatus,
};
use styrene_nodes as domain;

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

fn from_domain(t: domain::DeviceType) -> DeviceType {
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

/// styrened's member name for a device type.
fn member_name(t: domain::DeviceType) -> &'static str {
    match t {
        domain::DeviceType::StyreneNode => "STYRENE_NODE",
        domain::DeviceType::Rnode => "RNODE",
        domain::DeviceType::Generic => "GENERIC",
        domain::DeviceType::Unknown => "UNKNOWN",
        domain::DeviceType::Hub => "HUB",
        domain::DeviceType::LxmfPeer => "LXMF_PEER",
        domain::DeviceType::PropagationNode => "PROPAGATION_NODE",
        domain::DeviceType::NomadnetNode => "NOMADNET_NODE",
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

fn unix_now() -> i64 {
    // wasi:clocks/wall-clock; a clock before 1970 reads as 0
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

impl Guest for Component {
    fn device_types() -> Vec<DeviceTypeInfo> {
        domain::DeviceType::ALL
            .into_iter()
            .map(|t| DeviceTypeInfo {
                device_type: from_domain(t),
                name: member_name(t).to_owned(),
                value: t.value().to_owned(),
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
        let d = domain::create_mesh_device(
            &destination_hash,
            &identity_hash,
            app_data.as_deref(),
            announce_count,
            hint.map(to_domain),
            unix_now(),
        );
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
