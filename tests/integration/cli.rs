//! The command line: exit codes, error messages for bad input, report files, determinism.

use crate::{scenario_text, stderr, stdout, tidemark};

/// Writes the FreshMart scenario with `from` replaced by `to`, and validates and runs it.
fn bad_scenario(from: &str, to: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let text = scenario_text("freshmart_daily_orders.ron");
    assert!(
        text.contains(from),
        "the scenario no longer contains {from:?}"
    );
    std::fs::write(dir.path().join("bad.ron"), text.replacen(from, to, 1)).unwrap();
    let line = text.lines().position(|l| l.contains(from)).unwrap() + 1;
    for command in ["validate", "run"] {
        let out = tidemark(dir.path(), &[command, "bad.ron"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{command}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("backtrace"),
            "{err}"
        );
        assert!(
            err.contains(&format!("bad.ron:{line}:")),
            "{command}: expected line {line} in {err}"
        );
    }
    let out = tidemark(dir.path(), &["validate", "bad.ron"]);
    (stderr(&out), format!("bad.ron:{line}:"))
}

#[test]
fn an_unknown_field_names_the_field_and_what_is_allowed() {
    let (err, _) = bad_scenario("seed: 17,", "seed: 17, colour: \"blue\",");
    assert!(
        err.contains("colour") && err.contains("expected one of"),
        "{err}"
    );
}

#[test]
fn a_slide_larger_than_the_size_is_refused() {
    let (err, at) = bad_scenario(
        "Tumbling(size: \"1h\")",
        "Sliding(size: \"15m\", slide: \"20m\")",
    );
    assert!(
        err.contains(&at) && err.contains("sliding window slide 20m is larger than its size 15m"),
        "{err}"
    );
}

#[test]
fn infinite_and_nan_numbers_are_refused_where_they_are_written() {
    let (err, at) = bad_scenario("mean_per_minute: 32.4", "mean_per_minute: inf");
    assert!(
        err.contains(&at) && err.contains("must be a positive number"),
        "{err}"
    );
    let (err, at) = bad_scenario(
        "values: LogNormal(median: 24.0, p99: 180.0)",
        "values: Uniform(min: -inf, max: inf)",
    );
    assert!(
        err.contains(&at) && err.contains("value -inf must be a finite number"),
        "{err}"
    );
    let (err, _) = bad_scenario(
        "values: LogNormal(median: 24.0, p99: 180.0)",
        "values: Constant(NaN)",
    );
    assert!(
        err.contains("constant value NaN must be a finite number"),
        "{err}"
    );
}

#[test]
fn a_negative_rate_is_refused() {
    let (err, _) = bad_scenario("mean_per_minute: 32.4", "mean_per_minute: -5.0");
    assert!(
        err.contains("rate -5 events per minute must be a positive number"),
        "{err}"
    );
}

#[test]
fn a_lognormal_p99_below_its_median_is_refused() {
    let (err, _) = bad_scenario("p99: \"45s\"", "p99: \"1s\"");
    assert!(err.contains("p99 1s is below the median 2s"), "{err}");
}

#[test]
fn a_malformed_duration_is_refused_with_an_example() {
    let (err, _) = bad_scenario("duration: \"24h\"", "duration: \"24 hours\"");
    assert!(
        err.contains("malformed duration \"24 hours\"") && err.contains("e.g. \"5m\""),
        "{err}"
    );
}

#[test]
fn validation_reports_every_problem_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let text = scenario_text("freshmart_daily_orders.ron")
        .replace("mean_per_minute: 32.4", "mean_per_minute: -5.0")
        .replace("p99: \"45s\"", "p99: \"1s\"")
        .replace("share: 0.005", "share: 1.5");
    std::fs::write(dir.path().join("bad.ron"), text).unwrap();
    let err = stderr(&tidemark(dir.path(), &["validate", "bad.ron"]));
    assert_eq!(
        err.lines()
            .filter(|l| l.starts_with("error: bad.ron:"))
            .count(),
        3,
        "{err}"
    );
}

