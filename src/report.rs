//! The report of a run: named metrics with units, the scenario's expectations checked
//! against them, and the renderings (table, JSON, CSV, Markdown).

use std::fmt::Write as _;

use serde::Serialize;

use crate::scenario::Expectation;
use crate::time::{Dur, Ts};

/// What a metric's number means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
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

/// A metric the report can hold.
#[derive(Clone, Debug)]
pub struct MetricInfo {
    /// Dotted name used by expectations and every output format.
    pub name: String,
    /// Unit of the value.
    pub unit: Unit,
    /// One line for people.
    pub label: &'static str,
}

/// The processing models a report can compare, in column order.
pub const MODELS: [&str; 7] = [
    "batch",
    "plain_micro_batch",
    "micro_batch",
    "streaming",
    "lambda",
    "kappa",
    "hybrid",
];

/// The workload's and the truth's own metrics.
const SCENARIO_METRICS: &[(&str, Unit, &str)] = &[
    (
        "workload.events",
        Unit::Count,
        "events arrived (retries included)",
    ),
    (
        "workload.unique_events",
        Unit::Count,
        "distinct events (by id)",
    ),
    ("workload.duplicates", Unit::Count, "retried duplicates"),
    ("workload.keys", Unit::Count, "distinct keys"),
    (
        "workload.delay_p50",
        Unit::Ms,
        "arrival - event time, median",
    ),
    ("workload.delay_p95", Unit::Ms, "arrival - event time, p95"),
    ("workload.delay_p99", Unit::Ms, "arrival - event time, p99"),
    ("workload.delay_max", Unit::Ms, "arrival - event time, max"),
    (
        "workload.late_share",
        Unit::Share,
        "arrived later than one window length",
    ),
    (
        "workload.clock_ahead_share",
        Unit::Share,
        "stamped after arrival (clock ahead)",
    ),
    (
        "workload.first_event_time",
        Unit::Time,
        "earliest event time",
    ),
    ("workload.last_event_time", Unit::Time, "latest event time"),
    ("workload.last_arrival_time", Unit::Time, "latest arrival"),
    ("oracle.windows", Unit::Count, "windows with data"),
    ("oracle.cells", Unit::Count, "(window, key) results"),
    (
        "oracle.count_total",
        Unit::Count,
        "events summed over all results",
    ),
    (
        "oracle.sum_total",
        Unit::Value,
        "values summed over all results",
    ),
    (
        "oracle.largest_cell",
        Unit::Count,
        "events in the largest result",
    ),
    ("oracle.value_min", Unit::Value, "smallest event value"),
    ("oracle.value_max", Unit::Value, "largest event value"),
];

/// What each model reports, named `<model>.<metric>`.
pub const MODEL_METRICS: &[(&str, Unit, &str)] = &[
    ("results", Unit::Count, "results emitted"),
    ("writes", Unit::Count, "rows written to the serving table"),
    (
        "late_firings",
        Unit::Count,
        "updated results (late firings, re-runs)",
    ),
    (
        "early_firings",
        Unit::Count,
        "speculative results before window end",
    ),
    (
        "dropped_late",
        Unit::Count,
        "events dropped as late or never read",
    ),
    (
        "dropped_late_share",
        Unit::Share,
        "share of arrivals dropped",
    ),
    (
        "dropped_late_value",
        Unit::Value,
        "value carried by dropped events",
    ),
    (
        "correct_share",
        Unit::Share,
        "results equal to the truth at the end",
    ),
    (
        "wrong_cells",
        Unit::Count,
        "results that differ from the truth",
    ),
    (
        "overcounted_cells",
        Unit::Count,
        "results counting too many events",
    ),
    ("missing_cells", Unit::Count, "truth results never served"),
    ("sum_error", Unit::Share, "served total sum vs true total"),
    (
        "result_delay_p50",
        Unit::Ms,
        "window end -> first result, median",
    ),
    (
        "result_delay_p99",
        Unit::Ms,
        "window end -> first result, p99",
    ),
    (
        "result_delay_max",
        Unit::Ms,
        "window end -> first result, max",
    ),
    (
        "final_delay_p50",
        Unit::Ms,
        "window end -> correct final, median",
    ),
    (
        "final_delay_p99",
        Unit::Ms,
        "window end -> correct final, p99",
    ),
    (
        "event_latency_p50",
        Unit::Ms,
        "event time -> visible, median",
    ),
    ("event_latency_p95", Unit::Ms, "event time -> visible, p95"),
    ("event_latency_p99", Unit::Ms, "event time -> visible, p99"),
    ("event_latency_max", Unit::Ms, "event time -> visible, max"),
    (
        "arrival_latency_p50",
        Unit::Ms,
        "arrival -> visible, median",
    ),
    ("arrival_latency_p99", Unit::Ms, "arrival -> visible, p99"),
    ("state_peak", Unit::Count, "peak open (window, key) states"),
    ("state_mean", Unit::Count, "mean open (window, key) states"),
    (
        "state_bytes_peak",
        Unit::Count,
        "peak state, estimated bytes",
    ),
    (
        "backlog_peak",
        Unit::Count,
        "peak records waiting (consumer lag)",
    ),
    (
        "lag_catch_up_time",
        Unit::Ms,
        "longest lag, first wait -> drained",
    ),
    ("cost_per_year", Unit::Money, "cost a year"),
    ("cost_per_run", Unit::Money, "cost per run"),
    (
        "fault_lost_events",
        Unit::Count,
        "events lost to faults (vs fault-free)",
    ),
    (
        "fault_duplicated_events",
        Unit::Count,
        "events counted beyond fault-free run",
    ),
    (
        "fault_replayed_events",
        Unit::Count,
        "records read again after a restart",
    ),
    (
        "fault_unread_events",
        Unit::Count,
        "records never read (retention, latest)",
    ),
    (
        "fault_misattributed_events",
        Unit::Count,
        "events windowed by processing time",
    ),
    (
        "fault_recovery_time",
        Unit::Ms,
        "fault start -> caught up again",
    ),
    (
        "fault_extra_latency_p99",
        Unit::Ms,
        "event latency p99 added by faults",
    ),
    (
        "speed_correct_share",
        Unit::Share,
        "streaming layer alone: correct share",
    ),
    (
        "batch_correct_share",
        Unit::Share,
        "batch layer alone: correct share",
    ),
    (
        "layer_disagreements",
        Unit::Count,
        "results the batch layer changed",
    ),
    ("catch_up_time", Unit::Ms, "replay start -> caught up"),
    (
        "replayed_events",
        Unit::Count,
        "records replayed from the log",
    ),
    (
        "lost_to_retention",
        Unit::Count,
        "records gone from the log at replay",
    ),
    ("retention_bytes", Unit::Count, "log kept for replay, bytes"),
    ("reprocess_cost", Unit::Money, "one reprocessing run"),
];

