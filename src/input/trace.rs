//! Event traces on disk: CSV or JSON Lines with the fields
//! `id,key,value,event_time,arrival_time` (and an optional `source`, the input stream, for
//! workloads with several), times as RFC 3339 or epoch milliseconds (epoch seconds when
//! the trace says so: [`Epoch`]).
//!
//! Traces let users inspect a generated workload, replay it elsewhere, or replay a real log
//! through tidemark. Rows are read and written one at a time, never the whole file at once.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::input::event::{Event, KeyTable};
use crate::input::time::Ts;

/// The columns of a trace, in the order written.
pub const FIELDS: [&str; 5] = ["id", "key", "value", "event_time", "arrival_time"];

/// The file format of a trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

impl TraceFormat {
    /// JSON Lines for `.jsonl`/`.ndjson`/`.json` files, CSV otherwise.
    pub fn from_path(path: &Path) -> TraceFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some("jsonl" | "ndjson" | "json") => TraceFormat::Jsonl,
            _ => TraceFormat::Csv,
        }
    }
}

impl std::str::FromStr for TraceFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "csv" => Ok(TraceFormat::Csv),
            "jsonl" => Ok(TraceFormat::Jsonl),
            _ => Err(format!("unknown trace format \"{s}\": use csv or jsonl")),
        }
    }
}

/// How timestamps are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimeFormat {
    /// `2026-03-17T23:58:00.000Z`
    #[default]
    Rfc3339,
    /// Milliseconds since the epoch.
    EpochMs,
}

impl std::str::FromStr for TimeFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "rfc3339" => Ok(TimeFormat::Rfc3339),
            "ms" | "epoch-ms" => Ok(TimeFormat::EpochMs),
            _ => Err(format!("unknown time format \"{s}\": use rfc3339 or ms")),
        }
    }
}

/// What a time written as a plain number counts since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub enum Epoch {
    /// Milliseconds (what tidemark writes, and Kafka's record timestamps).
    Milliseconds,
    /// Seconds, possibly with a fraction (`1773705600.25`): Unix time.
    Seconds,
}

impl std::str::FromStr for Epoch {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "ms" | "milliseconds" => Ok(Epoch::Milliseconds),
            "s" | "seconds" => Ok(Epoch::Seconds),
            _ => Err(format!("unknown epoch unit \"{s}\": use ms or s")),
        }
    }
}

/// Plain-number times of 10 digits read as milliseconds fall in January to April 1970:
/// almost surely epoch seconds of 2001 to 2286, so refused unless the unit is said.
const LOOKS_LIKE_SECONDS: std::ops::Range<i64> = 1_000_000_000..10_000_000_000;

/// The time a cell holds, plain numbers counted in `epoch` (milliseconds when unsaid, and
/// then a 10-digit number is refused as probably seconds).
fn epoch_time(cell: &Cell, epoch: Option<Epoch>) -> Result<Ts, String> {
    if epoch == Some(Epoch::Seconds) {
        let seconds = match cell {
            Cell::Int(n) => Some(*n as f64),
            Cell::Float(x) => Some(*x),
            Cell::Text(t) => t.trim().parse::<f64>().ok().filter(|x| x.is_finite()),
        };
        let Some(seconds) = seconds else {
            return Ts::parse(&cell.text()); // RFC 3339 reads whatever the unit
        };
        let ms = (seconds * 1_000.0).round();
        // Beyond about ±2^62 ms the years check could not even be computed.
        return if ms.abs() < 4.6e18 {
            Ok(Ts(ms as i64))
        } else {
            Err(format!("{seconds} seconds is too large for a time"))
        };
    }
    let (t, plain) = match cell {
        Cell::Int(ms) => (Ts(*ms), true),
        other => {
            let text = other.text();
            match Ts::parse(&text) {
                Ok(t) => (t, text.trim().parse::<i64>().is_ok()),
                Err(_) if epoch.is_none() && seconds_with_a_fraction(&text) => {
                    return Err(format!(
                        "{} is not a whole number of milliseconds: if these are epoch \
                         seconds, {SAY_SECONDS}",
                        text.trim()
                    ));
                }
                Err(message) => return Err(message),
            }
        }
    };
    if epoch.is_none() && plain && LOOKS_LIKE_SECONDS.contains(&t.as_ms()) {
        return Err(format!(
            "{} read as milliseconds since 1970 is {t}: these look like epoch seconds; \
             {SAY_SECONDS}; if they really are milliseconds, `epoch: Milliseconds` \
             (`--epoch ms`)",
            t.as_ms()
        ));
    }
    Ok(t)
}

