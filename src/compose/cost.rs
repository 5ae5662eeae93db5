//! What running a model costs: node-hours at a price, billed in increments with a minimum,
//! plus a fixed orchestration charge per run and storage per GB-month; per run and a year.

use serde::{Deserialize, Serialize};

use crate::input::time::Dur;
use crate::input::validation::Problems;

/// How compute time is billed.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, Serialize)]
pub enum Billing {
    /// By the second, with a minimum per cluster start (managed Flink: 10 minutes).
    PerSecond {
        /// The least a start is billed for.
        minimum: Dur,
    },
    /// By started minute.
    PerMinute,
    /// By started hour.
    PerHour,
}

impl Default for Billing {
    fn default() -> Self {
        Billing::PerSecond { minimum: Dur::ZERO }
    }
}

/// Prices, as a scenario states them.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CostSpec {
    /// Price of one node for one hour ($).
    pub price_per_node_hour: f64,
    /// Nodes in each cluster.
    #[serde(default = "one_node")]
    pub nodes: u32,
    /// Billing increments and minimum.
    #[serde(default)]
    pub billing: Billing,
    /// A fixed charge per job run or per always-on application ($), e.g. the scheduler's.
    #[serde(default)]
    pub orchestration_per_run: f64,
    /// Price of state, log or lake storage per GB-month ($).
    #[serde(default)]
    pub storage_per_gb_month: f64,
}

fn one_node() -> u32 {
    1
}

const HOURS_PER_YEAR: f64 = 24.0 * 365.0;

impl CostSpec {
    /// Checks every field, recording problems under `path`.
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        for (field, value) in [
            ("price_per_node_hour", self.price_per_node_hour),
            ("orchestration_per_run", self.orchestration_per_run),
            ("storage_per_gb_month", self.storage_per_gb_month),
        ] {
            problems.check(
                value >= 0.0 && value.is_finite(),
                &format!("{path}.{field}"),
                || format!("{field} {value} must be a price of 0 or more"),
            );
        }
        problems.check(self.nodes >= 1, &format!("{path}.nodes"), || {
            "nodes must be at least 1".to_owned()
        });
        // Every cost is a multiple of these prices: bound them so none overflows.
        let limit = crate::input::limits::MAX_COST_PER_YEAR;
        let year = self.always_on_per_year();
        problems.check(
            !self.price_per_node_hour.is_finite() || year <= limit,
            &format!("{path}.price_per_node_hour"),
            || {
                format!(
                    "{} nodes at {:.1e} dollars an hour cost {year:.1e} dollars a year always on; the limit is {limit:.0e}: lower the price or the nodes",
                    self.nodes, self.price_per_node_hour
                )
            },
        );
        for (field, value) in [
            ("orchestration_per_run", self.orchestration_per_run),
            ("storage_per_gb_month", self.storage_per_gb_month),
        ] {
            // A run a minute for a year, or a petabyte for a year, stays within the limit.
            problems.check(
                !value.is_finite() || value <= limit / 1e6,
                &format!("{path}.{field}"),
                || {
                    format!(
                        "{field} {value} is more than the limit, {:.0e} dollars",
                        limit / 1e6
                    )
                },
            );
        }
    }

    /// The billed length of one cluster run of `length`.
    pub fn billed(&self, length: Dur) -> Dur {
        let ms = length.as_ms().max(0);
        let round_up = |unit: i64| Dur((ms + unit - 1) / unit * unit);
        match self.billing {
            Billing::PerSecond { minimum } => round_up(1_000).max(minimum),
            Billing::PerMinute => round_up(60_000),
            Billing::PerHour => round_up(3_600_000),
        }
    }

    /// The price of one run of `length` ($): nodes × billed hours × price, plus orchestration.
    pub fn run_cost(&self, length: Dur) -> f64 {
        let hours = self.billed(length).as_ms() as f64 / 3_600_000.0;
        hours * self.nodes as f64 * self.price_per_node_hour + self.orchestration_per_run
    }

    /// A year of always-on operation ($).
    pub fn always_on_per_year(&self) -> f64 {
        HOURS_PER_YEAR * self.nodes as f64 * self.price_per_node_hour + self.orchestration_per_run
    }

    /// A year of `gb` stored ($).
    pub fn storage_per_year(&self, gb: f64) -> f64 {
        gb * self.storage_per_gb_month * 12.0
    }
}

