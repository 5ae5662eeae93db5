//! Tests of the streaming runner: hand-worked timing examples and properties against the
//! oracle.

use proptest::prelude::*;

use super::*;
use crate::engine::ResultKind;
use crate::engine::aggregate::Aggregation;
use crate::engine::output::Collected;
use crate::engine::window::WindowSpec;
use crate::input::event::KeyId;
use crate::measure::oracle::Oracle;

fn query(window: WindowSpec) -> QuerySpec {
    QuerySpec {
        window,
        aggregations: vec![Aggregation::Count, Aggregation::Sum],
    }
}

fn tumbling(size_ms: i64) -> WindowSpec {
    WindowSpec::Tumbling {
        size: Dur(size_ms),
        offset: Dur::ZERO,
    }
}

fn event(id: u64, key: u32, event_ms: i64, arrival_ms: i64) -> Event {
    Event {
        id,
        key: KeyId(key),
        value: id as f64,
        event_time: Ts(event_ms),
        arrival_time: Ts(arrival_ms),
        source: 0,
    }
}

fn keys(names: &[&str]) -> KeyTable {
    let mut keys = KeyTable::new();
    for n in names {
        keys.intern(n);
    }
    keys
}

fn run(spec: &StreamingSpec, window: WindowSpec, keys: &KeyTable, events: &[Event]) -> Collected {
    let mut runner = StreamingRunner::new(spec, &query(window));
    let mut out = Collected::default();
    for e in events {
        runner.on_event(e, keys, &mut out);
    }
    runner.finish(&mut out);
    out
}

fn per_event(delay_ms: i64) -> StreamingSpec {
    StreamingSpec {
        watermark_emit: WatermarkEmit::PerEvent,
        ..StreamingSpec::with_delay(Dur(delay_ms))
    }
}

#[test]
fn a_result_names_the_event_whose_watermark_fired_it_and_the_end_of_input_names_none() {
    let keys = keys(&["s1"]);
    let events = [
        event(1, 0, 1_000, 1_000),
        event(2, 0, 12_000, 12_500),
        event(3, 0, 25_000, 25_000),
    ];
    let out = run(&per_event(1_000), tumbling(10_000), &keys, &events);
    let got: Vec<_> = out
        .emissions
        .iter()
        .map(|e| {
            (
                e.emit_time.as_ms(),
                e.after_event_id,
                e.result.window.start.as_ms(),
                e.result.acc.count,
            )
        })
        .collect();
    // Event 2 (12 s) moves the watermark to 10.999 s, past 9.999 s: [0, 10 s) fires at its
    // arrival, 12.5 s. Event 3 fires [10 s, 20 s). [20 s, 30 s) fires at the end of input.
    assert_eq!(
        got,
        vec![
            (12_500, Some(2), 0, 1),
            (25_000, Some(3), 10_000, 1),
            (25_000, None, 20_000, 1)
        ]
    );
}

#[test]
fn the_sql_watermark_closes_a_window_one_millisecond_sooner() {
    // Window [0, 10 s), delay 1 s. Event 2 at 10.999 s: DataStream's watermark is
    // 10.999 - 1 - 0.001 = 9.998 s, short of the window's last millisecond (9.999 s), so
    // event 3 (5 s) still counts; Flink SQL's is 10.999 - 1 = 9.999 s: the window fires on
    // event 2 and event 3 is late.
    let keys = keys(&["s1"]);
    let events = [
        event(1, 0, 1_000, 1_000),
        event(2, 0, 10_999, 11_000),
        event(3, 0, 5_000, 11_500),
    ];
    let data_stream = run(&per_event(1_000), tumbling(10_000), &keys, &events);
    assert!(data_stream.dropped.is_empty());
    assert_eq!(data_stream.emissions[0].result.acc.count, 2);
    assert_eq!(data_stream.emissions[0].after_event_id, None);
    let sql = StreamingSpec {
        watermark_formula: WatermarkFormula::Sql,
        ..per_event(1_000)
    };
    let sql = run(&sql, tumbling(10_000), &keys, &events);
    assert_eq!(
        sql.dropped.iter().map(|(e, _)| e.id).collect::<Vec<_>>(),
        vec![3]
    );
    assert_eq!(
        (
            sql.emissions[0].after_event_id,
            sql.emissions[0].result.acc.count
        ),
        (Some(2), 1)
    );
}