/// How a trace says its plain-number times are seconds.
const SAY_SECONDS: &str =
    "say so: `trace: (path: ..., epoch: Seconds)` in the scenario, or `tidemark replay --epoch s`";

/// A finite number written with a fraction, like `1773705600.25`.
fn seconds_with_a_fraction(text: &str) -> bool {
    let text = text.trim();
    text.contains('.') && text.parse::<f64>().is_ok_and(f64::is_finite)
}

/// A trace that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The file could not be opened or read.
    #[error("{file}: {source}")]
    Io {
        /// The trace file.
        file: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// A row is malformed.
    #[error("{file}:{line}: field `{field}`: {message}")]
    Row {
        /// The trace file.
        file: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The field at fault.
        field: String,
        /// What is wrong and what is expected.
        message: String,
    },
}

#[derive(Serialize)]
#[serde(untagged)]
enum TimeCell {
    Text(String),
    Ms(i64),
}

#[derive(Serialize)]
struct Row<'a> {
    id: u64,
    key: &'a str,
    value: f64,
    event_time: TimeCell,
    arrival_time: TimeCell,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<u16>,
}

/// Writes events to a trace, one row per event.
pub struct TraceWriter<W: Write> {
    times: TimeFormat,
    with_source: bool,
    sink: Sink<W>,
    /// Rows written so far.
    rows: u64,
}

enum Sink<W: Write> {
    Csv(Box<csv::Writer<W>>),
    Jsonl(io::BufWriter<W>),
}

impl<W: Write> TraceWriter<W> {
    /// A writer of `format` over `out`, writing times as `times`.
    pub fn new(out: W, format: TraceFormat, times: TimeFormat) -> Self {
        let sink = match format {
            TraceFormat::Csv => Sink::Csv(Box::new(csv::Writer::from_writer(out))),
            TraceFormat::Jsonl => Sink::Jsonl(io::BufWriter::new(out)),
        };
        TraceWriter {
            times,
            with_source: false,
            sink,
            rows: 0,
        }
    }

    /// Also writes each event's `source` (input stream), for workloads with several.
    pub fn with_source(mut self, yes: bool) -> Self {
        self.with_source = yes;
        self
    }

    fn cell(&self, t: Ts) -> TimeCell {
        match self.times {
            TimeFormat::Rfc3339 => TimeCell::Text(t.to_string()),
            TimeFormat::EpochMs => TimeCell::Ms(t.as_ms()),
        }
    }

    /// Writes one event.
    pub fn write(&mut self, event: &Event, keys: &KeyTable) -> io::Result<()> {
        let row = Row {
            id: event.id,
            key: keys.name(event.key),
            value: event.value,
            event_time: self.cell(event.event_time),
            arrival_time: self.cell(event.arrival_time),
            source: self.with_source.then_some(event.source),
        };
        self.rows += 1;
        match &mut self.sink {
            Sink::Csv(w) => w.serialize(row).map_err(io::Error::other),
            Sink::Jsonl(w) => {
                serde_json::to_writer(&mut *w, &row)?;
                w.write_all(b"\n")
            }
        }
    }

    /// Flushes everything written; a CSV trace without rows still has its header.
    pub fn finish(self) -> io::Result<()> {
        match self.sink {
            Sink::Csv(mut w) => {
                if self.rows == 0 {
                    let mut header = FIELDS.to_vec();
                    if self.with_source {
                        header.push("source");
                    }
                    w.write_record(header).map_err(io::Error::other)?;
                }
                w.flush()
            }
            Sink::Jsonl(mut w) => w.flush(),
        }
    }
}

