//! The query every model answers: aggregates of event values per window and key.

use serde::{Deserialize, Serialize};

use crate::engine::aggregate::Aggregation;
use crate::engine::window::WindowSpec;
use crate::input::limits::MAX_WINDOWS_PER_EVENT;
use crate::input::time::Dur;
use crate::input::validation::Problems;

/// `SELECT aggregations GROUP BY window(event_time), key`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct QuerySpec {
    /// How event time is cut into windows.
    pub window: WindowSpec,
    /// What is computed per (window, key).
    pub aggregations: Vec<Aggregation>,
}

impl QuerySpec {
    /// Checks the window and the aggregations, recording problems under `path`.
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        let at = |field: &str| format!("{path}.window.{field}");
        match self.window {
            WindowSpec::Tumbling { size, offset } => {
                problems.check(size > Dur::ZERO, &at("size"), || {
                    format!("tumbling window size {size} must be positive, e.g. \"1h\"")
                });
                // Flink's TumblingEventTimeWindows requires |offset| < size.
                problems.check(
                    size <= Dur::ZERO || offset.as_ms().abs() < size.as_ms(),
                    &at("offset"),
                    || {
                        format!(
                            "tumbling window offset {offset} must be smaller than its size {size}"
                        )
                    },
                );
            }
            WindowSpec::Sliding {
                size,
                slide,
                offset,
            } => {
                problems.check(size > Dur::ZERO, &at("size"), || {
                    format!("sliding window size {size} must be positive, e.g. \"15m\"")
                });
                problems.check(slide > Dur::ZERO, &at("slide"), || {
                    format!("sliding window slide {slide} must be positive, e.g. \"5m\"")
                });
                problems.check(slide <= size, &at("slide"), || {
                    format!("sliding window slide {slide} is larger than its size {size}: events between windows would be lost; make the slide at most {size}")
                });
                let per_event = size.as_ms() / slide.as_ms().max(1);
                problems.check(
                    slide <= Dur::ZERO || per_event <= MAX_WINDOWS_PER_EVENT,
                    &at("slide"),
                    || {
                        format!(
                            "every event falls in {per_event} windows ({size} by {slide}); the limit is {MAX_WINDOWS_PER_EVENT}: widen the slide"
                        )
                    },
                );
                // Flink's SlidingEventTimeWindows requires |offset| < slide.
                problems.check(
                    slide <= Dur::ZERO || offset.as_ms().abs() < slide.as_ms(),
                    &at("offset"),
                    || {
                        format!(
                            "sliding window offset {offset} must be smaller than its slide {slide}"
                        )
                    },
                );
            }
            WindowSpec::Session { gap } => {
                problems.check(gap > Dur::ZERO, &at("gap"), || {
                    format!("session gap {gap} must be positive, e.g. \"30m\"")
                });
            }
            WindowSpec::Global => {}
        }
        problems.check(
            !self.aggregations.is_empty(),
            &format!("{path}.aggregations"),
            || "name at least one aggregation: Count, Sum, Min, Max or Avg".to_owned(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sliding_window_may_put_an_event_in_ten_thousand_windows_and_no_more() {
        let problems = |size: Dur, slide: Dur| {
            let query = QuerySpec {
                window: WindowSpec::Sliding {
                    size,
                    slide,
                    offset: Dur::ZERO,
                },
                aggregations: vec![Aggregation::Count],
            };
            let mut problems = Problems::default();
            query.validate("query", &mut problems);
            problems.into_vec()
        };
        assert!(problems(Dur::from_secs(10_000), Dur::from_secs(1)).is_empty());
        let day_by_ms = problems(Dur::from_hours(24), Dur(1));
        assert_eq!(day_by_ms.len(), 1);
        assert_eq!(day_by_ms[0].path, "query.window.slide");
        assert!(
            day_by_ms[0]
                .message
                .starts_with("every event falls in 86400000 windows")
        );
    }
}
