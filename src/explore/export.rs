//! `tidemark export SCENARIO --engine spark|flink --out DIR`: the scenario's micro-batch job
//! as a PySpark Structured Streaming job, or its streaming job as a Flink DataStream job, that
//! runs on the real engine, with the workload it reads and what tidemark predicts it writes,
//! so `tidemark compare` can tell whether they agree.
//!
//! Spark:
//!
//! A processing-time trigger sees, in batch k, what arrived in trigger interval k. The export
//! reproduces that on a laptop: the workload split into one file per interval (empty ones
//! too), read with `maxFilesPerTrigger = 1` in order, so Spark's batch n reads interval
//! `first + n` — the `batch` tidemark's replay labels its results with. Spark reports late
//! rows only as a count per batch (`numRowsDroppedByWatermark`), so both sides write drops as
//! `{"type":"dropped","batch":k,"rows":n}`; results keep their window, key, aggregates and
//! batch. When a result was emitted (a clock) and what kind it was are not compared.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::compose::scenario::Scenario;
use crate::engine::aggregate::Aggregation;
use crate::engine::operator::FiringMode;
use crate::engine::output::{Emission, StreamOutput};
use crate::engine::window::{Window, WindowSpec};
use crate::engine::{WatermarkEmit, WatermarkFormula};
use crate::explore::job_text::{spark_duration, spark_grouping};
use crate::explore::replay::replay_streaming;
use crate::input::event::{Event, KeyTable};
use crate::input::time::Dur;
use crate::input::trace::{TimeFormat, TraceError, TraceFormat, TraceReader, TraceWriter};
use crate::input::workload::Arrivals;
use crate::runner::micro_batch::{MicroBatchRunner, MicroBatchSpec, OutputMode, Trigger};
use crate::runner::streaming::StreamingSpec;

/// More trigger intervals than this would be as many files and Spark batches.
const MAX_BATCHES: i64 = 20_000;

/// Why a scenario cannot be exported, or the export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The engine cannot run what the scenario says: never a job that does something else.
    #[error("cannot export to {0}: {1}")]
    Unsupported(&'static str, String),
    #[error("writing {0}: {1}")]
    Write(String, io::Error),
}

/// What an export wrote.
#[derive(Debug)]
pub struct ExportSummary {
    pub events: u64,
    /// Spark's trigger intervals, hence input files and batches.
    pub batches: Option<i64>,
    /// Lines in `simulated.jsonl`.
    pub predicted: u64,
}

/// The error for a failed write to `path`.
fn failed_writing(path: &Path) -> impl Fn(io::Error) -> ExportError {
    let path = path.display().to_string();
    move |e| ExportError::Write(path.clone(), e)
}

/// Writes the Flink export of `scenario` into `dir`: `trace.csv`, `TidemarkFlinkJob.java`,
/// `run.sh`, `simulated.jsonl` and `README.md`. The job is the scenario's streaming job
/// with the watermark emitted after every record (per-event), at parallelism 1: what
/// tidemark's replay predicts, line for line, emission points included.
pub fn export_flink(scenario: &Scenario, dir: &Path) -> Result<ExportSummary, ExportError> {
    let mut spec = flink_job(scenario)?;
    spec.watermark_emit = WatermarkEmit::PerEvent;
    fs::create_dir_all(dir).map_err(failed_writing(dir))?;
    let trace = dir.join("trace.csv");
    let events = write_trace(scenario, &trace)?;
    let simulated = dir.join("simulated.jsonl");
    let out = fs::File::create(&simulated).map_err(failed_writing(&simulated))?;
    let summary = replay_streaming(&trace, None, &scenario.query, &spec, out)
        .map_err(|e| failed_writing(&simulated)(io::Error::other(e)))?;
    let (kind, size, slide, offset) = match scenario.query.window {
        WindowSpec::Tumbling { size, offset } => ("tumbling", size, Dur::ZERO, offset),
        WindowSpec::Sliding {
            size,
            slide,
            offset,
        } => ("sliding", size, slide, offset),
        WindowSpec::Session { gap } => ("session", gap, Dur::ZERO, Dur::ZERO),
        WindowSpec::Global => unreachable!("refused by flink_job"),
    };
    let aggregations: Vec<&str> = scenario
        .query
        .aggregations
        .iter()
        .map(|a| a.name())
        .collect();
    let arguments = format!(
        "{kind} {} {} {} {} {} {}",
        size.as_ms(),
        slide.as_ms(),
        offset.as_ms(),
        spec.watermark_delay.as_ms(),
        spec.allowed_lateness.as_ms(),
        aggregations.join(",")
    );
    let files = [
        ("TidemarkFlinkJob.java", FLINK_JOB.to_owned()),
        ("run.sh", FLINK_RUN_SH.replace("{ARGUMENTS}", &arguments)),
        (
            "README.md",
            FLINK_README
                .replace("{SCENARIO}", &scenario.name)
                .replace("{DELAY}", &spec.watermark_delay.to_string())
                .replace("{LATENESS}", &spec.allowed_lateness.to_string()),
        ),
    ];
    write_job(dir, files)?;
    Ok(ExportSummary {
        events,
        batches: None,
        predicted: summary.results + summary.dropped,
    })
}

