//! Scenario files (RON): a workload, the query, and expectations for CI.
//!
//! Loading happens in two stages: the file as written (serde with `deny_unknown_fields`,
//! syntax errors carry ron's line and column), then validation, which collects every
//! problem at once and places each at the line and column of its field.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::compose::cost::CostSpec;
use crate::compose::ron_locate;
use crate::engine::query::QuerySpec;
use crate::input::time::Dur;
use crate::input::validation::Problems;
use crate::input::workload::WorkloadSpec;
use crate::measure::catalogue::{Metric, Model};
use crate::measure::expectation::Expectation;
use crate::runner::batch::{BatchSpec, PlainMicroBatchSpec};
use crate::runner::micro_batch::MicroBatchSpec;
use crate::runner::streaming::StreamingSpec;

/// The scenario tidemark runs when given none: one FreshMart day through all three models.
pub const DEFAULT_SCENARIO: (&str, &str) = (
    "freshmart_compare_models.ron",
    include_str!("../../scenarios/freshmart_compare_models.ron"),
);

/// A whole scenario.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name, used in reports and file names.
    pub name: String,
    /// What the scenario shows, in a sentence or two.
    #[serde(default)]
    pub description: String,
    /// Seed of the workload generator: same seed, same events.
    #[serde(default)]
    pub seed: u64,
    /// Independent replications of the workload (replication i draws from a seed derived
    /// from `seed`, see `experiment`): every figure gets its mean and 95 % interval.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub replications: usize,
    /// The events.
    pub workload: WorkloadSpec,
    /// Measure `start` to `start + duration` inside traffic that runs before and after it
    /// (see `measured`; by default, with a run-in and run-out worked out from the scenario);
    /// `None`: the whole finite input is measured. A trace is always measured whole.
    #[serde(
        default = "crate::compose::measured::by_default",
        skip_serializing_if = "crate::compose::measured::is_by_default"
    )]
    pub measured_period: Option<crate::compose::measured::MeasuredPeriod>,
    /// What is computed over them.
    pub query: QuerySpec,
    /// The record-at-a-time streaming model (Flink), if the scenario runs it.
    #[serde(default)]
    pub streaming: Option<StreamingSpec>,
    /// The micro-batch model (Spark Structured Streaming), if the scenario runs it.
    #[serde(default)]
    pub micro_batch: Option<MicroBatchSpec>,
    /// The scheduled batch job, if the scenario runs it.
    #[serde(default)]
    pub batch: Option<BatchSpec>,
    /// The plain micro-batch loop (re-read the last interval plus a look-back, upsert).
    #[serde(default)]
    pub plain_micro_batch: Option<PlainMicroBatchSpec>,
    /// The Lambda architecture: batch views over a speed layer.
    #[serde(default)]
    pub lambda: Option<crate::compose::architecture::LambdaSpec>,
    /// The Kappa architecture: one streaming pipeline over a retained log.
    #[serde(default)]
    pub kappa: Option<crate::compose::architecture::KappaSpec>,
    /// The modern hybrid: streaming and batch paths upserting one table.
    #[serde(default)]
    pub hybrid: Option<crate::compose::architecture::HybridSpec>,
    /// What the business needs, for `tidemark advise`.
    #[serde(default)]
    pub requirement: Option<crate::compose::requirement::Requirement>,
    /// Prices, for the cost of each model.
    #[serde(default)]
    pub cost: Option<CostSpec>,
    /// Checks on the report's metrics, e.g. `"workload.delay_p99 <= 10m"`.
    #[serde(default)]
    pub expect: Vec<Expectation>,
}

fn one() -> usize {
    1
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

/// A scenario that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{file}: {source}")]
    Io {
        /// The scenario file.
        file: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// The text is not a scenario (syntax, unknown or missing field, malformed value).
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        /// The scenario file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What ron or tidemark said.
        message: String,
    },
    /// The workload's trace could not be read (file, line, field and what to change).
    #[error(transparent)]
    Trace(#[from] crate::input::trace::TraceError),
    /// The scenario parsed, but some values make no sense.
    #[error("{}", .problems.iter().map(|p| format!("{file}:{p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The scenario file.
        file: String,
        /// Every problem found.
        problems: Vec<LocatedProblem>,
    },
}

