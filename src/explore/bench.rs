//! The standard benchmark workloads, shared by `tidemark bench` and the criterion benches:
//! a bare hash-map loop as the reference, the engine's hot path on events already in memory,
//! the whole streaming simulation end to end, the default scenario, the
//! production day and its memory at 2 and 8 hours, the event streams of the end-to-end run
//! and of the production day alone (their floor), and the replay of a CSV trace.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use crate::compose::run::run_scenario;
use crate::compose::scenario::Scenario;
use crate::engine::aggregate::Aggregation;
use crate::engine::query::QuerySpec;
use crate::engine::watermark::BoundedOutOfOrderness;
use crate::engine::window::WindowSpec;
use crate::engine::{OperatorConfig, Output, WatermarkEmit, WindowOperator, WindowResult};
use crate::explore::lab::LabData;
use crate::input::event::{Event, KeyId};
use crate::input::time::{Dur, Ts};
use crate::input::trace::TimeFormat;
use crate::input::workload::spec::{
    DelayDist, KeySpec, Offline, Popularity, RateProfile, SourceSpec, ValueDist,
};
use crate::input::workload::{Generator, WorkloadSpec};
use crate::measure::catalogue::{Metric, ScenarioMetric};
use crate::runner::streaming::StreamingSpec;

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
        replications: 1,
        measured_period: None,
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
            trace: None,
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

/// The figures `tidemark bench` prints, each measured in a process of its own so that its
/// peak memory is its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// A bare hash-map tumbling-window loop over events in memory: the reference.
    Reference,
    /// The engine's hot path over the same events.
    Engine,
    /// The whole streaming simulation: the generator, the truth and the runner, each on a
    /// thread of its own.
    EndToEnd,
    /// The end-to-end workload's events alone, drawn in arrival order and dropped: the
    /// part of [`Measure::EndToEnd`] no consumer can take off its thread.
    Generator,
    /// The default scenario, the whole run (the median of several).
    DefaultScenario,
    /// 1-hour windows at 1,000 events/s for 2 hours: memory against the 8-hour run.
    HourlyWindows2h,
    /// The same for 8 hours.
    HourlyWindows8h,
    /// The shipped production day: 86 million events through three models.
    ProductionDay,
    /// The production day's events alone: the run's floor.
    ProductionDayGenerator,
    /// The same, drawn on one thread: the parallel draw's scaling against it.
    ProductionDayGeneratorOneThread,
    /// The shipped production week: 605 million events through three models.
    ProductionWeek,
    /// Replay of a 1-million-row CSV trace, streaming runner, per-event watermarks.
    ReplayCsv,
    /// The watermark lab of the slowest built-in lesson, recomputed as after a slider move
    /// (the median of 9 per lesson).
    LessonLab,
    /// The watermark lab (Flink and Spark) on the slowest hour of the production day, from
    /// the checkpoints the app saves to the end of the run after its first lab.
    ProductionDayLab,
}

impl Measure {
    /// Every figure, in the order printed.
    pub const ALL: [Measure; 14] = [
        Measure::Reference,
        Measure::Engine,
        Measure::EndToEnd,
        Measure::Generator,
        Measure::DefaultScenario,
        Measure::HourlyWindows2h,
        Measure::HourlyWindows8h,
        Measure::ProductionDay,
        Measure::ProductionDayGeneratorOneThread,
        Measure::ProductionDayGenerator,
        Measure::ProductionWeek,
        Measure::ReplayCsv,
        Measure::LessonLab,
        Measure::ProductionDayLab,
    ];

