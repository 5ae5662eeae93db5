//! Expectations a scenario states about its report, `"<metric> <op> <threshold>"`: parsed
//! from the scenario file and checked against the measured metrics.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::input::time::Dur;
use crate::measure::interval::Spread;

/// A check on one metric of the report: `metric[.statistic] op threshold`.
#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    /// Metric name, e.g. `workload.delay_p99` (without the statistic).
    pub metric: String,
    /// Which figure of the metric is checked: over replications, its mean unless a suffix
    /// (`.upper95`, `.lower95`, `.min`, `.max`) names a bound.
    pub statistic: Statistic,
    /// How the metric compares with the threshold.
    pub op: Comparison,
    /// The threshold, in the metric's unit (durations in milliseconds, shares 0..1).
    pub threshold: f64,
    /// The expectation as written.
    pub text: String,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

/// Which figure of a metric an expectation checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Statistic {
    /// The value of one run, the mean over replications (`.mean`, or no suffix).
    Mean,
    /// The lower end of the 95 % interval over replications (`.lower95`).
    Lower95,
    /// The upper end of the 95 % interval over replications (`.upper95`).
    Upper95,
    /// The smallest value over replications (`.min`; one run's value).
    Min,
    /// The largest value over replications (`.max`; one run's value).
    Max,
}

impl Statistic {
    const SUFFIXES: [(&'static str, Statistic); 5] = [
        (".mean", Statistic::Mean),
        (".lower95", Statistic::Lower95),
        (".upper95", Statistic::Upper95),
        (".min", Statistic::Min),
        (".max", Statistic::Max),
    ];

    /// `name` without its statistic suffix, and the statistic (the mean when none).
    pub fn split(name: &str) -> (&str, Statistic) {
        Statistic::SUFFIXES
            .iter()
            .find_map(|(suffix, statistic)| {
                name.strip_suffix(suffix).map(|metric| (metric, *statistic))
            })
            .unwrap_or((name, Statistic::Mean))
    }

    /// True for the interval's ends, which only two or more replications have.
    pub fn needs_replications(self) -> bool {
        matches!(self, Statistic::Lower95 | Statistic::Upper95)
    }

    /// This figure of a metric whose value (the mean) is `value` and whose spread over
    /// replications, if it was replicated, is `spread`.
    pub fn of(self, value: Option<f64>, spread: Option<&Spread>) -> Option<f64> {
        match (self, spread) {
            (Statistic::Mean, _) => value,
            (Statistic::Lower95, s) => s?.lower(),
            (Statistic::Upper95, s) => s?.upper(),
            (Statistic::Min, Some(s)) => Some(s.min),
            (Statistic::Max, Some(s)) => Some(s.max),
            (Statistic::Min | Statistic::Max, None) => value,
        }
    }
}

impl Comparison {
    const ALL: [(&'static str, Comparison); 6] = [
        ("<=", Comparison::Le),
        (">=", Comparison::Ge),
        ("==", Comparison::Eq),
        ("!=", Comparison::Ne),
        ("<", Comparison::Lt),
        (">", Comparison::Gt),
    ];

    /// True when `actual op threshold` holds.
    pub fn holds(self, actual: f64, threshold: f64) -> bool {
        match self {
            Comparison::Lt => actual < threshold,
            Comparison::Le => actual <= threshold,
            Comparison::Gt => actual > threshold,
            Comparison::Ge => actual >= threshold,
            Comparison::Eq => actual == threshold,
            Comparison::Ne => actual != threshold,
        }
    }
}

impl Expectation {
    /// Parses `"workload.events >= 40000"` or `"streaming.event_latency_p99.upper95 <= 2s"`;
    /// thresholds may be numbers, durations (`"10m"`,
    /// compared in milliseconds) or percentages (`"2%"`, compared as 0.02).
    pub fn parse(text: &str) -> Result<Expectation, String> {
        let hint = "write \"<metric> <op> <threshold>\", e.g. \"workload.delay_p99 <= 10m\" (op: < <= > >= == !=)";
        let (index, symbol, op) = Comparison::ALL
            .iter()
            .filter_map(|(symbol, op)| text.find(symbol).map(|i| (i, *symbol, *op)))
            .min_by_key(|(i, symbol, _)| (*i, std::cmp::Reverse(symbol.len())))
            .ok_or_else(|| format!("expectation \"{text}\" has no comparison; {hint}"))?;
        // The comparison is the whole run of comparison characters around the one found:
        // `=<` is a malformed operator, not a metric named `x =`.
        let is_op = |c: char| "<>=!".contains(c);
        let start = text[..index].trim_end_matches(is_op).len();
        let end = index + symbol.len();
        let end = end + (text[end..].len() - text[end..].trim_start_matches(is_op).len());
        if &text[start..end] != symbol {
            return Err(format!(
                "expectation \"{text}\": `{}` is not a comparison; {hint}",
                &text[start..end]
            ));
        }
        let (metric, statistic) = Statistic::split(text[..index].trim());
        let value = text[index + symbol.len()..].trim();
        if metric.is_empty() || value.is_empty() {
            return Err(format!("expectation \"{text}\" is incomplete; {hint}"));
        }
        let threshold = parse_threshold(value).ok_or_else(|| {
            format!("expectation \"{text}\": cannot read the threshold \"{value}\"; {hint}")
        })?;
        Ok(Expectation {
            metric: metric.to_owned(),
            statistic,
            op,
            threshold,
            text: text.trim().to_owned(),
        })
    }
}

/// A number, a share (`99%`) or a duration (`10m`, as milliseconds); never NaN or infinite.
fn parse_threshold(value: &str) -> Option<f64> {
    let number = |text: &str| text.parse::<f64>().ok().filter(|x| x.is_finite());
    if let Some(x) = number(value) {
        return Some(x);
    }
    if let Some(percent) = value.strip_suffix('%') {
        return number(percent.trim()).map(|p| p / 100.0);
    }
    Dur::parse(value).ok().map(|d| d.as_ms() as f64)
}

impl Serialize for Expectation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Expectation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Expectation, D::Error> {
        let text = String::deserialize(d)?;
        Expectation::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectations_read_numbers_durations_and_percentages() {
        let e = Expectation::parse("workload.delay_p99 <= 10m").unwrap();
        assert_eq!(
            (e.metric.as_str(), e.op, e.threshold),
            ("workload.delay_p99", Comparison::Le, 600_000.0)
        );
        assert_eq!(Expectation::parse("a>=2%").unwrap().threshold, 0.02);
        assert_eq!(Expectation::parse("a < 5").unwrap().op, Comparison::Lt);
        assert!(Expectation::parse("a is 5").is_err());
        assert!(Expectation::parse("a <= soon").is_err());
    }

