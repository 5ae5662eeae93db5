//! The processing models a scenario compares, driven side by side over one arrival stream,
//! and the figures each one reports against the truth.

use crate::cost::{CostSpec, per_year};
use crate::engine::FiringMode;
use crate::event::{Event, KeyTable};
use crate::metrics::ModelStats;
use crate::oracle::TruthCell;
use crate::runner::batch::{ScheduledRunner, SinkMode};
use crate::runner::micro_batch::{MicroBatchRunner, Trigger};
use crate::runner::streaming::StreamingRunner;
use crate::scenario::Scenario;
use crate::time::Dur;

/// Bytes one (window, key) state entry takes, for the state-size estimate: key and window
/// (24 B), the accumulator (32 B), and the state store's overhead per entry.
pub const BYTES_PER_STATE_CELL: f64 = 96.0;

/// Bytes one event takes in the lake (a Parquet row of id, key, value and two timestamps,
/// compressed), for storage cost.
pub const BYTES_PER_EVENT: f64 = 40.0;

/// A runner of any model.
enum Runner {
    Scheduled(Box<ScheduledRunner>),
    MicroBatch(Box<MicroBatchRunner>),
    Streaming(Box<StreamingRunner>),
}

/// What one model produced, for charts and for the app.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The model's report name.
    pub name: &'static str,
    /// Its serving table, counts and distributions.
    pub stats: ModelStats,
    /// What it costs a year, when the scenario has prices.
    pub cost_per_year: Option<f64>,
}

/// One model being run: its report name, its runner and what it produced so far.
pub struct Running {
    name: &'static str,
    runner: Runner,
    stats: ModelStats,
}

/// The models `scenario` runs, in report column order.
pub fn models_of(scenario: &Scenario) -> Vec<Running> {
    let query = &scenario.query;
    let window = query.window;
    let stride = latency_stride(scenario.workload.expected_events());
    let mut models = Vec::new();
    if let Some(spec) = &scenario.batch {
        models.push(Running {
            name: "batch",
            runner: Runner::Scheduled(Box::new(ScheduledRunner::batch(spec, query))),
            stats: ModelStats::new(spec.sink, window, stride),
        });
    }
    if let Some(spec) = &scenario.plain_micro_batch {
        models.push(Running {
            name: "plain_micro_batch",
            runner: Runner::Scheduled(Box::new(ScheduledRunner::plain_micro_batch(spec, query))),
            stats: ModelStats::new(SinkMode::Upsert, window, stride),
        });
    }
    if let Some(spec) = &scenario.micro_batch {
        let streams = scenario.workload.sources.len();
        models.push(Running {
            name: "micro_batch",
            runner: Runner::MicroBatch(Box::new(MicroBatchRunner::new(spec, query, streams))),
            stats: ModelStats::new(SinkMode::Upsert, window, stride),
        });
    }
    if let Some(spec) = &scenario.streaming {
        // Discarding firings carry only what is new: the sink adds them up.
        let sink = match spec.firing_mode {
            FiringMode::Accumulating => SinkMode::Upsert,
            FiringMode::Discarding => SinkMode::Append,
        };
        models.push(Running {
            name: "streaming",
            runner: Runner::Streaming(Box::new(StreamingRunner::new(spec, query))),
            stats: ModelStats::new(sink, window, stride),
        });
    }
    models
}

/// Events followed for latency: all of them up to a million, then every N-th id (N a power
/// of two) so that about a million are.
fn latency_stride(expected_events: f64) -> u64 {
    ((expected_events / 1e6).max(1.0).ceil() as u64).next_power_of_two()
}

impl Running {
    /// The next event in arrival order.
    pub fn on_event(&mut self, event: &Event, keys: &KeyTable) {
        self.stats.input(event);
        match &mut self.runner {
            Runner::Scheduled(r) => r.on_event(event, &mut self.stats),
            Runner::MicroBatch(r) => r.on_event(event, &mut self.stats),
            Runner::Streaming(r) => r.on_event(event, keys, &mut self.stats),
        }
    }

