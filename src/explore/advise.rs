//! The advisor: runs candidate models and architectures over a small grid of their settings
//! and recommends the cheapest that meets the scenario's requirement, saying why the others
//! fail. The answer comes from measuring each candidate on the scenario's own workload.

use std::fmt::Write as _;

use rayon::prelude::*;

use crate::compose::requirement::Requirement;
use crate::compose::scenario::Scenario;
use crate::experiment::run_replicated;
use crate::input::time::Dur;
use crate::measure::catalogue::{Metric, Model, ModelMetric, Unit};
use crate::measure::report::{Report, display_spread, display_value};
use crate::runner::batch::BatchSpec;
use crate::runner::micro_batch::{MicroBatchSpec, OutputMode};
use crate::runner::streaming::{Hops, StreamingSpec};

/// One candidate measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Model or architecture.
    pub model: Model,
    /// Its settings, for people.
    pub settings: String,
    /// The required latency metric (over replications: the mean).
    pub latency: Figure,
    /// Share of results right at the end.
    pub correct_share: Figure,
    /// Cost a year ($).
    pub cost_per_year: Figure,
    /// Why it fails the requirement; empty when it meets it.
    pub failures: Vec<String>,
}

/// One figure of a candidate: its value (the mean over replications) and, when replicated,
/// the end of its 95 % interval that a requirement is judged by — the pessimistic one.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// The value, or the mean over replications.
    pub value: Option<f64>,
    /// The pessimistic end of the 95 % interval (upper for latency and cost, lower for
    /// correctness); `None` from one run.
    pub bound: Option<f64>,
    /// The figure as people read it, `76.43% ± 0.91%`.
    pub shown: String,
}

impl Figure {
    /// `report`'s `metric` of `model`, judged by its upper (`upper`) or lower end.
    fn of(report: &Report, model: Model, metric: ModelMetric, upper: bool) -> Figure {
        let metric_of = Metric::Model(model, metric);
        let spread = report.spread(metric_of);
        Figure {
            value: report.get(metric_of),
            bound: spread.and_then(|s| if upper { s.upper() } else { s.lower() }),
            shown: display_spread(report.get(metric_of), spread, metric.unit()),
        }
    }

    /// What a requirement is judged by: the pessimistic bound, or the one value.
    pub fn judged(&self) -> Option<f64> {
        self.bound.or(self.value)
    }
}

/// Simplicity order on equal cost: fewer moving parts first.
const SIMPLICITY: [Model; 7] = [
    Model::Batch,
    Model::PlainMicroBatch,
    Model::MicroBatch,
    Model::Streaming,
    Model::Hybrid,
    Model::Kappa,
    Model::Lambda,
];

/// The advice: every candidate measured, cheapest meeting the requirement first.
#[derive(Clone, Debug)]
pub struct Advice {
    /// The requirement checked.
    pub requirement: Requirement,
    /// Replications of each candidate (1: one run, judged by its values).
    pub replications: usize,
    /// Every candidate, those that meet the requirement first, each group cheapest first.
    pub verdicts: Vec<Verdict>,
}

/// Why `scenario` cannot be advised on.
#[derive(Debug, thiserror::Error)]
pub enum AdviseError {
    /// No requirement section.
    #[error(
        "the scenario has no `requirement`: add e.g. `requirement: (max_latency: \"5m\", min_correct_share: 0.99)`"
    )]
    NoRequirement,
    /// No prices.
    #[error(
        "the scenario has no `cost` section: the advisor compares prices, add e.g. `cost: (price_per_node_hour: 0.5, nodes: 4)`"
    )]
    NoCost,
}

