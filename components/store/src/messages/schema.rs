//! `messages.db` as styrened 0.18.0's `init_db` creates and migrates it (spec
//! §5.1), statement for statement, so that `sqlite_master` holds the same text
//! whichever implementation touched the file last.
//!
//! `init_db` first has SQLAlchemy create the tables it has models for, then
//! adds the columns later versions brought, builds or migrates `contacts`,
//! creates `peer_blocks`, two indexes and the FTS5 index with its triggers.
//! SQLAlchemy's `create_all` creates `contacts` itself only when its model was
//! imported before the call, which in styrened happens during the first
//! `init_db` of a process; what is done here is what that first call does.

/// What `create_all` creates in a new database, table by table: the table,
/// then its indexes (styrened's own index order varies between processes).
pub const CREATE_ALL: [(&str, &[&str]); 3] = [
    (
        "page_cache",
        &[
            "CREATE TABLE page_cache (\n\tid INTEGER NOT NULL, \n\tdestination_hash VARCHAR(64) NOT NULL, \n\tpath VARCHAR(512) NOT NULL, \n\tcontent TEXT NOT NULL, \n\tcontent_length INTEGER NOT NULL, \n\tfetched_at FLOAT NOT NULL, \n\tPRIMARY KEY (id), \n\tCONSTRAINT uq_page_cache_dest_path UNIQUE (destination_hash, path)\n)",
            "CREATE INDEX ix_page_cache_destination_hash ON page_cache (destination_hash)",
        ],
    ),
    (
        "saved_sites",
        &[
            "CREATE TABLE saved_sites (\n\tid INTEGER NOT NULL, \n\tdestination_hash VARCHAR(64) NOT NULL, \n\tdisplay_name VARCHAR(255) NOT NULL, \n\trefresh_interval INTEGER NOT NULL, \n\tlast_crawl_at FLOAT NOT NULL, \n\tpages_cached INTEGER NOT NULL, \n\tmax_depth INTEGER NOT NULL, \n\tPRIMARY KEY (id)\n)",
            "CREATE UNIQUE INDEX ix_saved_sites_destination_hash ON saved_sites (destination_hash)",
        ],
    ),
    (
        "messages",
        &[
            "CREATE TABLE messages (\n\tid INTEGER NOT NULL, \n\tsource_hash VARCHAR(32) NOT NULL, \n\tdestination_hash VARCHAR(32) NOT NULL, \n\ttimestamp DOUBLE NOT NULL, \n\tcontent VARCHAR, \n\ttitle VARCHAR(255), \n\tfields VARCHAR NOT NULL, \n\tprotocol_id VARCHAR(50) NOT NULL, \n\tstatus VARCHAR(20) NOT NULL, \n\tdelivery_method VARCHAR(20), \n\tdelivery_attempts INTEGER NOT NULL, \n\tlxmf_hash VARCHAR(64), \n\tsignature_valid BOOLEAN, \n\ttransport_encrypted BOOLEAN, \n\tread_by_recipient BOOLEAN NOT NULL, \n\tread_by_recipient_at DOUBLE, \n\tread_receipt_sent BOOLEAN NOT NULL, \n\thas_attachment BOOLEAN NOT NULL, \n\tattachment_type VARCHAR(20), \n\tattachment_name VARCHAR(255), \n\tattachment_size INTEGER, \n\tattachment_mime VARCHAR(100), \n\tattachment_data VARCHAR, \n\tattachment_path VARCHAR(500), \n\tthread_id VARCHAR(64), \n\treply_to_hash VARCHAR(64), \n\tPRIMARY KEY (id)\n)",
            "CREATE INDEX ix_messages_protocol_id ON messages (protocol_id)",
            "CREATE INDEX ix_messages_status ON messages (status)",
            "CREATE INDEX ix_messages_timestamp ON messages (timestamp)",
            "CREATE INDEX ix_messages_source_dest ON messages (source_hash, destination_hash)",
            "CREATE INDEX ix_messages_dest_status ON messages (destination_hash, status)",
            "CREATE INDEX ix_messages_chat_conv ON messages (protocol_id, source_hash, destination_hash, timestamp)",
            "CREATE INDEX ix_messages_lxmf_hash ON messages (lxmf_hash)",
        ],
    ),
];

/// The columns later versions added to `messages`, in `init_db`'s order.
pub const MESSAGE_COLUMNS: [(&str, &str); 13] = [
    ("title", "VARCHAR(255)"),
    ("read_by_recipient", "BOOLEAN DEFAULT 0"),
    ("read_by_recipient_at", "REAL"),
    ("read_receipt_sent", "BOOLEAN DEFAULT 0"),
    ("has_attachment", "BOOLEAN DEFAULT 0"),
    ("attachment_type", "VARCHAR(20)"),
    ("attachment_name", "VARCHAR(255)"),
    ("attachment_size", "INTEGER"),
    ("attachment_mime", "VARCHAR(100)"),
    ("attachment_data", "TEXT"),
    ("attachment_path", "VARCHAR(500)"),
    ("thread_id", "VARCHAR(64)"),
    ("reply_to_hash", "VARCHAR(64)"),
];

