//! styrened 0.18.0's attachment store (`styrened.services.attachment_store`):
//! attachment files under a base directory, one directory per peer, with
//! styrened's filename sanitising, layout, size limit, atomic writes and
//! storage budget. It works on `std::fs` only, so the same code runs natively
//! and inside the component over `wasi:filesystem`, where the base is a
//! directory the host preopened.
//!
//! Nothing outside the base directory is read, written, renamed or deleted.
//! styrened checks containment after it has created the peer directory and
//! follows whatever a `<target>.tmp` symlink points at; here every path is
//! resolved first, symlinks included, and refused with styrened's
//! `Path escapes attachment store: …` when it leaves the base. A symlink's
//! target is followed only while it stays inside (an absolute target only when
//! it names the base itself, which a component cannot see); one that leaves is
//! treated as escaping where styrened reads through it and as a broken link
//! where styrened only lists files (usage, eviction, `delete_for_peer`).

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Largest attachment `save` accepts by default: 10 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;
/// Default storage budget that `enforce_budget` evicts down to: 500 MiB.
pub const DEFAULT_STORAGE_BUDGET: u64 = 500 * 1024 * 1024;
/// Characters of the peer hash that name its directory.
pub const PEER_DIR_PREFIX_LEN: usize = 16;
/// The directory name length before styrened moved to 16 characters.
const LEGACY_PEER_DIR_PREFIX_LEN: usize = 8;
/// Longest sanitised filename, in characters.
pub const MAX_FILENAME_LEN: usize = 200;
/// An extension is kept through truncation only when shorter than this.
const KEPT_EXTENSION_LEN: usize = 20;
/// The name a filename that sanitises to nothing gets.
const FALLBACK_NAME: &str = "attachment";
/// Suffix of the file a save writes before renaming it into place.
const TEMP_SUFFIX: &str = ".tmp";
/// Symlinks followed while resolving one path before giving up, as Linux does.
const MAX_SYMLINK_HOPS: usize = 40;

/// styrened's `_sanitize_filename`: the last `/`-separated part, each of
/// ``/ \ : < > " | ? *`` and the control characters 0x00–0x1F made `_`, runs
/// of `_` collapsed and stripped from both ends, cut to 200 characters (the
/// extension kept when it is shorter than 20), `attachment` if nothing is left.
pub fn sanitize_filename(name: &str) -> String {
    let base = name.rsplit('/').next().unwrap_or(name);
    let mut cleaned = String::with_capacity(base.len());
    for c in base.chars() {
        let c = if matches!(c, '/' | '\\' | ':' | '<' | '>' | '"' | '|' | '?' | '*' | '\0'..='\x1f') {
            '_'
        } else {
            c
        };
        if !(c == '_' && cleaned.ends_with('_')) {
            cleaned.push(c);
        }
    }
    let mut name = cleaned.trim_matches('_').to_owned();
    if name.chars().count() > MAX_FILENAME_LEN {
        // a name without a dot is all "extension", as Python's rpartition has it
        let (stem, ext) = name.rsplit_once('.').unwrap_or(("", &name));
        let ext_len = ext.chars().count();
        name = if !ext.is_empty() && ext_len < KEPT_EXTENSION_LEN {
            let stem: String = stem.chars().take(MAX_FILENAME_LEN - ext_len - 1).collect();
            format!("{stem}.{ext}")
        } else {
            name.chars().take(MAX_FILENAME_LEN).collect()
        };
    }
    if name.is_empty() { FALLBACK_NAME.to_owned() } else { name }
}

/// Why an attachment operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachmentError {
    /// The data is larger than the store's maximum file size (styrened's `ValueError`).
    TooLarge {
        /// Bytes given.
        size: u64,
        /// The store's maximum.
        max: u64,
    },
    /// The path, as styrened would show it, resolves outside the base directory
    /// (styrened's `ValueError`). Nothing was touched.
    Escapes(PathBuf),
    /// The filesystem said no (styrened's `OSError` subclasses).
    Io {
        /// What kind of failure (`NotFound`, `IsADirectory`, ...).
        kind: io::ErrorKind,
        /// The path it concerned, as styrened would show it.
        path: PathBuf,
        /// The system's words.
        message: String,
    },
}

impl fmt::Display for AttachmentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttachmentError::TooLarge { size, max } => {
                write!(f, "Attachment size {size} exceeds maximum {max}")
            }
            AttachmentError::Escapes(path) => write!(f, "Path escapes attachment store: {}", path.display()),
            AttachmentError::Io { path, message, .. } => write!(f, "{message}: {}", path.display()),
        }
    }
}

