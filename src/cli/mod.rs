//! The command line: raw arguments become a validated command before any work starts;
//! library errors get their context here and map to exit codes.

mod progress;

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

use clap::{Args, Parser, Subcommand, ValueEnum};

use tidemark::compose::run::{RunOutput, run_scenario};
use tidemark::compose::scenario::Scenario;
use tidemark::engine::aggregate::Aggregation;
use tidemark::engine::query::QuerySpec;
use tidemark::engine::window::WindowSpec;
use tidemark::engine::{WatermarkEmit, WatermarkFormula};
use tidemark::explore::bench::Measure;
use tidemark::explore::replay::{replay_micro_batch, replay_streaming};
use tidemark::explore::sweep::{Vary, grid_csv, grid_table, run_grid};
use tidemark::input::time::Dur;
use tidemark::input::trace::{TimeFormat, TraceFormat, TraceWriter};
use tidemark::input::validation::Problems;
use tidemark::input::workload::Generator;
use tidemark::measure::report::Format;
use tidemark::runner::micro_batch::{MicroBatchSpec, OutputMode, Trigger};
use tidemark::runner::streaming::StreamingSpec;

use progress::Progress;

/// Exit codes: 0 all good, 1 an expectation failed, 2 bad input (or a file that cannot be written).
pub const EXIT_EXPECTATION_FAILED: u8 = 1;
/// See [`EXIT_EXPECTATION_FAILED`].
pub const EXIT_BAD_INPUT: u8 = 2;

/// Simulate batch, micro-batch and streaming pipelines on one workload and compare them.
#[derive(Debug, Parser)]
#[command(name = "tidemark", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario and print its report (the built-in FreshMart day when no file is given).
    Run(RunArgs),
    /// Check scenario files without running them; every problem is listed with its line.
    Validate {
        /// Scenario files (RON).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write a scenario's generated events to a trace file (CSV or JSON Lines).
    Generate(GenerateArgs),
    /// Replay a recorded trace through a runner and write every result and dropped event
    /// as JSON Lines.
    Replay(ReplayArgs),
    /// Open the desktop app (the built-in scenario, the last one, or SCENARIO).
    #[cfg(feature = "gui")]
    Gui {
        /// Scenario file (RON).
        scenario: Option<PathBuf>,
    },
    /// Run a scenario at every combination of settings, in parallel, and write a table and
    /// the trade-off charts (correctness and dropped-late share against latency).
    Sweep(SweepArgs),
    /// Recommend the cheapest model or architecture that meets the scenario's `requirement`,
    /// measured over a small grid of settings, and say why the others fail.
    Advise {
        /// Scenario file (RON) with a `requirement` and a `cost` section.
        scenario: PathBuf,
        /// Override the scenario's seed.
        #[arg(long, value_parser = parse_seed, allow_hyphen_values = true)]
        seed: Option<u64>,
    },
    /// List the models and every metric a report holds, with units and meanings (Markdown).
    Metrics,
    /// Measure speed and peak memory beside a bare hash-map loop measured in the same run:
    /// the engine's hot path, the streaming simulation end to end, the default scenario, the
    /// production day, memory at 2 and 8 hours, and the replay of a CSV trace. Each figure is
    /// measured in a process of its own (about a minute in all).
    Bench {
        /// Events for the reference, hot-path and end-to-end figures (the first two hold
        /// them all in memory first).
        #[arg(long, default_value_t = 10_000_000, value_parser = parse_bench_events, allow_hyphen_values = true)]
        events: u64,
        /// Measure only this figure (repeat for several): reference, engine, end-to-end,
        /// default-scenario, hourly-2h, hourly-8h, production-day, replay-csv.
        #[arg(long, value_name = "NAME")]
        only: Vec<Measure>,
        /// Measure one figure here and print it as JSON (how `bench` runs each figure).
        #[arg(long, hide = true)]
        child: bool,
    },
}