/// The streaming job, when the exported Flink job runs it as the scenario states it.
fn flink_job(scenario: &Scenario) -> Result<StreamingSpec, ExportError> {
    let refuse = |why: &str| Err(ExportError::Unsupported("Flink", why.to_owned()));
    let Some(spec) = scenario.streaming.clone() else {
        return refuse(
            "the scenario has no `streaming` section: the Flink job is its streaming model",
        );
    };
    if !spec.faults.is_empty() {
        return refuse(
            "faults (crashes, stops, upgrades) happen to a running cluster, not to a job file",
        );
    }
    if spec.partitions != 1 {
        return refuse(
            "several Kafka partitions, each holding the watermark back: the job reads one stream in arrival order",
        );
    }
    if spec.early_firing.is_some() {
        return refuse("early firings need a custom trigger the exported job does not have");
    }
    if spec.firing_mode != FiringMode::Accumulating {
        return refuse(
            "discarding firings (FIRE_AND_PURGE) need a custom trigger; the job fires with Flink's default (FIRE)",
        );
    }
    if spec.watermark_formula != WatermarkFormula::DataStream {
        return refuse(
            "the SQL watermark formula (max - delay): the job is a DataStream job (max - delay - 1 ms)",
        );
    }
    if scenario.query.window == WindowSpec::Global {
        return refuse("a global window never fires on event time");
    }
    Ok(spec)
}

/// Writes the workload to `trace` in arrival order; returns the events written.
fn write_trace(scenario: &Scenario, trace: &Path) -> Result<u64, ExportError> {
    let failed = failed_writing(trace);
    let file = fs::File::create(trace).map_err(&failed)?;
    let mut writer = TraceWriter::new(
        io::BufWriter::new(file),
        TraceFormat::Csv,
        TimeFormat::Rfc3339,
    );
    let mut arrivals = Arrivals::new(&scenario.workload, scenario.seed);
    let mut events = 0;
    while let Some(event) = arrivals.next() {
        writer.write(&event, arrivals.keys()).map_err(&failed)?;
        events += 1;
    }
    writer.finish().map_err(failed)?;
    Ok(events)
}

/// Writes the job's files (`run.sh` among them, made executable) into `dir`.
fn write_job(dir: &Path, files: [(&str, String); 3]) -> Result<(), ExportError> {
    for (name, text) in files {
        let path = dir.join(name);
        let failed = failed_writing(&path);
        fs::write(&path, text).map_err(&failed)?;
        #[cfg(unix)]
        if name == "run.sh" {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).map_err(failed)?;
        }
    }
    Ok(())
}

