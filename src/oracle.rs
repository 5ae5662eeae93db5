//! The exact truth: every (window, key) aggregate over all events, duplicates counted once.
//! Every model is scored against it.

use std::collections::{BTreeMap, HashSet};

use rustc_hash::FxHashMap;

use crate::aggregate::Accumulator;
use crate::event::{Event, KeyId};
use crate::window::{SessionSet, Window, WindowSpec};

/// Accumulates the exact answer as events are observed, in any order.
#[derive(Debug)]
pub struct Oracle {
    window: WindowSpec,
    /// Ids seen so far, to count each business event once.
    seen: IdSet,
    /// Fixed-size windows: per window, an accumulator per key id (count 0: no events).
    windows: Vec<(Window, Vec<Accumulator>)>,
    window_index: FxHashMap<Window, usize>,
    /// The window used last; consecutive events mostly share one.
    last: Option<(Window, usize)>,
    sessions: BTreeMap<KeyId, SessionSet<Accumulator>>,
    duplicates: u64,
}

/// One exact result.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TruthCell {
    /// The window.
    pub window: Window,
    /// The group key.
    pub key: KeyId,
    /// The exact aggregates.
    pub acc: Accumulator,
}

impl Oracle {
    /// An oracle for queries windowed by `window`.
    pub fn new(window: &WindowSpec) -> Oracle {
        Oracle {
            window: *window,
            seen: IdSet::default(),
            windows: Vec::new(),
            window_index: FxHashMap::default(),
            last: None,
            sessions: BTreeMap::new(),
            duplicates: 0,
        }
    }

    /// Adds `event` to the truth; returns false (and adds nothing) for a repeated id.
    pub fn observe(&mut self, event: &Event) -> bool {
        if !self.seen.insert(event.id) {
            self.duplicates += 1;
            return false;
        }
        let window = self.window;
        // Tumbling: most events fall in the window of the one before (no division needed).
        if let (WindowSpec::Tumbling { .. }, Some((w, index))) = (window, self.last)
            && w.start <= event.event_time
            && event.event_time < w.end
        {
            add_to(&mut self.windows[index].1, event);
            return true;
        }
        window.assign(event.event_time, |w| {
            if window.is_merging() {
                self.sessions.entry(event.key).or_default().insert(
                    w,
                    Accumulator::of(event.value),
                    |a, b| a.merge(&b),
                    |_| {},
                );
            } else {
                add_to(self.cells_of(w), event);
            }
        });
        true
    }

    fn cells_of(&mut self, window: Window) -> &mut Vec<Accumulator> {
        let index = match self.last {
            Some((w, index)) if w == window => index,
            _ => {
                let next = self.windows.len();
                let index = *self.window_index.entry(window).or_insert(next);
                if index == next {
                    self.windows.push((window, Vec::new()));
                }
                self.last = Some((window, index));
                index
            }
        };
        &mut self.windows[index].1
    }

    /// Repeated ids seen (retried duplicates).
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// Distinct business events counted.
    pub fn unique_events(&self) -> u64 {
        self.seen.len
    }

    /// Every exact result, ordered by window then key.
    pub fn cells(&self) -> Vec<TruthCell> {
        let mut out: Vec<TruthCell> = self
            .windows
            .iter()
            .flat_map(|(window, cells)| {
                cells
                    .iter()
                    .enumerate()
                    .filter(|(_, acc)| acc.count > 0)
                    .map(|(key, &acc)| TruthCell {
                        window: *window,
                        key: KeyId(key as u32),
                        acc,
                    })
            })
            .collect();
        for (&key, set) in &self.sessions {
            out.extend(
                set.iter()
                    .map(|(window, &acc)| TruthCell { window, key, acc }),
            );
        }
        out.sort_by_key(|c| (c.window, c.key));
        out
    }
}

/// Adds `event` to its key's cell of one window.
fn add_to(cells: &mut Vec<Accumulator>, event: &Event) {
    let key = event.key.0 as usize;
    if key >= cells.len() {
        cells.resize(key + 1, Accumulator::default());
    }
    cells[key].add(event.value);
}

