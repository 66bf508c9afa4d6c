//! The store's SQLite on host locks, as it runs in the component, tested
//! natively: the locks here are Linux open-file-description locks taken the way
//! the hosts take them, and the other party is SQLite's own unix VFS with its
//! classic `fcntl` locks, as in styrened or the `sqlite3` shell.
#![cfg(target_os = "linux")]

use rusqlite::{Connection, TransactionBehavior};
use std::cell::Cell;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use styrene_nodes::{DeviceType, MeshDevice};
use styrene_store::{LockFailure, LockKind, LockableFile, NodeStore, Snapshot, StoreError};

thread_local! {
    static SNAPSHOTS: Cell<usize> = const { Cell::new(0) };
}

struct OfdLocks(File);

fn flock(start: u64, len: u64, kind: LockKind) -> libc::flock {
    // SAFETY: plain data; zeroed is valid (and l_pid must be 0 for OFD locks)
    let mut lock: libc::flock = unsafe { std::mem::zeroed() };
    lock.l_type = match kind {
        LockKind::Unlocked => libc::F_UNLCK,
        LockKind::Read => libc::F_RDLCK,
        LockKind::Write => libc::F_WRLCK,
    } as libc::c_short;
    lock.l_whence = libc::SEEK_SET as libc::c_short;
    lock.l_start = start as i64;
    lock.l_len = len as i64;
    lock
}

impl LockableFile for OfdLocks {
    fn set(&self, start: u64, len: u64, kind: LockKind) -> Result<(), LockFailure> {
        let lock = flock(start, len, kind);
        // SAFETY: a live descriptor and flock
        match unsafe { libc::fcntl(self.0.as_raw_fd(), libc::F_OFD_SETLK, &lock) } {
            0 => Ok(()),
            _ => Err(LockFailure::Busy),
        }
    }

    fn conflicts(&self, start: u64, len: u64, kind: LockKind) -> Result<bool, LockFailure> {
        let mut lock = flock(start, len, kind);
        // SAFETY: as above
        assert_eq!(unsafe { libc::fcntl(self.0.as_raw_fd(), libc::F_OFD_GETLK, &mut lock) }, 0);
        Ok(lock.l_type != libc::F_UNLCK as libc::c_short)
    }

    fn snapshot(&self, offset: u64, len: u32, siblings: &[&str]) -> Result<Snapshot, LockFailure> {
        use std::os::unix::fs::FileExt;
        SNAPSHOTS.with(|n| n.set(n.get() + 1));
        let mut bytes = vec![0; len as usize];
        let read = self.0.read_at(&mut bytes, offset).unwrap();
        bytes.truncate(read);
        let siblings = siblings.iter().map(|s| std::fs::metadata(granted(s)).ok().map(|m| m.len())).collect();
        Ok(Snapshot { size: self.0.metadata().unwrap().len(), bytes, siblings })
    }
}

/// Where a path the VFS passes on lies. It comes relative to the directory the
/// host granted; natively SQLite makes every path absolute first, so that
/// directory is the root here (in the component it is the one preopened).
fn granted(path: &str) -> PathBuf {
    PathBuf::from("/").join(path)
}

fn open_lockable(path: &str) -> Result<Box<dyn LockableFile>, LockFailure> {
    let file = std::fs::OpenOptions::new().read(true).write(true).open(granted(path));
    Ok(Box::new(OfdLocks(file.map_err(|_| LockFailure::Failed)?)))
}

fn device(i: u32, name: &str) -> MeshDevice {
    MeshDevice {
        destination_hash: format!("{i:032x}"),
        identity_hash: "11".repeat(16),
        name: name.to_owned(),
        device_type: DeviceType::Hub,
        last_announce: 1_700_000_000,
        announce_count: 1,
        app_data_raw: None,
        capabilities: None,
        version: None,
        lxmf_destination_hash: None,
        short_name: None,
        system_fingerprint: None,
        nomadnet_destination_hash: None,
        discovered_via: None,
        hops: None,
        ygg_address: None,
        b32_address: None,
        web_url: None,
    }
}

/// One test, as the lock host is global to the process.
#[test]
fn the_store_and_sqlites_own_locks_keep_out_of_each_others_way() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("locking-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    styrene_store::use_host_locks(open_lockable);
    let store = NodeStore::open(&dir.join("nodes.db")).unwrap();
    let mut other = Connection::open(dir.join("nodes.db")).unwrap();

    // writes on either side are seen by the other on its next read
    store.save_node(&device(1, "from-store")).unwrap();
    let name: String =
        other.query_row("SELECT name FROM nodes WHERE name = 'from-store'", [], |r| r.get(0)).unwrap();
    assert_eq!(name, "from-store");
    other.execute("UPDATE nodes SET name = 'from-sqlite'", []).unwrap();
    assert_eq!(store.get_node_by_destination(&format!("{:032x}", 1)).unwrap().unwrap().name, "from-sqlite");

    // a cached read takes one snapshot and no other look at the file
    let before = SNAPSHOTS.with(Cell::get);
    store.get_node_by_destination(&format!("{:032x}", 1)).unwrap();
    assert_eq!(SNAPSHOTS.with(Cell::get) - before, 1);

    // a reader holding SHARED keeps the store from writing (busy after the timeout),
    // but not from reading
    let reading = other.transaction_with_behavior(TransactionBehavior::Deferred).unwrap();
    let _: i64 = reading.query_row("SELECT count(*) FROM nodes", [], |r| r.get(0)).unwrap();
    assert_eq!(store.get_all_nodes().unwrap().len(), 1);
    assert!(matches!(store.save_node(&device(2, "blocked")), Err(StoreError::Busy(_))));
    reading.commit().unwrap();
    store.save_node(&device(2, "after")).unwrap();

    // the store's write lock keeps SQLite's writers out: a writer in the middle of
    // a transaction holds RESERVED, which the other side's RESERVED cannot join
    let writing = other.transaction_with_behavior(TransactionBehavior::Immediate).unwrap();
    writing.execute("UPDATE nodes SET name = 'held'", []).unwrap();
    assert!(matches!(store.save_node(&device(3, "blocked")), Err(StoreError::Busy(_))));
    assert_eq!(store.get_all_nodes().unwrap().len(), 2, "readers still read the last commit");
    writing.rollback().unwrap();
    assert!(store.integrity_ok().unwrap());
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}
