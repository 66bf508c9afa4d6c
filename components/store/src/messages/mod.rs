//! styrened's `messages.db` (spec §5.1) and the conversation service on it
//! (§5.2): the schema `init_db` leaves, created and migrated the same way, and
//! every query of the repository's `ConversationService`, on one connection
//! that shares the file as every SQLite program does.

mod conversations;
mod schema;

pub use conversations::{Conversation, ConversationService, Draft, Retry, SearchOutcome};

use crate::database::{self, StoreError, has_column, table_columns};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Row};
use std::path::Path;

/// One row of `messages`, every column, as SQLAlchemy's `Message` reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: i64,
    pub source_hash: String,
    pub destination_hash: String,
    /// Unix seconds (a float, as styrened stores it).
    pub timestamp: f64,
    pub content: Option<String>,
    pub title: Option<String>,
    /// The LXMF fields as compact JSON text (`{}` when there are none).
    pub fields: String,
    pub protocol_id: String,
    pub status: String,
    pub delivery_method: Option<String>,
    pub delivery_attempts: i64,
    /// Hex.
    pub lxmf_hash: Option<String>,
    pub signature_valid: Option<bool>,
    pub transport_encrypted: Option<bool>,
    pub read_by_recipient: Option<bool>,
    pub read_by_recipient_at: Option<f64>,
    pub read_receipt_sent: Option<bool>,
    pub has_attachment: Option<bool>,
    pub attachment_type: Option<String>,
    pub attachment_name: Option<String>,
    pub attachment_size: Option<i64>,
    pub attachment_mime: Option<String>,
    pub attachment_data: Option<String>,
    pub attachment_path: Option<String>,
    pub thread_id: Option<String>,
    pub reply_to_hash: Option<String>,
}

/// The columns a `Message` is read from, in its field order.
pub(crate) const MESSAGE_COLUMNS: &str = "id, source_hash, destination_hash, timestamp, content, title, fields, \
     protocol_id, status, delivery_method, delivery_attempts, lxmf_hash, signature_valid, transport_encrypted, \
     read_by_recipient, read_by_recipient_at, read_receipt_sent, has_attachment, attachment_type, attachment_name, \
     attachment_size, attachment_mime, attachment_data, attachment_path, thread_id, reply_to_hash";

/// The message store's page cache, in MiB. A host gives a message store's
/// instance this much memory on top of what its calls need.
pub const CACHE_MIB: usize = 64;

/// `messages.db` on one connection, its schema brought to styrened 0.18.0's.
pub struct MessageStore {
    pub(crate) conn: Connection,
}

impl MessageStore {
    /// Opens (creating if absent) a `messages.db`, checks it, and creates and
    /// migrates its schema as styrened's `init_db` does. A file that is not
    /// SQLite, a damaged one, or one whose `messages` table is another
    /// program's is refused and left untouched.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::prepare(database::open_file(path)?)
    }

    /// A store in memory.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::prepare(Connection::open_in_memory()?)
    }

    /// A store in memory that starts as a copy of a `messages.db` image,
    /// checked and migrated as `open` does a file (an empty image is a new store).
    pub fn open_image(image: &[u8]) -> Result<Self, StoreError> {
        Self::prepare(database::open_image(image)?)
    }

    /// The whole database as the bytes of a `messages.db` file.
    pub fn export_image(&self) -> Result<Vec<u8>, StoreError> {
        database::export_image(&self.conn)
    }

    /// `PRAGMA integrity_check` is `ok`.
    pub fn integrity_ok(&self) -> Result<bool, StoreError> {
        let result: String = self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        Ok(result == "ok")
    }

    fn prepare(conn: Connection) -> Result<Self, StoreError> {
        database::check_sound(&conn)?;
        check_shape(&conn)?;
        // An inbox is read over and over (conversations, pages, searches): a
        // page cache of CACHE_MIB keeps the pages of a busy inbox from being
        // read again while nobody else writes.
        conn.execute_batch(&format!("PRAGMA cache_size = -{}", CACHE_MIB * 1024))?;
        // One transaction for every step, so that a crash leaves the file as
        // it was or fully migrated (styrened commits step by step); it only
        // takes the write lock if a step has something to change.
        let tx = conn.unchecked_transaction()?;
        init_schema(&tx)?;
        tx.commit()?;
        Ok(Self { conn })
    }
}

