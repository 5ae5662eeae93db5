//! Measurements taken while events stream past: distributions in bounded memory, and the
//! workload's own figures (how late events arrive, how many repeat, how many keys).

use hdrhistogram::Histogram;
use rustc_hash::FxHashMap;

use crate::engine::ResultKind;
use crate::engine::output::{Emission, Sample, StreamOutput};
use crate::engine::window::{Window, WindowSpec};
use crate::input::event::{Event, KeyId};
use crate::input::time::{Dur, Ts};
use crate::measure::period::{Period, measured_time, measured_window};
use crate::measure::sink::ServingTable;
use crate::measure::sink::SinkMode;

/// A distribution of signed millisecond values in bounded memory (HDR histograms with three
/// significant digits: quantiles are within 0.1%). Negative values, such as arrivals stamped
/// after they reached the broker by a device whose clock runs ahead, are kept apart.
#[derive(Clone, Debug)]
pub struct SignedHistogram {
    below_zero: Histogram<u64>,
    at_or_above_zero: Histogram<u64>,
    /// Exact counts of the values in `0..SMALL`, not yet in `at_or_above_zero`: a count
    /// is one add where an HDR record is seventy instructions, and the histogram they make
    /// is the same whichever order its values are recorded in.
    small: Vec<u64>,
    small_len: u64,
    min: i64,
    max: i64,
}

/// Values below this many milliseconds (about 4 s) are counted exactly before they reach
/// the HDR histogram.
const SMALL: usize = 1 << 12;

impl Default for SignedHistogram {
    fn default() -> Self {
        let empty = || Histogram::new(3).expect("3 significant digits is a valid precision");
        SignedHistogram {
            below_zero: empty(),
            at_or_above_zero: empty(),
            small: Vec::new(),
            small_len: 0,
            min: i64::MAX,
            max: i64::MIN,
        }
    }
}

impl SignedHistogram {
    /// Records one value.
    pub fn record(&mut self, value: i64) {
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        if (0..SMALL as i64).contains(&value) {
            if self.small.is_empty() {
                self.small = vec![0; SMALL];
            }
            self.small[value as usize] += 1;
            self.small_len += 1;
            return;
        }
        let (histogram, magnitude) = if value < 0 {
            (&mut self.below_zero, value.unsigned_abs())
        } else {
            (&mut self.at_or_above_zero, value as u64)
        };
        // Auto-resizing histograms grow to fit; only values near u64::MAX could fail.
        if histogram.record(magnitude).is_err() {
            histogram.saturating_record(magnitude);
        }
    }

    /// Values recorded.
    pub fn len(&self) -> u64 {
        self.below_zero.len() + self.at_or_above_zero.len() + self.small_len
    }

    /// Folds the exact small counts into the HDR histogram, so that quantiles read it as it
    /// is (the app asks for a hundred of them on every frame).
    pub fn settle(&mut self) {
        if self.small_len > 0 {
            self.at_or_above_zero = self.at_or_above_zero().into_owned();
            self.small = Vec::new();
            self.small_len = 0;
        }
    }

    /// The values at or above zero in one HDR histogram, the exact small counts added.
    fn at_or_above_zero(&self) -> std::borrow::Cow<'_, Histogram<u64>> {
        if self.small_len == 0 {
            return std::borrow::Cow::Borrowed(&self.at_or_above_zero);
        }
        let mut all = self.at_or_above_zero.clone();
        for (value, &count) in self.small.iter().enumerate() {
            if count > 0 {
                // Auto-resizing grows to fit a value this small: it cannot fail.
                all.record_n(value as u64, count)
                    .expect("a small value fits");
            }
        }
        std::borrow::Cow::Owned(all)
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Values below zero.
    pub fn below_zero(&self) -> u64 {
        self.below_zero.len()
    }