#[test]
fn periodic_watermarks_fire_on_the_200ms_grid() {
    let keys = keys(&["s1"]);
    let events = [
        event(1, 0, 1_000, 1_000),
        event(2, 0, 12_000, 12_050),
        event(3, 0, 12_100, 13_000),
    ];
    let out = run(
        &StreamingSpec::with_delay(Dur(1_000)),
        tumbling(10_000),
        &keys,
        &events,
    );
    let first = out.emissions[0];
    // Event 2 arrives at 12.05 s; the next periodic emission at 12.2 s carries 10.999 s.
    assert_eq!(
        (first.emit_time, first.after_event_id),
        (Ts(12_200), Some(2))
    );
    assert_eq!(first.result.kind, ResultKind::OnTime);
}

#[test]
fn periodic_emission_resumes_at_once_after_a_quiet_spell() {
    // With idleness on, quiet ticks are skipped up to the next idleness deadline; an event
    // must bring the 200 ms grid back, or the watermark would wait for that deadline.
    let keys = keys(&["s1"]);
    let spec = StreamingSpec {
        idle_timeout: Some(Dur::from_mins(1)),
        ..StreamingSpec::with_delay(Dur::ZERO)
    };
    let events = [
        event(1, 0, 1_000, 1_000),
        event(2, 0, 10_000, 10_000),
        event(3, 0, 10_050, 10_050),
        event(4, 0, 11_000, 11_000),
    ];
    let out = run(&spec, tumbling(10_000), &keys, &events);
    let first = out.emissions[0];
    assert_eq!(
        (first.result.window.start, first.emit_time),
        (Ts(0), Ts(10_200))
    );
}

/// Two keys on different Kafka partitions (murmur2 decides); only the first keeps sending.
fn two_partition_keys() -> (KeyTable, u32, u32) {
    let names: Vec<String> = (0..20).map(|i| format!("store-{i}")).collect();
    let a = names
        .iter()
        .position(|n| kafka_partition(n, 2) == 0)
        .unwrap();
    let b = names
        .iter()
        .position(|n| kafka_partition(n, 2) == 1)
        .unwrap();
    let table = keys(&[names[a].as_str(), names[b].as_str()]);
    (table, 0, 1)
}

#[test]
fn one_idle_partition_stalls_every_window_until_the_idleness_timeout() {
    let (keys, busy, quiet) = two_partition_keys();
    // The quiet key sends once at 0 s; the busy key sends every second for two minutes.
    let mut events = vec![event(0, quiet, 0, 0)];
    events.extend((1..=120).map(|s| event(s, busy, s as i64 * 1_000, s as i64 * 1_000)));
    let spec = StreamingSpec {
        partitions: 2,
        ..StreamingSpec::with_delay(Dur::ZERO)
    };
    // Without idleness the quiet partition holds the watermark at -1 ms: no 10-second window
    // fires before the end of input.
    let stalled = run(&spec, tumbling(10_000), &keys, &events);
    assert!(
        stalled.emissions.iter().all(|e| e.after_event_id.is_none()),
        "all fired at the end"
    );
    let before_end = &stalled.samples[..stalled.samples.len() - 1];
    assert!(
        before_end.iter().all(|s| s.watermark <= Ts(-1)),
        "{before_end:?}"
    );
    // With a 30 s idleness timeout the quiet partition is declared idle. The check at 0.2 s
    // still sees its event at 0 s as activity; the check at 0.4 s finds none and starts the
    // inactivity clock; the first check more than 30 s later, at 30.6 s, marks it idle, and
    // windows then fire on the busy partition's watermark.
    let idle = StreamingSpec {
        idle_timeout: Some(Dur::from_secs(30)),
        ..spec
    };
    let flowing = run(&idle, tumbling(10_000), &keys, &events);
    let first = flowing
        .emissions
        .iter()
        .find(|e| e.after_event_id.is_some())
        .unwrap();
    assert_eq!(first.emit_time, Ts(30_600));
    assert_eq!(first.result.window.start, Ts(0));
    let fired_before_end = flowing
        .emissions
        .iter()
        .filter(|e| e.after_event_id.is_some())
        .count();
    assert!(fired_before_end >= 10, "{fired_before_end}");
}

