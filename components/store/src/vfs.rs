//! `styrene`: SQLite's own VFS with two additions for the component.
//!
//! **Locks.** SQLite's unix VFS locks a database with `fcntl` on the file's
//! lock bytes, and that is how every SQLite program on a machine (styrened,
//! the `sqlite3` shell) keeps out of the others' way. WASI 0.2 has no locks,
//! so the VFS SQLite builds for the component (`unix-none`) takes none. When a
//! host offers locks ([`use_host_locks`], the component's `file-locks`
//! import), the main database file runs SQLite's unix locking protocol
//! (`unixLock`, `posixUnlock` and `unixCheckReservedLock` in `os_unix.c`) on
//! them: the same bytes, the same order, so the component and every other
//! SQLite process see each other's readers and writers. Each time it takes a
//! shared lock, SQLite looks at the file's size and change counter and at
//! whether a journal or a log lies beside it; nobody may change those while
//! the lock is held, so they are served from one host snapshot taken right
//! after the lock instead of five `wasi:filesystem` calls. Each file has its own
//! host lock handle, as an open-file-description lock is per handle, so two
//! connections in one instance keep out of each other's way too. Without a
//! host (natively) the base VFS locks as it always does.
//!
//! **Gathered writes.** In the component every file operation is a
//! `wasi:filesystem` call, which a host may run on another thread (wasmtime's
//! Python host does, at tens of microseconds a call). Writes that continue one
//! another (a journal's header and its page records) are kept in memory and
//! handed to the file in one write, before anything that must see the file as
//! written: a read, a sync, a size query, a truncate, a lock change, a file
//! control and close; or when a write does not continue the run, or would take
//! it past `GATHER_LIMIT`.

use rusqlite::ffi;
use std::collections::HashMap;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::{Mutex, OnceLock};

/// The name the store opens its databases with.
pub const NAME: &CStr = c"styrene";

/// The longest run: the unix VFS writes at most 0x1ffff bytes in one call
/// (it masks the length), and a run is one call. Pages are at most 64 KiB.
const GATHER_LIMIT: usize = 0x1ffff;

/// Where SQLite reads a database's change counter each time it takes a
/// shared lock (`sqlite3PagerSharedLock`: 16 bytes from byte 24 of the header).
const CHANGE_COUNTER: (u64, u32) = (24, 16);
/// What SQLite looks for beside a database each time it takes a shared lock.
const SIBLING_SUFFIXES: [&str; 2] = ["-journal", "-wal"];

/// SQLite's lock bytes (`os_unix.c`, `sqliteInt.h`): the pending byte, the
/// reserved byte after it, and the shared range after that.
const PENDING_BYTE: u64 = 0x4000_0000;
const RESERVED_BYTE: u64 = PENDING_BYTE + 1;
const SHARED_FIRST: u64 = PENDING_BYTE + 2;
const SHARED_SIZE: u64 = 510;

/// A lock on a range of bytes, as `fcntl` has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    /// Releases the range.
    Unlocked,
    /// Shared.
    Read,
    /// Exclusive.
    Write,
}

/// Why a host refused a lock request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockFailure {
    /// Another holder's lock conflicts.
    Busy,
    /// The host cannot lock files at all.
    Unsupported,
    /// Any other failure (the file cannot be opened for locking, an I/O error).
    Failed,
}

/// A host's look at a locked file and at the files beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The file's size.
    pub size: u64,
    /// The bytes asked for (fewer at the end of the file).
    pub bytes: Vec<u8>,
    /// Per sibling asked about: its size, or `None` if it does not exist.
    pub siblings: Vec<Option<u64>>,
}

