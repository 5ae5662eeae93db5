//! The micro-batch runner: Apache Spark Structured Streaming's stateful window aggregation
//! on the simulated clock. A processing-time trigger starts a batch on each multiple of the
//! interval; the batch reads everything that arrived before it started, aggregates it per
//! (window, key) into the state store, emits according to the output mode, evicts state past
//! the watermark, and then moves the watermark for the next batch.

use serde::{Deserialize, Serialize};

use super::{Billing, Closing, Runner, check_capacity, check_not_negative, cost_per_record_us};
use crate::engine::aggregate::Accumulator;
use crate::engine::output::{Emission, Sample, StreamOutput};
use crate::engine::query::QuerySpec;
use crate::engine::window::{Window, WindowSpec};
use crate::engine::{ResultKind, WindowResult, WindowStore};
use crate::input::event::{Event, KeyId, KeyTable};
use crate::input::time::{Dur, Ts};
use crate::input::validation::Problems;
use crate::measure::catalogue::ModelMetric;

/// When batches run.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, Serialize)]
pub enum Trigger {
    /// `Trigger.ProcessingTime(interval)`: a batch at each multiple of the interval.
    ProcessingTime(Dur),
    /// `Trigger.AvailableNow` started by a scheduler every `every`: each run processes all
    /// available data, then a no-data batch if the watermark moved, and stops.
    AvailableNow {
        /// Time between runs.
        every: Dur,
    },
}

impl Trigger {
    /// Time between batches or runs.
    pub fn interval(self) -> Dur {
        match self {
            Trigger::ProcessingTime(d) | Trigger::AvailableNow { every: d } => d,
        }
    }
}

/// Spark's output modes for a streaming aggregation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum OutputMode {
    /// Each (window, key) once, when the watermark passes the window's end.
    #[default]
    Append,
    /// Every (window, key) the batch changed, each batch.
    Update,
    /// The whole result table, every batch.
    Complete,
}

/// `spark.sql.streaming.multipleWatermarkPolicy`: how the watermarks of several input
/// streams combine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum WatermarkPolicy {
    /// The slowest stream sets the watermark (Spark's default).
    #[default]
    Min,
    /// The fastest stream sets it; data of slower streams can be dropped.
    Max,
}

/// The micro-batch model as a scenario states it.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MicroBatchSpec {
    /// When batches run.
    pub trigger: Trigger,
    /// `withWatermark(eventTime, delay)`.
    pub watermark_delay: Dur,
    /// Append, update or complete.
    #[serde(default)]
    pub output_mode: OutputMode,
    /// `spark.sql.streaming.noDataMicroBatches.enabled` (on by default): run a batch without
    /// new data when the watermark has moved, so that windows are emitted and evicted.
    #[serde(default = "yes")]
    pub no_data_batches: bool,
    /// How several input streams' watermarks combine.
    #[serde(default)]
    pub watermark_policy: WatermarkPolicy,
    /// Fixed cost of every batch (planning, scheduling, committing offsets and state).
    #[serde(default = "one_second")]
    pub batch_overhead: Dur,
    /// Records per second per executor core; none means unlimited.
    #[serde(default)]
    pub capacity_per_second: Option<f64>,
    /// Executor cores working on a batch.
    #[serde(default = "one")]
    pub parallelism: u32,
    /// From the end of a batch to its results being visible in the sink.
    #[serde(default)]
    pub sink_delay: Dur,
}

fn yes() -> bool {
    true
}

fn one() -> u32 {
    1
}

fn one_second() -> Dur {
    Dur::from_secs(1)
}

impl MicroBatchSpec {
    /// A processing-time trigger every `interval` with Spark's defaults otherwise, and no
    /// batch overhead (as replays of recorded traces assume).
    pub fn replay(interval: Dur, watermark_delay: Dur, output_mode: OutputMode) -> Self {
        MicroBatchSpec {
            trigger: Trigger::ProcessingTime(interval),
            watermark_delay,
            output_mode,
            no_data_batches: true,
            watermark_policy: WatermarkPolicy::Min,
            batch_overhead: Dur::ZERO,
            capacity_per_second: None,
            parallelism: 1,
            sink_delay: Dur::ZERO,
        }
    }

    /// Checks the settings and the query against what Spark accepts.
    pub fn validate(&self, query: &QuerySpec, path: &str, problems: &mut Problems) {
        let interval = self.trigger.interval();
        problems.check(interval > Dur::ZERO, &format!("{path}.trigger"), || {
            format!("the trigger interval {interval} must be positive, e.g. \"1m\"")
        });
        check_not_negative(
            &[
                ("watermark_delay", self.watermark_delay),
                ("batch_overhead", self.batch_overhead),
                ("sink_delay", self.sink_delay),
            ],
            path,
            problems,
        );
        check_capacity(self.capacity_per_second, path, problems);
        problems.check(
            self.parallelism >= 1,
            &format!("{path}.parallelism"),
            || "parallelism must be at least 1".to_owned(),
        );
        if let Some(message) = unsupported(query, self.output_mode) {
            problems.push(&format!("{path}.output_mode"), message);
        }
    }
}

