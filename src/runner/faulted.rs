//! The streaming job with its faults ([`crate::runner::fault`]): restarts from the last checkpoint or
//! committed offset, stops, capacity drops, processing-time windowing, and a fault-free twin
//! beside it so that what the faults cost is measured: events lost and duplicated are the
//! difference between the two serving tables at the end.

use crate::engine::output::{Emission, Sample, StreamOutput};
use crate::engine::query::QuerySpec;
use crate::engine::window::{Window, WindowSpec};
use crate::input::event::{Event, KeyId, KeyTable};
use crate::input::time::{Dur, Ts};
use crate::measure::catalogue::ModelMetric;
use crate::measure::metrics::ModelStats;
use crate::runner::fault::{Delivery, Fault, RestartFrom};
use crate::runner::streaming::{StreamingRunner, StreamingSpec};
use crate::runner::{Billing, Closing, Runner};

/// How the job restarts after a fault that stops it.
#[derive(Clone, Copy, Debug)]
struct Restart {
    crash: Ts,
    restart: Ts,
    /// The state restored: the checkpoint taken at this time; none: the job starts empty.
    checkpoint: Option<Ts>,
    /// Records that arrived after this are read again after the restart; earlier ones not.
    read_from: Ts,
    /// Results of records that arrived after this never reach readers (an aborted
    /// transaction); results of earlier records are committed with their checkpoint.
    abort_after: Ts,
}

/// How the job restarts after `fault`, if it stops the job; `start` is the workload's.
fn restart_after(fault: &Fault, start: Ts) -> Option<Restart> {
    let (at, back) = fault.span()?;
    let (crash, restart) = (start + at, start + back);
    // Checkpoints and commits sit on a grid from the workload start.
    let last_tick = |every: Dur| start + Dur((at.as_ms() / every.as_ms()) * every.as_ms());
    let empty_from = |read_from| Restart {
        crash,
        restart,
        checkpoint: None,
        read_from,
        abort_after: crash,
    };
    let saved = |checkpoint: Ts, abort_after| Restart {
        crash,
        restart,
        checkpoint: Some(checkpoint),
        read_from: checkpoint,
        abort_after,
    };
    Some(match *fault {
        Fault::Crash {
            checkpoint_every,
            delivery,
            ..
        } => {
            let checkpoint = last_tick(checkpoint_every);
            match delivery {
                Delivery::ExactlyOnce => saved(checkpoint, checkpoint),
                Delivery::AtLeastOnce => saved(checkpoint, crash),
                Delivery::AutoCommit { every } => empty_from(last_tick(every)),
            }
        }
        Fault::Stop {
            retention,
            restart_from,
            ..
        } => {
            // Kafka deletes segments older than retention.ms while the job is stopped.
            let earliest_kept = restart - retention;
            if crash >= earliest_kept {
                saved(crash, crash)
            } else {
                match restart_from {
                    RestartFrom::Latest => empty_from(restart),
                    RestartFrom::Earliest => empty_from(earliest_kept),
                    RestartFrom::Backfill => saved(crash, crash),
                }
            }
        }
        Fault::IncompatibleCheckpoint { .. } => empty_from(restart),
        Fault::CapacityDrop { .. } | Fault::ProcessingTimeWindows => return None,
    })
}

/// What the faults did, besides the tables' difference.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FaultFigures {
    /// Records read a second time after a restart.
    pub replayed: u64,
    /// Records that arrived while the job was down and were never read (deleted by retention,
    /// or skipped by a restart from the latest offset).
    pub unread: u64,
    /// Records windowed by processing time into another window than their event time's.
    pub misattributed: u64,
    /// Longest time from a fault's start until the job had caught up again (no backlog).
    pub recovery_time: Option<Dur>,
    /// Event counts the faulted job's final results lack against the fault-free twin's.
    pub lost: u64,
    /// Event counts the faulted job's final results have beyond the twin's: results written
    /// twice, and late records a restarted job took because its watermark started over.
    pub duplicated: u64,
}

