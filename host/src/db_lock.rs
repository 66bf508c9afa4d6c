//! The lock a host holds on a `nodes.db` while the component has it open.
//!
//! The component's SQLite takes no file locks (WASI has none) and keeps the
//! database in exclusive mode with a write-ahead log, so another SQLite
//! connection to the same file must be kept out: one that merely read it
//! would, on closing, checkpoint and delete the log the component is still
//! writing to. The host therefore holds what SQLite's own exclusive lock is, a
//! write lock on SQLite's lock bytes, as an open-file-description lock: every
//! other SQLite connection, in any process including this one, gets "database
//! is locked" until the store is closed.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

/// SQLite's lock bytes on unix: the pending byte, the reserved byte and the
/// 510-byte shared range that follow it (`PENDING_BYTE` is 0x40000000).
const LOCK_START: i64 = 0x4000_0000;
const LOCK_LEN: i64 = 512;

/// A held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct DatabaseLock {
    _file: File,
}

impl DatabaseLock {
    /// Locks `path`, creating an empty file if there is none (SQLite treats
    /// an empty file as a new database). Waits up to `timeout` while another
    /// program holds an SQLite lock on it, as SQLite's busy timeout would.
    pub fn acquire(path: &Path, timeout: Duration) -> io::Result<Self> {
        let file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path)?;
        let deadline = Instant::now() + timeout;
        loop {
            match try_lock(&file) {
                Ok(()) => return Ok(Self { _file: file }),
                Err(e) if is_busy(&e) && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) if is_busy(&e) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WouldBlock,
                        format!("{} is in use by another program (database is locked)", path.display()),
                    ));
                }
                Err(e) => return Err(e),
            }
        }
    }
}

fn is_busy(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EAGAIN | libc::EACCES))
}

#[cfg(target_os = "linux")]
fn try_lock(file: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: `flock` is plain data; zeroed is a valid value for every field
    let mut lock: libc::flock = unsafe { std::mem::zeroed() };
    lock.l_type = libc::F_WRLCK as libc::c_short;
    lock.l_whence = libc::SEEK_SET as libc::c_short;
    lock.l_start = LOCK_START;
    lock.l_len = LOCK_LEN;
    // SAFETY: a valid descriptor and a pointer to a live `flock`
    let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_SETLK, &lock) };
    if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

#[cfg(not(target_os = "linux"))]
fn try_lock(_file: &File) -> io::Result<()> {
    // open-file-description locks are Linux's; elsewhere the rule stays a rule
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn a_second_lock_on_the_same_file_waits_then_fails_and_a_dropped_one_frees_it() {
        let dir = std::env::temp_dir().join(format!("styrene-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("nodes.db");
        let first = DatabaseLock::acquire(&path, Duration::ZERO).unwrap();
        let err = DatabaseLock::acquire(&path, Duration::from_millis(50)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        assert!(err.to_string().contains("database is locked"), "{err}");
        drop(first);
        DatabaseLock::acquire(&path, Duration::ZERO).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
