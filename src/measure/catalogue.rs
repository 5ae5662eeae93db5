//! What a report can speak of: the processing models it compares and the metrics it measures,
//! each with its name, unit and description. Every other module names them through these
//! types, so a misspelt metric does not compile; the names are only read back from scenario
//! files (expectations) and command-line flags.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a metric's number means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A number of things.
    Count,
    /// A duration in milliseconds.
    Ms,
    /// A share between 0 and 1.
    Share,
    /// A sum or extreme of event values (money, ...).
    Value,
    /// An instant, in epoch milliseconds.
    Time,
    /// Dollars.
    Money,
}

impl Unit {
    /// The unit of a difference of two such values: an instant's is a duration.
    pub fn of_difference(self) -> Unit {
        match self {
            Unit::Time => Unit::Ms,
            unit => unit,
        }
    }
}

/// Declares a closed set of names: an enum whose variants carry a name, a unit and a one-line
/// description, with `ALL` in declaration order (the report's order).
macro_rules! metric_set {
    ($(#[$doc:meta])* $ty:ident { $($variant:ident = ($name:literal, $unit:ident, $label:literal),)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $ty {
            $(#[doc = $label] $variant,)*
        }

        impl $ty {
            /// Every one, in report order.
            pub const ALL: &[$ty] = &[$($ty::$variant,)*];

            /// Its name in reports and expectations.
            pub const fn name(self) -> &'static str {
                match self { $($ty::$variant => $name,)* }
            }

            /// Its unit.
            pub const fn unit(self) -> Unit {
                match self { $($ty::$variant => Unit::$unit,)* }
            }

            /// One line for people.
            pub const fn label(self) -> &'static str {
                match self { $($ty::$variant => $label,)* }
            }

            /// The one named `name`.
            pub fn from_name(name: &str) -> Option<$ty> {
                $ty::ALL.iter().copied().find(|m| m.name() == name)
            }
        }
    };
}

metric_set! {
    /// The workload's and the truth's own metrics, named `workload.*` and `oracle.*`.
    ScenarioMetric {
        Events = ("workload.events", Count, "events arrived (retries included)"),
        UniqueEvents = ("workload.unique_events", Count, "distinct events (by id)"),
        Duplicates = ("workload.duplicates", Count, "retried duplicates"),
        Keys = ("workload.keys", Count, "distinct keys"),
        DelayP50 = ("workload.delay_p50", Ms, "arrival - event time, median"),
        DelayP95 = ("workload.delay_p95", Ms, "arrival - event time, p95"),
        DelayP99 = ("workload.delay_p99", Ms, "arrival - event time, p99"),
        DelayMax = ("workload.delay_max", Ms, "arrival - event time, max"),
        LateShare = ("workload.late_share", Share, "arrived later than one window length"),
        ClockAheadShare = ("workload.clock_ahead_share", Share, "stamped after arrival (clock ahead)"),
        FirstEventTime = ("workload.first_event_time", Time, "earliest event time"),
        LastEventTime = ("workload.last_event_time", Time, "latest event time"),
        LastArrivalTime = ("workload.last_arrival_time", Time, "latest arrival"),
        Windows = ("oracle.windows", Count, "windows with data"),
        Cells = ("oracle.cells", Count, "(window, key) results"),
        CountTotal = ("oracle.count_total", Count, "events summed over all results"),
        SumTotal = ("oracle.sum_total", Value, "values summed over all results"),
        LargestCell = ("oracle.largest_cell", Count, "events in the largest result"),
        ValueMin = ("oracle.value_min", Value, "smallest event value"),
        ValueMax = ("oracle.value_max", Value, "largest event value"),
    }
}