/// The candidates tried for `scenario`: each model over a small grid of its settings, the
/// scenario's own models and architectures as written, each alone in its scenario.
pub fn candidates(scenario: &Scenario) -> Vec<(String, Scenario)> {
    let base = alone(scenario, None);
    let mut out = Vec::new();
    let mut push = |label: String, edit: &dyn Fn(&mut Scenario)| {
        let mut s = base.clone();
        edit(&mut s);
        out.push((label, s));
    };
    // Batch: hourly or daily, run a little or long after the period ends; a period shorter
    // than the window would upsert partial windows.
    let window = scenario.query.window.length().unwrap_or(Dur::ZERO);
    for (every, name) in [
        (Dur::from_hours(1), "hourly"),
        (Dur::from_hours(24), "daily"),
    ] {
        for at in [Dur::from_mins(15), Dur::from_hours(4)] {
            if at < every && every >= window {
                push(format!("batch {name} at +{at}"), &|s| {
                    s.batch = Some(BatchSpec {
                        startup: Dur::from_mins(2),
                        ..BatchSpec::every(every, at)
                    })
                });
            }
        }
    }
    // Micro-batch: Spark's processing-time triggers, with its per-batch overhead.
    for interval in [Dur::from_secs(30), Dur::from_mins(5)] {
        for delay in [Dur::from_secs(10), Dur::from_mins(5)] {
            push(
                format!("micro-batch trigger {interval}, watermark {delay}"),
                &|s| {
                    let mut spec = MicroBatchSpec::replay(interval, delay, OutputMode::Update);
                    spec.batch_overhead = Dur::from_secs(1);
                    s.micro_batch = Some(spec);
                },
            );
        }
    }
    // Streaming: watermarks short and long, with and without early results.
    for delay in [Dur::from_secs(2), Dur::from_mins(5)] {
        for early in [None, Some(Dur::from_secs(1))] {
            let label = match early {
                Some(e) => format!("streaming watermark {delay}, early firing {e}"),
                None => format!("streaming watermark {delay}"),
            };
            push(label, &|s| {
                let mut spec = StreamingSpec::with_delay(delay);
                spec.early_firing = early;
                spec.hops = Hops {
                    broker_to_processor: Dur::from_ms(10),
                    processor_to_sink: Dur::from_ms(20),
                };
                s.streaming = Some(spec);
            });
        }
    }
    // The scenario's own choices, as written.
    for model in Model::ALL {
        let own = alone(scenario, Some(model));
        if !crate::compose::models::models_of(&own).is_empty() {
            out.push((format!("{} as in the scenario", display_model(model)), own));
        }
    }
    out
}

/// `original` with only `keep` of its models and architectures (none: none of them), and no
/// expectations; an architecture keeps the layers it took from the scenario's sections.
fn alone(original: &Scenario, keep: Option<Model>) -> Scenario {
    let mut s = original.clone();
    s.expect.clear();
    if let Some(l) = &mut s.lambda {
        l.speed = l.speed.take().or_else(|| original.streaming.clone());
        l.batch = l.batch.take().or_else(|| original.batch.clone());
    }
    if let Some(k) = &mut s.kappa {
        k.streaming = k.streaming.take().or_else(|| original.streaming.clone());
    }
    if let Some(h) = &mut s.hybrid {
        h.streaming = h.streaming.take().or_else(|| original.streaming.clone());
        h.batch = h.batch.take().or_else(|| original.batch.clone());
    }
    let drop = |model: Model| keep != Some(model);
    if drop(Model::Batch) {
        s.batch = None;
    }
    if drop(Model::PlainMicroBatch) {
        s.plain_micro_batch = None;
    }
    if drop(Model::MicroBatch) {
        s.micro_batch = None;
    }
    if drop(Model::Streaming) {
        s.streaming = None;
    }
    if drop(Model::Lambda) {
        s.lambda = None;
    }
    if drop(Model::Kappa) {
        s.kappa = None;
    }
    if drop(Model::Hybrid) {
        s.hybrid = None;
    }
    s
}

/// Measures every candidate (in parallel; the order of the result does not depend on the
/// thread count) and ranks them; `progress` hears how many of how many are done.
pub fn advise(
    scenario: &Scenario,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Advice, AdviseError> {
    let requirement = scenario
        .requirement
        .clone()
        .ok_or(AdviseError::NoRequirement)?;
    if scenario.cost.is_none() {
        return Err(AdviseError::NoCost);
    }
    let candidates = candidates(scenario);
    let total = candidates.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let mut verdicts: Vec<Verdict> = candidates
        .par_iter()
        .filter(|(_, s)| s.problems().is_empty())
        .filter_map(|(settings, s)| {
            let report = run_replicated(s, &|_| {}).report;
            progress(
                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
                total,
            );
            let model = *report.models().first()?;
            let latency = requirement
                .latency_metric()
                .unwrap_or(ModelMetric::EventLatencyP99);
            let mut verdict = Verdict {
                model,
                settings: settings.clone(),
                latency: Figure::of(&report, model, latency, true),
                correct_share: Figure::of(&report, model, ModelMetric::CorrectShare, false),
                cost_per_year: Figure::of(&report, model, ModelMetric::CostPerYear, true),
                failures: Vec::new(),
            };
            verdict.failures = failures(&verdict, &requirement);
            Some(verdict)
        })
        .collect();
    let simplicity = |m: Model| SIMPLICITY.iter().position(|s| *s == m);
    verdicts.sort_by(|a, b| {
        (!a.failures.is_empty())
            .cmp(&!b.failures.is_empty())
            .then(
                a.cost_per_year
                    .judged()
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.cost_per_year.judged().unwrap_or(f64::INFINITY)),
            )
            .then(simplicity(a.model).cmp(&simplicity(b.model)))
    });
    Ok(Advice {
        requirement,
        replications: scenario.replications.max(1),
        verdicts,
    })
}

