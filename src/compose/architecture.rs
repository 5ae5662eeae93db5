//! Architectures composed of runners and a serving layer: Lambda (a batch layer over a speed
//! layer), Kappa (one streaming pipeline over a retained log, reprocessed by replaying it) and
//! the modern hybrid (a streaming and a batch path upserting one table).

use serde::{Deserialize, Serialize};

use crate::engine::query::QuerySpec;
use crate::input::event::{Event, KeyTable};
use crate::input::time::{Dur, Ts};
use crate::input::validation::Problems;
use crate::measure::metrics::ModelStats;
use crate::measure::sink::ServingTable;
use crate::measure::sink::SinkMode;
use crate::runner::batch::BatchSpec;
use crate::runner::streaming::{StreamingRunner, StreamingSpec};

/// Lambda: a batch layer whose views replace the speed layer's where they cover a window.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LambdaSpec {
    /// The speed layer; none: the scenario's `streaming`. Give it other logic (e.g.
    /// `faults: [ProcessingTimeWindows]`) to see the two codebases drift apart.
    #[serde(default)]
    pub speed: Option<StreamingSpec>,
    /// The batch layer; none: the scenario's `batch`.
    #[serde(default)]
    pub batch: Option<BatchSpec>,
}

/// The modern hybrid: streaming and batch paths upserting the same table, so the batch path's
/// corrections reconcile what the stream dropped.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HybridSpec {
    /// The streaming path; none: the scenario's `streaming`.
    #[serde(default)]
    pub streaming: Option<StreamingSpec>,
    /// The batch path from the lake; none: the scenario's `batch`.
    #[serde(default)]
    pub batch: Option<BatchSpec>,
}

/// Kappa: one streaming pipeline over a log kept `retention` long; optionally a logic change
/// at `reprocess_at`, when a new pipeline replays the retained log from its start with a new
/// consumer group and readers switch to its table once it has caught up.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KappaSpec {
    /// The pipeline (after the change, when there is one); none: the scenario's `streaming`.
    #[serde(default)]
    pub streaming: Option<StreamingSpec>,
    /// The pipeline before the change; none: the same logic.
    #[serde(default)]
    pub before: Option<StreamingSpec>,
    /// The log's retention (Kafka's `retention.ms`).
    pub retention: Dur,
    /// When the new pipeline starts replaying, from the workload start.
    #[serde(default)]
    pub reprocess_at: Option<Dur>,
    /// Records per second each subtask of the new pipeline reads while catching up; none:
    /// the pipeline's own capacity.
    #[serde(default)]
    pub replay_capacity_per_second: Option<f64>,
}

/// Checks that an architecture's layer exists and that its sink can be shared.
pub fn validate_layers(
    path: &str,
    streaming: Option<&StreamingSpec>,
    batch: Option<Option<&BatchSpec>>,
    problems: &mut Problems,
) {
    problems.check(streaming.is_some(), path, || {
        "this architecture needs a streaming layer: add a top-level `streaming` section or one of its own".to_owned()
    });
    if let Some(batch) = batch {
        problems.check(batch.is_some(), path, || {
            "this architecture needs a batch layer: add a top-level `batch` section or one of its own".to_owned()
        });
        if let Some(b) = batch {
            problems.check(
                b.sink == SinkMode::Upsert,
                &format!("{path}.batch.sink"),
                || "the batch layer must upsert into the serving table (sink: Upsert)".to_owned(),
            );
        }
    }
}

impl KappaSpec {
    /// Checks the values, recording problems under `path`.
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        problems.check(
            self.retention > Dur::ZERO,
            &format!("{path}.retention"),
            || format!("retention {} must be positive", self.retention),
        );
        if let Some(at) = self.reprocess_at {
            problems.check(at >= Dur::ZERO, &format!("{path}.reprocess_at"), || {
                format!("reprocess_at {at} must not be negative")
            });
        }
        if let Some(c) = self.replay_capacity_per_second {
            problems.check(
                c > 0.0 && c.is_finite(),
                &format!("{path}.replay_capacity_per_second"),
                || format!("replay_capacity_per_second {c} must be positive (records per second)"),
            );
        }
        if let Some(before) = &self.before {
            before.validate(&format!("{path}.before"), problems);
        }
        if let Some(streaming) = &self.streaming {
            streaming.validate(&format!("{path}.streaming"), problems);
        }
    }
}

/// Kappa's reprocessing: a new pipeline that replays the retained log from `at`.
pub struct Reprocessing {
    at: Ts,
    retention: Dur,
    runner: StreamingRunner,
    /// What the new pipeline serves.
    pub stats: ModelStats,
    replay_capacity: Option<f64>,
    live_capacity: Option<f64>,
    /// Records still in the log at `at`, waiting for the replay.
    log: Vec<Event>,
    started: bool,
    /// When the backlog would be gone, while catching up.
    caught_up_by: Ts,
    /// When the new pipeline had caught up with the live stream.
    pub caught_up: Option<Ts>,
    /// Records the log no longer held at `at`.
    pub lost_to_retention: u64,
    /// Records replayed from the log.
    pub replayed: u64,
}