/// The columns of `contacts` that every version had, and that this store needs.
const CONTACT_COLUMNS: &str = "identity_hash TEXT PRIMARY KEY, alias VARCHAR(100) NOT NULL, notes VARCHAR(500), \
     blocked BOOLEAN NOT NULL DEFAULT 0, blocked_at REAL, created_at REAL NOT NULL, updated_at REAL NOT NULL";

/// `contacts` when no version created it yet.
pub fn create_contacts() -> String {
    format!("CREATE TABLE IF NOT EXISTS contacts ({CONTACT_COLUMNS})")
}

/// A `contacts` keyed by `peer_hash` (before 0.16) becomes one keyed by
/// `identity_hash`, each old key kept as a placeholder flagged for backfill.
/// `old` are the old table's columns: those it lacks are read as their defaults.
pub fn migrate_peer_hash_contacts(old: &[String]) -> [String; 4] {
    let has = |c: &str| old.iter().any(|o| o == c);
    let notes = if has("notes") { "notes" } else { "NULL" };
    let blocked = if has("blocked") { "COALESCE(blocked, 0)" } else { "0" };
    let blocked_at = if has("blocked_at") { "blocked_at" } else { "NULL" };
    [
        format!(
            "CREATE TABLE contacts_new ({CONTACT_COLUMNS}, needs_identity_backfill BOOLEAN NOT NULL DEFAULT 0)"
        ),
        format!(
            "INSERT INTO contacts_new (identity_hash, alias, notes, blocked, blocked_at, created_at, updated_at, \
             needs_identity_backfill) SELECT peer_hash, alias, {notes}, {blocked}, {blocked_at}, created_at, \
             updated_at, 1 FROM contacts"
        ),
        "DROP TABLE contacts".into(),
        "ALTER TABLE contacts_new RENAME TO contacts".into(),
    ]
}

/// A `contacts` with both key columns (a migration that stopped halfway)
/// loses `peer_hash`.
pub fn finish_half_migrated_contacts() -> [String; 4] {
    [
        format!("CREATE TABLE contacts_clean ({CONTACT_COLUMNS})"),
        "INSERT INTO contacts_clean (identity_hash, alias, notes, blocked, blocked_at, created_at, updated_at) \
         SELECT identity_hash, alias, notes, COALESCE(blocked, 0), blocked_at, created_at, updated_at FROM contacts"
            .into(),
        "DROP TABLE contacts".into(),
        "ALTER TABLE contacts_clean RENAME TO contacts".into(),
    ]
}

/// The columns later versions added to `contacts`, in `init_db`'s order.
pub const CONTACT_ADDED_COLUMNS: [(&str, &str); 3] = [
    ("blocked", "BOOLEAN NOT NULL DEFAULT 0"),
    ("blocked_at", "REAL"),
    ("needs_identity_backfill", "BOOLEAN NOT NULL DEFAULT 0"),
];

/// Everything after `contacts`, one statement each, to the byte (SQLite keeps
/// a statement's text in `sqlite_master`, its inner whitespace included).
pub const CREATE_REST: [&str; 7] = [
    "CREATE TABLE IF NOT EXISTS peer_blocks (identity_hash TEXT PRIMARY KEY, blocked_at REAL NOT NULL, reason TEXT)",
    "CREATE INDEX IF NOT EXISTS ix_messages_chat_conv ON messages (protocol_id, source_hash, destination_hash, timestamp)",
    "CREATE INDEX IF NOT EXISTS ix_messages_lxmf_hash ON messages (lxmf_hash)",
    "
            CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(
                content,
                title,
                content='messages',
                content_rowid='id'
            )
        ",
    "
            CREATE TRIGGER IF NOT EXISTS messages_fts_ai AFTER INSERT ON messages BEGIN
                INSERT INTO messages_fts(rowid, content, title)
                VALUES (new.id, new.content, new.title);
            END
        ",
    "
            CREATE TRIGGER IF NOT EXISTS messages_fts_ad AFTER DELETE ON messages BEGIN
                INSERT INTO messages_fts(messages_fts, rowid, content, title)
                VALUES ('delete', old.id, old.content, old.title);
            END
        ",
    "
            CREATE TRIGGER IF NOT EXISTS messages_fts_au AFTER UPDATE ON messages BEGIN
                INSERT INTO messages_fts(messages_fts, rowid, content, title)
                VALUES ('delete', old.id, old.content, old.title);
                INSERT INTO messages_fts(rowid, content, title)
                VALUES (new.id, new.content, new.title);
            END
        ",
];

/// Columns an existing `messages` table must have for this store to use it
/// (every version of styrened's with delivery tracking had them); anything
/// else is another program's table, refused rather than altered.
pub const REQUIRED_MESSAGE_COLUMNS: [&str; 13] = [
    "id",
    "source_hash",
    "destination_hash",
    "timestamp",
    "content",
    "fields",
    "protocol_id",
    "status",
    "delivery_method",
    "delivery_attempts",
    "lxmf_hash",
    "signature_valid",
    "transport_encrypted",
];