/// What keeps `v` from meeting `r`, in words; over replications each figure is judged by
/// the pessimistic end of its 95 % interval.
fn failures(v: &Verdict, r: &Requirement) -> Vec<String> {
    let mut out = Vec::new();
    let limit = r.max_latency.as_ms() as f64;
    match v.latency.judged() {
        Some(l) if l <= limit => {}
        Some(l) => out.push(format!(
            "misses the {} requirement at {} = {}{}",
            r.max_latency,
            short(&r.latency),
            v.latency.shown,
            bound_words(&v.latency, "upper", Unit::Ms, l)
        )),
        None => out.push(format!("has no {} (no results)", r.latency)),
    }
    match v.correct_share.judged() {
        Some(c) if c >= r.min_correct_share => {}
        c => out.push(format!(
            "is {} correct{}, below {}",
            v.correct_share.shown,
            c.map_or(String::new(), |c| bound_words(
                &v.correct_share,
                "lower",
                Unit::Share,
                c
            )),
            display_value(Some(r.min_correct_share), Unit::Share)
        )),
    }
    if let (Some(budget), Some(cost)) = (r.budget_per_year, v.cost_per_year.judged())
        && cost > budget
    {
        out.push(format!(
            "costs {} a year{}, over the {} budget",
            v.cost_per_year.shown,
            bound_words(&v.cost_per_year, "upper", Unit::Money, cost),
            display_value(Some(budget), Unit::Money)
        ));
    }
    out
}

/// `" (upper 95% bound 2.30 s)"` when `figure` was judged by a bound, else nothing.
fn bound_words(figure: &Figure, end: &str, unit: Unit, judged: f64) -> String {
    match figure.bound {
        Some(_) => format!(" ({end} 95% bound {})", display_value(Some(judged), unit)),
        None => String::new(),
    }
}

/// `event_latency_p99` → `p99`, the way people say it.
fn short(metric: &str) -> &str {
    metric.rsplit('_').next().unwrap_or(metric)
}

impl Advice {
    /// The best candidate, if any meets the requirement.
    pub fn recommended(&self) -> Option<&Verdict> {
        self.verdicts.first().filter(|v| v.failures.is_empty())
    }

    /// The advice as text: the requirement, a line per candidate, and the recommendation.
    pub fn render(&self) -> String {
        let r = &self.requirement;
        let mut out = format!(
            "requirement: {} <= {}, correct >= {}{}\n",
            r.latency,
            r.max_latency,
            display_value(Some(r.min_correct_share), Unit::Share),
            r.budget_per_year
                .map(|b| format!(", budget {} a year", display_value(Some(b), Unit::Money)))
                .unwrap_or_default()
        );
        // Over replications the cells hold `mean ± half-width`, and a candidate is judged by
        // its intervals' pessimistic ends.
        let (wide, narrow) = if self.replications > 1 {
            let _ = writeln!(
                out,
                "{} replications each: a candidate meets it only when the pessimistic end of each 95% interval does",
                self.replications
            );
            (22, 18)
        } else {
            (12, 9)
        };
        let _ = writeln!(
            out,
            "\n{:<56} {:>wide$} {:>narrow$} {:>wide$}  verdict",
            "candidate",
            short(&r.latency),
            "correct",
            "cost/year"
        );
        for v in &self.verdicts {
            let verdict = if v.failures.is_empty() {
                "meets".to_owned()
            } else {
                v.failures.join("; ")
            };
            let _ = writeln!(
                out,
                "{:<56} {:>wide$} {:>narrow$} {:>wide$}  {verdict}",
                v.settings, v.latency.shown, v.correct_share.shown, v.cost_per_year.shown,
            );
        }
        let _ = writeln!(out, "\nrecommendation: {}", self.recommendation());
        out
    }