    /// The end of the input: the model's figures, named `<model>.<metric>`, and what it
    /// produced.
    pub fn finish(
        mut self,
        truth: &[TruthCell],
        arrivals: u64,
        scenario: &Scenario,
    ) -> (Vec<(String, Option<f64>)>, Outcome) {
        match &mut self.runner {
            Runner::Scheduled(r) => r.finish(&mut self.stats),
            Runner::MicroBatch(r) => r.finish(&mut self.stats),
            Runner::Streaming(r) => r.finish(&mut self.stats),
        }
        let (per_year, per_run) = match &scenario.cost {
            Some(cost) => self.cost(cost, scenario.workload.duration, arrivals),
            None => (None, None),
        };
        let stats = &self.stats;
        let correctness = stats.table.correctness(truth, None);
        let mut first_delay = crate::metrics::SignedHistogram::default();
        let mut final_delay = crate::metrics::SignedHistogram::default();
        let mut truth_at = truth
            .iter()
            .map(|c| ((c.window, c.key), c.acc))
            .collect::<std::collections::BTreeMap<_, _>>();
        for (&(window, key), history) in stats.table.cells() {
            if window.end.as_ms() == i64::MAX {
                continue;
            }
            if let Some(first) = history.first_visible() {
                first_delay.record((first - window.end).as_ms());
            }
            let right = truth_at
                .remove(&(window, key))
                .zip(history.last())
                .is_some_and(|(t, v)| crate::sink::same_value(&t, &v));
            if right && let Some(settled) = history.settled_at() {
                final_delay.record((settled - window.end).as_ms());
            }
        }
        let q = |h: &crate::metrics::SignedHistogram, x: f64| h.quantile(x).map(|v| v as f64);
        let figures = [
            ("results", Some(stats.results() as f64)),
            ("writes", Some(stats.table.writes() as f64)),
            ("late_firings", Some(stats.late as f64)),
            ("early_firings", Some(stats.early as f64)),
            ("dropped_late", Some(stats.dropped as f64)),
            (
                "dropped_late_share",
                (arrivals > 0).then(|| stats.dropped as f64 / arrivals as f64),
            ),
            ("dropped_late_value", Some(stats.dropped_value)),
            ("correct_share", correctness.correct_share()),
            ("wrong_cells", Some(correctness.wrong as f64)),
            ("overcounted_cells", Some(correctness.overcounted as f64)),
            ("missing_cells", Some(correctness.missing as f64)),
            ("sum_error", correctness.sum_error),
            ("result_delay_p50", q(&first_delay, 0.5)),
            ("result_delay_p99", q(&first_delay, 0.99)),
            ("result_delay_max", first_delay.max().map(|v| v as f64)),
            ("final_delay_p50", q(&final_delay, 0.5)),
            ("final_delay_p99", q(&final_delay, 0.99)),
            ("event_latency_p50", q(&stats.event_latency_ms, 0.5)),
            ("event_latency_p95", q(&stats.event_latency_ms, 0.95)),
            ("event_latency_p99", q(&stats.event_latency_ms, 0.99)),
            (
                "event_latency_max",
                stats.event_latency_ms.max().map(|v| v as f64),
            ),
            ("arrival_latency_p50", q(&stats.arrival_latency_ms, 0.5)),
            ("arrival_latency_p99", q(&stats.arrival_latency_ms, 0.99)),
            ("state_peak", Some(stats.state_peak as f64)),
            ("state_mean", stats.state_mean()),
            (
                "state_bytes_peak",
                Some(stats.state_peak as f64 * BYTES_PER_STATE_CELL),
            ),
            ("backlog_peak", Some(stats.backlog_peak as f64)),
            ("cost_per_year", per_year),
            ("cost_per_run", per_run),
        ];
        let named = figures
            .into_iter()
            .map(|(metric, value)| (format!("{}.{metric}", self.name), value))
            .collect();
        let outcome = Outcome {
            name: self.name,
            stats: self.stats,
            cost_per_year: per_year,
        };
        (named, outcome)
    }

    /// Cost a year and per run ($): scheduled jobs pay for their runs (start-up included);
    /// processing-time micro-batches and streaming jobs run always on.
    fn cost(&self, cost: &CostSpec, horizon: Dur, arrivals: u64) -> (Option<f64>, Option<f64>) {
        // Storage: a stateful job keeps its peak state; a job over the lake keeps the events,
        // a year of them at the observed rate, half of it on average over that year.
        let stored_gb = match &self.runner {
            Runner::Scheduled(_) => {
                per_year(arrivals as f64 * BYTES_PER_EVENT, horizon) / 2.0 / 1e9
            }
            _ => self.stats.state_peak as f64 * BYTES_PER_STATE_CELL / 1e9,
        };
        let storage = cost.storage_per_year(stored_gb);
        let runs = match &self.runner {
            Runner::Scheduled(r) => Some(r.run_lengths()),
            Runner::MicroBatch(r) if matches!(r.trigger(), Trigger::AvailableNow { .. }) => {
                Some(r.batch_lengths())
            }
            _ => None,
        };
        match runs {
            Some(lengths) => {
                let total: f64 = lengths.iter().map(|&l| cost.run_cost(l)).sum();
                let per_run = (!lengths.is_empty()).then(|| total / lengths.len() as f64);
                (Some(per_year(total, horizon) + storage), per_run)
            }
            None => (Some(cost.always_on_per_year() + storage), None),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::aggregate::Aggregation;
    use crate::event::KeyId;
    use crate::oracle::Oracle;
    use crate::query::QuerySpec;
    use crate::runner::batch::BatchSpec;
    use crate::runner::micro_batch::{MicroBatchSpec, OutputMode};
    use crate::runner::streaming::StreamingSpec;
    use crate::time::Ts;
    use crate::window::WindowSpec;

    const MAX_DELAY: i64 = 20_000;

    /// All three models, each given more than the largest delay: the batch runs a day after
    /// its period, the micro-batch's and the stream's watermarks wait `MAX_DELAY`.
    fn scenario(window: WindowSpec) -> Scenario {
        let mut s = Scenario::default_scenario();
        s.query = QuerySpec {
            window,
            aggregations: vec![Aggregation::Count, Aggregation::Sum],
        };
        s.batch = Some(BatchSpec {
            every: Dur::from_hours(1),
            at: Dur::from_mins(30),
            corrections: vec![],
            startup: Dur::ZERO,
            capacity_per_second: None,
            sink: SinkMode::Upsert,
            dedupe: true,
            window_from_now: false,
            sink_delay: Dur::ZERO,
            backfill: None,
        });
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
                let (figures, _) = model.finish(&truth, events.len() as u64, &scenario);
                let get = |m: &str| figures.iter().find(|(n, _)| n == &format!("{name}.{m}")).and_then(|(_, v)| *v);
                prop_assert_eq!(get("correct_share"), Some(1.0), "{}", name);
                prop_assert_eq!(get("dropped_late"), Some(0.0), "{}", name);
            }
        }
    }
}