/// A database file opened for locking by the host.
pub trait LockableFile {
    /// Sets bytes `start .. start + len` (`len` 0: to the end) to `kind`, without waiting.
    fn set(&self, start: u64, len: u64, kind: LockKind) -> Result<(), LockFailure>;
    /// Whether another holder's lock on the range conflicts with `kind`.
    fn conflicts(&self, start: u64, len: u64, kind: LockKind) -> Result<bool, LockFailure>;
    /// The file's size, `len` bytes from `offset`, and the sizes of the
    /// `siblings` (paths relative to the granted directory, as for opening).
    fn snapshot(&self, offset: u64, len: u32, siblings: &[&str]) -> Result<Snapshot, LockFailure>;
}

/// Opens a file for locking by the path SQLite opened it with, made relative
/// (the component's paths are relative to the directory its host granted).
pub type OpenLockable = fn(&str) -> Result<Box<dyn LockableFile>, LockFailure>;

static HOST_LOCKS: OnceLock<OpenLockable> = OnceLock::new();

/// Lock every database opened from now on through `open`. Called once, by
/// the component, with its `file-locks` import; a second call changes nothing.
pub fn use_host_locks(open: OpenLockable) {
    let _ = HOST_LOCKS.set(open);
}

/// Registers the VFS once per process; SQLite's result code if that failed.
pub fn register() -> Result<(), c_int> {
    static REGISTERED: OnceLock<c_int> = OnceLock::new();
    let rc = *REGISTERED.get_or_init(|| unsafe { register_now() });
    if rc == ffi::SQLITE_OK { Ok(()) } else { Err(rc) }
}

#[cfg(target_family = "wasm")]
const BASE: *const c_char = c"unix-none".as_ptr();
#[cfg(not(target_family = "wasm"))]
const BASE: *const c_char = std::ptr::null(); // the default VFS

unsafe fn register_now() -> c_int {
    let rc = unsafe { ffi::sqlite3_initialize() };
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    let base = unsafe { ffi::sqlite3_vfs_find(BASE) };
    if base.is_null() {
        return ffi::SQLITE_ERROR;
    }
    // Every method but xOpen is the base VFS's own; they only read fields
    // copied here (mxPathname), never pAppData, which carries the base VFS.
    let mut vfs = unsafe { std::ptr::read(base) };
    vfs.iVersion = vfs.iVersion.min(3);
    vfs.szOsFile = real_offset() as c_int + unsafe { (*base).szOsFile };
    vfs.pNext = std::ptr::null_mut();
    vfs.zName = NAME.as_ptr();
    vfs.pAppData = base.cast();
    vfs.xOpen = Some(open);
    vfs.xAccess = Some(access);
    unsafe { ffi::sqlite3_vfs_register(Box::into_raw(Box::new(vfs)), 0) }
}

/// One open file: SQLite's header, then the run being gathered and the
/// host's locks; the base VFS's file lives in the same allocation, at
/// `real_offset()`.
#[repr(C)]
struct StyreneFile {
    header: ffi::sqlite3_file,
    real: *mut ffi::sqlite3_file,
    run: Vec<u8>,
    run_offset: i64,
    /// The host's lock handle (main database files, when the host locks).
    locks: Option<Box<dyn LockableFile>>,
    /// The SQLite lock level held through `locks` (`SQLITE_LOCK_*`).
    level: c_int,
    /// The path SQLite opened the file by, and the same relative to the granted directory.
    name: String,
    relative: String,
    /// The host's snapshot while exactly SHARED is held (no writer can exist).
    view: Option<Snapshot>,
}

const fn real_offset() -> usize {
    size_of::<StyreneFile>().next_multiple_of(16)
}

static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 1, // no shared memory, no memory-mapped reads
    xClose: Some(close),
    xRead: Some(read),
    xWrite: Some(write),
    xTruncate: Some(truncate),
    xSync: Some(sync),
    xFileSize: Some(file_size),
    xLock: Some(lock),
    xUnlock: Some(unlock),
    xCheckReservedLock: Some(check_reserved_lock),
    xFileControl: Some(file_control),
    xSectorSize: Some(sector_size),
    xDeviceCharacteristics: Some(device_characteristics),
    xShmMap: None,
    xShmLock: None,
    xShmBarrier: None,
    xShmUnmap: None,
    xFetch: None,
    xUnfetch: None,
};

