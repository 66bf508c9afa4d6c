//! `styrene-gather`: SQLite's own VFS with contiguous writes gathered into one.
//!
//! SQLite writes a WAL frame as two calls (its 24-byte header, then the page)
//! and a transaction as a run of frames, each at the offset where the last one
//! ended. Natively a write is a few microseconds; in the component each one is
//! a `wasi:filesystem` call, which a host may run on another thread (wasmtime's
//! Python host does, at about 100 µs a call). This VFS keeps such a run in
//! memory and hands it to the real file in one write:
//!
//! * when the page of a commit frame (a frame header with a non-zero "database
//!   size after commit") has been added, so a transaction is on the file before
//!   SQLite's commit returns and a failure is reported as that commit's failure;
//! * before anything that must see the file as written: a read, a sync, a size
//!   query, a truncate, a lock change, a file control, and close;
//! * when a write does not continue the run, or would take it past `GATHER_LIMIT`.
//!
//! A WAL file is also mirrored in memory (up to `MIRROR_LIMIT`, about twice
//! what SQLite lets it grow to between checkpoints): a checkpoint reads back
//! every page the log holds, one call each, and those reads are served from
//! the mirror, as are reads of the log's recent frames.
//!
//! Everything else is the platform VFS's (`unix-none` in the component,
//! SQLite's default natively). The files offer no shared memory, so a database
//! in WAL mode must be opened in exclusive locking mode, which the store does.

use rusqlite::ffi;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::OnceLock;

/// The name the store opens its database with.
pub const NAME: &CStr = c"styrene-gather";

/// The longest run: the unix VFS writes at most 0x1ffff bytes in one call
/// (it masks the length), and a run is one call. Pages are at most 64 KiB.
const GATHER_LIMIT: usize = 0x1ffff;
/// The longest WAL prefix kept in memory.
const MIRROR_LIMIT: usize = 8 << 20;
/// The size of a WAL frame header (SQLite's file format).
const WAL_FRAME_HEADER: usize = 24;

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
    unsafe { ffi::sqlite3_vfs_register(Box::into_raw(Box::new(vfs)), 0) }
}

/// One open file: SQLite's header, then the run being gathered; the base
/// VFS's file lives in the same allocation, at `real_offset()`.
#[repr(C)]
struct GatheringFile {
    header: ffi::sqlite3_file,
    real: *mut ffi::sqlite3_file,
    run: Vec<u8>,
    run_offset: i64,
    is_wal: bool,
    commit_page_next: bool,
    /// WAL files only: the file's first `len()` bytes, as written through
    /// this handle (the store is the file's only writer); `None` when they
    /// are not known, until the log restarts with a write at offset 0.
    mirror: Option<Vec<u8>>,
}

const fn real_offset() -> usize {
    let size = size_of::<GatheringFile>();
    size.next_multiple_of(16)
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
        file.cast::<GatheringFile>().write(GatheringFile {
            header: ffi::sqlite3_file { pMethods: &METHODS },
            real,
            run: Vec::new(),
            run_offset: 0,
            is_wal: flags & ffi::SQLITE_OPEN_WAL != 0,
            commit_page_next: false,
            mirror: None,
        });
        ffi::SQLITE_OK
    }
}

/// The file behind SQLite's handle.
unsafe fn this<'a>(file: *mut ffi::sqlite3_file) -> &'a mut GatheringFile {
    unsafe { &mut *file.cast::<GatheringFile>() }
}

impl GatheringFile {
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
        self.commit_page_next = false;
        if rc != ffi::SQLITE_OK {
            self.mirror = None; // it holds bytes the file did not get
        }
        rc
    }

    /// Keeps the mirror equal to the file's prefix after a write of `data` at `offset`.
    fn mirror_write(&mut self, data: &[u8], offset: i64) {
        let Ok(start) = usize::try_from(offset) else { return };
        let end = start + data.len();
        let mirror = match &mut self.mirror {
            Some(mirror) if start <= mirror.len() => mirror,
            _ if start == 0 => self.mirror.insert(Vec::new()),
            _ => {
                self.mirror = None; // a gap: the bytes before it are not known here
                return;
            }
        };
        if end > MIRROR_LIMIT {
            self.mirror = None;
            return;
        }
        if end > mirror.len() {
            mirror.resize(end, 0);
        }
        mirror[start..end].copy_from_slice(data);
    }

    /// Serves a read from the mirror if it holds the whole range.
    fn mirror_read(&self, buf: &mut [u8], offset: i64) -> bool {
        let (Some(mirror), Ok(start)) = (&self.mirror, usize::try_from(offset)) else { return false };
        match mirror.get(start..start + buf.len()) {
            Some(bytes) => {
                buf.copy_from_slice(bytes);
                true
            }
            None => false,
        }
    }

    fn gather(&mut self, data: &[u8], offset: i64) -> c_int {
        if self.is_wal {
            self.mirror_write(data, offset);
        }
        let continues = !self.run.is_empty() && offset == self.run_offset + self.run.len() as i64;
        if !continues || self.run.len() + data.len() > GATHER_LIMIT {
            let rc = self.flush();
            if rc != ffi::SQLITE_OK {
                return rc;
            }
            self.run_offset = offset;
        }
        self.run.extend_from_slice(data);
        if self.is_wal {
            if self.commit_page_next {
                return self.flush(); // the commit frame is complete
            }
            // a frame header whose bytes 4..8 (database size after commit) are set
            self.commit_page_next = data.len() == WAL_FRAME_HEADER && data[4..8] != [0, 0, 0, 0];
        }
        ffi::SQLITE_OK
    }
}

unsafe extern "C" fn close(file: *mut ffi::sqlite3_file) -> c_int {
    unsafe {
        let me = this(file);
        let flushed = me.flush();
        let closed = (me.real_methods().xClose.expect("a file closes"))(me.real);
        std::ptr::drop_in_place(file.cast::<GatheringFile>());
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
        && me.mirror_read(unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), len) }, offset)
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

unsafe extern "C" fn truncate(file: *mut ffi::sqlite3_file, size: i64) -> c_int {
    let me = unsafe { this(file) };
    let rc = me.flush();
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    if let (Some(mirror), Ok(keep)) = (&mut me.mirror, usize::try_from(size)) {
        mirror.truncate(keep);
    }
    unsafe { (me.real_methods().xTruncate.expect("xTruncate"))(me.real, size) }
}

after_flush!(sync, xSync, flags: c_int);
after_flush!(file_size, xFileSize, size: *mut i64);
after_flush!(lock, xLock, level: c_int);
after_flush!(unlock, xUnlock, level: c_int);
after_flush!(file_control, xFileControl, op: c_int, arg: *mut c_void);

unsafe extern "C" fn check_reserved_lock(file: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    let me = unsafe { this(file) };
    unsafe { (me.real_methods().xCheckReservedLock.expect("xCheckReservedLock"))(me.real, out) }
}

unsafe extern "C" fn sector_size(file: *mut ffi::sqlite3_file) -> c_int {
    let me = unsafe { this(file) };
    unsafe { (me.real_methods().xSectorSize.expect("xSectorSize"))(me.real) }
}

unsafe extern "C" fn device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    let me = unsafe { this(file) };
    unsafe { (me.real_methods().xDeviceCharacteristics.expect("xDeviceCharacteristics"))(me.real) }
}