metric_set! {
    /// What each model reports, named `<model>.<metric>`.
    ModelMetric {
        Results = ("results", Count, "results emitted"),
        Writes = ("writes", Count, "rows written to the serving table"),
        LateFirings = ("late_firings", Count, "updated results (late firings, re-runs)"),
        EarlyFirings = ("early_firings", Count, "speculative results before window end"),
        DroppedLate = ("dropped_late", Count, "events dropped as late or never read"),
        DroppedLateShare = ("dropped_late_share", Share, "share of arrivals dropped"),
        DroppedLateValue = ("dropped_late_value", Value, "value carried by dropped events"),
        CountedEvents = ("counted_events", Count, "events in the final results, per window"),
        PendingEvents = ("pending_events", Count, "events held in state, never emitted"),
        CorrectShare = ("correct_share", Share, "results equal to the truth at the end"),
        WrongCells = ("wrong_cells", Count, "results that differ from the truth"),
        WrongByDrops = ("wrong_by_drops", Count, "wrong: short of dropped or unread events"),
        WrongByRetries = ("wrong_by_retries", Count, "wrong: a retried copy counted again"),
        WrongByAppendedFirings = ("wrong_by_appended_firings", Count, "wrong: late firings appended again"),
        WrongByFaults = ("wrong_by_faults", Count, "wrong: a fault lost or repeated events"),
        WrongByOther = ("wrong_by_other", Count, "wrong: no single cause above"),
        OvercountedCells = ("overcounted_cells", Count, "results counting too many events"),
        MissingCells = ("missing_cells", Count, "truth results never served"),
        SumError = ("sum_error", Share, "served total sum vs true total"),
        ResultDelayP50 = ("result_delay_p50", Ms, "window end -> first result, median"),
        ResultDelayP99 = ("result_delay_p99", Ms, "window end -> first result, p99"),
        ResultDelayMax = ("result_delay_max", Ms, "window end -> first result, max"),
        FinalDelayP50 = ("final_delay_p50", Ms, "window end -> correct final, median"),
        FinalDelayP99 = ("final_delay_p99", Ms, "window end -> correct final, p99"),
        EventLatencyP50 = ("event_latency_p50", Ms, "event time -> visible, median"),
        EventLatencyP95 = ("event_latency_p95", Ms, "event time -> visible, p95"),
        EventLatencyP99 = ("event_latency_p99", Ms, "event time -> visible, p99"),
        EventLatencyMax = ("event_latency_max", Ms, "event time -> visible, max"),
        ArrivalLatencyP50 = ("arrival_latency_p50", Ms, "arrival -> visible, median"),
        ArrivalLatencyP99 = ("arrival_latency_p99", Ms, "arrival -> visible, p99"),
        StatePeak = ("state_peak", Count, "peak open (window, key) states"),
        StateMean = ("state_mean", Count, "mean open (window, key) states"),
        StateBytesPeak = ("state_bytes_peak", Count, "peak state, estimated bytes"),
        BacklogPeak = ("backlog_peak", Count, "peak records waiting (consumer lag)"),
        EndFiredWindows = ("end_fired_windows", Count, "windows fired only by the trace's end"),
        LagCatchUpTime = ("lag_catch_up_time", Ms, "longest lag, first wait -> drained"),
        CostPerYear = ("cost_per_year", Money, "cost a year"),
        CostPerRun = ("cost_per_run", Money, "cost per run"),
        FaultLostEvents = ("fault_lost_events", Count, "events lost to faults (vs fault-free)"),
        FaultDuplicatedEvents = ("fault_duplicated_events", Count, "events counted beyond fault-free run"),
        FaultReplayedEvents = ("fault_replayed_events", Count, "records read again after a restart"),
        FaultUnreadEvents = ("fault_unread_events", Count, "records never read (retention, latest)"),
        FaultMisattributedEvents = ("fault_misattributed_events", Count, "events windowed by processing time"),
        FaultRecoveryTime = ("fault_recovery_time", Ms, "fault start -> caught up again"),
        FaultExtraLatencyP99 = ("fault_extra_latency_p99", Ms, "event latency p99 added by faults"),
        SpeedCorrectShare = ("speed_correct_share", Share, "streaming layer alone: correct share"),
        BatchCorrectShare = ("batch_correct_share", Share, "batch layer alone: correct share"),
        LayerDisagreements = ("layer_disagreements", Count, "results the batch layer changed"),
        CatchUpTime = ("catch_up_time", Ms, "replay start -> caught up"),
        ReplayedEvents = ("replayed_events", Count, "records replayed from the log"),
        LostToRetention = ("lost_to_retention", Count, "records gone from the log at replay"),
        RetentionBytes = ("retention_bytes", Count, "log kept for replay, bytes"),
        ReprocessCost = ("reprocess_cost", Money, "one reprocessing run"),
    }
}

