//! The record-at-a-time streaming runner: Apache Flink's event-time pipeline on the simulated
//! clock. Kafka partitions with per-partition watermarks (and idleness) feed a keyed window
//! operator running on `parallelism` subtasks, each a first-in first-out server with a fixed
//! per-record cost, so that a burst beyond capacity builds a backlog and delays results.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::{Billing, Closing, Runner, check_capacity, check_not_negative, cost_per_record_us};
use crate::engine::output::{Emission, Sample, StreamOutput};
use crate::engine::query::QuerySpec;
use crate::engine::watermark::kafka_partition;
use crate::engine::window::Window;
use crate::engine::{
    FiringMode, OperatorConfig, Output, PartitionedWatermarks, WatermarkEmit, WatermarkFormula,
    WindowOperator, WindowResult,
};
use crate::input::event::{Event, KeyId, KeyTable};
use crate::input::time::{Dur, Ts};
use crate::input::validation::Problems;
use crate::measure::catalogue::ModelMetric;

/// The streaming model as a scenario states it.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StreamingSpec {
    /// `forBoundedOutOfOrderness`: how far behind the largest event time the watermark stays.
    pub watermark_delay: Dur,
    /// Flink's `allowedLateness`.
    #[serde(default)]
    pub allowed_lateness: Dur,
    /// Per event, or periodic (Flink's auto-watermark interval, 200 ms by default).
    #[serde(default)]
    pub watermark_emit: WatermarkEmit,
    /// DataStream's `max − delay − 1 ms` or Flink SQL's `max − delay`.
    #[serde(default)]
    pub watermark_formula: WatermarkFormula,
    /// Kafka partitions; each record goes to `murmur2(key) % partitions`.
    #[serde(default = "one")]
    pub partitions: u32,
    /// `withIdleness`: a partition without records this long stops holding the watermark.
    #[serde(default)]
    pub idle_timeout: Option<Dur>,
    /// Parallel subtasks of the window operator (keys spread by Flink's key groups).
    #[serde(default = "one")]
    pub parallelism: u32,
    /// Records each subtask processes per second; none means unlimited.
    #[serde(default)]
    pub capacity_per_second: Option<f64>,
    /// Fixed network and I/O hops around the processor.
    #[serde(default)]
    pub hops: Hops,
    /// Speculative early results this long after a pane's first event.
    #[serde(default)]
    pub early_firing: Option<Dur>,
    /// Accumulating or discarding firings.
    #[serde(default)]
    pub firing_mode: FiringMode,
    /// How often state size and backlog are sampled (processing time).
    #[serde(default = "one_minute")]
    pub sample_every: Dur,
    /// How the sink takes results; none: upsert accumulating firings, append discarding ones.
    /// Accumulating firings appended count every late firing again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sink: Option<crate::measure::sink::SinkMode>,
    /// What goes wrong with the job, in time order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<crate::runner::fault::Fault>,
}

fn one() -> u32 {
    1
}

fn one_minute() -> Dur {
    Dur::from_mins(1)
}

/// Latency of the hops around the processor; the broker hop is in the arrival time already.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Hops {
    /// Broker to processor: the consumer's fetch.
    #[serde(default)]
    pub broker_to_processor: Dur,
    /// Processor to sink: the write becoming visible.
    #[serde(default)]
    pub processor_to_sink: Dur,
}

impl StreamingSpec {
    /// A spec with Flink's defaults around `watermark_delay`.
    pub fn with_delay(watermark_delay: Dur) -> Self {
        StreamingSpec {
            watermark_delay,
            allowed_lateness: Dur::ZERO,
            watermark_emit: WatermarkEmit::Default,
            watermark_formula: WatermarkFormula::DataStream,
            partitions: 1,
            idle_timeout: None,
            parallelism: 1,
            capacity_per_second: None,
            hops: Hops::default(),
            early_firing: None,
            firing_mode: FiringMode::Accumulating,
            sample_every: one_minute(),
            sink: None,
            faults: Vec::new(),
        }
    }