    /// The name on the command line (`tidemark bench --only NAME`).
    pub fn name(self) -> &'static str {
        match self {
            Measure::Reference => "reference",
            Measure::Engine => "engine",
            Measure::EndToEnd => "end-to-end",
            Measure::Generator => "generator",
            Measure::DefaultScenario => "default-scenario",
            Measure::HourlyWindows2h => "hourly-2h",
            Measure::HourlyWindows8h => "hourly-8h",
            Measure::ProductionDay => "production-day",
            Measure::ProductionDayGenerator => "production-day-generator",
            Measure::ProductionDayGeneratorOneThread => "production-day-generator-1-thread",
            Measure::ProductionWeek => "production-week",
            Measure::ReplayCsv => "replay-csv",
            Measure::LessonLab => "lesson-lab",
            Measure::ProductionDayLab => "production-day-lab",
        }
    }

    /// What the figure measures, for the printed table.
    pub fn label(self) -> &'static str {
        match self {
            Measure::Reference => "reference: bare hash-map tumbling loop",
            Measure::Engine => "engine hot path",
            Measure::EndToEnd => "streaming end to end, draw on one thread",
            Measure::Generator => "  of which the event stream, one thread",
            Measure::DefaultScenario => "default scenario, whole run (median of 9)",
            Measure::HourlyWindows2h => "1-hour windows, 1,000 events/s, 2 h",
            Measure::HourlyWindows8h => "1-hour windows, 1,000 events/s, 8 h",
            Measure::ProductionDay => "production day, batch + micro-batch + streaming",
            Measure::ProductionDayGenerator => "  of which the event stream alone",
            Measure::ProductionDayGeneratorOneThread => "  the same stream drawn on one thread",
            Measure::ProductionWeek => "production week, batch + micro-batch + streaming",
            Measure::ReplayCsv => "replay of a 1 M-row CSV, per-event watermarks",
            Measure::LessonLab => "watermark lab, slowest lesson (median of 9)",
            Measure::ProductionDayLab => "watermark lab, slowest hour of the production day",
        }
    }

    /// Measures this figure in this process; `events` sizes the in-memory workloads.
    pub fn run(self, events: u64) -> Figure {
        let figure = match self {
            Measure::Reference => {
                let input = events_in_memory(events as usize, 7);
                reset_peak_memory();
                timed(events, || reference_loop(&input))
            }
            Measure::Engine => {
                let input = events_in_memory(events as usize, 7);
                reset_peak_memory();
                timed(events, || {
                    let mut out = Counter::default();
                    engine_hot_path(&input, &mut out);
                    out.results
                })
            }
            Measure::EndToEnd => one_thread(|| run_measured(&end_to_end_scenario(events))),
            Measure::Generator => one_thread(|| generated(&end_to_end_scenario(events))),
            Measure::DefaultScenario => {
                let scenario = Scenario::default_scenario();
                let mut runs: Vec<Figure> = (0..9).map(|_| run_measured(&scenario)).collect();
                runs.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
                runs.swap_remove(4)
            }
            Measure::HourlyWindows2h => run_measured(&production_hours(Dur::from_hours(2))),
            Measure::HourlyWindows8h => run_measured(&production_hours(Dur::from_hours(8))),
            Measure::ProductionDay => run_measured(&production_day()),
            Measure::ProductionDayGenerator => generated(&production_day()),
            Measure::ProductionDayGeneratorOneThread => one_thread(|| generated(&production_day())),
            Measure::ProductionWeek => run_measured(&shipped(
                include_str!("../../scenarios/production_week_1000_per_second.ron"),
                "production_week_1000_per_second.ron",
            )),
            Measure::ReplayCsv => replay_csv(1_000_000),
            Measure::LessonLab => slowest_lesson_lab(),
            Measure::ProductionDayLab => slowest_production_hour_lab(),
        };
        Figure {
            name: self.name().to_owned(),
            ..figure
        }
    }
}

/// What issue 25 asks of a figure (2 cores), checked against the same run's figures.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Target {
    /// Wall-clock seconds at most.
    pub seconds: Option<f64>,
    /// Peak memory at most, MiB.
    pub peak_mib: Option<f64>,
    /// Events per second at least, as a multiple of the reference loop's.
    pub of_reference: Option<f64>,
    /// Events per second at least, as a multiple of the one-thread draw's.
    pub of_one_thread: Option<f64>,
}

impl Measure {
    /// The figure's target, if it has one.
    pub fn target(self) -> Option<Target> {
        let t = Target::default();
        Some(match self {
            Measure::Engine => Target {
                of_reference: Some(0.8),
                ..t
            },
            Measure::EndToEnd => Target {
                of_reference: Some(0.35),
                ..t
            },
            // Three times the 21 M events/s (0.22x the reference) of the sequential draw.
            Measure::Generator => Target {
                of_reference: Some(0.66),
                ..t
            },
            Measure::DefaultScenario => Target {
                seconds: Some(0.025),
                ..t
            },
            Measure::ProductionDay => Target {
                seconds: Some(5.0),
                peak_mib: Some(1024.0),
                ..t
            },
            Measure::ProductionDayGenerator => Target {
                of_one_thread: Some(1.8),
                ..t
            },
            Measure::ProductionWeek => Target {
                seconds: Some(60.0),
                peak_mib: Some(2048.0),
                ..t
            },
            Measure::LessonLab | Measure::ProductionDayLab => Target {
                seconds: Some(0.2),
                ..t
            },
            _ => return None,
        })
    }
}