/// Scales a cost observed over `horizon` to a year.
pub fn per_year(cost: f64, horizon: Dur) -> f64 {
    let hours = horizon.as_ms() as f64 / 3_600_000.0;
    if hours <= 0.0 {
        0.0
    } else {
        cost * HOURS_PER_YEAR / hours
    }
}

/// A price list as its vendor publishes it; `price_per_node_hour: None` where the price
/// depends on the region and the page states none: the user enters their own.
pub struct PricePreset {
    /// What the user picks.
    pub name: &'static str,
    /// $ per node-hour (per CFU-, KPU- or node-hour).
    pub price_per_node_hour: Option<f64>,
    pub billing: Billing,
    /// Where the figures come from, and when they were read.
    pub source: &'static str,
    /// What the preset does not model, or what the user must add.
    pub note: &'static str,
}

/// The named price presets; never a figure without its source.
pub const PRICE_PRESETS: &[PricePreset] = &[
    PricePreset {
        name: "The course example: $4 per node-hour",
        price_per_node_hour: Some(4.0),
        billing: Billing::PerSecond { minimum: Dur::ZERO },
        source: "the domain text's cost example (17 min a day = $414 a year; always on = $35,040)",
        note: "an illustration, not a vendor's price",
    },
    PricePreset {
        name: "Confluent Cloud for Apache Flink",
        price_per_node_hour: Some(0.21),
        billing: Billing::PerMinute,
        source: "docs.confluent.io, 'Billing on Confluent Cloud for Apache Flink': $0.21 per \
                 CFU-hour, calculated by the minute (read 2026-12-02)",
        note: "prices vary by cloud region; a statement uses at least 1 CFU-minute",
    },
    PricePreset {
        name: "Amazon Managed Service for Apache Flink",
        price_per_node_hour: None,
        billing: Billing::PerSecond {
            minimum: Dur::from_mins(10),
        },
        source: "docs.aws.amazon.com, 'Per second billing in Managed Service for Apache \
                 Flink': per KPU-hour, billed per second, 10-minute minimum per application \
                 (read 2026-12-02)",
        note: "the KPU price depends on the region (not on that page): enter yours; AWS adds \
               one KPU per application for orchestration: count it in nodes",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn four_dollars() -> CostSpec {
        CostSpec {
            price_per_node_hour: 4.0,
            nodes: 1,
            billing: Billing::default(),
            orchestration_per_run: 0.0,
            storage_per_gb_month: 0.0,
        }
    }

    #[test]
    fn the_domain_text_example_comes_out_exactly() {
        // "17min/day × $4/hr × 365 = $414/year ... $4/hr × 24hr × 365 = $35,040/year".
        let cost = four_dollars();
        let daily = cost.run_cost(Dur::from_mins(17));
        assert_eq!(per_year(daily, Dur::from_hours(24)).round(), 414.0);
        assert_eq!(cost.always_on_per_year(), 35_040.0);
    }

    #[test]
    fn billing_rounds_up_and_applies_the_minimum() {
        let mut cost = four_dollars();
        cost.billing = Billing::PerSecond {
            minimum: Dur::from_mins(10),
        };
        assert_eq!(cost.billed(Dur::from_mins(3)), Dur::from_mins(10));
        assert_eq!(cost.billed(Dur(12 * 60_000 + 1)), Dur(12 * 60_000 + 1_000));
        cost.billing = Billing::PerMinute;
        assert_eq!(cost.billed(Dur(61_000)), Dur::from_mins(2));
        cost.billing = Billing::PerHour;
        assert_eq!(cost.run_cost(Dur::from_mins(17)), 4.0);
    }
}