/// Phase of the job between faults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Up,
    Down,
}

/// The streaming job with its faults, and its fault-free twin.
pub struct FaultyStreaming {
    runner: StreamingRunner,
    /// The job as it starts, empty: what a restart without a checkpoint begins from.
    empty: StreamingRunner,
    twin: StreamingRunner,
    /// The twin's results, the yardstick for losses and duplicates.
    pub twin_stats: ModelStats,
    restarts: std::collections::VecDeque<Restart>,
    /// Capacity drops `(start, end)` not yet over; recovery is measured once each has ended.
    drops: std::collections::VecDeque<(Ts, Ts)>,
    by_processing_time: bool,
    window: WindowSpec,
    phase: Phase,
    snapshot: Option<StreamingRunner>,
    /// Records to read again at the restart.
    log: Vec<Event>,
    /// A fault's start and the time the backlog would be gone, while catching up.
    recovering: Option<(Ts, Ts)>,
    last_sample: Option<Ts>,
    figures: FaultFigures,
}

impl FaultyStreaming {
    /// The job of `spec` with `spec.faults`, over a workload starting at `start`.
    pub fn new(spec: &StreamingSpec, query: &QuerySpec, start: Ts, twin_stats: ModelStats) -> Self {
        let mut restarts: Vec<Restart> = spec
            .faults
            .iter()
            .filter_map(|f| restart_after(f, start))
            .collect();
        restarts.sort_by_key(|r| r.crash);
        let mut runner = StreamingRunner::new(spec, query);
        let mut drops = Vec::new();
        for fault in &spec.faults {
            if let Fault::CapacityDrop {
                at,
                lasting,
                capacity_per_second,
            } = *fault
            {
                let (from, to) = (start + at, start + at + lasting);
                runner.set_capacity_between(from, to, capacity_per_second);
                drops.push((from, to));
            }
        }
        FaultyStreaming {
            twin: StreamingRunner::new(spec, query),
            empty: runner.clone(),
            runner,
            twin_stats,
            restarts: restarts.into(),
            drops: drops.into(),
            by_processing_time: spec.faults.contains(&Fault::ProcessingTimeWindows),
            window: query.window,
            phase: Phase::Up,
            snapshot: None,
            log: Vec::new(),
            recovering: None,
            last_sample: None,
            figures: FaultFigures::default(),
        }
    }

    /// The next event in arrival order.
    pub fn on_event(&mut self, event: &Event, keys: &KeyTable, stats: &mut ModelStats) {
        self.twin_stats.input(event);
        self.twin.on_event(event, keys, &mut self.twin_stats);
        let event = self.as_windowed(event);
        let arrival = event.arrival_time;
        self.note_recovery(arrival);
        while let Some(&(from, to)) = self.drops.front() {
            if to > arrival {
                break;
            }
            self.drops.pop_front();
            self.recovering = Some((from, self.runner.busy_until()));
        }
        while let Some(&r) = self.restarts.front() {
            match self.phase {
                Phase::Up if arrival >= r.crash => self.crash(r),
                Phase::Down if arrival >= r.restart => self.restart(r, keys, stats),
                Phase::Down => {
                    if arrival > r.read_from {
                        self.log.push(event);
                    } else {
                        self.figures.unread += 1;
                    }
                    return;
                }
                Phase::Up => break,
            }
        }
        let next = self.restarts.front().copied();
        if let Some(r) = next {
            if r.checkpoint.is_some_and(|c| arrival > c) && self.snapshot.is_none() {
                self.snapshot = Some(self.runner.clone());
            }
            if arrival > r.read_from {
                self.log.push(event);
            }
        }
        let mut out = Guarded::new(stats, next, Some(&event), &mut self.last_sample);
        self.runner.on_event(&event, keys, &mut out);
        if let Some((since, _)) = self.recovering {
            self.recovering = Some((since, self.runner.busy_until()));
        }
    }

