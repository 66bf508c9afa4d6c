//! What styrened's announce handler (`services.reticulum`) makes of an
//! announced destination's name and of where the announce came from.

use crate::DeviceType;

/// The destination names styrened recognises (`KNOWN_ASPECTS`), with the
/// device type it then gives `parse_announce_data` as the aspect hint.
pub const KNOWN_ASPECTS: [(&str, DeviceType); 3] = [
    ("lxmf.delivery", DeviceType::LxmfPeer),
    ("lxmf.propagation", DeviceType::PropagationNode),
    ("nomadnetwork.node", DeviceType::NomadnetNode),
];

/// The aspect hint for a destination, given a test of whether it has a name.
pub fn aspect_hint(is_named: impl Fn(&str) -> bool) -> Option<DeviceType> {
    KNOWN_ASPECTS.iter().find(|(name, _)| is_named(name)).map(|&(_, kind)| kind)
}

/// styrened's `discovered_via`: the interface the announce came in on and the
/// next hop (hex), or only the next hop when the interface has no name.
pub fn discovered_via(interface: &str, next_hop_hex: &str) -> String {
    if interface.is_empty() { next_hop_hex.to_owned() } else { format!("{interface} → {next_hop_hex}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_and_labels() {
        assert_eq!(aspect_hint(|n| n == "lxmf.propagation"), Some(DeviceType::PropagationNode));
        assert_eq!(aspect_hint(|_| false), None);
        assert_eq!(discovered_via("rns", "0a1b2c3d"), "rns → 0a1b2c3d");
        assert_eq!(discovered_via("", "0a1b2c3d"), "0a1b2c3d");
    }
}
