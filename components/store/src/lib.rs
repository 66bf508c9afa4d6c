//! styrened 0.18.0's databases on SQLite, each with its exact effective
//! schema, so that a file moves between styrened and this crate in both
//! directions: the node store (`styrened.services.node_store`, `nodes.db`) and,
//! in [`messages`], the message store and conversation service
//! (`styrened.models.messages`, the repository's `ConversationService`,
//! `messages.db`). [`attachments`] is styrened's attachment store, the other
//! store styrened keeps on disk (files, not SQLite).
//!
//! Unlike styrened, which opens a connection and re-runs its schema setup on
//! every call, a store keeps one connection. It shares the file as every
//! SQLite program does (locks, a rollback journal, the busy timeout); inside
//! the component the host takes the locks for it (`use_host_locks`). Opening checks the file
//! first: something that is not SQLite, a damaged database, or a table of
//! another program's shape is an error, and the file is left untouched.

pub mod attachments;
mod database;
pub mod messages;
mod schema;
mod store;
mod vfs;

pub use database::{BUSY_TIMEOUT, StoreError};
pub use store::{
    HeardAnnounce, IdentityLookup, NodeQuery, NodeStore, PathEntry, SaveOutcome, ambiguous_warning,
};
pub use vfs::{LockFailure, LockKind, LockableFile, OpenLockable, Snapshot, use_host_locks};

/// Shortest accepted hash prefix for lookups.
pub const MIN_PREFIX_LENGTH: usize = 8;

/// `_is_valid_hash`: exactly 32 hex digits, any case.
pub fn is_valid_hash(h: Option<&str>) -> bool {
    h.is_some_and(|h| h.len() == 32 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `_is_valid_hash_prefix`: at least 8 hex digits, any case.
pub fn is_valid_hash_prefix(h: Option<&str>) -> bool {
    h.is_some_and(|h| h.len() >= MIN_PREFIX_LENGTH && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_rules() {
        assert!(is_valid_hash(Some(&"aB".repeat(16))));
        assert!(!is_valid_hash(Some(&"a".repeat(31))) && !is_valid_hash(Some(&"a".repeat(33))));
        assert!(!is_valid_hash(None) && !is_valid_hash(Some(&format!(" {}", "a".repeat(31)))));
        assert!(is_valid_hash_prefix(Some("abcdef01")) && !is_valid_hash_prefix(Some("abcdef0")));
        assert!(!is_valid_hash_prefix(Some("abcdefg1")));
    }
}
