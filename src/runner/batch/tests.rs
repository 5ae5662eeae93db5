//! The scheduled batch job and the plain micro-batch loop, hand-worked on FreshMart's day.

use super::*;
use crate::engine::aggregate::Aggregation;
use crate::engine::output::Collected;

const H: i64 = 3_600_000;
const M: i64 = 60_000;

/// 2026-03-17T00:00Z, the run date.
fn day() -> i64 {
    Ts::parse("2026-03-17T00:00:00Z").unwrap().as_ms()
}

fn event(id: u64, event_ms: i64, arrival_ms: i64) -> Event {
    Event {
        id,
        key: KeyId(0),
        value: 10.0,
        event_time: Ts(day() + event_ms),
        arrival_time: Ts(day() + arrival_ms),
        source: 0,
    }
}

fn hourly() -> QuerySpec {
    QuerySpec {
        window: WindowSpec::Tumbling {
            size: Dur::from_hours(1),
            offset: Dur::ZERO,
        },
        aggregations: vec![Aggregation::Count, Aggregation::Sum],
    }
}

fn daily_at_6() -> BatchSpec {
    BatchSpec {
        corrections: vec![Dur::from_hours(4)],
        startup: Dur::from_mins(3),
        ..BatchSpec::every(Dur::from_hours(24), Dur::from_hours(6))
    }
}

fn run(mut runner: ScheduledRunner, events: &[Event]) -> Collected {
    let mut out = Collected::default();
    for e in events {
        runner.on_event(e, &mut out);
    }
    runner.finish(&mut out);
    out
}

/// (visible hours after the run date's midnight, window start hour, kind, count)
fn rows(out: &Collected) -> Vec<(i64, i64, ResultKind, u64)> {
    out.emissions
        .iter()
        .map(|e| {
            (
                (e.visible_time.as_ms() - day()) / M,
                (e.result.window.start.as_ms() - day()) / H,
                e.result.kind,
                e.result.acc.count,
            )
        })
        .collect()
}

/// A 10:00 order; the 23:58 delivery that reached Kafka at 00:03; a phone offline until
/// 08:00 the next day; and a 23:58 order retried (same id) at 00:05.
fn the_day() -> Vec<Event> {
    vec![
        event(1, 10 * H, 10 * H),
        event(2, 23 * H + 58 * M, 24 * H + 3 * M),
        event(4, 23 * H + 58 * M, 24 * H + 4 * M),
        event(4, 23 * H + 58 * M, 24 * H + 5 * M),
        event(3, 20 * H, 32 * H),
    ]
}

#[test]
fn the_daily_run_reads_what_landed_and_the_correction_run_recovers_the_rest() {
    let out = run(ScheduledRunner::batch(&daily_at_6(), &hourly()), &the_day());
    // 06:00 + 3 min start-up = 30h03m after midnight of the run date. The retry counts once.
    // The 10:00 correction also finds the offline phone's 20:00 order, and re-upserts all.
    assert_eq!(
        rows(&out),
        vec![
            (30 * 60 + 3, 10, ResultKind::OnTime, 1),
            (30 * 60 + 3, 23, ResultKind::OnTime, 2),
            (34 * 60 + 3, 10, ResultKind::Late, 1),
            (34 * 60 + 3, 20, ResultKind::Late, 1),
            (34 * 60 + 3, 23, ResultKind::Late, 2),
        ]
    );
    assert!(out.dropped.is_empty());
}

#[test]
fn an_append_sink_writes_the_rerun_rows_again() {
    let spec = BatchSpec {
        sink: SinkMode::Append,
        ..daily_at_6()
    };
    let runner = ScheduledRunner::batch(&spec, &hourly());
    assert_eq!(runner.sink(), SinkMode::Append);
    let out = run(runner, &the_day());
    // The same five rows are written; it is the reader of an append table who adds the 10:00
    // window up twice (the serving table models that).
    assert_eq!(out.emissions.len(), 5);
}

#[test]
fn a_window_relative_to_now_reads_another_range_on_every_run() {
    let spec = BatchSpec {
        window_from_now: true,
        corrections: vec![],
        ..daily_at_6()
    };
    // An order at 05:00 on the run date, and one at 02:00 the next morning.
    let events = [event(1, 5 * H, 5 * H), event(2, 26 * H, 26 * H)];
    let out = run(ScheduledRunner::batch(&spec, &hourly()), &events);
    // The 06:00 run reads [06:00 on the 17th, 06:00 on the 18th): the 05:00 order of the run
    // date is never counted, and the next day's 02:00 order is.
    let windows: Vec<_> = rows(&out).iter().map(|r| (r.1, r.3)).collect();
    assert!(windows.contains(&(26, 1)));
    assert!(!windows.iter().any(|w| w.0 == 5));
}

#[test]
fn a_run_takes_start_up_plus_work() {
    let spec = BatchSpec {
        capacity_per_second: Some(1.0),
        corrections: vec![],
        ..daily_at_6()
    };
    let events: Vec<Event> = (0..120)
        .map(|i| event(i, H + i as i64, H + i as i64))
        .collect();
    let out = run(ScheduledRunner::batch(&spec, &hourly()), &events);
    // 3 minutes of start-up and 120 records at one a second.
    assert_eq!(rows(&out)[0].0, 30 * 60 + 5);
}

