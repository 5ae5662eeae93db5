//! Hand-worked examples of each Flink rule the operator reproduces.

use super::*;
use crate::engine::watermark::BoundedOutOfOrderness;

#[derive(Default)]
struct Collect {
    results: Vec<WindowResult>,
    dropped: Vec<u64>,
}

impl Output for Collect {
    fn result(&mut self, result: &WindowResult) {
        self.results.push(*result);
    }
    fn dropped(&mut self, event: &Event) {
        self.dropped.push(event.id);
    }
}

impl Collect {
    /// (window start, window end, key, kind, count) per result, in emission order.
    fn summary(&self) -> Vec<(i64, i64, u32, ResultKind, u64)> {
        self.results
            .iter()
            .map(|r| {
                (
                    r.window.start.as_ms(),
                    r.window.end.as_ms(),
                    r.key.0,
                    r.kind,
                    r.acc.count,
                )
            })
            .collect()
    }
    fn take(&mut self) -> Vec<(i64, i64, u32, ResultKind, u64)> {
        let s = self.summary();
        self.results.clear();
        s
    }
}

const MIN: i64 = 60_000;

fn event(id: u64, key: u32, event_ms: i64) -> Event {
    Event {
        id,
        key: KeyId(key),
        value: 10.0,
        event_time: Ts(event_ms),
        arrival_time: Ts(event_ms),
        source: 0,
    }
}

fn tumbling(size_ms: i64) -> WindowSpec {
    WindowSpec::Tumbling {
        size: Dur(size_ms),
        offset: Dur::ZERO,
    }
}

fn operator(spec: WindowSpec, lateness_ms: i64) -> WindowOperator {
    WindowOperator::new(
        spec,
        OperatorConfig {
            allowed_lateness: Dur(lateness_ms),
            ..OperatorConfig::default()
        },
    )
}

/// Feeds events in arrival order with a per-event bounded-out-of-orderness watermark, the
/// record first and then the watermark, as Flink's source output does.
fn feed(
    op: &mut WindowOperator,
    wm: &mut BoundedOutOfOrderness,
    events: &[Event],
    out: &mut Collect,
) {
    for e in events {
        op.on_event(e, e.arrival_time, out);
        wm.on_event(e.event_time);
        op.on_watermark(wm.current(), out);
    }
}

#[test]
fn the_2358_delivery_reaching_kafka_at_0003_still_counts_for_march_17() {
    // Hourly windows, 5-minute bound. Event times as minutes after 2026-03-17T23:00.
    let base = Ts::parse("2026-03-17T23:00:00Z").unwrap().as_ms();
    let at = |minutes: f64| base + (minutes * MIN as f64) as i64;
    let mut op = operator(tumbling(60 * MIN), 0);
    let mut wm = BoundedOutOfOrderness::new(Dur::from_mins(5));
    let mut out = Collect::default();
    feed(
        &mut op,
        &mut wm,
        &[
            event(1, 0, at(50.0)),
            event(2, 0, at(62.5)),
            event(3, 0, at(58.0)),
        ],
        &mut out,
    );
    // Max seen 00:02:30, watermark 23:57:29.999: the 23:00 window is still open, so the
    // 23:58 delivery (event 3), arriving after a 00:02 event, is kept.
    assert_eq!(op.watermark(), Ts(at(57.5) - 1));
    assert!(out.results.is_empty() && out.dropped.is_empty());
    // 00:05:30 moves the watermark to 00:00:29.999, past 23:59:59.999: the window fires
    // with both deliveries of March 17.
    feed(&mut op, &mut wm, &[event(4, 0, at(65.5))], &mut out);
    assert_eq!(
        out.take(),
        vec![(at(0.0), at(60.0), 0, ResultKind::OnTime, 2)]
    );
    // A 23:59 delivery arriving now is too late: its window has fired and, with no allowed
    // lateness, been cleaned up. It goes to the late side output, not silently away.
    feed(&mut op, &mut wm, &[event(5, 0, at(59.0))], &mut out);
    assert!(out.results.is_empty());
    assert_eq!(out.dropped, vec![5]);
    op.on_finish(&mut out);
    assert_eq!(
        out.take(),
        vec![(at(60.0), at(120.0), 0, ResultKind::OnTime, 2)]
    );
}

