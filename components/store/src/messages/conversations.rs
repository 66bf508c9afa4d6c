//! The repository's `ConversationService` (spec §5.2) on a `MessageStore`:
//! the same SQL, the same in-memory unread counts and delivery trackers.
//! Display names (from styrened's contact service or node store) are the
//! host's business: conversations are returned without them.

use super::{MESSAGE_COLUMNS, Message, MessageStore, row_to_message};
use crate::database::StoreError;
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params, params_from_iter};
use std::collections::HashMap;

/// Chat rows are the conversation service's; other protocols share the table.
const CHAT: &str = "chat";

/// One conversation, as `ConversationInfo` without the display name.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    pub peer_hash: String,
    pub unread_count: u64,
    pub last_message_time: Option<f64>,
    /// The last message's content, its first 100 characters.
    pub last_message_preview: Option<String>,
    pub last_message_outgoing: Option<bool>,
    pub message_count: u64,
    pub attachment_count: u64,
}

/// A message to save: the peer is the sender of an incoming message and the
/// recipient of an outgoing one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draft {
    pub peer: String,
    pub content: String,
    pub timestamp: f64,
    pub title: Option<String>,
    /// Compact JSON text of the LXMF fields; `None` stores `{}`.
    pub fields: Option<String>,
    pub lxmf_hash: Option<Vec<u8>>,
    pub delivery_method: Option<String>,
    /// Outgoing only.
    pub delivery_attempts: i64,
    /// Incoming only.
    pub signature_valid: Option<bool>,
    /// Incoming only.
    pub transport_encrypted: Option<bool>,
    pub thread_id: Option<String>,
    pub reply_to_hash: Option<String>,
    pub has_attachment: bool,
    pub attachment_type: Option<String>,
    pub attachment_name: Option<String>,
    pub attachment_size: Option<i64>,
    pub attachment_mime: Option<String>,
    pub attachment_path: Option<String>,
}

/// What `prepare_retry` hands back for sending again.
#[derive(Debug, Clone, PartialEq)]
pub struct Retry {
    pub destination_hash: String,
    /// `""` for a message without content.
    pub content: String,
    /// The stored fields JSON text.
    pub fields: String,
}

/// How a search ended.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchOutcome {
    /// Matching chat messages, newest first.
    Found(Vec<Message>),
    /// The query is not valid FTS5 (styrened logs a WARNING and returns nothing);
    /// SQLite's words.
    InvalidQuery(String),
}

/// The parts of SQLite's error text that make styrened treat a search error
/// as a bad query rather than a failure.
const QUERY_ERRORS: [&str; 6] =
    ["fts5", "syntax error", "parse error", "unexpected token", "no such column", "malformed match"];

/// The conversation service of one local LXMF destination.
pub struct ConversationService {
    store: MessageStore,
    /// Our LXMF delivery destination hash, hex (styrened calls it the local identity hash).
    local: String,
    /// Unread messages per peer, loaded at start and kept in step with saves.
    unread: HashMap<String, u64>,
    /// In-flight outgoing messages by LXMF hash: (message id, when registered).
    deliveries: HashMap<Vec<u8>, (i64, f64)>,
}

impl ConversationService {
    /// The service for `local` on `store`, with the unread counts loaded.
    pub fn new(store: MessageStore, local: &str) -> Result<Self, StoreError> {
        let mut service =
            Self { store, local: local.to_owned(), unread: HashMap::new(), deliveries: HashMap::new() };
        service.load_unread_counts()?;
        Ok(service)
    }

    /// The store underneath (images, integrity).
    pub fn store(&self) -> &MessageStore {
        &self.store
    }

    /// Our LXMF destination hash.
    pub fn local_hash(&self) -> &str {
        &self.local
    }

