//! `Scenario -> Report`: the one call the CLI and the GUI both make.

use std::sync::Arc;
use std::sync::mpsc::sync_channel;

use rayon::prelude::*;

use crate::compose::models::{Outcome, Running, models_of};
use crate::compose::scenario::Scenario;
use crate::input::event::{Event, KeyTable};
use crate::input::workload::Arrivals;
use crate::measure::catalogue::{Metric, ScenarioMetric};
use crate::measure::metrics::WorkloadStats;
use crate::measure::oracle::{Oracle, TruthCell};
use crate::measure::report::Report;

/// Everything a run produces.
#[derive(Debug)]
pub struct RunOutput {
    /// The metrics and checked expectations.
    pub report: Report,
    /// The exact result per (window, key), ordered by window then key.
    pub truth: Vec<TruthCell>,
    /// Names of the keys in `truth`.
    pub keys: KeyTable,
    /// What each model produced, in report column order.
    pub models: Vec<Outcome>,
}

/// Events generated ahead and handed to every consumer at once: large enough that the
/// hand-over costs nothing, small enough to stay in cache.
const CHUNK: usize = 1 << 13;

/// Chunks a consumer may lag behind the generator (bounds the memory in flight).
const CHUNKS_IN_FLIGHT: usize = 4;

/// Runs `scenario`, calling `progress` with the share done (0..1) now and then.
pub fn run_scenario(scenario: &Scenario, progress: &mut dyn FnMut(f64)) -> RunOutput {
    run_scenario_unless_cancelled(scenario, &mut |done| {
        progress(done);
        true
    })
    .expect("never cancelled")
}

/// What takes the arrival stream: the truth (workload statistics and the oracle), or one
/// model.
enum Consumer {
    Truth(Box<(WorkloadStats, Oracle)>),
    Model(Box<Running>),
}

impl Consumer {
    fn name(&self) -> &'static str {
        match self {
            Consumer::Truth(_) => "truth",
            Consumer::Model(model) => model.name().name(),
        }
    }

    fn take(&mut self, chunk: &[Event], keys: &KeyTable) {
        match self {
            Consumer::Truth(truth) => {
                let (stats, oracle) = &mut **truth;
                for event in chunk {
                    stats.observe(event);
                    oracle.observe(event);
                }
            }
            Consumer::Model(model) => {
                for event in chunk {
                    model.on_event(event, keys);
                }
            }
        }
    }
}

