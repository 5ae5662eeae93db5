//! A recorded trace as a scenario's workload (`workload: (trace: "traces/orders.csv")`):
//! the user's own events through every model instead of generated ones.
//!
//! The trace is read twice, a row at a time, never whole: once when the scenario is loaded
//! (every row checked, the keys named, its span and size measured) and once per run. It must
//! be in arrival order, as a broker hands records out: a row arriving before the one above
//! it is refused with its line (sort the file by `arrival_time` first).

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::input::event::{Event, KeyTable};
use crate::input::time::{Dur, Ts};
use crate::input::trace::{Epoch, TraceError, TraceFormat, TraceReader};

/// Traces shipped with the built-in scenarios, readable wherever the app runs.
const SHIPPED: &[(&str, &str)] = &[(
    "traces/orders.csv",
    include_str!("../../../scenarios/traces/orders.csv"),
)];

/// The trace a workload reads, as the scenario names it.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedTrace {
    /// CSV or JSON Lines (`id,key,value,event_time,arrival_time`, optional `source`), as
    /// `tidemark generate` writes and `tidemark replay` reads; relative to the scenario file.
    pub path: PathBuf,
    /// What times written as plain numbers count: `Seconds` or `Milliseconds`. Unsaid:
    /// milliseconds, and a 10-digit one (January to April 1970) is refused as probably
    /// seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<Epoch>,
    /// What reading it found (not written to the file).
    #[serde(skip)]
    pub found: Option<TraceSummary>,
}

impl PartialEq for RecordedTrace {
    fn eq(&self, other: &Self) -> bool {
        (&self.path, self.epoch) == (&other.path, other.epoch)
    }
}

/// Where the rows come from.
#[derive(Clone, Debug, PartialEq)]
pub enum TraceOrigin {
    /// A file on disk, its path resolved against the scenario's folder.
    File(PathBuf),
    /// A trace shipped inside tidemark (a built-in scenario's).
    Shipped(&'static str),
}

/// What a whole read of the trace found.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceSummary {
    pub origin: TraceOrigin,
    /// Rows (events).
    pub rows: u64,
    /// Malformed rows skipped (only when asked to skip them), and the first one's error.
    pub skipped: u64,
    pub first_skipped: Option<String>,
    /// The keys in first-seen order: the ids every run gives them.
    pub keys: KeyTable,
    /// Earliest and latest event time.
    pub first_event: Ts,
    pub last_event: Ts,
}

impl RecordedTrace {
    /// Reads the whole trace once, `dir` being the scenario file's folder: every row must
    /// read (or, with `skip_bad_rows`, a malformed row is counted and skipped) and arrive no
    /// earlier than the row before.
    pub fn read(&mut self, dir: &Path, skip_bad_rows: bool) -> Result<&TraceSummary, TraceError> {
        let origin = origin(&self.path, dir);
        let mut reader = open(&origin, &self.path)?.with_epoch(self.epoch);
        let (mut rows, mut first, mut last) = (0u64, Ts(i64::MAX), Ts(i64::MIN));
        let (mut skipped, mut first_skipped) = (0u64, None);
        let mut previous_arrival = Ts(i64::MIN);
        while let Some(event) = reader.next() {
            let event = match event {
                Err(e @ TraceError::Row { .. }) if skip_bad_rows => {
                    skipped += 1;
                    first_skipped.get_or_insert(e.to_string());
                    continue;
                }
                other => other?,
            };
            if event.arrival_time < previous_arrival {
                return Err(TraceError::Row {
                    file: reader.file().to_owned(),
                    line: reader.line(),
                    field: "arrival_time".to_owned(),
                    message: format!(
                        "{} is before the row above ({}): a workload trace must be in arrival \
                         order; sort it by arrival_time",
                        event.arrival_time, previous_arrival
                    ),
                });
            }
            previous_arrival = event.arrival_time;
            rows += 1;
            first = first.min(event.event_time);
            last = last.max(event.event_time);
        }
        if rows == 0 {
            return Err(TraceError::Row {
                file: reader.file().to_owned(),
                line: 1,
                field: "row".to_owned(),
                message: "the trace has no rows: a workload needs at least one event".to_owned(),
            });
        }
        Ok(self.found.insert(TraceSummary {
            origin,
            rows,
            skipped,
            first_skipped,
            keys: reader.into_keys(),
            first_event: first,
            last_event: last,
        }))
    }
}

impl TraceSummary {
    /// The hours the events happen in: from the hour of the first to after the last.
    pub fn span(&self) -> (Ts, Dur) {
        let hour = Dur::from_hours(1);
        let start = self.first_event.floor_to(hour);
        let end = self.last_event.floor_to(hour) + hour;
        (start, Dur(end.as_ms() - start.as_ms()))
    }

    /// The events, in arrival order, plain-number times read in `epoch` as the first read
    /// did; the keys have the ids of [`keys`](Self::keys).
    pub fn events(&self, path: &Path, epoch: Option<Epoch>) -> TraceEvents {
        let reader = open(&self.origin, path).ok().map(|r| r.with_epoch(epoch));
        TraceEvents {
            reader,
            read: 0,
            rows: self.rows,
        }
    }
}

/// The events of a trace read before: a malformed row is skipped (the first read refused it
/// unless asked to skip it), one that cannot be read at all ends the stream.
pub struct TraceEvents {
    reader: Option<TraceReader>,
    read: u64,
    rows: u64,
}

impl TraceEvents {
    /// Share of the rows read, 0..1.
    pub fn progress(&self) -> f64 {
        self.read as f64 / self.rows.max(1) as f64
    }
}

impl Iterator for TraceEvents {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        loop {
            self.read += 1;
            match self.reader.as_mut()?.next()? {
                Ok(event) => return Some(event),
                Err(TraceError::Row { .. }) => continue,
                Err(TraceError::Io { .. }) => {
                    self.reader = None;
                    return None;
                }
            }
        }
    }
}

fn origin(path: &Path, dir: &Path) -> TraceOrigin {
    let on_disk = dir.join(path);
    if !on_disk.exists()
        && let Some((name, _)) = SHIPPED.iter().find(|(name, _)| Path::new(name) == path)
    {
        return TraceOrigin::Shipped(name);
    }
    TraceOrigin::File(on_disk)
}

fn open(origin: &TraceOrigin, path: &Path) -> Result<TraceReader, TraceError> {
    match origin {
        TraceOrigin::File(file) => TraceReader::open(file),
        TraceOrigin::Shipped(name) => {
            let text = SHIPPED
                .iter()
                .find(|(n, _)| n == name)
                .map_or("", |(_, t)| t);
            let input: Box<dyn Read + Send> = Box::new(text.as_bytes());
            TraceReader::from_reader(input, TraceFormat::from_path(path), path)
        }
    }
}
