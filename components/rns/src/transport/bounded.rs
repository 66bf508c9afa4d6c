//! A map with a capacity: when it is full, inserting a new key evicts the
//! entry inserted longest ago. RNS's tables grow without bound; a gateway on
//! a small board cannot let an announce or link-request flood do that.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// A map holding at most `capacity` entries, evicting in insertion order.
#[derive(Debug)]
pub struct BoundedMap<K, V> {
    entries: HashMap<K, (u64, V)>,
    /// Keys in insertion order, with the serial they were inserted under; a
    /// key removed or re-inserted since leaves a stale pair behind, skipped
    /// on eviction and compacted away when stale pairs dominate.
    order: VecDeque<(u64, K)>,
    next_serial: u64,
    capacity: usize,
    evicted: u64,
}

impl<K: Hash + Eq + Copy, V> BoundedMap<K, V> {
    /// An empty map holding at most `capacity` (at least one) entries.
    pub fn new(capacity: usize) -> Self {
        BoundedMap {
            entries: HashMap::new(),
            order: VecDeque::new(),
            next_serial: 0,
            capacity: capacity.max(1),
            evicted: 0,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries evicted to make room so far.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// The value under `key`.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.entries.get(key).map(|(_, v)| v)
    }

    /// The value under `key`, mutably.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.entries.get_mut(key).map(|(_, v)| v)
    }

    /// Whether `key` has a value.
    pub fn contains_key(&self, key: &K) -> bool {
        self.entries.contains_key(key)
    }

    /// Sets `key` to `value`. A key already present keeps its place in the
    /// eviction order; a new key may evict the oldest entry.
    pub fn insert(&mut self, key: K, value: V) {
        if let Some(slot) = self.entries.get_mut(&key) {
            slot.1 = value;
            return;
        }
        while self.entries.len() >= self.capacity {
            let Some((serial, oldest)) = self.order.pop_front() else { break };
            if self.entries.get(&oldest).is_some_and(|(s, _)| *s == serial) {
                self.entries.remove(&oldest);
                self.evicted += 1;
            }
        }
        let serial = self.next_serial;
        self.next_serial += 1;
        self.entries.insert(key, (serial, value));
        self.order.push_back((serial, key));
        if self.order.len() > 2 * self.entries.len() + 16 {
            let entries = &self.entries;
            self.order.retain(|(serial, key)| entries.get(key).is_some_and(|(s, _)| s == serial));
        }
    }

    /// Removes and returns the value under `key`.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        self.entries.remove(key).map(|(_, v)| v)
    }

    /// Keeps only the entries for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain(|k, (_, v)| keep(k, v));
    }

    /// The entries, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, (_, v))| (k, v))
    }

    /// The keys sorted, for walks whose order must not depend on hashing.
    pub fn sorted_keys(&self) -> Vec<K>
    where
        K: Ord,
    {
        let mut keys: Vec<K> = self.entries.keys().copied().collect();
        keys.sort_unstable();
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_insertion_is_evicted_and_counted() {
        let mut map = BoundedMap::new(3);
        for k in 0..3u32 {
            map.insert(k, k * 10);
        }
        map.insert(0, 99);
        assert_eq!(map.get(&0), Some(&99), "an update keeps the entry and its place");
        map.insert(3, 30);
        assert_eq!(map.len(), 3);
        assert!(!map.contains_key(&0), "0 was inserted first, so it goes first");
        assert_eq!(map.evicted(), 1);
        map.remove(&1);
        map.insert(4, 40);
        assert_eq!(map.evicted(), 1, "a removed key made room without an eviction");
        map.insert(5, 50);
        assert_eq!(map.sorted_keys(), vec![3, 4, 5], "2 was the oldest left");
        assert_eq!(map.evicted(), 2);
    }

    #[test]
    fn the_order_queue_stays_small_under_churn() {
        let mut map = BoundedMap::new(4);
        for round in 0..10_000u32 {
            map.insert(round % 2, round);
            map.remove(&(round % 2));
        }
        assert!(map.order.len() <= 2 * map.len() + 17);
    }
}