    /// The event as the job windows it: by arrival time when it wrongly uses processing time.
    fn as_windowed(&mut self, event: &Event) -> Event {
        if !self.by_processing_time {
            return *event;
        }
        let first = |t: Ts| {
            let mut first: Option<Window> = None;
            self.window.assign(t, |w| {
                first.get_or_insert(w);
            });
            first
        };
        if first(event.event_time) != first(event.arrival_time) {
            self.figures.misattributed += 1;
        }
        Event {
            event_time: event.arrival_time,
            ..*event
        }
    }

    /// Once the backlog left by a fault is gone by `now`, the job has recovered.
    fn note_recovery(&mut self, now: Ts) {
        if let Some((since, caught_up)) = self.recovering
            && caught_up <= now
        {
            self.recovered(since, caught_up);
        }
    }

    fn recovered(&mut self, since: Ts, at: Ts) {
        let took = at - since;
        self.figures.recovery_time = Some(self.figures.recovery_time.map_or(took, |d| d.max(took)));
        self.recovering = None;
    }

    /// The job dies: a checkpoint with nothing after it is the state at the crash.
    fn crash(&mut self, r: Restart) {
        if r.checkpoint.is_some() && self.snapshot.is_none() {
            self.snapshot = Some(self.runner.clone());
        }
        self.phase = Phase::Down;
    }

    /// The job comes back: restored or empty, it reads the logged records from the restart on.
    fn restart(&mut self, r: Restart, keys: &KeyTable, stats: &mut ModelStats) {
        let mut runner = match self.snapshot.take() {
            Some(saved) => saved,
            None => self.empty.clone(),
        };
        runner.restart_at(r.restart);
        self.runner = runner;
        self.restarts.pop_front();
        self.phase = Phase::Up;
        self.figures.replayed += self.log.len() as u64;
        let mut out = Guarded::new(stats, None, None, &mut self.last_sample);
        for event in self.log.drain(..) {
            self.runner.on_event(&event, keys, &mut out);
        }
        self.recovering = Some((r.crash, self.runner.busy_until()));
    }

    /// The end of the input: pending faults still happen, then the job and its twin finish;
    /// the figures compare their tables.
    pub fn finish(&mut self, keys: &KeyTable, stats: &mut ModelStats) -> FaultFigures {
        while let Some(&r) = self.restarts.front() {
            if self.phase == Phase::Up {
                self.crash(r);
            }
            self.restart(r, keys, stats);
        }
        let mut out = Guarded::new(stats, None, None, &mut self.last_sample);
        self.runner.finish(&mut out);
        if let Some((since, _)) = self.recovering {
            let end = self.runner.busy_until();
            self.recovered(since, end);
        }
        self.twin.finish(&mut self.twin_stats);
        let (lost, duplicated) = stats.table.count_difference(&self.twin_stats.table);
        FaultFigures {
            lost,
            duplicated,
            ..self.figures
        }
    }
}

impl Runner<ModelStats> for FaultyStreaming {
    fn on_event(&mut self, event: &Event, keys: &KeyTable, stats: &mut ModelStats) {
        FaultyStreaming::on_event(self, event, keys, stats);
    }

    /// Faults act on arrivals, so the job catches up on what is due when the next record
    /// comes (or at the end): nothing runs early.
    fn advance_to(&mut self, _time: Ts, _stats: &mut ModelStats) {}

    fn finish(&mut self, keys: &KeyTable, stats: &mut ModelStats) -> Closing {
        let f = FaultyStreaming::finish(self, keys, stats);
        let p99 = |s: &ModelStats| s.event_latency_ms.quantile(0.99);
        let extra_p99 = p99(stats)
            .zip(p99(&self.twin_stats))
            .map(|(a, b)| (a - b) as f64);
        Closing {
            billing: Billing::AlwaysOn,
            figures: vec![
                // The final watermark fires every window the restarted job still holds.
                (ModelMetric::PendingEvents, Some(0.0)),
                (ModelMetric::FaultLostEvents, Some(f.lost as f64)),
                (
                    ModelMetric::FaultDuplicatedEvents,
                    Some(f.duplicated as f64),
                ),
                (ModelMetric::FaultReplayedEvents, Some(f.replayed as f64)),
                (ModelMetric::FaultUnreadEvents, Some(f.unread as f64)),
                (
                    ModelMetric::FaultMisattributedEvents,
                    Some(f.misattributed as f64),
                ),
                (
                    ModelMetric::FaultRecoveryTime,
                    f.recovery_time.map(|d| d.as_ms() as f64),
                ),
                (ModelMetric::FaultExtraLatencyP99, extra_p99),
            ],
        }
    }
}

