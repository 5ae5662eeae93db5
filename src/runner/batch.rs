//! Scheduled jobs that re-read landed data: the domain text's daily batch (a run date, a
//! delay, correction runs, an upsert or append sink, and the NOW()-relative window mistake),
//! and its "plain micro-batch loop", which every interval re-reads the last interval plus a
//! look-back by event time and upserts the re-aggregated windows. Neither keeps state nor a
//! watermark: each run aggregates what has landed by the time it starts.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use super::{check_capacity, check_not_negative, cost_per_record_us};
use crate::aggregate::Accumulator;
use crate::engine::{ResultKind, WindowResult};
use crate::event::{Event, KeyId};
use crate::query::QuerySpec;
use crate::runner::streaming::{Emission, Sample, StreamOutput};
use crate::time::{Dur, Ts};
use crate::validation::Problems;
use crate::window::{SessionSet, Window, WindowSpec};

/// How rows reach the serving table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum SinkMode {
    /// MERGE by (window, key): a re-run replaces what it recomputes.
    #[default]
    Upsert,
    /// INSERT: a re-run adds its rows again, and readers that sum them double-count.
    Append,
}

/// The scheduled batch job as a scenario states it.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BatchSpec {
    /// Length of the period one run covers, and how often runs come ("24h": daily).
    #[serde(default = "one_day")]
    pub every: Dur,
    /// When the run for a period starts, after the period ends ("6h": 06:00 the next day).
    pub at: Dur,
    /// Re-runs of the same period, counted from its first run ("4h" = 10:00; "48h").
    #[serde(default)]
    pub corrections: Vec<Dur>,
    /// Cluster start-up before the work begins.
    #[serde(default = "three_minutes")]
    pub startup: Dur,
    /// Records per second the job processes; none means unlimited.
    #[serde(default)]
    pub capacity_per_second: Option<f64>,
    /// Upsert or append.
    #[serde(default)]
    pub sink: SinkMode,
    /// Count each event id once (`SELECT DISTINCT`), as a job over a deduplicated table does.
    #[serde(default = "yes")]
    pub dedupe: bool,
    /// The mistake: `WHERE event_time >= NOW() - every` instead of the run date's period, so
    /// the range moves with the start time and a re-run gives another answer.
    #[serde(default)]
    pub window_from_now: bool,
    /// From the end of a run to its rows being visible.
    #[serde(default)]
    pub sink_delay: Dur,
    /// A backfill: every period of `[from, to)` re-run at `at`.
    #[serde(default)]
    pub backfill: Option<Backfill>,
}

/// Re-running a range of periods once, e.g. after fixing a bug.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Backfill {
    /// First period's start (event time).
    pub from: Ts,
    /// End of the last period (event time).
    pub to: Ts,
    /// When the backfill runs (processing time).
    pub at: Ts,
}

/// The domain text's plain micro-batch loop as a scenario states it.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlainMicroBatchSpec {
    /// How often the loop runs.
    pub interval: Dur,
    /// How far further back by event time each run re-reads (the overlap).
    pub lookback: Dur,
    /// Fixed cost of each run.
    #[serde(default = "one_second")]
    pub overhead: Dur,
    /// Records per second; none means unlimited.
    #[serde(default)]
    pub capacity_per_second: Option<f64>,
    /// From the end of a run to its rows being visible.
    #[serde(default)]
    pub sink_delay: Dur,
}

fn one_day() -> Dur {
    Dur::from_hours(24)
}

fn three_minutes() -> Dur {
    Dur::from_mins(3)
}

fn one_second() -> Dur {
    Dur::from_secs(1)
}

fn yes() -> bool {
    true
}

impl BatchSpec {
    /// A job every `every`, run `at` after each period ends, with no corrections, start-up
    /// or capacity limit, deduplicating and upserting.
    pub fn every(every: Dur, at: Dur) -> Self {
        BatchSpec {
            every,
            at,
            corrections: vec![],
            startup: Dur::ZERO,
            capacity_per_second: None,
            sink: SinkMode::Upsert,
            dedupe: true,
            window_from_now: false,
            sink_delay: Dur::ZERO,
            backfill: None,
        }
    }

    /// Checks every field, recording problems under `path`.
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        problems.check(self.every > Dur::ZERO, &format!("{path}.every"), || {
            format!("every {} must be positive, e.g. \"24h\"", self.every)
        });
        check_not_negative(
            &[
                ("at", self.at),
                ("startup", self.startup),
                ("sink_delay", self.sink_delay),
            ],
            path,
            problems,
        );
        for (i, c) in self.corrections.iter().enumerate() {
            problems.check(*c > Dur::ZERO, &format!("{path}.corrections[{i}]"), || {
                format!("correction {c} must come after the first run (positive)")
            });
        }
        check_capacity(self.capacity_per_second, path, problems);
        if let Some(b) = &self.backfill {
            problems.check(b.from < b.to, &format!("{path}.backfill.to"), || {
                format!("backfill to {} must be after from {}", b.to, b.from)
            });
        }
    }
}