/// Writes the Spark export of `scenario` into `dir`: `trace.csv`, `input/`, `job.py`,
/// `run.sh`, `simulated.jsonl` and `README.md`.
pub fn export_spark(scenario: &Scenario, dir: &Path) -> Result<ExportSummary, ExportError> {
    let (spec, every) = spark_job(scenario)?;
    let input = dir.join("input");
    fs::create_dir_all(&input).map_err(failed_writing(&input))?;
    let trace = dir.join("trace.csv");
    let (events, first, last) = write_inputs(scenario, &trace, &input, every)?;
    let predicted = predict(scenario, &spec, every, &trace)?;
    let simulated = dir.join("simulated.jsonl");
    fs::write(&simulated, predicted.join("")).map_err(failed_writing(&simulated))?;
    let files = [
        ("job.py", job(scenario, &spec, first)),
        ("run.sh", RUN_SH.to_owned()),
        (
            "README.md",
            readme(scenario, &spec, every, last - first + 1),
        ),
    ];
    write_job(dir, files)?;
    Ok(ExportSummary {
        events,
        batches: Some(last - first + 1),
        predicted: predicted.len() as u64,
    })
}

/// The micro-batch job and its trigger interval, when Spark can run it as the scenario
/// states it.
fn spark_job(scenario: &Scenario) -> Result<(MicroBatchSpec, Dur), ExportError> {
    let refuse = |why: &str| Err(ExportError::Unsupported("Spark", why.to_owned()));
    let Some(spec) = scenario.micro_batch.clone() else {
        return refuse(
            "the scenario has no `micro_batch` section: the Spark job is its micro-batch model",
        );
    };
    let Trigger::ProcessingTime(every) = spec.trigger else {
        return refuse(
            "an AvailableNow trigger started by a scheduler has no file-per-interval form; use ProcessingTime",
        );
    };
    if !spec.no_data_batches {
        return refuse(
            "with no-data batches off, an interval without data runs no batch, while an empty input file would still run one",
        );
    }
    if scenario.workload.sources.len() > 1 {
        return refuse(
            "several input streams: the job reads one (each stream's watermark would need a source of its own)",
        );
    }
    // (Update mode on session windows, which Spark refuses, fails validation already.)
    if scenario.query.window == WindowSpec::Global {
        return refuse(
            "a global window: Spark's streaming aggregation needs a time window to evict state",
        );
    }
    Ok((spec, every))
}

/// Writes the workload to `trace` and to one file per trigger interval in `input`; returns
/// the events and the first and last interval.
fn write_inputs(
    scenario: &Scenario,
    trace: &Path,
    input: &Path,
    every: Dur,
) -> Result<(u64, i64, i64), ExportError> {
    let create = |path: &Path| {
        fs::File::create(path)
            .map(io::BufWriter::new)
            .map_err(failed_writing(path))
    };
    let new_writer = |out| TraceWriter::new(out, TraceFormat::Csv, TimeFormat::Rfc3339);
    let mut arrivals = Arrivals::new(&scenario.workload, scenario.seed);
    let mut whole = new_writer(create(trace)?);
    let interval_file = |k: i64| input.join(format!("{k:012}.csv"));
    let mut current: Option<(i64, TraceWriter<io::BufWriter<fs::File>>)> = None;
    let (mut events, mut first) = (0u64, None);
    while let Some(event) = arrivals.next() {
        if event.source != 0 {
            return Err(ExportError::Unsupported(
                "Spark",
                "the trace has several input streams (a `source` column): the job reads one".into(),
            ));
        }
        let k = event.arrival_time.as_ms().div_euclid(every.as_ms());
        let first = *first.get_or_insert(k);
        if k - first >= MAX_BATCHES {
            return Err(ExportError::Unsupported(
                "Spark",
                format!(
                    "more than {MAX_BATCHES} trigger intervals of {every}: as many files and Spark batches; export a shorter workload or a longer trigger"
                ),
            ));
        }
        whole
            .write(&event, arrivals.keys())
            .map_err(failed_writing(trace))?;
        // Every interval up to this one gets its file, empty ones too.
        while current.as_ref().is_none_or(|(at, _)| *at < k) {
            let next = current.as_ref().map_or(k, |(at, _)| at + 1);
            if let Some((at, writer)) = current.take() {
                writer
                    .finish()
                    .map_err(failed_writing(&interval_file(at)))?;
            }
            current = Some((next, new_writer(create(&interval_file(next))?)));
        }
        let (at, writer) = current.as_mut().expect("opened above");
        writer
            .write(&event, arrivals.keys())
            .map_err(failed_writing(&interval_file(*at)))?;
        events += 1;
    }
    whole.finish().map_err(failed_writing(trace))?;
    let Some((last, writer)) = current else {
        return Err(ExportError::Unsupported(
            "Spark",
            "the workload has no events".into(),
        ));
    };
    writer
        .finish()
        .map_err(failed_writing(&interval_file(last)))?;
    Ok((events, first.unwrap_or(last), last))
}