unsafe extern "C" fn open(
    vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    unsafe {
        let base: *mut ffi::sqlite3_vfs = (*vfs).pAppData.cast();
        let real: *mut ffi::sqlite3_file = file.cast::<u8>().add(real_offset()).cast();
        (*file).pMethods = std::ptr::null();
        let rc = ((*base).xOpen.expect("a VFS opens files"))(base, name, real, flags, out_flags);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        // the file exists now (SQLite may just have created it): open it for locking too
        let path =
            if name.is_null() { String::new() } else { CStr::from_ptr(name).to_string_lossy().into_owned() };
        let locks = match HOST_LOCKS.get() {
            Some(open_lockable) if flags & ffi::SQLITE_OPEN_MAIN_DB != 0 && !name.is_null() => {
                match open_lockable(relative(&path)) {
                    Ok(locks) => Some(locks),
                    // a host that cannot lock leaves the database as `unix-none` has it
                    Err(LockFailure::Unsupported) => None,
                    Err(_) => {
                        ((*(*real).pMethods).xClose.expect("a file closes"))(real);
                        return ffi::SQLITE_CANTOPEN;
                    }
                }
            }
            _ => None,
        };
        file.cast::<StyreneFile>().write(StyreneFile {
            header: ffi::sqlite3_file { pMethods: &raw const METHODS },
            real,
            run: Vec::new(),
            run_offset: 0,
            locks,
            level: ffi::SQLITE_LOCK_NONE,
            relative: relative(&path).to_string(),
            name: path,
            view: None,
        });
        ffi::SQLITE_OK
    }
}

/// SQLite's full path of a file, relative again: the unix VFS puts the
/// component's working directory, `/`, in front of the name it was given.
fn relative(path: &str) -> &str {
    let mut path = path.trim_start_matches('/');
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.trim_start_matches('/');
    }
    path
}

/// The file behind SQLite's handle.
unsafe fn this<'a>(file: *mut ffi::sqlite3_file) -> &'a mut StyreneFile {
    unsafe { &mut *file.cast::<StyreneFile>() }
}

impl StyreneFile {
    fn real_methods(&self) -> &ffi::sqlite3_io_methods {
        unsafe { &*(*self.real).pMethods }
    }

    /// Writes the gathered run, if any, to the real file.
    fn flush(&mut self) -> c_int {
        if self.run.is_empty() {
            return ffi::SQLITE_OK;
        }
        let write = self.real_methods().xWrite.expect("a file writes");
        let rc =
            unsafe { write(self.real, self.run.as_ptr().cast(), self.run.len() as c_int, self.run_offset) };
        self.run.clear(); // a failed run is not retried: SQLite sees the error and recovers
        rc
    }

    /// Takes the host's snapshot after SHARED was reached, and lets `access`
    /// answer for the siblings from it.
    fn take_snapshot(&mut self) {
        let Some(locks) = &self.locks else { return };
        let siblings: Vec<String> =
            SIBLING_SUFFIXES.iter().map(|s| format!("{}{s}", self.relative)).collect();
        let names: Vec<&str> = siblings.iter().map(String::as_str).collect();
        let Ok(view) = locks.snapshot(CHANGE_COUNTER.0, CHANGE_COUNTER.1, &names) else { return };
        if view.siblings.len() != SIBLING_SUFFIXES.len() {
            return; // a host that did not answer the question: look at the files instead
        }
        let mut known = SIBLINGS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let known = known.get_or_insert_with(HashMap::new);
        for (suffix, size) in SIBLING_SUFFIXES.iter().zip(&view.siblings) {
            known.insert(format!("{}{suffix}", self.name), *size);
        }
        self.view = Some(view);
    }

