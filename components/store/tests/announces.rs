//! `record_announce`: what styrened's announce handler stores for a heard announce.

use styrene_nodes::DeviceType;
use styrene_store::{HeardAnnounce, NodeStore};

fn heard(destination: &str, identity: &str, app_data: &[u8], hint: Option<DeviceType>) -> HeardAnnounce {
    HeardAnnounce {
        destination_hash: destination.to_owned(),
        identity_hash: identity.to_owned(),
        app_data: Some(app_data.to_vec()),
        aspect_hint: hint,
        hops: 2,
        discovered_via: Some("serial-link → 0a1b2c3d".to_owned()),
    }
}

#[test]
fn a_styrene_announce_is_stored_with_hops_and_via_and_counted() {
    let store = NodeStore::open_in_memory().unwrap();
    let dest = "aa".repeat(16);
    let ident = "bb".repeat(16);
    let first =
        store.record_announce(&heard(&dest, &ident, b"styrene:gw-1:0.1.0:rpc,chat", None), 1000).unwrap();
    assert_eq!(first.device_type, DeviceType::StyreneNode);
    assert_eq!(first.name, "gw-1");
    assert_eq!(first.hops, Some(2));
    assert_eq!(first.discovered_via.as_deref(), Some("serial-link → 0a1b2c3d"));
    assert_eq!(first.announce_count, 1);
    let second = store.record_announce(&heard(&dest, &ident, b"styrene:gw-1:0.1.1:rpc", None), 2000).unwrap();
    assert_eq!(second.announce_count, 2);
    assert_eq!(second.version.as_deref(), Some("0.1.1"));
    assert_eq!(second.last_announce, 2000);
}

#[test]
fn an_lxmf_peer_of_a_styrene_node_is_upgraded() {
    let store = NodeStore::open_in_memory().unwrap();
    let ident = "cc".repeat(16);
    store
        .record_announce(&heard(&"01".repeat(16), &ident, b"styrene:host:0.18.0:rpc:::fp", None), 10)
        .unwrap();
    let lxmf = store
        .record_announce(
            &heard(&"02".repeat(16), &ident, b"\x92\xc4\x05Alice\xc0", Some(DeviceType::LxmfPeer)),
            11,
        )
        .unwrap();
    assert_eq!(lxmf.device_type, DeviceType::StyreneNode);
    assert_eq!(lxmf.name, "Alice");
    assert_eq!(lxmf.version.as_deref(), Some("0.18.0"));
    assert_eq!(lxmf.capabilities, Some(vec!["rpc".to_owned()]));

    let stranger = store
        .record_announce(
            &heard(&"03".repeat(16), &"dd".repeat(16), b"\x92\xc4\x03Bob\xc0", Some(DeviceType::LxmfPeer)),
            12,
        )
        .unwrap();
    assert_eq!(stranger.device_type, DeviceType::LxmfPeer);
}
