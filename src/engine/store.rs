//! One keyed window store: assign an event to its windows, merge sessions, add to the
//! accumulator, list the cells in order, evict what the watermark passed. The oracle, the
//! batch runner and the micro-batch runner keep their per-(window, key) state in it.

use rustc_hash::FxHashMap;

use crate::engine::aggregate::Accumulator;
use crate::engine::window::{SessionSet, Window, WindowSpec};
use crate::input::event::{Event, KeyId};

/// Accumulators per (window, key) for one kind of window.
#[derive(Clone, Debug)]
pub struct WindowStore {
    spec: WindowSpec,
    /// Tumbling, sliding and global windows: per window, one accumulator per key (the keys
    /// of one window sit together, so the window being filled stays in cache).
    fixed: Vec<(Window, FxHashMap<KeyId, Accumulator>)>,
    /// Where each window of `fixed` is.
    window_index: FxHashMap<Window, usize>,
    /// The window added to last: consecutive events mostly share one.
    last: Option<(Window, usize)>,
    fixed_count: usize,
    /// Session windows: the sessions of each key id.
    sessions: Vec<SessionSet<Accumulator>>,
    session_count: usize,
}

impl WindowStore {
    /// An empty store for windows of `spec`.
    pub fn new(spec: WindowSpec) -> Self {
        WindowStore {
            spec,
            fixed: Vec::new(),
            window_index: FxHashMap::default(),
            last: None,
            fixed_count: 0,
            sessions: Vec::new(),
            session_count: 0,
        }
    }

    /// Adds `value` of `key` to `window`, one the spec assigned: a fixed window's cell, or a
    /// session merged with every session of the key it meets. Returns the cell now holding it.
    pub fn add(&mut self, window: Window, key: KeyId, value: f64) -> Window {
        self.add_noting_merges(window, key, value, |_| {})
    }

    /// [`add`](Self::add), telling `merged_away` each session the new one swallowed.
    pub fn add_noting_merges(
        &mut self,
        window: Window,
        key: KeyId,
        value: f64,
        mut merged_away: impl FnMut(Window),
    ) -> Window {
        if !self.spec.is_merging() {
            let index = self.window_slot(window);
            let cells = &mut self.fixed[index].1;
            let acc = cells.entry(key).or_insert_with(|| {
                self.fixed_count += 1;
                Accumulator::default()
            });
            acc.add(value);
            return window;
        }
        let k = key.0 as usize;
        if k >= self.sessions.len() {
            self.sessions.resize_with(k + 1, SessionSet::default);
        }
        let mut absorbed = 0;
        let merged = self.sessions[k].insert(
            window,
            Accumulator::of(value),
            |a, b| a.merge(&b),
            |old| {
                absorbed += 1;
                merged_away(old);
            },
        );
        self.session_count = self.session_count + 1 - absorbed;
        merged
    }

    /// Where `window` is in `fixed`, made if new.
    fn window_slot(&mut self, window: Window) -> usize {
        if let Some((w, index)) = self.last
            && w == window
        {
            return index;
        }
        let next = self.fixed.len();
        let index = *self.window_index.entry(window).or_insert(next);
        if index == next {
            self.fixed.push((window, FxHashMap::default()));
        }
        self.last = Some((window, index));
        index
    }

    /// Adds `event` to every window the spec assigns it.
    pub fn add_event(&mut self, event: &Event) {
        let spec = self.spec;
        spec.assign(event.event_time, |w| {
            self.add(w, event.key, event.value);
        });
    }

    /// The accumulator of one cell.
    pub fn get(&self, window: Window, key: KeyId) -> Option<Accumulator> {
        if self.spec.is_merging() {
            self.sessions
                .get(key.0 as usize)?
                .iter()
                .find(|(w, _)| *w == window)
                .map(|(_, &acc)| acc)
        } else {
            let index = *self.window_index.get(&window)?;
            self.fixed[index].1.get(&key).copied()
        }
    }

    /// Cells held.
    pub fn len(&self) -> usize {
        self.fixed_count + self.session_count
    }

    /// True when no cell is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every cell, ordered by window, then key.
    pub fn cells(&self) -> Vec<(Window, KeyId, Accumulator)> {
        let mut cells: Vec<_> = self
            .fixed
            .iter()
            .flat_map(|(w, by_key)| by_key.iter().map(|(&k, &acc)| (*w, k, acc)))
            .collect();
        for (k, set) in self.sessions.iter().enumerate() {
            cells.extend(set.iter().map(|(w, &acc)| (w, KeyId(k as u32), acc)));
        }
        cells.sort_unstable_by_key(|&(w, k, _)| (w, k));
        cells
    }

    /// Drops every cell whose window ended at or before `watermark_ms`.
    pub fn evict_ended(&mut self, watermark_ms: i64) {
        let before = self.fixed.len();
        self.fixed.retain(|(w, by_key)| {
            let keep = w.end.as_ms() > watermark_ms;
            if !keep {
                self.fixed_count -= by_key.len();
            }
            keep
        });
        if self.fixed.len() != before {
            self.last = None;
            self.window_index = (self.fixed.iter().enumerate())
                .map(|(index, (w, _))| (*w, index))
                .collect();
        }
        for set in &mut self.sessions {
            self.session_count -= set.retain(|w| w.end.as_ms() > watermark_ms);
        }
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
            arrival_time: Ts(t),
            source: 0,
        }
    }

    #[test]
    fn sliding_cells_are_listed_in_window_then_key_order_and_evicted_by_end() {
        let mut store = WindowStore::new(WindowSpec::Sliding {
            size: Dur(10),
            slide: Dur(5),
            offset: Dur::ZERO,
        });
        // t = 7 is in [0, 10) and [5, 15); t = 2 only in [-5, 5) and [0, 10).
        store.add_event(&event(1, 1, 2.0, 7));
        store.add_event(&event(2, 0, 3.0, 2));
        let cells: Vec<_> = store
            .cells()
            .iter()
            .map(|(w, k, acc)| (w.start.0, k.0, acc.count))
            .collect();
        assert_eq!(cells, vec![(-5, 0, 1), (0, 0, 1), (0, 1, 1), (5, 1, 1)]);
        store.evict_ended(10);
        assert_eq!(store.len(), 1);
        assert_eq!(
            store.get(Window::new(Ts(5), Ts(15)), KeyId(1)).unwrap().sum,
            2.0
        );
    }

    #[test]
    fn sessions_merge_per_key_and_count_once_merged() {
        let mut store = WindowStore::new(WindowSpec::Session { gap: Dur(5) });
        store.add_event(&event(1, 0, 1.0, 0));
        store.add_event(&event(2, 0, 1.0, 10));
        store.add_event(&event(3, 1, 1.0, 3));
        assert_eq!(store.len(), 3);
        // [5, 10) touches [0, 5) and [10, 15): one session of three events.
        let merged = store.add(Window::new(Ts(5), Ts(10)), KeyId(0), 1.0);
        assert_eq!(merged, Window::new(Ts(0), Ts(15)));
        assert_eq!(store.len(), 2);
        assert_eq!(store.get(merged, KeyId(0)).unwrap().count, 3);
        store.evict_ended(8);
        assert_eq!(store.len(), 1, "[3, 8) of key 1 ended");
    }
}