    /// Forgets the snapshot: the lock it was taken under is no longer exactly SHARED.
    fn drop_snapshot(&mut self) {
        if self.view.take().is_some() {
            let mut known = SIBLINGS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            for suffix in SIBLING_SUFFIXES {
                known.as_mut().map(|k| k.remove(&format!("{}{suffix}", self.name)));
            }
        }
    }

    /// Serves a read from the snapshot if it holds the whole range.
    fn read_snapshot(&self, buf: &mut [u8], offset: i64) -> bool {
        let Some(view) = &self.view else { return false };
        let start = usize::try_from(offset).ok().and_then(|o| o.checked_sub(CHANGE_COUNTER.0 as usize));
        match start.and_then(|s| view.bytes.get(s..s + buf.len())) {
            Some(bytes) => {
                buf.copy_from_slice(bytes);
                true
            }
            None => false,
        }
    }

    fn gather(&mut self, data: &[u8], offset: i64) -> c_int {
        let continues = !self.run.is_empty() && offset == self.run_offset + self.run.len() as i64;
        if !continues || self.run.len() + data.len() > GATHER_LIMIT {
            let rc = self.flush();
            if rc != ffi::SQLITE_OK {
                return rc;
            }
            self.run_offset = offset;
        }
        self.run.extend_from_slice(data);
        ffi::SQLITE_OK
    }
}

/// Sizes of the files beside databases held at exactly SHARED, by the path
/// SQLite asks `xAccess` about: taken from the host's snapshot.
static SIBLINGS: Mutex<Option<HashMap<String, Option<u64>>>> = Mutex::new(None);

/// `xAccess`: whether a file exists, from a snapshot when one covers it.
unsafe extern "C" fn access(
    vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    flags: c_int,
    out: *mut c_int,
) -> c_int {
    if flags == ffi::SQLITE_ACCESS_EXISTS && !name.is_null() {
        let path = unsafe { CStr::from_ptr(name) }.to_string_lossy();
        let known = SIBLINGS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(size) = known.as_ref().and_then(|k| k.get(path.as_ref())) {
            // the unix VFS's rule: an empty file does not count
            unsafe { *out = c_int::from(size.is_some_and(|s| s > 0)) };
            return ffi::SQLITE_OK;
        }
    }
    unsafe {
        let base: *mut ffi::sqlite3_vfs = (*vfs).pAppData.cast();
        ((*base).xAccess.expect("a VFS checks access"))(base, name, flags, out)
    }
}

/// SQLite's lock levels over host byte locks, as `os_unix.c` takes them.
mod protocol {
    use super::*;
    use ffi::{SQLITE_LOCK_EXCLUSIVE, SQLITE_LOCK_NONE, SQLITE_LOCK_PENDING, SQLITE_LOCK_RESERVED};
    use ffi::{SQLITE_LOCK_SHARED, SQLITE_OK};

    /// SQLite's code for a refused request: `SQLITE_BUSY` when another holder
    /// is in the way (SQLite's busy handler then waits and asks again).
    fn code(failure: LockFailure, otherwise: c_int) -> c_int {
        match failure {
            LockFailure::Busy => ffi::SQLITE_BUSY,
            LockFailure::Unsupported | LockFailure::Failed => otherwise,
        }
    }