    /// The value at quantile `q` (0..=1); `None` when empty. The extremes are exact.
    pub fn quantile(&self, q: f64) -> Option<i64> {
        let n = self.len();
        if n == 0 {
            return None;
        }
        if q <= 0.0 {
            return Some(self.min);
        }
        if q >= 1.0 {
            return Some(self.max);
        }
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
        let negatives = self.below_zero.len();
        let value = if rank <= negatives {
            // Ascending rank r among negatives is descending rank r among their magnitudes.
            let q_mag = (negatives - rank + 1) as f64 / negatives as f64;
            -(self.below_zero.value_at_quantile(q_mag) as i64)
        } else {
            let positives = self.at_or_above_zero();
            let q_pos = (rank - negatives) as f64 / positives.len() as f64;
            positives.value_at_quantile(q_pos) as i64
        };
        Some(value.clamp(self.min, self.max))
    }

    /// Smallest value recorded.
    pub fn min(&self) -> Option<i64> {
        (!self.is_empty()).then_some(self.min)
    }

    /// Largest value recorded.
    pub fn max(&self) -> Option<i64> {
        (!self.is_empty()).then_some(self.max)
    }
}

/// The workload's own figures, gathered one event at a time.
#[derive(Clone, Debug, Default)]
pub struct WorkloadStats {
    /// Events that arrived, retries included.
    pub events: u64,
    /// Arrival time minus event time, per event.
    pub delay_ms: SignedHistogram,
    /// Events that arrived later than the window length after they happened.
    pub later_than_window: u64,
    /// Which key ids were seen.
    keys_seen: Vec<bool>,
    /// Earliest event time.
    pub first_event: Option<Ts>,
    /// Latest event time.
    pub last_event: Option<Ts>,
    /// Latest arrival time.
    pub last_arrival: Option<Ts>,
    window_length: Option<Dur>,
    /// Only events that happened in it are counted; none: every event.
    period: Option<Period>,
}

impl WorkloadStats {
    /// Figures for a query whose windows are `window_length` long (`None`: never late).
    pub fn new(window_length: Option<Dur>) -> Self {
        WorkloadStats {
            window_length,
            ..Self::default()
        }
    }

    /// These figures over the events of `period` only (by event time).
    pub fn measuring(mut self, period: Option<Period>) -> Self {
        self.period = period;
        self
    }

    /// Counts one arriving event.
    pub fn observe(&mut self, event: &Event) {
        if !measured_time(self.period, event.event_time) {
            return;
        }
        self.events += 1;
        let delay = event.arrival_time - event.event_time;
        self.delay_ms.record(delay.as_ms());
        if self.window_length.is_some_and(|len| delay > len) {
            self.later_than_window += 1;
        }
        let key = event.key.0 as usize;
        if key >= self.keys_seen.len() {
            self.keys_seen.resize(key + 1, false);
        }
        self.keys_seen[key] = true;
        self.first_event = Some(
            self.first_event
                .map_or(event.event_time, |t| t.min(event.event_time)),
        );
        self.last_event = Some(
            self.last_event
                .map_or(event.event_time, |t| t.max(event.event_time)),
        );
        self.last_arrival = Some(
            self.last_arrival
                .map_or(event.arrival_time, |t| t.max(event.arrival_time)),
        );
    }

    /// Distinct keys seen.
    pub fn keys(&self) -> u64 {
        self.keys_seen.iter().filter(|&&seen| seen).count() as u64
    }
}

