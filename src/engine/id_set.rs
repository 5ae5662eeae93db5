//! A set of event ids, for counting each business event once: one bit per id while the ids
//! are dense around the first one seen (generated ids count up in event-time order), a hash
//! set once they turn out sparse (ids from a trace can be anything).

use rustc_hash::FxHashSet;

/// The bitset may hold this many bits per id inserted (plus a fixed allowance) before the
/// ids count as sparse: at most one byte per id.
const DENSE_BITS_PER_ID: u64 = 8;
const DENSE_ALLOWANCE_BITS: u64 = 1 << 23;
/// The bitset starts this far below the first id, for ids that arrive after larger ones.
const DENSE_BELOW_FIRST: u64 = 1 << 16;

/// A set of `u64` ids.
#[derive(Clone, Debug, Default)]
pub struct IdSet {
    len: u64,
    /// The id of bit 0.
    base: u64,
    bits: Vec<u64>,
    sparse: Option<FxHashSet<u64>>,
}

impl IdSet {
    /// Ids held.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True when no id is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds `id`; false when it was already there.
    pub fn insert(&mut self, id: u64) -> bool {
        if self.len == 0 && self.sparse.is_none() {
            self.base = id.saturating_sub(DENSE_BELOW_FIRST);
        }
        let offset = id.wrapping_sub(self.base);
        let dense = id >= self.base && offset < DENSE_BITS_PER_ID * self.len + DENSE_ALLOWANCE_BITS;
        let fresh = match &mut self.sparse {
            Some(set) => set.insert(id),
            None if dense => {
                let (word, bit) = ((offset / 64) as usize, offset % 64);
                if word >= self.bits.len() {
                    self.bits.resize(word + 1, 0);
                }
                let fresh = self.bits[word] & (1 << bit) == 0;
                self.bits[word] |= 1 << bit;
                fresh
            }
            None => {
                let base = self.base;
                let mut set: FxHashSet<u64> = (0..self.bits.len() as u64 * 64)
                    .filter(|&i| self.bits[(i / 64) as usize] & (1 << (i % 64)) != 0)
                    .map(|i| base + i)
                    .collect();
                self.bits = Vec::new();
                let fresh = set.insert(id);
                self.sparse = Some(set);
                fresh
            }
        };
        self.len += u64::from(fresh);
        fresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_set_stays_exact_when_ids_turn_sparse() {
        let mut ids = IdSet::default();
        assert!(ids.insert(3) && !ids.insert(3) && ids.insert(0));
        assert!(ids.sparse.is_none());
        assert!(ids.insert(u64::MAX / 2));
        assert!(ids.sparse.is_some());
        assert!(!ids.insert(3) && !ids.insert(0) && !ids.insert(u64::MAX / 2) && ids.insert(4));
        assert_eq!(ids.len(), 4);
    }

    #[test]
    fn dense_ids_far_from_zero_stay_in_the_bitset_and_smaller_ones_fit_below() {
        let mut ids = IdSet::default();
        let first = 5_000_000_000;
        assert!(ids.insert(first));
        assert!(ids.insert(first - 100) && ids.insert(first + 100));
        assert!(!ids.insert(first - 100));
        assert!(ids.sparse.is_none());
        // Far below the first id: exact all the same, in the hash set.
        assert!(ids.insert(7) && !ids.insert(7) && !ids.insert(first + 100));
        assert!(ids.sparse.is_some());
        assert_eq!(ids.len(), 4);
    }
}
