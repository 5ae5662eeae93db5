//! A recorded trace as a scenario's workload: `run`, `sweep`, `advise` and `validate` take
//! it as they take generated sources; a bad trace is refused with its file, line and field.

use tidemark::compose::run::run_scenario;
use tidemark::compose::scenario::{Scenario, ScenarioError};
use tidemark::measure::catalogue::{Model, ModelMetric};
use tidemark::measure::report::Format;

use crate::{scenario_text, scenarios_dir, stderr, stdout, tidemark};

/// `your_own_trace.ron` reading `path` instead.
fn own_trace_at(path: &str) -> String {
    scenario_text("your_own_trace.ron").replace("traces/orders.csv", path)
}

/// `scenario` (a shipped one) with its workload replaced by `workload` (RON).
fn with_workload(scenario: &str, workload: &str) -> String {
    let text = scenario_text(scenario);
    let from = text.find("    workload: (").expect("a workload");
    let to = from + text[from..].find("\n    ),\n").expect("its end") + "\n    ),\n".len();
    format!(
        "{}    workload: {workload},\n{}",
        &text[..from],
        &text[to..]
    )
}

/// A generated day written as a trace and read back as the workload: every model drops,
/// serves, delays and costs exactly what it did on the generated events.
#[test]
fn a_generated_day_read_back_as_a_trace_gives_the_same_results() {
    let dir = tempfile::tempdir().unwrap();
    let generated = scenarios_dir().join("freshmart_compare_models.ron");
    let trace = dir.path().join("day.csv");
    let out = tidemark(
        dir.path(),
        &[
            "generate",
            generated.to_str().unwrap(),
            "--out",
            trace.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = with_workload(
        "freshmart_compare_models.ron",
        r#"(start: "2026-03-17T00:00:00Z", duration: "24h", trace: (path: "day.csv"))"#,
    );
    let file = dir.path().join("recorded.ron");
    std::fs::write(&file, &text).unwrap();
    let recorded = run_scenario(&Scenario::from_file(&file).unwrap(), &mut |_| {});
    // The generated day measured whole, as its trace is.
    let mut whole_day = Scenario::from_file(&generated).unwrap();
    whole_day.measured_period = None;
    let original = run_scenario(&whole_day, &mut |_| {});
    for model in [Model::Batch, Model::MicroBatch, Model::Streaming] {
        for metric in [
            ModelMetric::DroppedLate,
            ModelMetric::CorrectShare,
            ModelMetric::WrongByRetries,
            ModelMetric::CountedEvents,
            ModelMetric::ResultDelayP50,
            ModelMetric::EventLatencyP99,
            ModelMetric::CostPerYear,
        ] {
            let (read, made) = (
                recorded.report.model(model, metric),
                original.report.model(model, metric),
            );
            if model == Model::Streaming && metric.unit() == tidemark::measure::catalogue::Unit::Ms
            {
                // The trace's end is no moment of its stream: the windows only it fired are
                // left out of the trace's latency figures, never added.
                assert!(read <= made, "{} {read:?} {made:?}", metric.name());
            } else {
                assert_eq!(read, made, "{} {}", model.name(), metric.name());
            }
        }
    }
    let end_fired = recorded
        .report
        .model(Model::Streaming, ModelMetric::EndFiredWindows);
    assert_eq!(
        end_fired,
        Some(1.0),
        "the day's last hour waits for the end"
    );
    assert_eq!(
        original
            .report
            .model(Model::Streaming, ModelMetric::EndFiredWindows),
        None
    );
}

/// The shipped trace scenario through `run`, `sweep` and `advise`, as users type them.
#[test]
fn run_sweep_and_advise_take_a_trace_workload() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenarios_dir().join("your_own_trace.ron");
    let scenario = scenario.to_str().unwrap();
    let run = tidemark(dir.path(), &["run", scenario]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(stdout(&run).contains("2,997"), "{}", stdout(&run));
    let sweep = tidemark(
        dir.path(),
        &["sweep", scenario, "--vary", "watermark_delay=0s..20m/10m"],
    );
    assert_eq!(sweep.status.code(), Some(0), "{}", stderr(&sweep));
    assert!(stdout(&sweep).lines().count() >= 3, "{}", stdout(&sweep));
    // A requirement the nightly batch meets and no stream does cheaper.
    let text = scenario_text("your_own_trace.ron").replace(
        "    cost: (price_per_node_hour: 4.0),",
        "    cost: (price_per_node_hour: 4.0),\n    requirement: (latency: \"result_delay_max\", max_latency: \"48h\", min_correct_share: 1.0),",
    );
    // Beside its own copy of the trace: the path is relative to the scenario file.
    let file = dir.path().join("advise.ron");
    std::fs::write(&file, text.replace("traces/orders.csv", "orders.csv")).unwrap();
    std::fs::copy(
        scenarios_dir().join("traces/orders.csv"),
        dir.path().join("orders.csv"),
    )
    .unwrap();
    let advise = tidemark(dir.path(), &["advise", file.to_str().unwrap()]);
    assert_eq!(advise.status.code(), Some(0), "{}", stderr(&advise));
    let last = stdout(&advise).lines().last().unwrap_or("").to_owned();
    assert!(last.starts_with("recommendation: batch"), "{last}");
}

/// What is wrong with the trace `rows` (CSV after the header) as a workload.
fn refusal(rows: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.csv"),
        format!("id,key,value,event_time,arrival_time\n{rows}"),
    )
    .unwrap();
    let text = own_trace_at("t.csv");
    let file = dir.path().join("s.ron");
    std::fs::write(&file, text).unwrap();
    match Scenario::from_file(&file) {
        Err(e @ ScenarioError::Trace(_)) => e.to_string(),
        other => panic!("refused as a trace, not {other:?}"),
    }
}

#[test]
fn a_bad_trace_is_refused_with_its_file_line_and_field() {
    let unsorted = refusal(
        "1,a,1,2026-03-17T00:00:00Z,2026-03-17T00:00:05Z\n\
         2,a,1,2026-03-17T00:00:01Z,2026-03-17T00:00:02Z\n",
    );
    assert!(
        unsorted.contains("t.csv:3: field `arrival_time`") && unsorted.contains("sort it"),
        "{unsorted}"
    );
    let bad_time = refusal("1,a,1,yesterday,2026-03-17T00:00:05Z\n");
    assert!(
        bad_time.contains("t.csv:2: field `event_time`"),
        "{bad_time}"
    );
    let empty = refusal("");
    assert!(empty.contains("no rows"), "{empty}");
    let dir = tempfile::tempdir().unwrap();
    let missing = own_trace_at("nowhere.csv");
    let file = dir.path().join("m.ron");
    std::fs::write(&file, missing).unwrap();
    let error = Scenario::from_file(&file).unwrap_err().to_string();
    assert!(error.contains("nowhere.csv"), "{error}");
}

#[test]
fn a_workload_is_sources_or_a_trace_not_both() {
    let text = scenario_text("freshmart_compare_models.ron").replace(
        "    workload: (\n",
        "    workload: (\n        trace: (path: \"traces/orders.csv\"),\n",
    );
    match Scenario::from_ron(&text, &scenarios_dir().join("x.ron").display().to_string()) {
        Err(ScenarioError::Invalid { problems, .. }) => {
            assert!(
                problems
                    .iter()
                    .any(|p| p.path == "workload.sources" && p.message.contains("not both")),
                "{problems:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}

/// `run --skip-bad-rows`: a malformed row is counted and skipped, the first one shown;
/// without the flag it stops the run with its file, line and field.
#[test]
fn run_can_skip_bad_rows_and_says_how_many() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = std::fs::read_to_string(scenarios_dir().join("traces/orders.csv")).unwrap();
    rows = rows.replacen("store-01,22.72,", "store-01,twenty,", 1);
    std::fs::write(dir.path().join("t.csv"), rows).unwrap();
    std::fs::write(dir.path().join("s.ron"), own_trace_at("t.csv")).unwrap();
    let strict = tidemark(dir.path(), &["run", "s.ron"]);
    assert_eq!(strict.status.code(), Some(2));
    assert!(
        stderr(&strict).contains("t.csv:2: field `value`"),
        "{}",
        stderr(&strict)
    );
    let lenient = tidemark(dir.path(), &["run", "s.ron", "--skip-bad-rows"]);
    // One order fewer than the shipped expectation of 2,997 events: exit 1, and said.
    assert_eq!(lenient.status.code(), Some(1), "{}", stderr(&lenient));
    assert!(
        stderr(&lenient).contains("skipped 1 malformed row(s) of 2997 rows; the first:")
            && stderr(&lenient).contains("t.csv:2: field `value`"),
        "{}",
        stderr(&lenient)
    );
    assert!(stdout(&lenient).contains("2,996"), "{}", stdout(&lenient));
}

/// A day written in epoch seconds (with milliseconds as a fraction) reads, once the trace says
/// `epoch: Seconds`, exactly as the same day in epoch milliseconds; unsaid, it is refused
/// with the line, the field and the setting to add. `replay --epoch s` likewise.
#[test]
fn a_trace_in_epoch_seconds_reads_as_the_same_day_once_the_unit_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let generated = scenarios_dir().join("freshmart_compare_models.ron");
    let in_ms = dir.path().join("ms.csv");
    let out = tidemark(
        dir.path(),
        &[
            "generate",
            generated.to_str().unwrap(),
            "--out",
            in_ms.to_str().unwrap(),
            "--times",
            "ms",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // 1773705600123 ms is written 1773705600.123 s.
    let seconds = |ms: &str| format!("{}.{}", &ms[..ms.len() - 3], &ms[ms.len() - 3..]);
    let text = std::fs::read_to_string(&in_ms).unwrap();
    let mut rows = text.lines();
    let mut in_s = format!("{}\n", rows.next().unwrap());
    for row in rows {
        let cells: Vec<&str> = row.split(',').collect();
        let (times, rest) = (&cells[3..5], &cells[..3]);
        in_s += &format!(
            "{},{},{}\n",
            rest.join(","),
            seconds(times[0]),
            seconds(times[1])
        );
    }
    std::fs::write(dir.path().join("s.csv"), in_s).unwrap();
    let workload = |file: &str, epoch: &str| {
        with_workload(
            "freshmart_compare_models.ron",
            &format!(
                r#"(start: "2026-03-17T00:00:00Z", duration: "24h", trace: (path: "{file}"{epoch}))"#
            ),
        )
    };
    let run = |text: String| {
        let file = dir.path().join("recorded.ron");
        std::fs::write(&file, text).unwrap();
        Scenario::from_file(&file)
            .map(|s| run_scenario(&s, &mut |_| {}).report.render(Format::Json))
    };
    let said = run(workload("s.csv", ", epoch: Seconds")).unwrap();
    assert_eq!(said, run(workload("ms.csv", "")).unwrap());
    let Err(unsaid) = run(workload("s.csv", "")) else {
        panic!("epoch seconds without the unit are refused");
    };
    let message = unsaid.to_string();
    assert!(
        message.contains("s.csv:2") && message.contains("epoch: Seconds"),
        "{message}"
    );

    let replay = |trace: &str, extra: &[&str]| {
        let mut args = vec!["replay", "--trace", trace, "--window", "tumbling:1h"];
        args.extend(extra);
        tidemark(dir.path(), &args)
    };
    let from_s = replay("s.csv", &["--epoch", "s"]);
    assert_eq!(from_s.status.code(), Some(0), "{}", stderr(&from_s));
    assert_eq!(stdout(&from_s), stdout(&replay("ms.csv", &[])));
    let unsaid = replay("s.csv", &[]);
    assert_ne!(unsaid.status.code(), Some(0));
    assert!(stderr(&unsaid).contains("--epoch s"), "{}", stderr(&unsaid));
}