/// Reads a trace file row by row, interning keys as they appear.
pub struct TraceReader {
    file: PathBuf,
    keys: KeyTable,
    rows: Rows,
    /// What plain-number times count (none said: milliseconds, 10-digit ones refused).
    epoch: Option<Epoch>,
}

enum Rows {
    Csv {
        reader: csv::Reader<Box<dyn Read + Send>>,
        /// One record, reused for every row (no allocation per row).
        record: csv::ByteRecord,
        /// Column index of each of [`FIELDS`].
        columns: [usize; 5],
        /// Column of the optional `source` field.
        source_column: Option<usize>,
    },
    Jsonl {
        lines: io::Lines<BufReader<Box<dyn Read + Send>>>,
        line: u64,
    },
}

impl TraceReader {
    /// Opens `path`, in the format its extension names (see [`TraceFormat::from_path`]).
    pub fn open(path: &Path) -> Result<Self, TraceError> {
        let io_error = |source| TraceError::Io {
            file: path.to_owned(),
            source,
        };
        // A device or a pipe (`/dev/zero`, a FIFO) could be read forever: files only.
        if !std::fs::metadata(path).map_err(io_error)?.is_file() {
            return Err(io_error(io::Error::other(
                "not a regular file: name a CSV or JSON Lines file",
            )));
        }
        let file = File::open(path).map_err(io_error)?;
        TraceReader::from_reader(Box::new(file), TraceFormat::from_path(path), path)
    }

    /// Reads a trace in `format` from `input`; errors name `path`.
    pub fn from_reader(
        input: Box<dyn Read + Send>,
        format: TraceFormat,
        path: &Path,
    ) -> Result<Self, TraceError> {
        let input: Box<dyn Read + Send> = Box::new(LineLimit {
            inner: input,
            since_newline: 0,
            newlines: 0,
        });
        let rows = match format {
            TraceFormat::Jsonl => Rows::Jsonl {
                lines: BufReader::new(input).lines(),
                line: 0,
            },
            TraceFormat::Csv => {
                // Fields are trimmed as they are read (a slice, no copy).
                let mut reader = csv::ReaderBuilder::new()
                    .trim(csv::Trim::Headers)
                    .from_reader(input);
                let headers = reader
                    .headers()
                    .map_err(|e| row_error(path, 1, "header", e.to_string()))?;
                let mut columns = [0; 5];
                for (slot, field) in columns.iter_mut().zip(FIELDS) {
                    *slot = headers.iter().position(|h| h == field).ok_or_else(|| {
                        row_error(
                            path,
                            1,
                            field,
                            format!(
                                "the header has no column `{field}`; it needs {}",
                                FIELDS.join(",")
                            ),
                        )
                    })?;
                }
                let source_column = headers.iter().position(|h| h == "source");
                Rows::Csv {
                    reader,
                    record: csv::ByteRecord::new(),
                    columns,
                    source_column,
                }
            }
        };
        Ok(TraceReader {
            file: path.to_owned(),
            keys: KeyTable::new(),
            rows,
            epoch: None,
        })
    }

    /// Reads plain-number times as counting `epoch` (see [`Epoch`]).
    pub fn with_epoch(mut self, epoch: Option<Epoch>) -> Self {
        self.epoch = epoch;
        self
    }

    /// The file read (as named when opened).
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The line of the row read last (1 is the CSV header).
    pub fn line(&self) -> u64 {
        match &self.rows {
            Rows::Csv { record, .. } => record.position().map_or(0, |p| p.line()),
            Rows::Jsonl { line, .. } => *line,
        }
    }

    /// The keys seen so far, by id.
    pub fn keys(&self) -> &KeyTable {
        &self.keys
    }

    /// The keys seen, once reading is done.
    pub fn into_keys(self) -> KeyTable {
        self.keys
    }