#[test]
fn a_window_fires_when_the_watermark_reaches_its_max_timestamp_not_before() {
    let mut op = operator(tumbling(10), 0);
    let mut out = Collect::default();
    op.on_event(&event(1, 0, 3), Ts(0), &mut out);
    op.on_watermark(Ts(8), &mut out);
    assert!(out.results.is_empty());
    op.on_watermark(Ts(9), &mut out); // maxTimestamp of [0, 10) is 9
    assert_eq!(out.take(), vec![(0, 10, 0, ResultKind::OnTime, 1)]);
    // An element at exactly the cleanup time is late: cleanupTime(9) <= watermark 9.
    op.on_event(&event(2, 0, 9), Ts(0), &mut out);
    assert_eq!(out.dropped, vec![2]);
}

#[test]
fn allowed_lateness_fires_again_for_each_late_event_then_cleans_up() {
    // 10-minute windows, 5 minutes of allowed lateness, watermarks given directly.
    let mut op = operator(tumbling(10 * MIN), 5 * MIN);
    let mut out = Collect::default();
    op.on_event(&event(1, 0, 2 * MIN), Ts(0), &mut out);
    op.on_event(&event(2, 0, 7 * MIN), Ts(0), &mut out);
    op.on_watermark(Ts(12 * MIN), &mut out);
    assert_eq!(out.take(), vec![(0, 10 * MIN, 0, ResultKind::OnTime, 2)]);
    // Late but within the lateness: an updated result at once, with everything so far.
    op.on_event(&event(3, 0, 8 * MIN), Ts(0), &mut out);
    assert_eq!(out.take(), vec![(0, 10 * MIN, 0, ResultKind::Late, 3)]);
    // A key the window never saw also fires late at once.
    op.on_event(&event(4, 1, 9 * MIN), Ts(0), &mut out);
    assert_eq!(out.take(), vec![(0, 10 * MIN, 1, ResultKind::Late, 1)]);
    assert_eq!(op.live_cells(), 2);
    // Past maxTimestamp + 5 minutes the state is gone, and the next late event is dropped.
    op.on_watermark(Ts(15 * MIN - 1), &mut out);
    assert_eq!(op.live_cells(), 0);
    op.on_event(&event(5, 0, 9 * MIN), Ts(0), &mut out);
    assert_eq!(out.dropped, vec![5]);
    assert!(out.results.is_empty());
}

#[test]
fn discarding_mode_purges_so_a_late_firing_carries_only_the_late_events() {
    let mut op = WindowOperator::new(
        tumbling(10),
        OperatorConfig {
            allowed_lateness: Dur(100),
            firing_mode: FiringMode::Discarding,
            ..OperatorConfig::default()
        },
    );
    let mut out = Collect::default();
    op.on_event(&event(1, 0, 1), Ts(0), &mut out);
    op.on_event(&event(2, 0, 2), Ts(0), &mut out);
    op.on_watermark(Ts(20), &mut out);
    op.on_event(&event(3, 0, 3), Ts(0), &mut out);
    assert_eq!(
        out.take(),
        vec![
            (0, 10, 0, ResultKind::OnTime, 2),
            (0, 10, 0, ResultKind::Late, 1)
        ]
    );
}

#[test]
fn sliding_windows_keep_an_event_that_some_of_its_windows_still_accept() {
    // Size 15, slide 5: an event at 12 belongs to [0,15), [5,20) and [10,25).
    let spec = WindowSpec::Sliding {
        size: Dur(15),
        slide: Dur(5),
        offset: Dur::ZERO,
    };
    let mut op = operator(spec, 0);
    let mut out = Collect::default();
    op.on_event(&event(1, 0, 1), Ts(0), &mut out);
    op.on_watermark(Ts(16), &mut out); // fires [-10,5), [-5,10) and [0,15)
    assert_eq!(
        out.take(),
        vec![
            (-10, 5, 0, ResultKind::OnTime, 1),
            (-5, 10, 0, ResultKind::OnTime, 1),
            (0, 15, 0, ResultKind::OnTime, 1)
        ]
    );
    // [0,15) is late now, [5,20) and [10,25) are not: the event is kept, not dropped.
    op.on_event(&event(2, 0, 12), Ts(0), &mut out);
    assert!(out.dropped.is_empty());
    op.on_finish(&mut out);
    assert_eq!(
        out.take(),
        vec![
            (5, 20, 0, ResultKind::OnTime, 1),
            (10, 25, 0, ResultKind::OnTime, 1)
        ]
    );
}

#[test]
fn results_of_one_watermark_come_out_by_window_then_key() {
    let mut op = operator(tumbling(10), 0);
    let mut out = Collect::default();
    for (id, key, t) in [(1, 2, 15), (2, 1, 5), (3, 0, 12), (4, 2, 3)] {
        op.on_event(&event(id, key, t), Ts(0), &mut out);
    }
    op.on_watermark(Ts(100), &mut out);
    let order: Vec<_> = out.summary().iter().map(|r| (r.0, r.2)).collect();
    assert_eq!(order, vec![(0, 1), (0, 2), (10, 0), (10, 2)]);
}