#[test]
fn arrivals_beyond_capacity_build_a_backlog_that_delays_results() {
    let keys = keys(&["s1"]);
    // 100 events arrive within the same millisecond; the subtask handles 10 per second.
    let mut events: Vec<Event> = (0..100).map(|i| event(i, 0, 1_000, 1_000)).collect();
    events.push(event(100, 0, 20_000, 20_000));
    let spec = StreamingSpec {
        capacity_per_second: Some(10.0),
        watermark_emit: WatermarkEmit::PerEvent,
        sample_every: Dur::from_secs(1),
        ..StreamingSpec::with_delay(Dur::ZERO)
    };
    let out = run(&spec, tumbling(10_000), &keys, &events);
    // The watermark that fires [0, 10 s) is sent at 20 s but queues behind the backlog:
    // 101 records at 100 ms each from 1 s end at 11.1 s, so the subtask is free by 20 s and
    // the only wait is the last record's own 100 ms.
    let first = out.emissions[0];
    assert_eq!((first.result.acc.count, first.emit_time), (100, Ts(20_100)));
    // Sampled each second: at 2 s ten records are done and 90 wait.
    let at_2s = out.samples.iter().find(|s| s.time == Ts(2_000)).unwrap();
    assert_eq!(at_2s.backlog, 90);
    let drained = out.samples.iter().find(|s| s.time >= Ts(12_000)).unwrap();
    assert_eq!(drained.backlog, 0);
}

#[test]
fn hops_delay_what_the_sink_shows() {
    let keys = keys(&["s1"]);
    let spec = StreamingSpec {
        hops: Hops {
            broker_to_processor: Dur(5),
            processor_to_sink: Dur(20),
        },
        ..per_event(0)
    };
    let out = run(
        &spec,
        tumbling(10),
        &keys,
        &[event(1, 0, 1, 1), event(2, 0, 30, 30)],
    );
    let first = out.emissions[0];
    assert_eq!((first.emit_time, first.visible_time), (Ts(35), Ts(55)));
}

#[test]
fn flink_key_groups_spread_keys_over_subtasks() {
    // Java's "hello".hashCode().
    assert_eq!(java_string_hash("hello"), 99_162_322);
    assert_eq!(default_max_parallelism(4), 128);
    assert_eq!(default_max_parallelism(200), 512);
    let mut per_subtask = [0; 4];
    for i in 0..4_000 {
        per_subtask[flink_subtask(&format!("key-{i}"), 4)] += 1;
    }
    assert!(per_subtask.iter().all(|&n| n > 800), "{per_subtask:?}");
}

/// Random events: (key, event time, delay) with delays up to `max_delay`.
fn workload(max_delay: i64) -> impl Strategy<Value = Vec<Event>> {
    proptest::collection::vec((0u32..3, 0i64..60_000, 0..=max_delay), 1..120).prop_map(|rows| {
        let mut events: Vec<Event> = rows
            .into_iter()
            .enumerate()
            .map(|(i, (key, t, delay))| event(i as u64, key, t, t + delay))
            .collect();
        events.sort_by_key(|e| (e.arrival_time, e.id));
        events
    })
}

