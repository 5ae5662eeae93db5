//! What a generated workload looks like, as written in a scenario file, and its checks.

use serde::{Deserialize, Serialize};

use crate::input::time::{Dur, Ts};
use crate::input::validation::Problems;

/// A workload: sources of events generated over a horizon, or a recorded trace.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSpec {
    /// First instant of the horizon (event time), which generated sources must state; a
    /// trace's: the hour of its first event.
    #[serde(default = "unset_start")]
    pub start: Ts,
    /// Length of the horizon: events happen in `[start, start + duration)`; a trace's: to
    /// the hour after its last event.
    #[serde(default)]
    pub duration: Dur,
    /// The sources, mixed into one stream (none with a trace).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceSpec>,
    /// A recorded trace instead of generated sources: the user's own events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<super::recorded::RecordedTrace>,
}

/// The start of a workload read without one: refused for generated sources (a start nobody
/// chose would silently be 1970), taken from the trace for a recorded one.
pub const UNSET_START: Ts = Ts::from_ms(i64::MIN);

fn unset_start() -> Ts {
    UNSET_START
}

/// One source of events: its rate, keys, values and how late its events arrive.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// A name for reports.
    pub name: String,
    /// How many events per minute, over the day.
    pub rate: RateProfile,
    /// Periods when the rate is multiplied (a flash sale).
    #[serde(default)]
    pub bursts: Vec<Burst>,
    /// The keys events are grouped by.
    pub keys: KeySpec,
    /// The value each event carries.
    #[serde(default)]
    pub values: ValueDist,
    /// Arrival time minus event time for an ordinary event (network, buffering).
    #[serde(default)]
    pub delay: DelayDist,
    /// Devices that go offline and flush their events hours later.
    #[serde(default)]
    pub offline: Offline,
    /// Each key's device clock is off by a fixed amount drawn from `[-clock_skew, clock_skew]`.
    #[serde(default)]
    pub clock_skew: Dur,
    /// Events sent again later with the same id (client retries).
    #[serde(default)]
    pub duplicates: Duplicates,
}

/// Events per minute as a function of the time of day.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum RateProfile {
    /// The same rate all day.
    Constant {
        /// Events per minute.
        per_minute: f64,
    },
    /// A daily curve (a cosine) with the given mean, peak-to-trough ratio and peak time.
    Diurnal {
        /// Mean events per minute over a day.
        mean_per_minute: f64,
        /// Rate at the peak divided by the rate at the trough (>= 1).
        peak_to_trough: f64,
        /// Time of day (UTC) of the peak, e.g. "19h".
        peak_at: Dur,
    },
}

/// A period, counted from the workload start, when the rate is multiplied by `factor`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Burst {
    /// Offset from the workload start.
    pub at: Dur,
    /// How long it lasts.
    pub duration: Dur,
    /// Rate multiplier.
    pub factor: f64,
}

/// How many keys there are, how they are named and how popular each is.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KeySpec {
    /// Number of distinct keys.
    pub count: u32,
    /// Names are the prefix plus a zero-padded number from 1: `store-01`.
    pub prefix: String,
    /// Which keys get the events.
    #[serde(default)]
    pub popularity: Popularity,
}

/// Key popularity.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Popularity {
    /// Every key equally likely.
    #[default]
    Uniform,
    /// Key of rank k has weight 1 / k^exponent (a few hot keys).
    Zipf {
        /// Skew; 0 is uniform, 1 is classic Zipf.
        exponent: f64,
    },
}

/// The distribution of event values (rounded to cents).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum ValueDist {
    /// Every event carries the same value.
    Constant(f64),
    /// Uniform in `[min, max]`.
    Uniform {
        /// Smallest value.
        min: f64,
        /// Largest value.
        max: f64,
    },
    /// Lognormal given by its median and 99th percentile (order amounts).
    LogNormal {
        /// Median value.
        median: f64,
        /// 99th-percentile value.
        p99: f64,
    },
}

impl Default for ValueDist {
    fn default() -> Self {
        ValueDist::Constant(1.0)
    }
}

/// Arrival time minus event time.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum DelayDist {
    /// Events arrive the instant they happen.
    #[default]
    None,
    /// Every event arrives after the same delay.
    Fixed(Dur),
    /// Exponential with the given mean.
    Exponential {
        /// Mean delay.
        mean: Dur,
    },
    /// Lognormal given by its median and 99th percentile.
    LogNormal {
        /// Median delay.
        median: Dur,
        /// 99th-percentile delay.
        p99: Dur,
    },
    /// Pareto (heavy tail): at least `scale`, tail index `shape`.
    Pareto {
        /// Smallest delay.
        scale: Dur,
        /// Tail index; smaller means heavier.
        shape: f64,
    },
}

