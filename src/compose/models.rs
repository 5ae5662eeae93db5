//! The processing models a scenario compares, driven side by side over one arrival stream,
//! and the figures each one reports against the truth.

use crate::compose::architecture::{self, Reprocessing};
use crate::compose::cost::{CostSpec, per_year};
use crate::compose::scenario::Scenario;
use crate::engine::FiringMode;
use crate::input::event::{Event, KeyTable};
use crate::input::time::{Dur, Ts};
use crate::measure::catalogue::{Metric, Model, ModelMetric};
use crate::measure::metrics::{ModelStats, SignedHistogram};
use crate::measure::oracle::TruthCell;
use crate::measure::period::{Period, measured_time};
use crate::measure::sink::ServingTable;
use crate::measure::sink::SinkMode;
use crate::runner::batch::{BatchSpec, ScheduledRunner};
use crate::runner::faulted::FaultyStreaming;
use crate::runner::micro_batch::MicroBatchRunner;
use crate::runner::streaming::{StreamingRunner, StreamingSpec};
use crate::runner::{Billing, Runner};

/// Bytes one (window, key) state entry takes, for the state-size estimate: key and window
/// (24 B), the accumulator (32 B), and the state store's overhead per entry.
pub const BYTES_PER_STATE_CELL: f64 = 96.0;

/// Bytes one event takes in the lake (a Parquet row of id, key, value and two timestamps,
/// compressed), for storage cost.
pub const BYTES_PER_EVENT: f64 = 40.0;

/// A model's runner, or an architecture: a composition of them.
enum Pipeline {
    /// One runner (batch, micro-batch, streaming, with or without faults).
    Runner(Box<dyn Runner<ModelStats> + Send>),
    /// Lambda or hybrid: a streaming and a batch layer, combined at the serving layer.
    Layers {
        speed: Box<Running>,
        batch: Box<Running>,
        lambda: bool,
    },
    /// Kappa: the live pipeline, and the one replaying the log after a logic change.
    Kappa {
        live: Box<Running>,
        replay: Option<Box<Reprocessing>>,
        retention: Dur,
    },
}

/// What one model produced, for charts and for the app.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Which model it is.
    pub name: Model,
    /// Its serving table, counts and distributions.
    pub stats: ModelStats,
    /// What it costs a year, when the scenario has prices.
    pub cost_per_year: Option<f64>,
}

/// One model being run: its report name, its runner and what it produced so far.
pub struct Running {
    name: Model,
    pipeline: Pipeline,
    stats: ModelStats,
}

/// A finished model before its figures are named: what readers saw, what it cost a year and
/// per run, and the figures only some models have.
struct Closed {
    stats: ModelStats,
    cost: (Option<f64>, Option<f64>),
    extra: Vec<(ModelMetric, Option<f64>)>,
}