    /// `xLock`: raises the lock to `want`, or leaves it where it was.
    pub(super) fn lock(locks: &dyn LockableFile, level: &mut c_int, want: c_int) -> c_int {
        if *level >= want {
            return SQLITE_OK;
        }
        let io = ffi::SQLITE_IOERR_LOCK;
        // The pending byte is held for a moment on the way to SHARED (so that
        // a writer waiting for EXCLUSIVE is not starved by new readers) and for
        // good on the way from RESERVED to EXCLUSIVE.
        if want == SQLITE_LOCK_SHARED || (want == SQLITE_LOCK_EXCLUSIVE && *level == SQLITE_LOCK_RESERVED) {
            let kind = if want == SQLITE_LOCK_SHARED { LockKind::Read } else { LockKind::Write };
            if let Err(failure) = locks.set(PENDING_BYTE, 1, kind) {
                return code(failure, io);
            }
            if want == SQLITE_LOCK_EXCLUSIVE {
                *level = SQLITE_LOCK_PENDING;
            }
        }
        if want == SQLITE_LOCK_SHARED {
            let shared = locks.set(SHARED_FIRST, SHARED_SIZE, LockKind::Read);
            let pending_released = locks.set(PENDING_BYTE, 1, LockKind::Unlocked);
            return match (shared, pending_released) {
                (Err(failure), _) => code(failure, io),
                (Ok(()), Err(_)) => ffi::SQLITE_IOERR_UNLOCK,
                (Ok(()), Ok(())) => {
                    *level = SQLITE_LOCK_SHARED;
                    SQLITE_OK
                }
            };
        }
        let (start, len) =
            if want == SQLITE_LOCK_RESERVED { (RESERVED_BYTE, 1) } else { (SHARED_FIRST, SHARED_SIZE) };
        match locks.set(start, len, LockKind::Write) {
            Ok(()) => {
                *level = want;
                SQLITE_OK
            }
            Err(failure) => code(failure, io),
        }
    }

    /// `xUnlock`: lowers the lock to `want` (SHARED or NONE).
    pub(super) fn unlock(locks: &dyn LockableFile, level: &mut c_int, want: c_int) -> c_int {
        if *level <= want {
            return SQLITE_OK;
        }
        if *level > SQLITE_LOCK_SHARED {
            if want == SQLITE_LOCK_SHARED && locks.set(SHARED_FIRST, SHARED_SIZE, LockKind::Read).is_err() {
                // only a holder outside SQLite's protocol could be in the way
                return ffi::SQLITE_IOERR_RDLOCK;
            }
            if locks.set(PENDING_BYTE, 2, LockKind::Unlocked).is_err() {
                return ffi::SQLITE_IOERR_UNLOCK;
            }
            *level = SQLITE_LOCK_SHARED;
        }
        if want == SQLITE_LOCK_NONE {
            let released = locks.set(0, 0, LockKind::Unlocked);
            *level = SQLITE_LOCK_NONE;
            if released.is_err() {
                return ffi::SQLITE_IOERR_UNLOCK;
            }
        }
        SQLITE_OK
    }

    /// `xCheckReservedLock`: whether anyone holds RESERVED or more.
    pub(super) fn reserved(locks: &dyn LockableFile, level: c_int, out: &mut c_int) -> c_int {
        if level > SQLITE_LOCK_SHARED {
            *out = 1;
            return SQLITE_OK;
        }
        match locks.conflicts(RESERVED_BYTE, 1, LockKind::Write) {
            Ok(held) => {
                *out = c_int::from(held);
                SQLITE_OK
            }
            Err(_) => ffi::SQLITE_IOERR_CHECKRESERVEDLOCK,
        }
    }
}

unsafe extern "C" fn close(file: *mut ffi::sqlite3_file) -> c_int {
    unsafe {
        let me = this(file);
        let flushed = me.flush();
        me.drop_snapshot();
        if let Some(locks) = &me.locks {
            let _ = protocol::unlock(locks.as_ref(), &mut me.level, ffi::SQLITE_LOCK_NONE);
        }
        let closed = (me.real_methods().xClose.expect("a file closes"))(me.real);
        std::ptr::drop_in_place(file.cast::<StyreneFile>()); // drops the host's lock handle
        (*file).pMethods = std::ptr::null();
        if flushed != ffi::SQLITE_OK { flushed } else { closed }
    }
}

unsafe extern "C" fn read(
    file: *mut ffi::sqlite3_file,
    buf: *mut c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    let me = unsafe { this(file) };
    if let Ok(len) = usize::try_from(amount)
        && me.read_snapshot(unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), len) }, offset)
    {
        return ffi::SQLITE_OK;
    }
    let rc = me.flush();
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    unsafe { (me.real_methods().xRead.expect("a file reads"))(me.real, buf, amount, offset) }
}