#[test]
fn a_failed_expectation_exits_1_and_says_which() {
    let dir = tempfile::tempdir().unwrap();
    let text = scenario_text("freshmart_daily_orders.ron")
        .replace("oracle.windows == 24", "oracle.windows == 25");
    std::fs::write(dir.path().join("s.ron"), text).unwrap();
    let out = tidemark(dir.path(), &["run", "s.ron"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("expectation `oracle.windows == 25` failed: actual 24"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("FAIL"));
}

#[test]
fn no_arguments_runs_the_default_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let out = tidemark(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("freshmart_compare_models") && text.contains("workload.delay_p99"),
        "{text}"
    );
    for model in ["batch", "micro_batch", "streaming"] {
        assert!(text.contains(model), "{model} missing from {text}");
    }
}

#[test]
fn out_writes_every_format_and_the_truth_and_reports_are_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let out = tidemark(dir.path(), &["run", "--format", "json", "--out", "report"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(dir.path().join("report/report.json")).unwrap();
    assert_eq!(written, stdout(&out));
    let json: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(json["scenario"], "freshmart_compare_models");
    for file in ["report.txt", "report.csv", "report.md", "truth.csv"] {
        assert!(dir.path().join("report").join(file).exists(), "{file}");
    }
    let truth = std::fs::read_to_string(dir.path().join("report/truth.csv")).unwrap();
    assert!(truth.starts_with("window_start,window_end,key,count,sum,min,max,avg\n"));
    let again = tidemark(dir.path(), &["run", "--format", "json"]);
    assert_eq!(
        again.stdout, out.stdout,
        "same scenario and seed, same report"
    );
    let other = tidemark(dir.path(), &["run", "--format", "json", "--seed", "18"]);
    assert_ne!(other.stdout, out.stdout);
}

#[test]
fn junit_lists_every_expectation_and_the_measured_value_of_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let text = scenario_text("freshmart_daily_orders.ron")
        .replace("oracle.windows == 24", "oracle.windows == 25");
    std::fs::write(dir.path().join("s.ron"), text).unwrap();
    let out = tidemark(
        dir.path(),
        &["run", "s.ron", "--junit", "junit.xml", "--out", "report"],
    );
    assert_eq!(out.status.code(), Some(1));
    let xml = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(xml.contains(r#"tests="4" failures="1""#), "{xml}");
    assert!(xml.contains(r#"<failure message="measured 24">"#), "{xml}");
    for chart in ["latency", "correctness", "dropped", "cost"] {
        let png = std::fs::read(dir.path().join(format!("report/{chart}.png"))).unwrap();
        assert_eq!(&png[..4], b"\x89PNG", "{chart}.png is a PNG");
        let svg = std::fs::read_to_string(dir.path().join(format!("report/{chart}.svg"))).unwrap();
        assert!(svg.contains("<svg"), "{chart}.svg is an SVG");
    }
}

#[test]
fn an_output_that_is_also_an_input_is_refused_and_the_input_kept() {
    let dir = tempfile::tempdir().unwrap();
    let trace = "id,key,value,event_time,arrival_time\n1,a,1,0,0\n";
    std::fs::write(dir.path().join("t.csv"), trace).unwrap();
    let scenario = scenario_text("mobile_offline_skew.ron");
    std::fs::write(dir.path().join("s.ron"), &scenario).unwrap();
    for args in [
        &[
            "replay",
            "--trace",
            "t.csv",
            "--window",
            "tumbling:1m",
            "--emit",
            "t.csv",
        ][..],
        &[
            "replay",
            "--trace",
            "t.csv",
            "--scenario",
            "s.ron",
            "--emit",
            "./s.ron",
        ][..],
        &["generate", "s.ron", "--out", "s.ron"][..],
    ] {
        let out = tidemark(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("is also an input"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("t.csv")).unwrap(),
        trace
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("s.ron")).unwrap(),
        scenario
    );
}

#[test]
fn work_beyond_the_limits_is_refused_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = crate::scenarios_dir().join("freshmart_ops_dashboard.ron");
    let scenario = scenario.to_str().unwrap();
    let cases: [(&[&str], &str); 3] = [
        (
            &[
                "sweep",
                scenario,
                "--vary",
                "watermark_delay=0s..999s/1s",
                "--vary",
                "trigger=1s..999s/1s",
            ],
            "the grid has 1000 × 999 = 999000 points; at most 10000",
        ),
        (
            &["bench", "--events", "18446744073709551615"],
            "a whole number of events from 1 to 200000000",
        ),
        (
            &["replay", "--trace", "t.csv", "--window", "sliding:1d,1ms"],
            "every event falls in 86400000 windows",
        ),
    ];
    for (args, message) in cases {
        let out = tidemark(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(message), "{}", stderr(&out));
    }
}

#[test]
fn an_expectation_about_a_model_the_scenario_does_not_run_is_refused() {
    let (err, at) = bad_scenario("expect: [", "expect: [\"batch.correct_share == 100%\",");
    assert!(
        err.contains(&at)
            && err.contains("is about batch, which this scenario does not run (it runs streaming)"),
        "{err}"
    );
}

#[test]
fn a_negative_flag_value_is_read_and_refused_with_the_flag_rule() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 3] = [
        (
            &[
                "replay",
                "--trace",
                "t.csv",
                "--window",
                "tumbling:1m",
                "--watermark-delay",
                "-5s",
            ],
            "-5s must not be negative",
        ),
        (
            &["run", "--seed", "-1"],
            "a seed is a whole number from 0 to 18446744073709551615",
        ),
        (
            &["run", "--seed", "18446744073709551616"],
            "a seed is a whole number",
        ),
    ];
    for (args, message) in cases {
        let out = tidemark(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(message), "{}", stderr(&out));
    }
}

#[test]
fn the_readme_lists_the_metric_catalogue_as_the_code_declares_it() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("<!-- metrics:")
        .expect("the README has a metric section");
    let body = &readme[readme[start..].find('\n').unwrap() + start + 1..];
    let listed = &body[..body.find("<!-- end of metrics -->").unwrap()];
    assert_eq!(
        listed,
        tidemark::measure::catalogue::markdown(),
        "regenerate the README's section with `tidemark metrics`"
    );
}

#[test]
fn twenty_replications_give_intervals_and_paired_differences_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let run = |threads: &str, format: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tidemark"))
            .args(["run", "--replications", "20", "--format", format])
            .current_dir(dir.path())
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    let table = run("2", "table");
    assert!(table.contains("(seed 17, 20 replications: mean ± 95% interval"));
    let correct = table
        .lines()
        .find(|l| l.trim_start().starts_with("results equal to the truth"))
        .unwrap();
    assert_eq!(
        correct.matches(" ± ").count(),
        2,
        "micro-batch and streaming: {correct}"
    );
    let paired = table
        .lines()
        .find(|l| l.contains("micro_batch − streaming, correct_share: "))
        .unwrap_or_else(|| panic!("no paired difference in\n{table}"));
    assert!(
        paired.ends_with("micro_batch higher")
            || paired.ends_with("micro_batch lower")
            || paired.ends_with("not distinguishable here"),
        "{paired}"
    );
    let json = run("1", "json");
    assert_eq!(
        json,
        run("2", "json"),
        "the same report at any thread count"
    );
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["replications"], 20);
    let correct = report["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "streaming.correct_share")
        .unwrap();
    let spread = &correct["spread"];
    assert_eq!(spread["replications"], 20);
    let (mean, min, max) = (
        spread["mean"].as_f64().unwrap(),
        spread["min"].as_f64().unwrap(),
        spread["max"].as_f64().unwrap(),
    );
    assert!(min < mean && mean < max, "{spread}");
    assert!(spread["half_width"].as_f64().unwrap() < max - min);
    assert!(!report["differences"].as_array().unwrap().is_empty());
}
