//! The `file-locks` import, offered to the node store's SQLite as its locks.

use crate::styrene::core::file_locks::{
    ErrorCode as LockError, LockKind as HostKind, LockableFile as HostFile,
};
use styrene_store::{LockFailure, LockKind, LockableFile, Snapshot};

/// Makes every database the store opens from now on lock through the host.
pub fn install() {
    styrene_store::use_host_locks(open);
}

fn open(path: &str) -> Result<Box<dyn LockableFile>, LockFailure> {
    Ok(Box::new(Locks(HostFile::open(path).map_err(failure)?)))
}

struct Locks(HostFile);

impl LockableFile for Locks {
    fn set(&self, start: u64, len: u64, kind: LockKind) -> Result<(), LockFailure> {
        self.0.set(start, len, host_kind(kind)).map_err(failure)
    }

    fn conflicts(&self, start: u64, len: u64, kind: LockKind) -> Result<bool, LockFailure> {
        self.0.conflicts(start, len, host_kind(kind)).map_err(failure)
    }

    fn snapshot(&self, offset: u64, len: u32, siblings: &[&str]) -> Result<Snapshot, LockFailure> {
        let siblings: Vec<String> = siblings.iter().map(ToString::to_string).collect();
        let view = self.0.snapshot(offset, len, &siblings).map_err(failure)?;
        Ok(Snapshot { size: view.size, bytes: view.bytes, siblings: view.siblings })
    }
}

fn host_kind(kind: LockKind) -> HostKind {
    match kind {
        LockKind::Unlocked => HostKind::Unlocked,
        LockKind::Read => HostKind::Read,
        LockKind::Write => HostKind::Write,
    }
}

fn failure(e: LockError) -> LockFailure {
    match e {
        LockError::Busy => LockFailure::Busy,
        LockError::Unsupported => LockFailure::Unsupported,
        LockError::NotPermitted | LockError::Io => LockFailure::Failed,
    }
}