/// One model's results: the serving table it fills, what it emitted and dropped, how big
/// its state and backlog grew, and how long events took to become visible.
#[derive(Clone, Debug)]
pub struct ModelStats {
    /// What readers see.
    pub table: ServingTable,
    /// Results by kind.
    pub on_time: u64,
    /// Updated results after the first (late firings, correction runs).
    pub late: u64,
    /// Speculative results before the window's end.
    pub early: u64,
    /// Events dropped as late, or never read.
    pub dropped: u64,
    /// The value those events carried.
    pub dropped_value: f64,
    /// Largest state sampled.
    pub state_peak: usize,
    state_sum: u64,
    state_samples: u64,
    /// Largest backlog sampled.
    pub backlog_peak: usize,
    /// State size and backlog over processing time (at most [`MAX_SAMPLES`], thinned evenly).
    pub samples: Vec<Sample>,
    /// Per event: event time to first visible, and arrival to first visible (tumbling and
    /// sliding windows; a sliding event is followed in its earliest-ending window).
    pub event_latency_ms: SignedHistogram,
    /// See [`event_latency_ms`](Self::event_latency_ms).
    pub arrival_latency_ms: SignedHistogram,
    window: WindowSpec,
    /// Latency follows the events whose id is a multiple of the stride (a power of two; 1:
    /// every event): `id & mask == 0`, no division on the hot path.
    latency_mask: u64,
    /// Events of each cell not yet visible.
    pending: FxHashMap<(Window, KeyId), Vec<Waiting>>,
    /// Events dropped from each (fixed) window and key: what a short result lacks.
    dropped_by_cell: FxHashMap<(Window, KeyId), u64>,
    /// A recorded trace's end is no moment of the stream it was cut from: the results only
    /// the final watermark fired are set apart (see [`ModelStats::counting_the_trace_end`]).
    pub trace_end: Option<TraceEnd>,
    /// The measured period: only its events, windows and samples are counted (none: all).
    period: Option<Period>,
}

/// What only a recorded trace's end fired: windows whose on-time result came from the final
/// watermark, which the stream the trace was cut from would have fired when later events
/// came. They are served and checked, but left out of the latency figures.
#[derive(Clone, Debug, Default)]
pub struct TraceEnd {
    /// The input has ended.
    ended: bool,
    /// The (window, key) results fired on time by the end.
    pub cells: rustc_hash::FxHashSet<(Window, KeyId)>,
    /// Their windows.
    pub windows: std::collections::BTreeSet<Window>,
}

/// The most samples a model keeps for plotting.
pub const MAX_SAMPLES: usize = 2_000;

/// An event waiting to become visible: (id, event time ms, arrival ms).
type Waiting = (u64, i64, i64);

impl ModelStats {
    /// Stats for a model writing to a table in `mode`, over `window`s, following the latency
    /// of every `latency_stride`-th event id (1: all of them).
    pub fn new(mode: SinkMode, window: WindowSpec, latency_stride: u64) -> Self {
        ModelStats {
            table: ServingTable::new(mode),
            on_time: 0,
            late: 0,
            early: 0,
            dropped: 0,
            dropped_value: 0.0,
            state_peak: 0,
            state_sum: 0,
            state_samples: 0,
            backlog_peak: 0,
            samples: Vec::new(),
            event_latency_ms: SignedHistogram::default(),
            arrival_latency_ms: SignedHistogram::default(),
            window,
            latency_mask: latency_stride.max(1).next_power_of_two() - 1,
            pending: FxHashMap::default(),
            dropped_by_cell: FxHashMap::default(),
            trace_end: None,
            period: None,
        }
    }

    /// These stats over `period` only: events by event time, results by their window's
    /// end, samples by their time.
    pub fn measuring(mut self, period: Option<Period>) -> Self {
        self.period = period;
        self
    }

    /// These stats, setting apart what a recorded trace's end alone fired (when `trace`).
    pub fn counting_the_trace_end(mut self, trace: bool) -> Self {
        self.trace_end = trace.then(TraceEnd::default);
        self
    }

    /// Results emitted in all.
    pub fn results(&self) -> u64 {
        self.on_time + self.late + self.early
    }

    /// Mean state size over the samples.
    pub fn state_mean(&self) -> Option<f64> {
        (self.state_samples > 0).then(|| self.state_sum as f64 / self.state_samples as f64)
    }

    /// The cell an event is followed in for latency: its window, or its earliest-ending one.
    fn tracked_cell(&self, event: &Event) -> Option<(Window, KeyId)> {
        if self.window.is_merging() {
            return None;
        }
        let mut first: Option<Window> = None;
        self.window.assign(event.event_time, |w| {
            if first.is_none_or(|f| w.end < f.end) {
                first = Some(w);
            }
        });
        first.map(|w| (w, event.key))
    }

    /// An event is handed to the model: it waits to become visible.
    pub fn input(&mut self, event: &Event) {
        if event.id & self.latency_mask != 0 || !measured_time(self.period, event.event_time) {
            return;
        }
        if let Some(cell) = self.tracked_cell(event) {
            self.pending.entry(cell).or_default().push((
                event.id,
                event.event_time.as_ms(),
                event.arrival_time.as_ms(),
            ));
        }
    }