    /// `initialize()`: the unread counts, read again from the database.
    pub fn load_unread_counts(&mut self) -> Result<(), StoreError> {
        let mut stmt = self.store.conn.prepare_cached(
            "SELECT source_hash, count(id) FROM messages WHERE protocol_id = ?1 AND status = 'received' \
             AND destination_hash = ?2 GROUP BY source_hash",
        )?;
        let rows =
            stmt.query_map(params![CHAT, self.local], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        self.unread = rows.map(|r| r.map(|(peer, n)| (peer, n as u64))).collect::<Result<_, _>>()?;
        Ok(())
    }

    /// `shutdown()`: forgets the unread counts and the delivery trackers.
    pub fn clear_caches(&mut self) {
        self.unread.clear();
        self.deliveries.clear();
    }

    /// `list_conversations()`: newest conversation first.
    pub fn list_conversations(&self) -> Result<Vec<Conversation>, StoreError> {
        let conn = &self.store.conn;
        let mut aggregates = conn.prepare_cached(
            "SELECT CASE WHEN source_hash = ?1 THEN destination_hash ELSE source_hash END AS peer_hash, \
             count(*) AS message_count, max(timestamp) AS last_message_time, \
             sum(CASE WHEN has_attachment = 1 THEN 1 ELSE 0 END) AS attachment_count \
             FROM messages WHERE protocol_id = ?2 AND (source_hash = ?1 OR destination_hash = ?1) \
             GROUP BY peer_hash ORDER BY last_message_time DESC",
        )?;
        let rows = aggregates.query_map(params![self.local, CHAT], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<f64>>(2)?,
                r.get::<_, Option<i64>>(3)?,
            ))
        })?;
        let rows: Vec<_> = rows.collect::<Result<_, _>>()?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        // The last message of each conversation: styrened numbers every chat
        // message per peer by time (a window over the whole table); the row
        // it keeps is the one with the conversation's latest time and, among
        // equal times, the lowest id, which the timestamp index finds directly.
        let mut last = conn.prepare_cached(
            "SELECT content, source_hash FROM messages WHERE timestamp = ?1 AND protocol_id = 'chat' \
             AND ((source_hash = ?2 AND destination_hash = ?3) OR (source_hash = ?3 AND destination_hash = ?2)) \
             ORDER BY id LIMIT 1",
        )?;
        let mut conversations = Vec::with_capacity(rows.len());
        for (peer, count, last_time, attachments) in rows {
            let found = match last_time {
                Some(time) => last
                    .query_row(params![time, self.local, peer], |r| {
                        Ok((r.get::<_, Option<String>>(0)?, r.get::<_, String>(1)?))
                    })
                    .optional()?,
                None => None,
            };
            let (preview, outgoing) = match found {
                Some((content, source)) => (preview(content.as_deref()), Some(source == self.local)),
                None => (None, None),
            };
            conversations.push(Conversation {
                unread_count: self.unread_count(&peer),
                last_message_time: last_time,
                last_message_preview: preview,
                last_message_outgoing: outgoing,
                message_count: count as u64,
                attachment_count: attachments.unwrap_or(0) as u64,
                peer_hash: peer,
            });
        }
        Ok(conversations)
    }

    /// `get_conversation(peer)`: `None` when there is no chat message with the peer.
    pub fn get_conversation(&self, peer: &str) -> Result<Option<Conversation>, StoreError> {
        let conn = &self.store.conn;
        let (ids, args) = self.conversation_ids(&[peer.to_owned()]);
        let (count, last_time, attachments) = conn
            .prepare_cached(&format!(
                "SELECT count(id), max(timestamp), sum(CASE WHEN has_attachment = 1 THEN 1 ELSE 0 END) \
                 FROM messages WHERE id IN ({ids})"
            ))?
            .query_row(params_from_iter(args.iter()), |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Option<f64>>(1)?, r.get::<_, Option<i64>>(2)?))
            })?;
        if count == 0 {
            return Ok(None);
        }
        let last = conn
            .prepare_cached(&format!(
                "SELECT content, source_hash FROM messages WHERE id IN ({ids}) ORDER BY timestamp DESC, id LIMIT 1"
            ))?
            .query_row(params_from_iter(args.iter()), |r| {
                Ok((r.get::<_, Option<String>>(0)?, r.get::<_, String>(1)?))
            })
            .optional()?;
        let (preview, outgoing) = match last {
            Some((content, source)) => (preview(content.as_deref()), Some(source == self.local)),
            None => (None, None),
        };
        Ok(Some(Conversation {
            peer_hash: peer.to_owned(),
            unread_count: self.unread_count(peer),
            last_message_time: last_time,
            last_message_preview: preview,
            last_message_outgoing: outgoing,
            message_count: count as u64,
            attachment_count: attachments.unwrap_or(0) as u64,
        }))
    }

    /// `get_messages(peer, limit, before_timestamp, status_filter,
    /// additional_peer_hashes)`: the newest `limit` messages with any of
    /// `peers` (the peer's hashes), returned oldest first. A `before` that is
    /// not a finite number ≥ 0 is ignored, as styrened ignores it.
    pub fn get_messages(
        &self,
        peers: &[String],
        limit: i64,
        before: Option<f64>,
        status: Option<&str>,
    ) -> Result<Vec<Message>, StoreError> {
        let (ids, mut args) = self.conversation_ids(peers);
        let mut sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id IN ({ids})");
        if let Some(before) = before.filter(|b| b.is_finite() && *b >= 0.0) {
            sql.push_str(" AND timestamp < ?");
            args.push(before.into());
        }
        if let Some(status) = status {
            sql.push_str(" AND status = ?");
            args.push(status.to_owned().into());
        }
        // ties in timestamp come in id order, as styrened's scan and sort leave them
        sql.push_str(" ORDER BY timestamp DESC, id LIMIT ?");
        args.push(limit.into());
        let mut messages = self.query_messages(&sql, args)?;
        messages.reverse();
        Ok(messages)
    }

    /// `search_messages(query, peer_hash, limit)`: FTS5 over content and
    /// title, chat messages only, newest first.
    pub fn search_messages(
        &self,
        query: &str,
        peer: Option<&str>,
        limit: i64,
    ) -> Result<SearchOutcome, StoreError> {
        let mut sql = String::from(
            "SELECT m.id FROM messages m JOIN messages_fts fts ON m.id = fts.rowid \
             WHERE messages_fts MATCH ? AND m.protocol_id = 'chat'",
        );
        let mut args: Vec<Value> = vec![query.to_owned().into()];
        if let Some(peer) = peer.filter(|p| !p.is_empty()) {
            sql.push_str(" AND (m.source_hash = ? OR m.destination_hash = ?)");
            args.extend([peer.to_owned().into(), peer.to_owned().into()]);
        }
        sql.push_str(" ORDER BY m.timestamp DESC LIMIT ?");
        args.push(limit.into());
        let ids = self.store.conn.prepare_cached(&sql).and_then(|mut stmt| {
            stmt.query_map(params_from_iter(args), |r| r.get::<_, i64>(0))?.collect::<Result<Vec<_>, _>>()
        });
        let ids = match ids {
            Ok(ids) => ids,
            Err(e) => {
                let text = e.to_string();
                let lower = text.to_lowercase();
                if QUERY_ERRORS.iter().any(|pattern| lower.contains(pattern)) {
                    return Ok(SearchOutcome::InvalidQuery(text));
                }
                return Err(e.into());
            }
        };
        if ids.is_empty() {
            return Ok(SearchOutcome::Found(Vec::new()));
        }
        let placeholders = vec!["?"; ids.len()].join(", ");
        let rows = self.query_messages(
            &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id IN ({placeholders})"),
            ids.iter().map(|&id| Value::Integer(id)).collect(),
        )?;
        let mut by_id: HashMap<i64, Message> = rows.into_iter().map(|m| (m.id, m)).collect();
        Ok(SearchOutcome::Found(ids.iter().filter_map(|id| by_id.remove(id)).collect()))
    }

    /// `save_incoming_message(...)`: a received chat message; returns its id.
    pub fn save_incoming(&mut self, draft: &Draft) -> Result<i64, StoreError> {
        let id = self.insert(draft, &draft.peer, &self.local.clone(), "received", 0, true)?;
        *self.unread.entry(draft.peer.clone()).or_default() += 1;
        Ok(id)
    }

    /// `save_outgoing_message(...)`: a pending chat message; returns its id.
    /// With an LXMF hash it is tracked for the delivery callbacks.
    pub fn save_outgoing(&mut self, draft: &Draft, now: f64) -> Result<i64, StoreError> {
        let local = self.local.clone();
        let id = self.insert(draft, &local, &draft.peer, "pending", draft.delivery_attempts, false)?;
        if let Some(hash) = &draft.lxmf_hash {
            self.deliveries.insert(hash.clone(), (id, now));
        }
        Ok(id)
    }

    fn insert(
        &self,
        d: &Draft,
        source: &str,
        destination: &str,
        status: &str,
        attempts: i64,
        incoming: bool,
    ) -> Result<i64, StoreError> {
        let conn = &self.store.conn;
        conn.prepare_cached(
            "INSERT INTO messages (source_hash, destination_hash, timestamp, content, title, fields, protocol_id, \
             status, delivery_method, delivery_attempts, lxmf_hash, signature_valid, transport_encrypted, \
             read_by_recipient, read_by_recipient_at, read_receipt_sent, has_attachment, attachment_type, \
             attachment_name, attachment_size, attachment_mime, attachment_data, attachment_path, thread_id, \
             reply_to_hash) VALUES (?, ?, ?, ?, ?, ?, 'chat', ?, ?, ?, ?, ?, ?, 0, NULL, 0, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
        )?
        .execute(params![
            source,
            destination,
            d.timestamp,
            d.content,
            d.title,
            d.fields.as_deref().unwrap_or("{}"),
            status,
            d.delivery_method,
            attempts,
            d.lxmf_hash.as_deref().map(hex),
            if incoming { d.signature_valid } else { None },
            if incoming { d.transport_encrypted } else { None },
            d.has_attachment,
            d.attachment_type,
            d.attachment_name,
            d.attachment_size,
            d.attachment_mime,
            d.attachment_path,
            d.thread_id,
            d.reply_to_hash,
        ])?;
        Ok(conn.last_insert_rowid())
    }

    /// `update_message_status(id, status)`: whether the message exists.
    pub fn update_status(&self, id: i64, status: &str) -> Result<bool, StoreError> {
        self.update_column(id, "status", status)
    }

    /// `update_destination_hash(id, hash)`.
    pub fn update_destination_hash(&self, id: i64, hash: &str) -> Result<bool, StoreError> {
        self.update_column(id, "destination_hash", hash)
    }

    /// `update_attachment_path(id, path)`.
    pub fn update_attachment_path(&self, id: i64, path: &str) -> Result<bool, StoreError> {
        self.update_column(id, "attachment_path", path)
    }

    fn update_column(&self, id: i64, column: &str, value: &str) -> Result<bool, StoreError> {
        let sql = format!("UPDATE messages SET {column} = ? WHERE id = ?");
        Ok(self.store.conn.prepare_cached(&sql)?.execute(params![value, id])? > 0)
    }

    /// `register_delivery_tracking(id, lxmf_hash)`.
    pub fn register_delivery(&mut self, id: i64, lxmf_hash: &[u8], now: f64) {
        self.deliveries.insert(lxmf_hash.to_vec(), (id, now));
    }

    /// `on_delivery_callback` / `on_failed_callback`: the tracked message gets
    /// `status` (`delivered` or `failed`); returns its id, `None` if the hash
    /// was not tracked.
    pub fn settle_delivery(&mut self, lxmf_hash: &[u8], status: &str) -> Result<Option<i64>, StoreError> {
        match self.deliveries.remove(lxmf_hash) {
            Some((id, _)) => {
                self.update_status(id, status)?;
                Ok(Some(id))
            }
            None => Ok(None),
        }
    }

    /// `cleanup_stale_deliveries(max_age)`: the ids of trackers older than
    /// `max_age` seconds, forgotten (their messages keep their status).
    pub fn cleanup_stale_deliveries(&mut self, max_age: f64, now: f64) -> Vec<i64> {
        let cutoff = now - max_age;
        let mut stale = Vec::new();
        self.deliveries.retain(|_, (id, created)| {
            let keep = *created >= cutoff;
            if !keep {
                stale.push(*id);
            }
            keep
        });
        stale
    }

    /// `get_failed_messages(peer_hash)`: failed outgoing messages, newest first.
    pub fn failed_messages(&self, peer: Option<&str>) -> Result<Vec<Message>, StoreError> {
        let mut sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE protocol_id = 'chat' AND status = 'failed' AND source_hash = ?"
        );
        let mut args: Vec<Value> = vec![self.local.clone().into()];
        if let Some(peer) = peer {
            sql.push_str(" AND destination_hash = ?");
            args.push(peer.to_owned().into());
        }
        sql.push_str(" ORDER BY timestamp DESC");
        self.query_messages(&sql, args)
    }

    /// `prepare_retry(id)`: a failed message back to pending, and what to send.
    pub fn prepare_retry(&self, id: i64) -> Result<Option<Retry>, StoreError> {
        let tx = self.store.conn.unchecked_transaction()?;
        let found = tx
            .query_row(
                "SELECT destination_hash, content, fields FROM messages WHERE id = ? AND status = 'failed'",
                [id],
                |r| {
                    Ok(Retry {
                        destination_hash: r.get(0)?,
                        content: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                        fields: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    })
                },
            )
            .optional()?;
        if found.is_some() {
            tx.execute("UPDATE messages SET status = 'pending' WHERE id = ?", [id])?;
        }
        tx.commit()?;
        Ok(found)
    }

    /// `purge_failed(peer_hash)`: deletes failed chat messages; how many.
    pub fn purge_failed(&self, peer: Option<&str>) -> Result<u64, StoreError> {
        let conn = &self.store.conn;
        let deleted = match peer {
            Some(peer) => conn.execute(
                "DELETE FROM messages WHERE protocol_id = 'chat' AND status = 'failed' AND destination_hash = ?",
                [peer],
            )?,
            None => conn.execute("DELETE FROM messages WHERE protocol_id = 'chat' AND status = 'failed'", [])?,
        };
        Ok(deleted as u64)
    }

    /// `mark_read(peer, additional_peer_hashes)`: received messages from any
    /// of `peers` become `read`; how many. Their unread counts are cleared.
    pub fn mark_read(&mut self, peers: &[String]) -> Result<u64, StoreError> {
        let mut sql = String::from(
            "UPDATE messages SET status = 'read' WHERE protocol_id = 'chat' AND source_hash IN (",
        );
        sql.push_str(&vec!["?"; peers.len()].join(", "));
        sql.push_str(") AND destination_hash = ? AND status = 'received'");
        let mut args: Vec<Value> = peers.iter().map(|p| p.clone().into()).collect();
        args.push(self.local.clone().into());
        let count = self.store.conn.prepare_cached(&sql)?.execute(params_from_iter(args))?;
        for peer in peers {
            self.unread.remove(peer);
        }
        Ok(count as u64)
    }

    /// `get_unread_count(peer)`.
    pub fn unread_count(&self, peer: &str) -> u64 {
        self.unread.get(peer).copied().unwrap_or(0)
    }

    /// `get_total_unread_count()`.
    pub fn total_unread(&self) -> u64 {
        self.unread.values().sum()
    }

    /// `delete_conversation(peer, additional_peer_hashes)`: deletes the chat
    /// messages with any of `peers`; how many. (Their attachments are the
    /// attachment store's to delete.)
    pub fn delete_conversation(&mut self, peers: &[String]) -> Result<u64, StoreError> {
        let (ids, args) = self.conversation_ids(peers);
        let sql = format!("DELETE FROM messages WHERE id IN ({ids})");
        let count = self.store.conn.prepare_cached(&sql)?.execute(params_from_iter(args))?;
        for peer in peers {
            self.unread.remove(peer);
        }
        Ok(count as u64)
    }

    /// `delete_message(id)`: `None` if there was no such message, else its
    /// attachment path (for the attachment store to delete).
    pub fn delete_message(&mut self, id: i64) -> Result<Option<Option<String>>, StoreError> {
        let conn = &self.store.conn;
        let row = conn
            .query_row("SELECT attachment_path, status, source_hash FROM messages WHERE id = ?", [id], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })
            .optional()?;
        let Some((path, status, source)) = row else {
            return Ok(None);
        };
        if status.as_deref() == Some("received")
            && let Some(source) = source
            && let Some(count) = self.unread.get_mut(&source)
        {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.unread.remove(&source);
            }
        }
        conn.execute("DELETE FROM messages WHERE id = ?", [id])?;
        Ok(Some(path))
    }

    /// `mark_read_by_recipient(lxmf_hash, read_at)`: an outgoing message the
    /// peer says it read; whether one was newly marked.
    pub fn mark_read_by_recipient(&self, lxmf_hash: &str, read_at: f64) -> Result<bool, StoreError> {
        let conn = &self.store.conn;
        let found = conn
            .query_row(
                "SELECT id, read_by_recipient FROM messages WHERE lxmf_hash = ? AND source_hash = ? LIMIT 1",
                params![lxmf_hash, self.local],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?)),
            )
            .optional()?;
        match found {
            Some((id, read)) if read.unwrap_or(0) == 0 => {
                conn.execute(
                    "UPDATE messages SET read_by_recipient = 1, read_by_recipient_at = ? WHERE id = ?",
                    params![read_at, id],
                )?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// `get_unread_hashes_for_receipt(peer)`: LXMF hashes of messages from
    /// the peer that we read and sent no receipt for.
    pub fn unread_hashes_for_receipt(&self, peer: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.store.conn.prepare_cached(
            "SELECT lxmf_hash FROM messages WHERE protocol_id = 'chat' AND source_hash = ? AND \
             destination_hash = ? AND status = 'read' AND read_receipt_sent = 0 AND lxmf_hash IS NOT NULL",
        )?;
        let hashes = stmt.query_map(params![peer, self.local], |r| r.get::<_, String>(0))?;
        Ok(hashes.filter(|h| h.as_ref().map_or(true, |h| !h.is_empty())).collect::<Result<_, _>>()?)
    }

    /// `mark_receipts_sent(hashes)`: how many messages were marked.
    pub fn mark_receipts_sent(&self, lxmf_hashes: &[String]) -> Result<u64, StoreError> {
        if lxmf_hashes.is_empty() {
            return Ok(0);
        }
        let sql = format!(
            "UPDATE messages SET read_receipt_sent = 1 WHERE lxmf_hash IN ({})",
            vec!["?"; lxmf_hashes.len()].join(", ")
        );
        Ok(self.store.conn.execute(&sql, params_from_iter(lxmf_hashes))? as u64)
    }

    /// The ids of the chat messages between us and any of `peers`, as a
    /// subquery and its arguments. styrened's filter is one `OR` of the two
    /// directions, which SQLite answers by scanning every chat message; the
    /// union of the two directions finds the same rows in
    /// `ix_messages_chat_conv` instead.
    fn conversation_ids(&self, peers: &[String]) -> (String, Vec<Value>) {
        let list = vec!["?"; peers.len()].join(", ");
        let sql = format!(
            "SELECT id FROM messages WHERE protocol_id = 'chat' AND source_hash = ? AND destination_hash IN ({list}) \
             UNION SELECT id FROM messages WHERE protocol_id = 'chat' AND source_hash IN ({list}) AND destination_hash = ?"
        );
        let mut args: Vec<Value> = vec![self.local.clone().into()];
        args.extend(peers.iter().map(|p| Value::from(p.clone())));
        args.extend(peers.iter().map(|p| Value::from(p.clone())));
        args.push(self.local.clone().into());
        (sql, args)
    }

    fn query_messages(&self, sql: &str, args: Vec<Value>) -> Result<Vec<Message>, StoreError> {
        let mut stmt = self.store.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params_from_iter(args), row_to_message)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// The first 100 characters of a message's content, `None` when it has none.
fn preview(content: Option<&str>) -> Option<String> {
    content.filter(|c| !c.is_empty()).map(|c| c.chars().take(100).collect())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