/// tidemark's prediction for the job, as much of it as Spark shows: each result without its
/// clock and kind, and late rows counted per batch as Spark counts them.
fn predict(
    scenario: &Scenario,
    spec: &MicroBatchSpec,
    every: Dur,
    trace: &Path,
) -> Result<Vec<String>, ExportError> {
    let write_error = failed_writing(trace);
    let read_error = |e: TraceError| write_error(io::Error::other(e));
    let mut reader = TraceReader::open(trace).map_err(read_error)?;
    let mut runner = MicroBatchRunner::new(spec, &scenario.query, 1);
    let mut seen = Observed {
        lines: Vec::new(),
        late_rows: BTreeSet::new(),
        every,
        window: scenario.query.window,
        aggregations: scenario.query.aggregations.clone(),
    };
    while let Some(event) = reader.next() {
        let event = event.map_err(read_error)?;
        runner.on_event(&event, &mut seen.with(reader.keys()));
    }
    runner.finish(&mut seen.with(reader.keys()));
    let mut per_batch: BTreeMap<i64, u64> = BTreeMap::new();
    for (batch, ..) in &seen.late_rows {
        *per_batch.entry(*batch).or_default() += 1;
    }
    for (batch, rows) in per_batch {
        seen.lines
            .push(json!({"type": "dropped", "batch": batch, "rows": rows}).to_string() + "\n");
    }
    Ok(seen.lines)
}

/// What Spark shows of a run: result lines, and the late rows it counts —
/// `numRowsDroppedByWatermark` counts rows after the partial aggregation, one per (window,
/// key) of a batch however many late events it held.
struct Observed {
    lines: Vec<String>,
    /// (batch, window start, window end, key).
    late_rows: BTreeSet<(i64, i64, i64, String)>,
    every: Dur,
    window: WindowSpec,
    aggregations: Vec<Aggregation>,
}

impl Observed {
    fn with<'a>(&'a mut self, keys: &'a KeyTable) -> ObservedWithKeys<'a> {
        ObservedWithKeys { seen: self, keys }
    }
}

struct ObservedWithKeys<'a> {
    seen: &'a mut Observed,
    keys: &'a KeyTable,
}

impl ObservedWithKeys<'_> {
    fn late(&mut self, event: &Event, window: Window) {
        let batch = event
            .arrival_time
            .as_ms()
            .div_euclid(self.seen.every.as_ms());
        let key = self.keys.name(event.key).to_owned();
        (self.seen.late_rows).insert((batch, window.start.as_ms(), window.end.as_ms(), key));
    }
}

impl StreamOutput for ObservedWithKeys<'_> {
    fn result(&mut self, emission: &Emission) {
        let r = &emission.result;
        let mut line = Map::new();
        line.insert("type".into(), json!("result"));
        line.insert("batch".into(), json!(emission.batch));
        line.insert("window_start_ms".into(), json!(r.window.start.as_ms()));
        line.insert("window_end_ms".into(), json!(r.window.end.as_ms()));
        line.insert("key".into(), json!(self.keys.name(r.key)));
        for &a in &self.seen.aggregations {
            let value = match a {
                Aggregation::Count => json!(r.acc.count),
                other => json!(r.acc.get(other)),
            };
            line.insert(a.name().into(), value);
        }
        self.seen.lines.push(Value::Object(line).to_string() + "\n");
    }

    fn dropped(&mut self, event: &Event, _at: crate::input::time::Ts) {
        let mut windows = Vec::new();
        self.seen
            .window
            .assign(event.event_time, |w| windows.push(w));
        for window in windows {
            self.late(event, window);
        }
    }

    fn dropped_from_window(&mut self, event: &Event, window: Window) {
        self.late(event, window);
    }
}

