//! Replications: a scenario run again on independent workloads, so that every figure carries
//! its uncertainty, and models' figures can be told apart by their paired differences.
//!
//! Replication 0 draws its workload from the scenario's own seed, so one replication is the
//! run it always was; replication i ≥ 1 from [`replication_seed`]`(seed, i)`. The
//! replications run in parallel with rayon, and their reports are combined in replication
//! order, so the result is the same at any thread count.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::compose::run::{RunOutput, run_scenario_unless_cancelled};
use crate::compose::scenario::Scenario;
use crate::measure::report::Report;

/// The seed replication `i` draws its workload from: the scenario's own for 0, otherwise
/// SplitMix64's `i`-th output from `seed` (Steele, Lea & Flood 2014), so that neighbouring
/// replications, and neighbouring scenario seeds, get unrelated streams.
pub fn replication_seed(seed: u64, i: u64) -> u64 {
    if i == 0 {
        return seed;
    }
    let mut z = seed.wrapping_add(i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A scenario run over its replications.
#[derive(Debug)]
pub struct Replicated {
    /// The combined report: each metric's mean and spread, the paired differences, the
    /// expectations checked against them (one replication: that run's report).
    pub report: Report,
    /// The first replication whole (its truth, models and series, for charts and views).
    pub first: RunOutput,
    /// The other replications whole, when [`Keep::All`] asked for them (the app's bands).
    pub others: Vec<RunOutput>,
}

/// Which replications a run keeps whole, beside every one's report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// The first only: the others' models would hold n times the memory.
    First,
    /// All of them, for plots of their spread.
    All,
}

/// Runs `scenario` over its `replications` (at least one); `progress` hears the share done.
pub fn run_replicated(scenario: &Scenario, progress: &(dyn Fn(f64) + Sync)) -> Replicated {
    run_replicated_unless_cancelled(scenario, Keep::First, &|done| {
        progress(done);
        true
    })
    .expect("never cancelled")
}

/// Like [`run_replicated`], keeping `keep`; stops (returning `None`) once `progress`
/// returns false.
pub fn run_replicated_unless_cancelled(
    scenario: &Scenario,
    keep: Keep,
    progress: &(dyn Fn(f64) -> bool + Sync),
) -> Option<Replicated> {
    let n = scenario.replications.max(1);
    if n == 1 {
        let first = run_scenario_unless_cancelled(scenario, &mut |done| progress(done))?;
        return Some(Replicated {
            report: first.report.clone(),
            first,
            others: Vec::new(),
        });
    }
    let done = AtomicUsize::new(0);
    // Once cancelled, the replications running stop too.
    let cancelled = AtomicBool::new(false);
    let runs: Vec<(Report, Option<RunOutput>)> = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut replication = scenario.clone();
            replication.seed = replication_seed(scenario.seed, i as u64);
            let output = run_scenario_unless_cancelled(&replication, &mut |_| {
                !cancelled.load(Ordering::Relaxed)
            })?;
            let share = (done.fetch_add(1, Ordering::Relaxed) + 1) as f64 / n as f64;
            if !progress(share) {
                cancelled.store(true, Ordering::Relaxed);
                return None;
            }
            let report = output.report.clone();
            Some((report, (i == 0 || keep == Keep::All).then_some(output)))
        })
        .collect::<Option<_>>()?;
    let (reports, mut kept): (Vec<Report>, Vec<Option<RunOutput>>) = runs.into_iter().unzip();
    let first = kept[0].take().expect("replication 0 is kept");
    Some(Replicated {
        report: Report::replicated(&reports, &scenario.expect),
        first,
        others: kept.into_iter().flatten().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replication_seeds_are_the_scenarios_own_then_splitmix64() {
        assert_eq!(replication_seed(17, 0), 17);
        // SplitMix64 from state 0: its first output is the published 0xE220A8397B1DCDAF.
        assert_eq!(replication_seed(0, 1), 0xE220_A839_7B1D_CDAF);
        let seeds: std::collections::BTreeSet<u64> =
            (0..1_000).map(|i| replication_seed(17, i)).collect();
        assert_eq!(seeds.len(), 1_000, "all different");
    }

    #[test]
    fn replications_give_the_same_report_at_any_thread_count() {
        let mut scenario = Scenario::default_scenario();
        scenario.workload.duration = crate::input::time::Dur::from_hours(3);
        scenario.expect.clear();
        scenario.replications = 4;
        let on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| run_replicated(&scenario, &|_| {}).report)
        };
        let one = on(1);
        assert_eq!(one.replications, 4);
        assert!(!one.differences.is_empty());
        assert_eq!(one, on(3));
        let json = |r: &Report| r.render(crate::measure::report::Format::Json);
        assert_eq!(json(&one), json(&on(2)));
    }

    #[test]
    fn one_replication_is_the_plain_run() {
        use crate::compose::run::run_scenario;
        let scenario = Scenario::default_scenario();
        let plain = run_scenario(&scenario, &mut |_| {}).report;
        assert_eq!(run_replicated(&scenario, &|_| {}).report, plain);
    }
}
