//! `run`, `validate` and `generate`: one scenario, as a report, a check or a trace.

use super::*;

pub(super) fn run(args: &RunArgs) -> Result<(), Failure> {
    let mut scenario = match (&args.scenario, args.skip_bad_rows) {
        (Some(path), true) => {
            Scenario::from_file_with(path, true).map_err(|e| Failure::bad_input(error_lines(&e)))?
        }
        (path, _) => load(path.as_deref(), None)?,
    };
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    replicate(&mut scenario, args.replications)?;
    let trace = scenario.workload.trace.as_ref();
    if let Some(found) = trace.and_then(|t| t.found.as_ref())
        && found.skipped > 0
    {
        eprintln!(
            "skipped {} malformed row(s) of {} rows; the first: {}",
            found.skipped,
            found.rows + found.skipped,
            found.first_skipped.as_deref().unwrap_or("")
        );
    }
    let progress = Mutex::new(Progress::new(&format!("running {}", scenario.name)));
    let replicated = run_replicated(&scenario, &|done| {
        progress.lock().expect("no panic while drawing").set(done)
    });
    progress
        .into_inner()
        .expect("no panic while drawing")
        .finish();
    let report = &replicated.report;
    print!("{}", report.render(args.format.into()));
    if let Some(dir) = &args.out {
        write_outputs(dir, report, &replicated.first).map_err(|e| {
            Failure::bad_input(format!("error: cannot write to {}: {e}", dir.display()))
        })?;
        eprintln!(
            "wrote the report, the exact results and the charts to {}",
            dir.display()
        );
    }
    if let Some(file) = &args.junit {
        fs::write(file, report.junit()).map_err(|e| {
            Failure::bad_input(format!("error: cannot write {}: {e}", file.display()))
        })?;
    }
    if report.passed() {
        Ok(())
    } else {
        let failed: Vec<String> = report
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

/// Writes `report` as `report.{txt,json,csv,md}`, and of `output` (the first replication)
/// `truth.csv` (the exact result per window and key) and the charts (latency, correctness,
/// dropped, cost) as SVG and PNG.
pub(super) fn write_outputs(dir: &Path, report: &Report, output: &RunOutput) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    for (format, extension) in Format::ALL {
        fs::write(
            dir.join(format!("report.{extension}")),
            report.render(format),
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

pub(super) fn validate(files: &[PathBuf]) -> Result<(), Failure> {
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

pub(super) fn generate(args: &GenerateArgs) -> Result<(), Failure> {
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
    let mut generator = Arrivals::new(&scenario.workload, scenario.seed);
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