static CATALOGUE: std::sync::LazyLock<Vec<MetricInfo>> = std::sync::LazyLock::new(|| {
    let scenario = SCENARIO_METRICS
        .iter()
        .map(|&(name, unit, label)| MetricInfo {
            name: name.to_owned(),
            unit,
            label,
        });
    let models = MODELS.iter().flat_map(|model| {
        MODEL_METRICS
            .iter()
            .map(move |&(metric, unit, label)| MetricInfo {
                name: format!("{model}.{metric}"),
                unit,
                label,
            })
    });
    scenario.chain(models).collect()
});

/// Every metric, in report order. Expectations may name any of them.
pub fn metrics() -> &'static [MetricInfo] {
    &CATALOGUE
}

/// The catalogue entry of `name`.
pub fn metric_info(name: &str) -> Option<&'static MetricInfo> {
    metrics().iter().find(|m| m.name == name)
}

/// One measured metric.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricValue {
    /// Dotted name.
    pub name: String,
    /// The value, `None` when it does not exist (no events).
    pub value: Option<f64>,
    /// Its unit.
    pub unit: Unit,
}

/// One expectation and whether it held.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExpectationResult {
    /// As written in the scenario.
    pub expectation: String,
    /// The metric's value.
    pub actual: Option<f64>,
    /// True when it held.
    pub passed: bool,
}

impl ExpectationResult {
    /// The actual value as people read it, in its metric's unit.
    pub fn display_actual(&self) -> String {
        let metric = self
            .expectation
            .split(['<', '>', '=', '!'])
            .next()
            .unwrap_or("")
            .trim();
        let unit = metric_info(metric).map_or(Unit::Value, |m| m.unit);
        display_value(self.actual, unit)
    }
}

/// The result of running a scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// Scenario name.
    pub scenario: String,
    /// Scenario description.
    pub description: String,
    /// Seed used.
    pub seed: u64,
    /// Metrics in catalogue order.
    pub metrics: Vec<MetricValue>,
    /// The scenario's expectations, checked.
    pub expectations: Vec<ExpectationResult>,
}

/// Output formats of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned text for a terminal.
    Table,
    /// Pretty-printed JSON.
    Json,
    /// `metric,value,unit` rows.
    Csv,
    /// Markdown tables.
    Markdown,
}