    /// Checks every field, recording problems under `path`.
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        let non_negative = [
            ("watermark_delay", self.watermark_delay),
            ("allowed_lateness", self.allowed_lateness),
            ("hops.broker_to_processor", self.hops.broker_to_processor),
            ("hops.processor_to_sink", self.hops.processor_to_sink),
        ];
        check_not_negative(&non_negative, path, problems);
        let positive = [
            ("watermark_emit", self.watermark_emit.interval()),
            ("idle_timeout", self.idle_timeout),
            ("early_firing", self.early_firing),
            ("sample_every", Some(self.sample_every)),
        ];
        for (field, d) in positive {
            if let Some(d) = d {
                problems.check(d > Dur::ZERO, &format!("{path}.{field}"), || {
                    format!("{field} {d} must be positive")
                });
            }
        }
        problems.check(
            (1..=10_000).contains(&self.partitions),
            &format!("{path}.partitions"),
            || format!("partitions {} must be between 1 and 10000", self.partitions),
        );
        problems.check(
            (1..=MAX_PARALLELISM).contains(&self.parallelism),
            &format!("{path}.parallelism"),
            || {
                format!(
                    "parallelism {} must be between 1 and {MAX_PARALLELISM}",
                    self.parallelism
                )
            },
        );
        check_capacity(self.capacity_per_second, path, problems);
        crate::runner::fault::validate_faults(&self.faults, &format!("{path}.faults"), problems);
    }
}

/// Flink's upper bound on parallelism (`KeyGroupRangeAssignment.UPPER_BOUND_MAX_PARALLELISM`
/// is 32768).
pub const MAX_PARALLELISM: u32 = 32_768;

/// One subtask: a first-in first-out server. Times in microseconds, since per-record costs
/// are far below a millisecond.
#[derive(Clone, Debug, Default)]
struct Subtask {
    busy_until_us: i64,
    /// Completion times of records still queued or in service (kept only with a capacity).
    queue_us: VecDeque<i64>,
}

/// The streaming runner. Feed it events in arrival order with [`on_event`](Self::on_event),
/// then call [`finish`](Self::finish).
#[derive(Clone, Debug)]
pub struct StreamingRunner {
    operator: WindowOperator,
    watermarks: PartitionedWatermarks,
    emit_per_event: bool,
    periodic: Option<Dur>,
    /// Ticks are needed for periodic emission or idleness detection.
    tick_every: Option<Dur>,
    next_tick: Option<Ts>,
    events_since_tick: bool,
    partitions: usize,
    parallelism: usize,
    partition_of_key: Vec<u32>,
    cost_us: i64,
    /// Periods `[from, to)` of processing time (µs) when a record costs more (or less).
    slow_periods: Vec<(i64, i64, i64)>,
    /// Consumer lag without a break: since when records have been queueing (µs), and the
    /// latest any subtask is busy until.
    lag_since_us: Option<i64>,
    busy_max_us: i64,
    /// The longest stretch of lag so far, from the first record that waited to an empty queue.
    longest_lag: Dur,
    fetch_hop: Dur,
    sample_every: Dur,
    next_sample: Option<Ts>,
    /// Processing time at the source (the latest record's arrival plus the fetch hop).
    now: Ts,
    /// No record is read before this (a restarted job reads its backlog from here on).
    not_before: Ts,
    /// The watermarks as they start, for a restart (Flink does not checkpoint watermarks).
    initial_watermarks: PartitionedWatermarks,
    servers: Servers,
}

/// What stamping a result needs: where each key runs, how busy each subtask is.
#[derive(Clone, Debug)]
struct Servers {
    subtask_of_key: Vec<u32>,
    subtasks: Vec<Subtask>,
    sink_hop: Dur,
    last_event_id: Option<u64>,
}

