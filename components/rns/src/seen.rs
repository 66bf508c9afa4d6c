//! Packet hashes seen recently, for the relay's and the transport's duplicate
//! filters.

use std::collections::HashSet;

/// Hashes in two generations, so that memory stays bounded: when the current
/// set holds `generation` hashes it becomes the previous one, and the one
/// before that is forgotten.
pub(crate) struct SeenHashes {
    current: HashSet<[u8; 32]>,
    previous: HashSet<[u8; 32]>,
    generation: usize,
}

impl SeenHashes {
    /// Remembers between `generation` and `2 × generation` hashes (at least one).
    pub(crate) fn new(generation: usize) -> Self {
        Self { current: HashSet::new(), previous: HashSet::new(), generation: generation.max(1) }
    }

    pub(crate) fn contains(&self, hash: &[u8; 32]) -> bool {
        self.current.contains(hash) || self.previous.contains(hash)
    }

    pub(crate) fn insert(&mut self, hash: [u8; 32]) {
        if self.current.len() >= self.generation {
            self.previous = std::mem::take(&mut self.current);
        }
        self.current.insert(hash);
    }
}