/// Spark's `UnsupportedOperationChecker` for the query and output mode, in its words.
pub fn unsupported(query: &QuerySpec, mode: OutputMode) -> Option<String> {
    match (query.window, mode) {
        (WindowSpec::Session { .. }, OutputMode::Update) => Some(
            "Update output mode not supported for session window on streaming DataFrames/Datasets; use Append or Complete"
                .to_owned(),
        ),
        (WindowSpec::Global, OutputMode::Append) => Some(
            "Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark (a global window groups by key only); use Update or Complete"
                .to_owned(),
        ),
        _ => None,
    }
}

/// The Spark micro-batch runner. Feed it events in arrival order, then call `finish`.
#[derive(Clone)]
pub struct MicroBatchRunner {
    spec: MicroBatchSpec,
    window: WindowSpec,
    /// Arrived, not yet read by a batch (all before `next_start`).
    pending: Vec<Event>,
    /// The state store: one accumulator per (window, key).
    state: WindowStore,
    /// Per input stream: the watermark it reported (`operatorToWatermarkMap`), 0 until it
    /// has seen data.
    stream_watermarks: Vec<i64>,
    /// `batchWatermarkMs` for the next batch (`WatermarkTracker.currentWatermark`).
    watermark: i64,
    /// `batchWatermarkMs` of the last batch run: the next batch drops late rows with it.
    previous_batch_watermark: Option<i64>,
    /// The next time a batch may start.
    next_start: Option<Ts>,
    /// The last batch moved the watermark past its eviction watermark.
    no_data_batch_due: bool,
    cost_us: i64,
    batches: u64,
    batch_lengths: Vec<(Ts, Dur)>,
}

impl MicroBatchRunner {
    /// A runner for `query` configured by `spec`, over `streams` input streams.
    pub fn new(spec: &MicroBatchSpec, query: &QuerySpec, streams: usize) -> Self {
        MicroBatchRunner {
            spec: spec.clone(),
            window: query.window,
            pending: Vec::new(),
            state: WindowStore::new(query.window),
            stream_watermarks: vec![0; streams.max(1)],
            watermark: 0,
            previous_batch_watermark: None,
            next_start: None,
            no_data_batch_due: false,
            cost_us: cost_per_record_us(spec.capacity_per_second),
            batches: 0,
            batch_lengths: Vec::new(),
        }
    }

    /// The trigger.
    pub fn trigger(&self) -> Trigger {
        self.spec.trigger
    }

    /// How long each batch took.
    pub fn batch_lengths(&self) -> &[(Ts, Dur)] {
        &self.batch_lengths
    }

    /// Batches run so far.
    pub fn batches(&self) -> u64 {
        self.batches
    }

    /// The watermark the next batch will use.
    pub fn watermark(&self) -> Ts {
        Ts(self.watermark)
    }

    /// True when the next batch, which reads an event arriving now, will drop one of
    /// `event_time` as late: its late filter is the watermark of the batch before it, fixed
    /// once that batch has run (the rule of `aggregate`).
    pub fn will_drop(&self, event_time: Ts) -> bool {
        let late_watermark = self.previous_batch_watermark.unwrap_or(self.watermark);
        let filtered = self.spec.output_mode != OutputMode::Complete || self.window.is_merging();
        let mut every_window_late = filtered;
        self.window.assign(event_time, |w| {
            every_window_late &= w.end.as_ms() <= late_watermark;
        });
        every_window_late
    }

    /// An event reaches the broker; every batch that starts at or before its arrival runs
    /// first (a batch reads what arrived strictly before it started).
    pub fn on_event(&mut self, event: &Event, out: &mut impl StreamOutput) {
        self.run_due(event.arrival_time, out);
        if event.source as usize >= self.stream_watermarks.len() {
            self.stream_watermarks.resize(event.source as usize + 1, 0);
        }
        self.pending.push(*event);
    }

    /// Runs the batches due at or before `now` (a batch starts only with data to read or a
    /// no-data batch owed).
    fn run_due(&mut self, now: Ts, out: &mut impl StreamOutput) {
        let every = self.spec.trigger.interval();
        loop {
            let start = *self
                .next_start
                .get_or_insert_with(|| grid_after(now, every));
            if start > now {
                return;
            }
            if self.pending.is_empty() && !self.no_data_batch_due {
                // Nothing to do at this trigger: sleep until the first trigger after `now`.
                self.next_start = Some(grid_after(now, every));
                return;
            }
            self.run_batch(start, out);
        }
    }