impl StreamingRunner {
    /// A runner for `query` configured by `spec`.
    pub fn new(spec: &StreamingSpec, query: &QuerySpec) -> Self {
        let operator = WindowOperator::new(
            query.window,
            OperatorConfig {
                allowed_lateness: spec.allowed_lateness,
                early_firing: spec.early_firing,
                firing_mode: spec.firing_mode,
            },
        );
        let partitions = spec.partitions.max(1) as usize;
        let parallelism = spec.parallelism.clamp(1, MAX_PARALLELISM) as usize;
        let periodic = spec.watermark_emit.interval();
        // Idleness is checked on the periodic timer; per-event emission still runs it then.
        let tick_every = periodic.or(spec
            .idle_timeout
            .map(|_| WatermarkEmit::Default.interval().expect("200 ms")));
        let watermarks = PartitionedWatermarks::new(
            partitions,
            spec.watermark_delay,
            spec.watermark_formula,
            spec.idle_timeout,
        );
        StreamingRunner {
            operator,
            initial_watermarks: watermarks.clone(),
            watermarks,
            emit_per_event: periodic.is_none(),
            periodic,
            tick_every,
            next_tick: None,
            events_since_tick: false,
            partitions,
            parallelism,
            partition_of_key: Vec::new(),
            cost_us: cost_per_record_us(spec.capacity_per_second),
            slow_periods: Vec::new(),
            lag_since_us: None,
            busy_max_us: i64::MIN,
            longest_lag: Dur::ZERO,
            fetch_hop: spec.hops.broker_to_processor,
            sample_every: spec.sample_every,
            next_sample: None,
            now: Ts(i64::MIN),
            not_before: Ts(i64::MIN),
            servers: Servers {
                subtask_of_key: Vec::new(),
                subtasks: vec![Subtask::default(); parallelism],
                sink_hop: spec.hops.processor_to_sink,
                last_event_id: None,
            },
        }
    }

    /// The operator's watermark.
    pub fn watermark(&self) -> Ts {
        self.operator.watermark()
    }

    /// The job (re)starts at `at` with the state it has: records are read from then on, and
    /// the watermark starts again from the minimum, since Flink's checkpoints hold state and
    /// offsets but not watermarks.
    pub fn restart_at(&mut self, at: Ts) {
        self.not_before = at;
        self.now = self.now.max(at);
        self.watermarks = self.initial_watermarks.clone();
        self.operator.forget_watermark();
    }

    /// Records each subtask processes per second from now on (none: unlimited).
    pub fn set_capacity(&mut self, capacity_per_second: Option<f64>) {
        self.cost_us = cost_per_record_us(capacity_per_second);
    }

    /// Records each subtask processes per second while processing time is in `[from, to)`:
    /// a record whose service starts then costs that much.
    pub fn set_capacity_between(&mut self, from: Ts, to: Ts, capacity_per_second: f64) {
        let cost = cost_per_record_us(Some(capacity_per_second));
        self.slow_periods
            .push((from.as_ms() * 1_000, to.as_ms() * 1_000, cost));
    }

    /// What a record whose service starts at `start_us` costs.
    fn cost_at(&self, start_us: i64) -> i64 {
        self.slow_periods
            .iter()
            .find(|(from, to, _)| (*from..*to).contains(&start_us))
            .map_or(self.cost_us, |p| p.2)
    }

    /// The longest time records queued without a break: from the first record that had to
    /// wait until every subtask had worked through its queue (consumer lag's catch-up time).
    pub fn longest_lag(&self) -> Dur {
        self.longest_lag
    }

    /// Closes the stretch of lag if every queue had drained by `now_us`.
    fn end_lag_by(&mut self, now_us: i64) {
        if let Some(since) = self.lag_since_us
            && self.busy_max_us <= now_us
        {
            let took = Dur((self.busy_max_us - since).div_euclid(1_000));
            self.longest_lag = self.longest_lag.max(took);
            self.lag_since_us = None;
        }
    }