impl Format {
    /// Every format with its file extension, as `--out` writes them.
    pub const ALL: [(Format, &'static str); 4] = [
        (Format::Table, "txt"),
        (Format::Json, "json"),
        (Format::Csv, "csv"),
        (Format::Markdown, "md"),
    ];
}

impl Report {
    /// A report with `values` (metric name, value); names missing from `values` are `None`.
    pub fn new(scenario: &crate::scenario::Scenario, values: &[(String, Option<f64>)]) -> Report {
        let metrics: Vec<MetricValue> = metrics()
            .iter()
            .map(|m| MetricValue {
                name: m.name.clone(),
                unit: m.unit,
                value: values
                    .iter()
                    .find(|(n, _)| *n == m.name)
                    .and_then(|(_, v)| *v),
            })
            .collect();
        let mut report = Report {
            scenario: scenario.name.clone(),
            description: scenario.description.clone(),
            seed: scenario.seed,
            metrics,
            expectations: Vec::new(),
        };
        report.expectations = scenario.expect.iter().map(|e| report.check(e)).collect();
        report
    }

    /// The value of metric `name`.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|m| m.name == name)
            .and_then(|m| m.value)
    }

    fn check(&self, expectation: &Expectation) -> ExpectationResult {
        let actual = self.get(&expectation.metric);
        ExpectationResult {
            expectation: expectation.text.clone(),
            actual,
            passed: actual.is_some_and(|a| expectation.op.holds(a, expectation.threshold)),
        }
    }

    /// True when every expectation held.
    pub fn passed(&self) -> bool {
        self.expectations.iter().all(|e| e.passed)
    }

    /// The report in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Table => self.table(),
            Format::Json => serde_json::to_string_pretty(self).expect("a report serializes") + "\n",
            Format::Csv => self.csv(),
            Format::Markdown => self.markdown(),
        }
    }

    /// The workload's and the truth's metrics, as people read them.
    fn scenario_rows(&self) -> impl Iterator<Item = (&'static MetricInfo, String)> + '_ {
        self.metrics
            .iter()
            .filter(|m| m.value.is_some() && !is_model_metric(&m.name))
            .filter_map(|m| Some((metric_info(&m.name)?, display_value(m.value, m.unit))))
    }

    /// The models the scenario ran, in column order.
    pub fn models(&self) -> Vec<&'static str> {
        MODELS
            .into_iter()
            .filter(|model| {
                self.metrics
                    .iter()
                    .any(|m| m.value.is_some() && m.name.starts_with(&format!("{model}.")))
            })
            .collect()
    }

    /// Per model metric: its label, its name after the model, and a value per model.
    fn model_rows(&self, models: &[&str]) -> Vec<(&'static str, &'static str, Vec<String>)> {
        MODEL_METRICS
            .iter()
            // Figures no model here has (faults, layers) would be rows of dashes.
            .filter(|(metric, _, _)| {
                models
                    .iter()
                    .any(|model| self.get(&format!("{model}.{metric}")).is_some())
            })
            .map(|&(metric, unit, label)| {
                let values = models
                    .iter()
                    .map(|model| display_value(self.get(&format!("{model}.{metric}")), unit))
                    .collect();
                (label, metric, values)
            })
            .collect()
    }

    fn table(&self) -> String {
        let mut out = format!("scenario {} (seed {})\n", self.scenario, self.seed);
        if !self.description.is_empty() {
            let _ = writeln!(out, "  {}", self.description);
        }
        let mut section = "";
        for (info, value) in self.scenario_rows() {
            let prefix = info.name.split('.').next().unwrap_or("");
            if prefix != section {
                section = prefix;
                let _ = writeln!(out, "\n{section}");
            }
            let _ = writeln!(out, "  {:<40} {:>26}   {}", info.label, value, info.name);
        }
        let models = self.models();
        if !models.is_empty() {
            let _ = write!(out, "\n{:<42}", "models");
            for model in &models {
                let _ = write!(out, " {model:>18}");
            }
            let _ = writeln!(out);
            for (label, metric, values) in self.model_rows(&models) {
                let _ = write!(out, "  {label:<40}");
                for value in values {
                    let _ = write!(out, " {value:>18}");
                }
                let _ = writeln!(out, "   {metric}");
            }
        }
        if !self.expectations.is_empty() {
            let _ = writeln!(out, "\nexpectations");
            for e in &self.expectations {
                let mark = if e.passed { "ok  " } else { "FAIL" };
                let _ = writeln!(
                    out,
                    "  {mark} {:<45} actual {}",
                    e.expectation,
                    e.display_actual()
                );
            }
        }
        out
    }

    fn csv(&self) -> String {
        let mut out = String::from("metric,value,unit\n");
        for m in &self.metrics {
            let unit = serde_json::to_value(m.unit)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let _ = writeln!(out, "{},{},{}", m.name, raw_value(m.value), unit);
        }
        out
    }

    fn markdown(&self) -> String {
        let mut out = format!("# {}\n\n", self.scenario);
        if !self.description.is_empty() {
            let _ = writeln!(out, "{}\n", self.description);
        }
        let _ = writeln!(
            out,
            "Seed {}.\n\n| metric | value | name |\n| --- | ---: | --- |",
            self.seed
        );
        for (info, value) in self.scenario_rows() {
            let _ = writeln!(out, "| {} | {} | `{}` |", info.label, value, info.name);
        }
        let models = self.models();
        if !models.is_empty() {
            let _ = writeln!(out, "\n| metric | {} | name |", models.join(" | "));
            let _ = writeln!(out, "| --- |{} --- |", " ---: |".repeat(models.len()));
            for (label, metric, values) in self.model_rows(&models) {
                let _ = writeln!(
                    out,
                    "| {label} | {} | `<model>.{metric}` |",
                    values.join(" | ")
                );
            }
        }
        if !self.expectations.is_empty() {
            let _ = writeln!(
                out,
                "\n| expectation | actual | result |\n| --- | ---: | --- |"
            );
            for e in &self.expectations {
                let result = if e.passed { "ok" } else { "**FAIL**" };
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} |",
                    e.expectation,
                    e.display_actual(),
                    result
                );
            }
        }
        out
    }
}