#[derive(Debug, Args)]
struct ReplayArgs {
    /// Trace to replay (CSV or JSON Lines), in arrival order.
    #[arg(long, value_name = "FILE")]
    trace: PathBuf,
    /// Processing model.
    #[arg(long, value_enum, default_value_t = RunnerKind::Streaming)]
    runner: RunnerKind,
    /// Take the query and the streaming settings from this scenario; flags override them.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Windows: tumbling:SIZE[,OFFSET], sliding:SIZE,SLIDE[,OFFSET], session:GAP or global.
    #[arg(long, value_parser = parse_window)]
    window: Option<WindowSpec>,
    /// Aggregations, comma-separated: count, sum, min, max, avg [default: count,sum].
    #[arg(long, value_delimiter = ',', value_parser = parse_aggregation)]
    aggs: Option<Vec<Aggregation>>,
    /// Bounded out-of-orderness of the watermark [default: 0s].
    #[arg(long, value_parser = parse_non_negative_duration, allow_hyphen_values = true)]
    watermark_delay: Option<Dur>,
    /// Flink's allowed lateness [default: 0s].
    #[arg(long, value_parser = parse_non_negative_duration, allow_hyphen_values = true)]
    allowed_lateness: Option<Dur>,
    /// per-event, or periodic:INTERVAL [default: periodic:200ms, Flink's auto-watermark interval].
    #[arg(long, value_parser = parse_watermark_emit)]
    watermark_emit: Option<WatermarkEmit>,
    /// datastream (max − delay − 1 ms, `forBoundedOutOfOrderness`) or sql (max − delay, a Flink
    /// SQL `WATERMARK FOR ts AS ts - INTERVAL` clause) [default: datastream].
    #[arg(long, value_enum)]
    watermark_formula: Option<WatermarkFormulaArg>,
    /// Kafka partitions the keys are spread over [default: 1].
    #[arg(long)]
    partitions: Option<u32>,
    /// A partition without records this long stops holding the watermark back.
    #[arg(long, value_parser = parse_non_negative_duration, allow_hyphen_values = true)]
    idle_timeout: Option<Dur>,
    /// Micro-batch: the processing-time trigger interval [default: 1m].
    #[arg(long, value_parser = parse_non_negative_duration, allow_hyphen_values = true)]
    trigger: Option<Dur>,
    /// Micro-batch: Spark's output mode [default: append].
    #[arg(long, value_enum)]
    output_mode: Option<OutputModeArg>,
    /// Where to write the JSON Lines; `-` is standard output.
    #[arg(long, value_name = "FILE", default_value = "-")]
    emit: PathBuf,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum OutputModeArg {
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
enum WatermarkFormulaArg {
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
enum RunnerKind {
    /// Record at a time, Apache Flink's rules.
    Streaming,
    /// Spark Structured Streaming's micro-batches.
    MicroBatch,
}

fn parse_window(text: &str) -> Result<WindowSpec, String> {
    text.parse()
}

fn parse_aggregation(text: &str) -> Result<Aggregation, String> {
    text.parse()
}

/// A duration flag: never negative (a negative one is read, then refused with the rule).
fn parse_non_negative_duration(text: &str) -> Result<Dur, String> {
    let d = Dur::parse(text)?;
    if d < Dur::ZERO {
        return Err(format!("{d} must not be negative, e.g. 5m"));
    }
    Ok(d)
}

fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("a seed is a whole number from 0 to {}", u64::MAX))
}

/// A number of events, `10000000` or `1e7`, from 1 to [`MAX_BENCH_EVENTS`].
fn parse_bench_events(text: &str) -> Result<u64, String> {
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

fn parse_watermark_emit(text: &str) -> Result<WatermarkEmit, String> {
    match text.split_once(':') {
        None if text == "per-event" => Ok(WatermarkEmit::PerEvent),
        Some(("periodic", interval)) => Dur::parse(interval).map(WatermarkEmit::Periodic),
        _ => Err(format!(
            "cannot read \"{text}\": write per-event or periodic:INTERVAL, e.g. periodic:200ms"
        )),
    }
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Scenario file (RON); the built-in FreshMart day when omitted.
    scenario: Option<PathBuf>,
    /// How to print the report.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table)]
    format: ReportFormat,
    /// Also write the report in every format, and the exact results, into this folder.
    #[arg(short, long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long, value_parser = parse_seed, allow_hyphen_values = true)]
    seed: Option<u64>,
    /// Write the expectations as JUnit XML (one test case each) for CI dashboards.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct SweepArgs {
    /// Scenario file (RON).
    scenario: PathBuf,
    /// A setting and its values: NAME=FROM..TO/STEP or NAME=A,B,C, e.g.
    /// watermark_delay=0s..60m/5m or trigger=30s,1m,5m. NAME is one of watermark_delay,
    /// allowed_lateness, trigger, batch_at, idle_timeout. Repeat for a grid.
    #[arg(long, required = true, value_parser = parse_vary)]
    vary: Vec<Vary>,
    /// Folder for sweep.csv, sweep.txt and the charts [default: sweep-<scenario name>].
    #[arg(short, long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long, value_parser = parse_seed, allow_hyphen_values = true)]
    seed: Option<u64>,
}

fn parse_vary(text: &str) -> Result<Vary, String> {
    text.parse()
}

#[derive(Debug, Args)]
struct GenerateArgs {
    /// Scenario file (RON); the built-in FreshMart day when omitted.
    scenario: Option<PathBuf>,
    /// Trace file to write; `-` writes to standard output.
    #[arg(short, long, value_name = "FILE")]
    out: PathBuf,
    /// File format; by default from the extension (.jsonl is JSON Lines, anything else CSV).
    #[arg(long, value_enum)]
    format: Option<TraceFileFormat>,
    /// How timestamps are written.
    #[arg(long, value_enum, default_value_t = Times::Rfc3339)]
    times: Times,
    /// Override the scenario's seed.
    #[arg(long, value_parser = parse_seed, allow_hyphen_values = true)]
    seed: Option<u64>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ReportFormat {
    Table,
    Json,
    Csv,
    Markdown,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum TraceFileFormat {
    Csv,
    Jsonl,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Times {
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

/// A failure with the message to show and the exit code to return.
struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    fn bad_input(message: impl std::fmt::Display) -> Failure {
        Failure {
            message: message.to_string(),
            code: EXIT_BAD_INPUT,
        }
    }
}

/// Every line of a library error, each marked `error:` so none is mistaken for output.
fn error_lines(error: &impl std::fmt::Display) -> String {
    error
        .to_string()
        .lines()
        .map(|l| format!("error: {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Parses the arguments, runs the command and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    #[cfg(feature = "gui")]
    if cli.command.is_none() {
        // The main job: the app when there is a display, the report in the terminal otherwise.
        if tidemark::gui::display_available() {
            return finish(open_app(None));
        }
        eprintln!(
            "no display: running the default scenario here (`tidemark run` does this; `tidemark gui` opens the app)"
        );
    }
    let command = cli.command.unwrap_or(Command::Run(RunArgs {
        scenario: None,
        format: ReportFormat::Table,
        out: None,
        seed: None,
        junit: None,
    }));
    let result = match command {
        Command::Run(args) => run(&args),
        Command::Validate { files } => validate(&files),
        Command::Generate(args) => generate(&args),
        Command::Replay(args) => replay(&args),
        #[cfg(feature = "gui")]
        Command::Gui { scenario } => open_app(scenario.as_deref()),
        Command::Sweep(args) => sweep(&args),
        Command::Advise { scenario, seed } => advise(&scenario, seed),
        Command::Metrics => {
            print!("{}", tidemark::measure::catalogue::markdown());
            Ok(())
        }
        Command::Bench {
            events,
            only,
            child,
        } => bench(events, &only, child),
    };
    finish(result)
}

/// Prints a failure and turns the result into the exit code.
fn finish(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if !failure.message.is_empty() {
                eprintln!("{}", failure.message);
            }
            ExitCode::from(failure.code)
        }
    }
}

fn load(path: Option<&Path>, seed: Option<u64>) -> Result<Scenario, Failure> {
    let mut scenario = match path {
        Some(p) => Scenario::from_file(p).map_err(|e| Failure::bad_input(error_lines(&e)))?,
        None => Scenario::default_scenario(),
    };
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    Ok(scenario)
}

fn run(args: &RunArgs) -> Result<(), Failure> {
    let scenario = load(args.scenario.as_deref(), args.seed)?;
    let mut progress = Progress::new(&format!("running {}", scenario.name));
    let output = run_scenario(&scenario, &mut |done| progress.set(done));
    progress.finish();
    print!("{}", output.report.render(args.format.into()));
    if let Some(dir) = &args.out {
        write_outputs(dir, &output).map_err(|e| {
            Failure::bad_input(format!("error: cannot write to {}: {e}", dir.display()))
        })?;
        eprintln!(
            "wrote the report, the exact results and the charts to {}",
            dir.display()
        );
    }
    if let Some(file) = &args.junit {
        fs::write(file, output.report.junit()).map_err(|e| {
            Failure::bad_input(format!("error: cannot write {}: {e}", file.display()))
        })?;
    }
    if output.report.passed() {
        Ok(())
    } else {
        let failed: Vec<String> = output
            .report
            .expectations
            .iter()
            .filter(|e| !e.passed)
            .map(|e| {
                format!(
                    "error: expectation `{}` failed: actual {}",
                    e.expectation,
                    e.display_actual()
                )
            })
            .collect();
        Err(Failure {
            message: failed.join("\n"),
            code: EXIT_EXPECTATION_FAILED,
        })
    }
}

/// Writes `report.{txt,json,csv,md}`, `truth.csv` (the exact result per window and key), and
/// the charts (latency, correctness, dropped, cost) as SVG and PNG.
fn write_outputs(dir: &Path, output: &RunOutput) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    for (format, extension) in Format::ALL {
        fs::write(
            dir.join(format!("report.{extension}")),
            output.report.render(format),
        )?;
    }
    let mut truth = csv::Writer::from_path(dir.join("truth.csv"))?;
    truth.write_record([
        "window_start",
        "window_end",
        "key",
        "count",
        "sum",
        "min",
        "max",
        "avg",
    ])?;
    for cell in &output.truth {
        let acc = &cell.acc;
        truth.write_record([
            cell.window.start.to_string(),
            cell.window.end.to_string(),
            output.keys.name(cell.key).to_owned(),
            acc.count.to_string(),
            acc.sum.to_string(),
            acc.min.to_string(),
            acc.max.to_string(),
            (acc.sum / acc.count as f64).to_string(),
        ])?;
    }
    truth.flush()?;
    tidemark::render::charts::write_charts(dir, &output.models, &output.truth)?;
    Ok(())
}

fn sweep(args: &SweepArgs) -> Result<(), Failure> {
    let scenario = load(Some(&args.scenario), args.seed)?;
    let points = (args.vary.iter()).fold(1usize, |n, v| n.saturating_mul(v.values.len()));
    let progress = Mutex::new((Progress::new(&format!("sweeping {points} points")), 0usize));
    let done = || {
        let mut p = progress.lock().unwrap_or_else(|e| e.into_inner());
        p.1 += 1;
        let share = p.1 as f64 / points.max(1) as f64;
        p.0.set(share);
    };
    let grid = run_grid(&scenario, &args.vary, &done)
        .map_err(|e| Failure::bad_input(format!("error: {e}")))?;
    progress
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .0
        .finish();
    let table = grid_table(&args.vary, &grid);
    print!("{table}");
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("sweep-{}", file_name_part(&scenario.name))));
    let write = || -> io::Result<()> {
        fs::create_dir_all(&dir)?;
        fs::write(dir.join("sweep.txt"), &table)?;
        fs::write(dir.join("sweep.csv"), grid_csv(&args.vary, &grid))?;
        tidemark::render::charts::write_tradeoff_charts(&dir, &grid)?;
        Ok(())
    };
    write().map_err(|e| {
        Failure::bad_input(format!("error: cannot write to {}: {e}", dir.display()))
    })?;
    eprintln!(
        "wrote sweep.csv, sweep.txt and the trade-off charts (tradeoff_*.svg/png) to {}",
        dir.display()
    );
    Ok(())
}

fn advise(path: &Path, seed: Option<u64>) -> Result<(), Failure> {
    let scenario = load(Some(path), seed)?;
    let progress = Mutex::new(Progress::new(&format!(
        "measuring candidates for {}",
        scenario.name
    )));
    let report = |done: usize, total: usize| {
        let mut p = progress.lock().unwrap_or_else(|e| e.into_inner());
        p.set(done as f64 / total.max(1) as f64);
    };
    let advice = tidemark::explore::advise::advise(&scenario, &report)
        .map_err(|e| Failure::bad_input(format!("error: {}: {e}", path.display())))?;
    progress
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .finish();
    print!("{}", advice.render());
    Ok(())
}

fn validate(files: &[PathBuf]) -> Result<(), Failure> {
    let mut bad = 0;
    for file in files {
        match Scenario::from_file(file) {
            Ok(_) => println!("ok    {}", file.display()),
            Err(e) => {
                bad += 1;
                eprintln!("{}", error_lines(&e));
            }
        }
    }
    if bad == 0 {
        Ok(())
    } else {
        Err(Failure::bad_input(format!(
            "{bad} of {} scenario file(s) invalid",
            files.len()
        )))
    }
}

fn generate(args: &GenerateArgs) -> Result<(), Failure> {
    let scenario = load(args.scenario.as_deref(), args.seed)?;
    let format = match args.format {
        Some(TraceFileFormat::Csv) => TraceFormat::Csv,
        Some(TraceFileFormat::Jsonl) => TraceFormat::Jsonl,
        None => TraceFormat::from_path(&args.out),
    };
    let times = match args.times {
        Times::Rfc3339 => TimeFormat::Rfc3339,
        Times::Ms => TimeFormat::EpochMs,
    };
    let to_stdout = args.out.as_os_str() == "-";
    let inputs: Vec<&Path> = args.scenario.as_deref().into_iter().collect();
    let out = create_output(&args.out, &inputs)?;
    let write_error =
        |e: io::Error| Failure::bad_input(format!("error: writing {}: {e}", args.out.display()));
    let mut writer =
        TraceWriter::new(out, format, times).with_source(scenario.workload.sources.len() > 1);
    let mut generator = Generator::new(&scenario.workload, scenario.seed);
    let mut progress = Progress::new(&format!("generating {}", scenario.name));
    let mut written: u64 = 0;
    while let Some(event) = generator.next() {
        writer
            .write(&event, generator.keys())
            .map_err(write_error)?;
        written += 1;
        if written.is_multiple_of(65_536) {
            progress.set(generator.progress());
        }
    }
    writer.finish().map_err(write_error)?;
    progress.finish();
    if !to_stdout {
        eprintln!("wrote {written} events to {}", args.out.display());
    }
    Ok(())
}

/// Opens the app on `scenario` (or the last or default one); says so when there is no display.
#[cfg(feature = "gui")]
fn open_app(scenario: Option<&Path>) -> Result<(), Failure> {
    if !tidemark::gui::display_available() {
        return Err(Failure::bad_input(
            "error: no display to open the app on; `tidemark run` prints the same report in the terminal",
        ));
    }
    let initial = match scenario {
        Some(path) => {
            let text = fs::read_to_string(path)
                .map_err(|e| Failure::bad_input(format!("error: {}: {e}", path.display())))?;
            Scenario::from_ron(&text, &path.display().to_string())
                .map_err(|e| Failure::bad_input(error_lines(&e)))?;
            Some((path.display().to_string(), text))
        }
        None => None,
    };
    tidemark::gui::run(initial)
        .map_err(|e| Failure::bad_input(format!("error: the app failed: {e}")))
}

/// Prints the two headline figures, one line each.
/// The most events `bench` holds in memory (40 bytes each).
const MAX_BENCH_EVENTS: u64 = 200_000_000;

/// Measures each figure in a child process (so each peak memory is its own) and prints
/// them with their ratio to the reference loop.
fn bench(events: u64, only: &[Measure], child: bool) -> Result<(), Failure> {
    let chosen = if only.is_empty() {
        Measure::ALL.to_vec()
    } else {
        only.to_vec()
    };
    if child {
        for measure in chosen {
            println!(
                "{}",
                serde_json::to_string(&measure.run(events)).expect("a figure serializes")
            );
        }
        return Ok(());
    }
    let me = std::env::current_exe()
        .map_err(|e| Failure::bad_input(format!("error: cannot find this program: {e}")))?;
    let mut reference: Option<f64> = None;
    println!(
        "{:<48} {:>12} {:>14} {:>10} {:>12}",
        "figure", "events", "time", "M ev/s", "peak MiB"
    );
    for measure in chosen {
        eprint!("measuring {} ...\r", measure.name());
        let output = std::process::Command::new(&me)
            .args([
                "bench",
                "--child",
                "--events",
                &events.to_string(),
                "--only",
                measure.name(),
            ])
            .output()
            .map_err(|e| Failure::bad_input(format!("error: cannot run {}: {e}", me.display())))?;
        let figure: tidemark::explore::bench::Figure = serde_json::from_slice(&output.stdout)
            .map_err(|e| {
                Failure::bad_input(format!(
                    "error: measuring {} failed ({e}): {}",
                    measure.name(),
                    String::from_utf8_lossy(&output.stderr)
                ))
            })?;
        let rate = figure.million_per_second();
        let ratio = match (measure, reference) {
            (Measure::Reference, _) => {
                reference = Some(rate);
                String::new()
            }
            (Measure::Engine | Measure::EndToEnd, Some(r)) => {
                format!("  {:.2}x reference", rate / r)
            }
            _ => String::new(),
        };
        let time = if figure.seconds < 1.0 {
            format!("{:.1} ms", figure.seconds * 1e3)
        } else {
            format!("{:.2} s", figure.seconds)
        };
        println!(
            "{:<48} {:>12} {:>14} {:>10.2} {:>12.0}{ratio}",
            measure.label(),
            figure.events,
            time,
            rate,
            figure.peak_mib
        );
    }
    eprintln!("{:<40}", "");
    Ok(())
}

/// `name` as one part of a file name, in the working folder whatever it says: letters,
/// digits, `-` and `_` are kept, anything else (`/`, `.`, spaces) becomes `_`.
fn file_name_part(name: &str) -> String {
    let part: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if part.is_empty() {
        "scenario".to_owned()
    } else {
        part
    }
}

/// The file at `path`, or standard output for `-`; refused when it is one of the `inputs`
/// (creating it would empty the file before it is read).
fn create_output(path: &Path, inputs: &[&Path]) -> Result<Box<dyn Write>, Failure> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(io::stdout().lock()));
    }
    let same = |input: &Path| matches!((fs::canonicalize(path), fs::canonicalize(input)), (Ok(a), Ok(b)) if a == b);
    if let Some(input) = inputs.iter().find(|input| same(input)) {
        return Err(Failure::bad_input(format!(
            "error: {} is also an input ({}): writing it would destroy it; name another file",
            path.display(),
            input.display()
        )));
    }
    let file = fs::File::create(path)
        .map_err(|e| Failure::bad_input(format!("error: cannot create {}: {e}", path.display())))?;
    Ok(Box::new(file))
}