    fn parse<'a>(
        file: &Path,
        keys: &mut KeyTable,
        epoch: Option<Epoch>,
        line: u64,
        cells: [Option<Cell<'a>>; 5],
        source: Option<Cell<'a>>,
    ) -> Result<Event, TraceError> {
        let [id, key, value, event_time, arrival_time] = cells.map(Some);
        let need = |cell: Option<Option<Cell<'a>>>, field: &str| {
            cell.flatten()
                .ok_or_else(|| row_error(file, line, field, "the field is missing".to_owned()))
        };
        // Built only on the error path: what is wrong with `text` as `what`.
        let not_a = |text: &str, what: &str| {
            if text.is_empty() {
                "the field is empty".to_owned()
            } else {
                format!("\"{text}\" is not {what}")
            }
        };
        let id = match need(id, "id")? {
            Cell::Int(n) if n >= 0 => n as u64,
            other => other.text().trim().parse().map_err(|_| {
                row_error(
                    file,
                    line,
                    "id",
                    not_a(&other.text(), "a non-negative integer"),
                )
            })?,
        };
        // A key is taken exactly as written (numbers and times may be padded).
        let key = match need(key, "key")? {
            Cell::Text(s) if !s.is_empty() => keys.intern(&s),
            Cell::Text(_) => {
                return Err(row_error(file, line, "key", "the key is empty".to_owned()));
            }
            other => keys.intern(&other.text()),
        };
        let value = match need(value, "value")? {
            Cell::Int(n) => n as f64,
            Cell::Float(x) => x,
            Cell::Text(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| row_error(file, line, "value", not_a(&s, "a number")))?,
        };
        if value.abs() > crate::input::limits::MAX_VALUE {
            let message = format!(
                "{value:e} is beyond ±{:.0e}, where sums stop being exact",
                crate::input::limits::MAX_VALUE
            );
            return Err(row_error(file, line, "value", message));
        }
        let time = |cell: Cell, field: &str| {
            let t = epoch_time(&cell, epoch).map_err(|m| {
                let text = cell.text();
                let message = if text.is_empty() { not_a(&text, "") } else { m };
                row_error(file, line, field, message)
            })?;
            if !crate::input::limits::in_years(t) {
                let message = format!("{t} is outside the years 1900 to 2200");
                return Err(row_error(file, line, field, message));
            }
            Ok(t)
        };
        let source = match source {
            None => 0,
            Some(Cell::Int(n)) if (0..=u16::MAX as i64).contains(&n) => n as u16,
            Some(other) => other.text().trim().parse().map_err(|_| {
                row_error(
                    file,
                    line,
                    "source",
                    format!("\"{}\" is not a stream number 0..65535", other.text()),
                )
            })?,
        };
        Ok(Event {
            id,
            key,
            value,
            event_time: time(need(event_time, "event_time")?, "event_time")?,
            arrival_time: time(need(arrival_time, "arrival_time")?, "arrival_time")?,
            source,
        })
    }
}

/// A field as found in a row, before it is checked; text is borrowed from the row.
enum Cell<'a> {
    Text(Cow<'a, str>),
    Int(i64),
    Float(f64),
}

impl<'a> Cell<'a> {
    fn text(&self) -> Cow<'_, str> {
        match self {
            Cell::Text(s) => Cow::Borrowed(s),
            Cell::Int(n) => Cow::Owned(n.to_string()),
            Cell::Float(x) => Cow::Owned(x.to_string()),
        }
    }

    fn from_json(value: &'a serde_json::Value) -> Option<Cell<'a>> {
        match value {
            serde_json::Value::String(s) => Some(Cell::Text(Cow::Borrowed(s))),
            serde_json::Value::Number(n) => n
                .as_i64()
                .map(Cell::Int)
                .or_else(|| n.as_f64().map(Cell::Float)),
            serde_json::Value::Null => None,
            other => Some(Cell::Text(Cow::Owned(other.to_string()))),
        }
    }
}

