//! The window operator: Apache Flink's `WindowOperator` with its `EventTimeTrigger`, allowed
//! lateness, late side output and session merging, plus Beam-style early firings.
//!
//! Fixed-size windows (tumbling, sliding, global) live in slots, one per window, whose cells
//! are indexed by key id: the per-event path is an array update, with no allocation once the
//! slots have warmed up. Session windows live in a per-key [`SessionSet`].

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::engine::aggregate::Accumulator;
use crate::engine::window::{SessionSet, Window, WindowSpec, window_start_with_offset};
use crate::input::event::{Event, KeyId};
use crate::input::sim::EventQueue;
use crate::input::time::{Dur, Ts};

/// What a firing emits: the whole window so far, or only what came since the last firing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum FiringMode {
    /// Every firing carries everything the window holds (Flink `FIRE`).
    #[default]
    Accumulating,
    /// A firing purges the window (Flink `FIRE_AND_PURGE`): later firings carry only new events.
    Discarding,
}

/// The operator's settings.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct OperatorConfig {
    /// Flink's `allowedLateness`: how long after the watermark passes a window's end it
    /// still accepts events, firing again for each.
    pub allowed_lateness: Dur,
    /// Speculative results: fire this long (processing time) after the first event of a pane,
    /// while the window is still open (Beam's `AfterProcessingTime.pastFirstElementInPane`).
    pub early_firing: Option<Dur>,
    /// Accumulating or discarding firings.
    pub firing_mode: FiringMode,
}

/// Why a result was emitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultKind {
    /// Processing-time speculation before the watermark passed the window.
    Early,
    /// The watermark passed the window's end.
    OnTime,
    /// A late event arrived within the allowed lateness: an updated result.
    Late,
}

impl ResultKind {
    /// The name used in traces and reports.
    pub fn name(self) -> &'static str {
        match self {
            ResultKind::Early => "early",
            ResultKind::OnTime => "on_time",
            ResultKind::Late => "late",
        }
    }
}

/// One emitted aggregate for a (window, key).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WindowResult {
    /// The window.
    pub window: Window,
    /// The key.
    pub key: KeyId,
    /// Why it was emitted.
    pub kind: ResultKind,
    /// The aggregates emitted.
    pub acc: Accumulator,
}

/// Where the operator sends what it produces (an observer: writers, collectors, metrics).
pub trait Output {
    /// A window fired.
    fn result(&mut self, result: &WindowResult);
    /// An event no window accepted because it was late: Flink's late side output.
    fn dropped(&mut self, event: &Event);
    /// A session of `key` merged into a larger one (`MergingWindowSet`'s merge callback).
    fn merged_away(&mut self, _window: Window, _key: KeyId) {}
}

/// Per (window, key) state.
#[derive(Clone, Copy, Debug, Default)]
struct Cell {
    acc: Accumulator,
    /// Listed in its slot's `touched` keys.
    listed: bool,
    /// An early-firing timer is pending.
    early_armed: bool,
}

/// The state of one fixed-size window: a cell per key id, and the keys that have one.
#[derive(Clone, Debug)]
struct Slot {
    window: Window,
    cells: Vec<Cell>,
    touched: Vec<KeyId>,
}

/// Flink's `cleanupTime`: `maxTimestamp + allowedLateness`, `Long.MAX_VALUE` on overflow.
fn cleanup_time(max_timestamp: i64, lateness: i64) -> i64 {
    max_timestamp.checked_add(lateness).unwrap_or(i64::MAX)
}

/// Flink's window operator for event-time windows over one keyed stream.
#[derive(Clone, Debug)]
pub struct WindowOperator {
    spec: WindowSpec,
    lateness: i64,
    early_firing: Option<Dur>,
    discarding: bool,
    /// Flink's `currentWatermark`.
    watermark: i64,
    slots: Vec<Slot>,
    free_slots: Vec<usize>,
    by_start: BTreeMap<i64, usize>,
    /// The slot used last: most events fall into the same window as the one before.
    cached: Option<(Window, usize)>,
    /// Nothing fires or is cleaned up before the watermark reaches this.
    next_due: i64,
    firing: Vec<usize>,
    sessions: Vec<SessionSet<Cell>>,
    /// Session timers `(time, key, window start)`: firing at `maxTimestamp`, cleanup at
    /// `maxTimestamp + allowedLateness` (one timer when they coincide, as in Flink).
    session_timers: BTreeSet<(i64, KeyId, i64)>,
    /// Early-firing timers on processing time: `(window start, key)`.
    early_timers: EventQueue<(i64, KeyId)>,
    live_cells: usize,
}