/// A share of events from devices that were offline: they arrive `min..max` late.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Offline {
    /// Share of events, 0..1.
    pub share: f64,
    /// Shortest offline delay.
    pub min: Dur,
    /// Longest offline delay.
    pub max: Dur,
}

impl Default for Offline {
    fn default() -> Self {
        Offline {
            share: 0.0,
            min: Dur::from_hours(1),
            max: Dur::from_hours(6),
        }
    }
}

/// A share of events sent again (same id) after an exponential retry delay.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Duplicates {
    /// Share of events retried, 0..1.
    pub share: f64,
    /// Mean time from the original's arrival to the retry's.
    pub retry_after: Dur,
}

impl Default for Duplicates {
    fn default() -> Self {
        Duplicates {
            share: 0.0,
            retry_after: Dur::from_secs(30),
        }
    }
}

fn is_share(x: f64) -> bool {
    (0.0..=1.0).contains(&x)
}

impl WorkloadSpec {
    /// About how many events the workload generates (retries excluded): the mean rates over
    /// the horizon, bursts included.
    pub fn expected_events(&self) -> f64 {
        if let Some(trace) = &self.trace {
            return trace.found.as_ref().map_or(0.0, |t| t.rows as f64);
        }
        let minutes = self.duration.as_ms() as f64 / 60_000.0;
        self.sources
            .iter()
            .map(|s| {
                let mean = match s.rate {
                    RateProfile::Constant { per_minute } => per_minute,
                    RateProfile::Diurnal {
                        mean_per_minute, ..
                    } => mean_per_minute,
                };
                let bursts: f64 = s
                    .bursts
                    .iter()
                    .map(|b| (b.factor - 1.0) * mean * b.duration.as_ms() as f64 / 60_000.0)
                    .sum();
                mean * minutes + bursts
            })
            .sum()
    }

    /// Checks every field, recording problems under `path`.
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        problems.check(self.start != UNSET_START, &format!("{path}.start"), || {
            "the workload has no `start`: add the first instant of its horizon, e.g. `start: \"2026-03-17T00:00:00Z\"` (UTC)".to_owned()
        });
        problems.check(
            self.duration > Dur::ZERO,
            &format!("{path}.duration"),
            || format!("duration {} must be positive, e.g. \"24h\"", self.duration),
        );
        match &self.trace {
            None => problems.check(!self.sources.is_empty(), &format!("{path}.sources"), || {
                "at least one source is needed (or a recorded trace: `trace: (path: \"orders.csv\")`)"
                    .to_owned()
            }),
            Some(trace) => {
                problems.check(self.sources.is_empty(), &format!("{path}.sources"), || {
                    "a workload is generated sources or a recorded trace, not both: remove one"
                        .to_owned()
                });
                problems.check(trace.found.is_some(), &format!("{path}.trace"), || {
                    format!("the trace {} has not been read", trace.path.display())
                });
            }
        }
        for (i, source) in self.sources.iter().enumerate() {
            source.validate(&format!("{path}.sources[{i}]"), problems);
        }
    }
}

