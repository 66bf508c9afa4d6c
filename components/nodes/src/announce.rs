//! `parse_announce_data` and `create_mesh_device`: styrened's exact,
//! order-dependent reading of announce app_data.

use crate::device::{DeviceType, MeshDevice};
use crate::lxmf::{self, Lxmf};
use crate::python::{char_len, strip, truncate_chars};

/// What `parse_announce_data` returns: styrened's 8-tuple, named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnounceInfo {
    /// Display name.
    pub name: String,
    /// Kind of node.
    pub device_type: DeviceType,
    /// Capabilities (Styrene announces).
    pub capabilities: Option<Vec<String>>,
    /// Version (Styrene announces).
    pub version: Option<String>,
    /// LXMF delivery destination (Styrene announces).
    pub lxmf_destination_hash: Option<String>,
    /// Short name (Styrene announces).
    pub short_name: Option<String>,
    /// System fingerprint, if it passed sanitising (Styrene announces).
    pub system_fingerprint: Option<String>,
    /// NomadNet destination (Styrene announces).
    pub nomadnet_destination_hash: Option<String>,
}

impl AnnounceInfo {
    fn named(name: impl Into<String>, device_type: DeviceType) -> Self {
        AnnounceInfo {
            name: name.into(),
            device_type,
            capabilities: None,
            version: None,
            lxmf_destination_hash: None,
            short_name: None,
            system_fingerprint: None,
            nomadnet_destination_hash: None,
        }
    }
}

/// Names longer than this (in characters) are cut, except plain-text names.
const NAME_LIMIT: usize = 32;
/// A plain-text announce longer than this is not taken as a name.
const PLAIN_NAME_LIMIT: usize = 64;

/// `_sanitize_fingerprint`: 1 to 64 characters of `[a-zA-Z0-9._|-]`, else `None`.
/// As with styrened's `re.match(...$)`, one trailing newline is tolerated (and kept).
pub fn sanitize_fingerprint(raw: Option<&str>) -> Option<String> {
    let raw = raw?;
    let body = raw.strip_suffix('\n').unwrap_or(raw);
    let ok = char_len(raw) <= 64
        && !body.is_empty()
        && body.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'|' | b'-'));
    ok.then(|| raw.to_owned())
}

/// `parse_announce_data(app_data, aspect_hint)`, step for step (spec §3.3).
pub fn parse_announce_data(app_data: Option<&[u8]>, hint: Option<DeviceType>) -> AnnounceInfo {
    let or_hint = |fallback: DeviceType| hint.unwrap_or(fallback);
    let Some(data) = app_data.filter(|d| !d.is_empty()) else {
        return AnnounceInfo::named("unknown", or_hint(DeviceType::Unknown));
    };
    // 2. MessagePack arrays go to LXMF's helpers first
    if data[0] & 0xF0 == 0x90 || data[0] == 0xDC {
        match lxmf::classify(data) {
            Some(Lxmf::PropagationNode(name)) => {
                let name = match name.as_deref() {
                    Some(n) if !n.is_empty() => truncate_chars(n, NAME_LIMIT).to_owned(),
                    _ => "propagation-node".to_owned(),
                };
                return AnnounceInfo::named(name, or_hint(DeviceType::PropagationNode));
            }
            Some(Lxmf::DisplayName(name)) => {
                return match name.strip_prefix("[styrene]") {
                    Some(rest) => {
                        AnnounceInfo::named(truncate_chars(strip(rest), NAME_LIMIT), DeviceType::StyreneNode)
                    }
                    None => {
                        AnnounceInfo::named(truncate_chars(&name, NAME_LIMIT), or_hint(DeviceType::LxmfPeer))
                    }
                };
            }
            None => {}
        }
    }
    // 3. text from here on
    let Ok(text) = std::str::from_utf8(data) else {
        return AnnounceInfo::named("binary-data", or_hint(DeviceType::Unknown));
    };
    let decoded = strip(text);
    let lower = decoded.to_lowercase();
    // 4. Styrene's own colon format; the hint never overrides it
    if lower == "styrene" || lower.starts_with("styrene:") {
        if !decoded.contains(':') {
            return AnnounceInfo::named("styrene-node", DeviceType::StyreneNode);
        }
        let parts: Vec<&str> = decoded.split(':').collect();
        let part = |i: usize| parts.get(i).copied();
        let non_empty = |i: usize| part(i).filter(|p| !p.is_empty()).map(str::to_owned);
        return AnnounceInfo {
            name: part(1).unwrap_or("styrene-node").to_owned(),
            device_type: DeviceType::StyreneNode,
            capabilities: non_empty(3).map(|c| c.split(',').map(str::to_owned).collect()),
            version: part(2).map(str::to_owned),
            lxmf_destination_hash: non_empty(4),
            short_name: non_empty(5),
            system_fingerprint: sanitize_fingerprint(non_empty(6).as_deref()),
            nomadnet_destination_hash: non_empty(7),
        };
    }
    // 5. RNodes
    if lower.starts_with("rnode:") {
        let name = decoded.split(':').nth(1).unwrap_or("rnode");
        return AnnounceInfo::named(name, DeviceType::Rnode);
    }
    // 6. JSON objects with a display_name or name
    if decoded.starts_with('{') && decoded.ends_with('}') {
        if let Some(name) = json_name(decoded) {
            return AnnounceInfo::named(truncate_chars(&name, NAME_LIMIT), or_hint(DeviceType::Generic));
        }
        return AnnounceInfo::named("unknown", or_hint(DeviceType::Unknown));
    }
    // 7. a plain name
    if !decoded.is_empty()
        && !decoded.starts_with("0x")
        && char_len(decoded) <= PLAIN_NAME_LIMIT
        && !decoded.contains(['{', '}', '[', ']', '(', ')', '<', '>'])
    {
        return AnnounceInfo::named(decoded, or_hint(DeviceType::Generic));
    }
    AnnounceInfo::named("unknown", or_hint(DeviceType::Unknown))
}

