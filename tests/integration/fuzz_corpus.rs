//! The fuzzers' corpus (`fuzz/corpus/<target>/`), replayed on the stable toolchain: every
//! input the fuzzers kept, crashes they found included, must go through without a panic.

use std::path::Path;

fn replay(target: &str, entry: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut inputs = 0;
    for file in std::fs::read_dir(&dir).unwrap() {
        let path = file.unwrap().path();
        entry(&std::fs::read(&path).unwrap());
        inputs += 1;
    }
    assert!(inputs > 0, "{} is empty", dir.display());
}

#[test]
fn the_scenario_corpus_parses_and_validates_without_a_panic() {
    replay("scenario", tidemark::fuzzing::scenario);
}

#[test]
fn the_trace_corpus_reads_without_a_panic() {
    replay("trace", tidemark::fuzzing::trace);
}

#[test]
fn the_text_corpus_parses_without_a_panic() {
    replay("text", tidemark::fuzzing::text);
}