impl Reprocessing {
    /// A new pipeline of `spec` replaying from `at` a log kept `retention` long.
    pub fn new(
        spec: &StreamingSpec,
        query: &QuerySpec,
        at: Ts,
        retention: Dur,
        replay_capacity: Option<f64>,
        stats: ModelStats,
    ) -> Self {
        Reprocessing {
            at,
            retention,
            runner: StreamingRunner::new(spec, query),
            stats,
            replay_capacity: replay_capacity.or(spec.capacity_per_second),
            live_capacity: spec.capacity_per_second,
            log: Vec::new(),
            started: false,
            caught_up_by: at,
            caught_up: None,
            lost_to_retention: 0,
            replayed: 0,
        }
    }

    /// The next event in arrival order.
    pub fn on_event(&mut self, event: &Event, keys: &KeyTable) {
        if !self.started {
            if event.arrival_time < self.at {
                // Kafka has deleted what is older than retention.ms by the time of the replay.
                if event.arrival_time >= self.at - self.retention {
                    self.log.push(*event);
                } else {
                    self.lost_to_retention += 1;
                }
                return;
            }
            self.start(keys);
        }
        if self.caught_up.is_none() && event.arrival_time >= self.caught_up_by {
            self.caught_up = Some(self.caught_up_by);
            self.runner.set_capacity(self.live_capacity);
        }
        self.stats.input(event);
        self.runner.on_event(event, keys, &mut self.stats);
        if self.caught_up.is_none() {
            self.caught_up_by = self.runner.busy_until();
        }
    }

    /// The new consumer group starts at the earliest retained offset.
    fn start(&mut self, keys: &KeyTable) {
        self.started = true;
        self.runner.restart_at(self.at);
        self.runner.set_capacity(self.replay_capacity);
        self.replayed = self.log.len() as u64;
        for event in std::mem::take(&mut self.log) {
            self.stats.input(&event);
            self.runner.on_event(&event, keys, &mut self.stats);
        }
        self.caught_up_by = self.runner.busy_until();
    }

    /// The end of the input; returns when the new pipeline had caught up.
    pub fn finish(&mut self, keys: &KeyTable) -> Ts {
        if !self.started {
            self.start(keys);
        }
        self.runner.finish(&mut self.stats);
        *self.caught_up.get_or_insert(self.caught_up_by)
    }

    /// When the replay started.
    pub fn started_at(&self) -> Ts {
        self.at
    }
}

/// The serving layer of a finished architecture, from its layers' results.
pub fn lambda_view(speed: &ModelStats, batch: &ModelStats) -> (ModelStats, u64) {
    let (table, disagreements) = ServingTable::batch_over_speed(&batch.table, &speed.table);
    let mut view = layered(speed, batch, table);
    // What the batch layer never read is what the final view lacks.
    view.dropped = batch.dropped;
    view.dropped_value = batch.dropped_value;
    (view, disagreements)
}

/// The hybrid's table: both paths' upserts; an event is missing only if both missed it.
pub fn hybrid_view(streaming: &ModelStats, batch: &ModelStats) -> ModelStats {
    let table = ServingTable::upsert_union(&streaming.table, &batch.table);
    let mut view = layered(streaming, batch, table);
    view.dropped = batch.dropped;
    view.dropped_value = batch.dropped_value;
    view
}

