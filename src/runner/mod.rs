//! Runners drive the engine from the arrival stream, each on its own schedule and with its
//! own capacity model.

pub mod batch;
pub mod micro_batch;
pub mod streaming;

use crate::time::Dur;
use crate::validation::Problems;

/// Records `capacity_per_second` as a problem unless it is absent or a positive number.
pub(crate) fn check_capacity(capacity: Option<f64>, path: &str, problems: &mut Problems) {
    if let Some(c) = capacity {
        problems.check(
            c > 0.0 && c.is_finite(),
            &format!("{path}.capacity_per_second"),
            || format!("capacity_per_second {c} must be positive (records per second)"),
        );
    }
}

/// Records every negative duration of `fields` as a problem.
pub(crate) fn check_not_negative(fields: &[(&str, Dur)], path: &str, problems: &mut Problems) {
    for &(field, d) in fields {
        problems.check(d >= Dur::ZERO, &format!("{path}.{field}"), || {
            format!("{field} {d} must not be negative")
        });
    }
}

/// Microseconds one record costs at `capacity` records per second (0: unlimited).
pub(crate) fn cost_per_record_us(capacity: Option<f64>) -> i64 {
    capacity.map_or(0, |c| (1_000_000.0 / c).round().max(1.0) as i64)
}
