//! What the command line accepts: each command's arguments and the parsers that check a
//! value as it is read, so that a bad flag is refused with its own rule before any work.

use super::*;

#[derive(Debug, Args)]
pub(super) struct ReplayArgs {
    /// Trace to replay (CSV or JSON Lines), in arrival order.
    #[arg(long, value_name = "FILE")]
    pub(super) trace: PathBuf,
    /// What times written as plain numbers count: ms or s (epoch seconds, fractions
    /// allowed) [default: ms, a 10-digit time refused as probably seconds; or the
    /// `--scenario`'s trace's `epoch`].
    #[arg(long)]
    pub(super) epoch: Option<Epoch>,
    /// Processing model.
    #[arg(long, value_enum, default_value_t = RunnerKind::Streaming)]
    pub(super) runner: RunnerKind,
    /// Take the query and the streaming settings from this scenario; flags override them.
    #[arg(long, value_name = "FILE")]
    pub(super) scenario: Option<PathBuf>,
    /// Windows: tumbling:SIZE[,OFFSET], sliding:SIZE,SLIDE[,OFFSET], session:GAP or global.
    #[arg(long, value_parser = parse_window)]
    pub(super) window: Option<WindowSpec>,
    /// Aggregations, comma-separated: count, sum, min, max, avg [default: count,sum].
    #[arg(long, value_delimiter = ',', value_parser = parse_aggregation)]
    pub(super) aggs: Option<Vec<Aggregation>>,
    /// Bounded out-of-orderness of the watermark [default: 0s].
    #[arg(long, value_parser = parse_non_negative_duration, allow_hyphen_values = true)]
    pub(super) watermark_delay: Option<Dur>,
    /// Flink's allowed lateness [default: 0s].
    #[arg(long, value_parser = parse_non_negative_duration, allow_hyphen_values = true)]
    pub(super) allowed_lateness: Option<Dur>,
    /// per-event, or periodic:INTERVAL [default: periodic:200ms, Flink's auto-watermark interval].
    #[arg(long, value_parser = parse_watermark_emit)]
    pub(super) watermark_emit: Option<WatermarkEmit>,
    /// datastream (max − delay − 1 ms, `forBoundedOutOfOrderness`) or sql (max − delay, a Flink
    /// SQL `WATERMARK FOR ts AS ts - INTERVAL` clause) [default: datastream].
    #[arg(long, value_enum)]
    pub(super) watermark_formula: Option<WatermarkFormulaArg>,
    /// Kafka partitions the keys are spread over [default: 1].
    #[arg(long)]
    pub(super) partitions: Option<u32>,
    /// A partition without records this long stops holding the watermark back.
    #[arg(long, value_parser = parse_non_negative_duration, allow_hyphen_values = true)]
    pub(super) idle_timeout: Option<Dur>,
    /// Micro-batch: the processing-time trigger interval [default: 1m].
    #[arg(long, value_parser = parse_non_negative_duration, allow_hyphen_values = true)]
    pub(super) trigger: Option<Dur>,
    /// Micro-batch: Spark's output mode [default: append].
    #[arg(long, value_enum)]
    pub(super) output_mode: Option<OutputModeArg>,
    /// Where to write the JSON Lines; `-` is standard output.
    #[arg(long, value_name = "FILE", default_value = "-")]
    pub(super) emit: PathBuf,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(super) enum OutputModeArg {
    Append,
    Update,
    Complete,
}

impl From<OutputModeArg> for OutputMode {
    fn from(m: OutputModeArg) -> OutputMode {
        match m {
            OutputModeArg::Append => OutputMode::Append,
            OutputModeArg::Update => OutputMode::Update,
            OutputModeArg::Complete => OutputMode::Complete,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(super) enum WatermarkFormulaArg {
    #[value(name = "datastream")]
    DataStream,
    Sql,
}

impl From<WatermarkFormulaArg> for WatermarkFormula {
    fn from(f: WatermarkFormulaArg) -> WatermarkFormula {
        match f {
            WatermarkFormulaArg::DataStream => WatermarkFormula::DataStream,
            WatermarkFormulaArg::Sql => WatermarkFormula::Sql,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(super) enum RunnerKind {
    /// Record at a time, Apache Flink's rules.
    Streaming,
    /// Spark Structured Streaming's micro-batches.
    MicroBatch,
}

pub(super) fn parse_window(text: &str) -> Result<WindowSpec, String> {
    text.parse()
}

pub(super) fn parse_aggregation(text: &str) -> Result<Aggregation, String> {
    text.parse()
}

/// A duration flag: never negative (a negative one is read, then refused with the rule).
pub(super) fn parse_non_negative_duration(text: &str) -> Result<Dur, String> {
    let d = Dur::parse(text)?;
    if d < Dur::ZERO {
        return Err(format!("{d} must not be negative, e.g. 5m"));
    }
    Ok(d)
}

pub(super) fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("a seed is a whole number from 0 to {}", u64::MAX))
}

/// A number of replications, from 1 to [`MAX_REPLICATIONS`].
pub(super) fn parse_replications(text: &str) -> Result<usize, String> {
    use tidemark::input::limits::MAX_REPLICATIONS;
    text.trim()
        .parse()
        .ok()
        .filter(|n| (1..=MAX_REPLICATIONS).contains(n))
        .ok_or_else(|| format!("replications are a whole number from 1 to {MAX_REPLICATIONS}"))
}

/// A number of events, `10000000` or `1e7`, from 1 to [`MAX_BENCH_EVENTS`].
pub(super) fn parse_bench_events(text: &str) -> Result<u64, String> {
    let rule = format!(
        "a whole number of events from 1 to {MAX_BENCH_EVENTS} (the hot path holds them all in memory, 40 bytes each), e.g. 1e7"
    );
    let n = match text.trim().parse::<u64>() {
        Ok(n) => n as f64,
        Err(_) => text.trim().parse::<f64>().map_err(|_| rule.clone())?,
    };
    if n.fract() == 0.0 && (1.0..=MAX_BENCH_EVENTS as f64).contains(&n) {
        Ok(n as u64)
    } else {
        Err(rule)
    }
}

pub(super) fn parse_watermark_emit(text: &str) -> Result<WatermarkEmit, String> {
    match text.split_once(':') {
        None if text == "per-event" => Ok(WatermarkEmit::PerEvent),
        Some(("periodic", interval)) => Dur::parse(interval).map(WatermarkEmit::Periodic),
        _ => Err(format!(
            "cannot read \"{text}\": write per-event or periodic:INTERVAL, e.g. periodic:200ms"
        )),
    }
}

#[derive(Debug, Args)]
pub(super) struct RunArgs {
    /// Scenario file (RON); the built-in FreshMart day when omitted.
    pub(super) scenario: Option<PathBuf>,
    /// How to print the report.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table)]
    pub(super) format: ReportFormat,
    /// Also write the report in every format, and the exact results, into this folder.
    #[arg(short, long, value_name = "DIR")]
    pub(super) out: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long, value_parser = parse_seed, allow_hyphen_values = true)]
    pub(super) seed: Option<u64>,
    /// Run the workload this many times (independent seeds) and report each figure's mean,
    /// 95% interval and range, and the models' paired differences [default: the scenario's
    /// `replications`, 1 unless it says].
    #[arg(long, value_parser = parse_replications, allow_hyphen_values = true)]
    pub(super) replications: Option<usize>,
    /// Write the expectations as JUnit XML (one test case each) for CI dashboards.
    #[arg(long, value_name = "FILE")]
    pub(super) junit: Option<PathBuf>,
    /// With a trace workload: skip malformed rows (counted, the first one shown) instead of
    /// stopping at the first.
    #[arg(long)]
    pub(super) skip_bad_rows: bool,
}

#[derive(Debug, Args)]
pub(super) struct SweepArgs {
    /// Scenario file (RON).
    #[arg(required_unless_present = "point")]
    pub(super) scenario: Option<PathBuf>,
    /// A setting and its values: NAME=FROM..TO/STEP or NAME=A,B,C, e.g.
    /// watermark_delay=0s..60m/5m or trigger=30s,1m,5m. NAME is one of watermark_delay,
    /// allowed_lateness, trigger, batch_at, idle_timeout. Repeat for a grid.
    #[arg(long, required_unless_present = "point", value_parser = parse_vary)]
    pub(super) vary: Vec<Vary>,
    /// Write the sweep's points, one JSON line each (its values and its whole scenario), to
    /// FILE instead of running them: to run them elsewhere with `--point`, e.g. on Spark with
    /// scripts/sweep-on-spark.py.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["point", "merge"])]
    pub(super) plan: Option<PathBuf>,
    /// Run the plan lines read from FILE (`-`: standard input), writing each point's result
    /// as a JSON line to standard output; needs no scenario or --vary.
    #[arg(long, value_name = "FILE", conflicts_with = "merge")]
    pub(super) point: Option<PathBuf>,
    /// Instead of running the points, read their results (the lines `--point` wrote, in any
    /// order) from FILE and write what a local sweep writes.
    #[arg(long, value_name = "FILE")]
    pub(super) merge: Option<PathBuf>,
    /// Folder for sweep.csv, sweep.txt and the charts [default: sweep-<scenario name>].
    #[arg(short, long, value_name = "DIR")]
    pub(super) out: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long, value_parser = parse_seed, allow_hyphen_values = true)]
    pub(super) seed: Option<u64>,
    /// Replications at every point: each figure with its 95% interval [default: the
    /// scenario's `replications`].
    #[arg(long, value_parser = parse_replications, allow_hyphen_values = true)]
    pub(super) replications: Option<usize>,
}

pub(super) fn parse_vary(text: &str) -> Result<Vary, String> {
    text.parse()
}

#[derive(Debug, Args)]
pub(super) struct GenerateArgs {
    /// Scenario file (RON); the built-in FreshMart day when omitted.
    pub(super) scenario: Option<PathBuf>,
    /// Trace file to write; `-` writes to standard output.
    #[arg(short, long, value_name = "FILE")]
    pub(super) out: PathBuf,
    /// File format; by default from the extension (.jsonl is JSON Lines, anything else CSV).
    #[arg(long, value_enum)]
    pub(super) format: Option<TraceFileFormat>,
    /// How timestamps are written.
    #[arg(long, value_enum, default_value_t = Times::Rfc3339)]
    pub(super) times: Times,
    /// Override the scenario's seed.
    #[arg(long, value_parser = parse_seed, allow_hyphen_values = true)]
    pub(super) seed: Option<u64>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(super) enum ReportFormat {
    Table,
    Json,
    Csv,
    Markdown,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(super) enum TraceFileFormat {
    Csv,
    Jsonl,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(super) enum Times {
    /// `2026-03-17T23:58:00.000Z`
    Rfc3339,
    /// Milliseconds since the epoch.
    Ms,
}

impl From<ReportFormat> for Format {
    fn from(f: ReportFormat) -> Format {
        match f {
            ReportFormat::Table => Format::Table,
            ReportFormat::Json => Format::Json,
            ReportFormat::Csv => Format::Csv,
            ReportFormat::Markdown => Format::Markdown,
        }
    }
}

/// Prints the two headline figures, one line each.
/// The most events `bench` holds in memory (40 bytes each).
pub(super) const MAX_BENCH_EVENTS: u64 = 200_000_000;

/// A real engine an export is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum Engine {
    /// Spark Structured Streaming (PySpark): the scenario's micro-batch job.
    Spark,
    /// Apache Flink: the streaming job, as a DataStream job in Java.
    Flink,
}
