//! `styrene:core/messages`: styrened's conversation service on its
//! `messages.db` (the [`ConversationService`] resource).

use crate::bindings::exports::styrene::core::messages::{Error as WitError, GuestConversationService};
use crate::error::{error_codes, flatten};
use crate::instance::Handle;
use crate::state::State;
use crate::{HostError, Styrene};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

pub use crate::bindings::exports::styrene::core::messages::{
    Conversation, Delivery, Draft, ErrorCode, Message, Retry, SearchOutcome,
};

error_codes!(WitError => ErrorCode {
    NotADatabase => "not-a-database",
    Corrupt => "corrupt",
    ForeignSchema => "foreign-schema",
    Io => "io",
    Sqlite => "sqlite",
    Busy => "busy",
});

/// What a `messages` call can fail with: the database's
/// [`ComponentError`](crate::ComponentError), or the instance's [`HostError`].
pub type Error = crate::Error<ErrorCode>;

type Call<T> = wasmtime::Result<Result<T, WitError>>;

/// A `conversation-service`: styrened's conversations on a `messages.db`,
/// seen from the node whose LXMF hash is `local_hash`. Dropping it closes the
/// database before the instance's next call.
#[derive(Debug)]
pub struct ConversationService(Handle);

impl ConversationService {
    fn make(
        styrene: &mut Styrene<'_>,
        f: impl FnOnce(&GuestConversationService<'_>, &mut Store<State>) -> Call<ResourceAny>,
    ) -> Result<Self, Error> {
        let service = flatten(styrene.call(|b, s| f(&b.styrene_core_messages().conversation_service(), s)))?;
        Ok(Self(styrene.adopt(service, "conversation-service")))
    }

    fn plain<T>(
        &self,
        styrene: &mut Styrene<'_>,
        f: impl FnOnce(&GuestConversationService<'_>, &mut Store<State>, ResourceAny) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        styrene.call_on(&self.0, |b, s, r| f(&b.styrene_core_messages().conversation_service(), s, r))
    }

    fn call<T>(
        &self,
        styrene: &mut Styrene<'_>,
        f: impl FnOnce(&GuestConversationService<'_>, &mut Store<State>, ResourceAny) -> Call<T>,
    ) -> Result<T, Error> {
        flatten(self.plain(styrene, f))
    }

    /// `open`: opens (or creates) the database at `path` inside the
    /// instance's directory, as styrened's `init_db` does.
    pub fn open(styrene: &mut Styrene<'_>, path: &str, local_hash: &str) -> Result<Self, Error> {
        Self::make(styrene, |c, s| c.call_open(s, path, local_hash))
    }

    /// `open-image`: a database in memory that starts as a copy of a `messages.db` file's bytes.
    pub fn open_image(styrene: &mut Styrene<'_>, image: &[u8], local_hash: &str) -> Result<Self, Error> {
        Self::make(styrene, |c, s| c.call_open_image(s, image, local_hash))
    }

    /// Closes the database now, reporting a failure.
    pub fn release(self, styrene: &mut Styrene<'_>) -> Result<(), HostError> {
        self.0.release(styrene)
    }

    /// `export-image`: the database as the bytes of a `messages.db` file.
    pub fn export_image(&self, styrene: &mut Styrene<'_>) -> Result<Vec<u8>, Error> {
        self.call(styrene, |c, s, r| c.call_export_image(s, r))
    }

    /// `reload-unread-counts`.
    pub fn reload_unread_counts(&self, styrene: &mut Styrene<'_>) -> Result<(), Error> {
        self.call(styrene, |c, s, r| c.call_reload_unread_counts(s, r))
    }

    /// `clear-caches`.
    pub fn clear_caches(&self, styrene: &mut Styrene<'_>) -> Result<(), HostError> {
        self.plain(styrene, |c, s, r| c.call_clear_caches(s, r))
    }

    /// `list-conversations`.
    pub fn list_conversations(&self, styrene: &mut Styrene<'_>) -> Result<Vec<Conversation>, Error> {
        self.call(styrene, |c, s, r| c.call_list_conversations(s, r))
    }

    /// `get-conversation`.
    pub fn get_conversation(
        &self,
        styrene: &mut Styrene<'_>,
        peer: &str,
    ) -> Result<Option<Conversation>, Error> {
        self.call(styrene, |c, s, r| c.call_get_conversation(s, r, peer))
    }

    /// `get-messages`.
    pub fn get_messages(
        &self,
        styrene: &mut Styrene<'_>,
        peers: &[String],
        limit: i64,
        before: Option<f64>,
        status: Option<&str>,
    ) -> Result<Vec<Message>, Error> {
        self.call(styrene, |c, s, r| c.call_get_messages(s, r, peers, limit, before, status))
    }

    /// `search-messages`.
    pub fn search_messages(
        &self,
        styrene: &mut Styrene<'_>,
        query: &str,
        peer: Option<&str>,
        limit: i64,
    ) -> Result<SearchOutcome, Error> {
        self.call(styrene, |c, s, r| c.call_search_messages(s, r, query, peer, limit))
    }

    /// `save-incoming`: the new message's id.
    pub fn save_incoming(&self, styrene: &mut Styrene<'_>, draft: &Draft) -> Result<i64, Error> {
        self.call(styrene, |c, s, r| c.call_save_incoming(s, r, draft))
    }

    /// `save-outgoing`: the new message's id.
    pub fn save_outgoing(&self, styrene: &mut Styrene<'_>, draft: &Draft) -> Result<i64, Error> {
        self.call(styrene, |c, s, r| c.call_save_outgoing(s, r, draft))
    }

    /// `update-status`.
    pub fn update_status(&self, styrene: &mut Styrene<'_>, id: i64, status: &str) -> Result<bool, Error> {
        self.call(styrene, |c, s, r| c.call_update_status(s, r, id, status))
    }

    /// `update-destination-hash`.
    pub fn update_destination_hash(
        &self,
        styrene: &mut Styrene<'_>,
        id: i64,
        destination_hash: &str,
    ) -> Result<bool, Error> {
        self.call(styrene, |c, s, r| c.call_update_destination_hash(s, r, id, destination_hash))
    }

    /// `update-attachment-path`.
    pub fn update_attachment_path(
        &self,
        styrene: &mut Styrene<'_>,
        id: i64,
        path: &str,
    ) -> Result<bool, Error> {
        self.call(styrene, |c, s, r| c.call_update_attachment_path(s, r, id, path))
    }

    /// `register-delivery`.
    pub fn register_delivery(
        &self,
        styrene: &mut Styrene<'_>,
        id: i64,
        lxmf_hash: &[u8],
    ) -> Result<(), HostError> {
        self.plain(styrene, |c, s, r| c.call_register_delivery(s, r, id, lxmf_hash))
    }

    /// `settle-delivery`.
    pub fn settle_delivery(
        &self,
        styrene: &mut Styrene<'_>,
        lxmf_hash: &[u8],
        outcome: Delivery,
    ) -> Result<Option<i64>, Error> {
        self.call(styrene, |c, s, r| c.call_settle_delivery(s, r, lxmf_hash, outcome))
    }

    /// `cleanup-stale-deliveries`.
    pub fn cleanup_stale_deliveries(
        &self,
        styrene: &mut Styrene<'_>,
        max_age: f64,
    ) -> Result<Vec<i64>, HostError> {
        self.plain(styrene, |c, s, r| c.call_cleanup_stale_deliveries(s, r, max_age))
    }

    /// `failed-messages`.
    pub fn failed_messages(
        &self,
        styrene: &mut Styrene<'_>,
        peer: Option<&str>,
    ) -> Result<Vec<Message>, Error> {
        self.call(styrene, |c, s, r| c.call_failed_messages(s, r, peer))
    }

    /// `prepare-retry`.
    pub fn prepare_retry(&self, styrene: &mut Styrene<'_>, id: i64) -> Result<Option<Retry>, Error> {
        self.call(styrene, |c, s, r| c.call_prepare_retry(s, r, id))
    }

    /// `purge-failed`.
    pub fn purge_failed(&self, styrene: &mut Styrene<'_>, peer: Option<&str>) -> Result<u64, Error> {
        self.call(styrene, |c, s, r| c.call_purge_failed(s, r, peer))
    }

    /// `mark-read`.
    pub fn mark_read(&self, styrene: &mut Styrene<'_>, peers: &[String]) -> Result<u64, Error> {
        self.call(styrene, |c, s, r| c.call_mark_read(s, r, peers))
    }

    /// `unread-count`.
    pub fn unread_count(&self, styrene: &mut Styrene<'_>, peer: &str) -> Result<u64, HostError> {
        self.plain(styrene, |c, s, r| c.call_unread_count(s, r, peer))
    }

    /// `total-unread`.
    pub fn total_unread(&self, styrene: &mut Styrene<'_>) -> Result<u64, HostError> {
        self.plain(styrene, |c, s, r| c.call_total_unread(s, r))
    }

    /// `delete-conversation`.
    pub fn delete_conversation(&self, styrene: &mut Styrene<'_>, peers: &[String]) -> Result<u64, Error> {
        self.call(styrene, |c, s, r| c.call_delete_conversation(s, r, peers))
    }

    /// `delete-message`.
    pub fn delete_message(
        &self,
        styrene: &mut Styrene<'_>,
        id: i64,
    ) -> Result<Option<Option<String>>, Error> {
        self.call(styrene, |c, s, r| c.call_delete_message(s, r, id))
    }

    /// `mark-read-by-recipient`.
    pub fn mark_read_by_recipient(
        &self,
        styrene: &mut Styrene<'_>,
        lxmf_hash: &str,
        read_at: f64,
    ) -> Result<bool, Error> {
        self.call(styrene, |c, s, r| c.call_mark_read_by_recipient(s, r, lxmf_hash, read_at))
    }

    /// `unread-hashes-for-receipt`.
    pub fn unread_hashes_for_receipt(
        &self,
        styrene: &mut Styrene<'_>,
        peer: &str,
    ) -> Result<Vec<String>, Error> {
        self.call(styrene, |c, s, r| c.call_unread_hashes_for_receipt(s, r, peer))
    }

    /// `mark-receipts-sent`.
    pub fn mark_receipts_sent(
        &self,
        styrene: &mut Styrene<'_>,
        lxmf_hashes: &[String],
    ) -> Result<u64, Error> {
        self.call(styrene, |c, s, r| c.call_mark_receipts_sent(s, r, lxmf_hashes))
    }

    /// `integrity-ok`: `PRAGMA integrity_check` says ok.
    pub fn integrity_ok(&self, styrene: &mut Styrene<'_>) -> Result<bool, Error> {
        self.call(styrene, |c, s, r| c.call_integrity_ok(s, r))
    }
}