    fn forget(&mut self, event: &Event, window: Option<Window>) {
        if event.id & self.latency_mask != 0 {
            return;
        }
        let Some(cell) = self.tracked_cell(event) else {
            return;
        };
        if window.is_some_and(|w| w != cell.0) {
            return;
        }
        if let Some(list) = self.pending.get_mut(&cell)
            && let Some(i) = list.iter().rposition(|(id, _, _)| *id == event.id)
        {
            list.swap_remove(i);
        }
    }

    /// Everything the emitted cell took in so far is in this version: its waiting events
    /// became visible.
    fn record_latency(&mut self, emission: &Emission) {
        let r = &emission.result;
        if let Some(waiting) = self.pending.remove(&(r.window, r.key)) {
            let visible = emission.visible_time.as_ms();
            for (_, event_ms, arrival_ms) in waiting {
                self.event_latency_ms.record(visible - event_ms);
                self.arrival_latency_ms.record(visible - arrival_ms);
            }
        }
    }

    /// Events dropped (late, or never read) from `window` of `key`.
    pub fn dropped_in(&self, window: Window, key: KeyId) -> u64 {
        self.dropped_by_cell
            .get(&(window, key))
            .copied()
            .unwrap_or(0)
    }
}

impl StreamOutput for ModelStats {
    fn result(&mut self, emission: &Emission) {
        let r = &emission.result;
        if !measured_window(self.period, r.window) {
            // A window of the run-in or run-out: only its period events' latency counts.
            self.record_latency(emission);
            return;
        }
        match r.kind {
            ResultKind::OnTime => self.on_time += 1,
            ResultKind::Late => self.late += 1,
            ResultKind::Early => self.early += 1,
        }
        self.table
            .write(emission.visible_time, r.window, r.key, r.acc);
        if let Some(end) = &mut self.trace_end
            && end.ended
            && r.kind == ResultKind::OnTime
        {
            // Its events would have become visible whenever the stream went on: unknown.
            end.cells.insert((r.window, r.key));
            end.windows.insert(r.window);
            self.pending.remove(&(r.window, r.key));
            return;
        }
        self.record_latency(emission);
    }

    fn dropped(&mut self, event: &Event, _at: Ts) {
        if !measured_time(self.period, event.event_time) {
            return;
        }
        self.dropped += 1;
        self.dropped_value += event.value;
        self.forget(event, None);
        // A session of a dropped event is never formed: only fixed windows keep count.
        if !self.window.is_merging() {
            let (key, cells) = (event.key, &mut self.dropped_by_cell);
            self.window.assign(event.event_time, |w| {
                *cells.entry((w, key)).or_default() += 1;
            });
        }
    }

    fn dropped_from_window(&mut self, event: &Event, window: Window) {
        if !measured_window(self.period, window) {
            return;
        }
        self.forget(event, Some(window));
        *self.dropped_by_cell.entry((window, event.key)).or_default() += 1;
    }

    fn merged_away(&mut self, window: Window, key: KeyId) {
        self.table.supersede(window, key);
    }

    fn end_of_input(&mut self) {
        if let Some(end) = &mut self.trace_end {
            end.ended = true;
        }
    }