/// The models and architectures `scenario` runs, in report column order.
pub fn models_of(scenario: &Scenario) -> Vec<Running> {
    let stride = latency_stride(scenario.run_workload().expected_events());
    let mut models = Vec::new();
    if let Some(spec) = &scenario.batch {
        models.push(Running::batch(Model::Batch, spec, scenario, stride));
    }
    if let Some(spec) = &scenario.plain_micro_batch {
        models.push(Running {
            name: Model::PlainMicroBatch,
            pipeline: Pipeline::Runner(Box::new(ScheduledRunner::plain_micro_batch(
                spec,
                &scenario.query,
            ))),
            stats: stats_for(SinkMode::Upsert, scenario, stride),
        });
    }
    if let Some(spec) = &scenario.micro_batch {
        let streams = scenario.workload.sources.len();
        models.push(Running {
            name: Model::MicroBatch,
            pipeline: Pipeline::Runner(Box::new(MicroBatchRunner::new(
                spec,
                &scenario.query,
                streams,
            ))),
            stats: stats_for(SinkMode::Upsert, scenario, stride),
        });
    }
    if let Some(spec) = &scenario.streaming {
        models.push(Running::streaming(Model::Streaming, spec, scenario, stride));
    }
    let layers = [
        (
            Model::Lambda,
            scenario.lambda.as_ref().map(|l| (&l.speed, &l.batch)),
        ),
        (
            Model::Hybrid,
            scenario.hybrid.as_ref().map(|h| (&h.streaming, &h.batch)),
        ),
    ];
    for (name, spec) in layers {
        if let Some((speed, batch_spec)) = spec
            && let (Some(speed), Some(batch_spec)) = (
                scenario.streaming_layer(speed),
                scenario.batch_layer(batch_spec),
            )
        {
            models.push(Running {
                name,
                pipeline: Pipeline::Layers {
                    speed: Box::new(Running::streaming(
                        Model::Streaming,
                        speed,
                        scenario,
                        stride,
                    )),
                    batch: Box::new(Running::batch(Model::Batch, batch_spec, scenario, stride)),
                    lambda: name == Model::Lambda,
                },
                stats: stats_for(SinkMode::Upsert, scenario, stride),
            });
        }
    }
    if let Some(kappa) = &scenario.kappa
        && let Some(spec) = scenario.streaming_layer(&kappa.streaming)
    {
        let live_spec = kappa.before.as_ref().unwrap_or(spec);
        let replay = kappa.reprocess_at.map(|at| {
            Box::new(Reprocessing::new(
                spec,
                &scenario.query,
                scenario.workload.start + at,
                kappa.retention,
                kappa.replay_capacity_per_second,
                stats_for(sink_of(spec), scenario, stride),
            ))
        });
        models.push(Running {
            name: Model::Kappa,
            pipeline: Pipeline::Kappa {
                live: Box::new(Running::streaming(
                    Model::Streaming,
                    live_spec,
                    scenario,
                    stride,
                )),
                replay,
                retention: kappa.retention,
            },
            stats: stats_for(SinkMode::Upsert, scenario, stride),
        });
    }
    // The report's column order.
    models.sort_by_key(|m| m.name);
    models
}

/// A model's stats writing in `mode`; over a recorded trace, what its end alone fired is set
/// apart.
fn stats_for(mode: SinkMode, scenario: &Scenario, stride: u64) -> ModelStats {
    ModelStats::new(mode, scenario.query.window, stride)
        .counting_the_trace_end(scenario.workload.trace.is_some())
        .measuring(scenario.run_span().map(|s| s.period))
}

/// Discarding firings carry only what is new: the sink adds them up.
fn sink_of(spec: &StreamingSpec) -> SinkMode {
    spec.sink.unwrap_or(match spec.firing_mode {
        FiringMode::Accumulating => SinkMode::Upsert,
        FiringMode::Discarding => SinkMode::Append,
    })
}

/// Events followed for latency: all of them up to a million, then every N-th id (N a power
/// of two) so that about a million are.
fn latency_stride(expected_events: f64) -> u64 {
    ((expected_events / 1e6).max(1.0).ceil() as u64).next_power_of_two()
}

impl Running {
    fn batch(name: Model, spec: &BatchSpec, scenario: &Scenario, stride: u64) -> Self {
        Running {
            name,
            pipeline: Pipeline::Runner(Box::new(ScheduledRunner::batch(spec, &scenario.query))),
            stats: stats_for(spec.sink, scenario, stride),
        }
    }

    /// The streaming job of `spec`, with its faults when it has any.
    fn streaming(name: Model, spec: &StreamingSpec, scenario: &Scenario, stride: u64) -> Self {
        let stats = stats_for(sink_of(spec), scenario, stride);
        let runner: Box<dyn Runner<ModelStats> + Send> = if spec.faults.is_empty() {
            Box::new(StreamingRunner::new(spec, &scenario.query))
        } else {
            Box::new(FaultyStreaming::new(
                spec,
                &scenario.query,
                scenario.workload.start,
                stats.clone(),
            ))
        };
        Running {
            name,
            pipeline: Pipeline::Runner(runner),
            stats,
        }
    }

    /// Which model it is.
    pub fn name(&self) -> Model {
        self.name
    }

    /// The next event in arrival order.
    pub fn on_event(&mut self, event: &Event, keys: &KeyTable) {
        self.stats.input(event);
        match &mut self.pipeline {
            Pipeline::Runner(r) => r.on_event(event, keys, &mut self.stats),
            Pipeline::Layers { speed, batch, .. } => {
                speed.on_event(event, keys);
                batch.on_event(event, keys);
            }
            Pipeline::Kappa { live, replay, .. } => {
                live.on_event(event, keys);
                if let Some(r) = replay {
                    r.on_event(event, keys);
                }
            }
        }
    }