impl WindowOperator {
    /// An operator for `spec` windows.
    pub fn new(spec: WindowSpec, config: OperatorConfig) -> Self {
        WindowOperator {
            spec,
            lateness: config.allowed_lateness.as_ms().max(0),
            early_firing: config.early_firing.filter(|d| d.as_ms() > 0),
            discarding: config.firing_mode == FiringMode::Discarding,
            watermark: i64::MIN,
            slots: Vec::new(),
            free_slots: Vec::new(),
            by_start: BTreeMap::new(),
            cached: None,
            next_due: i64::MAX,
            firing: Vec::new(),
            sessions: Vec::new(),
            session_timers: BTreeSet::new(),
            early_timers: EventQueue::new(),
            live_cells: 0,
        }
    }

    /// The operator's current watermark (`i64::MIN` before the first).
    pub fn watermark(&self) -> Ts {
        Ts(self.watermark)
    }

    /// Forgets the watermark, as a job restored from a checkpoint does (Flink checkpoints
    /// timers and window state, not `currentWatermark`): it starts again from the minimum.
    pub fn forget_watermark(&mut self) {
        self.watermark = i64::MIN;
    }

    /// (window, key) pairs holding state: the operator's state size.
    pub fn live_cells(&self) -> usize {
        self.live_cells
    }

    /// Flink's `processElement`: adds `event` to each of its windows that is not late, firing
    /// at once where the watermark has already passed a window's end (a late firing); an
    /// event no window takes, late by its own timestamp, goes to the side output.
    pub fn on_event(&mut self, event: &Event, now: Ts, out: &mut impl Output) {
        let t = event.event_time;
        let accepted = match self.spec {
            WindowSpec::Tumbling { size, offset } => {
                let window = match self.cached {
                    Some((w, _)) if w.start <= t && t < w.end => w,
                    _ => {
                        let start = window_start_with_offset(t, offset, size);
                        Window::new(start, start + size)
                    }
                };
                self.add_fixed(window, event, now, out)
            }
            WindowSpec::Sliding { .. } => {
                let mut accepted = false;
                let spec = self.spec;
                spec.assign(t, |w| accepted |= self.add_fixed(w, event, now, out));
                accepted
            }
            WindowSpec::Global => {
                self.add_fixed(Window::new(Ts(i64::MIN), Ts(i64::MAX)), event, now, out)
            }
            WindowSpec::Session { gap } => self.add_session(event, gap, now, out),
        };
        // Flink: `isSkippedElement && isElementLate` — timestamp + allowedLateness <= watermark.
        if !accepted && cleanup_time(t.as_ms(), self.lateness) <= self.watermark {
            out.dropped(event);
        }
    }

    fn add_fixed(&mut self, window: Window, event: &Event, now: Ts, out: &mut impl Output) -> bool {
        let max_ts = window.max_timestamp().as_ms();
        // Flink's `isWindowLate`: cleanupTime(window) <= currentWatermark.
        if cleanup_time(max_ts, self.lateness) <= self.watermark {
            return false;
        }
        let index = self.slot_for(window);
        let slot = &mut self.slots[index];
        let key = event.key.0 as usize;
        if key >= slot.cells.len() {
            slot.cells.resize(key + 1, Cell::default());
        }
        let cell = &mut slot.cells[key];
        if !cell.listed {
            cell.listed = true;
            slot.touched.push(event.key);
            self.live_cells += 1;
        }
        cell.acc.add(event.value);
        if max_ts <= self.watermark {
            // EventTimeTrigger.onElement: the watermark is already past maxTimestamp, FIRE now.
            out.result(&WindowResult {
                window,
                key: event.key,
                kind: ResultKind::Late,
                acc: cell.acc,
            });
            if self.discarding {
                cell.acc = Accumulator::default();
            }
        } else if let Some(delay) = self.early_firing
            && !cell.early_armed
        {
            cell.early_armed = true;
            self.early_timers
                .push(now + delay, (window.start.as_ms(), event.key));
        }
        true
    }

    fn slot_for(&mut self, window: Window) -> usize {
        if let Some((w, index)) = self.cached
            && w == window
        {
            return index;
        }
        let index = match self.by_start.get(&window.start.as_ms()) {
            Some(&index) => index,
            None => self.new_slot(window),
        };
        self.cached = Some((window, index));
        index
    }

