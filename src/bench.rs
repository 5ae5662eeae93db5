//! The standard benchmark workloads, shared by `tidemark bench` and the criterion benches:
//! (a) the engine's hot path on events already in memory, (b) the whole streaming simulation
//! end to end. Both run on one thread.

use std::time::Instant;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use crate::aggregate::Aggregation;
use crate::engine::watermark::BoundedOutOfOrderness;
use crate::engine::{OperatorConfig, Output, WatermarkEmit, WindowOperator, WindowResult};
use crate::event::{Event, KeyId};
use crate::query::QuerySpec;
use crate::run::run_scenario;
use crate::runner::streaming::StreamingSpec;
use crate::scenario::Scenario;
use crate::time::{Dur, Ts};
use crate::window::WindowSpec;
use crate::workload::WorkloadSpec;
use crate::workload::spec::{
    DelayDist, KeySpec, Offline, Popularity, RateProfile, SourceSpec, ValueDist,
};

/// Keys in the benchmark workloads.
pub const KEYS: u32 = 1_000;
/// Share of events that arrive late, up to [`MAX_LATENESS`] behind.
pub const LATE_SHARE: f64 = 0.05;
/// How late the late events are, at most.
pub const MAX_LATENESS: Dur = Dur::from_mins(2);
/// The watermark's out-of-orderness bound.
pub const BOUND: Dur = Dur::from_secs(5);
/// Events per second of simulated time.
pub const RATE_PER_SECOND: f64 = 50_000.0;

/// The benchmark query: tumbling 1-minute windows, count and sum.
pub fn query() -> QuerySpec {
    QuerySpec {
        window: WindowSpec::Tumbling {
            size: Dur::from_mins(1),
            offset: Dur::ZERO,
        },
        aggregations: vec![Aggregation::Count, Aggregation::Sum],
    }
}

/// `n` events in arrival order at [`RATE_PER_SECOND`], keys uniform over [`KEYS`], 5% of
/// them stamped up to two minutes before they arrive.
pub fn events_in_memory(n: usize, seed: u64) -> Vec<Event> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let start = Ts::parse("2026-03-17T00:00:00Z").expect("valid").as_ms();
    (0..n)
        .map(|i| {
            let arrival = start + (i as f64 * 1_000.0 / RATE_PER_SECOND) as i64;
            let delay = if rng.random_bool(LATE_SHARE) {
                rng.random_range(0..=MAX_LATENESS.as_ms())
            } else {
                rng.random_range(0..50)
            };
            Event {
                id: i as u64,
                key: KeyId(rng.random_range(0..KEYS)),
                value: 1.0,
                event_time: Ts(arrival - delay),
                arrival_time: Ts(arrival),
                source: 0,
            }
        })
        .collect()
}

/// Counts what the operator emits, and nothing else.
#[derive(Debug, Default)]
pub struct Counter {
    /// Results seen.
    pub results: u64,
    /// Events dropped.
    pub dropped: u64,
}

impl Output for Counter {
    fn result(&mut self, _result: &WindowResult) {
        self.results += 1;
    }
    fn dropped(&mut self, _event: &Event) {
        self.dropped += 1;
    }
}

/// The hot path: assign the window, update the accumulator, advance the watermark (per
/// event, bounded out-of-orderness), fire what is due.
pub fn engine_hot_path(events: &[Event], out: &mut Counter) {
    let mut operator = WindowOperator::new(query().window, OperatorConfig::default());
    let mut watermark = BoundedOutOfOrderness::new(BOUND);
    for event in events {
        operator.on_event(event, event.arrival_time, out);
        watermark.on_event(event.event_time);
        operator.on_watermark(watermark.current(), out);
    }
    operator.on_finish(out);
}