impl Target {
    /// `figure` against the target: each bound with the figure's value and whether it holds.
    pub fn judge(
        &self,
        figure: &Figure,
        reference: Option<f64>,
        one_thread: Option<f64>,
    ) -> String {
        let rate = figure.million_per_second();
        let mut parts = Vec::new();
        let mut check = |what: String, held: Option<bool>| {
            let verdict = match held {
                Some(true) => "met",
                Some(false) => "NOT MET",
                None => "unmeasured",
            };
            parts.push(format!("{what} {verdict}"));
        };
        if let Some(most) = self.seconds {
            check(format!("<= {most} s"), Some(figure.seconds <= most));
        }
        if let Some(most) = self.peak_mib {
            check(format!("<= {most:.0} MiB"), Some(figure.peak_mib <= most));
        }
        if let Some(least) = self.of_reference {
            check(
                format!(">= {least}x reference"),
                reference.map(|r| rate >= least * r),
            );
        }
        if let Some(least) = self.of_one_thread {
            let held = one_thread.map(|r| rate >= least * r);
            let scaling = one_thread.map_or(String::new(), |r| format!(" ({:.2}x)", rate / r));
            check(format!(">= {least}x one thread{scaling}"), held);
        }
        parts.join(", ")
    }
}

impl std::str::FromStr for Measure {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Measure::ALL
            .into_iter()
            .find(|m| m.name() == text)
            .ok_or_else(|| {
                let names: Vec<_> = Measure::ALL.iter().map(|m| m.name()).collect();
                format!("no figure \"{text}\": one of {}", names.join(", "))
            })
    }
}

/// One measured figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// What was measured ([`Measure::name`]).
    pub name: String,
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

/// Times `work` over `events` events; the peak is read after it.
fn timed<T>(events: u64, work: impl FnOnce() -> T) -> Figure {
    let started = Instant::now();
    std::hint::black_box(work());
    Figure {
        name: String::new(),
        events,
        seconds: started.elapsed().as_secs_f64(),
        peak_mib: peak_memory_mib(),
    }
}

/// A whole run of `scenario`, counting the events it generated.
fn run_measured(scenario: &Scenario) -> Figure {
    reset_peak_memory();
    let started = Instant::now();
    let output = run_scenario(scenario, &mut |_| {});
    let seconds = started.elapsed().as_secs_f64();
    Figure {
        name: String::new(),
        events: output
            .report
            .get(Metric::Scenario(ScenarioMetric::Events))
            .unwrap_or(0.0) as u64,
        seconds,
        peak_mib: peak_memory_mib(),
    }
}

/// `scenario`'s events drawn, in arrival order, and dropped.
fn generated(scenario: &Scenario) -> Figure {
    reset_peak_memory();
    let mut events = 0;
    let figure = timed(0, || {
        let generator = Generator::new(&scenario.workload, scenario.seed);
        events = generator.map(std::hint::black_box).count() as u64;
    });
    Figure { events, ..figure }
}

/// Each lesson's lab computed 9 times; the figure of the lesson whose median is slowest
/// (events: those it shows).
fn slowest_lesson_lab() -> Figure {
    reset_peak_memory();
    let median = |lesson: &crate::explore::lessons::Lesson| {
        let scenario = lesson.scenario();
        let request = lesson.request(&scenario, None);
        let mut runs: Vec<Figure> = (0..9)
            .map(|_| timed_lab(|| LabData::compute_around(&scenario, &request, &mut || true)))
            .collect();
        runs.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
        runs.swap_remove(4)
    };
    let slowest = (crate::explore::lessons::LESSONS.iter())
        .map(median)
        .max_by(|a, b| a.seconds.total_cmp(&b.seconds))
        .expect("there are lessons");
    Figure {
        peak_mib: peak_memory_mib(),
        ..slowest
    }
}

/// The time a lab takes, with the events it shows.
fn timed_lab(compute: impl FnOnce() -> Option<LabData>) -> Figure {
    let started = Instant::now();
    let lab = compute().expect("never cancelled");
    Figure {
        name: String::new(),
        events: lab.events.len() as u64,
        seconds: started.elapsed().as_secs_f64(),
        peak_mib: 0.0,
    }
}