    /// End of input, as Spark's available-now trigger ends: a last batch with whatever is
    /// left, then a no-data batch if the watermark moved. Windows the watermark never passed
    /// stay in the state store, unemitted (Spark has no final watermark).
    pub fn finish(&mut self, out: &mut impl StreamOutput) {
        let every = self.spec.trigger.interval();
        for _ in 0..2 {
            if self.pending.is_empty() && !self.no_data_batch_due {
                break;
            }
            let last_arrival = self.pending.last().map(|e| e.arrival_time);
            let start = match (self.next_start, last_arrival) {
                (Some(s), Some(a)) => s.max(grid_after(a, every)),
                (Some(s), None) => s,
                (None, Some(a)) => grid_after(a, every),
                (None, None) => break,
            };
            self.run_batch(start, out);
        }
    }

    fn run_batch(&mut self, start: Ts, out: &mut impl StreamOutput) {
        let mut events = std::mem::take(&mut self.pending);
        let duration_us = self.spec.batch_overhead.as_ms() * 1_000
            + events.len() as i64 * self.cost_us / self.spec.parallelism.max(1) as i64;
        let end = start + Dur(duration_us.div_euclid(1_000));
        let every = self.spec.trigger.interval();
        out.sample(&Sample {
            time: start,
            state_cells: self.state.len(),
            backlog: events.len(),
            watermark: Ts(self.watermark),
        });
        // IncrementalExecution: eviction uses this batch's watermark; late rows are filtered
        // with the previous batch's (spark.sql.streaming.statefulOperator.allowMultiple).
        let evict_watermark = self.watermark;
        let late_watermark = self.previous_batch_watermark.unwrap_or(evict_watermark);
        let mut ctx = BatchContext {
            label: (start.as_ms() - 1).div_euclid(every.as_ms()),
            emit_time: end,
            visible_time: end + self.spec.sink_delay,
            after_event_id: events.last().map(|e| e.id),
            out,
        };
        let touched = self.aggregate(&events, late_watermark, &mut ctx);
        self.emit_and_evict(&touched, evict_watermark, &mut ctx);
        self.update_watermark(&events);
        // The buffer keeps its memory for the next batch: a batch of a minute at 1,000
        // events/s would otherwise grow a fresh one from empty.
        events.clear();
        self.pending = events;
        // MicroBatchExecution: another (no-data) batch runs when the new watermark would
        // evict more: StateStoreWriter.shouldRunAnotherBatch, append and update modes only.
        self.no_data_batch_due = self.spec.no_data_batches
            && self.spec.output_mode != OutputMode::Complete
            && self.watermark > evict_watermark;
        self.previous_batch_watermark = Some(evict_watermark);
        self.batches += 1;
        self.batch_lengths.push((start, end - start));
        // ProcessingTimeExecutor: the next trigger is the next multiple of the interval; a
        // batch that overran it is followed at once.
        let next = match self.spec.trigger {
            Trigger::ProcessingTime(_) => grid_after(start, every).max(end),
            // An available-now run owes its no-data batch right away; the next run waits.
            Trigger::AvailableNow { .. } if self.no_data_batch_due => end,
            Trigger::AvailableNow { .. } => grid_after(start, every).max(end),
        };
        self.next_start = Some(next);
    }

    /// Reads the batch into state, dropping rows of windows that ended before the late-event
    /// watermark; returns the (window, key) cells the batch changed.
    fn aggregate<O: StreamOutput>(
        &mut self,
        events: &[Event],
        late_watermark: i64,
        ctx: &mut BatchContext<'_, O>,
    ) -> Vec<(Window, KeyId)> {
        // WatermarkSupport: a window row is late when window.end <= watermark. Complete mode
        // keeps every tumbling and sliding row, but session windows keep the predicate: the
        // session-window path (SessionWindowStateStoreRestoreExec before MergingSessionsExec)
        // drops a row whose own session [t, t + gap) ended, before any merging.
        let filtered = self.spec.output_mode != OutputMode::Complete || self.window.is_merging();
        let late = |w: &Window| filtered && w.end.as_ms() <= late_watermark;
        // Only update mode emits the cells a batch changed.
        let track = self.spec.output_mode == OutputMode::Update;
        let mut touched = Vec::new();
        for event in events {
            let mut accepted = false;
            let mut rejected = Vec::new();
            let window = self.window;
            window.assign(event.event_time, |w| {
                if late(&w) {
                    rejected.push(w);
                } else {
                    accepted = true;
                    let out = &mut ctx.out;
                    let cell = self
                        .state
                        .add_noting_merges(w, event.key, event.value, |old| {
                            out.merged_away(old, event.key)
                        });
                    if track {
                        touched.push((cell, event.key));
                    }
                }
            });
            if accepted {
                for w in rejected {
                    ctx.out.dropped_from_window(event, w);
                }
            } else {
                ctx.out.dropped(event, ctx.emit_time);
            }
        }
        touched
    }

