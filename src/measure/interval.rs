//! A figure over independent replications: its mean with a 95 % confidence interval
//! (Student's t) and its range, and the paired difference of two models' figures measured on
//! the same replications (common random numbers: every model of a run reads the same
//! arrivals, so the noise the workload puts into both cancels in their difference).

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::measure::catalogue::{Model, ModelMetric};

/// One figure over the replications that had a value for it.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, Serialize)]
pub struct Spread {
    /// The mean over those replications.
    pub mean: f64,
    /// Half the width of the two-sided 95 % confidence interval of the mean,
    /// `t(0.975, n − 1) · s / √n`; `None` from fewer than two values.
    pub half_width: Option<f64>,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
    /// How many replications had a value (a quantile of no dropped events has none).
    pub replications: usize,
}

impl Spread {
    /// The spread of `values`, in replication order; `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Spread> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let half_width = (n > 1).then(|| {
            let squares: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
            let sd = (squares / (n - 1) as f64).sqrt();
            t_factor(n - 1) * sd / (n as f64).sqrt()
        });
        Some(Spread {
            mean,
            half_width,
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            replications: n,
        })
    }

    /// The lower end of the 95 % interval.
    pub fn lower(&self) -> Option<f64> {
        self.half_width.map(|h| self.mean - h)
    }

    /// The upper end of the 95 % interval.
    pub fn upper(&self) -> Option<f64> {
        self.half_width.map(|h| self.mean + h)
    }

    /// False when every replication gave the same value.
    pub fn varied(&self) -> bool {
        self.min != self.max
    }
}

/// The 97.5 % quantile of Student's t with `df` degrees of freedom: the factor of a
/// two-sided 95 % interval (12.706 for one, 2.093 for 19, 1.960 in the limit).
pub fn t_factor(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64)
        .expect("one or more degrees of freedom")
        .inverse_cdf(0.975)
}

/// What a paired difference says about two models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The interval lies above zero: the first model's figure is the higher.
    FirstHigher,
    /// The interval lies below zero: the first model's figure is the lower.
    FirstLower,
    /// The interval holds zero (or there is none): these replications cannot tell them apart.
    NotDistinguishable,
    /// No difference in any replication.
    Equal,
}

/// `first − second` of one metric, paired replication by replication.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct Difference {
    /// The model subtracted from.
    pub first: Model,
    /// The model subtracted.
    pub second: Model,
    /// The metric (a model metric, named without the model).
    #[serde(serialize_with = "metric_name", deserialize_with = "model_metric")]
    pub metric: ModelMetric,
    /// The differences' spread, over the replications where both models had a value.
    pub spread: Spread,
    /// What the interval says.
    pub verdict: Verdict,
}

fn metric_name<S: serde::Serializer>(metric: &ModelMetric, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(metric.name())
}

fn model_metric<'de, D: serde::Deserializer<'de>>(d: D) -> Result<ModelMetric, D::Error> {
    crate::measure::catalogue::by_name(d, ModelMetric::from_name, "metric")
}

impl Difference {
    /// The paired difference of `metric` between `first` and `second`, whose values per
    /// replication are `a` and `b` (in the same order); `None` when no replication has both.
    pub fn of(
        (first, a): (Model, &[Option<f64>]),
        (second, b): (Model, &[Option<f64>]),
        metric: ModelMetric,
    ) -> Option<Difference> {
        let paired: Vec<f64> = a
            .iter()
            .zip(b)
            .filter_map(|(x, y)| Some((*x)? - (*y)?))
            .collect();
        let spread = Spread::of(&paired)?;
        let verdict = match (spread.lower(), spread.upper()) {
            _ if spread.min == 0.0 && spread.max == 0.0 => Verdict::Equal,
            (Some(lower), _) if lower > 0.0 => Verdict::FirstHigher,
            (_, Some(upper)) if upper < 0.0 => Verdict::FirstLower,
            _ => Verdict::NotDistinguishable,
        };
        Some(Difference {
            first,
            second,
            metric,
            spread,
            verdict,
        })
    }
}

