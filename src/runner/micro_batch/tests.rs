//! Spark's rules, hand-worked: the watermark each batch uses, which rows are dropped, what
//! each output mode emits and when, and what a no-data batch emits.

use super::*;
use crate::engine::aggregate::Aggregation;
use crate::engine::output::Collected;

const S: i64 = 1_000;

fn event(id: u64, event_s: i64, arrival_ms: i64) -> Event {
    Event {
        id,
        key: KeyId(0),
        value: 1.0,
        event_time: Ts(event_s * S),
        arrival_time: Ts(arrival_ms),
        source: 0,
    }
}

fn query(window: WindowSpec) -> QuerySpec {
    QuerySpec {
        window,
        aggregations: vec![Aggregation::Count],
    }
}

fn tumbling_10s() -> WindowSpec {
    WindowSpec::Tumbling {
        size: Dur::from_secs(10),
        offset: Dur::ZERO,
    }
}

/// 10 s trigger, 5 s watermark delay, no batch overhead.
fn spec(mode: OutputMode) -> MicroBatchSpec {
    MicroBatchSpec::replay(Dur::from_secs(10), Dur::from_secs(5), mode)
}

fn run(spec: &MicroBatchSpec, window: WindowSpec, events: &[Event]) -> Collected {
    let mut runner = MicroBatchRunner::new(spec, &query(window), 1);
    let mut out = Collected::default();
    for e in events {
        runner.on_event(e, &mut out);
    }
    runner.finish(&mut out);
    out
}

/// (batch, emit s, window start s, kind, count)
fn rows(out: &Collected) -> Vec<(i64, i64, i64, ResultKind, u64)> {
    out.emissions
        .iter()
        .map(|e| {
            (
                e.batch.unwrap(),
                e.emit_time.as_ms() / S,
                e.result.window.start.as_ms() / S,
                e.result.kind,
                e.result.acc.count,
            )
        })
        .collect()
}

/// e1 (event 1 s) arrives at 1 s and e2 (event 19 s) at 12 s: batch 0 runs at 10 s, batch 1
/// at 20 s. Batch 1's data moves the watermark to 19 - 5 = 14 s, so a no-data batch runs at
/// the next trigger, 30 s, with watermark 14 s: it emits and evicts [0, 10).
fn two_events() -> Vec<Event> {
    vec![event(1, 1, 1_000), event(2, 19, 12_000)]
}

#[test]
fn append_emits_a_window_once_in_the_batch_whose_watermark_passed_its_end() {
    let out = run(&spec(OutputMode::Append), tumbling_10s(), &two_events());
    assert_eq!(rows(&out), vec![(2, 30, 0, ResultKind::OnTime, 1)]);
    // [10, 20) ends after the final watermark (14 s): Spark has no final watermark, so at the
    // end of input it stays in the state store, never emitted.
    assert!(out.dropped.is_empty());
}

#[test]
fn without_no_data_batches_the_window_waits_for_the_next_data() {
    let quiet = MicroBatchSpec {
        no_data_batches: false,
        ..spec(OutputMode::Append)
    };
    let mut events = two_events();
    events.push(event(3, 25, 41_000)); // arrives 41 s: the next batch runs at 50 s
    let out = run(&quiet, tumbling_10s(), &events);
    assert_eq!(rows(&out)[0], (4, 50, 0, ResultKind::OnTime, 1));
}

#[test]
fn late_rows_are_judged_by_the_previous_batch_watermark() {
    // e3 (event 8 s) arrives at 25 s and is read by batch 2 at 30 s. Batch 2 evicts with its
    // own watermark, 14 s, but filters late rows with batch 1's, 0 s: [0, 10) ends at 10 s,
    // not before 0 s, so e3 is kept and the window is emitted with both events.
    let mut events = two_events();
    events.push(event(3, 8, 25_000));
    let out = run(&spec(OutputMode::Append), tumbling_10s(), &events);
    assert_eq!(rows(&out), vec![(2, 30, 0, ResultKind::OnTime, 2)]);
    // e4 (event 9 s) arriving at 31 s is read by batch 3 at 40 s, whose late-row watermark is
    // batch 2's, 14 s: [0, 10) ended before it, and e4 is dropped.
    events.push(event(4, 9, 31_000));
    let out = run(&spec(OutputMode::Append), tumbling_10s(), &events);
    assert_eq!(
        out.dropped.iter().map(|(e, _)| e.id).collect::<Vec<_>>(),
        vec![4]
    );
    assert_eq!(out.dropped[0].1, Ts(40_000));
}

#[test]
fn update_emits_every_changed_row_each_batch_and_complete_emits_the_table() {
    let mut events = two_events();
    events.push(event(3, 8, 25_000));
    let update = run(&spec(OutputMode::Update), tumbling_10s(), &events);
    assert_eq!(
        rows(&update),
        vec![
            (0, 10, 0, ResultKind::Early, 1),
            (1, 20, 10, ResultKind::Early, 1),
            (2, 30, 0, ResultKind::OnTime, 2),
        ]
    );
    let complete = run(&spec(OutputMode::Complete), tumbling_10s(), &events);
    assert_eq!(
        rows(&complete),
        vec![
            (0, 10, 0, ResultKind::Early, 1),
            (1, 20, 0, ResultKind::Early, 1),
            (1, 20, 10, ResultKind::Early, 1),
            (2, 30, 0, ResultKind::OnTime, 2),
            (2, 30, 10, ResultKind::Early, 1),
        ]
    );
}