#[test]
fn the_plain_loop_catches_delays_within_its_lookback_only() {
    let spec = PlainMicroBatchSpec {
        interval: Dur::from_mins(5),
        lookback: Dur::from_mins(10),
        overhead: Dur::ZERO,
        capacity_per_second: None,
        sink_delay: Dur::ZERO,
    };
    let query = QuerySpec {
        window: WindowSpec::Tumbling {
            size: Dur::from_mins(5),
            offset: Dur::ZERO,
        },
        aggregations: vec![Aggregation::Count],
    };
    // Order 1 happens at 00:01 and lands 8 minutes later; order 2 at 00:02, 20 minutes late.
    let events = [event(1, M, 9 * M), event(2, 2 * M, 22 * M)];
    let out = run(ScheduledRunner::plain_micro_batch(&spec, &query), &events);
    // The 00:10 run reads [23:55, 00:10): order 1 is upserted into [00:00, 00:05). Order 2
    // lands at 00:22, after every run whose range still reached 00:02: it is never counted.
    assert!(rows(&out).contains(&(10, 0, ResultKind::OnTime, 1)));
    assert_eq!(
        out.dropped.iter().map(|(e, _)| e.id).collect::<Vec<_>>(),
        vec![2]
    );
}

#[test]
fn a_backfill_reruns_every_period_of_its_range() {
    let spec = BatchSpec {
        corrections: vec![],
        backfill: Some(Backfill {
            from: Ts(day()),
            to: Ts(day() + 48 * H),
            at: Ts(day() + 72 * H),
        }),
        ..daily_at_6()
    };
    let events = [event(1, 10 * H, 10 * H), event(2, 30 * H, 30 * H)];
    let out = run(ScheduledRunner::batch(&spec, &hourly()), &events);
    let backfilled: Vec<_> = rows(&out)
        .into_iter()
        .filter(|r| r.2 == ResultKind::Late)
        .collect();
    // Both days re-run at 72 h (plus start-up): the 10:00 window of day 1 and 06:00 of day 2.
    assert_eq!(
        backfilled,
        vec![
            (72 * 60 + 3, 10, ResultKind::Late, 1),
            (72 * 60 + 3, 30, ResultKind::Late, 1)
        ]
    );
}

mod folded_periods {
    use proptest::prelude::*;

    use super::*;

    /// A row the job wrote: (run start ms, window, key, count, sum).
    type Row = (i64, Window, KeyId, u64, f64);

    /// The job read the slow way: each run aggregates, from scratch, every event of its
    /// period that landed before it started (first copy of an id only); an event no run of
    /// its period read is dropped.
    fn read_from_scratch(spec: &BatchSpec, events: &[Event]) -> (Vec<Row>, Vec<u64>) {
        let every = spec.every.as_ms();
        let mut starts: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for e in events {
            let period = e.event_time.as_ms().div_euclid(every);
            let first = (period + 1) * every + spec.at.as_ms();
            let mut runs = vec![first];
            runs.extend(spec.corrections.iter().map(|c| first + c.as_ms()));
            starts.insert(period, runs);
        }
        let mut rows = Vec::new();
        let mut runs: Vec<(i64, i64)> = starts
            .iter()
            .flat_map(|(&p, s)| s.iter().map(move |&start| (start, p)))
            .collect();
        runs.sort();
        runs.dedup();
        for (start, period) in runs {
            let mut store = WindowStore::new(hourly().window);
            let mut seen = std::collections::HashSet::new();
            for e in events {
                let in_period = e.event_time.as_ms().div_euclid(every) == period;
                if in_period && e.arrival_time.as_ms() < start && seen.insert(e.id) {
                    store.add_event(e);
                }
            }
            for (w, k, acc) in store.cells() {
                rows.push((start, w, k, acc.count, acc.sum));
            }
        }
        let dropped = events
            .iter()
            .filter(|e| {
                let last = *starts[&e.event_time.as_ms().div_euclid(every)]
                    .iter()
                    .max()
                    .unwrap();
                e.arrival_time.as_ms() >= last
            })
            .map(|e| e.id)
            .collect();
        (rows, dropped)
    }

    fn events() -> impl Strategy<Value = Vec<Event>> {
        // Ids from a small range, so that some repeat: retries, or hostile traces reusing an
        // id for another event.
        proptest::collection::vec((0u64..40, 0u32..3, 0i64..72, 0i64..40, 1u32..50), 1..120)
            .prop_map(|rows| {
                let mut events: Vec<Event> = rows
                    .into_iter()
                    .map(|(id, key, hour, late_hours, value)| Event {
                        id,
                        key: KeyId(key),
                        value: value as f64,
                        event_time: Ts(day() + hour * H + 17 * M),
                        arrival_time: Ts(day() + (hour + late_hours) * H + 17 * M),
                        source: 0,
                    })
                    .collect();
                events.sort_by_key(|e| e.arrival_time);
                events
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Folding each period as events land gives what reading from scratch gives, run by
        /// run, with the same events dropped.
        #[test]
        fn folding_a_period_as_it_lands_reads_what_each_run_would(events in events()) {
            let spec = BatchSpec {
                at: Dur::from_hours(6),
                corrections: vec![Dur::from_hours(4), Dur::from_hours(30)],
                startup: Dur::ZERO,
                ..BatchSpec::every(Dur::from_hours(24), Dur::from_hours(6))
            };
            let out = run(ScheduledRunner::batch(&spec, &hourly()), &events);
            let got: Vec<_> = out
                .emissions
                .iter()
                .map(|e| {
                    let r = &e.result;
                    (e.emit_time.as_ms(), r.window, r.key, r.acc.count, r.acc.sum)
                })
                .collect();
            let (want, mut want_dropped) = read_from_scratch(&spec, &events);
            prop_assert_eq!(got, want);
            let mut dropped: Vec<u64> = out.dropped.iter().map(|(e, _)| e.id).collect();
            dropped.sort();
            want_dropped.sort();
            prop_assert_eq!(dropped, want_dropped);
        }
    }
}