/// A field written as a plain integer — digits only, no sign, no leading zero, at most 18
/// digits (so it fits an `i64`) — read straight from its bytes. It reads as its text would
/// (`i64`, `u64` and `f64` parsing agree on it) and prints back exactly as written, so an
/// error message quoting it is unchanged; anything else takes the text path.
fn plain_integer(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || bytes.len() > 18 || (bytes[0] == b'0' && bytes.len() > 1) {
        return None;
    }
    bytes.iter().try_fold(0i64, |n, &b| {
        let digit = b.wrapping_sub(b'0');
        (digit <= 9).then_some(n * 10 + i64::from(digit))
    })
}

fn row_error(file: &Path, line: u64, field: &str, message: String) -> TraceError {
    TraceError::Row {
        file: file.to_owned(),
        line,
        field: field.to_owned(),
        message,
    }
}

/// Passes bytes through, failing once a line grows past [`MAX_TRACE_LINE`] bytes.
///
/// [`MAX_TRACE_LINE`]: crate::input::limits::MAX_TRACE_LINE
struct LineLimit {
    inner: Box<dyn Read + Send>,
    since_newline: usize,
    /// Line breaks passed so far: the line being read is one more.
    newlines: u64,
}

/// A line past [`crate::input::limits::MAX_TRACE_LINE`] bytes, at its 1-based number.
#[derive(Debug, thiserror::Error)]
#[error(
    "line {line} is longer than {} bytes: is this a trace (one row per line)?",
    crate::input::limits::MAX_TRACE_LINE
)]
struct LineTooLong {
    line: u64,
}

impl LineTooLong {
    /// The line of `error`, when it is this one.
    fn line_of(error: &io::Error) -> Option<u64> {
        error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<LineTooLong>())
            .map(|e| e.line)
    }
}

impl Read for LineLimit {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let breaks = buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        self.since_newline = match buf[..n].iter().rposition(|&b| b == b'\n') {
            Some(at) => n - at - 1,
            None => self.since_newline + n,
        };
        self.newlines += breaks;
        if self.since_newline > crate::input::limits::MAX_TRACE_LINE {
            return Err(io::Error::other(LineTooLong {
                line: self.newlines + 1,
            }));
        }
        Ok(n)
    }
}

impl Iterator for TraceReader {
    type Item = Result<Event, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.rows {
            Rows::Csv {
                reader,
                record,
                columns,
                source_column,
            } => {
                match reader.read_byte_record(record) {
                    Ok(true) => {}
                    Ok(false) => return None,
                    Err(e) => {
                        if let csv::ErrorKind::Io(io) = e.kind()
                            && let Some(line) = LineTooLong::line_of(io)
                        {
                            return Some(Err(row_error(&self.file, line, "row", io.to_string())));
                        }
                        let line = e.position().map_or(0, |p| p.line());
                        return Some(Err(row_error(&self.file, line, "row", e.to_string())));
                    }
                }
                let line = record.position().map_or(0, |p| p.line());
                let mut cells = [None, None, None, None, None];
                let mut source = None;
                let slots = cells.iter_mut().zip(FIELDS).zip(columns.map(Some));
                for ((slot, field), column) in
                    slots.chain([((&mut source, "source"), *source_column)])
                {
                    let Some(bytes) = column.and_then(|c| record.get(c)) else {
                        continue;
                    };
                    // Numbers written plainly skip the text path (half the time of a row
                    // of epoch milliseconds); a key is a name, taken as written, never one.
                    if field != "key"
                        && let Some(n) = plain_integer(bytes)
                    {
                        *slot = Some(Cell::Int(n));
                        continue;
                    }
                    match std::str::from_utf8(bytes) {
                        Ok(text) => *slot = Some(Cell::Text(Cow::Borrowed(text))),
                        Err(_) => {
                            let message = "the field is not UTF-8 text".to_owned();
                            return Some(Err(row_error(&self.file, line, field, message)));
                        }
                    }
                }
                Some(Self::parse(
                    &self.file,
                    &mut self.keys,
                    self.epoch,
                    line,
                    cells,
                    source,
                ))
            }
            Rows::Jsonl { lines, line } => loop {
                *line += 1;
                let n = *line;
                let text = match lines.next()? {
                    Ok(t) => t,
                    Err(source) if let Some(line) = LineTooLong::line_of(&source) => {
                        return Some(Err(row_error(&self.file, line, "row", source.to_string())));
                    }
                    Err(source) => {
                        return Some(Err(TraceError::Io {
                            file: self.file.clone(),
                            source,
                        }));
                    }
                };
                // A byte-order mark may open the file, as it may a CSV one.
                let text = if n == 1 {
                    text.strip_prefix('\u{feff}').unwrap_or(&text)
                } else {
                    &text
                };
                if text.trim().is_empty() {
                    continue;
                }
                let object: serde_json::Map<String, serde_json::Value> =
                    match serde_json::from_str(text) {
                        Ok(o) => o,
                        Err(e) => {
                            return Some(Err(row_error(
                                &self.file,
                                n,
                                "row",
                                format!("not a JSON object: {e}"),
                            )));
                        }
                    };
                let cells = FIELDS.map(|f| object.get(f).and_then(Cell::from_json));
                let source = object.get("source").and_then(Cell::from_json);
                return Some(Self::parse(
                    &self.file,
                    &mut self.keys,
                    self.epoch,
                    n,
                    cells,
                    source,
                ));
            },
        }
    }
}