/// styrened's `init_db`, step by step.
fn init_schema(conn: &Connection) -> Result<(), StoreError> {
    for (table, statements) in schema::CREATE_ALL {
        if table_columns(conn, table)?.is_empty() {
            for statement in statements {
                conn.execute(statement, [])?;
            }
        }
    }
    for (column, kind) in schema::MESSAGE_COLUMNS {
        if !has_column(conn, "messages", column)? {
            conn.execute(&format!("ALTER TABLE messages ADD COLUMN {column} {kind}"), [])?;
        }
    }
    if table_columns(conn, "contacts")?.is_empty() {
        conn.execute(&schema::create_contacts(), [])?;
    }
    let contacts = table_columns(conn, "contacts")?;
    let has = |c: &str| contacts.iter().any(|have| have == c);
    let rebuild = match (has("peer_hash"), has("identity_hash")) {
        (true, true) => Some(schema::finish_half_migrated_contacts()),
        (true, false) => Some(schema::migrate_peer_hash_contacts(&contacts)),
        // neither key (styrened logs it and leaves the table), or already migrated
        _ => None,
    };
    for statement in rebuild.iter().flatten() {
        conn.execute(statement, [])?;
    }
    for (column, kind) in schema::CONTACT_ADDED_COLUMNS {
        if !has_column(conn, "contacts", column)? {
            conn.execute(&format!("ALTER TABLE contacts ADD COLUMN {column} {kind}"), [])?;
        }
    }
    for statement in schema::CREATE_REST {
        conn.execute(statement, [])?;
    }
    Ok(())
}

/// An existing `messages` table must be styrened's.
fn check_shape(conn: &Connection) -> Result<(), StoreError> {
    let columns = table_columns(conn, "messages")?;
    if columns.is_empty() {
        return Ok(()); // absent: it will be created
    }
    match schema::REQUIRED_MESSAGE_COLUMNS.iter().find(|c| !columns.iter().any(|have| have == *c)) {
        Some(missing) => Err(StoreError::ForeignSchema(format!("table messages has no column {missing}"))),
        None => Ok(()),
    }
}

fn text(value: ValueRef<'_>) -> Option<String> {
    match value {
        ValueRef::Text(s) | ValueRef::Blob(s) => Some(String::from_utf8_lossy(s).into_owned()),
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Null => None,
    }
}

fn real(value: ValueRef<'_>) -> Option<f64> {
    match value {
        ValueRef::Real(f) => Some(f),
        ValueRef::Integer(i) => Some(i as f64),
        ValueRef::Text(s) => std::str::from_utf8(s).ok()?.trim().parse().ok(),
        _ => None,
    }
}

fn integer(value: ValueRef<'_>) -> Option<i64> {
    match value {
        ValueRef::Integer(i) => Some(i),
        ValueRef::Real(f) => Some(f as i64),
        ValueRef::Text(s) => std::str::from_utf8(s).ok()?.trim().parse().ok(),
        _ => None,
    }
}

/// SQLAlchemy's `Boolean` on SQLite: any integer, `None` for NULL.
fn boolean(value: ValueRef<'_>) -> Option<bool> {
    integer(value).map(|i| i != 0)
}

/// A `Message` from a row of `MESSAGE_COLUMNS`.
pub(crate) fn row_to_message(row: &Row<'_>) -> rusqlite::Result<Message> {
    let at = |i: usize| row.get_ref(i).unwrap_or(ValueRef::Null);
    Ok(Message {
        id: integer(at(0)).unwrap_or_default(),
        source_hash: text(at(1)).unwrap_or_default(),
        destination_hash: text(at(2)).unwrap_or_default(),
        timestamp: real(at(3)).unwrap_or_default(),
        content: text(at(4)),
        title: text(at(5)),
        fields: text(at(6)).unwrap_or_default(),
        protocol_id: text(at(7)).unwrap_or_default(),
        status: text(at(8)).unwrap_or_default(),
        delivery_method: text(at(9)),
        delivery_attempts: integer(at(10)).unwrap_or_default(),
        lxmf_hash: text(at(11)),
        signature_valid: boolean(at(12)),
        transport_encrypted: boolean(at(13)),
        read_by_recipient: boolean(at(14)),
        read_by_recipient_at: real(at(15)),
        read_receipt_sent: boolean(at(16)),
        has_attachment: boolean(at(17)),
        attachment_type: text(at(18)),
        attachment_name: text(at(19)),
        attachment_size: integer(at(20)),
        attachment_mime: text(at(21)),
        attachment_data: text(at(22)),
        attachment_path: text(at(23)),
        thread_id: text(at(24)),
        reply_to_hash: text(at(25)),
    })
}
