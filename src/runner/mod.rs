//! Runners drive the engine from the arrival stream, each on its own schedule and with its
//! own capacity model.

pub mod batch;
pub mod fault;
pub mod faulted;
pub mod micro_batch;
pub mod streaming;

use crate::input::event::{Event, KeyTable};
use crate::input::time::{Dur, Ts};
use crate::input::validation::Problems;

/// The lifecycle every runner shares (Arroyo's operator trait): events in arrival order,
/// processing time moving on between them, and the end of the input. Everything a runner
/// emits, drops and samples goes to its output `O`.
pub trait Runner<O> {
    /// The next event in arrival order.
    fn on_event(&mut self, event: &Event, keys: &KeyTable, out: &mut O);

    /// Processing time has reached `time` and no event arrives before it: whatever is due by
    /// then runs. Calling it or not between events changes nothing.
    fn advance_to(&mut self, time: Ts, out: &mut O);

    /// The end of the input: everything still due runs. Returns how the runner is paid for
    /// and the figures only it has.
    fn finish(&mut self, keys: &KeyTable, out: &mut O) -> Closing;
}

/// What a finished runner tells about itself.
#[derive(Clone, Debug, PartialEq)]
pub struct Closing {
    /// How it is paid for.
    pub billing: Billing,
    /// Figures only this kind of runner has, by metric name.
    pub figures: Vec<(crate::measure::catalogue::ModelMetric, Option<f64>)>,
}

/// How a model is paid for.
#[derive(Clone, Debug, PartialEq)]
pub enum Billing {
    /// A cluster started for each run (when, and as long as the run took).
    PerRun(Vec<(Ts, Dur)>),
    /// A cluster that is always on.
    AlwaysOn,
}

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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::engine::aggregate::Aggregation;
    use crate::engine::output::Collected;
    use crate::engine::query::QuerySpec;
    use crate::engine::window::WindowSpec;
    use crate::input::event::KeyId;
    use crate::runner::batch::{BatchSpec, ScheduledRunner};
    use crate::runner::micro_batch::{MicroBatchRunner, MicroBatchSpec, OutputMode};
    use crate::runner::streaming::{StreamingRunner, StreamingSpec};

    /// What `runner` produces from `events`, telling it before each event that processing
    /// time has reached `advance_before` that event's arrival (none: never).
    fn run(
        mut runner: Box<dyn Runner<Collected>>,
        events: &[Event],
        keys: &KeyTable,
        advance_before: Option<Dur>,
    ) -> (Collected, Closing) {
        let mut out = Collected::default();
        for e in events {
            if let Some(before) = advance_before {
                runner.advance_to(e.arrival_time - before, &mut out);
            }
            runner.on_event(e, keys, &mut out);
        }
        let closing = runner.finish(keys, &mut out);
        (out, closing)
    }

    fn events() -> impl Strategy<Value = Vec<Event>> {
        proptest::collection::vec((0u32..3, 0i64..7_200_000, 0i64..900_000), 1..80).prop_map(
            |rows| {
                let mut events: Vec<Event> = rows
                    .into_iter()
                    .enumerate()
                    .map(|(i, (key, t, delay))| Event {
                        id: i as u64,
                        key: KeyId(key),
                        value: 1.0 + i as f64,
                        event_time: Ts(t),
                        arrival_time: Ts(t + delay),
                        source: 0,
                    })
                    .collect();
                events.sort_by_key(|e| (e.arrival_time, e.id));
                events
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// `advance_to` runs only what is due anyway: every runner produces the same with or
        /// without being told the time between events.
        #[test]
        fn advancing_the_clock_between_events_changes_nothing(
            events in events(),
            before_ms in 0i64..120_000,
        ) {
            let query = QuerySpec {
                window: WindowSpec::Tumbling { size: Dur::from_mins(10), offset: Dur::ZERO },
                aggregations: vec![Aggregation::Count, Aggregation::Sum],
            };
            let mut keys = KeyTable::new();
            for k in ["a", "b", "c"] {
                keys.intern(k);
            }
            type MakeRunner = fn(&QuerySpec) -> Box<dyn Runner<Collected>>;
            let runners: [MakeRunner; 3] = [
                |q| Box::new(ScheduledRunner::batch(
                    &BatchSpec::every(Dur::from_hours(1), Dur::from_mins(10)), q)),
                |q| Box::new(MicroBatchRunner::new(
                    &MicroBatchSpec::replay(Dur::from_mins(1), Dur::from_mins(5), OutputMode::Update), q, 1)),
                |q| Box::new(StreamingRunner::new(&StreamingSpec::with_delay(Dur::from_mins(5)), q)),
            ];
            for make in runners {
                let plain = run(make(&query), &events, &keys, None);
                let told = run(make(&query), &events, &keys, Some(Dur(before_ms)));
                prop_assert_eq!(plain, told);
            }
        }
    }
}
