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
    fixed: Vec<(Window, KeyCells)>,
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
            if self.fixed[index].1.add(key, value) {
                self.fixed_count += 1;
            }
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
            self.fixed.push((window, KeyCells::default()));
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
            self.fixed[index].1.get(key)
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
        self.cells_where(|_| true)
    }

    /// The cells of the windows `keep` picks, ordered by window, then key (windows left out
    /// cost nothing: an append-mode batch lists only the few windows that closed).
    pub fn cells_where(&self, keep: impl Fn(&Window) -> bool) -> Vec<(Window, KeyId, Accumulator)> {
        let mut cells: Vec<_> = (self.fixed.iter())
            .filter(|(w, _)| keep(w))
            .flat_map(|(w, by_key)| by_key.iter().map(|(k, acc)| (*w, k, acc)))
            .collect();
        for (k, set) in self.sessions.iter().enumerate() {
            let of_key = set.iter().filter(|(w, _)| keep(w));
            cells.extend(of_key.map(|(w, &acc)| (w, KeyId(k as u32), acc)));
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

/// The cells of one fixed window: a hash map while its keys are few or scattered, a vector
/// indexed by key id once at least a quarter of the ids up to the largest are there (key ids
/// are handed out densely, so a busy window ends up here: an index instead of a hash probe).
#[derive(Clone, Debug)]
enum KeyCells {
    Sparse(FxHashMap<KeyId, Accumulator>),
    /// Indexed by key id; a count of zero is a key not seen (every add counts one).
    Dense {
        cells: Vec<Accumulator>,
        len: usize,
    },
}

/// A window's keys stay in a hash map below this many.
const DENSE_FROM: usize = 64;
/// A vector holds at most this many ids per cell it holds (a quarter of them used).
const IDS_PER_CELL: usize = 4;

impl Default for KeyCells {
    fn default() -> Self {
        KeyCells::Sparse(FxHashMap::default())
    }
}

impl KeyCells {
    /// Adds `value` to `key`'s cell; true when the cell is new.
    fn add(&mut self, key: KeyId, value: f64) -> bool {
        let k = key.0 as usize;
        match self {
            KeyCells::Dense { cells, len } if k < cells.len() || k < IDS_PER_CELL * *len => {
                if k >= cells.len() {
                    cells.resize(k + 1, Accumulator::default());
                }
                let acc = &mut cells[k];
                let new = acc.count == 0;
                *len += usize::from(new);
                acc.add(value);
                new
            }
            KeyCells::Dense { .. } => {
                // A key id far beyond the others: back to a map, which any id fits.
                *self = KeyCells::Sparse(self.iter().collect());
                self.add(key, value)
            }
            KeyCells::Sparse(map) => {
                let mut new = false;
                map.entry(key)
                    .or_insert_with(|| {
                        new = true;
                        Accumulator::default()
                    })
                    .add(value);
                if new && map.len() >= DENSE_FROM && map.len().is_power_of_two() {
                    self.densify_if_packed();
                }
                new
            }
        }
    }

    fn densify_if_packed(&mut self) {
        let KeyCells::Sparse(map) = self else {
            return;
        };
        let ids = map.keys().map(|k| k.0 as usize).max().unwrap_or(0) + 1;
        if ids <= IDS_PER_CELL * map.len() {
            let mut cells = vec![Accumulator::default(); ids];
            for (k, acc) in map.iter() {
                cells[k.0 as usize] = *acc;
            }
            *self = KeyCells::Dense {
                cells,
                len: map.len(),
            };
        }
    }

    fn get(&self, key: KeyId) -> Option<Accumulator> {
        match self {
            KeyCells::Sparse(map) => map.get(&key).copied(),
            KeyCells::Dense { cells, .. } => {
                cells.get(key.0 as usize).copied().filter(|a| a.count > 0)
            }
        }
    }

    fn len(&self) -> usize {
        match self {
            KeyCells::Sparse(map) => map.len(),
            KeyCells::Dense { len, .. } => *len,
        }
    }

    /// Every cell, in no particular order.
    fn iter(&self) -> Box<dyn Iterator<Item = (KeyId, Accumulator)> + '_> {
        match self {
            KeyCells::Sparse(map) => Box::new(map.iter().map(|(&k, &acc)| (k, acc))),
            KeyCells::Dense { cells, .. } => Box::new(
                (cells.iter().enumerate())
                    .filter(|(_, acc)| acc.count > 0)
                    .map(|(k, &acc)| (KeyId(k as u32), acc)),
            ),
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

    proptest::proptest! {
        /// Whether a window's keys sit in a map or a vector, and however they move between
        /// the two, its cells are those a plain map would hold.
        #[test]
        fn a_windows_cells_are_a_maps_cells_however_they_are_held(
            adds in proptest::collection::vec((0u32..300, 0u32..4, -5.0f64..5.0), 0..2_000),
        ) {
            let mut cells = KeyCells::default();
            let mut reference = std::collections::BTreeMap::<u32, Accumulator>::new();
            for (key, spread, value) in adds {
                // Mostly packed ids, now and then one far out (back to a map).
                let key = if spread == 0 { key * 1_000 } else { key };
                let new = !reference.contains_key(&key);
                reference.entry(key).or_default().add(value);
                proptest::prop_assert_eq!(cells.add(KeyId(key), value), new);
                proptest::prop_assert_eq!(cells.len(), reference.len());
            }
            let mut held: Vec<_> = cells.iter().map(|(k, acc)| (k.0, acc)).collect();
            held.sort_by_key(|&(k, _)| k);
            let expected: Vec<_> = reference.iter().map(|(&k, &acc)| (k, acc)).collect();
            proptest::prop_assert_eq!(&held, &expected);
            for (k, acc) in expected {
                proptest::prop_assert_eq!(cells.get(KeyId(k)), Some(acc));
            }
            proptest::prop_assert_eq!(cells.get(KeyId(299_999)), reference.get(&299_999).copied());
        }
    }

    #[test]
    fn a_busy_window_of_packed_keys_is_held_in_a_vector() {
        let mut cells = KeyCells::default();
        for k in 0..DENSE_FROM as u32 {
            cells.add(KeyId(k), 1.0);
        }
        assert!(matches!(
            cells,
            KeyCells::Dense {
                len: DENSE_FROM,
                ..
            }
        ));
        cells.add(KeyId(1_000_000), 1.0);
        assert!(
            matches!(cells, KeyCells::Sparse(_)),
            "a far id goes back to a map"
        );
        assert_eq!(cells.len(), DENSE_FROM + 1);
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
