//! Window kinds and the pure functions that assign an event time to its windows.
//!
//! Windows are half-open, `[start, end)`, and the rules follow Apache Flink's assigners
//! (`TumblingEventTimeWindows`, `SlidingEventTimeWindows`, `EventTimeSessionWindows`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::input::time::{Dur, Ts};

/// A window `[start, end)` on the event-time axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Window {
    /// First instant inside the window.
    pub start: Ts,
    /// First instant after the window.
    pub end: Ts,
}

impl Window {
    /// The window `[start, end)`.
    pub fn new(start: Ts, end: Ts) -> Window {
        Window { start, end }
    }

    /// Flink's `TimeWindow.maxTimestamp()`: the last instant that belongs to the window.
    pub fn max_timestamp(&self) -> Ts {
        Ts(self.end.0 - 1)
    }

    /// Flink's `TimeWindow.intersects`: windows that overlap *or merely touch* count as
    /// intersecting, so session windows `[0, 5)` and `[5, 10)` merge.
    pub fn intersects(&self, other: &Window) -> bool {
        self.start <= other.end && self.end >= other.start
    }

    /// The smallest window covering both.
    pub fn cover(&self, other: &Window) -> Window {
        Window::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// How events are grouped on the event-time axis.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum WindowSpec {
    /// Fixed-size, non-overlapping windows, aligned to the epoch plus `offset`.
    Tumbling {
        /// Window length.
        size: Dur,
        /// Shift of the window boundaries from the epoch.
        #[serde(default)]
        offset: Dur,
    },
    /// Fixed-size windows starting every `slide`; an event belongs to `size / slide` of them.
    Sliding {
        /// Window length.
        size: Dur,
        /// Distance between window starts.
        slide: Dur,
        /// Shift of the window boundaries from the epoch.
        #[serde(default)]
        offset: Dur,
    },
    /// Per-key windows that stay open while events keep coming less than `gap` apart.
    Session {
        /// Inactivity gap that closes a session.
        gap: Dur,
    },
    /// One window holding everything.
    Global,
}

impl WindowSpec {
    /// The length that makes an event "later than a window": size, or the session gap.
    pub fn length(&self) -> Option<Dur> {
        match *self {
            WindowSpec::Tumbling { size, .. } | WindowSpec::Sliding { size, .. } => Some(size),
            WindowSpec::Session { gap } => Some(gap),
            WindowSpec::Global => None,
        }
    }

    /// True for session windows, whose extent depends on the other events of the key.
    pub fn is_merging(&self) -> bool {
        matches!(self, WindowSpec::Session { .. })
    }

    /// Calls `each` with every window `t` belongs to, in Flink's order. A session event
    /// gets its own proto-window `[t, t + gap)`, which a [`SessionSet`] then merges.
    #[inline]
    pub fn assign(&self, t: Ts, mut each: impl FnMut(Window)) {
        match *self {
            WindowSpec::Tumbling { size, offset } => {
                let start = window_start_with_offset(t, offset, size);
                each(Window::new(start, start + size));
            }
            WindowSpec::Sliding {
                size,
                slide,
                offset,
            } => {
                // Flink's SlidingEventTimeWindows: from the last start down while start > t - size.
                let mut start = window_start_with_offset(t, offset, slide);
                while start > t - size {
                    each(Window::new(start, start + size));
                    start = start - slide;
                }
            }
            WindowSpec::Session { gap } => each(Window::new(t, t + gap)),
            WindowSpec::Global => each(Window::new(Ts(i64::MIN), Ts(i64::MAX))),
        }
    }
}

impl std::str::FromStr for WindowSpec {
    type Err = String;