/// A set of event ids: one bit per id while ids are dense (generated ids count up from 0),
/// a hash set once they turn out sparse (ids from a trace can be anything).
#[derive(Debug, Default)]
struct IdSet {
    len: u64,
    bits: Vec<u64>,
    sparse: Option<HashSet<u64>>,
}

/// The bitset may hold this many bits per id inserted (plus a fixed allowance) before the
/// ids count as sparse: at most one byte per id.
const DENSE_BITS_PER_ID: u64 = 8;
const DENSE_ALLOWANCE_BITS: u64 = 1 << 23;

impl IdSet {
    /// Adds `id`; false when it was already there.
    fn insert(&mut self, id: u64) -> bool {
        let fresh = match &mut self.sparse {
            Some(set) => set.insert(id),
            None if id < DENSE_BITS_PER_ID * self.len + DENSE_ALLOWANCE_BITS => {
                let (word, bit) = ((id / 64) as usize, id % 64);
                if word >= self.bits.len() {
                    self.bits.resize(word + 1, 0);
                }
                let fresh = self.bits[word] & (1 << bit) == 0;
                self.bits[word] |= 1 << bit;
                fresh
            }
            None => {
                let mut set: HashSet<u64> = (0..self.bits.len() as u64 * 64)
                    .filter(|&i| self.bits[(i / 64) as usize] & (1 << (i % 64)) != 0)
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
    use crate::time::{Dur, Ts};

    fn event(id: u64, key: u32, value: f64, t: i64) -> Event {
        Event {
            id,
            key: KeyId(key),
            value,
            event_time: Ts(t),
            arrival_time: Ts(t + 100),
            source: 0,
        }
    }

    #[test]
    fn tumbling_truth_counts_each_id_once() {
        let mut oracle = Oracle::new(&WindowSpec::Tumbling {
            size: Dur(10),
            offset: Dur::ZERO,
        });
        for e in [
            event(1, 0, 5.0, 1),
            event(2, 0, 7.0, 9),
            event(1, 0, 5.0, 1),
            event(3, 1, 1.0, 10),
        ] {
            oracle.observe(&e);
        }
        let cells = oracle.cells();
        assert_eq!(oracle.duplicates(), 1);
        assert_eq!(cells.len(), 2);
        assert_eq!(
            (cells[0].window, cells[0].key),
            (Window::new(Ts(0), Ts(10)), KeyId(0))
        );
        assert_eq!((cells[0].acc.count, cells[0].acc.sum), (2, 12.0));
        assert_eq!(
            (cells[1].window, cells[1].acc.count),
            (Window::new(Ts(10), Ts(20)), 1)
        );
    }

    #[test]
    fn the_id_set_stays_exact_when_ids_turn_sparse() {
        let mut ids = IdSet::default();
        assert!(ids.insert(3) && !ids.insert(3) && ids.insert(0));
        assert!(ids.sparse.is_none());
        assert!(ids.insert(u64::MAX / 2));
        assert!(ids.sparse.is_some());
        assert!(!ids.insert(3) && !ids.insert(0) && !ids.insert(u64::MAX / 2) && ids.insert(4));
        assert_eq!(ids.len, 4);
    }

    #[test]
    fn session_truth_merges_per_key_whatever_the_arrival_order() {
        let mut oracle = Oracle::new(&WindowSpec::Session { gap: Dur(5) });
        // Key 0: [0,5) and [10,15) are apart; 5 arrives last and its [5,10) touches both.
        for e in [
            event(1, 0, 1.0, 0),
            event(2, 0, 1.0, 10),
            event(3, 1, 1.0, 3),
            event(4, 0, 1.0, 5),
        ] {
            oracle.observe(&e);
        }
        let got: Vec<_> = oracle
            .cells()
            .iter()
            .map(|c| (c.window.start.0, c.window.end.0, c.key.0, c.acc.count))
            .collect();
        assert_eq!(got, vec![(0, 15, 0, 3), (3, 8, 1, 1)]);
    }
}