/// The faulted job's output: results the crash takes back never reach the table, records to
/// be read again are not counted as dropped yet, and samples stay in time order.
struct Guarded<'a> {
    stats: &'a mut ModelStats,
    /// The results of this call are in a transaction the crash aborts.
    aborted: bool,
    read_again_after: Ts,
    last_sample: &'a mut Option<Ts>,
}

impl<'a> Guarded<'a> {
    /// The output of processing `cause` (none: a restart's replay or the end) before `next`.
    fn new(
        stats: &'a mut ModelStats,
        next: Option<Restart>,
        cause: Option<&Event>,
        last_sample: &'a mut Option<Ts>,
    ) -> Self {
        // A record after the checkpoint barrier writes into the transaction of the next
        // checkpoint, which never completes (Flink's TwoPhaseCommitSinkFunction).
        let aborted = next
            .zip(cause)
            .is_some_and(|(r, e)| e.arrival_time > r.abort_after);
        Guarded {
            stats,
            aborted,
            read_again_after: next.map_or(Ts(i64::MAX), |r| r.read_from),
            last_sample,
        }
    }
}

impl StreamOutput for Guarded<'_> {
    fn result(&mut self, emission: &Emission) {
        if !self.aborted {
            self.stats.result(emission);
        }
    }

    fn dropped(&mut self, event: &Event, at: Ts) {
        if event.arrival_time <= self.read_again_after {
            self.stats.dropped(event, at);
        }
    }

    fn dropped_from_window(&mut self, event: &Event, window: Window) {
        self.stats.dropped_from_window(event, window);
    }

    fn merged_away(&mut self, window: Window, key: KeyId) {
        self.stats.merged_away(window, key);
    }

    fn end_of_input(&mut self) {
        self.stats.end_of_input();
    }

    fn sample(&mut self, sample: &Sample) {
        if self.last_sample.is_none_or(|t| sample.time > t) {
            *self.last_sample = Some(sample.time);
            self.stats.sample(sample);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::aggregate::Aggregation;
    use crate::engine::{FiringMode, WatermarkEmit};
    use crate::input::event::KeyId;
    use crate::measure::sink::SinkMode;

    /// One key, one event a second at 0 s, 1 s, ... 39 s, each arriving on time; 10-second
    /// tumbling windows, so every window counts 10 events and `[10 s, 20 s)` fires when the
    /// event of 20 s arrives.
    fn events() -> Vec<Event> {
        (0..40)
            .map(|s| Event {
                id: s as u64,
                key: KeyId(0),
                value: 1.0,
                event_time: Ts(s * 1_000),
                arrival_time: Ts(s * 1_000),
                source: 0,
            })
            .collect()
    }

    fn window() -> WindowSpec {
        WindowSpec::Tumbling {
            size: Dur::from_secs(10),
            offset: Dur::ZERO,
        }
    }

    /// A crash at 22 s, down 5 s, checkpoints every 15 s (the last one at 15 s), results
    /// appended to the sink (discarding firings), watermarks per event without delay.
    fn run(delivery: Delivery) -> (ModelStats, FaultFigures, ModelStats) {
        let mut spec = StreamingSpec::with_delay(Dur::ZERO);
        spec.watermark_emit = WatermarkEmit::PerEvent;
        spec.firing_mode = FiringMode::Discarding;
        spec.faults = vec![Fault::Crash {
            at: Dur::from_secs(22),
            down_for: Dur::from_secs(5),
            checkpoint_every: Dur::from_secs(15),
            delivery,
        }];
        let query = QuerySpec {
            window: window(),
            aggregations: vec![Aggregation::Count],
        };
        let mut keys = KeyTable::new();
        keys.intern("a");
        let stats = || ModelStats::new(SinkMode::Append, window(), 1);
        let mut job = FaultyStreaming::new(&spec, &query, Ts(0), stats());
        let mut faulted = stats();
        for e in events() {
            faulted.input(&e);
            job.on_event(&e, &keys, &mut faulted);
        }
        let figures = job.finish(&keys, &mut faulted);
        (faulted, figures, job.twin_stats)
    }

    fn counts(stats: &ModelStats) -> Vec<u64> {
        stats
            .table
            .cells()
            .map(|(_, h)| h.last().map_or(0, |a| a.count))
            .collect()
    }

    #[test]
    fn exactly_once_loses_and_duplicates_nothing() {
        let (faulted, figures, twin) = run(Delivery::ExactlyOnce);
        assert_eq!(counts(&twin), [10, 10, 10, 10]);
        // `[10 s, 20 s)` fired at 20 s, after the checkpoint of 15 s: that transaction is
        // aborted, and the restored job (events 10..15 s in state) fires it again whole.
        assert_eq!(counts(&faulted), [10, 10, 10, 10]);
        assert_eq!((figures.lost, figures.duplicated), (0, 0));
        // Read again: 16..21 s after the checkpoint, 22..26 s during the outage.
        assert_eq!(figures.replayed, 11);
        assert_eq!(figures.recovery_time, Some(Dur::from_secs(5)));
    }

    #[test]
    fn at_least_once_duplicates_exactly_the_uncommitted_output() {
        let (faulted, figures, _) = run(Delivery::AtLeastOnce);
        // The append of `[10 s, 20 s)` at 20 s stays, and the restored job appends it again:
        // the 10 events of the one result written after the checkpoint count twice.
        assert_eq!(counts(&faulted), [10, 20, 10, 10]);
        assert_eq!((figures.lost, figures.duplicated), (0, 10));
    }

    #[test]
    fn auto_commit_loses_what_was_committed_but_not_written() {
        let (faulted, figures, _) = run(Delivery::AutoCommit {
            every: Dur::from_secs(5),
        });
        // The timer committed the offsets up to 20 s; the event of 20 s sat in the window
        // `[20 s, 30 s)` in memory, lost with it, and is not read again. 21 s on is re-read.
        assert_eq!(counts(&faulted), [10, 10, 9, 10]);
        assert_eq!((figures.lost, figures.duplicated), (1, 0));
        assert_eq!(figures.replayed, 6);
    }

    #[test]
    fn a_stop_beyond_retention_restarting_from_latest_loses_the_outage() {
        let mut spec = StreamingSpec::with_delay(Dur::ZERO);
        spec.watermark_emit = WatermarkEmit::PerEvent;
        // Stopped from 12 s to 32 s with 5 s of retention: the saved offset (12 s) is gone.
        spec.faults = vec![Fault::Stop {
            at: Dur::from_secs(12),
            down_for: Dur::from_secs(20),
            retention: Dur::from_secs(5),
            restart_from: RestartFrom::Latest,
        }];
        let query = QuerySpec {
            window: window(),
            aggregations: vec![Aggregation::Count],
        };
        let mut keys = KeyTable::new();
        keys.intern("a");
        let mut stats = ModelStats::new(SinkMode::Upsert, window(), 1);
        let mut job = FaultyStreaming::new(&spec, &query, Ts(0), stats.clone());
        for e in events() {
            stats.input(&e);
            job.on_event(&e, &keys, &mut stats);
        }
        let figures = job.finish(&keys, &mut stats);
        // 10 s and 11 s were in state (lost with the deleted checkpoint), 12..31 s never read;
        // only `[0 s, 10 s)` (fired at 10 s) and 32..39 s of `[30 s, 40 s)` are served.
        assert_eq!(figures.unread, 20);
        assert_eq!(figures.lost, 22);
        assert_eq!(counts(&stats), [10, 8]);
    }

    fn finals(stats: &ModelStats) -> Vec<(Window, KeyId, u64)> {
        stats
            .table
            .cells()
            .filter_map(|(&(w, k), h)| h.last().map(|a| (w, k, a.count)))
            .filter(|c| c.2 > 0)
            .collect()
    }

    /// Events on four keys over ten minutes, never later than the 5-second watermark bound.
    fn random_events() -> impl proptest::strategy::Strategy<Value = Vec<Event>> {
        use proptest::prelude::*;
        proptest::collection::vec((0u32..4, 0i64..600_000, 0i64..5_000), 1..300).prop_map(|rows| {
            let mut events: Vec<Event> = rows
                .into_iter()
                .enumerate()
                .map(|(i, (key, t, delay))| Event {
                    id: i as u64,
                    key: KeyId(key),
                    value: 1.0,
                    event_time: Ts(t),
                    arrival_time: Ts(t + delay),
                    source: 0,
                })
                .collect();
            events.sort_by_key(|e| (e.arrival_time, e.id));
            events
        })
    }

    fn run_with(
        fault: Fault,
        discarding: bool,
        events: &[Event],
    ) -> (ModelStats, FaultFigures, ModelStats) {
        let mut spec = StreamingSpec::with_delay(Dur::from_secs(5));
        spec.watermark_emit = WatermarkEmit::PerEvent;
        spec.capacity_per_second = Some(200.0);
        if discarding {
            spec.firing_mode = FiringMode::Discarding;
        }
        spec.faults = vec![fault];
        let query = QuerySpec {
            window: window(),
            aggregations: vec![Aggregation::Count],
        };
        let mut keys = KeyTable::new();
        for k in ["a", "b", "c", "d"] {
            keys.intern(k);
        }
        let mode = if discarding {
            SinkMode::Append
        } else {
            SinkMode::Upsert
        };
        let stats = || ModelStats::new(mode, window(), 1);
        let mut job = FaultyStreaming::new(&spec, &query, Ts(0), stats());
        let mut faulted = stats();
        for e in events {
            faulted.input(e);
            job.on_event(e, &keys, &mut faulted);
        }
        let figures = job.finish(&keys, &mut faulted);
        (faulted, figures, job.twin_stats)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Whenever the crash comes and however long it lasts: exactly-once ends with the
        /// fault-free table, at-least-once never loses, a restart from the latest offset
        /// never counts twice, and nothing read is silently gone: what is not served was lost
        /// to the fault, and the events never read are part of that.
        #[test]
        fn delivery_guarantees_hold_for_any_crash(
            events in random_events(),
            at in 0i64..600_000,
            down in 1i64..120_000,
            every in 1_000i64..60_000,
            discarding in proptest::prelude::any::<bool>(),
        ) {
            let crash = |delivery| Fault::Crash {
                at: Dur(at),
                down_for: Dur(down),
                checkpoint_every: Dur(every),
                delivery,
            };
            let (eo, f, twin) = run_with(crash(Delivery::ExactlyOnce), discarding, &events);
            proptest::prop_assert_eq!(finals(&eo), finals(&twin));
            proptest::prop_assert_eq!((f.lost, f.duplicated), (0, 0));
            let (_, f, _) = run_with(crash(Delivery::AtLeastOnce), discarding, &events);
            proptest::prop_assert_eq!(f.lost, 0);
            let upgrade = Fault::IncompatibleCheckpoint { at: Dur(at), down_for: Dur(down) };
            let (_, f, _) = run_with(upgrade, discarding, &events);
            proptest::prop_assert_eq!(f.duplicated, 0);
            proptest::prop_assert!(f.lost >= f.unread);
            let twin_total: u64 = finals(&twin).iter().map(|c| c.2).sum();
            proptest::prop_assert_eq!(twin_total, events.len() as u64);
        }
    }
}
