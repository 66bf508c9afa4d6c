//! `styrene:core/shortcuts`: the Python host's shortcuts, on top of the same
//! domain crates as `info`, `wire` and `nodes`.

use crate::Component;
use crate::exports::styrene::core::nodes::StoreError;
use crate::exports::styrene::core::shortcuts::{Guest, Header, NodeQuery, NodeStoreBorrow};
use crate::exports::styrene::core::wire::WireError;
use crate::nodes::{self, StoreResource, Stored};
use styrene_store as store;
use styrene_wire as wire;
use styrene_wire::marshal;

impl Guest for Component {
    fn noop() {}

    fn echo(data: Vec<u8>) -> Vec<u8> {
        data
    }

    fn decode_header(data: Vec<u8>) -> Result<Header, WireError> {
        let h = wire::decode_header(&data)?;
        Ok(Header {
            version: h.version,
            message_type: h.message_type.value,
            request_id: h.request_id.map(|r| r.to_vec()),
            payload_offset: h.payload_offset as u32,
        })
    }

    fn decode_envelope_marshal(data: Vec<u8>) -> Result<Vec<u8>, WireError> {
        Ok(marshal::decode_envelope_to_marshal(&data)?)
    }

    fn decode_payload_marshal(data: Vec<u8>) -> Result<Option<Vec<u8>>, WireError> {
        Ok(marshal::to_marshal(&wire::decode_payload(&data)?))
    }

    fn encode_payload_marshal(value: Vec<u8>) -> Option<Vec<u8>> {
        let nodes = marshal::from_marshal(&value).ok()?;
        if nodes.iter().any(|n| matches!(n, wire::Node::Bin(_))) {
            return None;
        }
        wire::encode_payload(&nodes).ok()
    }

    fn get_nodes_packed(store: NodeStoreBorrow<'_>, query: NodeQuery) -> Result<String, StoreError> {
        let query = match query {
            NodeQuery::All => store::NodeQuery::All,
            NodeQuery::Styrene => store::NodeQuery::Styrene,
            NodeQuery::ShortName(name) => store::NodeQuery::ShortName(name),
            NodeQuery::ShortNamePrefix(prefix) => store::NodeQuery::ShortNamePrefix(prefix),
        };
        let rows: Stored<_> = Ok(store.get::<StoreResource>().0.nodes(&query)?);
        Ok(pack_devices(&rows?))
    }
}

/// Devices as `get-nodes-packed` describes them: JSON arrays of the record's fields.
fn pack_devices(devices: &[styrene_nodes::MeshDevice]) -> String {
    use std::io::Write;
    fn text(out: &mut Vec<u8>, value: &str) {
        // serde_json escapes exactly what JSON needs; a Vec never fails a write
        let _ = serde_json::to_writer(&mut *out, value);
    }
    fn optional(out: &mut Vec<u8>, value: Option<&str>) {
        match value {
            Some(v) => text(out, v),
            None => out.extend_from_slice(b"null"),
        }
    }
    fn number(out: &mut Vec<u8>, value: Option<i64>) {
        match value {
            Some(v) => {
                let _ = write!(out, "{v}");
            }
            None => out.extend_from_slice(b"null"),
        }
    }
    let mut out = Vec::with_capacity(devices.len() * 320 + 2);
    out.push(b'[');
    for (i, d) in devices.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'[');
        text(&mut out, &d.destination_hash);
        out.push(b',');
        text(&mut out, &d.identity_hash);
        out.push(b',');
        text(&mut out, &d.name);
        out.push(b',');
        number(&mut out, Some(nodes::from_domain(d.device_type) as i64));
        out.push(b',');
        number(&mut out, Some(d.last_announce));
        out.push(b',');
        number(&mut out, Some(d.announce_count));
        out.extend_from_slice(b",null,"); // app-data-raw is never stored
        match &d.capabilities {
            Some(caps) => {
                out.push(b'[');
                for (j, cap) in caps.iter().enumerate() {
                    if j > 0 {
                        out.push(b',');
                    }
                    text(&mut out, cap);
                }
                out.push(b']');
            }
            None => out.extend_from_slice(b"null"),
        }
        for field in [&d.version, &d.lxmf_destination_hash, &d.short_name, &d.system_fingerprint] {
            out.push(b',');
            optional(&mut out, field.as_deref());
        }
        out.push(b',');
        optional(&mut out, d.nomadnet_destination_hash.as_deref());
        out.push(b',');
        optional(&mut out, d.discovered_via.as_deref());
        out.push(b',');
        number(&mut out, d.hops);
        for field in [&d.ygg_address, &d.b32_address, &d.web_url] {
            out.push(b',');
            optional(&mut out, field.as_deref());
        }
        out.push(b']');
    }
    out.push(b']');
    // only whole UTF-8 strings and ASCII went in
    String::from_utf8(out).unwrap_or_default()
}