unsafe extern "C" fn write(
    file: *mut ffi::sqlite3_file,
    buf: *const c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    let me = unsafe { this(file) };
    let Ok(len) = usize::try_from(amount) else { return ffi::SQLITE_IOERR_WRITE };
    if len == 0 {
        return ffi::SQLITE_OK;
    }
    me.drop_snapshot();
    me.gather(unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), len) }, offset)
}

/// Flushes the run, then calls the real file's method.
macro_rules! after_flush {
    ($name:ident, $method:ident $(, $arg:ident : $ty:ty)*) => {
        unsafe extern "C" fn $name(file: *mut ffi::sqlite3_file $(, $arg: $ty)*) -> c_int {
            let me = unsafe { this(file) };
            let rc = me.flush();
            if rc != ffi::SQLITE_OK {
                return rc;
            }
            unsafe { (me.real_methods().$method.expect(stringify!($method)))(me.real $(, $arg)*) }
        }
    };
}

after_flush!(truncate, xTruncate, size: i64);
after_flush!(sync, xSync, flags: c_int);
after_flush!(file_control, xFileControl, op: c_int, arg: *mut c_void);

unsafe extern "C" fn file_size(file: *mut ffi::sqlite3_file, size: *mut i64) -> c_int {
    let me = unsafe { this(file) };
    if let Some(view) = &me.view
        && let Ok(known) = i64::try_from(view.size)
    {
        unsafe { *size = known };
        return ffi::SQLITE_OK;
    }
    let rc = me.flush();
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    unsafe { (me.real_methods().xFileSize.expect("xFileSize"))(me.real, size) }
}

unsafe extern "C" fn lock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    let me = unsafe { this(file) };
    let rc = me.flush();
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    let Some(locks) = &me.locks else {
        return unsafe { (me.real_methods().xLock.expect("xLock"))(me.real, level) };
    };
    let was = me.level;
    let rc = protocol::lock(locks.as_ref(), &mut me.level, level);
    if me.level > ffi::SQLITE_LOCK_SHARED {
        me.drop_snapshot(); // a writer: its own writes change what the snapshot saw
    } else if was < ffi::SQLITE_LOCK_SHARED && me.level == ffi::SQLITE_LOCK_SHARED {
        me.take_snapshot();
    }
    rc
}

unsafe extern "C" fn unlock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    let me = unsafe { this(file) };
    let rc = me.flush();
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    me.drop_snapshot();
    let Some(locks) = &me.locks else {
        return unsafe { (me.real_methods().xUnlock.expect("xUnlock"))(me.real, level) };
    };
    protocol::unlock(locks.as_ref(), &mut me.level, level)
}

unsafe extern "C" fn check_reserved_lock(file: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    let me = unsafe { this(file) };
    match &me.locks {
        Some(locks) => protocol::reserved(locks.as_ref(), me.level, unsafe { &mut *out }),
        None => unsafe { (me.real_methods().xCheckReservedLock.expect("xCheckReservedLock"))(me.real, out) },
    }
}

unsafe extern "C" fn sector_size(file: *mut ffi::sqlite3_file) -> c_int {
    let me = unsafe { this(file) };
    unsafe { (me.real_methods().xSectorSize.expect("xSectorSize"))(me.real) }
}

unsafe extern "C" fn device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    let me = unsafe { this(file) };
    unsafe { (me.real_methods().xDeviceCharacteristics.expect("xDeviceCharacteristics"))(me.real) }
}

#[cfg(test)]
mod tests {
    use super::relative;

    #[test]
    fn paths_are_made_relative() {
        assert_eq!(relative("/nodes.db"), "nodes.db");
        assert_eq!(relative("/./nodes.db"), "nodes.db");
        assert_eq!(relative("./sub/nodes.db"), "sub/nodes.db");
        assert_eq!(relative("nodes.db"), "nodes.db");
    }
}
