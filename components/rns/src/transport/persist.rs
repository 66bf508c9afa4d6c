//! The path table across restarts, as RNS keeps its `destination_table`:
//! every path with its announce (to answer path requests with), its random
//! blobs (to judge later announces by) and the name of the interface it was
//! learnt on. Interfaces get new ids when they come back, so a path is
//! restored to the interface of the same name; until one is up, it waits.
//!
//! The snapshot is a small binary format of its own: `STPT`, a version byte,
//! a big-endian entry count, then per entry the destination, next hop, hops,
//! timestamp and expiry (big-endian `f64`), the interface name, the random
//! blobs and the announce, each variable part after its length.

use super::paths::PathEntry;
use super::{Hash, Transport};
use crate::HASH_LEN;
use crate::announce::RANDOM_HASH_LEN;
use crate::packet::{self, PacketType};

const MAGIC: &[u8; 4] = b"STPT";
const VERSION: u8 = 1;

/// Why a snapshot could not be read. Nothing is restored from a bad one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// Not a path snapshot, or one of a version this build does not read.
    #[error("not a path table snapshot of version {VERSION}")]
    NotASnapshot,
    /// Cut short, or an entry whose parts do not fit together.
    #[error("the path table snapshot is damaged at byte {0}")]
    Damaged(usize),
}

/// A path read from a snapshot whose interface is not up yet.
#[derive(Debug, Clone)]
pub(super) struct ParkedPath {
    interface_name: String,
    destination: Hash,
    entry: PathEntry,
}

impl ParkedPath {
    /// When the path expires.
    pub(super) fn expires(&self) -> f64 {
        self.entry.expires
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        let end = self.at.checked_add(n).filter(|&end| end <= self.bytes.len());
        let end = end.ok_or(SnapshotError::Damaged(self.at))?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], SnapshotError> {
        Ok(self.take(N)?.try_into().expect("taken N bytes"))
    }

    fn f64(&mut self) -> Result<f64, SnapshotError> {
        let at = self.at;
        let value = f64::from_be_bytes(self.array()?);
        if value.is_finite() { Ok(value) } else { Err(SnapshotError::Damaged(at)) }
    }

    fn u16_len(&mut self) -> Result<usize, SnapshotError> {
        Ok(usize::from(u16::from_be_bytes(self.array()?)))
    }
}

fn write_entry(out: &mut Vec<u8>, destination: &Hash, name: &str, entry: &PathEntry) {
    out.extend_from_slice(destination);
    out.extend_from_slice(&entry.next_hop);
    out.push(entry.hops);
    out.extend_from_slice(&entry.timestamp.to_be_bytes());
    out.extend_from_slice(&entry.expires.to_be_bytes());
    // names and announces are far below 64 KiB (an announce is at most RNS's MTU)
    let name = &name.as_bytes()[..name.len().min(usize::from(u16::MAX))];
    out.extend_from_slice(&(name.len() as u16).to_be_bytes());
    out.extend_from_slice(name);
    out.push(entry.random_blobs.len() as u8);
    for blob in &entry.random_blobs {
        out.extend_from_slice(blob);
    }
    out.extend_from_slice(&(entry.announce.len() as u16).to_be_bytes());
    out.extend_from_slice(&entry.announce);
}

fn read_entry(reader: &mut Reader<'_>) -> Result<ParkedPath, SnapshotError> {
    let start = reader.at;
    let destination: Hash = reader.array()?;
    let next_hop: Hash = reader.array()?;
    let [hops] = reader.array()?;
    let timestamp = reader.f64()?;
    let expires = reader.f64()?;
    let name_len = reader.u16_len()?;
    let interface_name =
        String::from_utf8(reader.take(name_len)?.to_vec()).map_err(|_| SnapshotError::Damaged(start))?;
    let [blob_count] = reader.array()?;
    let mut random_blobs = Vec::with_capacity(usize::from(blob_count));
    for _ in 0..blob_count {
        random_blobs.push(reader.array::<RANDOM_HASH_LEN>()?);
    }
    let announce_len = reader.u16_len()?;
    let announce = reader.take(announce_len)?.to_vec();
    // the announce must be one for this destination, or path requests would be answered with another's
    let fits = packet::parse(&announce).is_ok_and(|p| {
        p.header.packet_type == PacketType::Announce && p.header.destination_hash == destination
    });
    if !fits || random_blobs.len() > super::MAX_RANDOM_BLOBS {
        return Err(SnapshotError::Damaged(start));
    }
    let entry = PathEntry { timestamp, next_hop, hops, expires, random_blobs, interface: 0, announce };
    Ok(ParkedPath { interface_name, destination, entry })
}