impl PlainMicroBatchSpec {
    /// Checks every field, recording problems under `path`.
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        problems.check(
            self.interval > Dur::ZERO,
            &format!("{path}.interval"),
            || format!("interval {} must be positive, e.g. \"5m\"", self.interval),
        );
        check_not_negative(
            &[
                ("lookback", self.lookback),
                ("overhead", self.overhead),
                ("sink_delay", self.sink_delay),
            ],
            path,
            problems,
        );
        check_capacity(self.capacity_per_second, path, problems);
    }
}

/// Which event-time range a run reads.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Range {
    /// The period of the run date: `[p·every, (p+1)·every)`.
    Period,
    /// The `length` before the run's start: `[start - length, start)`.
    Trailing(Dur),
}

/// A run: when it starts, which range it reads, and whether it re-runs a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Run {
    start: Ts,
    from: Ts,
    to: Ts,
    correction: bool,
}

/// Runs a scheduled query over landed data.
pub struct ScheduledRunner {
    every: Dur,
    at: Dur,
    range: Range,
    corrections: Vec<Dur>,
    startup: Dur,
    cost_us: i64,
    sink: SinkMode,
    dedupe: bool,
    sink_delay: Dur,
    window: WindowSpec,
    /// Landed events (arrival order), and whether a run has read each.
    landed: Vec<(Event, bool)>,
    runs: BTreeSet<Run>,
    /// Periods (or trailing runs) already scheduled.
    scheduled: BTreeSet<i64>,
    runs_done: u64,
    /// When the last run ended.
    last_run_end: Ts,
    /// How long each run took, start-up included (each is one cluster start).
    run_lengths: Vec<Dur>,
    /// Processing time spent in runs (start-up included), for cost.
    busy: Dur,
}

impl ScheduledRunner {
    /// The daily (or hourly, ...) batch job.
    pub fn batch(spec: &BatchSpec, query: &QuerySpec) -> Self {
        let range = if spec.window_from_now {
            Range::Trailing(spec.every)
        } else {
            Range::Period
        };
        let mut runner = Self::new(
            spec.every,
            spec.at,
            range,
            spec.corrections.clone(),
            spec.startup,
            spec.capacity_per_second,
            spec.sink,
            spec.dedupe,
            spec.sink_delay,
            query,
        );
        if let Some(b) = &spec.backfill {
            // Each period of the range is re-run when the backfill starts.
            let mut from = b.from.floor_to(spec.every);
            while from < b.to {
                runner.runs.insert(Run {
                    start: b.at,
                    from,
                    to: from + spec.every,
                    correction: true,
                });
                from += spec.every;
            }
        }
        runner
    }

