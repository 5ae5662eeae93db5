//! Measurements taken while events stream past: distributions in bounded memory, and the
//! workload's own figures (how late events arrive, how many repeat, how many keys).

use std::collections::BTreeMap;

use hdrhistogram::Histogram;

use crate::aggregate::Accumulator;
use crate::engine::{FiringMode, ResultKind};
use crate::event::{Event, KeyId};
use crate::oracle::TruthCell;
use crate::runner::streaming::{Emission, Sample, StreamOutput};
use crate::time::{Dur, Ts};
use crate::window::Window;

/// A distribution of signed millisecond values in bounded memory (HDR histograms with three
/// significant digits: quantiles are within 0.1%). Negative values, such as arrivals stamped
/// after they reached the broker by a device whose clock runs ahead, are kept apart.
#[derive(Clone, Debug)]
pub struct SignedHistogram {
    below_zero: Histogram<u64>,
    at_or_above_zero: Histogram<u64>,
    min: i64,
    max: i64,
}

impl Default for SignedHistogram {
    fn default() -> Self {
        let empty = || Histogram::new(3).expect("3 significant digits is a valid precision");
        SignedHistogram {
            below_zero: empty(),
            at_or_above_zero: empty(),
            min: i64::MAX,
            max: i64::MIN,
        }
    }
}

impl SignedHistogram {
    /// Records one value.
    pub fn record(&mut self, value: i64) {
        let (histogram, magnitude) = if value < 0 {
            (&mut self.below_zero, value.unsigned_abs())
        } else {
            (&mut self.at_or_above_zero, value as u64)
        };
        // Auto-resizing histograms grow to fit; only values near u64::MAX could fail.
        if histogram.record(magnitude).is_err() {
            histogram.saturating_record(magnitude);
        }
        self.min = self.min.min(value);
        self.max = self.max.max(value);
    }

    /// Values recorded.
    pub fn len(&self) -> u64 {
        self.below_zero.len() + self.at_or_above_zero.len()
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
            let positives = self.at_or_above_zero.len();
            let q_pos = (rank - negatives) as f64 / positives as f64;
            self.at_or_above_zero.value_at_quantile(q_pos) as i64
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
}

impl WorkloadStats {
    /// Figures for a query whose windows are `window_length` long (`None`: never late).
    pub fn new(window_length: Option<Dur>) -> Self {
        WorkloadStats {
            window_length,
            ..Self::default()
        }
    }

    /// Counts one arriving event.
    pub fn observe(&mut self, event: &Event) {
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

/// A runner's results as a serving table would hold them, scored against the truth.
#[derive(Clone, Debug, Default)]
pub struct ResultStats {
    discarding: bool,
    /// Results emitted, by kind.
    pub on_time: u64,
    /// Updated results from late events within the allowed lateness.
    pub late: u64,
    /// Speculative early results.
    pub early: u64,
    /// Events dropped as late.
    pub dropped: u64,
    /// The value those events carried.
    pub dropped_value: f64,
    /// On-time results: visible time minus window end.
    pub result_delay_ms: SignedHistogram,
    /// The served value per (window, key): upserted, or added up in discarding mode.
    served: BTreeMap<(Window, KeyId), Accumulator>,
    /// Largest state size sampled.
    pub state_peak: usize,
    /// Largest backlog sampled.
    pub backlog_peak: usize,
}

/// How well served results match the truth.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Correctness {
    /// Truth cells served with exactly the true aggregates.
    pub correct: u64,
    /// Truth cells served with another value.
    pub wrong: u64,
    /// Truth cells never served.
    pub missing: u64,
    /// Served cells that do not exist in the truth (windows cut differently).
    pub extra: u64,
}

impl Correctness {
    /// Share of truth cells served correctly.
    pub fn correct_share(&self) -> Option<f64> {
        let truth = self.correct + self.wrong + self.missing;
        (truth > 0).then(|| self.correct as f64 / truth as f64)
    }
}

fn same_value(a: &Accumulator, b: &Accumulator) -> bool {
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0);
    a.count == b.count && close(a.sum, b.sum)
}

impl ResultStats {
    /// Stats for results fired in `mode`.
    pub fn new(mode: FiringMode) -> Self {
        ResultStats {
            discarding: mode == FiringMode::Discarding,
            ..Self::default()
        }
    }

    /// Results emitted in all.
    pub fn results(&self) -> u64 {
        self.on_time + self.late + self.early
    }

    /// The served table against the truth (both ordered by window, then key).
    pub fn correctness(&self, truth: &[TruthCell]) -> Correctness {
        let mut c = Correctness::default();
        let mut served = self.served.iter().peekable();
        for cell in truth {
            let at = (cell.window, cell.key);
            while served.next_if(|(k, _)| **k < at).is_some() {
                c.extra += 1;
            }
            match served.next_if(|(k, _)| **k == at) {
                Some((_, acc)) if same_value(acc, &cell.acc) => c.correct += 1,
                Some(_) => c.wrong += 1,
                None => c.missing += 1,
            }
        }
        c.extra += served.count() as u64;
        c
    }
}

impl StreamOutput for ResultStats {
    fn result(&mut self, emission: &Emission) {
        let r = &emission.result;
        match r.kind {
            ResultKind::OnTime => {
                self.on_time += 1;
                if r.window.end < Ts(i64::MAX) {
                    self.result_delay_ms
                        .record((emission.visible_time - r.window.end).as_ms());
                }
            }
            ResultKind::Late => self.late += 1,
            ResultKind::Early => self.early += 1,
        }
        let served = self.served.entry((r.window, r.key)).or_default();
        if self.discarding {
            served.merge(&r.acc);
        } else {
            *served = r.acc;
        }
    }

    fn dropped(&mut self, event: &Event, _at: Ts) {
        self.dropped += 1;
        self.dropped_value += event.value;
    }

    fn sample(&mut self, sample: &Sample) {
        self.state_peak = self.state_peak.max(sample.state_cells);
        self.backlog_peak = self.backlog_peak.max(sample.backlog);
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
    fn quantiles_are_within_a_tenth_of_a_percent() {
        let mut h = SignedHistogram::default();
        for v in 1..=100_000 {
            h.record(v);
        }
        let p99 = h.quantile(0.99).unwrap();
        assert!((p99 - 99_000).abs() <= 99, "{p99}");
    }
}