/// A validation problem placed in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocatedProblem {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Field path, e.g. `query.window.slide`.
    pub path: String,
    /// What is wrong and what to change.
    pub message: String,
}

impl fmt::Display for LocatedProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.line, self.column, self.path, self.message
        )
    }
}

impl Scenario {
    /// Reads and validates the scenario file at `path`.
    pub fn from_file(path: &Path) -> Result<Scenario, ScenarioError> {
        Scenario::from_file_with(path, false)
    }

    /// [`from_file`](Self::from_file); with `skip_bad_rows`, a trace workload's malformed rows
    /// are counted and skipped (see the trace summary) instead of refused.
    pub fn from_file_with(path: &Path, skip_bad_rows: bool) -> Result<Scenario, ScenarioError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            file: file.clone(),
            source,
        })?;
        Scenario::from_ron_with(&text, &file, skip_bad_rows)
    }

    /// Reads the workload's trace, if it has one (`dir`: the scenario file's folder); the
    /// horizon, unless the file gives one, is the hours the trace's events happen in.
    pub fn read_trace(&mut self, dir: &Path) -> Result<(), ScenarioError> {
        self.read_trace_with(dir, false)
    }

    /// [`read_trace`](Self::read_trace), skipping (and counting) malformed rows if asked.
    fn read_trace_with(&mut self, dir: &Path, skip_bad_rows: bool) -> Result<(), ScenarioError> {
        let workload = &mut self.workload;
        if let Some(trace) = &mut workload.trace {
            let (start, duration) = trace.read(dir, skip_bad_rows)?.span();
            if workload.duration == Dur::ZERO {
                (workload.start, workload.duration) = (start, duration);
            } else if workload.start == crate::input::workload::spec::UNSET_START {
                workload.start = start;
            }
        }
        Ok(())
    }

    /// The built-in default scenario.
    pub fn default_scenario() -> Scenario {
        let (name, text) = DEFAULT_SCENARIO;
        Scenario::from_ron(text, name).expect("the built-in scenario is valid (a test checks it)")
    }

    /// Parses and validates RON `text`; `file` names it in errors.
    pub fn from_ron(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
        Scenario::from_ron_with(text, file, false)
    }

    fn from_ron_with(
        text: &str,
        file: &str,
        skip_bad_rows: bool,
    ) -> Result<Scenario, ScenarioError> {
        // Editors on Windows may open the file with a byte-order mark.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        // Optional sections are written without `Some(...)`.
        let options = ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
        let mut scenario: Scenario = options.from_str(text).map_err(|e| ScenarioError::Syntax {
            file: file.to_owned(),
            line: e.span.start.line,
            column: e.span.start.col,
            message: syntax_message(&e.code, field_at(text, e.span.start.line, e.span.start.col)),
        })?;
        scenario.read_trace_with(
            Path::new(file).parent().unwrap_or(Path::new("")),
            skip_bad_rows,
        )?;
        let problems = scenario.problems();
        if problems.is_empty() {
            return Ok(scenario);
        }
        Err(ScenarioError::Invalid {
            file: file.to_owned(),
            problems: problems
                .into_iter()
                .map(|p| {
                    let (line, column) = ron_locate::locate(text, &p.path);
                    LocatedProblem {
                        line,
                        column,
                        path: p.path,
                        message: p.message,
                    }
                })
                .collect(),
        })
    }

    /// Every problem with this scenario's values, by field path.
    pub fn problems(&self) -> Vec<crate::input::validation::Problem> {
        let mut problems = Problems::default();
        problems.check(!self.name.trim().is_empty(), "name", || {
            "give the scenario a name".to_owned()
        });
        self.workload.validate("workload", &mut problems);
        self.query.validate("query", &mut problems);
        if let Some(streaming) = &self.streaming {
            streaming.validate("streaming", &mut problems);
        }
        if let Some(micro_batch) = &self.micro_batch {
            micro_batch.validate(&self.query, "micro_batch", &mut problems);
        }
        if let Some(batch) = &self.batch {
            batch.validate("batch", &mut problems);
        }
        if let Some(plain) = &self.plain_micro_batch {
            plain.validate("plain_micro_batch", &mut problems);
        }
        if let Some(cost) = &self.cost {
            cost.validate("cost", &mut problems);
        }
        self.validate_architectures(&mut problems);
        self.check_limits(&mut problems);
        self.check_replications(&mut problems);
        self.check_measured_period(&mut problems);
        if let Some(requirement) = &self.requirement {
            requirement.validate("requirement", &mut problems);
        }
        for (i, expectation) in self.expect.iter().enumerate() {
            let Some(metric) = Metric::from_name(&expectation.metric) else {
                let suggestion = Metric::closest(&expectation.metric)
                    .map_or(String::new(), |m| format!("did you mean `{m}`? "));
                problems.push(
                    &format!("expect[{i}]"),
                    format!(
                        "unknown metric `{}`; {suggestion}`tidemark metrics` lists them all",
                        expectation.metric,
                    ),
                );
                continue;
            };
            if expectation.statistic.needs_replications() {
                problems.check(self.replications > 1, &format!("expect[{i}]"), || {
                    format!(
                        "`{}` checks an end of the 95% interval, which one run does not have: run 2 or more replications (`replications: 20` in the scenario, or `--replications 20`)",
                        expectation.text
                    )
                });
            }
            if let Some(model) = metric.model() {
                let running = self.models_run();
                problems.check(running.contains(&model), &format!("expect[{i}]"), || {
                    let names: Vec<&str> = running.iter().map(|m| m.name()).collect();
                    format!(
                        "`{}` is about {model}, which this scenario does not run (it runs {}); add a `{model}` section or check another model",
                        expectation.metric,
                        names.join(", ")
                    )
                });
            }
        }
        problems.into_vec()
    }

    /// Records every limit of [`crate::input::limits`] this scenario goes past.
    pub(crate) fn check_limits(&self, problems: &mut Problems) {
        crate::input::limits::check_workload(&self.workload, problems);
        // The workload as run: with its run-in and run-out, when they are sound.
        let workload = if self.measured_period_is_sound() {
            let run = self.run_workload();
            self.check_run_around(&run, problems);
            run
        } else {
            std::borrow::Cow::Borrowed(&self.workload)
        };
        // A job runs until its backlog is gone (the horizon, or longer when a small capacity
        // leaves a backlog), stepping at every watermark tick and state sample.
        let events = workload.expected_events();
        let check_job =
            |path: &str, spec: &StreamingSpec, capacity: Option<f64>, problems: &mut Problems| {
                let capacity =
                    capacity.unwrap_or(f64::INFINITY) * f64::from(spec.parallelism.max(1));
                let span_ms = (workload.duration.as_ms() as f64).max(events / capacity * 1e3);
                let step = spec
                    .watermark_emit
                    .interval()
                    .map_or(spec.sample_every, |tick| tick.min(spec.sample_every));
                crate::input::limits::check_job_steps(path, span_ms, step, problems);
            };
        for (path, spec) in self.streaming_jobs() {
            check_job(path, spec, spec.capacity_per_second, problems);
        }
        // Kappa's new pipeline replays the retained log (at most every event) at its replay
        // capacity.
        if let Some(kappa) = &self.kappa
            && kappa.reprocess_at.is_some()
            && let Some(spec) = self.streaming_layer(&kappa.streaming)
        {
            let capacity = kappa
                .replay_capacity_per_second
                .or(spec.capacity_per_second);
            check_job("kappa.replay_capacity_per_second", spec, capacity, problems);
        }
    }

    /// Replications: from 1 to the limit, all of them within the events limit, and of a
    /// generated workload (a recorded trace is one realisation, the same in every replication).
    fn check_replications(&self, problems: &mut Problems) {
        use crate::input::limits::{MAX_EVENTS, MAX_REPLICATIONS};
        let n = self.replications;
        problems.check((1..=MAX_REPLICATIONS).contains(&n), "replications", || {
            format!("replications {n} must be from 1 to {MAX_REPLICATIONS}")
        });
        let events = self.run_workload().expected_events() * n as f64;
        problems.check(
            n <= 1 || events <= MAX_EVENTS || !events.is_finite(),
            "replications",
            || format!("{n} replications of this workload generate about {events:.1e} events; the limit is {MAX_EVENTS:.0e}: fewer replications or a shorter duration"),
        );
        problems.check(
            n <= 1 || self.workload.trace.is_none(),
            "replications",
            || "a recorded trace is the same events in every replication: replications need generated sources (keep `replications: 1`)".to_owned(),
        );
    }

    /// The models and architectures a run of this scenario reports, in report order.
    pub fn models_run(&self) -> Vec<Model> {
        let layered = |speed: &Option<StreamingSpec>, batch: &Option<BatchSpec>| {
            self.streaming_layer(speed).is_some() && self.batch_layer(batch).is_some()
        };
        let runs = [
            (Model::Batch, self.batch.is_some()),
            (Model::PlainMicroBatch, self.plain_micro_batch.is_some()),
            (Model::MicroBatch, self.micro_batch.is_some()),
            (Model::Streaming, self.streaming.is_some()),
            (
                Model::Lambda,
                self.lambda
                    .as_ref()
                    .is_some_and(|l| layered(&l.speed, &l.batch)),
            ),
            (
                Model::Kappa,
                (self.kappa.as_ref()).is_some_and(|k| self.streaming_layer(&k.streaming).is_some()),
            ),
            (
                Model::Hybrid,
                (self.hybrid.as_ref()).is_some_and(|h| layered(&h.streaming, &h.batch)),
            ),
        ];
        runs.into_iter()
            .filter(|(_, runs)| *runs)
            .map(|(name, _)| name)
            .collect()
    }
}