/// Like [`run_scenario`], but stops (returning `None`) as soon as `progress` returns false.
///
/// One pass over one arrival stream: this thread generates it chunk by chunk, and the
/// truth and every model each take every chunk, in order, on a thread of their own. Each
/// sees every event in arrival order, so the result is the same however the threads run.
pub fn run_scenario_unless_cancelled(
    scenario: &Scenario,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Option<RunOutput> {
    // With a measured period, the workload runs before and after it too.
    let mut generator = Arrivals::new(&scenario.run_workload(), scenario.seed);
    // Keys are all interned when the generator is made.
    let keys = generator.keys().clone();
    let period = scenario.run_span().map(|s| s.period);
    let truth = Consumer::Truth(Box::new((
        WorkloadStats::new(scenario.query.window.length()).measuring(period),
        Oracle::new(&scenario.query.window).measuring(period),
    )));
    let consumers = std::iter::once(truth)
        .chain(
            models_of(scenario)
                .into_iter()
                .map(|m| Consumer::Model(Box::new(m))),
        )
        .collect();
    let mut consumers = fan_out(consumers, &keys, &mut generator, progress)?.into_iter();
    let Some(Consumer::Truth(truth)) = consumers.next() else {
        unreachable!("the truth comes first");
    };
    let (mut stats, oracle) = *truth;
    stats.delay_ms.settle();
    let models: Vec<Running> = consumers
        .map(|c| match c {
            Consumer::Model(m) => *m,
            Consumer::Truth(_) => unreachable!("one truth"),
        })
        .collect();
    progress(1.0);
    let truth = oracle.cells();
    let mut values = figures(&stats, &oracle, &truth);
    let finished: Vec<_> = models
        .into_par_iter()
        .map(|model| model.finish(&truth, stats.events, scenario, &keys))
        .collect();
    let mut outcomes = Vec::new();
    for (figures, outcome) in finished {
        values.extend(figures);
        outcomes.push(outcome);
    }
    let report = Report::new(
        &scenario.name,
        &scenario.description,
        scenario.seed,
        &scenario.expect,
        &values,
    );
    Some(RunOutput {
        report,
        truth,
        keys,
        models: outcomes,
    })
}

/// Generates the arrival stream and hands each chunk to every consumer, each on a thread of
/// its own; returns the consumers once all is taken, or `None` when `progress` cancels.
fn fan_out(
    consumers: Vec<Consumer>,
    keys: &KeyTable,
    generator: &mut Arrivals,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Option<Vec<Consumer>> {
    std::thread::scope(|scope| {
        let (senders, threads): (Vec<_>, Vec<_>) = consumers
            .into_iter()
            .map(|mut consumer| {
                let (send, receive) = sync_channel::<Arc<Vec<Event>>>(CHUNKS_IN_FLIGHT);
                // Named for profilers: `perf report --sort comm` splits the time by consumer.
                let thread = std::thread::Builder::new()
                    .name(consumer.name().to_owned())
                    .spawn_scoped(scope, move || {
                        for chunk in receive {
                            consumer.take(&chunk, keys);
                        }
                        consumer
                    })
                    .expect("a thread can be started");
                (send, thread)
            })
            .unzip();
        let mut cancelled = false;
        loop {
            // Arc<Vec>, not Arc<[Event]>: the chunk is shared where it was filled, not copied.
            let chunk = Arc::new(next_chunk(generator));
            // A send fails only when a consumer has panicked: the join below passes it on.
            if chunk.is_empty() || senders.iter().any(|s| s.send(chunk.clone()).is_err()) {
                break;
            }
            if !progress(generator.progress()) {
                cancelled = true;
                break;
            }
        }
        drop(senders);
        let consumers: Vec<Consumer> = threads
            .into_iter()
            .map(|t| {
                t.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect();
        (!cancelled).then_some(consumers)
    })
}

/// The next events in arrival order (none at the end).
fn next_chunk(generator: &mut Arrivals) -> Vec<Event> {
    generator.by_ref().take(CHUNK).collect()
}

/// The workload's and the truth's metric values.
fn figures(
    stats: &WorkloadStats,
    oracle: &Oracle,
    truth: &[TruthCell],
) -> Vec<(Metric, Option<f64>)> {
    use ScenarioMetric as S;
    let delay = &stats.delay_ms;
    let q = |x: f64| delay.quantile(x).map(|v| v as f64);
    let share = |n: u64| (stats.events > 0).then(|| n as f64 / stats.events as f64);
    let time = |t: Option<crate::input::time::Ts>| t.map(|t| t.as_ms() as f64);
    let mut windows: Vec<_> = truth.iter().map(|c| c.window).collect();
    windows.dedup();
    let any = !truth.is_empty();
    vec![
        (S::Events, Some(stats.events as f64)),
        (S::UniqueEvents, Some(oracle.unique_events() as f64)),
        (S::Duplicates, Some(oracle.duplicates() as f64)),
        (S::Keys, Some(stats.keys() as f64)),
        (S::DelayP50, q(0.5)),
        (S::DelayP95, q(0.95)),
        (S::DelayP99, q(0.99)),
        (S::DelayMax, delay.max().map(|v| v as f64)),
        (S::LateShare, share(stats.later_than_window)),
        (S::ClockAheadShare, share(delay.below_zero())),
        (S::FirstEventTime, time(stats.first_event)),
        (S::LastEventTime, time(stats.last_event)),
        (S::LastArrivalTime, time(stats.last_arrival)),
        (S::Windows, Some(windows.len() as f64)),
        (S::Cells, Some(truth.len() as f64)),
        (
            S::CountTotal,
            Some(truth.iter().map(|c| c.acc.count).sum::<u64>() as f64),
        ),
        (S::SumTotal, Some(truth.iter().map(|c| c.acc.sum).sum())),
        (
            S::LargestCell,
            any.then(|| truth.iter().map(|c| c.acc.count).max().unwrap_or(0) as f64),
        ),
        (
            S::ValueMin,
            any.then(|| {
                truth
                    .iter()
                    .map(|c| c.acc.min)
                    .fold(f64::INFINITY, f64::min)
            }),
        ),
        (
            S::ValueMax,
            any.then(|| {
                truth
                    .iter()
                    .map(|c| c.acc.max)
                    .fold(f64::NEG_INFINITY, f64::max)
            }),
        ),
    ]
    .into_iter()
    .map(|(metric, value)| (Metric::Scenario(metric), value))
    .collect()
}