fn replay(args: &ReplayArgs) -> Result<(), Failure> {
    let scenario = match &args.scenario {
        Some(path) => {
            Some(Scenario::from_file(path).map_err(|e| Failure::bad_input(error_lines(&e)))?)
        }
        None => None,
    };
    let window = args
        .window
        .or(scenario.as_ref().map(|s| s.query.window))
        .ok_or_else(|| {
            Failure::bad_input(
                "error: say which windows: --window tumbling:10m (or --scenario FILE)",
            )
        })?;
    let query = QuerySpec {
        window,
        aggregations: args
            .aggs
            .clone()
            .or(scenario.as_ref().map(|s| s.query.aggregations.clone()))
            .unwrap_or_else(|| vec![Aggregation::Count, Aggregation::Sum]),
    };
    let mut problems = Problems::default();
    query.validate("query", &mut problems);
    let inputs: Vec<&Path> = std::iter::once(args.trace.as_path())
        .chain(args.scenario.as_deref())
        .collect();
    let out;
    let summary = match args.runner {
        RunnerKind::Streaming => {
            let base = scenario
                .and_then(|s| s.streaming)
                .unwrap_or_else(|| StreamingSpec::with_delay(Dur::ZERO));
            let spec = StreamingSpec {
                watermark_delay: args.watermark_delay.unwrap_or(base.watermark_delay),
                allowed_lateness: args.allowed_lateness.unwrap_or(base.allowed_lateness),
                watermark_emit: args.watermark_emit.unwrap_or(base.watermark_emit),
                watermark_formula: args
                    .watermark_formula
                    .map_or(base.watermark_formula, Into::into),
                partitions: args.partitions.unwrap_or(base.partitions),
                idle_timeout: args.idle_timeout.or(base.idle_timeout),
                ..base
            };
            spec.validate("streaming", &mut problems);
            refuse_replay(problems)?;
            if !spec.faults.is_empty() {
                eprintln!(
                    "warning: replay runs the job without the scenario's {} fault(s); `tidemark run` simulates them",
                    spec.faults.len()
                );
            }
            out = create_output(&args.emit, &inputs)?;
            replay_streaming(&args.trace, &query, &spec, out)
        }
        RunnerKind::MicroBatch => {
            let streams = scenario.as_ref().map(|s| s.workload.sources.len());
            let base = scenario.and_then(|s| s.micro_batch).unwrap_or_else(|| {
                MicroBatchSpec::replay(Dur::from_mins(1), Dur::ZERO, OutputMode::Append)
            });
            let spec = MicroBatchSpec {
                trigger: args.trigger.map_or(base.trigger, Trigger::ProcessingTime),
                watermark_delay: args.watermark_delay.unwrap_or(base.watermark_delay),
                output_mode: args.output_mode.map_or(base.output_mode, Into::into),
                ..base
            };
            spec.validate(&query, "micro_batch", &mut problems);
            refuse_replay(problems)?;
            out = create_output(&args.emit, &inputs)?;
            replay_micro_batch(&args.trace, &query, &spec, streams, out)
        }
    }
    .map_err(|e| Failure::bad_input(error_lines(&e)))?;
    eprintln!(
        "replayed {} events: {} results, {} dropped as late",
        summary.events, summary.results, summary.dropped
    );
    Ok(())
}

