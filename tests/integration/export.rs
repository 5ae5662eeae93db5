//! `tidemark export`: a job for a real engine, its input split per trigger interval, and the
//! prediction; or a clear refusal when the engine cannot run the scenario as it says.

use crate::{scenario_text, scenarios_dir, stderr, stdout, tidemark};

/// `your_own_trace.ron` exported for `engine` into a temporary `job/`.
fn export_own_trace(engine: &str) -> (tempfile::TempDir, std::process::Output) {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenarios_dir().join("your_own_trace.ron");
    let out = tidemark(
        dir.path(),
        &[
            "export",
            scenario.to_str().unwrap(),
            "--engine",
            engine,
            "--out",
            "job",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    (dir, out)
}

#[test]
fn a_spark_export_holds_the_job_its_input_and_the_prediction() {
    let (dir, out) = export_own_trace("spark");
    assert!(
        stdout(&out).contains("2997 events in 342 trigger intervals"),
        "{}",
        stdout(&out)
    );
    let job = dir.path().join("job");
    for file in [
        "trace.csv",
        "job.py",
        "run.sh",
        "README.md",
        "simulated.jsonl",
    ] {
        assert!(job.join(file).is_file(), "{file}");
    }
    // One file per 5-minute interval, empty ones with their header; every row in one.
    let inputs: Vec<_> = std::fs::read_dir(job.join("input")).unwrap().collect();
    assert_eq!(inputs.len(), 342);
    let rows: usize = inputs
        .iter()
        .map(|f| {
            std::fs::read_to_string(f.as_ref().unwrap().path())
                .unwrap()
                .lines()
                .count()
                - 1
        })
        .sum();
    assert_eq!(rows, 2997);
    let script = std::fs::read_to_string(job.join("job.py")).unwrap();
    for part in [
        ".withWatermark(\"event_time\", \"10 minutes\")",
        "F.window(\"event_time\", \"1 hour\"), \"key\"",
        "outputMode(\"update\")",
        "maxFilesPerTrigger",
    ] {
        assert!(script.contains(part), "{part}");
    }
    let predicted = std::fs::read_to_string(job.join("simulated.jsonl")).unwrap();
    assert!(predicted.contains("\"type\":\"dropped\""));
    assert!(!predicted.contains("emit_ms"), "a clock is not predicted");
}

#[test]
fn what_the_engine_cannot_run_is_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let session = scenario_text("your_own_trace.ron")
        .replace("Tumbling(size: \"1h\")", "Session(gap: \"10m\")")
        .replace(
            "traces/orders.csv",
            &scenarios_dir()
                .join("traces/orders.csv")
                .display()
                .to_string(),
        );
    std::fs::write(dir.path().join("s.ron"), session).unwrap();
    let out = tidemark(
        dir.path(),
        &["export", "s.ron", "--engine", "spark", "--out", "x"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("Update output mode not supported for session window"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("x").exists(), "nothing written");
    let faults = scenarios_dir().join("crash_exactly_once.ron");
    let out = tidemark(
        dir.path(),
        &[
            "export",
            faults.to_str().unwrap(),
            "--engine",
            "spark",
            "--out",
            "y",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no `micro_batch`"),
        "{}",
        stderr(&out)
    );
    // Faults happen to a running cluster: no Flink job file has them.
    let out = tidemark(
        dir.path(),
        &[
            "export",
            faults.to_str().unwrap(),
            "--engine",
            "flink",
            "--out",
            "z",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot export to Flink: faults"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_flink_export_holds_the_java_job_and_the_replay_it_must_match() {
    let (dir, _) = export_own_trace("flink");
    let job = dir.path().join("job");
    let run = std::fs::read_to_string(job.join("run.sh")).unwrap();
    assert!(
        run.contains(
            "TidemarkFlinkJob trace.csv engine.jsonl tumbling 3600000 0 0 300000 0 count,sum"
        ),
        "{run}"
    );
    let java = std::fs::read_to_string(job.join("TidemarkFlinkJob.java")).unwrap();
    assert!(java.contains("sideOutputLateData") && java.contains("allowedLateness"));
    // The prediction is the replay with per-event watermarks: 286 firings, 55 late records.
    let predicted = std::fs::read_to_string(job.join("simulated.jsonl")).unwrap();
    assert_eq!(predicted.matches("\"type\":\"result\"").count(), 286);
    assert_eq!(predicted.matches("\"type\":\"dropped\"").count(), 55);
}

#[test]
fn an_exported_job_without_its_engine_says_what_to_install() {
    for (engine, package) in [
        ("spark", "pip install pyspark"),
        ("flink", "pip install apache-flink"),
    ] {
        let (dir, _) = export_own_trace(engine);
        // `false` stands for a Python without the engine: the import check fails.
        let out = std::process::Command::new("sh")
            .arg(dir.path().join("job/run.sh"))
            .env("PYTHON", "false")
            .env_remove("FLINK_LIB")
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{engine}: {err}");
        assert!(
            err.contains(package) && err.contains("PYTHON=venv/bin/python ./run.sh"),
            "{engine}: {err}"
        );
        assert!(!err.contains("Traceback"), "{err}");
    }
}