impl Difference {
    /// What the interval says, in words: `micro_batch higher`, `not distinguishable here`.
    pub fn verdict_words(&self) -> String {
        match (self.verdict, self.spread.half_width) {
            (Verdict::FirstHigher, _) => format!("{} higher", self.first),
            (Verdict::FirstLower, _) => format!("{} lower", self.first),
            (Verdict::Equal, _) => "equal in every replication".to_owned(),
            (Verdict::NotDistinguishable, Some(_)) => "not distinguishable here".to_owned(),
            (Verdict::NotDistinguishable, None) => {
                "not distinguishable (one replication has both)".to_owned()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn students_t_factors_match_the_printed_tables() {
        for (df, printed) in [
            (1, 12.706),
            (4, 2.776),
            (9, 2.262),
            (19, 2.093),
            (1000, 1.962),
        ] {
            assert!((t_factor(df) - printed).abs() < 5e-4, "df {df}");
        }
    }

    #[test]
    fn an_interval_worked_by_hand() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squares 32, s² = 32/7, s = 2.138;
        // t(0.975, 7) = 2.365, so 2.365 · 2.138 / √8 = 1.788.
        let s = Spread::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert_eq!((s.mean, s.min, s.max, s.replications), (5.0, 2.0, 9.0, 8));
        assert!((s.half_width.unwrap() - 1.788).abs() < 1e-3, "{s:?}");
        assert!((s.lower().unwrap() - 3.212).abs() < 1e-3);
        let one = Spread::of(&[3.0]).unwrap();
        assert_eq!((one.mean, one.half_width, one.upper()), (3.0, None, None));
        assert_eq!(Spread::of(&[]), None);
    }

    #[test]
    fn a_paired_difference_sees_what_two_intervals_cannot() {
        // Each replication moves both models by the same noise; the first is always 0.01
        // higher. Apart, their intervals overlap; paired, the difference is exactly 0.01.
        let noise = [0.70, 0.76, 0.73, 0.78, 0.72];
        let a: Vec<Option<f64>> = noise.iter().map(|x| Some(x + 0.01)).collect();
        let b: Vec<Option<f64>> = noise.iter().map(|x| Some(*x)).collect();
        let flat = |v: &[Option<f64>]| v.iter().flatten().copied().collect::<Vec<_>>();
        let (sa, sb) = (
            Spread::of(&flat(&a)).unwrap(),
            Spread::of(&flat(&b)).unwrap(),
        );
        assert!(
            sa.lower().unwrap() < sb.upper().unwrap(),
            "the intervals overlap"
        );
        let d = Difference::of(
            (Model::MicroBatch, &a),
            (Model::Streaming, &b),
            ModelMetric::CorrectShare,
        )
        .unwrap();
        assert!((d.spread.mean - 0.01).abs() < 1e-12);
        assert!(d.spread.half_width.unwrap() < 1e-12);
        assert_eq!(d.verdict, Verdict::FirstHigher);
    }

    #[test]
    fn a_difference_whose_interval_holds_zero_is_not_distinguishable() {
        // Differences +1, −1, +2, −2: mean 0.
        let a = [Some(11.0), Some(9.0), Some(12.0), Some(8.0), None];
        let b = [Some(10.0); 5];
        let d = Difference::of(
            (Model::Batch, &a),
            (Model::Streaming, &b),
            ModelMetric::EventLatencyP99,
        )
        .unwrap();
        assert_eq!(
            d.spread.replications, 4,
            "only replications with both values"
        );
        assert_eq!(d.verdict, Verdict::NotDistinguishable);
        let lower = [Some(1.0), Some(1.5), Some(1.2)];
        let d = Difference::of(
            (Model::Batch, &lower),
            (Model::Streaming, &b[..3]),
            ModelMetric::EventLatencyP99,
        )
        .unwrap();
        assert_eq!(d.verdict, Verdict::FirstLower);
        let same = [Some(4.0), Some(5.0)];
        let d = Difference::of(
            (Model::Batch, &same),
            (Model::Streaming, &same),
            ModelMetric::CostPerYear,
        );
        assert_eq!(d.unwrap().verdict, Verdict::Equal);
    }
}