    /// When every record read so far will have been processed: the backlog is gone then,
    /// unless more arrives.
    pub fn busy_until(&self) -> Ts {
        self.servers
            .subtasks
            .iter()
            .map(|s| Ts(s.busy_until_us.div_euclid(1_000)))
            .fold(self.now, Ts::max)
    }

    /// Processes one event (arrival order), after every timer due before it.
    pub fn on_event(&mut self, event: &Event, keys: &KeyTable, out: &mut impl StreamOutput) {
        self.ensure_routing(event, keys);
        let k = event.key.0 as usize;
        let subtask = self.servers.subtask_of_key[k] as usize;
        let arrived = event.arrival_time + self.fetch_hop;
        let mut source_time = arrived.max(self.not_before);
        if arrived < self.not_before {
            // A backlog read after a restart goes at the pace its subtask processes it
            // (backpressure), so periodic watermarks keep ticking through a replay.
            let busy = self.servers.subtasks[subtask]
                .busy_until_us
                .div_euclid(1_000);
            source_time = source_time.max(Ts(busy));
        }
        self.advance_to(source_time, out);
        self.sample_until(source_time, out);
        self.now = self.now.max(source_time);
        // The record waits for its subtask, then costs what a record started then costs
        // (unlimited capacity: no wait).
        let done = if self.cost_us == 0 && self.slow_periods.is_empty() {
            self.now
        } else {
            let now_us = self.now.as_ms() * 1_000;
            self.end_lag_by(now_us);
            let start = self.servers.subtasks[subtask].busy_until_us.max(now_us);
            if start > now_us && self.lag_since_us.is_none() {
                self.lag_since_us = Some(now_us);
            }
            let cost = self.cost_at(start);
            let s = &mut self.servers.subtasks[subtask];
            let done = start + cost;
            s.busy_until_us = done;
            self.busy_max_us = self.busy_max_us.max(done);
            while s.queue_us.front().is_some_and(|&t| t <= now_us) {
                s.queue_us.pop_front();
            }
            s.queue_us.push_back(done);
            Ts(done.div_euclid(1_000))
        };
        self.servers.last_event_id = Some(event.id);
        self.operator
            .on_event(event, done, &mut self.servers.stamp(Timing::At(done), out));
        // The record goes downstream before the watermark it may produce (Flink's
        // SourceOutputWithWatermarks: collect, then onEvent).
        let partition = self.partition_of_key[k] as usize;
        if let Some(wm) = self
            .watermarks
            .on_event(partition, event.event_time, self.emit_per_event)
        {
            let now = self.now;
            self.operator
                .on_watermark(wm, &mut self.servers.stamp(Timing::Watermark(now), out));
        }
        self.events_since_tick = true;
        // Ticks sit on multiples of the interval on the simulated clock; after an event the
        // next one is the next grid point, whatever a quiet spell had skipped to.
        if let Some(every) = self.tick_every {
            let grid = self.now.floor_to(every) + every;
            self.next_tick = Some(self.next_tick.map_or(grid, |t| t.min(grid)));
        }
    }

    /// Runs every periodic tick and early-firing timer due at or before `time`, in time
    /// order. Calling it or not between events changes nothing: timers run lazily.
    pub fn advance_to(&mut self, time: Ts, out: &mut impl StreamOutput) {
        loop {
            let tick = self.next_tick.filter(|&t| t <= time);
            let timer = self.operator.next_processing_timer().filter(|&t| t <= time);
            match (tick, timer) {
                (Some(t), timer) if timer.is_none_or(|u| t <= u) => self.tick(t, out),
                (_, Some(u)) => {
                    self.operator
                        .on_processing_time(u, &mut self.servers.stamp(Timing::At(u), out));
                }
                _ => break,
            }
        }
    }