/// Writes `events` to `path` (format from the extension), returning how many were written.
pub fn write_file(
    path: &Path,
    events: impl IntoIterator<Item = Event>,
    keys: &KeyTable,
    times: TimeFormat,
) -> io::Result<u64> {
    let mut writer = TraceWriter::new(File::create(path)?, TraceFormat::from_path(path), times);
    let mut n = 0;
    for event in events {
        writer.write(&event, keys)?;
        n += 1;
    }
    writer.finish()?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A plainly written integer reads as its text does, for every field that can
        /// hold one, and prints back as written.
        #[test]
        fn plain_integers_read_as_their_text(text in "[0-9]{0,20}|[0-9 +.-]{1,6}") {
            if let Some(n) = plain_integer(text.as_bytes()) {
                proptest::prop_assert_eq!(n.to_string(), text.clone());
                proptest::prop_assert_eq!(text.parse::<u64>(), Ok(n as u64));
                proptest::prop_assert_eq!(text.parse::<f64>(), Ok(n as f64));
                proptest::prop_assert_eq!(Ts::parse(&text), Ok(Ts(n)));
            } else {
                proptest::prop_assert!(
                    text.is_empty() || text.len() > 18 || text.starts_with('0') && text.len() > 1
                        || !text.bytes().all(|b| b.is_ascii_digit()),
                    "{} should read plainly", text
                );
            }
        }
    }

    fn temp(name: &str, body: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tidemark-trace-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        path
    }

    fn read(path: &Path) -> Result<Vec<Event>, TraceError> {
        TraceReader::open(path)?.collect()
    }

    #[test]
    fn a_line_past_the_limit_is_named_by_its_number() {
        let row = |id: u32, key: &str| {
            format!("{id},{key},1.0,2026-03-17T08:00:00Z,2026-03-17T08:00:01Z\n")
        };
        // Past the limit by more than a read buffer: the limit is checked between reads.
        let long = "k".repeat(crate::input::limits::MAX_TRACE_LINE + 100_000);
        let csv = format!(
            "id,key,value,event_time,arrival_time\n{}{}",
            row(1, "a"),
            row(2, &long)
        );
        let object = |id: u32, key: &str| {
            format!(
                "{{\"id\":{id},\"key\":\"{key}\",\"value\":1,\"event_time\":0,\"arrival_time\":1}}\n"
            )
        };
        // Unterminated, as a truncated file ends.
        let jsonl = format!(
            "{}{}{}",
            object(1, "a"),
            object(2, "a"),
            &object(3, &long)[..long.len()]
        );
        for (name, body) in [("long.csv", csv), ("long.jsonl", jsonl)] {
            let err = read(&temp(name, &body)).unwrap_err().to_string();
            assert!(
                err.contains(&format!("{name}:3: field `row`: line 3 is longer than")),
                "{err}"
            );
        }
    }

    #[test]
    fn reads_both_time_forms_and_any_column_order() {
        let path = temp(
            "mixed.csv",
            "key,id,event_time,arrival_time,value\ns1,7,2026-03-17T23:58:00Z,1773792180000,12.5\n",
        );
        let events = read(&path).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].id, 7);
        assert_eq!(
            events[0].arrival_time - events[0].event_time,
            crate::input::time::Dur::from_mins(5)
        );
    }

    #[test]
    fn epoch_seconds_are_read_when_said_and_refused_when_not() {
        let csv = temp(
            "seconds.csv",
            "id,key,value,event_time,arrival_time\n1,a,1,1773705600,1773705600.25\n",
        );
        let json = temp(
            "seconds.jsonl",
            "{\"id\":1,\"key\":\"a\",\"value\":1,\"event_time\":1773705600,\
             \"arrival_time\":1773705600.5}\n",
        );
        let midnight = Ts::parse("2026-03-17T00:00:00Z").unwrap();
        let with = |path: &Path, epoch| -> Result<Vec<Event>, TraceError> {
            TraceReader::open(path)?.with_epoch(epoch).collect()
        };
        // 1773705600 s is 2026-03-17T00:00:00Z; the fraction is kept to the millisecond.
        let events = with(&csv, Some(Epoch::Seconds)).unwrap();
        assert_eq!(events[0].event_time, midnight);
        assert_eq!(
            events[0].arrival_time,
            midnight + crate::input::time::Dur(250)
        );
        let events = with(&json, Some(Epoch::Seconds)).unwrap();
        assert_eq!(
            events[0].arrival_time,
            midnight + crate::input::time::Dur(500)
        );
        // Unsaid, 1773705600 as milliseconds is 1970-01-21T12:41:45.600Z: refused, saying how.
        let Err(TraceError::Row {
            line,
            field,
            message,
            ..
        }) = with(&csv, None)
        else {
            panic!("a 10-digit time without a unit is refused");
        };
        assert_eq!((line, field.as_str()), (2, "event_time"));
        assert!(message.contains("1970-01-21T12:41:45.600Z"), "{message}");
        assert!(message.contains("epoch: Seconds"), "{message}");
        // A fraction without a unit says the same.
        let fraction = temp(
            "fraction.csv",
            "id,key,value,event_time,arrival_time\n1,a,1,1773705600000,1773705600.25\n",
        );
        let Err(TraceError::Row { field, message, .. }) = with(&fraction, None) else {
            panic!("a fraction of a millisecond is refused");
        };
        assert_eq!(field, "arrival_time");
        assert!(message.contains("epoch: Seconds"), "{message}");
        // Said to be milliseconds, it is read as such; RFC 3339 reads whatever the unit.
        let csv_ms = temp(
            "ms.csv",
            "id,key,value,event_time,arrival_time\n1,a,1,1773705600,2026-03-17T00:00:00Z\n",
        );
        let events = with(&csv_ms, Some(Epoch::Milliseconds)).unwrap();
        assert_eq!(events[0].event_time, Ts(1_773_705_600));
        let events = with(&csv_ms, Some(Epoch::Seconds)).unwrap();
        assert_eq!(events[0].arrival_time, midnight);
    }

    #[test]
    fn padded_numbers_are_read_keys_are_kept_exactly_and_bytes_that_are_not_text_are_named() {
        let path = temp(
            "padded.csv",
            "id , key,value,event_time,arrival_time\n 1 ,a, 2.5 , 0 ,0\n2, a,1,0,0\n3,a ,1,0,0\n",
        );
        let mut reader = TraceReader::open(&path).unwrap();
        let events: Vec<Event> = reader.by_ref().map(Result::unwrap).collect();
        assert_eq!((events[0].id, events[0].value), (1, 2.5));
        // `a`, ` a` and `a ` are three keys.
        let keys = reader.into_keys();
        let names: Vec<&str> = events.iter().map(|e| keys.name(e.key)).collect();
        assert_eq!(names, ["a", " a", "a "]);
        let path = std::env::temp_dir().join(format!("tidemark-{}-latin1.csv", std::process::id()));
        std::fs::write(
            &path,
            b"id,key,value,event_time,arrival_time\n1,caf\xe9,1,0,0\n",
        )
        .unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(
            err.contains("latin1.csv:2: field `key`: the field is not UTF-8 text"),
            "{err}"
        );
    }

    #[test]
    fn keys_with_spaces_round_trip_exactly_in_both_formats() {
        let mut keys = KeyTable::new();
        let names = [" a", "a", "a ", "b, c"];
        let events: Vec<Event> = names
            .iter()
            .enumerate()
            .map(|(i, name)| Event {
                id: i as u64,
                key: keys.intern(name),
                value: 1.0,
                event_time: Ts(0),
                arrival_time: Ts(0),
                source: 0,
            })
            .collect();
        for file in ["keys.csv", "keys.jsonl"] {
            let path = temp(file, "");
            write_file(&path, events.clone(), &keys, TimeFormat::EpochMs).unwrap();
            let mut reader = TraceReader::open(&path).unwrap();
            let read: Vec<Event> = reader.by_ref().map(Result::unwrap).collect();
            let keys = reader.into_keys();
            let got: Vec<&str> = read.iter().map(|e| keys.name(e.key)).collect();
            assert_eq!(got, names, "{file}");
        }
    }

    #[test]
    fn times_near_the_ends_of_the_clock_are_refused_with_their_field() {
        let path = temp(
            "edge.csv",
            "id,key,value,event_time,arrival_time\n1,a,1,0,0\n2,a,1,5,9223372036854775807\n",
        );
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("edge.csv:3: field `arrival_time`"), "{err}");
        assert!(err.contains("outside the years 1900 to 2200"), "{err}");
    }

    #[test]
    fn a_byte_order_mark_is_read_past_in_both_formats() {
        for (file, body) in [
            (
                "bom.csv",
                "\u{feff}id,key,value,event_time,arrival_time\n1,a,1,0,0\n",
            ),
            (
                "bom.jsonl",
                "\u{feff}{\"id\":1,\"key\":\"a\",\"value\":1,\"event_time\":0,\"arrival_time\":0}\n",
            ),
        ] {
            let events = read(&temp(file, body)).unwrap();
            assert_eq!(events.len(), 1, "{file}");
        }
    }

    #[test]
    fn a_value_whose_sums_would_overflow_is_refused() {
        let path = temp(
            "huge.csv",
            "id,key,value,event_time,arrival_time\n1,a,1e308,0,0\n",
        );
        let err = read(&path).unwrap_err().to_string();
        assert!(
            err.contains("huge.csv:2: field `value`: 1e308 is beyond"),
            "{err}"
        );
    }

    #[test]
    fn a_malformed_row_names_file_line_and_field() {
        let path = temp(
            "bad.csv",
            "id,key,value,event_time,arrival_time\n1,a,1,0,0\n2,b,1,yesterday,0\n",
        );
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("bad.csv:3: field `event_time`"), "{err}");
        let path = temp(
            "bad.jsonl",
            "{\"id\":1,\"key\":\"a\",\"value\":1,\"event_time\":0,\"arrival_time\":0}\n{\"id\":2,\"key\":\"a\",\"event_time\":0,\"arrival_time\":0}\n",
        );
        let err = read(&path).unwrap_err().to_string();
        assert!(
            err.contains("bad.jsonl:2: field `value`: the field is missing"),
            "{err}"
        );
        let path = temp("nohead.csv", "id,key,value,event_time\n");
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("no column `arrival_time`"), "{err}");
    }
}