impl SourceSpec {
    fn validate(&self, path: &str, problems: &mut Problems) {
        match &self.rate {
            RateProfile::Constant { per_minute } => {
                problems.check(
                    per_minute.is_finite() && *per_minute > 0.0,
                    &format!("{path}.rate.per_minute"),
                    || format!("rate {per_minute} events per minute must be a positive number"),
                );
            }
            RateProfile::Diurnal {
                mean_per_minute,
                peak_to_trough,
                peak_at,
            } => {
                problems.check(
                    mean_per_minute.is_finite() && *mean_per_minute > 0.0,
                    &format!("{path}.rate.mean_per_minute"),
                    || {
                        format!(
                            "rate {mean_per_minute} events per minute must be a positive number"
                        )
                    },
                );
                problems.check(
                    peak_to_trough.is_finite() && *peak_to_trough >= 1.0,
                    &format!("{path}.rate.peak_to_trough"),
                    || format!("peak_to_trough {peak_to_trough} must be at least 1 (the peak over the trough)"),
                );
                problems.check(
                    *peak_at >= Dur::ZERO && *peak_at < Dur::from_hours(24),
                    &format!("{path}.rate.peak_at"),
                    || format!("peak_at {peak_at} must be a time of day between 0s and 24h"),
                );
            }
        }
        for (i, burst) in self.bursts.iter().enumerate() {
            let p = format!("{path}.bursts[{i}]");
            problems.check(burst.duration > Dur::ZERO, &format!("{p}.duration"), || {
                format!("burst duration {} must be positive", burst.duration)
            });
            problems.check(
                burst.factor.is_finite() && burst.factor > 0.0,
                &format!("{p}.factor"),
                || {
                    format!(
                        "burst factor {} must be positive (10.0 for a ×10 flash sale)",
                        burst.factor
                    )
                },
            );
            problems.check(burst.at >= Dur::ZERO, &format!("{p}.at"), || {
                format!(
                    "burst start {} must not be before the workload start",
                    burst.at
                )
            });
        }
        problems.check(self.keys.count >= 1, &format!("{path}.keys.count"), || {
            "key count must be at least 1".to_owned()
        });
        if let Popularity::Zipf { exponent } = self.keys.popularity {
            problems.check(
                exponent >= 0.0 && exponent.is_finite(),
                &format!("{path}.keys.popularity.exponent"),
                || format!("zipf exponent {exponent} must be 0 or more (1.0 is classic Zipf)"),
            );
        }
        // Every value is a finite number: an infinite or NaN one has no sum to report.
        let finite = |problems: &mut Problems, value: f64, field: &str| {
            problems.check(value.is_finite(), &format!("{path}.values.{field}"), || {
                format!("value {value} must be a finite number")
            });
        };
        match self.values {
            ValueDist::Constant(v) => {
                problems.check(v.is_finite(), &format!("{path}.values"), || {
                    format!("constant value {v} must be a finite number")
                })
            }
            ValueDist::Uniform { min, max } => {
                finite(problems, min, "min");
                finite(problems, max, "max");
                problems.check(
                    min <= max || !(min.is_finite() && max.is_finite()),
                    &format!("{path}.values.max"),
                    || format!("uniform values: max {max} is below min {min}"),
                );
            }
            ValueDist::LogNormal { median, p99 } => {
                finite(problems, median, "median");
                finite(problems, p99, "p99");
                problems.check(median > 0.0, &format!("{path}.values.median"), || {
                    format!("lognormal values: median {median} must be positive")
                });
                // Compared only when both are numbers (a NaN is reported as such above).
                problems.check(
                    p99 > median || !(p99.is_finite() && median.is_finite()),
                    &format!("{path}.values.p99"),
                    || format!("lognormal values: p99 {p99} must be above the median {median}"),
                );
            }
        }
        let delay = format!("{path}.delay");
        match self.delay {
            DelayDist::None => {}
            DelayDist::Fixed(d) => problems.check(d >= Dur::ZERO, &delay, || {
                format!("fixed delay {d} must not be negative")
            }),
            DelayDist::Exponential { mean } => {
                problems.check(mean > Dur::ZERO, &format!("{delay}.mean"), || {
                    format!("exponential delay: mean {mean} must be positive")
                })
            }
            DelayDist::LogNormal { median, p99 } => {
                problems.check(median > Dur::ZERO, &format!("{delay}.median"), || {
                    format!("lognormal delay: median {median} must be positive")
                });
                problems.check(p99 > median, &format!("{delay}.p99"), || {
                    format!("lognormal delay: p99 {p99} is below the median {median}; the p99 must be the larger")
                });
            }
            DelayDist::Pareto { scale, shape } => {
                problems.check(scale > Dur::ZERO, &format!("{delay}.scale"), || {
                    format!("pareto delay: scale {scale} must be positive")
                });
                problems.check(
                    shape.is_finite() && shape > 0.0,
                    &format!("{delay}.shape"),
                    || {
                        format!(
                            "pareto delay: shape {shape} must be positive (1.5 is a heavy tail)"
                        )
                    },
                );
            }
        }
        let offline = &self.offline;
        problems.check(
            is_share(offline.share),
            &format!("{path}.offline.share"),
            || format!("offline share {} must be between 0 and 1", offline.share),
        );
        problems.check(
            offline.min >= Dur::ZERO,
            &format!("{path}.offline.min"),
            || format!("offline min {} must not be negative", offline.min),
        );
        problems.check(
            offline.min <= offline.max,
            &format!("{path}.offline.max"),
            || format!("offline max {} is below min {}", offline.max, offline.min),
        );
        problems.check(
            self.clock_skew >= Dur::ZERO,
            &format!("{path}.clock_skew"),
            || {
                format!(
                    "clock_skew {} must not be negative (it is the largest offset either way)",
                    self.clock_skew
                )
            },
        );
        let dup = &self.duplicates;
        problems.check(
            is_share(dup.share) && dup.share < 1.0,
            &format!("{path}.duplicates.share"),
            || {
                format!(
                    "duplicate share {} must be at least 0 and below 1",
                    dup.share
                )
            },
        );
        problems.check(
            dup.retry_after > Dur::ZERO,
            &format!("{path}.duplicates.retry_after"),
            || format!("retry_after {} must be positive", dup.retry_after),
        );
    }
}