    /// The end of the input: the model's figures, named `<model>.<metric>`, and what it
    /// produced.
    pub fn finish(
        self,
        truth: &[TruthCell],
        arrivals: u64,
        scenario: &Scenario,
        keys: &KeyTable,
    ) -> (Vec<(Metric, Option<f64>)>, Outcome) {
        let name = self.name;
        let mut closed = self.close(truth, arrivals, scenario, keys);
        closed.stats.event_latency_ms.settle();
        closed.stats.arrival_latency_ms.settle();
        let faulted = (closed.extra.iter()).any(|(m, _)| m.is_fault_figure());
        let named = figures(&closed.stats, truth, arrivals, closed.cost, faulted)
            .into_iter()
            .chain(closed.extra)
            .map(|(metric, value)| (Metric::Model(name, metric), value))
            .collect();
        let outcome = Outcome {
            name,
            stats: closed.stats,
            cost_per_year: closed.cost.0,
        };
        (named, outcome)
    }

    /// Finishes the runner: what readers saw, its cost, and its own figures.
    fn close(
        mut self,
        truth: &[TruthCell],
        arrivals: u64,
        scenario: &Scenario,
        keys: &KeyTable,
    ) -> Closed {
        let horizon = scenario.workload.duration;
        let prices = scenario.cost.as_ref();
        let always_on = |stats: &ModelStats| {
            prices.map_or((None, None), |c| {
                let state_gb = stats.state_peak as f64 * BYTES_PER_STATE_CELL / 1e9;
                (
                    Some(c.always_on_per_year() + c.storage_per_year(state_gb)),
                    None,
                )
            })
        };
        let mut extra = Vec::new();
        let cost = match self.pipeline {
            Pipeline::Runner(mut r) => {
                let closing = r.finish(keys, &mut self.stats);
                extra = closing.figures;
                match closing.billing {
                    Billing::PerRun(lengths) => {
                        let period = scenario.run_span().map(|s| s.period);
                        prices.map_or((None, None), |c| {
                            runs_cost(c, &lengths, horizon, arrivals, period)
                        })
                    }
                    Billing::AlwaysOn => always_on(&self.stats),
                }
            }
            Pipeline::Layers {
                speed,
                batch,
                lambda,
            } => {
                let speed = speed.close(truth, arrivals, scenario, keys);
                let batch = batch.close(truth, arrivals, scenario, keys);
                let share = |s: &ModelStats| s.table.correctness(truth, None).correct_share();
                extra.push((ModelMetric::SpeedCorrectShare, share(&speed.stats)));
                extra.push((ModelMetric::BatchCorrectShare, share(&batch.stats)));
                extra.extend(
                    speed
                        .extra
                        .iter()
                        .copied()
                        .filter(|(m, _)| m.is_fault_figure()),
                );
                self.stats = if lambda {
                    let (view, disagreements) =
                        architecture::lambda_view(&speed.stats, &batch.stats);
                    extra.push((ModelMetric::LayerDisagreements, Some(disagreements as f64)));
                    view
                } else {
                    architecture::hybrid_view(&speed.stats, &batch.stats)
                };
                let add = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a + b);
                (add(speed.cost.0, batch.cost.0), batch.cost.1)
            }
            Pipeline::Kappa {
                live,
                replay,
                retention,
            } => {
                let live = live.close(truth, arrivals, scenario, keys);
                let kept = retention.as_ms().min(horizon.as_ms().max(1)) as f64
                    / horizon.as_ms().max(1) as f64;
                let retained_bytes = arrivals as f64 * kept * BYTES_PER_EVENT;
                let retained_gb = retained_bytes / 1e9;
                extra.push((ModelMetric::RetentionBytes, Some(retained_bytes)));
                extra.extend(
                    live.extra
                        .iter()
                        .copied()
                        .filter(|(m, _)| m.is_fault_figure()),
                );
                self.stats = live.stats;
                let mut cost = live.cost;
                if let Some(mut r) = replay {
                    let caught_up = r.finish(keys);
                    let took = caught_up - r.started_at();
                    extra.extend([
                        (ModelMetric::CatchUpTime, Some(took.as_ms() as f64)),
                        (ModelMetric::ReplayedEvents, Some(r.replayed as f64)),
                        (
                            ModelMetric::LostToRetention,
                            Some(r.lost_to_retention as f64),
                        ),
                        (ModelMetric::ReprocessCost, prices.map(|c| c.run_cost(took))),
                    ]);
                    self.stats.table =
                        ServingTable::switched(&self.stats.table, &r.stats.table, caught_up);
                    self.stats.dropped = r.stats.dropped + r.lost_to_retention;
                    self.stats.dropped_value = r.stats.dropped_value;
                }
                if let (Some(c), Some(total)) = (prices, cost.0.as_mut()) {
                    *total += c.storage_per_year(retained_gb);
                }
                cost
            }
        };
        Closed {
            stats: self.stats,
            cost,
            extra,
        }
    }
}