impl Scenario {
    /// An architecture's streaming layer: its own, or the scenario's.
    pub fn streaming_layer<'a>(
        &'a self,
        own: &'a Option<StreamingSpec>,
    ) -> Option<&'a StreamingSpec> {
        own.as_ref().or(self.streaming.as_ref())
    }

    /// Every streaming job the scenario declares, with its path: the plain model's and the
    /// architectures' own layers.
    pub fn streaming_jobs(&self) -> Vec<(&'static str, &StreamingSpec)> {
        let own = [
            ("streaming", self.streaming.as_ref()),
            (
                "lambda.speed",
                self.lambda.as_ref().and_then(|l| l.speed.as_ref()),
            ),
            (
                "hybrid.streaming",
                self.hybrid.as_ref().and_then(|h| h.streaming.as_ref()),
            ),
            (
                "kappa.streaming",
                self.kappa.as_ref().and_then(|k| k.streaming.as_ref()),
            ),
            (
                "kappa.before",
                self.kappa.as_ref().and_then(|k| k.before.as_ref()),
            ),
        ];
        own.into_iter()
            .filter_map(|(path, spec)| spec.map(|s| (path, s)))
            .collect()
    }

    /// An architecture's batch layer: its own, or the scenario's.
    pub fn batch_layer<'a>(&'a self, own: &'a Option<BatchSpec>) -> Option<&'a BatchSpec> {
        own.as_ref().or(self.batch.as_ref())
    }

    /// Each architecture has its layers, its own or the scenario's, and their values make sense.
    fn validate_architectures(&self, problems: &mut Problems) {
        use crate::compose::architecture::validate_layers;
        let layered = [
            (
                "lambda",
                self.lambda.as_ref().map(|l| (&l.speed, &l.batch, "speed")),
            ),
            (
                "hybrid",
                self.hybrid
                    .as_ref()
                    .map(|h| (&h.streaming, &h.batch, "streaming")),
            ),
        ];
        for (name, spec) in layered {
            let Some((own_streaming, own_batch, field)) = spec else {
                continue;
            };
            validate_layers(
                name,
                self.streaming_layer(own_streaming),
                Some(self.batch_layer(own_batch)),
                problems,
            );
            if let Some(s) = own_streaming {
                s.validate(&format!("{name}.{field}"), problems);
            }
            if let Some(b) = own_batch {
                b.validate(&format!("{name}.batch"), problems);
            }
        }
        if let Some(hybrid) = &self.hybrid
            && let Some(s) = self.streaming_layer(&hybrid.streaming)
        {
            problems.check(
                s.firing_mode == crate::engine::FiringMode::Accumulating,
                "hybrid",
                || "the hybrid's streaming path must upsert whole results: use firing_mode: Accumulating".to_owned(),
            );
        }
        if let Some(kappa) = &self.kappa {
            validate_layers(
                "kappa",
                self.streaming_layer(&kappa.streaming),
                None,
                problems,
            );
            kappa.validate("kappa", problems);
            let replayed = self.streaming_layer(&kappa.streaming);
            if kappa.reprocess_at.is_some() && replayed.is_some_and(|s| !s.faults.is_empty()) {
                problems.check(false, "kappa", || {
                    "the reprocessing pipeline runs without faults: give kappa its own `streaming` without them, and the old job's faults to `before`".to_owned()
                });
            }
        }
    }
}

