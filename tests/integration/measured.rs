//! The measured period inside continuing traffic: a day measured alone or as one of three
//! gives the same figures per day, within their intervals.

use tidemark::compose::scenario::Scenario;
use tidemark::experiment::run_replicated;
use tidemark::measure::catalogue::{Metric, Model, ModelMetric};
use tidemark::measure::interval::Spread;

/// Constant orders, 10-minute windows, Flink with a 1-minute bound and Spark with 5-minute
/// triggers, measured over `hours` inside traffic before and after, 8 replications.
fn constant(hours: u32) -> Scenario {
    let text = format!(
        r#"Scenario(
    name: "constant_{hours}h",
    seed: 5,
    replications: 8,
    measured_period: (),
    workload: (
        start: "2026-03-17T00:00:00Z",
        duration: "{hours}h",
        sources: [(
            name: "orders",
            rate: Constant(per_minute: 20.0),
            keys: (count: 5, prefix: "store-"),
            delay: LogNormal(median: "2s", p99: "90s"),
            offline: (share: 0.002, min: "10m", max: "2h"),
        )],
    ),
    query: (window: Tumbling(size: "10m"), aggregations: [Count]),
    streaming: (watermark_delay: "1m"),
    micro_batch: (trigger: ProcessingTime("5m"), watermark_delay: "2m", output_mode: Append),
)"#
    );
    Scenario::from_ron(&text, "constant.ron").unwrap()
}

#[test]
fn a_day_measured_alone_or_among_three_gives_the_same_figures_within_their_intervals() {
    let (day, three) = (
        run_replicated(&constant(24), &|_| {}).report,
        run_replicated(&constant(72), &|_| {}).report,
    );
    let spread = |r: &tidemark::measure::report::Report, metric| -> Spread {
        *r.spread(metric)
            .unwrap_or_else(|| panic!("{metric} has a spread"))
    };
    for model in [Model::Streaming, Model::MicroBatch] {
        for metric in [
            ModelMetric::CorrectShare,
            ModelMetric::DroppedLateShare,
            ModelMetric::EventLatencyP50,
            ModelMetric::EventLatencyP99,
            ModelMetric::ResultDelayP50,
        ] {
            let metric = Metric::Model(model, metric);
            let (a, b) = (spread(&day, metric), spread(&three, metric));
            let apart = (a.mean - b.mean).abs();
            let reach = a.half_width.unwrap() + b.half_width.unwrap();
            assert!(
                apart <= reach,
                "{metric}: a day {} ± {:?}, three days {} ± {:?}",
                a.mean,
                a.half_width,
                b.mean,
                b.half_width
            );
        }
    }
    // Events per day agree too: the three days hold three times the day's.
    let events = Metric::Scenario(tidemark::measure::catalogue::ScenarioMetric::Events);
    let per_day = spread(&three, events).mean / 3.0;
    let one = spread(&day, events);
    assert!((per_day - one.mean).abs() <= 3.0 * one.half_width.unwrap().max(1.0));
}