    #[test]
    fn a_suffix_names_the_statistic_checked() {
        let e = Expectation::parse("streaming.event_latency_p99.upper95 <= 2s").unwrap();
        assert_eq!(
            (e.metric.as_str(), e.statistic, e.threshold),
            ("streaming.event_latency_p99", Statistic::Upper95, 2_000.0)
        );
        let e = Expectation::parse("workload.delay_max >= 1h").unwrap();
        assert_eq!(
            (e.metric.as_str(), e.statistic),
            ("workload.delay_max", Statistic::Mean)
        );
        let spread = Spread::of(&[1.0, 3.0]).unwrap();
        assert_eq!(Statistic::Max.of(Some(2.0), Some(&spread)), Some(3.0));
        assert_eq!(Statistic::Max.of(Some(2.0), None), Some(2.0), "one run");
        assert_eq!(Statistic::Upper95.of(Some(2.0), None), None, "no interval");
        assert!(Statistic::Upper95.of(Some(2.0), Some(&spread)).unwrap() > 3.0);
    }

    #[test]
    fn a_malformed_comparison_is_named_as_such() {
        for (text, op) in [("a.b =< 5", "=<"), ("a.b => 5", "=>"), ("a.b <<= 5", "<<=")] {
            let err = Expectation::parse(text).unwrap_err();
            assert!(
                err.contains(&format!("`{op}` is not a comparison")),
                "{err}"
            );
        }
        assert_eq!(Expectation::parse("a.b>=5").unwrap().op, Comparison::Ge);
        assert_eq!(Expectation::parse("a.b != -5").unwrap().threshold, -5.0);
    }

    #[test]
    fn a_threshold_that_is_not_a_finite_number_is_refused() {
        for text in ["a.b >= NaN", "a.b < inf", "a.b <= -inf%", "a.b == nan%"] {
            assert!(Expectation::parse(text).is_err(), "{text}");
        }
    }
}