impl std::error::Error for AttachmentError {}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> AttachmentError + '_ {
    move |e| AttachmentError::Io { kind: e.kind(), path: path.to_owned(), message: e.to_string() }
}

/// The names and `..` of a relative path (`.` dropped); `None` for a rooted one.
fn parts(path: &Path) -> Option<VecDeque<OsString>> {
    path.components()
        .filter(|c| *c != Component::CurDir)
        .map(|c| matches!(c, Component::Normal(_) | Component::ParentDir).then(|| c.as_os_str().to_owned()))
        .collect()
}

/// The first `n` characters of a peer hash, as Python's `peer_hash[:n]`.
fn prefix(peer_hash: &str, n: usize) -> &str {
    peer_hash.char_indices().nth(n).map_or(peer_hash, |(at, _)| &peer_hash[..at])
}

/// A file that usage and eviction count: where it is listed, and the size and
/// modification time of what it is (a symlink's target).
struct Listed {
    path: PathBuf,
    size: u64,
    mtime: f64,
}

/// Seconds since the epoch as a float, the way Python's `st_mtime` computes it.
fn float_seconds(t: SystemTime) -> f64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as f64 + f64::from(d.subsec_nanos()) * 1e-9,
        Err(before) => {
            -(before.duration().as_secs() as f64 + f64::from(before.duration().subsec_nanos()) * 1e-9)
        }
    }
}

/// styrened's `AttachmentStore` on a base directory.
#[derive(Debug)]
pub struct AttachmentStore {
    base: PathBuf,
    /// The base's absolute, symlink-free form where the platform can say
    /// (natively); absolute paths are accepted only under it or `base`.
    root: PathBuf,
    max_file_size: u64,
    storage_budget: u64,
}

impl AttachmentStore {
    /// Opens a store on `base`, creating the directory (and its parents).
    pub fn open(
        base: impl Into<PathBuf>,
        max_file_size: u64,
        storage_budget: u64,
    ) -> Result<Self, AttachmentError> {
        let base = base.into();
        // asked first: a read-only grant refuses even a `mkdir` of what exists
        if !base.is_dir() {
            fs::create_dir_all(&base).map_err(io_error(&base))?;
        }
        // Under WASI, paths are names inside preopened directories, and
        // wasi-libc's canonical form of one (`/` for `.`) would make every
        // absolute path look like one under the base: there it stays as given.
        let root = if cfg!(target_os = "wasi") {
            base.clone()
        } else {
            fs::canonicalize(&base).unwrap_or_else(|_| base.clone())
        };
        Ok(AttachmentStore { base, root, max_file_size, storage_budget })
    }

    /// The base directory, as given.
    pub fn base_dir(&self) -> &Path {
        &self.base
    }

    /// The largest attachment `save` accepts, in bytes.
    pub fn max_file_size(&self) -> u64 {
        self.max_file_size
    }

    /// The budget `enforce_budget` evicts down to, in bytes.
    pub fn storage_budget(&self) -> u64 {
        self.storage_budget
    }

    /// A path as styrened shows it: relative ones under the base.
    fn shown(&self, path: &Path) -> PathBuf {
        self.base.join(path)
    }

    /// Where `path` (relative ones under the base) really is, as a path under
    /// the base with every symlink followed (the last component only if
    /// `follow_last`), or `None` if it leaves the base. Components that do not
    /// exist are taken as written, as Python's `Path.resolve()` does.
    fn resolve(&self, path: &Path, follow_last: bool) -> Option<PathBuf> {
        let mut todo: VecDeque<OsString> = parts(&self.within(path)?)?;
        let mut at: Vec<OsString> = Vec::new();
        let mut hops = 0;
        while let Some(part) = todo.pop_front() {
            if part == ".." {
                at.pop()?;
                continue;
            }
            at.push(part);
            if todo.is_empty() && !follow_last {
                continue;
            }
            let here = self.base.join(at.iter().collect::<PathBuf>());
            let target = match fs::read_link(&here) {
                Ok(target) => target,
                // a link whose target the sandbox will not show (WASI hides absolute ones) leaves
                Err(_) if fs::symlink_metadata(&here).is_ok_and(|m| m.file_type().is_symlink()) => {
                    return None;
                }
                Err(_) => continue,
            };
            hops += 1;
            if hops > MAX_SYMLINK_HOPS {
                return None;
            }
            at.pop();
            if target.is_absolute() {
                at.clear();
            }
            let target = parts(&self.within(&target)?)?;
            for part in target.into_iter().rev() {
                todo.push_front(part);
            }
        }
        Some(self.base.join(at.iter().collect::<PathBuf>()))
    }