/// `_try_lxmf_parse(app_data, aspect_hint)`: what styrened makes of app_data
/// through LXMF's helpers, or `None` where it goes on to read the bytes as text.
pub fn try_lxmf_parse(data: &[u8], hint: Option<DeviceType>) -> Option<AnnounceInfo> {
    Some(match lxmf::classify(data)? {
        Lxmf::PropagationNode(name) => {
            let name = match name.as_deref() {
                Some(n) if !n.is_empty() => truncate_chars(n, NAME_LIMIT).to_owned(),
                _ => "propagation-node".to_owned(),
            };
            AnnounceInfo::named(name, hint.unwrap_or(DeviceType::PropagationNode))
        }
        Lxmf::DisplayName(name) => match name.strip_prefix("[styrene]") {
            // the hint never overrides a Styrene display name
            Some(rest) => {
                AnnounceInfo::named(truncate_chars(strip(rest), NAME_LIMIT), DeviceType::StyreneNode)
            }
            None => {
                AnnounceInfo::named(truncate_chars(&name, NAME_LIMIT), hint.unwrap_or(DeviceType::LxmfPeer))
            }
        },
    })
}

/// `data.get("display_name") or data.get("name")`, when that is a non-empty string.
fn json_name(text: &str) -> Option<String> {
    let serde_json::Value::Object(map) = serde_json::from_str(text).ok()? else { return None };
    let truthy = |v: &&serde_json::Value| match v {
        serde_json::Value::Null | serde_json::Value::Bool(false) => false,
        serde_json::Value::Number(n) => n.as_f64() != Some(0.0),
        serde_json::Value::String(s) => !s.is_empty(),
        serde_json::Value::Array(a) => !a.is_empty(),
        serde_json::Value::Object(o) => !o.is_empty(),
        serde_json::Value::Bool(true) => true,
    };
    let chosen = map.get("display_name").filter(truthy).or_else(|| map.get("name"))?;
    match chosen {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// `create_mesh_device(...)` at time `now` (unix seconds, from the host's clock).
pub fn create_mesh_device(
    destination_hash: &str,
    identity_hash: &str,
    app_data: Option<&[u8]>,
    announce_count: i64,
    hint: Option<DeviceType>,
    now: i64,
) -> MeshDevice {
    let info = parse_announce_data(app_data, hint);
    let name = if info.name == "unknown" {
        format!("device-{}", truncate_chars(destination_hash, 8))
    } else {
        info.name
    };
    MeshDevice {
        destination_hash: destination_hash.to_owned(),
        identity_hash: identity_hash.to_owned(),
        name,
        device_type: info.device_type,
        last_announce: now,
        announce_count,
        app_data_raw: app_data.map(<[u8]>::to_vec),
        capabilities: info.capabilities,
        version: info.version,
        lxmf_destination_hash: info.lxmf_destination_hash,
        short_name: info.short_name,
        system_fingerprint: info.system_fingerprint,
        nomadnet_destination_hash: info.nomadnet_destination_hash,
        discovered_via: None,
        hops: None,
        ygg_address: None,
        b32_address: None,
        web_url: None,
    }
}
