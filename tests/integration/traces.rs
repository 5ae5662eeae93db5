//! `tidemark generate` writes what the generator produces, and reading it back gives the
//! same events, in CSV and JSON Lines, with either time format.

use tidemark::compose::scenario::Scenario;
use tidemark::input::event::{Event, KeyTable};
use tidemark::input::trace::TraceReader;
use tidemark::input::workload::Generator;

use crate::{scenarios_dir, stderr, tidemark};

/// Events with key names, comparable across key tables.
fn named(events: Vec<Event>, keys: &KeyTable) -> Vec<(u64, String, f64, i64, i64)> {
    events
        .into_iter()
        .map(|e| {
            (
                e.id,
                keys.name(e.key).to_owned(),
                e.value,
                e.event_time.as_ms(),
                e.arrival_time.as_ms(),
            )
        })
        .collect()
}

#[test]
fn generated_traces_round_trip_in_every_format() {
    let file = scenarios_dir().join("mobile_offline_skew.ron");
    let scenario = Scenario::from_file(&file).unwrap();
    let generator = Generator::new(&scenario.workload, scenario.seed);
    let keys = generator.keys().clone();
    let expected = named(generator.collect(), &keys);
    let dir = tempfile::tempdir().unwrap();
    let scenario_path = file.to_str().unwrap();
    for (name, times) in [
        ("t.csv", "rfc3339"),
        ("t.jsonl", "rfc3339"),
        ("ms.csv", "ms"),
        ("ms.jsonl", "ms"),
    ] {
        let out = tidemark(
            dir.path(),
            &["generate", scenario_path, "--out", name, "--times", times],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let mut reader = TraceReader::open(&dir.path().join(name)).unwrap();
        let events: Vec<Event> = reader.by_ref().collect::<Result<_, _>>().unwrap();
        assert_eq!(named(events, reader.keys()), expected, "{name}");
    }
}

#[test]
fn same_seed_same_trace_bytes_other_seed_other_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let generate = |name: &str, seed: &str| {
        let out = tidemark(dir.path(), &["generate", "--out", name, "--seed", seed]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        std::fs::read(dir.path().join(name)).unwrap()
    };
    let a = generate("a.csv", "5");
    assert_eq!(a, generate("b.csv", "5"));
    assert_ne!(a, generate("c.csv", "6"));
}
