//! Parameter sweeps, run in parallel with rayon. Each point is its own scenario run with the
//! scenario's seed, and rayon's `collect` keeps input order, so the result is the same at any
//! thread count.

use rayon::prelude::*;

use crate::run::run_scenario;
use crate::runner::streaming::StreamingSpec;
use crate::scenario::Scenario;
use crate::time::Dur;

/// One point of the watermark trade-off curve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweepPoint {
    /// The watermark delay tried.
    pub watermark_delay: Dur,
    /// Share of arrivals dropped as late.
    pub dropped_share: f64,
    /// Share of (window, key) results right at the end.
    pub correct_share: f64,
    /// Window end to first result, median (ms).
    pub result_delay_p50_ms: f64,
    /// Event time to visible, 99th percentile (ms).
    pub event_latency_p99_ms: f64,
}

/// The delays the instructor's curve tries by default.
pub fn default_delays() -> Vec<Dur> {
    [0, 30, 60, 120, 300, 600, 1_200, 1_800, 3_600]
        .into_iter()
        .map(Dur::from_secs)
        .collect()
}

/// The streaming model of `scenario` (Flink's defaults with the scenario's query when it has
/// none) at each watermark delay: dropped-late share and correctness against latency.
pub fn sweep_watermark_delay(scenario: &Scenario, delays: &[Dur]) -> Vec<SweepPoint> {
    let base = scenario
        .streaming
        .clone()
        .unwrap_or_else(|| StreamingSpec::with_delay(Dur::ZERO));
    delays
        .par_iter()
        .map(|&delay| {
            let mut point = scenario.clone();
            point.batch = None;
            point.plain_micro_batch = None;
            point.micro_batch = None;
            point.expect.clear();
            point.streaming = Some(StreamingSpec {
                watermark_delay: delay,
                ..base.clone()
            });
            let report = run_scenario(&point, &mut |_| {}).report;
            let get = |m: &str| report.get(&format!("streaming.{m}")).unwrap_or(f64::NAN);
            SweepPoint {
                watermark_delay: delay,
                dropped_share: get("dropped_late_share"),
                correct_share: get("correct_share"),
                result_delay_p50_ms: get("result_delay_p50"),
                event_latency_p99_ms: get("event_latency_p99"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_longer_watermark_drops_less_and_waits_longer_at_any_thread_count() {
        let scenario = Scenario::default_scenario();
        let delays = [Dur::ZERO, Dur::from_mins(10), Dur::from_hours(2)];
        let points = sweep_watermark_delay(&scenario, &delays);
        assert!(points[0].dropped_share > points[1].dropped_share);
        assert!(points[1].dropped_share >= points[2].dropped_share);
        assert!(points[0].result_delay_p50_ms < points[2].result_delay_p50_ms);
        let one_thread = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let again = one_thread.install(|| sweep_watermark_delay(&scenario, &delays));
        assert_eq!(points, again);
    }
}