fn job(scenario: &Scenario, spec: &MicroBatchSpec, first: i64) -> String {
    let (group, aggregates) = spark_grouping(&scenario.query, "event_time");
    let window_column = match scenario.query.window {
        WindowSpec::Session { .. } => "session_window",
        _ => "window",
    };
    let mode = match spec.output_mode {
        OutputMode::Append => "append",
        OutputMode::Update => "update",
        OutputMode::Complete => "complete",
    };
    let names: Vec<String> = (scenario.query.aggregations.iter())
        .map(|a| format!("\"{}\"", a.name()))
        .collect();
    JOB_PY
        .replace("{SCENARIO}", &scenario.name)
        .replace("{FIRST_BATCH}", &first.to_string())
        .replace("{DELAY}", &spark_duration(spec.watermark_delay))
        .replace("{GROUP}", &group)
        .replace("{AGGREGATES}", &aggregates)
        .replace("{MODE}", mode)
        .replace("{WINDOW}", window_column)
        .replace("{NAMES}", &names.join(", "))
}

fn readme(scenario: &Scenario, spec: &MicroBatchSpec, every: Dur, batches: i64) -> String {
    README_MD
        .replace("{SCENARIO}", &scenario.name)
        .replace("{BATCHES}", &batches.to_string())
        .replace("{TRIGGER}", &spark_duration(every))
        .replace("{DELAY}", &spark_duration(spec.watermark_delay))
}

const FLINK_JOB: &str = include_str!("../../assets/engines/TidemarkFlinkJob.java");

const FLINK_RUN_SH: &str = r#"#!/bin/sh
# Compiles and runs TidemarkFlinkJob on a local Flink (Java 17 and `pip install apache-flink`
# or just `apache-flink-libraries`, which holds Flink's jars; or FLINK_LIB=<your Flink>/lib)
# and writes engine.jsonl;
# then `tidemark compare simulated.jsonl engine.jsonl` says whether Flink agrees.
set -e
cd "$(dirname "$0")"
python=${PYTHON:-python3}
for tool in java javac; do
    command -v "$tool" >/dev/null || { echo "run.sh: no $tool on PATH: install Java 17 (a JDK)" >&2; exit 2; }
done
if [ -z "${FLINK_LIB:-}" ] && ! "$python" -c 'import pyflink' 2>/dev/null; then
    echo "run.sh: $python cannot import pyflink, whose jars the job runs on. Install it (README.md):" >&2
    echo "  python3 -m venv venv && venv/bin/pip install apache-flink" >&2
    echo "  PYTHON=venv/bin/python ./run.sh" >&2
    echo "or point FLINK_LIB at your Flink's lib folder." >&2
    exit 2
fi
lib=${FLINK_LIB:-$("$python" -c 'import os, pyflink; print(os.path.join(list(pyflink.__path__)[0], "lib"))')}
javac -nowarn -cp "$lib/*" TidemarkFlinkJob.java
java --add-opens java.base/java.util=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED \
    -cp "$lib/*:." TidemarkFlinkJob trace.csv engine.jsonl {ARGUMENTS}
"#;

const FLINK_README: &str = r#"# {SCENARIO} on a real Flink

Written by `tidemark export`. The scenario's streaming job as a Flink DataStream job
(`TidemarkFlinkJob.java`): the workload in arrival order through Flink's own window
operator, `BoundedOutOfOrdernessWatermarks`' watermark (largest event time - {DELAY} - 1 ms)
emitted after every record, allowed lateness {LATENESS}, late records to a side output, at
parallelism 1.

- `trace.csv`: the workload in arrival order (id,key,value,event_time,arrival_time).
- `simulated.jsonl`: what tidemark predicts (`tidemark replay --emit` with per-event
  watermarks): every firing with the record after which it fired (`after_event_id`, null
  for the final watermark at the end of input) and its kind (on time or late), every late
  record with its id.
- `TidemarkFlinkJob.java`, `run.sh`: the job; `run.sh` compiles it against Flink's jars and
  runs it on a local mini-cluster, writing `engine.jsonl` in the same format.

## Run it

Java 17 and Python 3, then:

```sh
python3 -m venv venv && venv/bin/pip install apache-flink
PYTHON=venv/bin/python ./run.sh
tidemark compare simulated.jsonl engine.jsonl
```

`compare` exits 0 when Flink fired the same windows with the same aggregates after the same
records and sent the same records to the late side output; when (a clock) is not compared.