/// Cost a year and per run ($) of a job that pays for its runs (start-up included), and
/// keeps a year of events in the lake, half of it on average over that year. With a
/// measured period, the runs started in it are what its `horizon` costs.
fn runs_cost(
    cost: &CostSpec,
    runs: &[(Ts, Dur)],
    horizon: Dur,
    arrivals: u64,
    period: Option<Period>,
) -> (Option<f64>, Option<f64>) {
    let stored_gb = per_year(arrivals as f64 * BYTES_PER_EVENT, horizon) / 2.0 / 1e9;
    let lengths: Vec<Dur> = (runs.iter())
        .filter(|(start, _)| measured_time(period, *start))
        .map(|&(_, length)| length)
        .collect();
    let total: f64 = lengths.iter().map(|&l| cost.run_cost(l)).sum();
    let per_run = (!lengths.is_empty()).then(|| total / lengths.len() as f64);
    (
        Some(per_year(total, horizon) + cost.storage_per_year(stored_gb)),
        per_run,
    )
}

/// Why served results differ from the truth, one cause per wrong result: what its count
/// lacks or has beyond the truth, and what can explain that.
#[derive(Default)]
struct WrongCauses {
    /// Late firings went to a sink that adds rows up.
    appended: bool,
    /// The model runs with a fault injected.
    faulted: bool,
    drops: u64,
    retries: u64,
    appended_firings: u64,
    faults: u64,
    other: u64,
}

impl WrongCauses {
    /// Files a wrong result: short with events dropped from its cell, over with retried
    /// copies in it or with firings appended, a fault, or none of these.
    fn record(
        &mut self,
        truth: &TruthCell,
        served: &crate::engine::aggregate::Accumulator,
        dropped: u64,
    ) {
        use std::cmp::Ordering::{Greater, Less};
        let cause = match served.count.cmp(&truth.acc.count) {
            Less if dropped > 0 => &mut self.drops,
            Greater if truth.retries > 0 => &mut self.retries,
            Greater if self.appended => &mut self.appended_firings,
            Less | Greater if self.faulted => &mut self.faults,
            _ => &mut self.other,
        };
        *cause += 1;
    }
}