    fn sample(&mut self, sample: &Sample) {
        if !measured_time(self.period, sample.time) {
            return;
        }
        self.state_peak = self.state_peak.max(sample.state_cells);
        self.state_sum += sample.state_cells as u64;
        self.state_samples += 1;
        self.backlog_peak = self.backlog_peak.max(sample.backlog);
        self.samples.push(*sample);
        if self.samples.len() >= 2 * MAX_SAMPLES {
            // Keep every other sample: the series stays even and bounded.
            let mut i = 0;
            self.samples.retain(|_| {
                i += 1;
                i % 2 == 1
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_span_negative_and_positive_values() {
        let mut h = SignedHistogram::default();
        for v in [-300, -100, 0, 100, 200, 300, 400, 500, 600, 700] {
            h.record(v);
        }
        assert_eq!(h.quantile(0.0), Some(-300));
        assert_eq!(h.quantile(0.1), Some(-300));
        assert_eq!(h.quantile(0.2), Some(-100));
        // Nearest rank: the 5th of 10 values.
        assert_eq!(h.quantile(0.5), Some(200));
        assert_eq!(h.quantile(1.0), Some(700));
        assert_eq!(h.below_zero(), 2);
        assert_eq!(SignedHistogram::default().quantile(0.5), None);
    }

    #[test]
    fn small_values_counted_apart_give_the_quantiles_of_one_hdr_histogram() {
        // The same values, small (counted exactly first) and large, in a scrambled order.
        let values: Vec<i64> = (0..20_000i64)
            .map(|i| (i * 7_919) % 90_000 - 1_000)
            .collect();
        let mut h = SignedHistogram::default();
        let mut plain = Histogram::<u64>::new(3).unwrap();
        for &v in &values {
            h.record(v);
            if v >= 0 {
                plain.record(v as u64).unwrap();
            }
        }
        assert_eq!(h.len(), 20_000);
        let negatives = h.below_zero();
        for q in [0.1, 0.5, 0.9, 0.99] {
            let rank = ((q * 20_000.0f64).ceil() as u64).max(1);
            let q_pos = (rank - negatives) as f64 / plain.len() as f64;
            assert_eq!(
                h.quantile(q),
                Some(plain.value_at_quantile(q_pos) as i64),
                "q {q}"
            );
        }
    }

    #[test]
    fn what_only_a_traces_end_fired_is_left_out_of_latency() {
        use crate::engine::WindowResult;
        use crate::engine::aggregate::Accumulator;
        let window = WindowSpec::Tumbling {
            size: Dur::from_secs(10),
            offset: Dur::ZERO,
        };
        let event = |id: u64, at_s: i64| Event {
            id,
            key: KeyId(0),
            value: 1.0,
            event_time: Ts(at_s * 1_000),
            arrival_time: Ts(at_s * 1_000 + 500),
            source: 0,
        };
        let fired = |start_s: i64, visible_s: i64| Emission {
            emit_time: Ts(visible_s * 1_000),
            visible_time: Ts(visible_s * 1_000),
            after_event_id: None,
            batch: None,
            result: WindowResult {
                window: Window {
                    start: Ts(start_s * 1_000),
                    end: Ts((start_s + 10) * 1_000),
                },
                key: KeyId(0),
                kind: ResultKind::OnTime,
                acc: Accumulator::default(),
            },
        };
        for trace in [false, true] {
            let mut stats =
                ModelStats::new(SinkMode::Upsert, window, 1).counting_the_trace_end(trace);
            // An event at 3 s in [0 s, 10 s), fired at 12 s by the next event's watermark;
            // one at 14 s in [10 s, 20 s), fired at 15 s by the end of the input.
            stats.input(&event(1, 3));
            stats.input(&event(2, 14));
            stats.result(&fired(0, 12));
            stats.end_of_input();
            stats.result(&fired(10, 15));
            let latency = &stats.event_latency_ms;
            if trace {
                // 12 s − 3 s for the first; the second is set apart.
                assert_eq!((latency.len(), latency.max()), (1, Some(9_000)));
                let end = stats.trace_end.as_ref().unwrap();
                assert_eq!(end.windows.len(), 1);
                assert_eq!(end.windows.first().unwrap().start, Ts(10_000));
            } else {
                // A generated stream's end: both counted, 15 s − 14 s the second.
                assert_eq!((latency.len(), latency.min()), (2, Some(1_000)));
                assert!(stats.trace_end.is_none());
            }
            assert_eq!(stats.table.cells().count(), 2, "both served");
        }
    }

    #[test]
    fn quantiles_are_within_a_tenth_of_a_percent() {
        let mut h = SignedHistogram::default();
        for v in 1..=100_000 {
            h.record(v);
        }
        let p99 = h.quantile(0.99).unwrap();
        assert!((p99 - 99_000).abs() <= 99, "{p99}");
    }
}
