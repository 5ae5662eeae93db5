//! Entry points for the fuzz targets under `fuzz/` and for the test that replays their corpus
//! on the stable toolchain. Each takes arbitrary bytes and must return: no panic, no hang, no
//! allocation beyond what the input's own size and the limits allow.

use std::io::Cursor;
use std::path::Path;

use crate::compose::scenario::Scenario;
use crate::input::time::{Dur, Ts};
use crate::input::trace::{Epoch, TraceFormat, TraceReader};
use crate::measure::expectation::Expectation;

/// A scenario file: parsed, and when it parses, validated (which checks every limit).
pub fn scenario(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(scenario) = Scenario::from_ron(text, "fuzz.ron")
    {
        let _ = scenario.problems();
    }
}

/// A trace, read as CSV and as JSON Lines, its plain-number times as milliseconds and as
/// seconds, to its end (bad rows are errors, never panics).
pub fn trace(data: &[u8]) {
    for format in [TraceFormat::Csv, TraceFormat::Jsonl] {
        for epoch in [None, Some(Epoch::Seconds)] {
            let input = Box::new(Cursor::new(data.to_vec()));
            if let Ok(reader) = TraceReader::from_reader(input, format, Path::new("fuzz")) {
                for row in reader.with_epoch(epoch) {
                    let _ = row;
                }
            }
        }
    }
}

/// The small parsers of people's text: durations, instants and expectations.
pub fn text(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Dur::parse(text);
        let _ = Ts::parse(text);
        let _ = Expectation::parse(text);
    }
}