#[test]
fn a_sliding_window_refuses_a_late_row_that_its_other_window_takes() {
    // Size 20 s, slide 10 s: an event at 15 s is in [0, 20) and [10, 30).
    let sliding = WindowSpec::Sliding {
        size: Dur::from_secs(20),
        slide: Dur::from_secs(10),
        offset: Dur::ZERO,
    };
    #[derive(Default)]
    struct Rejections(Vec<(u64, i64)>, Collected);
    impl StreamOutput for Rejections {
        fn result(&mut self, e: &Emission) {
            self.1.result(e);
        }
        fn dropped(&mut self, e: &Event, at: Ts) {
            self.1.dropped(e, at);
        }
        fn dropped_from_window(&mut self, e: &Event, w: Window) {
            self.0.push((e.id, w.start.as_ms() / S));
        }
    }
    let mut runner = MicroBatchRunner::new(&spec(OutputMode::Append), &query(sliding), 1);
    let mut out = Rejections::default();
    for e in [
        event(1, 1, 1_000),
        event(2, 29, 12_000),
        event(3, 35, 25_000),
        event(4, 15, 31_000),
    ] {
        runner.on_event(&e, &mut out);
    }
    runner.finish(&mut out);
    // Batch 1 (20 s) reads e2 (29 s): watermark 24 s for batch 2 (30 s), which reads e3
    // (35 s): watermark 30 s for batch 3 (40 s). Batch 3 reads e4 (15 s) and filters late
    // rows with batch 2's watermark, 24 s: [0, 20) has ended, [10, 30) has not. e4 counts in
    // [10, 30) only.
    assert_eq!(out.0, vec![(4, 0)]);
    assert!(out.1.dropped.is_empty());
}

#[test]
fn the_minimum_policy_waits_for_a_silent_stream_and_the_maximum_does_not() {
    let events = two_events();
    let min = MicroBatchRunner::new(&spec(OutputMode::Append), &query(tumbling_10s()), 2);
    let mut max_spec = spec(OutputMode::Append);
    max_spec.watermark_policy = WatermarkPolicy::Max;
    let max = MicroBatchRunner::new(&max_spec, &query(tumbling_10s()), 2);
    let mut results = Vec::new();
    for mut runner in [min, max] {
        let mut out = Collected::default();
        for e in &events {
            runner.on_event(e, &mut out);
        }
        runner.finish(&mut out);
        results.push((runner.watermark(), out.emissions.len()));
    }
    // Stream 1 never sends: it reports 0, and the minimum holds the watermark at 0.
    assert_eq!(results, vec![(Ts(0), 0), (Ts(14_000), 1)]);
}

#[test]
fn a_batch_that_overruns_its_interval_is_followed_at_once() {
    let slow = MicroBatchSpec {
        batch_overhead: Dur::from_secs(15),
        ..spec(OutputMode::Update)
    };
    let events = [event(1, 1, 1_000), event(2, 2, 12_000)];
    let out = run(&slow, tumbling_10s(), &events);
    // Batch at 10 s runs until 25 s; the next starts at 25 s, not at 30 s.
    let times: Vec<_> = out
        .emissions
        .iter()
        .map(|e| (e.batch.unwrap(), e.emit_time.as_ms() / S))
        .collect();
    assert_eq!(times, vec![(0, 25), (2, 40)]);
}

#[test]
fn spark_refuses_update_mode_on_session_windows() {
    let mut problems = Problems::default();
    spec(OutputMode::Update).validate(
        &query(WindowSpec::Session { gap: Dur(5) }),
        "micro_batch",
        &mut problems,
    );
    let problems = problems.into_vec();
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0]
            .message
            .starts_with("Update output mode not supported for session window")
    );
}

#[test]
fn complete_mode_still_drops_a_session_row_whose_own_session_ended() {
    // Gap 3 min, watermark delay 1 min, trigger 1 min, complete mode. Key s2 (0) builds the
    // session [14:02, 14:06) from rows at 14:02 and 14:03; rows of s1 (1) move the watermark:
    // 14:10:06 read by the 14:11 batch gives 14:09:06, which the 14:12 batch runs with. The s2
    // row at 14:02:30 arriving 14:12:18 is read by the 14:13 batch, whose late-row watermark
    // is 14:09:06: its own session [14:02:30, 14:05:30) ended before it, so Spark drops it
    // although [14:02, 14:06) is still stored and emitted every batch, with count 2.
    let at = |clock: &str| Ts::parse(&format!("2026-03-17T{clock}Z")).unwrap();
    let row = |id, key, event: &str, arrival: &str| Event {
        id,
        key: KeyId(key),
        value: 1.0,
        event_time: at(event),
        arrival_time: at(arrival),
        source: 0,
    };
    let events = [
        row(1, 0, "14:02:00", "14:02:10"),
        row(2, 0, "14:03:00", "14:03:10"),
        row(3, 1, "14:10:06", "14:10:10"),
        row(4, 1, "14:11:00", "14:11:30"),
        row(5, 0, "14:02:30", "14:12:18"),
    ];
    let complete =
        MicroBatchSpec::replay(Dur::from_mins(1), Dur::from_mins(1), OutputMode::Complete);
    let sessions = WindowSpec::Session {
        gap: Dur::from_mins(3),
    };
    let out = run(&complete, sessions, &events);
    assert_eq!(
        out.dropped,
        vec![(events[4], at("14:13:00"))],
        "row 5 is dropped by the 14:13 batch"
    );
    let last_s2 = out
        .emissions
        .iter()
        .rfind(|e| e.result.key == KeyId(0))
        .unwrap();
    assert_eq!(last_s2.emit_time, at("14:13:00"));
    assert_eq!(
        (last_s2.result.window.start, last_s2.result.window.end),
        (at("14:02:00"), at("14:06:00"))
    );
    assert_eq!(last_s2.result.acc.count, 2);
}