## On a cluster, from Kafka

Replace `env.fromData(rows)` with a `KafkaSource` (flink-connector-kafka) and its
`WatermarkStrategy.forBoundedOutOfOrderness(Duration.ofMillis(...))` — periodic, every 200 ms
by default, so firings come in batches rather than after each record — and write the two
streams to your sinks instead of `executeAndCollect`.
"#;

const RUN_SH: &str = r#"#!/bin/sh
# Runs job.py on a local Spark (Java 17 and `pip install pyspark`) and writes engine.jsonl;
# then `tidemark compare simulated.jsonl engine.jsonl` says whether Spark agrees.
set -e
cd "$(dirname "$0")"
python=${PYTHON:-python3}
command -v java >/dev/null || { echo "run.sh: no java on PATH: Spark needs Java 17" >&2; exit 2; }
if ! "$python" -c 'import pyspark' 2>/dev/null; then
    echo "run.sh: $python cannot import pyspark. Install it (README.md):" >&2
    echo "  python3 -m venv venv && venv/bin/pip install pyspark" >&2
    echo "  PYTHON=venv/bin/python ./run.sh" >&2
    exit 2
fi
"$python" job.py
"#;

const JOB_PY: &str = r#"# Scenario {SCENARIO} as a PySpark Structured Streaming job, written by `tidemark export`.
# Batch n reads input/ file n (one file per trigger interval, oldest first), as a
# processing-time trigger would see the stream; every row the query emits is written to
# engine.jsonl with its batch, and each batch's late rows as a count.
import json
import os

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

FIRST_BATCH = {FIRST_BATCH}
here = os.path.dirname(os.path.abspath(__file__))
inputs = os.path.join(here, "input")
files = sorted(os.listdir(inputs))
# The file source reads the oldest file first: the modification times give the order.
for i, name in enumerate(files):
    os.utime(os.path.join(inputs, name), (1_000_000 + i, 1_000_000 + i))

spark = (SparkSession.builder.master("local[1]")
         .appName("tidemark-{SCENARIO}")
         .config("spark.sql.shuffle.partitions", "1")
         .config("spark.sql.session.timeZone", "UTC")
         .config("spark.ui.enabled", "false")
         .config("spark.sql.streaming.numRecentProgressUpdates", str(len(files) + 100))
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")

# To read a Kafka topic instead: spark.readStream.format("kafka")
#   .option("kafka.bootstrap.servers", "host:9092").option("subscribe", "orders").load()
# and parse id, key, value and event_time from the message value.
orders = (spark.readStream
          .schema("id LONG, key STRING, value DOUBLE, event_time TIMESTAMP, arrival_time TIMESTAMP")
          .option("header", True)
          .option("maxFilesPerTrigger", 1)
          .csv(inputs)
          .withWatermark("event_time", "{DELAY}"))

totals = orders.groupBy({GROUP}).agg({AGGREGATES})

out = open(os.path.join(here, "engine.jsonl"), "w")
NAMES = [{NAMES}]


def millis(t):
    return int(t.timestamp() * 1000) if t is not None else None


def write(batch, batch_id):
    for row in batch.collect():
        line = {"type": "result", "batch": FIRST_BATCH + batch_id,
                "window_start_ms": millis(row["{WINDOW}"]["start"]),
                "window_end_ms": millis(row["{WINDOW}"]["end"]),
                "key": row["key"]}
        for name in NAMES:
            line[name] = row[name]
        out.write(json.dumps(line) + "\n")


query = (totals.writeStream.outputMode("{MODE}")
         .foreachBatch(write)
         .trigger(availableNow=True)
         .start())
query.awaitTermination()
for progress in query.recentProgress:
    for operator in progress.get("stateOperators") or []:
        rows = operator.get("numRowsDroppedByWatermark") or 0
        if rows:
            out.write(json.dumps({"type": "dropped", "batch": FIRST_BATCH + progress["batchId"],
                                  "rows": rows}) + "\n")
out.close()
spark.stop()
"#;

const README_MD: &str = r#"# {SCENARIO} on a real Spark

Written by `tidemark export`. The scenario's micro-batch job (watermark {DELAY}, trigger
{TRIGGER}) as a PySpark Structured Streaming job, with the workload it reads.

