//! `styrene:core/shortcuts`: the Python host's shortcuts, on top of the same
//! domain crates as `info`, `wire` and `nodes`.

use crate::Component;
use crate::attachments::StoreResource as AttachmentResource;
use crate::exports::styrene::core::attachments::{Error as AttachmentError, ErrorCode as AttachmentCode};
use crate::exports::styrene::core::messages::Error as MessagesError;
use crate::exports::styrene::core::nodes::Error as StoreError;
use crate::exports::styrene::core::shortcuts::{
    AttachmentStoreBorrow, ConversationServiceBorrow, Guest, Header, NodeQuery, NodeStoreBorrow, PackedSearch,
};
use crate::exports::styrene::core::wire::Error as WireError;
use crate::messages::ServiceResource;
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

    fn get_messages_packed(
        service: ConversationServiceBorrow<'_>,
        peers: Vec<String>,
        limit: i64,
        before: Option<f64>,
        status: Option<String>,
    ) -> Result<String, MessagesError> {
        let service = service.get::<ServiceResource>().0.borrow();
        Ok(pack_messages(&service.get_messages(&peers, limit, before, status.as_deref())?))
    }

    fn search_messages_packed(
        service: ConversationServiceBorrow<'_>,
        query: String,
        peer: Option<String>,
        limit: i64,
    ) -> Result<PackedSearch, MessagesError> {
        let service = service.get::<ServiceResource>().0.borrow();
        Ok(match service.search_messages(&query, peer.as_deref(), limit)? {
            store::messages::SearchOutcome::Found(found) => PackedSearch::Found(pack_messages(&found)),
            store::messages::SearchOutcome::InvalidQuery(why) => PackedSearch::InvalidQuery(why),
        })
    }

    fn save_attachment_latin1(
        store: AttachmentStoreBorrow<'_>,
        peer_hash: String,
        message_id: i64,
        filename: String,
        data: String,
    ) -> Result<String, AttachmentError> {
        let bytes: Result<Vec<u8>, _> = data.chars().map(u8::try_from).collect();
        let bytes = bytes.map_err(|_| AttachmentError {
            code: AttachmentCode::Io,
            message: "attachment data is not latin-1 text (a character above U+00FF)".to_owned(),
        })?;
        let saved = store.get::<AttachmentResource>().0.save(&peer_hash, message_id, &filename, &bytes)?;
        Ok(saved.to_string_lossy().into_owned())
    }

    fn load_attachment_latin1(
        store: AttachmentStoreBorrow<'_>,
        path: String,
    ) -> Result<String, AttachmentError> {
        let bytes = store.get::<AttachmentResource>().0.load(std::path::Path::new(&path))?;
        Ok(bytes.into_iter().map(char::from).collect())
    }
}

/// Devices as `get-nodes-packed` describes them: JSON arrays of the record's
/// fields, in the record's order.
fn pack_devices(devices: &[styrene_nodes::MeshDevice]) -> String {
    let rows = devices.iter().map(|d| {
        serde_json::json!([
            d.destination_hash,
            d.identity_hash,
            d.name,
            nodes::from_domain(d.device_type) as u8,
            d.last_announce,
            d.announce_count,
            null, // app-data-raw is never stored
            d.capabilities,
            d.version,
            d.lxmf_destination_hash,
            d.short_name,
            d.system_fingerprint,
            d.nomadnet_destination_hash,
            d.discovered_via,
            d.hops,
            d.ygg_address,
            d.b32_address,
            d.web_url,
        ])
    });
    serde_json::Value::Array(rows.collect()).to_string()
}

/// Messages as `get-messages-packed` describes them: JSON arrays of the
/// `message` record's fields, in the record's order.
fn pack_messages(messages: &[store::messages::Message]) -> String {
    let rows = messages.iter().map(|m| {
        serde_json::json!([
            m.id,
            m.source_hash,
            m.destination_hash,
            m.timestamp,
            m.content,
            m.title,
            m.fields,
            m.protocol_id,
            m.status,
            m.delivery_method,
            m.delivery_attempts,
            m.lxmf_hash,
            m.signature_valid,
            m.transport_encrypted,
            m.read_by_recipient,
            m.read_by_recipient_at,
            m.read_receipt_sent,
            m.has_attachment,
            m.attachment_type,
            m.attachment_name,
            m.attachment_size,
            m.attachment_mime,
            m.attachment_data,
            m.attachment_path,
            m.thread_id,
            m.reply_to_hash,
        ])
    });
    serde_json::Value::Array(rows.collect()).to_string()
}
