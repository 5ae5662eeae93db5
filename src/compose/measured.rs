//! What a run is: with a `measured_period`, the scenario's `start` and `duration` are the
//! period its figures count, and the workload also runs before it (the run-in: state,
//! backlogs, watermarks and devices flushing late are as on any day) and after it (the
//! run-out: until every window of the period has had its normal chance in every model).
//! Every generated workload is measured so unless its scenario says `measured_period: None`
//! (the whole finite input measured); a recorded trace is always measured whole.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::compose::scenario::Scenario;
use crate::input::time::Dur;
use crate::input::validation::Problems;
use crate::input::workload::WorkloadSpec;
use crate::measure::period::Period;

/// A scenario's run-in and run-out; each left out is computed from the scenario.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MeasuredPeriod {
    /// Traffic before the period [default: the longest of the window, the watermark delays,
    /// a batch period and the latest offline flush, at most 2 days].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_in: Option<Dur>,
    /// Traffic after the period [default: the longest wait any model has for a window of the
    /// period — window, watermark delay, allowed lateness, idleness, two triggers, the batch
    /// period with its run time, corrections and start-up — plus a minute, at most 7 days].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_out: Option<Dur>,
}

/// A scenario's measured period when it says nothing: run-in and run-out worked out.
pub fn by_default() -> Option<MeasuredPeriod> {
    Some(MeasuredPeriod::default())
}

/// True for the measured period a scenario need not write.
pub fn is_by_default(measured: &Option<MeasuredPeriod>) -> bool {
    *measured == by_default()
}

/// The longest default run-in.
const MAX_DEFAULT_RUN_IN: Dur = Dur::from_hours(48);
/// The longest default run-out.
const MAX_DEFAULT_RUN_OUT: Dur = Dur::from_hours(24 * 7);

/// A measured period resolved: the period and the traffic around it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunSpan {
    /// What the figures count.
    pub period: Period,
    /// Traffic before it.
    pub run_in: Dur,
    /// Traffic after it.
    pub run_out: Dur,
}

impl Scenario {
    /// The measured period and the traffic around it; none: the whole input is measured
    /// (`measured_period: None`, or a trace: it is what it was recorded as).
    pub fn run_span(&self) -> Option<RunSpan> {
        let measured = self.measured_period.as_ref()?;
        if self.workload.trace.is_some() {
            return None;
        }
        let start = self.workload.start;
        Some(RunSpan {
            period: Period {
                start,
                end: start + self.workload.duration,
            },
            run_in: measured.run_in.unwrap_or_else(|| self.default_run_in()),
            run_out: measured.run_out.unwrap_or_else(|| self.default_run_out()),
        })
    }