    /// The plain micro-batch loop: every `interval`, re-read `interval + lookback`, upsert.
    pub fn plain_micro_batch(spec: &PlainMicroBatchSpec, query: &QuerySpec) -> Self {
        Self::new(
            spec.interval,
            Dur::ZERO,
            Range::Trailing(spec.interval + spec.lookback),
            Vec::new(),
            spec.overhead,
            spec.capacity_per_second,
            SinkMode::Upsert,
            true,
            spec.sink_delay,
            query,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn new(
        every: Dur,
        at: Dur,
        range: Range,
        corrections: Vec<Dur>,
        startup: Dur,
        capacity: Option<f64>,
        sink: SinkMode,
        dedupe: bool,
        sink_delay: Dur,
        query: &QuerySpec,
    ) -> Self {
        ScheduledRunner {
            every,
            at,
            range,
            corrections,
            startup,
            cost_us: cost_per_record_us(capacity),
            sink,
            dedupe,
            sink_delay,
            window: query.window,
            landed: Vec::new(),
            runs: BTreeSet::new(),
            scheduled: BTreeSet::new(),
            runs_done: 0,
            last_run_end: Ts(i64::MIN),
            run_lengths: Vec::new(),
            busy: Dur::ZERO,
        }
    }

    /// Runs done so far.
    pub fn runs(&self) -> u64 {
        self.runs_done
    }

    /// Processing time the runs took, start-up included.
    pub fn busy(&self) -> Dur {
        self.busy
    }

    /// How long each run took, start-up included.
    pub fn run_lengths(&self) -> &[Dur] {
        &self.run_lengths
    }

    /// Whether re-runs add rows (append) instead of replacing them.
    pub fn sink(&self) -> SinkMode {
        self.sink
    }

    /// An event lands; every run that starts at or before its arrival runs first (a run
    /// reads what landed strictly before it started).
    pub fn on_event(&mut self, event: &Event, out: &mut impl StreamOutput) {
        self.run_until(event.arrival_time, out);
        self.schedule_for(event);
        self.landed.push((*event, false));
    }

    /// The end of the input: every scheduled run still happens; events no run read are
    /// reported as dropped (they landed after the last run that covered them).
    pub fn finish(&mut self, out: &mut impl StreamOutput) {
        self.run_until(Ts(i64::MAX), out);
        let end = self.last_run_end;
        for (event, read) in std::mem::take(&mut self.landed) {
            if !read {
                out.dropped(&event, end);
            }
        }
    }

    /// Schedules the runs that will cover `event`.
    fn schedule_for(&mut self, event: &Event) {
        let every = self.every.as_ms();
        match self.range {
            Range::Period => {
                let period = event.event_time.as_ms().div_euclid(every);
                if self.scheduled.insert(period) {
                    let from = Ts(period * every);
                    let to = from + self.every;
                    let first = to + self.at;
                    self.runs.insert(Run {
                        start: first,
                        from,
                        to,
                        correction: false,
                    });
                    for c in &self.corrections {
                        self.runs.insert(Run {
                            start: first + *c,
                            from,
                            to,
                            correction: true,
                        });
                    }
                }
            }
            Range::Trailing(length) => {
                // Every run on the grid whose range can hold this event, from the first run
                // after it lands to the last whose range still reaches back to it.
                let first = event.arrival_time.floor_to(self.every) + self.every + self.at;
                let last = (event.event_time + length).floor_to(self.every) + self.at;
                let mut start = first;
                while start <= last.max(first) {
                    if self.scheduled.insert(start.as_ms()) {
                        self.runs.insert(Run {
                            start,
                            from: start - length,
                            to: start,
                            correction: false,
                        });
                    }
                    start += self.every;
                }
            }
        }
    }

    fn run_until(&mut self, now: Ts, out: &mut impl StreamOutput) {
        let mut ran = false;
        while let Some(&run) = self.runs.first() {
            if run.start > now {
                break;
            }
            self.runs.pop_first();
            self.execute(run, out);
            ran = true;
        }
        // After runs, events before every range still to run will not be read again: forget
        // them, reporting those no run ever read.
        if ran && let Some(oldest) = self.runs.iter().map(|r| r.from).min() {
            let end = self.last_run_end;
            self.landed.retain(|(event, read)| {
                let keep = event.event_time >= oldest;
                if !keep && !read {
                    out.dropped(event, end);
                }
                keep
            });
        }
    }

    fn execute(&mut self, run: Run, out: &mut impl StreamOutput) {
        let mut seen = HashSet::new();
        let mut cells: BTreeMap<(Window, KeyId), Accumulator> = BTreeMap::new();
        let mut sessions: BTreeMap<KeyId, SessionSet<Accumulator>> = BTreeMap::new();
        let mut read = 0i64;
        for (event, was_read) in &mut self.landed {
            let in_range = event.event_time >= run.from && event.event_time < run.to;
            if event.arrival_time >= run.start || !in_range {
                continue;
            }
            *was_read = true;
            read += 1;
            if self.dedupe && !seen.insert(event.id) {
                continue;
            }
            let window = self.window;
            window.assign(event.event_time, |w| {
                if window.is_merging() {
                    sessions.entry(event.key).or_default().insert(
                        w,
                        Accumulator::of(event.value),
                        |a, b| a.merge(&b),
                        |_| {},
                    );
                } else {
                    cells.entry((w, event.key)).or_default().add(event.value);
                }
            });
        }
        for (key, set) in &sessions {
            for (w, acc) in set.iter() {
                cells.insert((w, *key), *acc);
            }
        }
        let duration = self.startup + Dur((read * self.cost_us).div_euclid(1_000));
        let end = run.start + duration;
        self.busy = self.busy + duration;
        self.runs_done += 1;
        self.last_run_end = end;
        self.run_lengths.push(duration);
        out.sample(&Sample {
            time: run.start,
            state_cells: 0,
            backlog: read as usize,
            watermark: Ts(i64::MIN),
        });
        for ((window, key), acc) in cells {
            let kind = if run.correction {
                ResultKind::Late
            } else if window.end <= run.start {
                ResultKind::OnTime
            } else {
                ResultKind::Early
            };
            out.result(&Emission {
                emit_time: end,
                visible_time: end + self.sink_delay,
                after_event_id: None,
                batch: None,
                result: WindowResult {
                    window,
                    key,
                    kind,
                    acc,
                },
            });
        }
    }
}

#[cfg(test)]
mod tests;
