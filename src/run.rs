//! `Scenario -> Report`: the one call the CLI and the GUI both make.

use rayon::prelude::*;

use crate::event::{Event, KeyTable};
use crate::metrics::WorkloadStats;
use crate::models::{Outcome, Running, models_of};
use crate::oracle::{Oracle, TruthCell};
use crate::report::Report;
use crate::scenario::Scenario;
use crate::workload::Generator;

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

/// Events generated ahead and handed to every model at once: large enough that the
/// hand-over costs nothing, small enough to stay in cache.
const CHUNK: usize = 1 << 13;

/// Runs `scenario`, calling `progress` with the share done (0..1) now and then.
pub fn run_scenario(scenario: &Scenario, progress: &mut dyn FnMut(f64)) -> RunOutput {
    run_scenario_unless_cancelled(scenario, &mut |done| {
        progress(done);
        true
    })
    .expect("never cancelled")
}

/// Like [`run_scenario`], but stops (returning `None`) as soon as `progress` returns false.
///
/// One pass over one arrival stream: the generator fills the next chunk while the workload
/// statistics, the oracle and every model each take the current one on a thread of rayon's
/// pool. Each consumer sees every event in arrival order, so the result is the same at any
/// thread count.
pub fn run_scenario_unless_cancelled(
    scenario: &Scenario,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Option<RunOutput> {
    let mut generator = Generator::new(&scenario.workload, scenario.seed);
    // Keys are all interned when the generator is made.
    let keys = generator.keys().clone();
    let mut stats = WorkloadStats::new(scenario.query.window.length());
    let mut oracle = Oracle::new(&scenario.query.window);
    let mut models: Vec<Running> = models_of(scenario);
    let mut chunk = next_chunk(&mut generator);
    while !chunk.is_empty() {
        let (next, ()) = rayon::join(
            || next_chunk(&mut generator),
            || {
                rayon::join(
                    || {
                        for event in &chunk {
                            stats.observe(event);
                            oracle.observe(event);
                        }
                    },
                    || {
                        models.par_iter_mut().for_each(|model| {
                            for event in &chunk {
                                model.on_event(event, &keys);
                            }
                        })
                    },
                );
            },
        );
        chunk = next;
        if !progress(generator.progress()) {
            return None;
        }
    }
    progress(1.0);
    let truth = oracle.cells();
    let mut values = figures(&stats, &oracle, &truth);
    let mut outcomes = Vec::new();
    for model in models {
        let (figures, outcome) = model.finish(&truth, stats.events, scenario, &keys);
        values.extend(figures);
        outcomes.push(outcome);
    }
    let report = Report::new(scenario, &values);
    Some(RunOutput {
        report,
        truth,
        keys,
        models: outcomes,
    })
}

/// The next events in arrival order (none at the end).
fn next_chunk(generator: &mut Generator) -> Vec<Event> {
    generator.by_ref().take(CHUNK).collect()
}

/// The report's metric values, by name.
fn figures(
    stats: &WorkloadStats,
    oracle: &Oracle,
    truth: &[TruthCell],
) -> Vec<(String, Option<f64>)> {
    let delay = &stats.delay_ms;
    let q = |x: f64| delay.quantile(x).map(|v| v as f64);
    let share = |n: u64| (stats.events > 0).then(|| n as f64 / stats.events as f64);
    let time = |t: Option<crate::time::Ts>| t.map(|t| t.as_ms() as f64);
    let mut windows: Vec<_> = truth.iter().map(|c| c.window).collect();
    windows.dedup();
    let any = !truth.is_empty();
    vec![
        ("workload.events", Some(stats.events as f64)),
        (
            "workload.unique_events",
            Some(oracle.unique_events() as f64),
        ),
        ("workload.duplicates", Some(oracle.duplicates() as f64)),
        ("workload.keys", Some(stats.keys() as f64)),
        ("workload.delay_p50", q(0.5)),
        ("workload.delay_p95", q(0.95)),
        ("workload.delay_p99", q(0.99)),
        ("workload.delay_max", delay.max().map(|v| v as f64)),
        ("workload.late_share", share(stats.later_than_window)),
        ("workload.clock_ahead_share", share(delay.below_zero())),
        ("workload.first_event_time", time(stats.first_event)),
        ("workload.last_event_time", time(stats.last_event)),
        ("workload.last_arrival_time", time(stats.last_arrival)),
        ("oracle.windows", Some(windows.len() as f64)),
        ("oracle.cells", Some(truth.len() as f64)),
        (
            "oracle.count_total",
            Some(truth.iter().map(|c| c.acc.count).sum::<u64>() as f64),
        ),
        (
            "oracle.sum_total",
            Some(truth.iter().map(|c| c.acc.sum).sum()),
        ),
        (
            "oracle.largest_cell",
            any.then(|| truth.iter().map(|c| c.acc.count).max().unwrap_or(0) as f64),
        ),
        (
            "oracle.value_min",
            any.then(|| {
                truth
                    .iter()
                    .map(|c| c.acc.min)
                    .fold(f64::INFINITY, f64::min)
            }),
        ),
        (
            "oracle.value_max",
            any.then(|| {
                truth
                    .iter()
                    .map(|c| c.acc.max)
                    .fold(f64::NEG_INFINITY, f64::max)
            }),
        ),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect()
}