impl Report {
    /// The expectations as JUnit XML: one test case each, failures with the measured value.
    pub fn junit(&self) -> String {
        let failures = self.expectations.iter().filter(|e| !e.passed).count();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuites name=\"tidemark\" tests=\"{n}\" failures=\"{failures}\">\n  <testsuite name=\"{s}\" tests=\"{n}\" failures=\"{failures}\">",
            n = self.expectations.len(),
            s = xml_escape(&self.scenario),
        );
        for e in &self.expectations {
            let name = xml_escape(&e.expectation);
            let class = xml_escape(&format!("tidemark.{}", self.scenario));
            if e.passed {
                let _ = writeln!(out, "    <testcase classname=\"{class}\" name=\"{name}\"/>");
            } else {
                let actual = xml_escape(&e.display_actual());
                let _ = writeln!(
                    out,
                    "    <testcase classname=\"{class}\" name=\"{name}\">\n      <failure message=\"measured {actual}\">expected {name}; measured {actual}</failure>\n    </testcase>"
                );
            }
        }
        out.push_str("  </testsuite>\n</testsuites>\n");
        out
    }
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// True for `<model>.<metric>` names.
fn is_model_metric(name: &str) -> bool {
    name.split_once('.')
        .is_some_and(|(prefix, _)| MODELS.contains(&prefix))
}

fn raw_value(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| v.to_string())
}

/// A value as people read it: durations as `2m 05s`, shares as percentages, counts grouped.
pub fn display_value(value: Option<f64>, unit: Unit) -> String {
    let Some(v) = value else {
        return "-".to_owned();
    };
    match unit {
        Unit::Count => group_thousands(v.round() as i64),
        Unit::Ms => human_duration(Dur(v.round() as i64)),
        Unit::Share => format!("{:.2}%", v * 100.0),
        Unit::Value => format!("{v:.2}"),
        Unit::Time => Ts(v as i64).to_string(),
        Unit::Money => {
            let cents = (v * 100.0).round() as i64;
            format!(
                "${}.{:02}",
                group_thousands(cents / 100),
                (cents % 100).abs()
            )
        }
    }
}

fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Three significant figures in the largest sensible unit: `850 ms`, `2.00 s`, `4m 05s`.
pub fn human_duration(d: Dur) -> String {
    let ms = d.as_ms();
    let sign = if ms < 0 { "-" } else { "" };
    let abs = ms.unsigned_abs();
    let text = if abs < 1_000 {
        format!("{abs} ms")
    } else if abs < 60_000 {
        format!("{:.2} s", abs as f64 / 1_000.0)
    } else if abs < 3_600_000 {
        let seconds = (abs + 500) / 1_000;
        format!("{}m {:02}s", seconds / 60, seconds % 60)
    } else {
        let minutes = (abs + 30_000) / 60_000;
        format!("{}h {:02}m", minutes / 60, minutes % 60)
    };
    format!("{sign}{text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_people_expect() {
        assert_eq!(display_value(Some(48_234.0), Unit::Count), "48,234");
        assert_eq!(display_value(Some(0.1234), Unit::Share), "12.34%");
        assert_eq!(display_value(Some(35_040.0), Unit::Money), "$35,040.00");
        assert_eq!(human_duration(Dur(850)), "850 ms");
        assert_eq!(human_duration(Dur(2_001)), "2.00 s");
        assert_eq!(human_duration(Dur(245_000)), "4m 05s");
        assert_eq!(human_duration(Dur(-5_400_000)), "-1h 30m");
        assert_eq!(display_value(None, Unit::Ms), "-");
    }

    #[test]
    fn metric_names_are_unique() {
        let mut names: Vec<_> = metrics().iter().map(|m| m.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), metrics().len());
    }
}
