//! The path table: RNS's `[timestamp, next_hop, hops, expires, random_blobs,
//! receiving_interface, packet]` entries and its rule for replacing a path
//! (in `Transport._inbound`).

use super::{Hash, InterfaceId, MAX_RANDOM_BLOBS};
use crate::announce::RANDOM_HASH_LEN;

/// A known path to a destination.
#[derive(Debug, Clone, PartialEq)]
pub struct PathEntry {
    /// When the path was learnt or last used, Unix seconds.
    pub timestamp: f64,
    /// The transport node to send through, or the destination itself when it
    /// is directly reachable.
    pub next_hop: Hash,
    /// Hops to the destination.
    pub hops: u8,
    /// When the path expires for replacement purposes, Unix seconds.
    pub expires: f64,
    /// Random blobs of the announces heard for this path, oldest first
    /// (at most [`MAX_RANDOM_BLOBS`]); bytes 5..10 are the emission time.
    pub random_blobs: Vec<[u8; RANDOM_HASH_LEN]>,
    /// The interface the announce came in on, where packets go.
    pub interface: InterfaceId,
    /// The announce as received, to answer path requests with.
    pub announce: Vec<u8>,
}

impl PathEntry {
    /// The latest emission time among the path's random blobs (RNS's
    /// `timebase_from_random_blobs`).
    pub fn timebase(&self) -> u64 {
        self.random_blobs.iter().map(emission).max().unwrap_or(0)
    }

    /// Adds a random blob unless known, keeping the newest [`MAX_RANDOM_BLOBS`].
    pub(super) fn remember_blob(blobs: &mut Vec<[u8; RANDOM_HASH_LEN]>, blob: [u8; RANDOM_HASH_LEN]) {
        if !blobs.contains(&blob) {
            blobs.push(blob);
            if blobs.len() > MAX_RANDOM_BLOBS {
                blobs.drain(..blobs.len() - MAX_RANDOM_BLOBS);
            }
        }
    }
}

/// The emission time in a random blob: its last five bytes, big-endian seconds.
pub fn emission(blob: &[u8; RANDOM_HASH_LEN]) -> u64 {
    blob[5..].iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

/// Whether an announce with `hops` (as counted on receipt) and `blob` replaces
/// `existing`, by RNS 1.5.7's rules:
///
/// * no path yet: yes;
/// * as few or fewer hops: only for a blob not heard before with an emission
///   strictly newer than every blob of the path;
/// * more hops: if the path has expired, for any blob not heard before; if
///   not, for a blob not heard before with an emission newer than the path's.
///
/// (RNS also lets a path be replaced by one on an interface of higher
/// gravity, or by the same announce once the path is marked unresponsive;
/// interfaces here all have RNS's default gravity, and nothing marks a path
/// unresponsive, so neither applies.)
pub fn replaces(existing: Option<&PathEntry>, hops: u8, blob: &[u8; RANDOM_HASH_LEN], now: f64) -> bool {
    let Some(path) = existing else { return true };
    let emitted = emission(blob);
    let heard = path.random_blobs.contains(blob);
    if hops <= path.hops {
        !heard && emitted > path.timebase()
    } else if now >= path.expires {
        !heard
    } else {
        // RNS stops scanning the blobs at the first one at least as new as
        // this announce; the maximum so far decides the same way
        !heard && emitted > path.timebase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(random: u8, emitted: u64) -> [u8; RANDOM_HASH_LEN] {
        let mut out = [random; RANDOM_HASH_LEN];
        out[5..].copy_from_slice(&emitted.to_be_bytes()[3..]);
        out
    }

    fn path(hops: u8, blobs: &[[u8; RANDOM_HASH_LEN]], expires: f64) -> PathEntry {
        PathEntry {
            timestamp: 0.0,
            next_hop: [1; 16],
            hops,
            expires,
            random_blobs: blobs.to_vec(),
            interface: 0,
            announce: Vec::new(),
        }
    }

    #[test]
    fn emission_is_the_last_five_bytes() {
        assert_eq!(emission(&blob(7, 1_764_000_000)), 1_764_000_000);
        assert_eq!(emission(&[0, 0, 0, 0, 0, 1, 0, 0, 0, 0]), 1 << 32);
    }

    #[test]
    fn fewer_or_equal_hops_need_a_strictly_newer_unheard_emission() {
        let existing = path(3, &[blob(1, 1000)], 1e12);
        assert!(replaces(None, 9, &blob(1, 0), 0.0), "an unknown destination is always learnt");
        assert!(replaces(Some(&existing), 2, &blob(2, 1001), 0.0));
        assert!(replaces(Some(&existing), 3, &blob(2, 1001), 0.0));
        assert!(!replaces(Some(&existing), 2, &blob(2, 1000), 0.0), "same emission, even with fewer hops");
        assert!(!replaces(Some(&existing), 1, &blob(2, 999), 0.0), "an older emission");
        assert!(!replaces(Some(&existing), 1, &blob(1, 1000), 0.0), "the same announce again");
    }

    #[test]
    fn more_hops_need_an_expired_path_or_a_newer_emission() {
        let live = path(2, &[blob(1, 1000)], 500.0);
        assert!(!replaces(Some(&live), 4, &blob(2, 1000), 100.0));
        assert!(!replaces(Some(&live), 4, &blob(2, 900), 100.0));
        assert!(replaces(Some(&live), 4, &blob(2, 1001), 100.0));
        assert!(replaces(Some(&live), 4, &blob(2, 900), 500.0), "an expired path takes any new announce");
        assert!(!replaces(Some(&live), 4, &blob(1, 1000), 600.0), "but not one already heard");
    }

    #[test]
    fn blobs_are_capped_oldest_first() {
        let mut blobs = Vec::new();
        for i in 0..(MAX_RANDOM_BLOBS as u64 + 3) {
            PathEntry::remember_blob(&mut blobs, blob(0, i));
        }
        PathEntry::remember_blob(&mut blobs, blob(0, 10));
        assert_eq!(blobs.len(), MAX_RANDOM_BLOBS);
        assert_eq!(emission(&blobs[0]), 3);
        assert_eq!(emission(blobs.last().unwrap()), MAX_RANDOM_BLOBS as u64 + 2);
    }
}
