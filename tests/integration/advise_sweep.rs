//! `tidemark advise` and `tidemark sweep` as users run them.

use crate::{scenarios_dir, stderr, stdout, tidemark};

/// The last line of `tidemark advise` on a shipped scenario.
fn recommendation(scenario: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = scenarios_dir().join(scenario);
    let out = tidemark(dir.path(), &["advise", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out).lines().last().unwrap_or("").to_owned()
}

#[test]
fn advise_routes_the_three_freshmart_requirements_by_measurement() {
    // The domain text's routing table: finance → batch, operations → micro-batch, fraud →
    // streaming; each from running every candidate on the requirement's own workload.
    let finance = recommendation("freshmart_finance_pnl.ron");
    assert!(finance.starts_with("recommendation: batch — "), "{finance}");
    let ops = recommendation("freshmart_ops_dashboard.ron");
    assert!(ops.starts_with("recommendation: micro-batch — "), "{ops}");
    assert!(
        ops.contains("batch daily") && ops.contains("misses the 10m"),
        "{ops}"
    );
    let fraud = recommendation("freshmart_fraud_check.ron");
    assert!(fraud.starts_with("recommendation: streaming — "), "{fraud}");
    assert!(
        fraud.contains("micro-batch") && fraud.contains("misses the 2s"),
        "{fraud}"
    );
}

#[test]
fn advice_is_the_same_on_one_thread() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenarios_dir().join("freshmart_ops_dashboard.ron");
    let advise = |threads: Option<&str>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_tidemark"));
        command
            .args(["advise", file.to_str().unwrap()])
            .current_dir(dir.path());
        if let Some(n) = threads {
            command.env("RAYON_NUM_THREADS", n);
        }
        let output = command.output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        stdout(&output)
    };
    assert_eq!(advise(None), advise(Some("1")));
}

#[test]
fn advise_without_a_requirement_says_what_to_add() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenarios_dir().join("flash_sale_consumer_lag.ron");
    let out = tidemark(dir.path(), &["advise", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("requirement: (max_latency"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_sweep_writes_its_table_and_charts_and_is_the_same_on_one_thread() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenarios_dir().join("freshmart_daily_orders.ron");
    let args = |out: &str| {
        vec![
            "sweep".to_owned(),
            file.to_str().unwrap().to_owned(),
            "--vary".to_owned(),
            "watermark_delay=0s..20m/10m".to_owned(),
            "--out".to_owned(),
            out.to_owned(),
        ]
    };
    let run = |out: &str, threads: Option<&str>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_tidemark"));
        command.args(args(out)).current_dir(dir.path());
        if let Some(n) = threads {
            command.env("RAYON_NUM_THREADS", n);
        }
        let output = command.output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        std::fs::read_to_string(dir.path().join(out).join("sweep.csv")).unwrap()
    };
    let csv = run("many", None);
    assert_eq!(csv, run("one", Some("1")));
    for chart in ["tradeoff_correct.svg", "tradeoff_dropped.png"] {
        assert!(dir.path().join("many").join(chart).exists(), "{chart}");
    }
    // The instructor's curve: a longer watermark drops less and waits longer.
    let rows: Vec<Vec<String>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .filter(|r: &Vec<String>| r[1] == "streaming")
        .collect();
    assert_eq!(rows.len(), 3, "{csv}");
    let col = |r: &Vec<String>, i: usize| r[i].parse::<f64>().unwrap();
    assert!(col(&rows[0], 2) > col(&rows[2], 2), "dropped share: {csv}");
    assert!(col(&rows[0], 4) < col(&rows[2], 4), "result delay: {csv}");
}

#[test]
fn a_sweep_of_a_setting_no_model_has_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenarios_dir().join("freshmart_fraud_check.ron");
    let out = tidemark(
        dir.path(),
        &["sweep", file.to_str().unwrap(), "--vary", "trigger=1m,5m"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("has no model with `trigger`"),
        "{}",
        stderr(&out)
    );
    let out = tidemark(
        dir.path(),
        &["sweep", file.to_str().unwrap(), "--vary", "delay=1m"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown setting `delay`"),
        "{}",
        stderr(&out)
    );
}
