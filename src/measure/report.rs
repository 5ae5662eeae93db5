//! The report of a run: named metrics with units, the scenario's expectations checked
//! against them, and the renderings (table, JSON, CSV, Markdown).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::input::time::{Dur, Ts};
use crate::measure::catalogue::{Metric, Model, ModelMetric, Unit};
use crate::measure::expectation::{Expectation, Statistic};
use crate::measure::interval::{Difference, Spread};

/// One measured metric.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct MetricValue {
    /// Which metric (written as its dotted name).
    #[serde(rename = "name")]
    pub metric: Metric,
    /// The value, `None` when it does not exist (no events); over replications, the mean.
    pub value: Option<f64>,
    /// Its unit.
    pub unit: Unit,
    /// Over replications: the interval and range of the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread: Option<Spread>,
}

/// One expectation and whether it held.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
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
        let written = self
            .expectation
            .split(['<', '>', '=', '!'])
            .next()
            .unwrap_or("")
            .trim();
        let (metric, _) = Statistic::split(written);
        let unit = Metric::from_name(metric).map_or(Unit::Value, Metric::unit);
        display_value(self.actual, unit)
    }
}

/// The result of running a scenario.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct Report {
    /// Scenario name.
    pub scenario: String,
    /// Scenario description.
    pub description: String,
    /// Seed used (of the first replication; see `experiment` for the others').
    pub seed: u64,
    /// Independent replications the figures are over (1: one run, no intervals).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub replications: usize,
    /// Metrics in catalogue order.
    pub metrics: Vec<MetricValue>,
    /// Over replications: the paired differences of the headline metrics between every two
    /// models, in column order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<Difference>,
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
    /// A report of the scenario `name` (with its description and seed) holding `values`
    /// (metrics missing from them are `None`), with `expect` checked against them.
    pub fn new(
        name: &str,
        description: &str,
        seed: u64,
        expect: &[Expectation],
        values: &[(Metric, Option<f64>)],
    ) -> Report {
        let metrics: Vec<MetricValue> = Metric::all()
            .map(|metric| MetricValue {
                metric,
                unit: metric.unit(),
                value: values
                    .iter()
                    .find(|(m, _)| *m == metric)
                    .and_then(|(_, v)| *v),
                spread: None,
            })
            .collect();
        let mut report = Report {
            scenario: name.to_owned(),
            description: description.to_owned(),
            seed,
            replications: 1,
            metrics,
            differences: Vec::new(),
            expectations: Vec::new(),
        };
        report.expectations = expect.iter().map(|e| report.check(e)).collect();
        report
    }

    /// The report of independent replications `runs` (the first's name, description and
    /// seed): each metric's mean with its spread, the headline metrics' paired differences,
    /// and `expect` checked against them. One run's report is returned as it is.
    pub fn replicated(runs: &[Report], expect: &[Expectation]) -> Report {
        let first = &runs[0];
        if runs.len() == 1 {
            return first.clone();
        }
        let values_of = |metric: Metric| -> Vec<Option<f64>> {
            runs.iter().map(|run| run.get(metric)).collect()
        };
        let metrics = first
            .metrics
            .iter()
            .map(|m| {
                let values: Vec<f64> = values_of(m.metric).into_iter().flatten().collect();
                let spread = Spread::of(&values);
                MetricValue {
                    metric: m.metric,
                    value: spread.map(|s| s.mean),
                    unit: m.unit,
                    spread,
                }
            })
            .collect();
        let mut report = Report {
            replications: runs.len(),
            metrics,
            expectations: Vec::new(),
            ..first.clone()
        };
        let models = report.models();
        report.differences = ModelMetric::HEADLINE
            .iter()
            .flat_map(|&metric| {
                let models = &models;
                models
                    .iter()
                    .enumerate()
                    .flat_map(move |(i, &a)| models[i + 1..].iter().map(move |&b| (metric, a, b)))
            })
            .filter_map(|(metric, a, b)| {
                Difference::of(
                    (a, &values_of(Metric::Model(a, metric))),
                    (b, &values_of(Metric::Model(b, metric))),
                    metric,
                )
            })
            .collect();
        report.expectations = expect.iter().map(|e| report.check(e)).collect();
        report
    }

    /// The value of `metric`.
    pub fn get(&self, metric: Metric) -> Option<f64> {
        self.metrics
            .iter()
            .find(|m| m.metric == metric)
            .and_then(|m| m.value)
    }

    /// The spread of `metric` over replications, when the report has several.
    pub fn spread(&self, metric: Metric) -> Option<&Spread> {
        self.metrics
            .iter()
            .find(|m| m.metric == metric)
            .and_then(|m| m.spread.as_ref())
    }

    /// The value of `model`'s `metric`.
    pub fn model(&self, model: Model, metric: ModelMetric) -> Option<f64> {
        self.get(Metric::Model(model, metric))
    }

    /// `metric` as people read it, with its interval when replicated.
    fn shown(&self, metric: Metric) -> String {
        display_spread(self.get(metric), self.spread(metric), metric.unit())
    }

    fn check(&self, expectation: &Expectation) -> ExpectationResult {
        let actual = Metric::from_name(&expectation.metric)
            .and_then(|m| expectation.statistic.of(self.get(m), self.spread(m)));
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
    fn scenario_rows(&self) -> impl Iterator<Item = (Metric, String)> + '_ {
        self.metrics
            .iter()
            .filter(|m| m.value.is_some() && m.metric.model().is_none())
            .map(|m| (m.metric, self.shown(m.metric)))
    }

    /// The models the scenario ran, in column order.
    pub fn models(&self) -> Vec<Model> {
        Model::ALL
            .into_iter()
            .filter(|&model| {
                self.metrics
                    .iter()
                    .any(|m| m.value.is_some() && m.metric.model() == Some(model))
            })
            .collect()
    }

    /// Per model metric: its label, its name after the model, and a value per model.
    fn model_rows(&self, models: &[Model]) -> Vec<(&'static str, &'static str, Vec<String>)> {
        ModelMetric::ALL
            .iter()
            // Figures no model here has (faults, layers) would be rows of dashes.
            .filter(|&&metric| {
                models
                    .iter()
                    .any(|&model| self.model(model, metric).is_some())
            })
            .map(|&metric| {
                let values = models
                    .iter()
                    .map(|&model| self.shown(Metric::Model(model, metric)))
                    .collect();
                (metric.label(), metric.name(), values)
            })
            .collect()
    }

    /// How the figures were made, for a report's first line.
    fn provenance(&self) -> String {
        match self.replications {
            1 => format!("seed {}", self.seed),
            n => format!(
                "seed {}, {n} replications: mean ± 95% interval; a value alone was the same in each",
                self.seed
            ),
        }
    }

    fn table(&self) -> String {
        let mut out = format!("scenario {} ({})\n", self.scenario, self.provenance());
        // Over replications a cell holds `mean ± half-width`.
        let (swidth, width) = if self.replications > 1 {
            (30, 24)
        } else {
            (26, 18)
        };
        if !self.description.is_empty() {
            let _ = writeln!(out, "  {}", self.description);
        }
        let mut section = String::new();
        for (metric, value) in self.scenario_rows() {
            let name = metric.to_string();
            let prefix = name.split('.').next().unwrap_or("");
            if prefix != section {
                section = prefix.to_owned();
                let _ = writeln!(out, "\n{section}");
            }
            let _ = writeln!(out, "  {:<40} {value:>swidth$}   {name}", metric.label());
        }
        let models = self.models();
        if !models.is_empty() {
            let _ = write!(out, "\n{:<42}", "models");
            for model in &models {
                let _ = write!(out, " {:>width$}", model.name());
            }
            let _ = writeln!(out);
            for (label, metric, values) in self.model_rows(&models) {
                let _ = write!(out, "  {label:<40}");
                for value in values {
                    let _ = write!(out, " {value:>width$}");
                }
                let _ = writeln!(out, "   {metric}");
            }
        }
        for note in self.trace_end_notes() {
            let _ = writeln!(out, "\nnote: {note}");
        }
        for line in self.replication_notes() {
            let _ = writeln!(out, "{line}");
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
        let unit_name = |unit: Unit| {
            serde_json::to_value(unit)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        if self.replications == 1 {
            let mut out = String::from("metric,value,unit\n");
            for m in &self.metrics {
                let _ = writeln!(
                    out,
                    "{},{},{}",
                    m.metric,
                    raw_value(m.value),
                    unit_name(m.unit)
                );
            }
            return out;
        }
        // Replicated: the mean with its interval and range; then each paired difference as
        // a row `difference.<first>-<second>.<metric>`.
        let mut out = String::from("metric,value,unit,ci95_half_width,min,max,replications\n");
        let mut row = |name: String, spread: Option<&Spread>, unit: Unit| {
            let _ = writeln!(
                out,
                "{name},{},{},{},{},{},{}",
                raw_value(spread.map(|s| s.mean)),
                unit_name(unit),
                raw_value(spread.and_then(|s| s.half_width)),
                raw_value(spread.map(|s| s.min)),
                raw_value(spread.map(|s| s.max)),
                spread.map_or(0, |s| s.replications)
            );
        };
        for m in &self.metrics {
            row(m.metric.to_string(), m.spread.as_ref(), m.unit);
        }
        for d in &self.differences {
            let name = format!("difference.{}-{}.{}", d.first, d.second, d.metric.name());
            row(name, Some(&d.spread), d.metric.unit().of_difference());
        }
        out
    }

    /// For each model over a recorded trace, the windows only the trace's end fired, and
    /// that its latency figures leave them out.
    fn trace_end_notes(&self) -> Vec<String> {
        self.models()
            .into_iter()
            .filter_map(|model| {
                let n = self.model(model, ModelMetric::EndFiredWindows)?;
                (n > 0.0).then(|| {
                    let windows = if n == 1.0 { "window" } else { "windows" };
                    format!(
                        "{model}: {n} {windows} fired only by the end of the trace (the final watermark, which the stream it was cut from would have sent later); served and checked, but left out of its latency figures"
                    )
                })
            })
            .collect()
    }

    /// Over replications: the metrics that had a value in fewer of them, and each paired
    /// difference with what it says.
    fn replication_notes(&self) -> Vec<String> {
        if self.replications == 1 {
            return Vec::new();
        }
        let mut lines = Vec::new();
        let fewer: Vec<String> = self
            .metrics
            .iter()
            .filter_map(|m| {
                let s = m.spread.as_ref()?;
                (s.replications < self.replications)
                    .then(|| format!("{} ({} of {})", m.metric, s.replications, self.replications))
            })
            .collect();
        if !fewer.is_empty() {
            lines.push(format!(
                "\nover fewer replications (no value in the others): {}",
                fewer.join(", ")
            ));
        }
        if !self.differences.is_empty() {
            lines.push(
                "\npaired differences (every model read the same events in each replication)"
                    .to_owned(),
            );
            for d in &self.differences {
                lines.push(format!("  {}", difference_line(d)));
            }
        }
        lines
    }

    fn markdown(&self) -> String {
        let mut out = format!("# {}\n\n", self.scenario);
        if !self.description.is_empty() {
            let _ = writeln!(out, "{}\n", self.description);
        }
        let mut provenance = self.provenance();
        provenance[..1].make_ascii_uppercase();
        let _ = writeln!(
            out,
            "{provenance}.\n\n| metric | value | name |\n| --- | ---: | --- |"
        );
        for (metric, value) in self.scenario_rows() {
            let _ = writeln!(out, "| {} | {} | `{metric}` |", metric.label(), value);
        }
        let models = self.models();
        if !models.is_empty() {
            let names: Vec<&str> = models.iter().map(|m| m.name()).collect();
            let _ = writeln!(out, "\n| metric | {} | name |", names.join(" | "));
            let _ = writeln!(out, "| --- |{} --- |", " ---: |".repeat(models.len()));
            for (label, metric, values) in self.model_rows(&models) {
                let _ = writeln!(
                    out,
                    "| {label} | {} | `<model>.{metric}` |",
                    values.join(" | ")
                );
            }
        }
        for note in self.trace_end_notes() {
            let _ = writeln!(out, "\nNote: {note}");
        }
        if !self.differences.is_empty() {
            let _ = writeln!(
                out,
                "\nPaired differences (every model read the same events in each replication):\n"
            );
            for d in &self.differences {
                let _ = writeln!(out, "- {}", difference_line(d));
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

/// `micro_batch − streaming, correct_share: +0.21% ± 0.30%: not distinguishable here`.
pub fn difference_line(d: &Difference) -> String {
    let unit = d.metric.unit().of_difference();
    let sign = if d.spread.mean < 0.0 { "" } else { "+" };
    format!(
        "{} − {}, {}: {sign}{}: {}",
        d.first,
        d.second,
        d.metric.name(),
        display_spread(Some(d.spread.mean), Some(&d.spread), unit),
        d.verdict_words()
    )
}

/// A value as people read it, with its 95 % interval when replicated: `76.43% ± 0.91%`.
pub fn display_spread(value: Option<f64>, spread: Option<&Spread>, unit: Unit) -> String {
    // A figure the same in every replication is shown alone, without a `± 0`.
    let Some(h) = spread.filter(|s| s.varied()).and_then(|s| s.half_width) else {
        return display_value(value, unit);
    };
    match unit {
        // A count's interval is often under one: rounding it away would claim certainty.
        Unit::Count if h < 10.0 => format!("{} ± {h:.1}", display_value(value, unit)),
        // So is a share's under a hundredth of a percent.
        Unit::Share if h < 1e-4 => {
            format!("{:.4}% ± {:.4}%", value.unwrap_or(0.0) * 100.0, h * 100.0)
        }
        _ => format!(
            "{} ± {}",
            display_value(value, unit),
            display_value(Some(h), unit.of_difference())
        ),
    }
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

fn one() -> usize {
    1
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
        Unit::Money => format!("${}", grouped_hundredths(v)),
    }
}

/// `-3007280.694` as `-3,007,280.69`; an amount beyond what cents can count exactly
/// (9·10¹³) in scientific notation, never a saturated figure.
pub fn grouped_hundredths(v: f64) -> String {
    if !(v.abs() < 9e13) {
        return format!("{v:.3e}");
    }
    let cents = (v * 100.0).round() as i64;
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!(
        "{sign}{}.{:02}",
        group_thousands((cents / 100) as i64),
        cents % 100
    )
}

/// `48675` as `48,675`.
pub fn group_thousands(n: i64) -> String {
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
        assert_eq!(display_value(Some(-1_234.5), Unit::Money), "$-1,234.50");
        assert_eq!(display_value(Some(-0.5), Unit::Money), "$-0.50");
        assert_eq!(grouped_hundredths(3_007_280.694), "3,007,280.69");
        assert_eq!(grouped_hundredths(1.5e17), "1.500e17", "not saturated");
        assert_eq!(human_duration(Dur(850)), "850 ms");
        assert_eq!(human_duration(Dur(2_001)), "2.00 s");
        assert_eq!(human_duration(Dur(245_000)), "4m 05s");
        assert_eq!(human_duration(Dur(-5_400_000)), "-1h 30m");
        assert_eq!(display_value(None, Unit::Ms), "-");
    }
}