    /// Parses the command-line form: `tumbling:10m`, `tumbling:1h,15m` (with an offset),
    /// `sliding:15m,2m`, `sliding:15m,2m,1m`, `session:5m`, `global`.
    fn from_str(text: &str) -> Result<WindowSpec, String> {
        let hint = "write tumbling:SIZE[,OFFSET], sliding:SIZE,SLIDE[,OFFSET], session:GAP or global, e.g. tumbling:10m";
        let (kind, args) = text.split_once(':').unwrap_or((text, ""));
        let durations: Vec<Dur> = if args.is_empty() {
            Vec::new()
        } else {
            args.split(',')
                .map(|a| Dur::parse(a.trim()))
                .collect::<Result<_, _>>()?
        };
        let spec = match (kind.trim(), durations.as_slice()) {
            ("tumbling", [size]) => WindowSpec::Tumbling {
                size: *size,
                offset: Dur::ZERO,
            },
            ("tumbling", [size, offset]) => WindowSpec::Tumbling {
                size: *size,
                offset: *offset,
            },
            ("sliding", [size, slide]) => WindowSpec::Sliding {
                size: *size,
                slide: *slide,
                offset: Dur::ZERO,
            },
            ("sliding", [size, slide, offset]) => WindowSpec::Sliding {
                size: *size,
                slide: *slide,
                offset: *offset,
            },
            ("session", [gap]) => WindowSpec::Session { gap: *gap },
            ("global", []) => WindowSpec::Global,
            _ => return Err(format!("cannot read the window \"{text}\": {hint}")),
        };
        Ok(spec)
    }
}

/// Flink's `TimeWindow.getWindowStartWithOffset`: the start of the window of `size` that
/// holds `t`, boundaries at `offset` plus multiples of `size` (also for negative times).
pub fn window_start_with_offset(t: Ts, offset: Dur, size: Dur) -> Ts {
    Ts(t.0 - (t.0 - offset.0).rem_euclid(size.0))
}

/// The session windows of one key, each with a value; inserting a window merges every
/// window it intersects (Flink's `MergingWindowSet` with `TimeWindow.mergeWindows`).
#[derive(Clone, Debug)]
pub struct SessionSet<V> {
    by_start: BTreeMap<Ts, (Ts, V)>,
}

impl<V> Default for SessionSet<V> {
    fn default() -> Self {
        SessionSet {
            by_start: BTreeMap::new(),
        }
    }
}

impl<V> SessionSet<V> {
    /// Adds `window` with `value`, merging it with every window it intersects; `merge`
    /// folds one value into another and `merged_away` hears of every window absorbed.
    /// Returns the resulting (possibly larger) window.
    pub fn insert(
        &mut self,
        window: Window,
        value: V,
        mut merge: impl FnMut(&mut V, V),
        mut merged_away: impl FnMut(Window),
    ) -> Window {
        let mut merged = window;
        let mut acc = value;
        // Stored windows never intersect each other: the nearest one starting at or before
        // the merged window's end is the only candidate, until it ends before its start.
        while let Some((&start, &(end, _))) = self.by_start.range(..=merged.end).next_back() {
            let found = Window::new(start, end);
            if !found.intersects(&merged) {
                break;
            }
            let (_, v) = self.by_start.remove(&start).expect("just found");
            merge(&mut acc, v);
            merged_away(found);
            merged = merged.cover(&found);
        }
        self.by_start.insert(merged.start, (merged.end, acc));
        merged
    }

    /// True when `window` intersects (or touches) a held window.
    pub fn intersects_any(&self, window: &Window) -> bool {
        self.by_start
            .range(..=window.end)
            .next_back()
            .is_some_and(|(&start, &(end, _))| Window::new(start, end).intersects(window))
    }

    /// The held window starting at `start`, with its value.
    pub fn get_mut(&mut self, start: Ts) -> Option<(Window, &mut V)> {
        self.by_start
            .get_mut(&start)
            .map(|(end, v)| (Window::new(start, *end), v))
    }

    /// The held window that contains instant `t`, with its value.
    pub fn containing_mut(&mut self, t: Ts) -> Option<(Window, &mut V)> {
        self.by_start
            .range_mut(..=t)
            .next_back()
            .filter(|(_, (end, _))| t < *end)
            .map(|(start, (end, v))| (Window::new(*start, *end), v))
    }

    /// Keeps the windows `keep` accepts; returns how many were removed.
    pub fn retain(&mut self, mut keep: impl FnMut(Window) -> bool) -> usize {
        let before = self.by_start.len();
        self.by_start
            .retain(|start, (end, _)| keep(Window::new(*start, *end)));
        before - self.by_start.len()
    }

    /// Removes the window starting at `start`, returning its value.
    pub fn remove(&mut self, start: Ts) -> Option<V> {
        self.by_start.remove(&start).map(|(_, v)| v)
    }