- `trace.csv`: the workload in arrival order (id,key,value,event_time,arrival_time).
- `input/`: the same rows, one file per trigger interval ({BATCHES} files, empty ones too).
  Batch n reads file n (`maxFilesPerTrigger = 1`, oldest first): what a processing-time
  trigger of {TRIGGER} would have read from the stream in interval n.
- `simulated.jsonl`: what tidemark predicts the job writes.
- `job.py`, `run.sh`: the job; `run.sh` runs it on a local Spark and writes `engine.jsonl`.

## Run it

Java 17 and Python 3, then:

```sh
python3 -m venv venv && venv/bin/pip install pyspark
PYTHON=venv/bin/python ./run.sh
tidemark compare simulated.jsonl engine.jsonl
```

`compare` exits 0 when Spark wrote the same results (window, key, aggregates, batch) and
dropped the same number of late rows in each batch, and lists the differences otherwise.
When a row was written (a clock) is not compared.

## On a cluster, from Kafka

Replace the file source in `job.py` with Kafka (the comment there shows the options), parse
`id`, `key`, `value` and `event_time` from the message, set `.trigger(processingTime=
"{TRIGGER}")` instead of `availableNow`, a `checkpointLocation`, and submit it with
`spark-submit --master <your cluster>`.
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(edit: impl FnOnce(&mut Scenario)) -> Scenario {
        let mut s = Scenario::default_scenario();
        edit(&mut s);
        s
    }

    #[test]
    fn what_spark_cannot_run_is_refused_with_the_reason() {
        let none = scenario(|s| s.micro_batch = None);
        assert!(
            spark_job(&none)
                .unwrap_err()
                .to_string()
                .contains("no `micro_batch`")
        );
        let scheduled = scenario(|s| {
            s.micro_batch.as_mut().unwrap().trigger = Trigger::AvailableNow {
                every: Dur::from_hours(1),
            }
        });
        let why = spark_job(&scheduled).unwrap_err().to_string();
        assert!(why.contains("AvailableNow"), "{why}");
        let quiet = scenario(|s| s.micro_batch.as_mut().unwrap().no_data_batches = false);
        assert!(
            spark_job(&quiet)
                .unwrap_err()
                .to_string()
                .contains("no-data")
        );
    }

    /// Spark counts late rows after its partial aggregation: two late orders of one store in
    /// one hour and one batch are one row; another store's is another.
    #[test]
    fn late_rows_are_counted_per_window_and_key_in_each_batch() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("t.csv"),
            "id,key,value,event_time,arrival_time\n\
             1,a,1,2026-03-17T10:30:00Z,2026-03-17T10:30:00Z\n\
             2,a,1,2026-03-17T09:10:00Z,2026-03-17T10:41:00Z\n\
             3,a,1,2026-03-17T09:20:00Z,2026-03-17T10:42:00Z\n\
             4,b,1,2026-03-17T09:30:00Z,2026-03-17T10:43:00Z\n",
        )
        .unwrap();
        let text = r#"Scenario(name: "t", description: "", seed: 1,
            workload: (trace: (path: "t.csv")),
            query: (window: Tumbling(size: "1h"), aggregations: [Count]),
            micro_batch: (trigger: ProcessingTime("5m"), watermark_delay: "1m", output_mode: Update))"#;
        let file = dir.path().join("s.ron");
        let scenario = Scenario::from_ron(text, file.to_str().unwrap()).unwrap();
        let (spec, every) = spark_job(&scenario).unwrap();
        let lines = predict(&scenario, &spec, every, &dir.path().join("t.csv")).unwrap();
        let ten_forty = crate::input::time::Ts::parse("2026-03-17T10:40:00Z").unwrap();
        let batch = ten_forty.as_ms() / Dur::from_mins(5).as_ms();
        let dropped = format!("{{\"batch\":{batch},\"rows\":2,\"type\":\"dropped\"}}\n");
        assert_eq!(lines.last(), Some(&dropped), "{lines:?}");
        assert!(lines[0].contains("\"count\":1") && lines[0].contains("\"key\":\"a\""));
    }
}