impl ModelMetric {
    /// True for the figures a fault-injected streaming job adds; an architecture passes them on
    /// from its streaming layer.
    pub fn is_fault_figure(self) -> bool {
        self.name().starts_with("fault_")
    }

    /// The figures a decision turns on: a replicated report gives their paired differences
    /// between every two models.
    pub const HEADLINE: [ModelMetric; 5] = [
        ModelMetric::CorrectShare,
        ModelMetric::DroppedLateShare,
        ModelMetric::EventLatencyP99,
        ModelMetric::ResultDelayP99,
        ModelMetric::CostPerYear,
    ];
}

/// The processing models and architectures a report can compare, in column order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Model {
    /// Scheduled batch jobs over the lake.
    Batch,
    /// Micro-batches that each aggregate only what arrived in their interval.
    PlainMicroBatch,
    /// Spark Structured Streaming: micro-batches with event-time state and a watermark.
    MicroBatch,
    /// Flink: per-event streaming with a watermark.
    Streaming,
    /// A streaming speed layer whose results the batch layer overwrites.
    Lambda,
    /// One streaming pipeline, reprocessed from the log after a logic change.
    Kappa,
    /// Streaming results, corrected in place by batch jobs.
    Hybrid,
}

impl Model {
    /// Every model, in column order.
    pub const ALL: [Model; 7] = [
        Model::Batch,
        Model::PlainMicroBatch,
        Model::MicroBatch,
        Model::Streaming,
        Model::Lambda,
        Model::Kappa,
        Model::Hybrid,
    ];

    /// Its name in scenario files, reports and metric names.
    pub const fn name(self) -> &'static str {
        match self {
            Model::Batch => "batch",
            Model::PlainMicroBatch => "plain_micro_batch",
            Model::MicroBatch => "micro_batch",
            Model::Streaming => "streaming",
            Model::Lambda => "lambda",
            Model::Kappa => "kappa",
            Model::Hybrid => "hybrid",
        }
    }

    /// What it is, in a sentence (tooltips, help).
    pub const fn description(self) -> &'static str {
        match self {
            Model::Batch => "scheduled batch jobs that read the lake as it has landed",
            Model::PlainMicroBatch => {
                "micro-batches that aggregate each interval's arrivals, with no event-time state"
            }
            Model::MicroBatch => {
                "Spark Structured Streaming: micro-batches with event-time state and a watermark"
            }
            Model::Streaming => "Flink: per-event streaming with a watermark",
            Model::Lambda => "a streaming speed layer whose results the batch layer overwrites",
            Model::Kappa => "one streaming pipeline, reprocessed from the log after a change",
            Model::Hybrid => "streaming results, corrected in place by batch jobs",
        }
    }

    /// The one named `name`.
    pub fn from_name(name: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|m| m.name() == name)
    }
}

impl Serialize for Model {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Model {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        by_name(deserializer, Model::from_name, "model")
    }
}

/// Reads back what a name-serialized type wrote (a report read back, as a sweep's points
/// run elsewhere are).
pub(crate) fn by_name<'de, D: serde::Deserializer<'de>, T>(
    deserializer: D,
    from_name: impl Fn(&str) -> Option<T>,
    what: &str,
) -> Result<T, D::Error> {
    let name = String::deserialize(deserializer)?;
    from_name(&name).ok_or_else(|| serde::de::Error::custom(format!("unknown {what} `{name}`")))
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, so that widths in format strings apply.
        f.pad(self.name())
    }
}

/// Any metric a report holds: the scenario's own, or one model's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    /// `workload.*` and `oracle.*`.
    Scenario(ScenarioMetric),
    /// `<model>.<metric>`.
    Model(Model, ModelMetric),
}