    fn new_slot(&mut self, window: Window) -> usize {
        let index = match self.free_slots.pop() {
            Some(index) => {
                self.slots[index].window = window;
                index
            }
            None => {
                self.slots.push(Slot {
                    window,
                    cells: Vec::new(),
                    touched: Vec::new(),
                });
                self.slots.len() - 1
            }
        };
        self.by_start.insert(window.start.as_ms(), index);
        let max_ts = window.max_timestamp().as_ms();
        // The event-time timer at maxTimestamp, or (already passed) the cleanup timer.
        let due = if max_ts > self.watermark {
            max_ts
        } else {
            cleanup_time(max_ts, self.lateness)
        };
        self.next_due = self.next_due.min(due);
        index
    }

    fn add_session(&mut self, event: &Event, gap: Dur, now: Ts, out: &mut impl Output) -> bool {
        let key = event.key;
        let k = key.0 as usize;
        if k >= self.sessions.len() {
            self.sessions.resize_with(k + 1, SessionSet::default);
        }
        let (lateness, watermark) = (self.lateness, self.watermark);
        let proto = Window::new(event.event_time, event.event_time + gap);
        let set = &mut self.sessions[k];
        // Flink merges first, then drops the (merged) window if it is late: a late proto-window
        // survives only by merging into a session that is still held.
        if cleanup_time(proto.max_timestamp().as_ms(), lateness) <= watermark
            && !set.intersects_any(&proto)
        {
            return false;
        }
        let timers = &mut self.session_timers;
        let mut absorbed = 0;
        let cell = Cell {
            acc: Accumulator::of(event.value),
            listed: true,
            early_armed: false,
        };
        // MergingWindowSet.addWindow: merged windows' timers are deleted; onMerge registers the
        // merged window's timer if the watermark has not passed it.
        let actual = set.insert(
            proto,
            cell,
            |into, from| {
                into.acc.merge(&from.acc);
                into.early_armed |= from.early_armed;
            },
            |old| {
                let max_ts = old.max_timestamp().as_ms();
                timers.remove(&(max_ts, key, old.start.as_ms()));
                timers.remove(&(cleanup_time(max_ts, lateness), key, old.start.as_ms()));
                absorbed += 1;
                out.merged_away(old, key);
            },
        );
        self.live_cells = self.live_cells + 1 - absorbed;
        let (_, cell) = set.get_mut(actual.start).expect("just inserted");
        let max_ts = actual.max_timestamp().as_ms();
        let start = actual.start.as_ms();
        if max_ts <= watermark {
            // EventTimeTrigger.onElement: FIRE at once (a late firing).
            out.result(&WindowResult {
                window: actual,
                key,
                kind: ResultKind::Late,
                acc: cell.acc,
            });
            if self.discarding {
                cell.acc = Accumulator::default();
            }
        } else {
            timers.insert((max_ts, key, start));
            if let Some(delay) = self.early_firing
                && !cell.early_armed
            {
                cell.early_armed = true;
                self.early_timers.push(now + delay, (start, key));
            }
        }
        // registerCleanupTimer(actualWindow).
        timers.insert((cleanup_time(max_ts, lateness), key, start));
        true
    }

    /// Flink's `processWatermark`: fires every event-time timer at or before `watermark` in
    /// time order (window results, cleanups), then the watermark becomes current.
    pub fn on_watermark(&mut self, watermark: Ts, out: &mut impl Output) {
        let wm = watermark.as_ms();
        if wm <= self.watermark {
            return;
        }
        match self.spec {
            WindowSpec::Session { .. } => self.fire_session_timers(wm, out),
            _ => self.fire_fixed(wm, out),
        }
        self.watermark = wm;
    }

    fn fire_fixed(&mut self, wm: i64, out: &mut impl Output) {
        if wm < self.next_due {
            return;
        }
        let previous = self.watermark;
        // Windows whose maxTimestamp lies in (previous, wm], in order: all windows have one
        // size, so start order is end order.
        let from = match self.spec.length() {
            Some(size) => previous.saturating_sub(size.as_ms()).saturating_add(2),
            None => i64::MIN,
        };
        self.firing.clear();
        for (_, &index) in self.by_start.range(from..) {
            let max_ts = self.slots[index].window.max_timestamp().as_ms();
            if max_ts > wm {
                break;
            }
            if max_ts > previous {
                self.firing.push(index);
            }
        }
        for i in 0..self.firing.len() {
            let index = self.firing[i];
            self.fire_slot(index, out);
        }
        // Cleanup timers: state is dropped once the watermark passes maxTimestamp + lateness.
        while let Some((&start, &index)) = self.by_start.first_key_value() {
            let max_ts = self.slots[index].window.max_timestamp().as_ms();
            if cleanup_time(max_ts, self.lateness) > wm {
                break;
            }
            self.retire_slot(start, index);
        }
        self.next_due = self.next_due_after(wm);
    }