    fn tick(&mut self, t: Ts, out: &mut impl StreamOutput) {
        self.sample_until(t, out);
        let every = self.tick_every.expect("ticks only when configured");
        let advanced = self.watermarks.on_periodic(t, self.periodic.is_some());
        if let Some(wm) = advanced {
            self.operator
                .on_watermark(wm, &mut self.servers.stamp(Timing::Watermark(t), out));
        }
        // A quiet tick changes nothing but the idleness clocks: jump to the next tick at
        // which one of them can expire (an event brings the grid back sooner).
        let next = t + every;
        self.next_tick = match (
            self.events_since_tick,
            self.watermarks.next_idleness_change(),
        ) {
            (false, Some(change)) if change > next => {
                Some(Ts(change.as_ms() - 1).floor_to(every) + every)
            }
            // Nothing can change before the next event, which restarts the grid.
            (false, None) if advanced.is_none() => None,
            _ => Some(next),
        };
        self.events_since_tick = false;
    }

    /// End of a bounded input: Flink's final `Long.MAX_VALUE` watermark fires every window.
    pub fn finish(&mut self, out: &mut impl StreamOutput) {
        let now = self.now.max(Ts(i64::MIN + 1));
        self.servers.last_event_id = None;
        out.end_of_input();
        self.operator
            .on_finish(&mut self.servers.stamp(Timing::Watermark(now), out));
        let end = self.busy_until().max(now);
        self.end_lag_by(end.as_ms() * 1_000);
        self.sample_until(end, out);
        out.sample(&self.sample_at(end));
    }

    fn ensure_routing(&mut self, event: &Event, keys: &KeyTable) {
        if (event.key.0 as usize) < self.partition_of_key.len() {
            return;
        }
        self.route_new_keys(event, keys);
    }

    /// Partition and subtask of each key id up to the event's, computed once per key.
    #[cold]
    fn route_new_keys(&mut self, event: &Event, keys: &KeyTable) {
        let k = event.key.0 as usize;
        while self.partition_of_key.len() <= k {
            let id = crate::input::event::KeyId(self.partition_of_key.len() as u32);
            let name = if (id.0 as usize) < keys.len() {
                keys.name(id)
            } else {
                ""
            };
            self.partition_of_key
                .push(kafka_partition(name, self.partitions) as u32);
            self.servers
                .subtask_of_key
                .push(flink_subtask(name, self.parallelism) as u32);
        }
    }

    fn sample_at(&self, time: Ts) -> Sample {
        let now_us = time.as_ms() * 1_000;
        Sample {
            time,
            state_cells: self.operator.live_cells(),
            backlog: self
                .servers
                .subtasks
                .iter()
                .map(|s| s.queue_us.iter().filter(|&&t| t > now_us).count())
                .sum(),
            watermark: self.operator.watermark(),
        }
    }

    /// Samples on the grid of `sample_every` up to `time`. Between events the operator's
    /// state stands still; the backlog drains, and each sample sees it at its own time.
    fn sample_until(&mut self, time: Ts, out: &mut impl StreamOutput) {
        let every = self.sample_every;
        let mut next = *self.next_sample.get_or_insert(time.floor_to(every) + every);
        while next <= time {
            out.sample(&self.sample_at(next));
            next += every;
        }
        self.next_sample = Some(next);
    }
}

impl<O: StreamOutput> Runner<O> for StreamingRunner {
    fn on_event(&mut self, event: &Event, keys: &KeyTable, out: &mut O) {
        StreamingRunner::on_event(self, event, keys, out);
    }

    fn advance_to(&mut self, time: Ts, out: &mut O) {
        StreamingRunner::advance_to(self, time, out);
    }

    fn finish(&mut self, _keys: &KeyTable, out: &mut O) -> Closing {
        StreamingRunner::finish(self, out);
        Closing {
            billing: Billing::AlwaysOn,
            figures: vec![
                (
                    ModelMetric::LagCatchUpTime,
                    Some(self.longest_lag().as_ms() as f64),
                ),
                // The final watermark (Long.MAX_VALUE) fires every window at the end of input.
                (ModelMetric::PendingEvents, Some(0.0)),
            ],
        }
    }
}