/// Replay's settings come from flags or from `--scenario`: each problem names both.
fn refuse_replay(problems: Problems) -> Result<(), Failure> {
    const FLAGS: [&str; 8] = [
        "watermark_delay",
        "allowed_lateness",
        "watermark_emit",
        "watermark_formula",
        "partitions",
        "idle_timeout",
        "trigger",
        "output_mode",
    ];
    let mut named = Problems::default();
    for p in problems.into_vec() {
        let field = p.path.split('.').nth(1).unwrap_or("");
        let flag = match field {
            "window" => Some("--window".to_owned()),
            "aggregations" => Some("--aggs".to_owned()),
            _ if FLAGS.contains(&field) => Some(format!("--{}", field.replace('_', "-"))),
            _ => None,
        };
        let at = match flag {
            Some(flag) => format!("{flag} (or the scenario's {})", p.path),
            None => format!("the scenario's {}", p.path),
        };
        named.push(&at, p.message);
    }
    refuse(named)
}

/// Bad input found before any work: every problem, exit code 2.
fn refuse(problems: Problems) -> Result<(), Failure> {
    let problems = problems.into_vec();
    if problems.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = problems
        .iter()
        .map(|p| format!("error: {}: {}", p.path, p.message))
        .collect();
    Err(Failure::bad_input(lines.join("\n")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_scenario_name_never_leaves_the_working_folder() {
        assert_eq!(file_name_part("/../../escaped"), "_______escaped");
        assert_eq!(file_name_part("freshmart_ops-1"), "freshmart_ops-1");
        assert_eq!(file_name_part(""), "scenario");
    }
}
