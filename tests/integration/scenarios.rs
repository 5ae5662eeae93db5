//! Every shipped scenario validates, runs, and meets its own expectations.

use tidemark::compose::scenario::Scenario;
use tidemark::experiment::run_replicated;
use tidemark::measure::catalogue::{Metric, ScenarioMetric};

use crate::scenarios_dir;

/// Scenarios larger than this run in release builds only.
const DEBUG_EVENTS_LIMIT: f64 = 5e6;

#[test]
fn every_shipped_scenario_meets_its_expectations() {
    let mut files: Vec<_> = std::fs::read_dir(scenarios_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    files.sort();
    assert!(files.len() >= 2);
    for file in files {
        let scenario = Scenario::from_file(&file).unwrap_or_else(|e| panic!("{e}"));
        if cfg!(debug_assertions) && scenario.workload.expected_events() > DEBUG_EVENTS_LIMIT {
            // A production-scale day takes minutes unoptimised: .ci/run runs it in release.
            eprintln!("{}: skipped in a debug build", file.display());
            continue;
        }
        // Over the scenario's replications, as `tidemark run` runs it.
        let replicated = run_replicated(&scenario, &|_| {});
        let output = &replicated.first;
        let ran: Vec<_> = output.models.iter().map(|m| m.name).collect();
        assert_eq!(ran, scenario.models_run(), "{}", file.display());
        let report = &replicated.report;
        let failed: Vec<_> = report.expectations.iter().filter(|e| !e.passed).collect();
        assert!(failed.is_empty(), "{}: {failed:?}", file.display());
        let unique = report
            .get(Metric::Scenario(ScenarioMetric::UniqueEvents))
            .unwrap();
        let events = report
            .get(Metric::Scenario(ScenarioMetric::Events))
            .unwrap();
        let duplicates = report
            .get(Metric::Scenario(ScenarioMetric::Duplicates))
            .unwrap();
        // Means over replications: equal up to rounding.
        assert!(
            (unique + duplicates - events).abs() <= 1e-9 * events,
            "every arrival is an original or a retry"
        );
    }
}
