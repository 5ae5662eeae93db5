//! What the business needs from a scenario's results: the latency that matters and its
//! bound, the share of results that must end right, and a budget. `tidemark advise` checks
//! candidates against it.

use serde::{Deserialize, Serialize};

use crate::input::time::Dur;
use crate::input::validation::Problems;
use crate::measure::catalogue::{ModelMetric, Unit};

/// What the business needs from the results.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// The latency that matters, a model metric such as `event_latency_p99` (an event on
    /// screen) or `result_delay_max` (a window's report after the window ends).
    #[serde(default = "event_latency_p99")]
    pub latency: String,
    /// The most that latency may be.
    pub max_latency: Dur,
    /// The least share of results that must end exactly right.
    #[serde(default = "all_but_one_percent")]
    pub min_correct_share: f64,
    /// The most a year may cost ($); none: no budget.
    #[serde(default)]
    pub budget_per_year: Option<f64>,
}

fn event_latency_p99() -> String {
    "event_latency_p99".to_owned()
}

fn all_but_one_percent() -> f64 {
    0.99
}

impl Requirement {
    /// Checks the values, recording problems under `path`.
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        problems.check(
            self.latency_metric().is_some(),
            &format!("{path}.latency"),
            || {
                format!(
                    "`{}` is not a latency metric; use one of: {}",
                    self.latency,
                    latency_metrics()
                        .map(ModelMetric::name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        );
        problems.check(
            self.max_latency > Dur::ZERO,
            &format!("{path}.max_latency"),
            || format!("max_latency {} must be positive", self.max_latency),
        );
        if let Some(budget) = self.budget_per_year {
            problems.check(
                budget.is_finite() && budget >= 0.0,
                &format!("{path}.budget_per_year"),
                || format!("budget_per_year {budget} must be an amount of 0 or more"),
            );
        }
        problems.check(
            (0.0..=1.0).contains(&self.min_correct_share),
            &format!("{path}.min_correct_share"),
            || {
                format!(
                    "min_correct_share {} must be a share between 0 and 1",
                    self.min_correct_share
                )
            },
        );
    }
}

impl Requirement {
    /// The latency metric named, when it is one.
    pub fn latency_metric(&self) -> Option<ModelMetric> {
        ModelMetric::from_name(&self.latency).filter(|m| m.unit() == Unit::Ms)
    }
}

/// The model metrics a requirement's latency may name.
fn latency_metrics() -> impl Iterator<Item = ModelMetric> {
    ModelMetric::ALL
        .iter()
        .copied()
        .filter(|m| m.unit() == Unit::Ms)
}
