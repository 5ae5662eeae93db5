//! What one run may ask for, so that `validate` refuses what `run` could not finish in
//! bounded time and memory, naming the limit and the figure the input implies.

use crate::input::time::{Dur, Ts};
use crate::input::validation::Problems;
use crate::input::workload::WorkloadSpec;
use crate::input::workload::spec::{DelayDist, SourceSpec, ValueDist};

/// Events one run may generate: about half an hour at the production day's pace.
pub const MAX_EVENTS: f64 = 1e10;
/// The most a year of a scenario's always-on nodes may cost ($): beyond any budget, and far
/// inside the range where f64 keeps cents exact (9·10¹³ dollars).
pub const MAX_COST_PER_YEAR: f64 = 1e12;
/// Replications of one scenario (each a whole run); 20 to 50 resolve most differences.
pub const MAX_REPLICATIONS: usize = 1_000;
/// Keys one source may have (each is named and held in memory).
pub const MAX_KEYS: u32 = 10_000_000;
/// Windows one event may fall in (a sliding window's size over its slide), checked with
/// the query.
pub const MAX_WINDOWS_PER_EVENT: i64 = 10_000;
/// The longest simulated span of a workload.
pub const MAX_SPAN: Dur = Dur::from_hours(24 * 3_660);
/// The largest event value, either sign: 10¹⁰ of them still sum within f64's exact range
/// of a cent.
pub const MAX_VALUE: f64 = 1e15;

/// The longest line a trace may have (a row is a few dozen bytes): a file with no line
/// breaks is refused instead of read into memory whole.
pub const MAX_TRACE_LINE: usize = 1 << 20;
/// The longest delay a distribution may be set to (offline flushes, retries, tails).
pub const MAX_DELAY: Dur = Dur::from_hours(24 * 365);
/// Steps (watermark ticks, state samples) of one streaming job's processing time.
pub const MAX_STEPS: f64 = 1e8;
/// Workloads start, and trace times fall, in the years 1900 to 2200 (so that every time
/// stays far from the ends of the clock): 1900-01-01T00:00Z, inclusive.
pub const EARLIEST: Ts = Ts::from_ms(-2_208_988_800_000);
/// 2201-01-01T00:00Z, exclusive.
pub const LATEST: Ts = Ts::from_ms(7_289_654_400_000);

/// True when `t` is in the years the limits allow.
pub fn in_years(t: Ts) -> bool {
    (EARLIEST..LATEST).contains(&t)
}

/// Records every limit `workload` goes past.
pub fn check_workload(workload: &WorkloadSpec, problems: &mut Problems) {
    let events = workload.expected_events();
    // A rate that is not a number is reported at the rate; no count follows from it.
    problems.check(events <= MAX_EVENTS || !events.is_finite(), "workload", || {
        format!(
            "this workload generates about {events:.1e} events; the limit is {MAX_EVENTS:.0e}: shorten the duration or lower the rates"
        )
    });
    problems.check(workload.duration <= MAX_SPAN, "workload.duration", || {
        format!(
            "duration {} is longer than the limit, {MAX_SPAN}",
            workload.duration
        )
    });
    problems.check(in_years(workload.start), "workload.start", || {
        format!(
            "start {} must fall in the years 1900 to 2200",
            workload.start
        )
    });
    for (i, source) in workload.sources.iter().enumerate() {
        check_source(source, &format!("workload.sources[{i}]"), problems);
    }
}

/// Records a streaming job at `path` that would run `span_ms` of processing time in steps
/// of `step` (watermark ticks, state samples) beyond [`MAX_STEPS`].
pub fn check_job_steps(path: &str, span_ms: f64, step: Dur, problems: &mut Problems) {
    let steps = span_ms / step.as_ms().max(1) as f64;
    problems.check(steps <= MAX_STEPS || !steps.is_finite(), path, || {
        format!(
            "this job runs for {span_ms:.1e} ms of processing time in steps of {step} (watermark ticks, samples): {steps:.1e} steps; the limit is {MAX_STEPS:.0e}: give it more capacity or sample less often"
        )
    });
}

fn check_source(source: &SourceSpec, path: &str, problems: &mut Problems) {
    problems.check(
        source.keys.count <= MAX_KEYS,
        &format!("{path}.keys.count"),
        || {
            format!(
                "{} keys is more than the limit, {MAX_KEYS}",
                source.keys.count
            )
        },
    );
    let values = match source.values {
        ValueDist::Constant(v) => vec![("values", v)],
        ValueDist::Uniform { min, max } => vec![("values.min", min), ("values.max", max)],
        ValueDist::LogNormal { median, p99 } => {
            vec![("values.median", median), ("values.p99", p99)]
        }
    };
    for (field, value) in values {
        problems.check(value.abs() <= MAX_VALUE, &format!("{path}.{field}"), || {
            format!("value {value:e} is beyond ±{MAX_VALUE:.0e}, where sums stop being exact")
        });
    }
    let delays = [
        ("offline.max", Some(source.offline.max)),
        (
            "duplicates.retry_after",
            Some(source.duplicates.retry_after),
        ),
        (
            "delay",
            match source.delay {
                DelayDist::None => None,
                DelayDist::Fixed(d) => Some(d),
                DelayDist::Exponential { mean } => Some(mean),
                DelayDist::LogNormal { p99, .. } => Some(p99),
                DelayDist::Pareto { scale, .. } => Some(scale),
            },
        ),
    ];
    for (field, delay) in delays {
        if let Some(delay) = delay {
            problems.check(delay <= MAX_DELAY, &format!("{path}.{field}"), || {
                format!("{field} {delay} is longer than the limit, {MAX_DELAY}")
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::scenario::Scenario;

    fn problems_of(edit: impl FnOnce(&mut Scenario)) -> Vec<String> {
        let mut scenario = Scenario::default_scenario();
        edit(&mut scenario);
        let mut problems = Problems::default();
        scenario.check_limits(&mut problems);
        problems
            .into_vec()
            .into_iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect()
    }

    #[test]
    fn the_default_scenario_is_well_inside_every_limit() {
        assert!(problems_of(|_| {}).is_empty());
    }

    #[test]
    fn each_limit_names_the_figure_the_input_implies() {
        // A million days of FreshMart orders at 32.4 a minute: 4.7×10¹⁰ events.
        let million_days = problems_of(|s| s.workload.duration = Dur::from_hours(24_000_000));
        assert!(
            million_days.iter().any(|p| p.starts_with(
                "workload: this workload generates about 4.7e10 events; the limit is 1e10"
            )),
            "{million_days:?}"
        );
        assert!(
            million_days
                .iter()
                .any(|p| p.starts_with("workload.duration"))
        );
        let keys = problems_of(|s| s.workload.sources[0].keys.count = 4_000_000_000);
        assert_eq!(keys.len(), 1, "{keys:?}");
        assert!(keys[0].starts_with("workload.sources[0].keys.count: 4000000000 keys"));
        let ancient = problems_of(|s| s.workload.start = Ts(i64::MIN / 2));
        assert!(ancient[0].starts_with("workload.start"), "{ancient:?}");
        let slow = problems_of(|s| {
            s.streaming.as_mut().unwrap().capacity_per_second = Some(0.0001);
        });
        assert!(
            slow[0].starts_with("streaming: this job runs for 1.6e12 ms"),
            "{slow:?}"
        );
        let offline =
            problems_of(|s| s.workload.sources[0].offline.max = Dur::from_hours(24 * 1_000));
        assert!(
            offline[0].starts_with("workload.sources[0].offline.max"),
            "{offline:?}"
        );
    }
}
