//! One simulated clock in integer milliseconds: event time and processing time both live on it.
//!
//! [`Ts`] is an instant (milliseconds since the Unix epoch, UTC) and [`Dur`] a signed span.
//! Durations read and print like `"5m"`, `"1h30m"`, `"250ms"`; instants print as RFC 3339.

use std::fmt;
use std::ops::{Add, AddAssign, Mul, Sub};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant on the simulated clock: milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ts(pub i64);

/// A signed span of simulated time in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dur(pub i64);

const UNITS_MS: [(&str, i64); 5] = [
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

impl Dur {
    /// No time at all.
    pub const ZERO: Dur = Dur(0);

    /// A span of `ms` milliseconds.
    pub const fn from_ms(ms: i64) -> Dur {
        Dur(ms)
    }

    /// A span of `s` seconds.
    pub const fn from_secs(s: i64) -> Dur {
        Dur(s * 1_000)
    }

    /// A span of `m` minutes.
    pub const fn from_mins(m: i64) -> Dur {
        Dur(m * 60_000)
    }

    /// A span of `h` hours.
    pub const fn from_hours(h: i64) -> Dur {
        Dur(h * 3_600_000)
    }

    /// The span in milliseconds.
    pub const fn as_ms(self) -> i64 {
        self.0
    }

    /// The span in (fractional) seconds, for display and rates.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1_000.0
    }

    /// Parses `"5m"`, `"1h30m"`, `"250ms"`, `"1.5s"`, `"-2m"` or `"0"`.
    /// Units: `d`, `h`, `m`, `s`, `ms`; parts must go from larger units to smaller ones.
    pub fn parse(text: &str) -> Result<Dur, String> {
        let bad = |why: &str| {
            format!(
                "malformed duration \"{text}\": {why}; write a number with a unit, e.g. \"5m\", \"1h30m\", \"250ms\""
            )
        };
        let trimmed = text.trim();
        let (negative, mut rest) = match trimmed.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, trimmed),
        };
        if rest == "0" {
            return Ok(Dur::ZERO);
        }
        if rest.is_empty() {
            return Err(bad("it is empty"));
        }
        let mut total: f64 = 0.0;
        let mut last_unit_ms = i64::MAX;
        while !rest.is_empty() {
            let number_len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            if number_len == 0 {
                return Err(bad("expected a number"));
            }
            let number: f64 = rest[..number_len]
                .parse()
                .map_err(|_| bad("the number cannot be read"))?;
            rest = &rest[number_len..];
            let unit_len = rest
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(rest.len());
            let unit = &rest[..unit_len];
            let Some(&(_, unit_ms)) = UNITS_MS.iter().find(|(name, _)| *name == unit) else {
                return Err(bad(if unit.is_empty() {
                    "a unit is missing"
                } else {
                    "unknown unit (use d, h, m, s or ms)"
                }));
            };
            if unit_ms >= last_unit_ms {
                return Err(bad("units must go from larger to smaller, each once"));
            }
            last_unit_ms = unit_ms;
            total += number * unit_ms as f64;
            rest = &rest[unit_len..];
        }
        if total.fract() != 0.0 {
            return Err(bad("it is finer than a millisecond"));
        }
        if total > i64::MAX as f64 / 2.0 {
            return Err(bad("it is too long"));
        }
        let ms = total as i64;
        Ok(Dur(if negative { -ms } else { ms }))
    }
}

impl fmt::Display for Dur {
    /// Prints the canonical form that [`Dur::parse`] reads back: `1h30m`, `250ms`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        if self.0 < 0 {
            f.write_str("-")?;
        }
        let mut rest = self.0.unsigned_abs();
        for (name, unit_ms) in UNITS_MS {
            let unit_ms = unit_ms as u64;
            if rest >= unit_ms {
                write!(f, "{}{name}", rest / unit_ms)?;
                rest %= unit_ms;
            }
        }
        Ok(())
    }
}

impl Ts {
    /// The instant `ms` milliseconds after the epoch.
    pub const fn from_ms(ms: i64) -> Ts {
        Ts(ms)
    }

    /// Milliseconds since the epoch.
    pub const fn as_ms(self) -> i64 {
        self.0
    }

