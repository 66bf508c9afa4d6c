//! The announce parser against vectors generated from styrened 0.18.0.

use serde_json::Value;
use styrene_nodes::{
    DeviceType, create_mesh_device, parse_announce_data, sanitize_fingerprint, try_lxmf_parse,
};
use styrene_vectors::{hex, nodes_section};

fn hint(case: &Value) -> Option<DeviceType> {
    case["hint"].as_str().map(|name| *DeviceType::ALL.iter().find(|t| t.name() == name).unwrap())
}

fn opt(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

#[test]
fn device_types_match() {
    for (t, want) in DeviceType::ALL.iter().zip(nodes_section("device_types")) {
        assert_eq!(t.name(), want["name"]);
        assert_eq!(t.value(), want["value"]);
        assert_eq!(DeviceType::from_value(t.value()), Some(*t));
    }
    assert_eq!(DeviceType::from_value("styrene_node"), None);
}

#[test]
fn parse_announce_data_matches_styrened() {
    let mut failures = Vec::new();
    for case in nodes_section("parse") {
        let data = case["app_data"].as_str().map(hex);
        let got = parse_announce_data(data.as_deref(), hint(case));
        let want = &case["result"];
        let caps =
            want[2].as_array().map(|a| a.iter().map(|c| c.as_str().unwrap().to_owned()).collect::<Vec<_>>());
        let expected = (
            want[0].as_str().unwrap().to_owned(),
            want[1].as_str().unwrap(),
            caps,
            opt(&want[3]),
            opt(&want[4]),
            opt(&want[5]),
            opt(&want[6]),
            opt(&want[7]),
        );
        let actual = (
            got.name,
            got.device_type.name(),
            got.capabilities,
            got.version,
            got.lxmf_destination_hash,
            got.short_name,
            got.system_fingerprint,
            got.nomadnet_destination_hash,
        );
        if actual != expected {
            failures
                .push(format!("{} (hint {}): got {actual:?}, want {expected:?}", case["name"], case["hint"]));
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn create_mesh_device_names() {
    for case in nodes_section("create") {
        let data = case["app_data"].as_str().map(hex);
        let device =
            create_mesh_device(&"ab".repeat(16), &"cd".repeat(16), data.as_deref(), 1, None, 1_700_000_000);
        assert_eq!(device.name, case["device_name"].as_str().unwrap(), "{}", case["name"]);
        assert_eq!(device.device_type.name(), case["device_type"]);
        assert_eq!(device.last_announce, 1_700_000_000);
        assert_eq!(device.app_data_raw, data);
    }
}

#[test]
fn try_lxmf_parse_matches_styrened() {
    for case in nodes_section("try_lxmf") {
        let got = try_lxmf_parse(&hex(case["app_data"].as_str().unwrap()), hint(case));
        let want =
            case["result"].as_array().map(|r| (r[0].as_str().unwrap().to_owned(), r[1].as_str().unwrap()));
        assert_eq!(
            got.map(|i| (i.name, i.device_type.name())),
            want,
            "{} hint {}",
            case["name"],
            case["hint"]
        );
    }
}

#[test]
fn fingerprints_match_styrened() {
    for case in nodes_section("fingerprints") {
        assert_eq!(sanitize_fingerprint(case["raw"].as_str()), opt(&case["result"]), "{}", case["raw"]);
    }
}