impl Servers {
    fn stamp<'a, O: StreamOutput>(&'a self, timing: Timing, out: &'a mut O) -> Timed<'a, O> {
        Timed {
            out,
            timing,
            servers: self,
        }
    }
}

/// When the results of one operator call leave their subtask.
#[derive(Clone, Copy)]
enum Timing {
    /// At this processing time (a record's completion, an early timer).
    At(Ts),
    /// A watermark sent at this time reaches each subtask behind its queued records.
    Watermark(Ts),
}

/// Stamps the operator's results with processing times and the event that caused them.
struct Timed<'a, O> {
    out: &'a mut O,
    timing: Timing,
    servers: &'a Servers,
}

impl<O: StreamOutput> Output for Timed<'_, O> {
    fn result(&mut self, result: &WindowResult) {
        let emit_time = match self.timing {
            Timing::At(t) => t,
            Timing::Watermark(sent) => {
                let subtask = self
                    .servers
                    .subtask_of_key
                    .get(result.key.0 as usize)
                    .copied()
                    .unwrap_or(0);
                let busy = self.servers.subtasks[subtask as usize].busy_until_us;
                sent.max(Ts(busy.div_euclid(1_000)))
            }
        };
        self.out.result(&Emission {
            emit_time,
            visible_time: emit_time + self.servers.sink_hop,
            after_event_id: self.servers.last_event_id,
            batch: None,
            result: *result,
        });
    }

    fn dropped(&mut self, event: &Event) {
        let at = match self.timing {
            Timing::At(t) | Timing::Watermark(t) => t,
        };
        self.out.dropped(event, at);
    }

    fn merged_away(&mut self, window: Window, key: KeyId) {
        self.out.merged_away(window, key);
    }
}

/// Flink's `KeyGroupRangeAssignment.assignKeyToParallelOperator` for a `String` key:
/// `murmurHash(key.hashCode()) % maxParallelism`, then `keyGroup * parallelism / maxParallelism`,
/// with Flink's default max parallelism (at least 128).
pub fn flink_subtask(key: &str, parallelism: usize) -> usize {
    let parallelism = parallelism.max(1);
    let max_parallelism = default_max_parallelism(parallelism);
    let key_group = flink_murmur_hash(java_string_hash(key)) as usize % max_parallelism;
    key_group * parallelism / max_parallelism
}

/// Flink's `KeyGroupRangeAssignment.computeDefaultMaxParallelism`.
fn default_max_parallelism(parallelism: usize) -> usize {
    (parallelism + parallelism / 2)
        .next_power_of_two()
        .clamp(128, MAX_PARALLELISM as usize)
}

/// Java's `String.hashCode`: `s[0]*31^(n-1) + ... + s[n-1]` over UTF-16 code units.
fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32))
}

/// Flink's `MathUtils.murmurHash(int)`, a non-negative hash.
fn flink_murmur_hash(code: i32) -> i32 {
    let mut code = code.wrapping_mul(0xcc9e_2d51_u32 as i32);
    code = code.rotate_left(15);
    code = code.wrapping_mul(0x1b87_3593);
    code = code.rotate_left(13);
    code = code.wrapping_mul(5).wrapping_add(0xe654_6b64_u32 as i32);
    code ^= 4;
    // bitMix
    code ^= ((code as u32) >> 16) as i32;
    code = code.wrapping_mul(0x85eb_ca6b_u32 as i32);
    code ^= ((code as u32) >> 13) as i32;
    code = code.wrapping_mul(0xc2b2_ae35_u32 as i32);
    code ^= ((code as u32) >> 16) as i32;
    if code >= 0 {
        code
    } else if code != i32::MIN {
        -code
    } else {
        0
    }
}

#[cfg(test)]
mod tests;