    /// Parses RFC 3339 (`2026-03-17T00:00:00Z`) or a plain integer of epoch milliseconds.
    pub fn parse(text: &str) -> Result<Ts, String> {
        let text = text.trim();
        if let Ok(ms) = text.parse::<i64>() {
            return Ok(Ts(ms));
        }
        DateTime::parse_from_rfc3339(text)
            .map(|t| Ts(t.timestamp_millis()))
            .map_err(|e| {
                format!(
                    "malformed timestamp \"{text}\": {e}; write RFC 3339 like \"2026-03-17T00:00:00Z\" or epoch milliseconds"
                )
            })
    }

    /// Rounds down to a multiple of `step` (counted from the epoch), as window assigners do.
    pub fn floor_to(self, step: Dur) -> Ts {
        Ts(self.0 - self.0.rem_euclid(step.0))
    }
}

impl fmt::Display for Ts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match DateTime::<Utc>::from_timestamp_millis(self.0) {
            Some(t) => f.write_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true)),
            None => write!(f, "{}ms", self.0),
        }
    }
}

impl Add<Dur> for Ts {
    type Output = Ts;
    fn add(self, d: Dur) -> Ts {
        Ts(self.0.saturating_add(d.0))
    }
}

impl Sub<Dur> for Ts {
    type Output = Ts;
    fn sub(self, d: Dur) -> Ts {
        Ts(self.0.saturating_sub(d.0))
    }
}

impl Sub for Ts {
    type Output = Dur;
    fn sub(self, other: Ts) -> Dur {
        Dur(self.0.saturating_sub(other.0))
    }
}

impl Add for Dur {
    type Output = Dur;
    fn add(self, d: Dur) -> Dur {
        Dur(self.0.saturating_add(d.0))
    }
}

impl AddAssign<Dur> for Ts {
    fn add_assign(&mut self, d: Dur) {
        *self = *self + d;
    }
}

impl Mul<i64> for Dur {
    type Output = Dur;
    fn mul(self, k: i64) -> Dur {
        Dur(self.0.saturating_mul(k))
    }
}

impl Serialize for Dur {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Dur, D::Error> {
        let text = String::deserialize(d)?;
        Dur::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Ts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Ts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Ts, D::Error> {
        let text = String::deserialize(d)?;
        Ts::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_forms_scenarios_use() {
        assert_eq!(Dur::parse("5m"), Ok(Dur::from_mins(5)));
        assert_eq!(Dur::parse("1h30m"), Ok(Dur::from_mins(90)));
        assert_eq!(Dur::parse("250ms"), Ok(Dur(250)));
        assert_eq!(Dur::parse("1.5s"), Ok(Dur(1_500)));
        assert_eq!(Dur::parse("2d"), Ok(Dur::from_hours(48)));
        assert_eq!(Dur::parse("-2m"), Ok(Dur::from_mins(-2)));
        assert_eq!(Dur::parse("0"), Ok(Dur::ZERO));
    }

    #[test]
    fn rejects_malformed_durations_with_a_hint() {
        for bad in ["", "5", "5x", "m5", "30m1h", "1.0005s", "5m5m"] {
            let err = Dur::parse(bad).unwrap_err();
            assert!(err.contains("e.g. \"5m\""), "{bad}: {err}");
        }
    }

    #[test]
    fn timestamps_print_as_rfc3339_and_parse_back() {
        let t = Ts::parse("2026-03-17T23:58:00Z").unwrap();
        assert_eq!(t.to_string(), "2026-03-17T23:58:00.000Z");
        assert_eq!(Ts::parse(&t.to_string()), Ok(t));
        assert_eq!(Ts::parse("1773791880000"), Ok(Ts(1_773_791_880_000)));
        assert_eq!(Ts(-1).floor_to(Dur::from_secs(1)), Ts(-1_000));
    }

    proptest! {
        #[test]
        fn duration_display_round_trips(ms in -10_000_000_000i64..10_000_000_000) {
            let d = Dur(ms);
            prop_assert_eq!(Dur::parse(&d.to_string()), Ok(d));
        }
    }
}
