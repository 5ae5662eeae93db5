//! Scheduled jobs that re-read landed data: the domain text's daily batch (a run date, a
//! delay, correction runs, an upsert or append sink, and the NOW()-relative window mistake),
//! and its "plain micro-batch loop", which every interval re-reads the last interval plus a
//! look-back by event time and upserts the re-aggregated windows. Neither keeps a watermark:
//! each run aggregates what has landed by the time it starts.
//!
//! A run of a period reads every event of the period that landed before it started, so the
//! runner folds each event into its period's aggregate as it lands (in arrival order, as the
//! run would read it) and a run takes that aggregate as it stands: memory grows with open
//! periods and their cells, not with events. A trailing range (the plain loop, the NOW()
//! mistake) moves with each run's start, so there the landed events themselves are kept, for
//! as long as a future range can still reach them.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashSet;

use serde::{Deserialize, Serialize};

use super::{Billing, Closing, Runner, check_capacity, check_not_negative, cost_per_record_us};
use crate::engine::aggregate::Accumulator;
use crate::engine::id_set::IdSet;
use crate::engine::output::{Emission, Sample, StreamOutput};
use crate::engine::query::QuerySpec;
use crate::engine::window::{Window, WindowSpec};
use crate::engine::{ResultKind, WindowResult, WindowStore};
use crate::input::event::{Event, KeyId, KeyTable};
use crate::input::time::{Dur, Ts};
use crate::input::validation::Problems;
use crate::measure::catalogue::ModelMetric;
use crate::measure::sink::SinkMode;

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

/// What has landed and a future run may still read.
enum Landed {
    /// Period ranges: each period with a run still to come, folded as its events land; and
    /// events of periods whose last run is over (never read), in arrival order, until they
    /// are reported as dropped.
    Periods {
        open: BTreeMap<i64, Period>,
        unread: Vec<Event>,
    },
    /// Trailing ranges: the landed events (arrival order), and whether a run has read each.
    Events(Vec<(Event, bool)>),
}