impl Metric {
    /// Every metric, in report order: the scenario's, then each model's.
    pub fn all() -> impl Iterator<Item = Metric> {
        let scenario = ScenarioMetric::ALL.iter().map(|&m| Metric::Scenario(m));
        let models = Model::ALL.into_iter().flat_map(|model| {
            ModelMetric::ALL
                .iter()
                .map(move |&metric| Metric::Model(model, metric))
        });
        scenario.chain(models)
    }

    /// The metric named `name` (`workload.delay_p99`, `streaming.dropped_late`).
    pub fn from_name(name: &str) -> Option<Metric> {
        if let Some(m) = ScenarioMetric::from_name(name) {
            return Some(Metric::Scenario(m));
        }
        let (model, metric) = name.split_once('.')?;
        Some(Metric::Model(
            Model::from_name(model)?,
            ModelMetric::from_name(metric)?,
        ))
    }

    /// The metric whose name is closest to `name`, for "did you mean" (none when nothing is
    /// close).
    pub fn closest(name: &str) -> Option<Metric> {
        Metric::all()
            .map(|m| (strsim::jaro_winkler(name, &m.to_string()), m))
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, m)| m)
    }

    /// Its unit.
    pub fn unit(self) -> Unit {
        match self {
            Metric::Scenario(m) => m.unit(),
            Metric::Model(_, m) => m.unit(),
        }
    }

    /// One line for people.
    pub fn label(self) -> &'static str {
        match self {
            Metric::Scenario(m) => m.label(),
            Metric::Model(_, m) => m.label(),
        }
    }

    /// The model it is about, if any.
    pub fn model(self) -> Option<Model> {
        match self {
            Metric::Scenario(_) => None,
            Metric::Model(model, _) => Some(model),
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Metric::Scenario(m) => f.write_str(m.name()),
            Metric::Model(model, m) => write!(f, "{}.{}", model.name(), m.name()),
        }
    }
}

impl Serialize for Metric {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Metric {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        by_name(deserializer, Metric::from_name, "metric")
    }
}

/// The catalogue as Markdown: the models, then every metric with its unit and meaning (what
/// `tidemark metrics` prints and the README's metric section holds).
pub fn markdown() -> String {
    use std::fmt::Write as _;
    let unit = |u: Unit| match u {
        Unit::Count => "count",
        Unit::Ms => "duration",
        Unit::Share => "share",
        Unit::Value => "value",
        Unit::Time => "instant",
        Unit::Money => "$",
    };
    let mut out = String::from("| model | what it is |\n| --- | --- |\n");
    for model in Model::ALL {
        let _ = writeln!(out, "| `{}` | {} |", model.name(), model.description());
    }
    out.push_str("\n| metric | unit | meaning |\n| --- | --- | --- |\n");
    for m in ScenarioMetric::ALL {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            m.name(),
            unit(m.unit()),
            m.label()
        );
    }
    for m in ModelMetric::ALL {
        let _ = writeln!(
            out,
            "| `<model>.{}` | {} | {} |",
            m.name(),
            unit(m.unit()),
            m.label()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_reads_back_from_its_name() {
        let all: Vec<Metric> = Metric::all().collect();
        assert_eq!(
            all.len(),
            ScenarioMetric::ALL.len() + 7 * ModelMetric::ALL.len()
        );
        for metric in all {
            assert_eq!(Metric::from_name(&metric.to_string()), Some(metric));
        }
        assert_eq!(
            Metric::from_name("streaming.dropped_late"),
            Some(Metric::Model(Model::Streaming, ModelMetric::DroppedLate))
        );
        assert_eq!(Metric::from_name("streaming.droped_late"), None);
        assert_eq!(Metric::from_name("flink.dropped_late"), None);
        assert_eq!(
            Metric::closest("streaming.droped_late_share"),
            Some(Metric::Model(
                Model::Streaming,
                ModelMetric::DroppedLateShare
            ))
        );
        assert_eq!(
            Metric::closest("workload.delay_p9"),
            Some(Metric::Scenario(ScenarioMetric::DelayP99))
        );
        assert_eq!(Metric::closest("zzz"), None);
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<String> = Metric::all().map(|m| m.to_string()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before);
    }
}