impl Transport {
    /// The path table as a snapshot, for [`Transport::import_paths`] after a
    /// restart. Paths still waiting for their interface are included.
    pub fn export_paths(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.paths.len() * 256);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&[0; 4]); // the entry count, set below
        let mut count = 0u32;
        for (destination, entry) in self.paths.iter() {
            // (every path's interface is up: removing one parks its paths)
            if let Some(interface) = self.interfaces.get(&entry.interface) {
                write_entry(&mut out, destination, &interface.config.name, entry);
                count += 1;
            }
        }
        for parked in &self.parked {
            write_entry(&mut out, &parked.destination, &parked.interface_name, &parked.entry);
            count += 1;
        }
        out[5..9].copy_from_slice(&count.to_be_bytes());
        out
    }

    /// Restores paths from a snapshot. A path whose interface (by name) is
    /// up goes into the table now, unless a path to its destination has been
    /// learnt since; the others wait for [`Transport::add_interface`] with
    /// that name. Expired paths are culled by the usual rules. Returns the
    /// number of paths read; a damaged snapshot restores nothing.
    pub fn import_paths(&mut self, snapshot: &[u8]) -> Result<usize, SnapshotError> {
        let mut reader = Reader { bytes: snapshot, at: 0 };
        if reader.take(MAGIC.len()).ok() != Some(MAGIC.as_slice()) || reader.take(1).ok() != Some(&[VERSION])
        {
            return Err(SnapshotError::NotASnapshot);
        }
        let count = u32::from_be_bytes(reader.array()?) as usize;
        // every entry is at least this long, so a forged count cannot reserve much
        let min_entry = 2 * HASH_LEN + 1 + 16 + 2 + 1 + 2;
        if count > snapshot.len() / min_entry {
            return Err(SnapshotError::Damaged(5));
        }
        let mut read = Vec::with_capacity(count);
        for _ in 0..count {
            read.push(read_entry(&mut reader)?);
        }
        if reader.at != snapshot.len() {
            return Err(SnapshotError::Damaged(reader.at));
        }
        for parked in read {
            self.park(parked);
        }
        self.attach_parked();
        Ok(count)
    }

    /// Takes the paths through interface `id` out of the table and keeps
    /// them aside under `name`.
    pub(super) fn park_paths_of(&mut self, id: u32, name: &str) {
        let mut leaving = Vec::new();
        self.paths.retain(|destination, entry| {
            if entry.interface == id {
                leaving.push((*destination, entry.clone()));
                false
            } else {
                true
            }
        });
        for (destination, entry) in leaving {
            self.park(ParkedPath { interface_name: name.to_owned(), destination, entry });
        }
    }

    fn park(&mut self, parked: ParkedPath) {
        // a quarter of the path table: paths of clients that never come back
        // (a TCP server's, named after their address) must not crowd memory
        if self.parked.len() >= (self.limits.paths / 4).max(256) {
            self.parked.pop_front();
        }
        self.parked.push_back(parked);
    }

    /// Moves parked paths whose interface is up into the path table.
    pub(super) fn attach_parked(&mut self) {
        if self.parked.is_empty() {
            return;
        }
        let by_name: std::collections::HashMap<&str, u32> =
            self.interfaces.iter().map(|(&id, i)| (i.config.name.as_str(), id)).collect();
        let mut waiting = std::collections::VecDeque::new();
        let mut attached = Vec::new();
        for parked in std::mem::take(&mut self.parked) {
            match by_name.get(parked.interface_name.as_str()) {
                Some(&id) => attached.push((id, parked)),
                None => waiting.push_back(parked),
            }
        }
        self.parked = waiting;
        for (id, mut parked) in attached {
            if !self.paths.contains_key(&parked.destination) {
                parked.entry.interface = id;
                self.paths.insert(parked.destination, parked.entry);
                self.counters.paths_restored += 1;
            }
        }
    }
}
