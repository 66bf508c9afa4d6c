//! What every database of styrened's shares here: opening a file (checked
//! before SQLite writes anything, through the VFS that takes the locks every
//! SQLite program honours), images in memory, the soundness check, the busy
//! timeout, and one error type.

use rusqlite::{Connection, OpenFlags};
use std::fmt;
use std::io::Read;
use std::path::Path;

/// Why a store could not be opened or used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The file exists but is not an SQLite database (it was not touched).
    NotADatabase(String),
    /// The database is damaged or truncated (it was not touched).
    Corrupt(String),
    /// A table of the store's exists with another shape (it was not touched).
    ForeignSchema(String),
    /// The file could not be read or written.
    Io(String),
    /// Any other SQLite failure.
    Sqlite(String),
    /// Another program held the database for longer than `BUSY_TIMEOUT`.
    Busy(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::NotADatabase(m) => write!(f, "not an SQLite database: {m}"),
            StoreError::Corrupt(m) => write!(f, "database is damaged: {m}"),
            StoreError::ForeignSchema(m) => write!(f, "not a styrened database: {m}"),
            StoreError::Io(m) => write!(f, "cannot access the database: {m}"),
            StoreError::Sqlite(m) => write!(f, "database error: {m}"),
            StoreError::Busy(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        match e.sqlite_error_code() {
            Some(C::NotADatabase) => StoreError::NotADatabase(e.to_string()),
            Some(C::DatabaseBusy | C::DatabaseLocked) => StoreError::Busy(e.to_string()),
            Some(C::DatabaseCorrupt) => StoreError::Corrupt(e.to_string()),
            Some(C::CannotOpen | C::ReadOnly | C::DiskFull | C::PermissionDenied | C::SystemIoFailure) => {
                StoreError::Io(e.to_string())
            }
            _ => StoreError::Sqlite(e.to_string()),
        }
    }
}

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// How long a call waits for another program's lock before it fails with
/// "database is locked": Python's `sqlite3` default, which styrened uses.
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Opens (creating if absent) a database file through the locking VFS, after
/// refusing a file that is not SQLite.
pub(crate) fn open_file(path: &Path) -> Result<Connection, StoreError> {
    check_file(path)?;
    let flags =
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    crate::vfs::register().map_err(|rc| StoreError::Sqlite(format!("cannot register the VFS ({rc})")))?;
    Ok(Connection::open_with_flags_and_vfs(path, flags, crate::vfs::NAME)?)
}

/// A database in memory that starts as a copy of an image (the bytes of a
/// database file); an empty image is a new, empty database. An image of a
/// database in WAL mode holds only what was checkpointed into the main file;
/// it is opened in rollback-journal mode, as in-memory databases cannot use a log.
pub(crate) fn open_image(image: &[u8]) -> Result<Connection, StoreError> {
    let mut conn = Connection::open_in_memory()?;
    if !image.is_empty() {
        check_header(image).map_err(|why| StoreError::NotADatabase(format!("the image {why}")))?;
        let mut image = image.to_vec();
        set_rollback_journal(&mut image);
        conn.deserialize_read_exact(rusqlite::MAIN_DB, image.as_slice(), image.len(), false)?;
    }
    Ok(conn)
}

/// The whole database as one image in rollback-journal mode (styrened's): the
/// bytes a file with the same content would hold.
pub(crate) fn export_image(conn: &Connection) -> Result<Vec<u8>, StoreError> {
    let mut image = conn.serialize(rusqlite::MAIN_DB)?.to_vec();
    set_rollback_journal(&mut image);
    Ok(image)
}

/// Readies a connection for sharing and proves the file sound before anything
/// is written to it: a damaged or truncated database is reported, never
/// "repaired" by a schema change.
pub(crate) fn check_sound(conn: &Connection) -> Result<(), StoreError> {
    // Another program may hold the file for a moment (styrened writing, a
    // `sqlite3` shell): wait as long as styrened's SQLite does.
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // A file an earlier version of this store left in WAL mode (after a
    // crash) is first recovered and put back in rollback-journal mode:
    // WAL needs shared memory that the component cannot share with other
    // processes, so it can only open such a file in exclusive mode.
    let in_wal: bool = conn.query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0))? == "wal";
    if in_wal {
        conn.query_row("PRAGMA locking_mode = EXCLUSIVE", [], |_| Ok(()))?;
        conn.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
        conn.query_row("PRAGMA locking_mode = NORMAL", [], |_| Ok(()))?;
    }
    let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(StoreError::Corrupt(check));
    }
    // styrened's own journal and durability (a rollback journal, synchronous
    // FULL, SQLite's defaults), so that every program sharing the file can
    // trust it; the page cache survives between calls as long as nobody else wrote.
    conn.execute_batch("PRAGMA cache_size = -8192; PRAGMA temp_store = MEMORY;")?;
    Ok(())
}

/// Refuses, before SQLite writes anything, a file that is not an SQLite database.
fn check_file(path: &Path) -> Result<(), StoreError> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(StoreError::Io(format!("{}: {e}", path.display()))),
    };
    let mut head = Vec::with_capacity(100);
    file.by_ref().take(100).read_to_end(&mut head).map_err(|e| StoreError::Io(e.to_string()))?;
    if head.is_empty() {
        return Ok(()); // an empty file is a new database to SQLite too
    }
    check_header(&head).map_err(|why| StoreError::NotADatabase(format!("{} {why}", path.display())))
}

/// The first bytes of a database must be a whole 100-byte SQLite header.
fn check_header(head: &[u8]) -> Result<(), &'static str> {
    if head.len() < 100 || !head.starts_with(SQLITE_MAGIC) {
        return Err("does not start with an SQLite header");
    }
    Ok(())
}

/// Marks an image's header as rollback-journal mode (file format bytes 18
/// and 19: 1 = rollback journal, 2 = WAL) where it says WAL.
fn set_rollback_journal(image: &mut [u8]) {
    if image.len() >= 100 && image[18] == 2 && image[19] == 2 {
        image[18] = 1;
        image[19] = 1;
    }
}

pub(crate) fn table_columns(conn: &Connection, table: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({table})"))?;
    let names = stmt.query_map([], |r| r.get::<_, String>(1))?;
    Ok(names.collect::<Result<_, _>>()?)
}

pub(crate) fn has_column(conn: &Connection, table: &str, column: &str) -> Result<bool, StoreError> {
    Ok(table_columns(conn, table)?.iter().any(|c| c == column))
}
