//! `sweep`, `advise`, `bench` and `gui`: work around one scenario.

use super::*;

pub(super) fn sweep(args: &SweepArgs) -> Result<(), Failure> {
    use tidemark::explore::sweep_plan;
    if let Some(plan) = &args.point {
        return run_plan_lines(plan);
    }
    let path = args
        .scenario
        .as_deref()
        .expect("clap requires a scenario without --point");
    let mut scenario = load(Some(path), args.seed)?;
    replicate(&mut scenario, args.replications)?;
    let bad = |e: String| Failure::bad_input(format!("error: {e}"));
    if let Some(plan) = &args.plan {
        let text = sweep_plan::plan(&scenario, &args.vary).map_err(bad)?;
        let mut out = files::create_output(plan, &[path])?;
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| {
                Failure::bad_input(format!("error: cannot write {}: {e}", plan.display()))
            })?;
        eprintln!(
            "wrote {} points to {}: run them with `tidemark sweep --point` (scripts/sweep-on-spark.py \
             on Spark), then merge the results with this command and --merge",
            text.lines().count(),
            plan.display()
        );
        return Ok(());
    }
    let grid = match &args.merge {
        Some(results) => {
            let text = fs::read_to_string(results)
                .map_err(|e| Failure::bad_input(format!("error: {}: {e}", results.display())))?;
            sweep_plan::merge(&scenario, &args.vary, &text)
                .map_err(|e| bad(format!("{}: {e}", results.display())))?
        }
        None => run_locally(&scenario, &args.vary)?,
    };
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

/// Every point of the grid on this machine, progress shown.
fn run_locally(scenario: &Scenario, vary: &[Vary]) -> Result<Vec<GridPoint>, Failure> {
    let points = vary
        .iter()
        .fold(1usize, |n, v| n.saturating_mul(v.values.len()));
    let progress = Mutex::new((Progress::new(&format!("sweeping {points} points")), 0usize));
    let done = || {
        let mut p = progress.lock().unwrap_or_else(|e| e.into_inner());
        p.1 += 1;
        let share = p.1 as f64 / points.max(1) as f64;
        p.0.set(share);
    };
    let grid =
        run_grid(scenario, vary, &done).map_err(|e| Failure::bad_input(format!("error: {e}")))?;
    progress
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .0
        .finish();
    Ok(grid)
}

/// `sweep --point FILE`: each plan line run, its result line written as soon as it is done.
fn run_plan_lines(plan: &Path) -> Result<(), Failure> {
    let text = if plan == Path::new("-") {
        io::read_to_string(io::stdin())
    } else {
        fs::read_to_string(plan)
    }
    .map_err(|e| Failure::bad_input(format!("error: {}: {e}", plan.display())))?;
    let mut out = io::stdout().lock();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let result = tidemark::explore::sweep_plan::run_planned(line).map_err(|e| {
            Failure::bad_input(format!("error: {} line {}: {e}", plan.display(), n + 1))
        })?;
        writeln!(out, "{result}")
            .and_then(|()| out.flush())
            .map_err(|e| Failure::bad_input(format!("error: cannot write a result: {e}")))?;
    }
    Ok(())
}

/// `tidemark export`: the job, its input and the prediction, or why the engine cannot run it.
pub(super) fn export(path: &Path, engine: Engine, out: &Path) -> Result<(), Failure> {
    let scenario = load(Some(path), None)?;
    let summary = match engine {
        Engine::Spark => tidemark::explore::export::export_spark(&scenario, out),
        Engine::Flink => tidemark::explore::export::export_flink(&scenario, out),
    }
    .map_err(|e| Failure::bad_input(format!("error: {e}")))?;
    let batches = summary
        .batches
        .map_or(String::new(), |n| format!(" in {n} trigger intervals"));
    println!(
        "wrote {}: {} events{batches}, {} predicted lines; run {}/run.sh, then tidemark \
         compare {0}/simulated.jsonl {0}/engine.jsonl",
        out.display(),
        summary.events,
        summary.predicted,
        out.display()
    );
    Ok(())
}

/// `tidemark compare`: agreement, or the first differences and exit code 1.
pub(super) fn compare(simulated: &Path, engine: &Path) -> Result<(), Failure> {
    const SHOWN: usize = 20;
    let agreement = tidemark::explore::agreement::compare(simulated, engine)
        .map_err(|e| Failure::bad_input(format!("error: {e}")))?;
    if agreement.agrees() {
        println!(
            "agree: the same {} lines (results with their emission points, dropped events)",
            agreement.simulated
        );
        return Ok(());
    }
    println!(
        "disagree: {} of {} simulated and {} engine lines have no equal on the other side",
        agreement.differences.len(),
        agreement.simulated,
        agreement.engine
    );
    for (file, line, content) in agreement.differences.iter().take(SHOWN) {
        println!("  only in {file}:{line}: {content}");
    }
    if agreement.differences.len() > SHOWN {
        println!("  ... and {} more", agreement.differences.len() - SHOWN);
    }
    Err(Failure {
        message: String::new(),
        code: super::EXIT_EXPECTATION_FAILED,
    })
}

pub(super) fn advise(
    path: &Path,
    seed: Option<u64>,
    replications: Option<usize>,
) -> Result<(), Failure> {
    let mut scenario = load(Some(path), seed)?;
    replicate(&mut scenario, replications)?;
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

/// Opens the app on `scenario` (or the last or default one); says so when there is no display.
#[cfg(feature = "gui")]
pub(super) fn open_app(scenario: Option<&Path>) -> Result<(), Failure> {
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

/// Measures each figure in a child process (so each peak memory is its own) and prints
/// them with their ratio to the reference loop.
pub(super) fn bench(events: u64, only: &[Measure], child: bool) -> Result<(), Failure> {
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
    let (mut reference, mut one_thread): (Option<f64>, Option<f64>) = (None, None);
    println!(
        "{:<48} {:>12} {:>14} {:>10} {:>12}  {:<18} target (2 cores)",
        "figure", "events", "time", "M ev/s", "peak MiB", "vs reference"
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
        match measure {
            Measure::Reference => reference = Some(rate),
            Measure::ProductionDayGeneratorOneThread => one_thread = Some(rate),
            _ => {}
        }
        let ratio = match (measure, reference) {
            (Measure::Engine | Measure::EndToEnd | Measure::Generator, Some(r)) => {
                format!("{:.2}x reference", rate / r)
            }
            _ => String::new(),
        };
        let time = if figure.seconds < 1.0 {
            format!("{:.1} ms", figure.seconds * 1e3)
        } else {
            format!("{:.2} s", figure.seconds)
        };
        let target = measure
            .target()
            .map_or(String::new(), |t| t.judge(&figure, reference, one_thread));
        println!(
            "{:<48} {:>12} {:>14} {:>10.2} {:>12.0}  {ratio:<18} {target}",
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
