//! Replaying a recorded trace through a runner, writing every result and dropped event as
//! JSON Lines, in the form traces recorded from the real engines are compared with.

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use crate::engine::aggregate::Aggregation;
use crate::engine::output::{Emission, StreamOutput};
use crate::engine::query::QuerySpec;
use crate::engine::window::Window;
use crate::input::event::{Event, KeyTable};
use crate::input::time::Ts;
use crate::input::trace::{Epoch, TraceError, TraceReader};
use crate::runner::micro_batch::{MicroBatchRunner, MicroBatchSpec};
use crate::runner::streaming::{StreamingRunner, StreamingSpec};

/// A replay that could not finish.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The trace could not be read.
    #[error(transparent)]
    Trace(#[from] TraceError),
    /// The output could not be written.
    #[error("writing the results: {0}")]
    Write(#[from] io::Error),
}

/// What a replay saw and produced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplaySummary {
    /// Events read.
    pub events: u64,
    /// Result lines written.
    pub results: u64,
    /// Dropped-event lines written.
    pub dropped: u64,
}

/// Replays `trace` (in file order, which is arrival order) through the streaming runner and
/// writes JSON Lines to `out`.
pub fn replay_streaming(
    trace: &Path,
    epoch: Option<Epoch>,
    query: &QuerySpec,
    spec: &StreamingSpec,
    out: impl Write,
) -> Result<ReplaySummary, ReplayError> {
    let mut reader = TraceReader::open(trace)?.with_epoch(epoch);
    let mut runner = StreamingRunner::new(spec, query);
    let mut writer = JsonLines::new(out, &query.aggregations);
    let mut events = 0;
    while let Some(event) = reader.next() {
        let event = event?;
        events += 1;
        runner.on_event(&event, reader.keys(), &mut writer.with_keys(reader.keys()));
    }
    runner.finish(&mut writer.with_keys(reader.keys()));
    writer.finish(events)
}

/// Replays `trace` through the Spark micro-batch runner and writes JSON Lines to `out`;
/// results carry their `batch`, and rows a sliding window refused while another window took
/// the event are written as `dropped_from_window`. `streams` is how many input streams the
/// query reads; none: as many as the trace's `source` column numbers (read once first).
pub fn replay_micro_batch(
    trace: &Path,
    epoch: Option<Epoch>,
    query: &QuerySpec,
    spec: &MicroBatchSpec,
    streams: Option<usize>,
    out: impl Write,
) -> Result<ReplaySummary, ReplayError> {
    // Spark knows every source of the query from the first batch: a stream that has sent
    // nothing yet holds the watermark (min policy) from the start, not from its first row.
    let streams = match streams {
        Some(n) => n,
        None => streams_in(trace, epoch)?,
    };
    let mut reader = TraceReader::open(trace)?.with_epoch(epoch);
    let mut runner = MicroBatchRunner::new(spec, query, streams);
    let mut writer = JsonLines::new(out, &query.aggregations);
    let mut events = 0;
    while let Some(event) = reader.next() {
        let event = event?;
        events += 1;
        runner.on_event(&event, &mut writer.with_keys(reader.keys()));
    }
    runner.finish(&mut writer.with_keys(reader.keys()));
    writer.finish(events)
}

/// Input streams in `trace`: one more than the largest `source` (one without the column).
fn streams_in(trace: &Path, epoch: Option<Epoch>) -> Result<usize, ReplayError> {
    let mut most = 1;
    for event in TraceReader::open(trace)?.with_epoch(epoch) {
        most = most.max(event?.source as usize + 1);
    }
    Ok(most)
}

/// Writes results and dropped events as JSON Lines.
pub struct JsonLines<W: Write> {
    out: io::BufWriter<W>,
    aggregations: Vec<Aggregation>,
    summary: ReplaySummary,
    error: Option<io::Error>,
}

/// A [`JsonLines`] writer with the key names it needs for one call.
pub struct WithKeys<'a, W: Write> {
    writer: &'a mut JsonLines<W>,
    keys: &'a KeyTable,
}

#[derive(Serialize)]
struct ResultLine<'a> {
    #[serde(rename = "type")]
    line_type: &'static str,
    emit_ms: i64,
    after_event_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    batch: Option<i64>,
    window_start_ms: i64,
    window_end_ms: i64,
    key: &'a str,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sum: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    avg: Option<f64>,
}

#[derive(Serialize)]
struct DroppedFromWindowLine {
    #[serde(rename = "type")]
    line_type: &'static str,
    id: u64,
    window_start_ms: i64,
    window_end_ms: i64,
}

#[derive(Serialize)]
struct DroppedLine {
    #[serde(rename = "type")]
    line_type: &'static str,
    id: u64,
    event_ms: i64,
    arrival_ms: i64,
}

