//! Aggregations and the one accumulator that serves them all: combinable per event and
//! mergeable (session windows merge their accumulators).

use serde::{Deserialize, Serialize};

/// An aggregate a query asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
pub enum Aggregation {
    /// Number of events.
    Count,
    /// Sum of values.
    Sum,
    /// Smallest value.
    Min,
    /// Largest value.
    Max,
    /// Mean value.
    Avg,
}

impl Aggregation {
    /// Lower-case name used in reports and traces.
    pub fn name(self) -> &'static str {
        match self {
            Aggregation::Count => "count",
            Aggregation::Sum => "sum",
            Aggregation::Min => "min",
            Aggregation::Max => "max",
            Aggregation::Avg => "avg",
        }
    }
}

impl std::str::FromStr for Aggregation {
    type Err = String;

    /// `count`, `sum`, `min`, `max` or `avg` (any case).
    fn from_str(text: &str) -> Result<Aggregation, String> {
        [
            Aggregation::Count,
            Aggregation::Sum,
            Aggregation::Min,
            Aggregation::Max,
            Aggregation::Avg,
        ]
        .into_iter()
        .find(|a| a.name().eq_ignore_ascii_case(text.trim()))
        .ok_or_else(|| format!("unknown aggregation \"{text}\": use count, sum, min, max or avg"))
    }
}

/// Count, sum, min and max together; every [`Aggregation`] is read off these.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Accumulator {
    /// Events added.
    pub count: u64,
    /// Sum of their values.
    pub sum: f64,
    /// Smallest value (`+inf` when empty).
    pub min: f64,
    /// Largest value (`-inf` when empty).
    pub max: f64,
}

impl Default for Accumulator {
    fn default() -> Self {
        Accumulator {
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl Accumulator {
    /// An accumulator holding one value.
    pub fn of(value: f64) -> Self {
        let mut acc = Self::default();
        acc.add(value);
        acc
    }

    /// Adds one event's value.
    #[inline]
    pub fn add(&mut self, value: f64) {
        self.count += 1;
        self.sum += value;
        // Plain comparisons: values are finite (traces and generators reject NaN).
        if value < self.min {
            self.min = value;
        }
        if value > self.max {
            self.max = value;
        }
    }

    /// Folds another accumulator in (as when two sessions merge).
    pub fn merge(&mut self, other: &Accumulator) {
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// The value of `aggregation`; `None` for min, max and avg of an empty accumulator.
    pub fn get(&self, aggregation: Aggregation) -> Option<f64> {
        match aggregation {
            Aggregation::Count => Some(self.count as f64),
            Aggregation::Sum => Some(self.sum),
            _ if self.count == 0 => None,
            Aggregation::Min => Some(self.min),
            Aggregation::Max => Some(self.max),
            Aggregation::Avg => Some(self.sum / self.count as f64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_aggregation_reads_off_the_accumulator_and_merging_matches_adding() {
        let mut a = Accumulator::of(10.0);
        a.add(30.0);
        let mut b = Accumulator::of(2.0);
        b.merge(&a);
        assert_eq!(b.get(Aggregation::Count), Some(3.0));
        assert_eq!(b.get(Aggregation::Sum), Some(42.0));
        assert_eq!(b.get(Aggregation::Min), Some(2.0));
        assert_eq!(b.get(Aggregation::Max), Some(30.0));
        assert_eq!(b.get(Aggregation::Avg), Some(14.0));
        assert_eq!(Accumulator::default().get(Aggregation::Avg), None);
    }
}
