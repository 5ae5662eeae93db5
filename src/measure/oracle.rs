//! The exact truth: every (window, key) aggregate over all events, duplicates counted once.
//! Every model is scored against it.

use crate::engine::WindowStore;
use crate::engine::aggregate::Accumulator;
use crate::engine::id_set::IdSet;
use crate::engine::window::{Window, WindowSpec};
use crate::input::event::{Event, KeyId};
use crate::measure::period::Period;

/// Accumulates the exact answer as events are observed, in any order.
#[derive(Debug)]
pub struct Oracle {
    /// Ids seen so far, to count each business event once.
    seen: IdSet,
    cells: WindowStore,
    duplicates: u64,
    window: WindowSpec,
    /// Retried copies per (fixed) window and key: a model that counts them is over by that.
    retries: rustc_hash::FxHashMap<(Window, KeyId), u64>,
    /// With a measured period: the distinct events and repeats that happened in it.
    measured: Option<(Period, u64, u64)>,
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
    /// Retried copies of its events that arrived too (each id is counted once here).
    pub retries: u64,
}

impl Oracle {
    /// An oracle for queries windowed by `window`.
    pub fn new(window: &WindowSpec) -> Oracle {
        Oracle {
            seen: IdSet::default(),
            cells: WindowStore::new(*window),
            duplicates: 0,
            window: *window,
            retries: rustc_hash::FxHashMap::default(),
            measured: None,
        }
    }

    /// Counts distinct and repeated events of `period` only (the truth itself takes every
    /// event: a window ending in the period may have begun before it).
    pub fn measuring(mut self, period: Option<Period>) -> Self {
        self.measured = period.map(|p| (p, 0, 0));
        self
    }

    /// Adds `event` to the truth; returns false (and adds nothing) for a repeated id.
    pub fn observe(&mut self, event: &Event) -> bool {
        let fresh = self.seen.insert(event.id);
        if let Some((period, unique, repeated)) = &mut self.measured
            && period.holds_time(event.event_time)
        {
            *if fresh { unique } else { repeated } += 1;
        }
        if !fresh {
            self.duplicates += 1;
            // A retry's session cannot be told before merging: only fixed windows keep count.
            if !self.window.is_merging() {
                let (key, retries) = (event.key, &mut self.retries);
                self.window.assign(event.event_time, |w| {
                    *retries.entry((w, key)).or_default() += 1;
                });
            }
            return false;
        }
        self.cells.add_event(event);
        true
    }

    /// Repeated ids seen (retried duplicates).
    pub fn duplicates(&self) -> u64 {
        self.measured
            .map_or(self.duplicates, |(_, _, repeated)| repeated)
    }

    /// Distinct business events counted.
    pub fn unique_events(&self) -> u64 {
        self.measured
            .map_or(self.seen.len(), |(_, unique, _)| unique)
    }

    /// Every exact result, ordered by window then key (with a measured period, the windows
    /// ending in it).
    pub fn cells(&self) -> Vec<TruthCell> {
        let period = self.measured.map(|(p, _, _)| p);
        self.cells
            .cells()
            .into_iter()
            .filter(|&(window, _, _)| crate::measure::period::measured_window(period, window))
            .map(|(window, key, acc)| TruthCell {
                window,
                key,
                acc,
                retries: self.retries.get(&(window, key)).copied().unwrap_or(0),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::time::{Dur, Ts};

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