/// A scenario of `n` events with the same shape, run end to end by the streaming runner.
pub fn end_to_end_scenario(n: u64) -> Scenario {
    let seconds = n as f64 / RATE_PER_SECOND;
    Scenario {
        name: "bench_streaming_end_to_end".into(),
        description:
            "1,000 keys, 5% of events up to 2 minutes late, tumbling 1-minute windows, 5 s bound"
                .into(),
        seed: 1,
        workload: WorkloadSpec {
            start: Ts::parse("2026-03-17T00:00:00Z").expect("valid"),
            duration: Dur((seconds * 1_000.0).ceil() as i64),
            sources: vec![SourceSpec {
                name: "events".into(),
                rate: RateProfile::Constant {
                    per_minute: RATE_PER_SECOND * 60.0,
                },
                bursts: vec![],
                keys: KeySpec {
                    count: KEYS,
                    prefix: "key-".into(),
                    popularity: Popularity::Uniform,
                },
                values: ValueDist::Constant(1.0),
                delay: DelayDist::Exponential { mean: Dur(20) },
                offline: Offline {
                    share: LATE_SHARE,
                    min: Dur::ZERO,
                    max: MAX_LATENESS,
                },
                clock_skew: Dur::ZERO,
                duplicates: Default::default(),
            }],
        },
        query: query(),
        streaming: Some(StreamingSpec {
            watermark_emit: WatermarkEmit::Default,
            ..StreamingSpec::with_delay(BOUND)
        }),
        micro_batch: None,
        batch: None,
        plain_micro_batch: None,
        lambda: None,
        kappa: None,
        hybrid: None,
        requirement: None,
        cost: None,
        expect: vec![],
    }
}

/// One measured figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// What was measured.
    pub name: &'static str,
    /// Events processed.
    pub events: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Peak resident memory during the measurement, MiB (Linux; 0 where unknown).
    pub peak_mib: f64,
}

impl Figure {
    /// Millions of events per second.
    pub fn million_per_second(&self) -> f64 {
        self.events as f64 / self.seconds / 1e6
    }
}

impl std::fmt::Display for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {:.1} M events/s, peak {:.0} MiB",
            self.name,
            self.million_per_second(),
            self.peak_mib
        )
    }
}

/// Measures (a): `n` events generated into memory first, then timed through the hot path.
/// The peak includes the input held in memory (`n` × 40 bytes).
pub fn measure_engine(n: usize) -> Figure {
    let events = events_in_memory(n, 7);
    reset_peak_memory();
    let started = Instant::now();
    let mut out = Counter::default();
    engine_hot_path(&events, &mut out);
    let seconds = started.elapsed().as_secs_f64();
    std::hint::black_box(&out);
    Figure {
        name: "engine hot path",
        events: n as u64,
        seconds,
        peak_mib: peak_memory_mib(),
    }
}

/// Measures (b): a scenario of about `n` events, generated in arrival order, run through the
/// discrete-event clock, the streaming runner, the oracle and the metrics.
pub fn measure_end_to_end(n: u64) -> Figure {
    let scenario = end_to_end_scenario(n);
    reset_peak_memory();
    let started = Instant::now();
    let output = run_scenario(&scenario, &mut |_| {});
    let seconds = started.elapsed().as_secs_f64();
    let events = output.report.get("workload.events").unwrap_or(0.0) as u64;
    Figure {
        name: "streaming end to end",
        events,
        seconds,
        peak_mib: peak_memory_mib(),
    }
}

/// Resets the kernel's peak-RSS mark for this process (Linux `clear_refs` value 5).
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident set size since the last reset, from `/proc/self/status` (`VmHWM`).
fn peak_memory_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_benchmark_workloads_have_the_stated_shape() {
        let events = events_in_memory(100_000, 1);
        let late = events
            .iter()
            .filter(|e| e.arrival_time - e.event_time > Dur(50))
            .count();
        assert!(
            (late as f64 / 100_000.0 - LATE_SHARE).abs() < 0.01,
            "{late}"
        );
        let mut out = Counter::default();
        engine_hot_path(&events, &mut out);
        // Two seconds of events over 1,000 keys: each key in one or two 1-minute windows, and
        // late events beyond the 5 s bound dropped once their window has fired.
        assert!(
            out.results >= 1_000 && out.results <= 2_000,
            "{}",
            out.results
        );
        let scenario = end_to_end_scenario(10_000);
        assert!(scenario.problems().is_empty());
    }
}
