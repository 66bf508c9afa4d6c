//! The mesh-device model: styrened's `DeviceType`, `NodeStatus` and `MeshDevice`.

/// What kind of node announced (styrened's `DeviceType`; the value is what the DB stores).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceType {
    /// `"styrene"`
    StyreneNode,
    /// `"rnode"`
    Rnode,
    /// `"generic"`
    Generic,
    /// `"unknown"`
    Unknown,
    /// `"hub"`
    Hub,
    /// `"lxmf_peer"`
    LxmfPeer,
    /// `"propagation_node"`
    PropagationNode,
    /// `"nomadnet_node"`
    NomadnetNode,
}

impl DeviceType {
    /// Every member, in styrened's definition order.
    pub const ALL: [DeviceType; 8] = [
        DeviceType::StyreneNode,
        DeviceType::Rnode,
        DeviceType::Generic,
        DeviceType::Unknown,
        DeviceType::Hub,
        DeviceType::LxmfPeer,
        DeviceType::PropagationNode,
        DeviceType::NomadnetNode,
    ];

    /// The enum value styrened stores (`DeviceType.value`).
    pub fn value(self) -> &'static str {
        match self {
            DeviceType::StyreneNode => "styrene",
            DeviceType::Rnode => "rnode",
            DeviceType::Generic => "generic",
            DeviceType::Unknown => "unknown",
            DeviceType::Hub => "hub",
            DeviceType::LxmfPeer => "lxmf_peer",
            DeviceType::PropagationNode => "propagation_node",
            DeviceType::NomadnetNode => "nomadnet_node",
        }
    }

    /// styrened's member name (`DeviceType.name`), e.g. `"STYRENE_NODE"`.
    pub fn name(self) -> &'static str {
        match self {
            DeviceType::StyreneNode => "STYRENE_NODE",
            DeviceType::Rnode => "RNODE",
            DeviceType::Generic => "GENERIC",
            DeviceType::Unknown => "UNKNOWN",
            DeviceType::Hub => "HUB",
            DeviceType::LxmfPeer => "LXMF_PEER",
            DeviceType::PropagationNode => "PROPAGATION_NODE",
            DeviceType::NomadnetNode => "NOMADNET_NODE",
        }
    }

    /// `DeviceType(value)`; `None` where styrened raises ValueError.
    pub fn from_value(value: &str) -> Option<DeviceType> {
        DeviceType::ALL.into_iter().find(|t| t.value() == value)
    }
}

/// How recently a node announced (styrened's `NodeStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeStatus {
    /// Announced less than 300 s ago.
    Active,
    /// Announced less than 900 s ago.
    Stale,
    /// Silent for 900 s or more.
    Lost,
}

/// Seconds since the last announce under which a node is active.
pub const ACTIVE_SECONDS: f64 = 300.0;
/// Seconds since the last announce under which a node is stale (else lost).
pub const STALE_SECONDS: f64 = 900.0;

/// `MeshDevice.status` at time `now` (unix seconds).
pub fn status_at(last_announce: f64, now: f64) -> NodeStatus {
    let elapsed = now - last_announce;
    if elapsed < ACTIVE_SECONDS {
        NodeStatus::Active
    } else if elapsed < STALE_SECONDS {
        NodeStatus::Stale
    } else {
        NodeStatus::Lost
    }
}

/// `MeshDevice.last_seen_display` at time `now`: "42s ago", "5m ago", "3h ago",
/// "2d ago" (a future announce reads e.g. "-5s ago", as in styrened).
pub fn last_seen_display(last_announce: f64, now: f64) -> String {
    let e = (now - last_announce) as i64; // int() truncates toward zero
    match e {
        ..60 => format!("{e}s ago"),
        60..3600 => format!("{}m ago", e / 60),
        3600..86400 => format!("{}h ago", e / 3600),
        _ => format!("{}d ago", e / 86400),
    }
}

/// styrened's `MeshDevice`, field for field.
#[derive(Debug, Clone, PartialEq)]
pub struct MeshDevice {
    /// Hex destination hash (routing).
    pub destination_hash: String,
    /// Hex identity hash.
    pub identity_hash: String,
    /// Display name.
    pub name: String,
    /// Kind of node.
    pub device_type: DeviceType,
    /// Unix seconds of the last announce.
    pub last_announce: i64,
    /// Announces seen.
    pub announce_count: i64,
    /// The raw app_data of the announce.
    pub app_data_raw: Option<Vec<u8>>,
    /// Advertised capabilities.
    pub capabilities: Option<Vec<String>>,
    /// Software version.
    pub version: Option<String>,
    /// LXMF delivery destination (hex).
    pub lxmf_destination_hash: Option<String>,
    /// Short name.
    pub short_name: Option<String>,
    /// System fingerprint (sanitised).
    pub system_fingerprint: Option<String>,
    /// NomadNet node destination (hex).
    pub nomadnet_destination_hash: Option<String>,
    /// Interface the node was heard on.
    pub discovered_via: Option<String>,
    /// Hops away.
    pub hops: Option<i64>,
    /// Yggdrasil address.
    pub ygg_address: Option<String>,
    /// I2P b32 address.
    pub b32_address: Option<String>,
    /// Web URL.
    pub web_url: Option<String>,
}