/// The figures every model reports, from what readers saw.
fn figures(
    stats: &ModelStats,
    truth: &[TruthCell],
    arrivals: u64,
    (per_year, per_run): (Option<f64>, Option<f64>),
    faulted: bool,
) -> Vec<(ModelMetric, Option<f64>)> {
    let correctness = stats.table.correctness(truth, None);
    let mut causes = WrongCauses {
        // Rows appended are summed again only when a window fired more than once.
        appended: stats.table.mode() == SinkMode::Append && stats.late > 0,
        faulted,
        ..WrongCauses::default()
    };
    let mut first_delay = SignedHistogram::default();
    let mut final_delay = SignedHistogram::default();
    // Both are ordered by (window, key): walk the truth beside the table.
    let mut truth = truth.iter().peekable();
    for (&(window, key), history) in stats.table.cells() {
        while truth
            .next_if(|c| (c.window, c.key) < (window, key))
            .is_some()
        {}
        let true_cell = truth.next_if(|c| (c.window, c.key) == (window, key));
        if window.end.as_ms() == i64::MAX {
            continue;
        }
        // Only a trace's end fired it: how long it would have waited is not known.
        let end_fired =
            (stats.trace_end.as_ref()).is_some_and(|e| e.cells.contains(&(window, key)));
        if !end_fired && let Some(first) = history.first_visible() {
            first_delay.record((first - window.end).as_ms());
        }
        let right = true_cell
            .zip(history.last())
            .is_some_and(|(t, v)| crate::measure::sink::same_value(&t.acc, &v));
        if let (Some(t), Some(v), false) = (true_cell, history.last(), right) {
            causes.record(t, &v, stats.dropped_in(window, key));
        }
        if right
            && !end_fired
            && let Some(settled) = history.settled_at()
        {
            final_delay.record((settled - window.end).as_ms());
        }
    }
    let q = |h: &SignedHistogram, x: f64| h.quantile(x).map(|v| v as f64);
    vec![
        (ModelMetric::Results, Some(stats.results() as f64)),
        (
            ModelMetric::EndFiredWindows,
            (stats.trace_end.as_ref()).map(|e| e.windows.len() as f64),
        ),
        (ModelMetric::Writes, Some(stats.table.writes() as f64)),
        (ModelMetric::LateFirings, Some(stats.late as f64)),
        (ModelMetric::EarlyFirings, Some(stats.early as f64)),
        (ModelMetric::DroppedLate, Some(stats.dropped as f64)),
        (
            ModelMetric::DroppedLateShare,
            (arrivals > 0).then(|| stats.dropped as f64 / arrivals as f64),
        ),
        (ModelMetric::DroppedLateValue, Some(stats.dropped_value)),
        (
            ModelMetric::CountedEvents,
            Some(stats.table.counted_events() as f64),
        ),
        (ModelMetric::CorrectShare, correctness.correct_share()),
        (ModelMetric::WrongCells, Some(correctness.wrong as f64)),
        (ModelMetric::WrongByDrops, Some(causes.drops as f64)),
        (ModelMetric::WrongByRetries, Some(causes.retries as f64)),
        (
            ModelMetric::WrongByAppendedFirings,
            Some(causes.appended_firings as f64),
        ),
        (ModelMetric::WrongByFaults, Some(causes.faults as f64)),
        (ModelMetric::WrongByOther, Some(causes.other as f64)),
        (
            ModelMetric::OvercountedCells,
            Some(correctness.overcounted as f64),
        ),
        (ModelMetric::MissingCells, Some(correctness.missing as f64)),
        (ModelMetric::SumError, correctness.sum_error),
        (ModelMetric::ResultDelayP50, q(&first_delay, 0.5)),
        (ModelMetric::ResultDelayP99, q(&first_delay, 0.99)),
        (
            ModelMetric::ResultDelayMax,
            first_delay.max().map(|v| v as f64),
        ),
        (ModelMetric::FinalDelayP50, q(&final_delay, 0.5)),
        (ModelMetric::FinalDelayP99, q(&final_delay, 0.99)),
        (
            ModelMetric::EventLatencyP50,
            q(&stats.event_latency_ms, 0.5),
        ),
        (
            ModelMetric::EventLatencyP95,
            q(&stats.event_latency_ms, 0.95),
        ),
        (
            ModelMetric::EventLatencyP99,
            q(&stats.event_latency_ms, 0.99),
        ),
        (
            ModelMetric::EventLatencyMax,
            stats.event_latency_ms.max().map(|v| v as f64),
        ),
        (
            ModelMetric::ArrivalLatencyP50,
            q(&stats.arrival_latency_ms, 0.5),
        ),
        (
            ModelMetric::ArrivalLatencyP99,
            q(&stats.arrival_latency_ms, 0.99),
        ),
        (ModelMetric::StatePeak, Some(stats.state_peak as f64)),
        (ModelMetric::StateMean, stats.state_mean()),
        (
            ModelMetric::StateBytesPeak,
            Some(stats.state_peak as f64 * BYTES_PER_STATE_CELL),
        ),
        (ModelMetric::BacklogPeak, Some(stats.backlog_peak as f64)),
        (ModelMetric::CostPerYear, per_year),
        (ModelMetric::CostPerRun, per_run),
    ]
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::engine::aggregate::Aggregation;
    use crate::engine::query::QuerySpec;
    use crate::engine::window::WindowSpec;
    use crate::input::event::KeyId;
    use crate::input::time::Ts;
    use crate::measure::oracle::Oracle;
    use crate::runner::batch::BatchSpec;
    use crate::runner::micro_batch::{MicroBatchSpec, OutputMode};
    use crate::runner::streaming::StreamingSpec;

    /// One wrong result, one cause: short with drops in its cell; over with retries in it;
    /// over after late firings appended; a fault; else none alone (here equal counts, other
    /// values).
    #[test]
    fn each_wrong_result_is_filed_under_one_cause() {
        use crate::engine::aggregate::Accumulator;
        use crate::engine::window::Window;
        let of = |count: u64| Accumulator {
            count,
            sum: count as f64,
            min: 1.0,
            max: 1.0,
        };
        let truth = |retries| TruthCell {
            window: Window::new(Ts(0), Ts(60_000)),
            key: KeyId(0),
            acc: of(3),
            retries,
        };
        let mut causes = WrongCauses::default();
        causes.record(&truth(0), &of(2), 1);
        causes.record(&truth(1), &of(4), 0);
        causes.record(&truth(0), &of(4), 0);
        let (drops, retries, other) = (causes.drops, causes.retries, causes.other);
        assert_eq!((drops, retries, other), (1, 1, 1));
        causes.appended = true;
        causes.record(&truth(0), &of(5), 0);
        causes.faulted = true;
        causes.record(&truth(0), &of(1), 0);
        let equal_count = Accumulator { sum: 9.0, ..of(3) };
        causes.record(&truth(0), &equal_count, 0);
        assert_eq!(
            (causes.appended_firings, causes.faults, causes.other),
            (1, 1, 2)
        );
    }

    const MAX_DELAY: i64 = 20_000;

    /// All three models, each given more than the largest delay: the batch runs a day after
    /// its period, the micro-batch's and the stream's watermarks wait `MAX_DELAY`.
    fn scenario(window: WindowSpec) -> Scenario {
        let mut s = Scenario::default_scenario();
        // The events below are the whole input, fed by hand: all of it is measured.
        s.measured_period = None;
        s.query = QuerySpec {
            window,
            aggregations: vec![Aggregation::Count, Aggregation::Sum],
        };
        s.batch = Some(BatchSpec::every(Dur::from_hours(1), Dur::from_mins(30)));
        s.plain_micro_batch = None;
        s.micro_batch = Some(MicroBatchSpec::replay(
            Dur::from_secs(10),
            Dur(MAX_DELAY),
            OutputMode::Update,
        ));
        s.streaming = Some(StreamingSpec::with_delay(Dur(MAX_DELAY)));
        s.cost = None;
        s
    }

    fn events() -> impl Strategy<Value = Vec<Event>> {
        proptest::collection::vec((0u32..4, 0i64..1_800_000, 0..=MAX_DELAY, 1u32..100), 1..150)
            .prop_map(|rows| {
                let mut events: Vec<Event> = rows
                    .into_iter()
                    .enumerate()
                    .map(|(i, (key, t, delay, value))| Event {
                        id: i as u64,
                        key: KeyId(key),
                        value: value as f64,
                        event_time: Ts(t),
                        arrival_time: Ts(t + delay),
                        source: 0,
                    })
                    .collect();
                events.sort_by_key(|e| (e.arrival_time, e.id));
                events
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Data that is never later than what each model waits for: batch, micro-batch and
        /// streaming all end with exactly the oracle's table.
        #[test]
        fn never_late_data_makes_every_model_exact(events in events(), sliding in any::<bool>()) {
            let window = if sliding {
                WindowSpec::Sliding { size: Dur::from_mins(10), slide: Dur::from_mins(5), offset: Dur::ZERO }
            } else {
                WindowSpec::Tumbling { size: Dur::from_mins(5), offset: Dur::ZERO }
            };
            let scenario = scenario(window);
            let mut keys = KeyTable::new();
            for k in ["a", "b", "c", "d"] {
                keys.intern(k);
            }
            let mut oracle = Oracle::new(&window);
            let mut models = models_of(&scenario);
            for e in &events {
                oracle.observe(e);
                for m in &mut models {
                    m.on_event(e, &keys);
                }
            }
            let truth = oracle.cells();
            prop_assert_eq!(models.len(), 3);
            for model in models {
                let name = model.name;
                let (figures, _) = model.finish(&truth, events.len() as u64, &scenario, &keys);
                let get = |m| figures.iter().find(|(n, _)| *n == Metric::Model(name, m)).and_then(|(_, v)| *v);
                prop_assert_eq!(get(ModelMetric::CorrectShare), Some(1.0), "{}", name);
                prop_assert_eq!(get(ModelMetric::DroppedLate), Some(0.0), "{}", name);
            }
        }
    }
}
