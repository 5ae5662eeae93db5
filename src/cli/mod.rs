//! The command line: raw arguments become a validated command before any work starts;
//! library errors get their context here and map to exit codes.

mod args;
mod explore;
mod files;
mod progress;
mod replay;
mod run;

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

use clap::{Args, Parser, Subcommand, ValueEnum};

use tidemark::compose::run::RunOutput;
use tidemark::compose::scenario::Scenario;
use tidemark::engine::aggregate::Aggregation;
use tidemark::engine::query::QuerySpec;
use tidemark::engine::window::WindowSpec;
use tidemark::engine::{WatermarkEmit, WatermarkFormula};
use tidemark::experiment::run_replicated;
use tidemark::explore::bench::Measure;
use tidemark::explore::replay::{replay_micro_batch, replay_streaming};
use tidemark::explore::sweep::{GridPoint, Vary, grid_csv, grid_table, run_grid};
use tidemark::input::time::Dur;
use tidemark::input::trace::{Epoch, TimeFormat, TraceFormat, TraceWriter};
use tidemark::input::validation::Problems;
use tidemark::input::workload::Arrivals;
use tidemark::measure::report::{Format, Report};
use tidemark::runner::micro_batch::{MicroBatchSpec, OutputMode, Trigger};
use tidemark::runner::streaming::StreamingSpec;

use args::*;
#[cfg(feature = "gui")]
use explore::open_app;
use explore::{advise, bench, compare, export, sweep};
use files::{create_output, file_name_part};
use progress::Progress;
use replay::replay;
use run::{generate, run, validate};

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
        /// Replications of every candidate: one is accepted only when the pessimistic end
        /// of its 95% intervals meets the requirement [default: the scenario's].
        #[arg(long, value_parser = parse_replications, allow_hyphen_values = true)]
        replications: Option<usize>,
    },
    /// Write the scenario's job for a real engine, the workload it reads and what tidemark
    /// predicts it writes (run it with DIR/run.sh, then `tidemark compare`).
    Export {
        /// Scenario file (RON).
        scenario: PathBuf,
        /// The engine: spark (the scenario's micro-batch job as PySpark) or flink (its
        /// streaming job as a Flink DataStream job).
        #[arg(long, value_enum)]
        engine: Engine,
        /// Folder to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Compare what tidemark predicts for a job (`replay --emit`) with what a real engine
    /// wrote: the same results at the same emission points, the same events dropped. Exit 0
    /// when they agree, 1 with the differences listed.
    Compare {
        /// JSON Lines from `tidemark replay --emit` (or `export`'s simulated.jsonl).
        simulated: PathBuf,
        /// JSON Lines in the same format, from the engine.
        engine: PathBuf,
    },
    /// List the models and every metric a report holds, with units and meanings (Markdown).
    Metrics,
    /// Measure speed and peak memory beside a bare hash-map loop measured in the same run:
    /// the engine's hot path, the streaming simulation end to end, the default scenario, the
    /// production day and week, memory at 2 and 8 hours, the event streams alone (a run's
    /// floor) on one thread and on every core, the replay of a CSV trace and the watermark
    /// lab, each beside its target. Each figure is measured in a process of its own (about
    /// five minutes in all, three of them the week's; `--only` picks figures).
    Bench {
        /// Events for the reference, hot-path and end-to-end figures (the first two hold
        /// them all in memory first).
        #[arg(long, default_value_t = 10_000_000, value_parser = parse_bench_events, allow_hyphen_values = true)]
        events: u64,
        /// Measure only this figure (repeat for several): reference, engine, end-to-end,
        /// generator, default-scenario, hourly-2h, hourly-8h, production-day,
        /// production-day-generator-1-thread, production-day-generator, production-week,
        /// replay-csv, lesson-lab.
        #[arg(long, value_name = "NAME")]
        only: Vec<Measure>,
        /// Measure one figure here and print it as JSON (how `bench` runs each figure).
        #[arg(long, hide = true)]
        child: bool,
    },
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
        replications: None,
        junit: None,
        skip_bad_rows: false,
    }));
    let result = match command {
        Command::Run(args) => run(&args),
        Command::Validate { files } => validate(&files),
        Command::Generate(args) => generate(&args),
        Command::Replay(args) => replay(&args),
        #[cfg(feature = "gui")]
        Command::Gui { scenario } => open_app(scenario.as_deref()),
        Command::Sweep(args) => sweep(&args),
        Command::Advise {
            scenario,
            seed,
            replications,
        } => advise(&scenario, seed, replications),
        Command::Compare { simulated, engine } => compare(&simulated, &engine),
        Command::Export {
            scenario,
            engine,
            out,
        } => export(&scenario, engine, &out),
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

/// `scenario` with `--replications`, if given, checked as the file's own would be (the
/// events limit, a trace workload).
fn replicate(scenario: &mut Scenario, replications: Option<usize>) -> Result<(), Failure> {
    let Some(n) = replications else {
        return Ok(());
    };
    scenario.replications = n;
    let mut problems = Problems::default();
    for p in scenario.problems() {
        if p.path == "replications" || p.message.contains("replications") {
            problems.push(&format!("--replications {n}"), p.message);
        }
    }
    refuse(problems)
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