fn window_strategy() -> impl Strategy<Value = WindowSpec> {
    prop_oneof![
        (1i64..20_000).prop_map(tumbling),
        (1i64..10_000).prop_map(|gap| WindowSpec::Session { gap: Dur(gap) }),
        (1i64..5_000, 1i64..4).prop_map(|(slide, n)| WindowSpec::Sliding {
            size: Dur(slide * n),
            slide: Dur(slide),
            offset: Dur::ZERO,
        }),
    ]
}

/// The last result per (window, key): what an upsert sink holds at the end.
fn final_results(
    out: &Collected,
) -> std::collections::BTreeMap<(Window, KeyId), crate::engine::aggregate::Accumulator> {
    out.emissions
        .iter()
        .map(|e| ((e.result.window, e.result.key), e.result.acc))
        .collect()
}

use crate::engine::window::Window;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// With a bound above the largest delay nothing is late: the upserted results are the
    /// oracle's, cell for cell.
    #[test]
    fn a_generous_bound_reproduces_the_oracle(events in workload(5_000), window in window_strategy(), periodic in any::<bool>()) {
        let keys = keys(&["a", "b", "c"]);
        let spec = StreamingSpec {
            watermark_emit: if periodic { WatermarkEmit::Default } else { WatermarkEmit::PerEvent },
            ..StreamingSpec::with_delay(Dur(5_000))
        };
        let out = run(&spec, window, &keys, &events);
        prop_assert!(out.dropped.is_empty());
        let mut oracle = Oracle::new(&window);
        for e in &events {
            oracle.observe(e);
        }
        let truth: Vec<_> = oracle.cells().iter().map(|c| ((c.window, c.key), c.acc.count, c.acc.sum)).collect();
        let got: Vec<_> = final_results(&out).into_iter().map(|(k, acc)| (k, acc.count, acc.sum)).collect();
        prop_assert_eq!(got, truth);
    }

    /// Whatever the bound and lateness, every event is counted exactly once: in the final
    /// result of its window, or as dropped-late (tumbling and session windows, where each
    /// event has one window). Sessions run without allowed lateness here: with it, a late
    /// event can merge a fired session into a larger window, and Flink emits the new window
    /// without retracting the old one, so an upsert by window counts those events twice.
    #[test]
    fn every_event_is_counted_once(events in workload(30_000), bound in 0i64..10_000, lateness in 0i64..10_000, session in any::<bool>()) {
        let keys = keys(&["a", "b", "c"]);
        let spec = StreamingSpec {
            allowed_lateness: Dur(if session { 0 } else { lateness }),
            ..per_event(bound)
        };
        let window = if session { WindowSpec::Session { gap: Dur(3_000) } } else { tumbling(10_000) };
        let out = run(&spec, window, &keys, &events);
        let counted: u64 = final_results(&out).values().map(|acc| acc.count).sum();
        prop_assert_eq!(counted + out.dropped.len() as u64, events.len() as u64);
    }

    /// Driving the runner's clock between events (as a discrete-event loop does) or not
    /// gives the same output: timers run lazily and in order either way.
    #[test]
    fn results_do_not_depend_on_how_the_input_is_chunked(events in workload(20_000), cuts in proptest::collection::vec(0usize..120, 0..10), early in any::<bool>()) {
        let keys = keys(&["a", "b", "c"]);
        let spec = StreamingSpec {
            idle_timeout: Some(Dur(2_000)),
            partitions: 2,
            early_firing: early.then_some(Dur(700)),
            ..StreamingSpec::with_delay(Dur(3_000))
        };
        let whole = run(&spec, tumbling(5_000), &keys, &events);
        let mut runner = StreamingRunner::new(&spec, &query(tumbling(5_000)));
        let mut chunked = Collected::default();
        for (i, e) in events.iter().enumerate() {
            if cuts.contains(&i) {
                // Advance the clock to just before this event.
                runner.advance_to(e.arrival_time - Dur(1), &mut chunked);
            }
            runner.on_event(e, &keys, &mut chunked);
        }
        runner.finish(&mut chunked);
        prop_assert_eq!(whole.emissions, chunked.emissions);
        prop_assert_eq!(whole.dropped, chunked.dropped);
    }
}
