//! `styrene:core/messages` on top of `styrene-store`'s message store and
//! conversation service.

use crate::exports::styrene::core::messages::{
    Conversation, ConversationService, Delivery, Draft, Error, ErrorCode, GuestConversationService, Message,
    Retry, SearchOutcome,
};
use std::cell::RefCell;
use styrene_store::StoreError;
use styrene_store::messages as domain;

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        let (code, message) = match e {
            StoreError::NotADatabase(m) => (ErrorCode::NotADatabase, m),
            StoreError::Corrupt(m) => (ErrorCode::Corrupt, m),
            StoreError::ForeignSchema(m) => (ErrorCode::ForeignSchema, m),
            StoreError::Io(m) => (ErrorCode::Io, m),
            StoreError::Sqlite(m) => (ErrorCode::Sqlite, m),
            StoreError::Busy(m) => (ErrorCode::Busy, m),
        };
        Error { code, message }
    }
}

type Stored<T> = Result<T, Error>;

fn message_to_wit(m: domain::Message) -> Message {
    Message {
        id: m.id,
        source_hash: m.source_hash,
        destination_hash: m.destination_hash,
        timestamp: m.timestamp,
        content: m.content,
        title: m.title,
        fields: m.fields,
        protocol_id: m.protocol_id,
        status: m.status,
        delivery_method: m.delivery_method,
        delivery_attempts: m.delivery_attempts,
        lxmf_hash: m.lxmf_hash,
        signature_valid: m.signature_valid,
        transport_encrypted: m.transport_encrypted,
        read_by_recipient: m.read_by_recipient,
        read_by_recipient_at: m.read_by_recipient_at,
        read_receipt_sent: m.read_receipt_sent,
        has_attachment: m.has_attachment,
        attachment_type: m.attachment_type,
        attachment_name: m.attachment_name,
        attachment_size: m.attachment_size,
        attachment_mime: m.attachment_mime,
        attachment_data: m.attachment_data,
        attachment_path: m.attachment_path,
        thread_id: m.thread_id,
        reply_to_hash: m.reply_to_hash,
    }
}

fn messages_to_wit(messages: Vec<domain::Message>) -> Vec<Message> {
    messages.into_iter().map(message_to_wit).collect()
}

fn conversation_to_wit(c: domain::Conversation) -> Conversation {
    Conversation {
        peer_hash: c.peer_hash,
        unread_count: c.unread_count,
        last_message_time: c.last_message_time,
        last_message_preview: c.last_message_preview,
        last_message_outgoing: c.last_message_outgoing,
        message_count: c.message_count,
        attachment_count: c.attachment_count,
    }
}

fn draft_from_wit(d: Draft) -> domain::Draft {
    domain::Draft {
        peer: d.peer,
        content: d.content,
        timestamp: d.timestamp,
        title: d.title,
        fields: d.fields,
        lxmf_hash: d.lxmf_hash,
        delivery_method: d.delivery_method,
        delivery_attempts: d.delivery_attempts,
        signature_valid: d.signature_valid,
        transport_encrypted: d.transport_encrypted,
        thread_id: d.thread_id,
        reply_to_hash: d.reply_to_hash,
        has_attachment: d.has_attachment,
        attachment_type: d.attachment_type,
        attachment_name: d.attachment_name,
        attachment_size: d.attachment_size,
        attachment_mime: d.attachment_mime,
        attachment_path: d.attachment_path,
    }
}

/// Unix seconds from the `wasi:clocks` wall clock (delivery trackers' ages).
fn now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

/// The `conversation-service` resource.
pub struct ServiceResource(pub(crate) RefCell<domain::ConversationService>);

impl ServiceResource {
    fn serve(store: domain::MessageStore, local_hash: &str) -> Stored<ConversationService> {
        let service = domain::ConversationService::new(store, local_hash)?;
        Ok(ConversationService::new(ServiceResource(RefCell::new(service))))
    }
}