    fn emit_and_evict<O: StreamOutput>(
        &mut self,
        touched: &[(Window, KeyId)],
        wm: i64,
        ctx: &mut BatchContext<'_, O>,
    ) {
        let ended = |w: &Window| w.end.as_ms() <= wm;
        let kind = |w: &Window| {
            if ended(w) {
                ResultKind::OnTime
            } else {
                ResultKind::Early
            }
        };
        let rows: Vec<(Window, KeyId, Accumulator)> = match self.spec.output_mode {
            // StateStoreSaveExec, append: emit and remove the rows past the watermark.
            OutputMode::Append => self.state.cells_where(ended),
            // Update: the rows this batch changed, then evict (without emitting).
            OutputMode::Update => {
                let mut keys: Vec<(Window, KeyId)> = touched.to_vec();
                keys.sort();
                keys.dedup();
                keys.into_iter()
                    .filter_map(|(w, k)| self.state.get(w, k).map(|acc| (w, k, acc)))
                    .collect()
            }
            // Complete: the whole result table, nothing evicted.
            OutputMode::Complete => self.state.cells(),
        };
        for (window, key, acc) in rows {
            ctx.emit(WindowResult {
                window,
                key,
                kind: kind(&window),
                acc,
            });
        }
        if self.spec.output_mode != OutputMode::Complete {
            self.state.evict_ended(wm);
        }
    }

    /// WatermarkTracker.updateWatermark: each stream that saw data in the batch reports
    /// max(event time) - delay (never moving back); streams without data yet report 0; the
    /// policy picks the global watermark, which only moves forward.
    fn update_watermark(&mut self, events: &[Event]) {
        let delay = self.spec.watermark_delay.as_ms();
        let mut batch_max: Vec<Option<i64>> = vec![None; self.stream_watermarks.len()];
        for e in events {
            let m = &mut batch_max[e.source as usize];
            *m = Some(m.map_or(e.event_time.as_ms(), |x| x.max(e.event_time.as_ms())));
        }
        for (reported, max) in self.stream_watermarks.iter_mut().zip(batch_max) {
            if let Some(max) = max {
                *reported = (*reported).max(max - delay);
            }
        }
        let chosen = match self.spec.watermark_policy {
            WatermarkPolicy::Min => self.stream_watermarks.iter().copied().min(),
            WatermarkPolicy::Max => self.stream_watermarks.iter().copied().max(),
        };
        if let Some(chosen) = chosen {
            self.watermark = self.watermark.max(chosen);
        }
    }
}

impl<O: StreamOutput> Runner<O> for MicroBatchRunner {
    fn on_event(&mut self, event: &Event, _keys: &KeyTable, out: &mut O) {
        MicroBatchRunner::on_event(self, event, out);
    }

    fn advance_to(&mut self, time: Ts, out: &mut O) {
        self.run_due(time, out);
    }

    fn finish(&mut self, _keys: &KeyTable, out: &mut O) -> Closing {
        MicroBatchRunner::finish(self, out);
        let billing = match self.spec.trigger {
            // A scheduled available-now job pays for its runs; a processing-time trigger
            // keeps the cluster on.
            Trigger::AvailableNow { .. } => Billing::PerRun(self.batch_lengths.clone()),
            Trigger::ProcessingTime(_) => Billing::AlwaysOn,
        };
        // Append mode emits a row only when its window closes: rows still in state at the
        // end were never emitted (Spark has no final watermark). Update and complete modes
        // emitted every row as it changed.
        let pending = match self.spec.output_mode {
            OutputMode::Append => self.state.cells().iter().map(|(_, _, acc)| acc.count).sum(),
            OutputMode::Update | OutputMode::Complete => 0,
        };
        Closing {
            billing,
            figures: vec![(ModelMetric::PendingEvents, Some(pending as f64))],
        }
    }
}

/// The first multiple of `every` strictly after `t` (ProcessingTimeExecutor.nextBatchTime).
fn grid_after(t: Ts, every: Dur) -> Ts {
    t.floor_to(every) + every
}

struct BatchContext<'a, O> {
    label: i64,
    emit_time: Ts,
    visible_time: Ts,
    after_event_id: Option<u64>,
    out: &'a mut O,
}

impl<O: StreamOutput> BatchContext<'_, O> {
    fn emit(&mut self, result: WindowResult) {
        self.out.result(&Emission {
            emit_time: self.emit_time,
            visible_time: self.visible_time,
            after_event_id: self.after_event_id,
            batch: Some(self.label),
            result,
        });
    }
}

#[cfg(test)]
mod tests;
