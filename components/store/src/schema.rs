//! styrened's effective schema (spec §2.2), created and migrated exactly as
//! its `init_db` does, so the file looks the same whoever touched it last.

/// The `nodes` table as styrened creates it.
pub const CREATE_NODES: &str = "\n        CREATE TABLE IF NOT EXISTS nodes (
            destination_hash TEXT PRIMARY KEY,
            identity_hash TEXT NOT NULL,
            name TEXT,
            device_type TEXT,
            last_announce INTEGER,
            announce_count INTEGER DEFAULT 1,
            capabilities TEXT,
            version TEXT,
            lxmf_destination_hash TEXT,
            created_at INTEGER DEFAULT (strftime('%s', 'now')),
            updated_at INTEGER DEFAULT (strftime('%s', 'now'))
        )\n    ";

/// The columns styrened adds to older databases, in its order. Adding one that
/// exists fails, and that failure is expected.
pub const MIGRATED_COLUMNS: [(&str, &str); 9] = [
    ("lxmf_destination_hash", "TEXT"),
    ("short_name", "TEXT"),
    ("system_fingerprint", "TEXT"),
    ("discovered_via", "TEXT"),
    ("hops", "INTEGER"),
    ("nomadnet_destination_hash", "TEXT"),
    ("ygg_address", "TEXT"),
    ("b32_address", "TEXT"),
    ("web_url", "TEXT"),
];

/// Indexes and the `paths` table, after the migrations, one statement each.
/// SQLite keeps each statement's text in `sqlite_master` (an index's with its
/// trailing whitespace), so these are styrened's statements to the byte, and
/// a file looks the same whichever implementation created it.
pub const CREATE_REST: [&str; 6] = [
    "\n        CREATE INDEX IF NOT EXISTS idx_identity_hash ON nodes(identity_hash)\n    ",
    "\n        CREATE INDEX IF NOT EXISTS idx_short_name ON nodes(short_name)\n    ",
    "\n        CREATE INDEX IF NOT EXISTS idx_lxmf_destination_hash ON nodes(lxmf_destination_hash)\n    ",
    "\n        CREATE INDEX IF NOT EXISTS idx_discovered_via ON nodes(discovered_via)\n    ",
    "\n        CREATE TABLE IF NOT EXISTS paths (
            destination_hash TEXT PRIMARY KEY,
            next_hop TEXT,
            hops INTEGER NOT NULL,
            interface_type TEXT,
            interface_name TEXT,
            bitrate INTEGER,
            expires INTEGER,
            updated_at INTEGER DEFAULT (strftime('%s', 'now'))
        )\n    ",
    "\n        CREATE INDEX IF NOT EXISTS idx_paths_next_hop ON paths(next_hop)\n    ",
];

/// Columns a `nodes` table must have for this store to use it.
pub const REQUIRED_NODE_COLUMNS: [&str; 2] = ["destination_hash", "identity_hash"];
/// Columns a `paths` table must have.
pub const REQUIRED_PATH_COLUMNS: [&str; 2] = ["destination_hash", "hops"];