    /// `<model> — <why>`: the cheapest candidate that meets the requirement, against the best
    /// of each other model.
    pub fn recommendation(&self) -> String {
        let Some(best) = self.recommended() else {
            let closest = self
                .verdicts
                .first()
                .map_or("no candidate ran".to_owned(), |v| {
                    format!("the closest, {}, {}", v.settings, v.failures.join("; "))
                });
            return format!("none — no candidate meets the requirement; {closest}");
        };
        let r = &self.requirement;
        let mut why = match best.latency.bound {
            Some(upper) => format!(
                "{} meets {} at {} = {}, upper 95% bound {} <= {}, with {} correct for {} a year, in {} replications",
                best.settings,
                r.max_latency,
                short(&r.latency),
                display_value(best.latency.value, Unit::Ms),
                display_value(Some(upper), Unit::Ms),
                r.max_latency,
                best.correct_share.shown,
                best.cost_per_year.shown,
                self.replications
            ),
            None => format!(
                "{} meets {} at {} = {} with {} correct for {} a year",
                best.settings,
                r.max_latency,
                short(&r.latency),
                best.latency.shown,
                best.correct_share.shown,
                best.cost_per_year.shown
            ),
        };
        let mut seen = vec![best.model];
        for v in &self.verdicts {
            if seen.contains(&v.model) {
                continue;
            }
            seen.push(v.model);
            let reason = if v.failures.is_empty() {
                match v.cost_per_year.judged().zip(best.cost_per_year.judged()) {
                    Some((c, b)) if b > 0.0 && c > b * 1.05 => {
                        format!("meets it too but costs {:.1}× as much", c / b)
                    }
                    Some((c, b)) if c > b + 0.005 => format!(
                        "meets it too but costs {} more a year",
                        display_value(Some(c - b), Unit::Money)
                    ),
                    _ => "meets it too at the same cost but has more to run (on a tie the simpler model wins)".to_owned(),
                }
            } else {
                v.failures.join("; ")
            };
            let _ = write!(why, "; {} {reason}", v.settings);
        }
        format!("{} — {why}", display_model(best.model))
    }
}

/// The model's name in prose.
fn display_model(model: Model) -> String {
    model.name().replace('_', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(latency_ms: f64, upper_ms: Option<f64>) -> Verdict {
        let figure = |value: f64, bound: Option<f64>, unit| Figure {
            value: Some(value),
            bound,
            shown: display_value(Some(value), unit),
        };
        Verdict {
            model: Model::Streaming,
            settings: "streaming watermark 2s".to_owned(),
            latency: figure(latency_ms, upper_ms, Unit::Ms),
            correct_share: figure(0.995, upper_ms.map(|_| 0.992), Unit::Share),
            cost_per_year: figure(35_040.0, upper_ms.map(|_| 35_040.0), Unit::Money),
            failures: Vec::new(),
        }
    }

    #[test]
    fn over_replications_a_candidate_is_judged_by_the_pessimistic_end() {
        let requirement = Requirement {
            latency: "event_latency_p99".to_owned(),
            max_latency: Dur::from_secs(2),
            min_correct_share: 0.99,
            budget_per_year: None,
        };
        // One run: 1.6 s meets 2 s.
        assert!(failures(&verdict(1_600.0, None), &requirement).is_empty());
        // Replicated: a mean of 1.6 s whose upper bound is 1.8 s meets it ...
        assert!(failures(&verdict(1_600.0, Some(1_800.0)), &requirement).is_empty());
        // ... and one whose upper bound is 2.3 s does not, and says why.
        let failed = failures(&verdict(1_600.0, Some(2_300.0)), &requirement);
        assert_eq!(
            failed,
            ["misses the 2s requirement at p99 = 1.60 s (upper 95% bound 2.30 s)"]
        );
        // Correctness is judged by its lower end: 99.5 % whose lower bound is 99.2 % meets
        // 99 %, not 99.3 %.
        let strict = Requirement {
            min_correct_share: 0.993,
            ..requirement.clone()
        };
        let failed = failures(&verdict(1_600.0, Some(1_800.0)), &strict);
        assert_eq!(
            failed,
            ["is 99.50% correct (lower 95% bound 99.20%), below 99.30%"]
        );
        let advice = Advice {
            requirement,
            replications: 20,
            verdicts: vec![verdict(1_600.0, Some(1_800.0))],
        };
        assert!(
            advice.recommendation().starts_with(
                "streaming — streaming watermark 2s meets 2s at p99 = 1.60 s, upper 95% bound 1.80 s <= 2s, with 99.50% correct for $35,040.00 a year, in 20 replications"
            ),
            "{}",
            advice.recommendation()
        );
    }
}