    /// The workload a run draws: the scenario's, or with a measured period that one with
    /// its run-in and run-out around it (bursts stay at their offsets from `start`).
    pub fn run_workload(&self) -> Cow<'_, WorkloadSpec> {
        let Some(span) = self.run_span() else {
            return Cow::Borrowed(&self.workload);
        };
        let mut workload = self.workload.clone();
        workload.start = workload.start - span.run_in;
        workload.duration = span.run_in + workload.duration + span.run_out;
        for source in &mut workload.sources {
            for burst in &mut source.bursts {
                burst.at = burst.at + span.run_in;
            }
        }
        Cow::Owned(workload)
    }

    fn default_run_in(&self) -> Dur {
        let window = self.query.window.length().unwrap_or(Dur::ZERO);
        let delays = self.watermark_delays();
        let batch = self.batch.as_ref().map_or(Dur::ZERO, |b| b.every);
        let flush = (self.workload.sources.iter())
            .map(|s| s.offline.max)
            .max()
            .unwrap_or(Dur::ZERO);
        window
            .max(delays)
            .max(batch)
            .max(flush)
            .min(MAX_DEFAULT_RUN_IN)
    }

    fn default_run_out(&self) -> Dur {
        let window = self.query.window.length().unwrap_or(Dur::ZERO);
        let streaming = (self.streaming_jobs().into_iter())
            .map(|(_, s)| {
                s.watermark_delay + s.allowed_lateness + s.idle_timeout.unwrap_or(Dur::ZERO)
            })
            .max()
            .unwrap_or(Dur::ZERO);
        let micro_batch = self.micro_batch.as_ref().map_or(Dur::ZERO, |m| {
            m.watermark_delay + m.trigger.interval() + m.trigger.interval()
        });
        let batch = |b: &crate::runner::batch::BatchSpec| {
            let corrections = b.corrections.iter().copied().max().unwrap_or(Dur::ZERO);
            // A run's own length: an hour is generous for the runs we model.
            b.every + b.at.max(corrections) + b.startup + Dur::from_hours(1)
        };
        let batches = [
            self.batch.as_ref(),
            self.lambda.as_ref().and_then(|l| l.batch.as_ref()),
            self.hybrid.as_ref().and_then(|h| h.batch.as_ref()),
        ]
        .into_iter()
        .flatten()
        .map(batch)
        .max()
        .unwrap_or(Dur::ZERO);
        let plain =
            (self.plain_micro_batch.as_ref()).map_or(Dur::ZERO, |p| p.interval + p.lookback);
        let longest = streaming.max(micro_batch).max(batches).max(plain);
        (window + longest + Dur::from_mins(1)).min(MAX_DEFAULT_RUN_OUT)
    }

    /// The longest watermark delay of the scenario's event-time models.
    fn watermark_delays(&self) -> Dur {
        let streaming = self
            .streaming_jobs()
            .into_iter()
            .map(|(_, s)| s.watermark_delay);
        let micro = self.micro_batch.iter().map(|m| m.watermark_delay);
        streaming.chain(micro).max().unwrap_or(Dur::ZERO)
    }

    /// True without a measured period, or with a run-in and run-out from 0 to the span limit.
    pub(crate) fn measured_period_is_sound(&self) -> bool {
        let sound = |d: Option<Dur>| {
            d.is_none_or(|d| (Dur::ZERO..=crate::input::limits::MAX_SPAN).contains(&d))
        };
        (self.measured_period.as_ref()).is_none_or(|m| sound(m.run_in) && sound(m.run_out))
    }

    /// The events and span of `run` (the workload with its run-in and run-out) within the
    /// limits, refused at `measured_period` with the figures it implies.
    pub(crate) fn check_run_around(&self, run: &WorkloadSpec, problems: &mut Problems) {
        use crate::input::limits::{MAX_EVENTS, MAX_SPAN};
        let Some(span) = self.run_span() else {
            return;
        };
        // A workload past the limits on its own is refused for that alone.
        let (own_events, events) = (self.workload.expected_events(), run.expected_events());
        if own_events > MAX_EVENTS || self.workload.duration > MAX_SPAN {
            return;
        }
        let around = || {
            format!(
                "with its run-in ({}) and run-out ({})",
                span.run_in, span.run_out
            )
        };
        let remedy = "set shorter ones in `measured_period: (run_in: ..., run_out: ...)`, or `measured_period: None` to measure the input alone";
        problems.check(events <= MAX_EVENTS || !events.is_finite(), "measured_period", || {
            format!("{} this workload generates about {events:.1e} events; the limit is {MAX_EVENTS:.0e}: {remedy}", around())
        });
        problems.check(run.duration <= MAX_SPAN, "measured_period", || {
            format!(
                "{} the run spans {}, longer than the limit, {MAX_SPAN}: {remedy}",
                around(),
                run.duration
            )
        });
    }

    /// The measured period's own checks: no negative run-in or run-out, none past the span
    /// limit, and a generated workload (a trace is what it was recorded as).
    pub(crate) fn check_measured_period(&self, problems: &mut Problems) {
        let Some(measured) = &self.measured_period else {
            return;
        };
        for (field, value) in [("run_in", measured.run_in), ("run_out", measured.run_out)] {
            if let Some(d) = value {
                let path = format!("measured_period.{field}");
                problems.check(d >= Dur::ZERO, &path, || {
                    format!("{field} {d} must not be negative (\"0s\" for none)")
                });
                problems.check(d <= crate::input::limits::MAX_SPAN, &path, || {
                    format!(
                        "{field} {d} is longer than the limit, {}",
                        crate::input::limits::MAX_SPAN
                    )
                });
            }
        }
        let asked = measured.run_in.is_some() || measured.run_out.is_some();
        problems.check(self.workload.trace.is_none() || !asked, "measured_period", || {
            "a recorded trace is what it was recorded as: it has no traffic before or after it to run; remove `measured_period`".to_owned()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::catalogue::{Metric, Model, ModelMetric, ScenarioMetric};

    fn measured_day() -> Scenario {
        let mut day = Scenario::default_scenario();
        day.measured_period = Some(MeasuredPeriod::default());
        day
    }

    #[test]
    fn the_default_run_in_and_run_out_are_worked_out_from_the_scenario() {
        let span = measured_day().run_span().unwrap();
        // Run-in: the longest of the 1 h window, the 10 min micro-batch watermark, the
        // 24 h batch period and the 6 h offline flush.
        assert_eq!(span.run_in, Dur::from_hours(24));
        // Run-out: the 1 h window, then the batch's wait — its 24 h period, run 6 h after
        // it (later than the 4 h correction), 3 min start-up and an hour's run — and a minute.
        assert_eq!(
            span.run_out,
            Dur::from_hours(1) + Dur::from_hours(31) + Dur::from_mins(3) + Dur::from_mins(1)
        );
        let workload = measured_day().run_workload().into_owned();
        assert_eq!(workload.duration, Dur::from_hours(24 + 24) + span.run_out);
        // The flash sale stays at noon of the measured day.
        let burst = &workload.sources[0].bursts[0];
        assert_eq!(
            workload.start + burst.at,
            span.period.start + Dur::from_hours(12)
        );
    }

    /// Inside continuing traffic Flink fires the hourly window [h, h + 1 h) once an event
    /// 5 min past its end arrives (BoundedOutOfOrdernessWatermarks: max − 5 min − 1 ms), so
    /// an event at h + x waits 65 min − x: over an hour of orders, spread evenly within it,
    /// from 5 to 65 min, the p95 at 5 + 0.95 · 60 = 62 min and the p99 at 5 + 0.99 · 60 =
    /// 64.4 min, plus the arrival delays (2 s median). The finite day put it near 5 hours.
    #[test]
    fn the_measured_days_streaming_latency_is_its_steady_state() {
        let report = crate::compose::run::run_scenario(&measured_day(), &mut |_| {}).report;
        let latency = |m| report.model(Model::Streaming, m).unwrap() / 60_000.0;
        let (p95, p99) = (
            latency(ModelMetric::EventLatencyP95),
            latency(ModelMetric::EventLatencyP99),
        );
        assert!((61.0..63.5).contains(&p95), "p95 {p95} min");
        assert!((63.5..66.0).contains(&p99), "p99 {p99} min");
        assert!(latency(ModelMetric::EventLatencyMax) < 70.0);
        // The day's 24 windows are measured, and only its events.
        assert_eq!(
            report.get(Metric::Scenario(ScenarioMetric::Windows)),
            Some(24.0)
        );
        let first = report
            .get(Metric::Scenario(ScenarioMetric::FirstEventTime))
            .unwrap();
        assert!(first >= measured_day().workload.start.as_ms() as f64);
    }

    #[test]
    fn a_negative_run_in_is_refused_at_its_field() {
        let mut day = measured_day();
        day.measured_period = Some(MeasuredPeriod {
            run_in: Some(Dur::from_mins(-5)),
            run_out: None,
        });
        let problems = day.problems();
        assert!(
            problems.iter().any(|p| p.path == "measured_period.run_in"
                && p.message.contains("must not be negative")),
            "{problems:?}"
        );
    }
}