/// The lab on every hour of the production day, in a scattered order, replayed from the
/// checkpoints the app saves after its first lab (not the labs it then keeps to show at
/// once): the slowest hour, with the peak memory (the checkpoints included).
fn slowest_production_hour_lab() -> Figure {
    use crate::explore::lab::{LabCheckpoints, LabRequest, flink_job, spark_beside};
    reset_peak_memory();
    let scenario = production_day();
    let spec = flink_job(&scenario);
    let request = LabRequest {
        spark: Some(spark_beside(&scenario, spec.watermark_delay)),
        ..LabRequest::of(spec)
    };
    let at = |hour: i64| LabRequest {
        around: Some(scenario.workload.start + Dur::from_hours(hour)),
        ..request.clone()
    };
    let mut checkpoints = LabCheckpoints::default();
    checkpoints.prepare_every_hour(&scenario, &request, &mut || true);
    // Timed: the replay from a checkpoint, not the lab kept from the preparation.
    checkpoints.forget_labs();
    let slowest = (0..24)
        .map(|n| (n * 7) % 24)
        .map(|hour| {
            timed_lab(|| {
                LabData::compute_from_checkpoints(
                    &scenario,
                    &at(hour),
                    &mut checkpoints,
                    &mut || true,
                )
            })
        })
        .max_by(|a, b| a.seconds.total_cmp(&b.seconds))
        .expect("24 hours");
    Figure {
        peak_mib: peak_memory_mib(),
        ..slowest
    }
}

/// The reference: per event, a hash-map entry per (1-minute window, key) gets its count and
/// sum; no watermark, no firing, no eviction. Returns the cells.
pub fn reference_loop(events: &[Event]) -> usize {
    let size = Dur::from_mins(1).as_ms();
    let mut cells: rustc_hash::FxHashMap<(i64, KeyId), (u64, f64)> = Default::default();
    for event in events {
        let t = event.event_time.as_ms();
        let cell = cells
            .entry((t - t.rem_euclid(size), event.key))
            .or_default();
        cell.0 += 1;
        cell.1 += event.value;
    }
    cells.len()
}

/// The shipped production day: 1,000 events/s, 1-minute windows, 1,000 Zipf keys, batch +
/// micro-batch + streaming.
pub fn production_day() -> Scenario {
    shipped(
        include_str!("../../scenarios/production_day_1000_per_second.ron"),
        "production_day_1000_per_second.ron",
    )
}

fn shipped(text: &str, name: &str) -> Scenario {
    Scenario::from_ron(text, name).expect("the shipped scenario is valid")
}

/// `work` with rayon's pool cut to one thread (the figures "on one thread").
fn one_thread<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool")
        .install(work)
}

/// The production day cut to `hours`, with 1-hour windows: about 1,000 results an hour, so
/// memory should not grow with the hours.
pub fn production_hours(hours: Dur) -> Scenario {
    let mut scenario = production_day();
    scenario.workload.duration = hours;
    scenario.query.window = WindowSpec::Tumbling {
        size: Dur::from_hours(1),
        offset: Dur::ZERO,
    };
    scenario.expect.clear();
    scenario
}

/// Writes `rows` events of the end-to-end workload as a CSV trace in the temporary folder,
/// then times their replay through the streaming runner with per-event watermarks, results
/// written as JSON Lines to nowhere.
fn replay_csv(rows: u64) -> Figure {
    let scenario = end_to_end_scenario(rows);
    let path = std::env::temp_dir().join(format!("tidemark-bench-{}.csv", std::process::id()));
    let mut generator = Generator::new(&scenario.workload, scenario.seed);
    let events: Vec<Event> = generator.by_ref().take(rows as usize).collect();
    crate::input::trace::write_file(&path, events, generator.keys(), TimeFormat::EpochMs)
        .expect("the temporary folder is writable");
    let spec = StreamingSpec {
        watermark_emit: WatermarkEmit::PerEvent,
        ..StreamingSpec::with_delay(BOUND)
    };
    reset_peak_memory();
    let started = Instant::now();
    let summary =
        crate::explore::replay::replay_streaming(&path, None, &query(), &spec, std::io::sink());
    let seconds = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&path);
    Figure {
        name: String::new(),
        events: summary.map_or(0, |s| s.events),
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
