//! The `file-locks` import: byte-range locks on files in the directory an
//! instance was granted, taken as Linux open-file-description locks.
//!
//! An open-file-description lock belongs to the open file, not to the
//! process: it conflicts with the classic `fcntl` locks that SQLite's unix
//! VFS takes in other processes *and in this one* (styrened, `sqlite3`), and
//! the kernel releases it when the file is closed. The file closes when the
//! component drops its handle or the instance's store is dropped (after a
//! trap, or at exit), so a lock never outlives the instance that took it,
//! and a SIGKILL frees every lock at once.

use crate::bindings::styrene::core::file_locks::{ErrorCode, Host, HostLockableFile, LockKind, Snapshot};
use std::fs::File;
use std::path::{Component, Path, PathBuf};
use wasmtime::component::{HasData, Linker, Resource, ResourceTable};

/// A file a component opened for locking: its own open file description.
pub struct LockableFile {
    file: File,
}

/// What the import works on, borrowed from a store's data: the directory
/// granted to the instance and the table its resources live in.
pub struct FileLocks<'a> {
    /// The granted directory; without one nothing can be locked.
    pub dir: Option<&'a Path>,
    /// The instance's resource table (shared with WASI).
    pub table: &'a mut ResourceTable,
}

struct HasFileLocks;

impl HasData for HasFileLocks {
    type Data<'a> = FileLocks<'a>;
}

/// Adds the import to `linker`; `view` borrows it from the store's data.
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    view: fn(&mut T) -> FileLocks<'_>,
) -> wasmtime::Result<()> {
    crate::bindings::styrene::core::file_locks::add_to_linker::<T, HasFileLocks>(linker, view)
}

impl Host for FileLocks<'_> {}

impl HostLockableFile for FileLocks<'_> {
    fn open(&mut self, path: String) -> Result<Resource<LockableFile>, ErrorCode> {
        let file = open_inside(self.dir.ok_or(ErrorCode::NotPermitted)?, &path)?;
        self.table.push(LockableFile { file }).map_err(|_| ErrorCode::Io)
    }

    fn set(
        &mut self,
        this: Resource<LockableFile>,
        start: u64,
        len: u64,
        kind: LockKind,
    ) -> Result<(), ErrorCode> {
        let file = &self.table.get(&this).map_err(|_| ErrorCode::Io)?.file;
        ofd::set(file, start, len, kind)
    }

    fn conflicts(
        &mut self,
        this: Resource<LockableFile>,
        start: u64,
        len: u64,
        kind: LockKind,
    ) -> Result<bool, ErrorCode> {
        let file = &self.table.get(&this).map_err(|_| ErrorCode::Io)?.file;
        ofd::conflicts(file, start, len, kind)
    }

    fn snapshot(
        &mut self,
        this: Resource<LockableFile>,
        offset: u64,
        len: u32,
        siblings: Vec<String>,
    ) -> Result<Snapshot, ErrorCode> {
        let dir = self.dir.ok_or(ErrorCode::NotPermitted)?;
        let file = &self.table.get(&this).map_err(|_| ErrorCode::Io)?.file;
        let size = file.metadata().map_err(|_| ErrorCode::Io)?.len();
        let mut bytes = vec![0; len as usize];
        let read = read_at(file, &mut bytes, offset).map_err(|_| ErrorCode::Io)?;
        bytes.truncate(read);
        let siblings = siblings
            .iter()
            .map(|name| {
                let relative = plain(name).ok_or(ErrorCode::NotPermitted)?;
                Ok(std::fs::symlink_metadata(dir.join(relative)).ok().map(|m| m.len()))
            })
            .collect::<Result<_, ErrorCode>>()?;
        Ok(Snapshot { size, bytes, siblings })
    }

    fn drop(&mut self, this: Resource<LockableFile>) -> wasmtime::Result<()> {
        self.table.delete(this)?; // closing the file releases its locks
        Ok(())
    }
}

/// Opens `path` inside `dir` for locking: a relative path of plain names
/// only, and no symbolic link at its end, so the component can lock nothing
/// outside the directory it was granted.
fn open_inside(dir: &Path, path: &str) -> Result<File, ErrorCode> {
    let full: PathBuf = dir.join(plain(path).ok_or(ErrorCode::NotPermitted)?);
    let mut options = std::fs::OpenOptions::new();
    // fcntl needs read access for a read lock and write access for a write lock
    options.read(true).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
    }
    options.open(full).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => ErrorCode::NotPermitted,
        _ if e.raw_os_error() == Some(libc::ELOOP) => ErrorCode::NotPermitted,
        _ => ErrorCode::Io,
    })
}