/// One period's landed data, in the form every later run of it reads.
struct Period {
    /// Its runs not yet done.
    runs_left: usize,
    /// When its last run starts: what lands from then on is never read.
    last_start: Ts,
    /// When its first event landed: runs scheduled by that event can start before it (a
    /// period first seen late), and those read nothing.
    first_arrival: Option<Ts>,
    /// Events read (duplicates included): the work a run does.
    read: i64,
    /// Ids counted, when the job deduplicates.
    ids: IdSet,
    cells: WindowStore,
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
    landed: Landed,
    runs: BTreeSet<Run>,
    /// Periods (or trailing runs) already scheduled.
    scheduled: BTreeSet<i64>,
    runs_done: u64,
    /// When the last run ended.
    last_run_end: Ts,
    /// How long each run took, start-up included (each is one cluster start).
    run_lengths: Vec<(Ts, Dur)>,
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
                runner.add_run(Run {
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
            landed: match range {
                Range::Period => Landed::Periods {
                    open: BTreeMap::new(),
                    unread: Vec::new(),
                },
                Range::Trailing(_) => Landed::Events(Vec::new()),
            },
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

    /// When each run started and how long it took, start-up included.
    pub fn run_lengths(&self) -> &[(Ts, Dur)] {
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
        let every = self.every.as_ms();
        match &mut self.landed {
            Landed::Periods { open, unread } => {
                match open.get_mut(&event.event_time.as_ms().div_euclid(every)) {
                    Some(period) if event.arrival_time < period.last_start => {
                        period.first_arrival.get_or_insert(event.arrival_time);
                        period.read += 1;
                        if !self.dedupe || period.ids.insert(event.id) {
                            period.cells.add_event(event);
                        }
                    }
                    _ => unread.push(*event),
                }
            }
            Landed::Events(events) => events.push((*event, false)),
        }
    }

    /// The end of the input: every scheduled run still happens; events no run read are
    /// reported as dropped (they landed after the last run that covered them).
    pub fn finish(&mut self, out: &mut impl StreamOutput) {
        self.run_until(Ts(i64::MAX), out);
        self.forget(|_| false, out);
    }

    /// Schedules `run` unless it is already; a period's first run opens it.
    fn add_run(&mut self, run: Run) {
        if self.runs.insert(run)
            && let Landed::Periods { open, .. } = &mut self.landed
        {
            let period = open
                .entry(run.from.as_ms().div_euclid(self.every.as_ms()))
                .or_insert_with(|| Period {
                    runs_left: 0,
                    last_start: run.start,
                    first_arrival: None,
                    read: 0,
                    ids: IdSet::default(),
                    cells: WindowStore::new(self.window),
                });
            period.runs_left += 1;
            period.last_start = period.last_start.max(run.start);
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
                    self.add_run(Run {
                        start: first,
                        from,
                        to,
                        correction: false,
                    });
                    for c in self.corrections.clone() {
                        self.add_run(Run {
                            start: first + c,
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
                        self.add_run(Run {
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
        // After runs, events before every range still to run will not be read again.
        if ran && let Some(oldest) = self.runs.iter().map(|r| r.from).min() {
            self.forget(|event| event.event_time >= oldest, out);
        }
    }

    /// Forgets the landed events `keep` refuses, reporting those no run ever read as dropped.
    fn forget(&mut self, keep: impl Fn(&Event) -> bool, out: &mut impl StreamOutput) {
        let end = self.last_run_end;
        match &mut self.landed {
            Landed::Periods { unread, .. } => unread.retain(|event| {
                let keep = keep(event);
                if !keep {
                    out.dropped(event, end);
                }
                keep
            }),
            Landed::Events(events) => events.retain(|(event, read)| {
                let keep = keep(event);
                if !keep && !read {
                    out.dropped(event, end);
                }
                keep
            }),
        }
    }

    /// What `run` reads: its cells in (window, key) order, and how many events it read.
    fn read(&mut self, run: Run) -> (Vec<(Window, KeyId, Accumulator)>, i64) {
        let every = self.every.as_ms();
        match &mut self.landed {
            Landed::Periods { open, .. } => {
                let index = run.from.as_ms().div_euclid(every);
                let Some(period) = open.get_mut(&index) else {
                    return (Vec::new(), 0);
                };
                let landed_before = period.first_arrival.is_some_and(|a| a < run.start);
                let read = if landed_before {
                    (period.cells.cells(), period.read)
                } else {
                    (Vec::new(), 0)
                };
                period.runs_left -= 1;
                if period.runs_left == 0 {
                    open.remove(&index);
                }
                read
            }
            Landed::Events(events) => {
                let mut seen = FxHashSet::default();
                let mut cells = WindowStore::new(self.window);
                let mut read = 0;
                for (event, was_read) in events {
                    let in_range = event.event_time >= run.from && event.event_time < run.to;
                    if event.arrival_time >= run.start || !in_range {
                        continue;
                    }
                    *was_read = true;
                    read += 1;
                    if !self.dedupe || seen.insert(event.id) {
                        cells.add_event(event);
                    }
                }
                (cells.cells(), read)
            }
        }
    }

    fn execute(&mut self, run: Run, out: &mut impl StreamOutput) {
        let (cells, read) = self.read(run);
        let duration = self.startup + Dur((read * self.cost_us).div_euclid(1_000));
        let end = run.start + duration;
        self.busy = self.busy + duration;
        self.runs_done += 1;
        self.last_run_end = end;
        self.run_lengths.push((run.start, duration));
        out.sample(&Sample {
            time: run.start,
            state_cells: 0,
            backlog: read as usize,
            watermark: Ts(i64::MIN),
        });
        for (window, key, acc) in cells {
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

impl<O: StreamOutput> Runner<O> for ScheduledRunner {
    fn on_event(&mut self, event: &Event, _keys: &KeyTable, out: &mut O) {
        ScheduledRunner::on_event(self, event, out);
    }

    fn advance_to(&mut self, time: Ts, out: &mut O) {
        self.run_until(time, out);
    }

    fn finish(&mut self, _keys: &KeyTable, out: &mut O) -> Closing {
        ScheduledRunner::finish(self, out);
        Closing {
            billing: Billing::PerRun(self.run_lengths.clone()),
            // Every scheduled run has run by the end; what no run read counts as dropped.
            figures: vec![(ModelMetric::PendingEvents, Some(0.0))],
        }
    }
}

#[cfg(test)]
mod tests;