    /// EventTimeTrigger.onEventTime at maxTimestamp: FIRE every key that holds contents.
    fn fire_slot(&mut self, index: usize, out: &mut impl Output) {
        let slot = &mut self.slots[index];
        slot.touched.sort_unstable();
        for &key in &slot.touched {
            let cell = &mut slot.cells[key.0 as usize];
            cell.early_armed = false;
            if cell.acc.count == 0 {
                continue;
            }
            out.result(&WindowResult {
                window: slot.window,
                key,
                kind: ResultKind::OnTime,
                acc: cell.acc,
            });
            if self.discarding {
                cell.acc = Accumulator::default();
            }
        }
    }

    fn retire_slot(&mut self, start: i64, index: usize) {
        let slot = &mut self.slots[index];
        for &key in &slot.touched {
            slot.cells[key.0 as usize] = Cell::default();
        }
        self.live_cells -= slot.touched.len();
        slot.touched.clear();
        self.by_start.remove(&start);
        self.free_slots.push(index);
        if self.cached.is_some_and(|(_, i)| i == index) {
            self.cached = None;
        }
    }

    /// The earliest pending timer after watermark `wm`: the first window not yet fired, or
    /// the first cleanup.
    fn next_due_after(&self, wm: i64) -> i64 {
        let first_cleanup = self
            .by_start
            .first_key_value()
            .map_or(i64::MAX, |(_, &index)| {
                cleanup_time(
                    self.slots[index].window.max_timestamp().as_ms(),
                    self.lateness,
                )
            });
        let first_unfired = self
            .by_start
            .values()
            .map(|&index| self.slots[index].window.max_timestamp().as_ms())
            .find(|&max_ts| max_ts > wm)
            .unwrap_or(i64::MAX);
        first_cleanup.min(first_unfired)
    }

    fn fire_session_timers(&mut self, wm: i64, out: &mut impl Output) {
        while let Some(&(time, key, start)) = self.session_timers.first() {
            if time > wm {
                break;
            }
            self.session_timers.pop_first();
            let set = &mut self.sessions[key.0 as usize];
            let Some((window, cell)) = set.get_mut(Ts(start)) else {
                continue; // merged away or already cleaned up
            };
            let max_ts = window.max_timestamp().as_ms();
            // EventTimeTrigger.onEventTime: FIRE when the timer is the window's maxTimestamp.
            if time == max_ts && cell.acc.count > 0 {
                cell.early_armed = false;
                out.result(&WindowResult {
                    window,
                    key,
                    kind: ResultKind::OnTime,
                    acc: cell.acc,
                });
                if self.discarding {
                    cell.acc = Accumulator::default();
                }
            }
            // isCleanupTime: the window's state goes at maxTimestamp + allowedLateness.
            if time == cleanup_time(max_ts, self.lateness) {
                set.remove(Ts(start));
                self.live_cells -= 1;
            }
        }
    }

    /// The time of the next early-firing timer, if any.
    pub fn next_processing_timer(&self) -> Option<Ts> {
        self.early_timers.peek_time()
    }

    /// Fires the early-firing timers due at or before processing time `now`: each window
    /// still before its end emits what it holds (Beam: only panes with new elements fire).
    pub fn on_processing_time(&mut self, now: Ts, out: &mut impl Output) {
        while let Some(due) = self.early_timers.peek_time() {
            if due > now {
                break;
            }
            let (_, (start, key)) = self.early_timers.pop().expect("peeked");
            let wm = self.watermark;
            let discarding = self.discarding;
            let found = match self.spec {
                WindowSpec::Session { .. } => self
                    .sessions
                    .get_mut(key.0 as usize)
                    .and_then(|set| set.containing_mut(Ts(start))),
                _ => match self.by_start.get(&start) {
                    Some(&index) => {
                        let slot = &mut self.slots[index];
                        let window = slot.window;
                        slot.cells
                            .get_mut(key.0 as usize)
                            .map(|cell| (window, cell))
                    }
                    None => None,
                },
            };
            let Some((window, cell)) = found else {
                continue;
            };
            if !cell.early_armed {
                continue;
            }
            cell.early_armed = false;
            if window.max_timestamp().as_ms() > wm && cell.acc.count > 0 {
                out.result(&WindowResult {
                    window,
                    key,
                    kind: ResultKind::Early,
                    acc: cell.acc,
                });
                if discarding {
                    cell.acc = Accumulator::default();
                }
            }
        }
    }

    /// End of a bounded input: Flink emits `Long.MAX_VALUE` as the final watermark, which
    /// fires and cleans up every window.
    pub fn on_finish(&mut self, out: &mut impl Output) {
        self.on_watermark(Ts(i64::MAX), out);
    }
}

#[cfg(test)]
mod tests;
