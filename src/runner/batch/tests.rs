//! The scheduled batch job and the plain micro-batch loop, hand-worked on FreshMart's day.

use super::*;
use crate::aggregate::Aggregation;
use crate::runner::streaming::Collected;

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