#[test]
fn a_late_out_of_order_event_bridges_two_open_sessions_into_one() {
    let gap = 10 * MIN;
    let mut op = operator(WindowSpec::Session { gap: Dur(gap) }, 0);
    let mut out = Collect::default();
    // Sessions [10:00,10:10) and [10:18,10:28) for key 0.
    op.on_event(&event(1, 0, 0), Ts(0), &mut out);
    op.on_event(&event(2, 0, 18 * MIN), Ts(0), &mut out);
    op.on_watermark(Ts(5 * MIN), &mut out);
    assert_eq!(op.live_cells(), 2);
    // 10:09 arrives after 10:18: [10:09,10:19) touches both, and all three merge.
    op.on_event(&event(3, 0, 9 * MIN), Ts(0), &mut out);
    assert_eq!(op.live_cells(), 1);
    op.on_watermark(Ts(27 * MIN), &mut out);
    assert!(out.results.is_empty(), "[10:00,10:28) has not ended yet");
    op.on_watermark(Ts(28 * MIN - 1), &mut out);
    assert_eq!(out.take(), vec![(0, 28 * MIN, 0, ResultKind::OnTime, 3)]);
}

#[test]
fn a_session_late_event_alone_is_dropped_but_joining_a_held_session_is_a_late_firing() {
    let mut op = operator(WindowSpec::Session { gap: Dur(10) }, 20);
    let mut out = Collect::default();
    op.on_event(&event(1, 0, 0), Ts(0), &mut out); // [0,10)
    op.on_watermark(Ts(15), &mut out);
    assert_eq!(out.take(), vec![(0, 10, 0, ResultKind::OnTime, 1)]);
    // [5,15) merges with the fired-but-held [0,10): the merged [0,15) has maxTimestamp 14,
    // already passed by the watermark, so it fires at once.
    op.on_event(&event(2, 0, 5), Ts(0), &mut out);
    assert_eq!(out.take(), vec![(0, 15, 0, ResultKind::Late, 2)]);
    // Far behind and touching nothing held: [-40,-30) is late, so the event is dropped.
    op.on_event(&event(3, 0, -40), Ts(0), &mut out);
    assert_eq!(out.dropped, vec![3]);
    // Cleanup at 14 + 20 = 34.
    op.on_watermark(Ts(34), &mut out);
    assert_eq!(op.live_cells(), 0);
}

#[test]
fn early_firings_emit_speculative_results_until_the_window_ends() {
    let mut op = WindowOperator::new(
        tumbling(60 * MIN),
        OperatorConfig {
            early_firing: Some(Dur::from_mins(1)),
            ..OperatorConfig::default()
        },
    );
    let mut out = Collect::default();
    op.on_event(&event(1, 0, 5 * MIN), Ts(1_000), &mut out);
    op.on_event(&event(2, 0, 6 * MIN), Ts(2_000), &mut out);
    assert_eq!(op.next_processing_timer(), Some(Ts(61_000)));
    op.on_processing_time(Ts(60_999), &mut out);
    assert!(out.results.is_empty());
    op.on_processing_time(Ts(61_000), &mut out);
    assert_eq!(out.take(), vec![(0, 60 * MIN, 0, ResultKind::Early, 2)]);
    // No new element, no new pane: nothing fires until one arrives.
    assert_eq!(op.next_processing_timer(), None);
    op.on_event(&event(3, 0, 7 * MIN), Ts(70_000), &mut out);
    op.on_processing_time(Ts(130_000), &mut out);
    assert_eq!(out.take(), vec![(0, 60 * MIN, 0, ResultKind::Early, 3)]);
    op.on_finish(&mut out);
    assert_eq!(out.take(), vec![(0, 60 * MIN, 0, ResultKind::OnTime, 3)]);
}

#[test]
fn the_global_window_fires_only_at_the_end_of_input() {
    let mut op = operator(WindowSpec::Global, 0);
    let mut out = Collect::default();
    op.on_event(&event(1, 0, 5), Ts(0), &mut out);
    op.on_watermark(Ts(1_000_000_000_000), &mut out);
    assert!(out.results.is_empty());
    op.on_finish(&mut out);
    assert_eq!(out.summary().len(), 1);
    assert_eq!(out.results[0].acc.count, 1);
}