    /// `path` relative to the base: relative paths as they are, absolute ones
    /// only under the base.
    fn within(&self, path: &Path) -> Option<PathBuf> {
        if !path.has_root() {
            return Some(path.to_owned());
        }
        [&self.root, &self.base]
            .into_iter()
            .filter(|b| b.is_absolute())
            .find_map(|b| path.strip_prefix(b).ok())
            .map(Path::to_owned)
    }

    /// [`Self::resolve`], or styrened's escape error showing `shown`.
    fn contained(&self, path: &Path, follow_last: bool, shown: &Path) -> Result<PathBuf, AttachmentError> {
        self.resolve(path, follow_last).ok_or_else(|| AttachmentError::Escapes(shown.to_owned()))
    }

    /// Saves `data` as `<base>/<peer_hash[:16]>/<message_id>_<sanitised name>`,
    /// written to `<target>.tmp` and renamed into place; returns that path.
    /// A legacy 8-character peer directory is renamed to the 16-character one first.
    pub fn save(
        &self,
        peer_hash: &str,
        message_id: i64,
        filename: &str,
        data: &[u8],
    ) -> Result<PathBuf, AttachmentError> {
        let size = data.len() as u64;
        if size > self.max_file_size {
            return Err(AttachmentError::TooLarge { size, max: self.max_file_size });
        }
        let file_name = format!("{message_id}_{}", sanitize_filename(filename));
        let peer = Path::new(prefix(peer_hash, PEER_DIR_PREFIX_LEN));
        let shown = self.shown(&peer.join(&file_name));
        let peer_dir = self.contained(peer, true, &shown)?;
        if fs::metadata(&peer_dir).is_err() {
            let legacy = Path::new(prefix(peer_hash, LEGACY_PEER_DIR_PREFIX_LEN));
            let legacy_exists = self.resolve(legacy, true).is_some_and(|p| fs::metadata(p).is_ok());
            if let (true, Some(from)) = (legacy_exists, self.resolve(legacy, false)) {
                // as styrened: a race or a refusal leaves the legacy directory where it is
                let _ = fs::rename(from, &peer_dir);
            }
        }
        fs::create_dir_all(&peer_dir).map_err(io_error(&self.shown(peer)))?;
        let target = self.contained(&peer.join(&file_name), false, &shown)?;
        let mut temp_name = OsString::from(&file_name);
        temp_name.push(TEMP_SUFFIX);
        let temp = target.with_file_name(temp_name);
        let written = write_new(&temp, data).and_then(|()| fs::rename(&temp, &target));
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(io_error(&shown)(e));
        }
        Ok(shown)
    }

    /// Renames a `0_<name>` file to `<message_id>_<name>` once the message has
    /// its id; returns the new path, or `None` when the name does not start
    /// with `0_` or the file is gone (styrened then returns the old path).
    pub fn rename_for_message(
        &self,
        path: &Path,
        message_id: i64,
    ) -> Result<Option<PathBuf>, AttachmentError> {
        let Some(rest) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_prefix("0_")) else {
            return Ok(None);
        };
        let renamed = path.with_file_name(format!("{message_id}_{rest}"));
        let from = self.contained(path, false, &self.shown(path))?;
        let to = self.contained(&renamed, false, &self.shown(&renamed))?;
        match fs::rename(from, to) {
            Ok(()) => Ok(Some(renamed)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(&self.shown(path))(e)),
        }
    }

    /// The bytes of an attachment (relative paths under the base).
    pub fn load(&self, path: &Path) -> Result<Vec<u8>, AttachmentError> {
        let shown = self.shown(path);
        let file = self.contained(path, true, &shown)?;
        fs::read(file).map_err(io_error(&shown))
    }

    /// Deletes an attachment; `false` if there was none. As styrened, a
    /// symlink is resolved and what it points at is deleted.
    pub fn delete(&self, path: &Path) -> Result<bool, AttachmentError> {
        let shown = self.shown(path);
        let file = self.contained(path, true, &shown)?;
        match fs::remove_file(file) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io_error(&shown)(e)),
        }
    }

    /// Deletes every file in the peer's directory (the 16-character one, else
    /// the legacy 8-character one) and the directory; returns how many files.
    pub fn delete_for_peer(&self, peer_hash: &str) -> Result<u64, AttachmentError> {
        let mut found = None;
        for n in [PEER_DIR_PREFIX_LEN, LEGACY_PEER_DIR_PREFIX_LEN] {
            let dir = Path::new(prefix(peer_hash, n));
            let resolved = self.contained(dir, true, &self.shown(dir))?;
            if fs::metadata(&resolved).is_ok() {
                found = Some((dir, resolved));
                break;
            }
        }
        let Some((dir, resolved)) = found else { return Ok(0) };
        let shown = self.shown(dir);
        let mut count = 0;
        for entry in fs::read_dir(&resolved).map_err(io_error(&shown))? {
            let entry = entry.map_err(io_error(&shown))?;
            if self.listed(&entry).is_some() {
                fs::remove_file(entry.path()).map_err(io_error(&shown.join(entry.file_name())))?;
                count += 1;
            }
        }
        // a peer directory that is a symlink stays, as styrened's rmdir of it fails
        let is_link = fs::symlink_metadata(self.base.join(dir)).is_ok_and(|m| m.file_type().is_symlink());
        if !is_link {
            let _ = fs::remove_dir(&resolved); // not empty (a race) or gone: left as it is
        }
        Ok(count)
    }

    /// `(used, budget)`: the bytes of every file under the base, and the budget.
    pub fn get_usage(&self) -> (u64, u64) {
        (self.files().iter().map(|f| f.size).sum(), self.storage_budget)
    }

    /// Evicts the least recently modified files (never `*.tmp`) until usage
    /// is within the budget, then removes empty peer directories; returns the
    /// bytes freed.
    pub fn enforce_budget(&self) -> Result<u64, AttachmentError> {
        let (used, budget) = self.get_usage();
        if used <= budget {
            return Ok(0);
        }
        let mut files: Vec<Listed> = self
            .files()
            .into_iter()
            .filter(|f| {
                !f.path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(TEMP_SUFFIX))
            })
            .collect();
        files.sort_by(|a, b| a.mtime.total_cmp(&b.mtime)); // stable: ties keep listing order
        let mut freed = 0;
        for file in files {
            if used - freed <= budget {
                break;
            }
            if fs::remove_file(&file.path).is_ok() {
                freed += file.size;
            }
        }
        for entry in fs::read_dir(&self.base).map_err(io_error(&self.base))?.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                let _ = fs::remove_dir(entry.path()); // only an empty one goes
            }
        }
        Ok(freed)
    }

    /// Every file under the base in the order Python's `rglob("*")` lists
    /// them: a directory's entries, then each subdirectory's, depth first,
    /// not descending into symlinked directories.
    fn files(&self) -> Vec<Listed> {
        let mut out = Vec::new();
        let mut pending = vec![self.base.clone()];
        while let Some(dir) = pending.pop() {
            let Ok(entries) = fs::read_dir(&dir) else { continue };
            let entries: Vec<fs::DirEntry> = entries.flatten().collect();
            out.extend(entries.iter().filter_map(|e| self.listed(e)));
            let subdirs = entries.iter().filter(|e| e.file_type().is_ok_and(|t| t.is_dir()));
            let subdirs: Vec<PathBuf> = subdirs.map(fs::DirEntry::path).collect();
            pending.extend(subdirs.into_iter().rev());
        }
        out
    }

    /// A directory entry that is a file, or a symlink to a file inside the
    /// base, with the size and time of what it names.
    fn listed(&self, entry: &fs::DirEntry) -> Option<Listed> {
        let kind = entry.file_type().ok()?;
        let metadata = if kind.is_symlink() {
            let relative = entry.path().strip_prefix(&self.base).ok()?.to_owned();
            fs::metadata(self.resolve(&relative, true)?).ok()?
        } else {
            entry.metadata().ok()?
        };
        metadata.is_file().then(|| Listed {
            path: entry.path(),
            size: metadata.len(),
            mtime: metadata.modified().map_or(0.0, float_seconds),
        })
    }
}

/// Writes a file that must not exist yet (so a planted symlink is never
/// followed); an old one of that name is removed first.
fn write_new(path: &Path, data: &[u8]) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    fs::OpenOptions::new().write(true).create_new(true).open(path)?.write_all(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitising_follows_styreneds_steps() {
        assert_eq!(sanitize_filename("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_filename("a:b*c?.txt"), "a_b_c_.txt");
        assert_eq!(sanitize_filename("__x__"), "x");
        assert_eq!(sanitize_filename("con\x01trol"), "con_trol");
        assert_eq!(sanitize_filename("///"), FALLBACK_NAME);
        let long = format!("{}.jpg", "a".repeat(300));
        assert_eq!(sanitize_filename(&long), format!("{}.jpg", "a".repeat(196)));
        let no_dot = "é".repeat(250);
        assert_eq!(sanitize_filename(&no_dot).chars().count(), MAX_FILENAME_LEN);
    }

    #[test]
    fn peer_prefixes_count_characters() {
        assert_eq!(prefix("ééééé", 3), "ééé");
        assert_eq!(prefix("ab", 16), "ab");
    }
}
