//! `Scenario -> Report`: the one call the CLI and the GUI both make.

use crate::event::KeyTable;
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

/// How many events pass between two progress reports.
const PROGRESS_EVERY: u64 = 1 << 16;

/// Runs `scenario`, calling `progress` with the share done (0..1) now and then.
pub fn run_scenario(scenario: &Scenario, progress: &mut dyn FnMut(f64)) -> RunOutput {
    run_scenario_unless_cancelled(scenario, &mut |done| {
        progress(done);
        true
    })
    .expect("never cancelled")
}

/// Like [`run_scenario`], but stops (returning `None`) as soon as `progress` returns false.
pub fn run_scenario_unless_cancelled(
    scenario: &Scenario,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Option<RunOutput> {
    let mut generator = Generator::new(&scenario.workload, scenario.seed);
    let mut stats = WorkloadStats::new(scenario.query.window.length());
    let mut oracle = Oracle::new(&scenario.query.window);
    let mut models: Vec<Running> = models_of(scenario);
    while let Some(event) = generator.next() {
        stats.observe(&event);
        oracle.observe(&event);
        for model in &mut models {
            model.on_event(&event, generator.keys());
        }
        if stats.events.is_multiple_of(PROGRESS_EVERY) && !progress(generator.progress()) {
            return None;
        }
    }
    progress(1.0);
    let truth = oracle.cells();
    let mut values = figures(&stats, &oracle, &truth);
    let mut outcomes = Vec::new();
    for model in models {
        let (figures, outcome) = model.finish(&truth, stats.events, scenario, generator.keys());
        values.extend(figures);
        outcomes.push(outcome);
    }
    let report = Report::new(scenario, &values);
    Some(RunOutput {
        report,
        truth,
        keys: generator.keys().clone(),
        models: outcomes,
    })
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