impl GuestConversationService for ServiceResource {
    fn open(path: String, local_hash: String) -> Stored<ConversationService> {
        crate::file_locks::install();
        Self::serve(domain::MessageStore::open(std::path::Path::new(&path))?, &local_hash)
    }
    fn open_image(image: Vec<u8>, local_hash: String) -> Stored<ConversationService> {
        Self::serve(domain::MessageStore::open_image(&image)?, &local_hash)
    }
    fn export_image(&self) -> Stored<Vec<u8>> {
        Ok(self.0.borrow().store().export_image()?)
    }
    fn reload_unread_counts(&self) -> Stored<()> {
        Ok(self.0.borrow_mut().load_unread_counts()?)
    }
    fn clear_caches(&self) {
        self.0.borrow_mut().clear_caches();
    }
    fn list_conversations(&self) -> Stored<Vec<Conversation>> {
        Ok(self.0.borrow().list_conversations()?.into_iter().map(conversation_to_wit).collect())
    }
    fn get_conversation(&self, peer: String) -> Stored<Option<Conversation>> {
        Ok(self.0.borrow().get_conversation(&peer)?.map(conversation_to_wit))
    }
    fn get_messages(
        &self,
        peers: Vec<String>,
        limit: i64,
        before: Option<f64>,
        status: Option<String>,
    ) -> Stored<Vec<Message>> {
        Ok(messages_to_wit(self.0.borrow().get_messages(&peers, limit, before, status.as_deref())?))
    }
    fn search_messages(&self, query: String, peer: Option<String>, limit: i64) -> Stored<SearchOutcome> {
        Ok(match self.0.borrow().search_messages(&query, peer.as_deref(), limit)? {
            domain::SearchOutcome::Found(found) => SearchOutcome::Found(messages_to_wit(found)),
            domain::SearchOutcome::InvalidQuery(why) => SearchOutcome::InvalidQuery(why),
        })
    }
    fn save_incoming(&self, draft: Draft) -> Stored<i64> {
        Ok(self.0.borrow_mut().save_incoming(&draft_from_wit(draft))?)
    }
    fn save_outgoing(&self, draft: Draft) -> Stored<i64> {
        Ok(self.0.borrow_mut().save_outgoing(&draft_from_wit(draft), now())?)
    }
    fn update_status(&self, id: i64, status: String) -> Stored<bool> {
        Ok(self.0.borrow().update_status(id, &status)?)
    }
    fn update_destination_hash(&self, id: i64, destination_hash: String) -> Stored<bool> {
        Ok(self.0.borrow().update_destination_hash(id, &destination_hash)?)
    }
    fn update_attachment_path(&self, id: i64, path: String) -> Stored<bool> {
        Ok(self.0.borrow().update_attachment_path(id, &path)?)
    }
    fn register_delivery(&self, id: i64, lxmf_hash: Vec<u8>) {
        self.0.borrow_mut().register_delivery(id, &lxmf_hash, now());
    }
    fn settle_delivery(&self, lxmf_hash: Vec<u8>, outcome: Delivery) -> Stored<Option<i64>> {
        let status = match outcome {
            Delivery::Delivered => "delivered",
            Delivery::Failed => "failed",
        };
        Ok(self.0.borrow_mut().settle_delivery(&lxmf_hash, status)?)
    }
    fn cleanup_stale_deliveries(&self, max_age: f64) -> Vec<i64> {
        self.0.borrow_mut().cleanup_stale_deliveries(max_age, now())
    }
    fn failed_messages(&self, peer: Option<String>) -> Stored<Vec<Message>> {
        Ok(messages_to_wit(self.0.borrow().failed_messages(peer.as_deref())?))
    }
    fn prepare_retry(&self, id: i64) -> Stored<Option<Retry>> {
        Ok(self.0.borrow().prepare_retry(id)?.map(|r| Retry {
            destination_hash: r.destination_hash,
            content: r.content,
            fields: r.fields,
        }))
    }
    fn purge_failed(&self, peer: Option<String>) -> Stored<u64> {
        Ok(self.0.borrow().purge_failed(peer.as_deref())?)
    }
    fn mark_read(&self, peers: Vec<String>) -> Stored<u64> {
        Ok(self.0.borrow_mut().mark_read(&peers)?)
    }
    fn unread_count(&self, peer: String) -> u64 {
        self.0.borrow().unread_count(&peer)
    }
    fn total_unread(&self) -> u64 {
        self.0.borrow().total_unread()
    }
    fn delete_conversation(&self, peers: Vec<String>) -> Stored<u64> {
        Ok(self.0.borrow_mut().delete_conversation(&peers)?)
    }
    fn delete_message(&self, id: i64) -> Stored<Option<Option<String>>> {
        Ok(self.0.borrow_mut().delete_message(id)?)
    }
    fn mark_read_by_recipient(&self, lxmf_hash: String, read_at: f64) -> Stored<bool> {
        Ok(self.0.borrow().mark_read_by_recipient(&lxmf_hash, read_at)?)
    }
    fn unread_hashes_for_receipt(&self, peer: String) -> Stored<Vec<String>> {
        Ok(self.0.borrow().unread_hashes_for_receipt(&peer)?)
    }
    fn mark_receipts_sent(&self, lxmf_hashes: Vec<String>) -> Stored<u64> {
        Ok(self.0.borrow().mark_receipts_sent(&lxmf_hashes)?)
    }
    fn integrity_ok(&self) -> Stored<bool> {
        Ok(self.0.borrow().store().integrity_ok()?)
    }
}

impl crate::exports::styrene::core::messages::Guest for crate::Component {
    type ConversationService = ServiceResource;
}