/// The speed layer's latency, state and backlog, both layers' results, over `table`.
fn layered(speed: &ModelStats, batch: &ModelStats, table: ServingTable) -> ModelStats {
    let mut view = speed.clone();
    view.table = table;
    view.on_time += batch.on_time;
    view.late += batch.late;
    view.early += batch.early;
    view
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::run::run_scenario;
    use crate::compose::scenario::Scenario;
    use crate::engine::WatermarkEmit;
    use crate::engine::aggregate::Aggregation;
    use crate::engine::window::WindowSpec;
    use crate::input::event::KeyId;
    use crate::measure::catalogue::{Model, ModelMetric};

    /// An hour of one event a second over two keys, each arriving half a second late.
    fn events() -> Vec<Event> {
        (0..3_600)
            .map(|s| Event {
                id: s as u64,
                key: KeyId((s % 2) as u32),
                value: s as f64,
                event_time: Ts(s * 1_000),
                arrival_time: Ts(s * 1_000 + 500),
                source: 0,
            })
            .collect()
    }

    fn setup() -> (StreamingSpec, QuerySpec, KeyTable) {
        let mut spec = StreamingSpec::with_delay(Dur::from_secs(1));
        spec.watermark_emit = WatermarkEmit::PerEvent;
        let query = QuerySpec {
            window: WindowSpec::Tumbling {
                size: Dur::from_mins(1),
                offset: Dur::ZERO,
            },
            aggregations: vec![Aggregation::Count, Aggregation::Sum],
        };
        let mut keys = KeyTable::new();
        keys.intern("a");
        keys.intern("b");
        (spec, query, keys)
    }

    fn fresh_run() -> ModelStats {
        let (spec, query, keys) = setup();
        let mut runner = StreamingRunner::new(&spec, &query);
        let mut stats = ModelStats::new(SinkMode::Upsert, query.window, 1);
        for e in events() {
            runner.on_event(&e, &keys, &mut stats);
        }
        runner.finish(&mut stats);
        stats
    }

    /// Reprocessing from 50 min, 100 records a second, with `retention` of log.
    fn reprocess(retention: Dur) -> Reprocessing {
        let (spec, query, keys) = setup();
        let stats = ModelStats::new(SinkMode::Upsert, query.window, 1);
        let at = Ts(3_000_000);
        let mut r = Reprocessing::new(&spec, &query, at, retention, Some(100.0), stats);
        for e in events() {
            r.on_event(&e, &keys);
        }
        r.finish(&keys);
        r
    }

    #[test]
    fn kappa_reprocessing_equals_a_fresh_run_when_the_log_holds_everything() {
        let r = reprocess(Dur::from_hours(2));
        let fresh = fresh_run();
        assert_eq!(r.lost_to_retention, 0);
        assert_eq!(r.replayed, 3_000);
        assert_eq!(r.stats.table.count_difference(&fresh.table), (0, 0));
        let finals = |s: &ModelStats| {
            s.table
                .cells()
                .map(|(k, h)| (*k, h.last()))
                .collect::<Vec<_>>()
        };
        assert_eq!(finals(&r.stats), finals(&fresh));
        // 3,000 records at 100 a second while one more arrives each second: 3000 / 99 s.
        let took = r.caught_up.unwrap() - r.started_at();
        assert!(
            (Dur::from_secs(30)..=Dur::from_secs(31)).contains(&took),
            "{took}"
        );
    }

    #[test]
    fn kappa_reprocessing_loses_exactly_the_events_beyond_retention() {
        // The log holds the last 1000 s before 3000 s: arrivals before 2000 s are gone, the
        // events of 0 s .. 1999 s (arriving at 0.5 s .. 1999.5 s).
        let r = reprocess(Dur::from_secs(1_000));
        assert_eq!(r.lost_to_retention, 2_000);
        assert_eq!(
            r.stats.table.count_difference(&fresh_run().table),
            (2_000, 0)
        );
    }

    #[test]
    fn lambda_with_an_exact_nightly_batch_converges_to_the_oracle() {
        let mut s = Scenario::default_scenario();
        s.micro_batch = None;
        s.expect.clear();
        s.lambda = Some(LambdaSpec::default());
        let out = run_scenario(&s, &mut |_| {});
        let model = |name| &out.models.iter().find(|m| m.name == name).unwrap().stats;
        let (lambda, speed) = (model(Model::Lambda), model(Model::Streaming));
        // The speed layer alone drops hours-late orders and counts retries twice.
        assert!(
            out.report
                .model(Model::Lambda, ModelMetric::SpeedCorrectShare)
                .unwrap()
                < 0.9
        );
        assert!(
            out.report
                .model(Model::Lambda, ModelMetric::LayerDisagreements)
                .unwrap()
                > 0.0
        );
        // Before the nightly run readers see the speed view; after the correction, the truth.
        let evening = s.workload.start + Dur::from_hours(23);
        assert_eq!(
            lambda.table.correct_share_at(&out.truth, evening),
            speed.table.correct_share_at(&out.truth, evening)
        );
        let next_noon = s.workload.start + Dur::from_hours(36);
        assert_eq!(
            lambda.table.correct_share_at(&out.truth, next_noon),
            Some(1.0)
        );
        assert_eq!(
            out.report.model(Model::Lambda, ModelMetric::CorrectShare),
            Some(1.0)
        );
    }

    #[test]
    fn the_hybrid_reconciles_what_the_stream_dropped() {
        let mut s = Scenario::default_scenario();
        s.micro_batch = None;
        s.expect.clear();
        s.hybrid = Some(HybridSpec::default());
        let report = run_scenario(&s, &mut |_| {}).report;
        assert!(
            report
                .model(Model::Streaming, ModelMetric::CorrectShare)
                .unwrap()
                < 1.0
        );
        assert_eq!(
            report.model(Model::Hybrid, ModelMetric::CorrectShare),
            Some(1.0)
        );
        // The stream's first results stay: the hybrid is as fresh as the stream.
        assert_eq!(
            report.model(Model::Hybrid, ModelMetric::ResultDelayP50),
            report.model(Model::Streaming, ModelMetric::ResultDelayP50)
        );
    }
}