impl<W: Write> JsonLines<W> {
    /// A writer over `out` that writes the `aggregations` of each result.
    pub fn new(out: W, aggregations: &[Aggregation]) -> Self {
        JsonLines {
            out: io::BufWriter::new(out),
            aggregations: aggregations.to_vec(),
            summary: ReplaySummary::default(),
            error: None,
        }
    }

    /// The writer, able to name keys from `keys`.
    pub fn with_keys<'a>(&'a mut self, keys: &'a KeyTable) -> WithKeys<'a, W> {
        WithKeys { writer: self, keys }
    }

    fn write_line(&mut self, line: &impl Serialize) {
        if self.error.is_some() {
            return;
        }
        let written = serde_json::to_writer(&mut self.out, line)
            .map_err(io::Error::from)
            .and_then(|()| self.out.write_all(b"\n"));
        if let Err(e) = written {
            self.error = Some(e);
        }
    }

    /// Flushes, and reports the first write error if any.
    pub fn finish(mut self, events: u64) -> Result<ReplaySummary, ReplayError> {
        if let Some(e) = self.error.take() {
            return Err(e.into());
        }
        self.out.flush()?;
        Ok(ReplaySummary {
            events,
            ..self.summary
        })
    }
}

impl<W: Write> StreamOutput for WithKeys<'_, W> {
    fn result(&mut self, emission: &Emission) {
        let r = &emission.result;
        let has = |a: Aggregation| self.writer.aggregations.contains(&a);
        let value = |a: Aggregation| if has(a) { r.acc.get(a) } else { None };
        let line = ResultLine {
            line_type: "result",
            emit_ms: emission.emit_time.as_ms(),
            after_event_id: emission.after_event_id,
            batch: emission.batch,
            window_start_ms: r.window.start.as_ms(),
            window_end_ms: r.window.end.as_ms(),
            key: self.keys.name(r.key),
            kind: r.kind.name(),
            count: has(Aggregation::Count).then_some(r.acc.count),
            sum: value(Aggregation::Sum),
            min: value(Aggregation::Min),
            max: value(Aggregation::Max),
            avg: value(Aggregation::Avg),
        };
        self.writer.write_line(&line);
        self.writer.summary.results += 1;
    }

    fn dropped(&mut self, event: &Event, _at: Ts) {
        self.writer.write_line(&DroppedLine {
            line_type: "dropped",
            id: event.id,
            event_ms: event.event_time.as_ms(),
            arrival_ms: event.arrival_time.as_ms(),
        });
        self.writer.summary.dropped += 1;
    }

    fn dropped_from_window(&mut self, event: &Event, window: Window) {
        self.writer.write_line(&DroppedFromWindowLine {
            line_type: "dropped_from_window",
            id: event.id,
            window_start_ms: window.start.as_ms(),
            window_end_ms: window.end.as_ms(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::WatermarkEmit;
    use crate::input::time::Dur;

    #[test]
    fn replays_a_trace_into_the_documented_lines() {
        let dir = std::env::temp_dir().join(format!("tidemark-replay-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let trace = dir.join("t.csv");
        // Ten-minute windows, 5-minute bound, per-event watermarks.
        std::fs::write(
            &trace,
            "id,key,value,event_time,arrival_time\n\
             1,s1,10,0,0\n\
             2,s1,30,540000,540000\n\
             3,s1,5,960000,960000\n\
             4,s1,7,120000,970000\n",
        )
        .unwrap();
        let query = QuerySpec {
            window: "tumbling:10m".parse().unwrap(),
            aggregations: vec![Aggregation::Count, Aggregation::Sum],
        };
        let spec = StreamingSpec {
            watermark_emit: WatermarkEmit::PerEvent,
            ..StreamingSpec::with_delay(Dur::from_mins(5))
        };
        let mut out = Vec::new();
        let summary = replay_streaming(&trace, None, &query, &spec, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // Event 3 (16 min) moves the watermark to 10:59.999: [0, 10 min) fires with events 1
        // and 2. Event 4 (2 min) is then late and dropped. [10, 20 min) fires at the end.
        assert_eq!(
            lines,
            vec![
                r#"{"type":"result","emit_ms":960000,"after_event_id":3,"window_start_ms":0,"window_end_ms":600000,"key":"s1","kind":"on_time","count":2,"sum":40.0}"#,
                r#"{"type":"dropped","id":4,"event_ms":120000,"arrival_ms":970000}"#,
                r#"{"type":"result","emit_ms":970000,"after_event_id":null,"window_start_ms":600000,"window_end_ms":1200000,"key":"s1","kind":"on_time","count":1,"sum":5.0}"#,
            ]
        );
        assert_eq!(
            summary,
            ReplaySummary {
                events: 4,
                results: 2,
                dropped: 1
            }
        );
    }
}