/// `path` if it is relative and made of plain names only (no `..`, no root).
fn plain(path: &str) -> Option<&Path> {
    let relative = Path::new(path);
    let plain = relative.components().all(|c| matches!(c, Component::Normal(_)));
    (!path.is_empty() && plain).then_some(relative)
}

/// Reads from `offset` until `buf` is full or the file ends; the bytes read.
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        let mut done = 0;
        while done < buf.len() {
            match file.read_at(&mut buf[done..], offset + done as u64)? {
                0 => break,
                n => done += n,
            }
        }
        Ok(done)
    }
    #[cfg(not(unix))]
    {
        let _ = (file, buf, offset);
        Err(std::io::ErrorKind::Unsupported.into())
    }
}

#[cfg(target_os = "linux")]
mod ofd {
    use super::{ErrorCode, LockKind};
    use std::fs::File;
    use std::os::fd::AsRawFd;

    fn request(start: u64, len: u64, kind: LockKind) -> Result<libc::flock, ErrorCode> {
        // SAFETY: `flock` is plain data; zeroed is valid for every field (and
        // `l_pid` must be 0 for open-file-description locks)
        let mut lock: libc::flock = unsafe { std::mem::zeroed() };
        lock.l_type = match kind {
            LockKind::Unlocked => libc::F_UNLCK,
            LockKind::Read => libc::F_RDLCK,
            LockKind::Write => libc::F_WRLCK,
        } as libc::c_short;
        lock.l_whence = libc::SEEK_SET as libc::c_short;
        lock.l_start = i64::try_from(start).map_err(|_| ErrorCode::Io)?;
        lock.l_len = i64::try_from(len).map_err(|_| ErrorCode::Io)?;
        Ok(lock)
    }

    pub fn set(file: &File, start: u64, len: u64, kind: LockKind) -> Result<(), ErrorCode> {
        let lock = request(start, len, kind)?;
        // SAFETY: a valid descriptor and a pointer to a live `flock`
        if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_SETLK, &lock) } == 0 {
            return Ok(());
        }
        match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::EAGAIN | libc::EACCES) => Err(ErrorCode::Busy),
            _ => Err(ErrorCode::Io),
        }
    }

    pub fn conflicts(file: &File, start: u64, len: u64, kind: LockKind) -> Result<bool, ErrorCode> {
        let mut lock = request(start, len, kind)?;
        // SAFETY: as above; F_OFD_GETLK writes the conflicting lock, if any, into it
        if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_GETLK, &mut lock) } != 0 {
            return Err(ErrorCode::Io);
        }
        Ok(lock.l_type != libc::F_UNLCK as libc::c_short)
    }
}

/// Classic `fcntl` locks belong to the process and vanish when any of its
/// descriptors of the file closes: they cannot stand in for per-file locks.
/// Elsewhere the component is told, and its database is not shared.
#[cfg(not(target_os = "linux"))]
mod ofd {
    use super::{ErrorCode, LockKind};
    use std::fs::File;

    pub fn set(_: &File, _: u64, _: u64, _: LockKind) -> Result<(), ErrorCode> {
        Err(ErrorCode::Unsupported)
    }

    pub fn conflicts(_: &File, _: u64, _: u64, _: LockKind) -> Result<bool, ErrorCode> {
        Err(ErrorCode::Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_inside_the_directory() {
        let dir = std::env::temp_dir().join(format!("styrene-locks-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("nodes.db"), b"").unwrap();
        assert!(open_inside(&dir, "nodes.db").is_ok());
        for escape in ["", "../nodes.db", "/etc/passwd", "./../x", "a/../../b"] {
            assert_eq!(open_inside(&dir, escape).unwrap_err(), ErrorCode::NotPermitted, "{escape}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc/hostname", dir.join("link")).unwrap();
            assert_eq!(open_inside(&dir, "link").unwrap_err(), ErrorCode::NotPermitted);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn locks_conflict_between_open_files_of_one_process() {
        let dir = std::env::temp_dir().join(format!("styrene-locks-ofd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("db"), b"").unwrap();
        let (a, b) = (open_inside(&dir, "db").unwrap(), open_inside(&dir, "db").unwrap());
        ofd::set(&a, 10, 1, LockKind::Read).unwrap();
        ofd::set(&b, 10, 1, LockKind::Read).unwrap();
        assert_eq!(ofd::set(&b, 10, 1, LockKind::Write), Err(ErrorCode::Busy));
        assert!(ofd::conflicts(&b, 10, 1, LockKind::Write).unwrap());
        drop(a); // closing releases
        ofd::set(&b, 10, 1, LockKind::Write).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