    /// The windows with their values, in start order.
    pub fn iter(&self) -> impl Iterator<Item = (Window, &V)> {
        self.by_start
            .iter()
            .map(|(start, (end, v))| (Window::new(*start, *end), v))
    }

    /// How many sessions are held.
    pub fn len(&self) -> usize {
        self.by_start.len()
    }

    /// True when no session is held.
    pub fn is_empty(&self) -> bool {
        self.by_start.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn windows(spec: &WindowSpec, t: i64) -> Vec<(i64, i64)> {
        let mut out = Vec::new();
        spec.assign(Ts(t), |w| out.push((w.start.0, w.end.0)));
        out
    }

    #[test]
    fn tumbling_windows_are_half_open_and_honour_the_offset() {
        let spec = WindowSpec::Tumbling {
            size: Dur(10),
            offset: Dur::ZERO,
        };
        assert_eq!(windows(&spec, 0), vec![(0, 10)]);
        assert_eq!(windows(&spec, 9), vec![(0, 10)]);
        assert_eq!(windows(&spec, 10), vec![(10, 20)]);
        assert_eq!(windows(&spec, -1), vec![(-10, 0)]);
        let shifted = WindowSpec::Tumbling {
            size: Dur(10),
            offset: Dur(3),
        };
        assert_eq!(windows(&shifted, 2), vec![(-7, 3)]);
        assert_eq!(windows(&shifted, 3), vec![(3, 13)]);
    }

    #[test]
    fn sliding_windows_come_last_start_first_like_flink() {
        // size 15, slide 5: t = 12 is in [10,25), [5,20) and [0,15).
        let spec = WindowSpec::Sliding {
            size: Dur(15),
            slide: Dur(5),
            offset: Dur::ZERO,
        };
        assert_eq!(windows(&spec, 12), vec![(10, 25), (5, 20), (0, 15)]);
        // t = 15 has left [0,15).
        assert_eq!(windows(&spec, 15), vec![(15, 30), (10, 25), (5, 20)]);
    }

    #[test]
    fn the_command_line_form_reads_every_kind() {
        let parse = |s: &str| s.parse::<WindowSpec>();
        assert_eq!(
            parse("tumbling:10m"),
            Ok(WindowSpec::Tumbling {
                size: Dur::from_mins(10),
                offset: Dur::ZERO
            })
        );
        assert_eq!(
            parse("sliding:15m,2m"),
            Ok(WindowSpec::Sliding {
                size: Dur::from_mins(15),
                slide: Dur::from_mins(2),
                offset: Dur::ZERO
            })
        );
        assert_eq!(
            parse("session:5m"),
            Ok(WindowSpec::Session {
                gap: Dur::from_mins(5)
            })
        );
        assert_eq!(parse("global"), Ok(WindowSpec::Global));
        assert!(
            parse("hopping:5m")
                .unwrap_err()
                .contains("e.g. tumbling:10m")
        );
        assert!(
            parse("tumbling:5x")
                .unwrap_err()
                .contains("malformed duration")
        );
    }

    #[test]
    fn sessions_merge_when_they_touch_and_when_a_late_event_bridges_two() {
        let gap = Dur(5);
        let spec = WindowSpec::Session { gap };
        let mut set: SessionSet<u32> = SessionSet::default();
        let mut add = |t: i64| {
            let mut w = None;
            spec.assign(Ts(t), |x| w = Some(x));
            set.insert(w.unwrap(), 1, |a, b| *a += b, |_| {})
        };
        assert_eq!(add(0), Window::new(Ts(0), Ts(5)));
        // [5,10) touches [0,5): Flink merges them.
        assert_eq!(add(5), Window::new(Ts(0), Ts(10)));
        assert_eq!(add(20), Window::new(Ts(20), Ts(25)));
        // A late event at 12 gives [12,17): it touches neither, a third session.
        assert_eq!(add(12), Window::new(Ts(12), Ts(17)));
        // 16 gives [16,21): it bridges [12,17) and [20,25) into one.
        assert_eq!(add(16), Window::new(Ts(12), Ts(25)));
        let all: Vec<_> = set.iter().map(|(w, n)| (w.start.0, w.end.0, *n)).collect();
        assert_eq!(all, vec![(0, 10, 2), (12, 25, 3)]);
    }
}