/// ron's messages, with a hint where the usual fix is known.
fn syntax_message(code: &ron::Error, field: Option<&str>) -> String {
    let message = code.to_string();
    match code {
        ron::Error::NoSuchStructField { .. } | ron::Error::NoSuchEnumVariant { .. } => {
            format!("{message}; check the spelling against scenarios/ or README.md")
        }
        ron::Error::IntegerOutOfBounds | ron::Error::InvalidIntegerDigit { .. } => {
            let range = match field {
                Some("seed") => "a whole number from 0 to 18446744073709551615".to_owned(),
                Some("count") => format!(
                    "a whole number of keys from 1 to {}",
                    crate::input::limits::MAX_KEYS
                ),
                _ => "a whole number, not negative, written without a decimal point or exponent"
                    .to_owned(),
            };
            match field {
                Some(field) => format!("`{field}`: {message}; write {range}"),
                None => format!("{message}; write {range}"),
            }
        }
        _ => message,
    }
}

/// The field whose value stands at `line`:`column` (1-based): the last `name:` before it on
/// that line.
fn field_at(text: &str, line: usize, column: usize) -> Option<&str> {
    let row = text.lines().nth(line.checked_sub(1)?)?;
    let before: String = row.chars().take(column.saturating_sub(1)).collect();
    let colon = before.rfind(':')?;
    let name = before[..colon].trim_end();
    let start = name
        .char_indices()
        .rfind(|&(_, c)| !(c.is_alphanumeric() || c == '_'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let field = &name[start..];
    let offset = row.find(field)?;
    (!field.is_empty()).then(|| &row[offset..offset + field.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_scenario_is_valid() {
        let s = Scenario::default_scenario();
        assert_eq!(s.name, "freshmart_compare_models");
    }

    #[test]
    fn a_byte_order_mark_before_the_scenario_is_read_past() {
        let text = format!("\u{feff}{}", DEFAULT_SCENARIO.1);
        assert!(Scenario::from_ron(&text, "bom.ron").is_ok());
    }

    #[test]
    fn an_integer_out_of_range_names_its_field_and_the_range() {
        let text = DEFAULT_SCENARIO.1.replacen("seed: 17,", "seed: -1,", 1);
        let err = Scenario::from_ron(&text, "s.ron").unwrap_err().to_string();
        assert!(
            err.contains("`seed`: ")
                && err.contains("write a whole number from 0 to 18446744073709551615"),
            "{err}"
        );
        let text = DEFAULT_SCENARIO.1.replacen("count: 40,", "count: 1e12,", 1);
        let err = Scenario::from_ron(&text, "s.ron").unwrap_err().to_string();
        assert!(
            err.contains("`count`: ") && err.contains("keys from 1 to 10000000"),
            "{err}"
        );
    }

    #[test]
    fn the_field_of_an_error_is_found_after_any_text() {
        // Found by the scenario fuzzer: a dash of three bytes before the error's column.
        assert_eq!(field_at("x–y: 5", 1, 10), Some("y"));
        assert_eq!(field_at("  – seed: -1", 1, 11), Some("seed"));
        assert_eq!(field_at("–", 1, 2), None);
    }

    #[test]
    fn every_problem_is_reported_at_its_line_and_column() {
        let text = DEFAULT_SCENARIO
            .1
            .replace(
                "Tumbling(size: \"1h\")",
                "Sliding(size: \"15m\", slide: \"20m\")",
            )
            .replace("mean_per_minute: 32.4", "mean_per_minute: -3.0");
        let Err(ScenarioError::Invalid { problems, .. }) = Scenario::from_ron(&text, "x.ron")
        else {
            panic!("expected validation problems");
        };
        let messages: Vec<_> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(problems.len(), 2, "{messages:?}");
        assert!(
            messages
                .iter()
                .any(|m| m.contains("sliding window slide 20m is larger than its size 15m")),
            "{messages:?}"
        );
        let slide_line = text
            .lines()
            .position(|l| l.contains("slide: \"20m\""))
            .unwrap()
            + 1;
        assert!(
            problems
                .iter()
                .any(|p| p.line == slide_line && p.path == "query.window.slide")
        );
    }
}
