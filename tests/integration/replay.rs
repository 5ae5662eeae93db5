//! `tidemark replay`: the documented JSON Lines, and the same answers as `tidemark run`.

use crate::{scenarios_dir, stderr, stdout, tidemark};

#[test]
fn a_replayed_trace_writes_the_documented_lines() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.jsonl"),
        concat!(
            r#"{"id":1,"key":"s1","value":10,"event_time":0,"arrival_time":0}"#,
            "\n",
            r#"{"id":2,"key":"s1","value":30,"event_time":540000,"arrival_time":540000}"#,
            "\n",
            r#"{"id":3,"key":"s1","value":5,"event_time":960000,"arrival_time":960000}"#,
            "\n",
            r#"{"id":4,"key":"s1","value":7,"event_time":120000,"arrival_time":970000}"#,
            "\n",
        ),
    )
    .unwrap();
    let out = tidemark(
        dir.path(),
        &[
            "replay",
            "--trace",
            "t.jsonl",
            "--runner",
            "streaming",
            "--window",
            "tumbling:10m",
            "--aggs",
            "count,sum",
            "--watermark-delay",
            "5m",
            "--allowed-lateness",
            "0s",
            "--watermark-emit",
            "per-event",
            "--emit",
            "out.jsonl",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = std::fs::read_to_string(dir.path().join("out.jsonl")).unwrap();
    let values: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(values.len(), 3);
    assert_eq!(values[0]["type"], "result");
    assert_eq!(values[0]["after_event_id"], 3);
    assert_eq!(values[0]["kind"], "on_time");
    assert_eq!(values[0]["count"], 2);
    assert_eq!(values[0]["sum"], 40.0);
    assert_eq!(values[1]["type"], "dropped");
    assert_eq!(values[1]["id"], 4);
    assert!(
        values[2]["after_event_id"].is_null(),
        "the last window fires at the end of input"
    );
}

#[test]
fn replaying_a_generated_trace_agrees_with_running_the_scenario() {
    let dir = tempfile::tempdir().unwrap();
    // The finite day `generate` writes, measured whole: the scenario's own run would measure
    // it inside continuing traffic.
    let text = std::fs::read_to_string(scenarios_dir().join("mobile_offline_skew.ron")).unwrap();
    let text = text.replacen("Scenario(", "Scenario(\n    measured_period: None,", 1);
    std::fs::write(dir.path().join("whole_day.ron"), text).unwrap();
    let scenario = "whole_day.ron";
    let generate = tidemark(dir.path(), &["generate", scenario, "--out", "trace.csv"]);
    assert_eq!(generate.status.code(), Some(0), "{}", stderr(&generate));
    let replay = tidemark(
        dir.path(),
        &[
            "replay",
            "--trace",
            "trace.csv",
            "--scenario",
            scenario,
            "--emit",
            "out.jsonl",
        ],
    );
    assert_eq!(replay.status.code(), Some(0), "{}", stderr(&replay));
    let lines = std::fs::read_to_string(dir.path().join("out.jsonl")).unwrap();
    let results = lines
        .lines()
        .filter(|l| l.contains(r#""type":"result""#))
        .count();
    let dropped = lines
        .lines()
        .filter(|l| l.contains(r#""type":"dropped""#))
        .count();
    let run = tidemark(dir.path(), &["run", scenario, "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&run)).unwrap();
    let metric = |name: &str| {
        report["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name)
            .unwrap()["value"]
            .as_f64()
            .unwrap()
    };
    assert!(dropped > 0);
    assert_eq!(results as f64, metric("streaming.results"));
    assert_eq!(dropped as f64, metric("streaming.dropped_late"));
}

#[test]
fn replay_refuses_bad_options_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.csv"),
        "id,key,value,event_time,arrival_time\n1,a,1,0,0\n",
    )
    .unwrap();
    let out = tidemark(
        dir.path(),
        &["replay", "--trace", "t.csv", "--window", "sliding:5m,10m"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("slide 10m is larger than its size 5m"),
        "{}",
        stderr(&out)
    );
    let out = tidemark(
        dir.path(),
        &[
            "replay",
            "--trace",
            "missing.csv",
            "--window",
            "tumbling:1m",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing.csv"), "{}", stderr(&out));
}

#[test]
fn a_micro_batch_replay_labels_each_result_with_its_batch() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.csv"),
        "id,key,value,event_time,arrival_time\n1,s1,1,1000,1000\n2,s1,1,19000,12000\n3,s1,1,8000,25000\n4,s1,1,9000,31000\n",
    )
    .unwrap();
    let out = tidemark(
        dir.path(),
        &[
            "replay",
            "--trace",
            "t.csv",
            "--runner",
            "micro-batch",
            "--trigger",
            "10s",
            "--output-mode",
            "append",
            "--watermark-delay",
            "5s",
            "--window",
            "tumbling:10s",
            "--emit",
            "out.jsonl",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = std::fs::read_to_string(dir.path().join("out.jsonl")).unwrap();
    let values: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Batch 2 (at 30 s) emits [0, 10 s) with events 1 and 3; event 4 is too late for batch 3.
    assert_eq!(values[0]["type"], "result");
    assert_eq!(values[0]["batch"], 2);
    assert_eq!(values[0]["count"], 2);
    assert_eq!(values[1]["type"], "dropped");
    assert_eq!(values[1]["id"], 4);
    let refused = tidemark(
        dir.path(),
        &[
            "replay",
            "--trace",
            "t.csv",
            "--runner",
            "micro-batch",
            "--window",
            "session:5s",
            "--output-mode",
            "update",
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("Update output mode not supported for session window"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn the_sql_watermark_formula_drops_what_the_datastream_one_keeps() {
    // Window [0, 10 min), delay 5 min. Event 2 at 14:59.999 sets the watermark to 9:59.998
    // (DataStream: max - delay - 1 ms) or 9:59.999 (SQL: max - delay), the window's last
    // millisecond: only SQL fires it, so event 3 (5 min) is late for SQL alone.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.csv"),
        "id,key,value,event_time,arrival_time\n\
         1,s1,1,0,0\n\
         2,s1,1,899999,900000\n\
         3,s1,1,300000,910000\n",
    )
    .unwrap();
    let dropped = |formula: &str| {
        let out = tidemark(
            dir.path(),
            &[
                "replay",
                "--trace",
                "t.csv",
                "--window",
                "tumbling:10m",
                "--watermark-delay",
                "5m",
                "--watermark-emit",
                "per-event",
                "--watermark-formula",
                formula,
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
            .lines()
            .filter(|l| l.contains(r#""type":"dropped""#))
            .count()
    };
    assert_eq!(dropped("datastream"), 0);
    assert_eq!(dropped("sql"), 1);
}

#[test]
fn a_micro_batch_replay_knows_every_input_stream_from_the_start() {
    // One stream runs 20 minutes behind: with Spark's min policy its silence holds the
    // watermark from the first batch, so the replay drops what `run` drops (nothing), with the
    // scenario or with the streams counted from the trace's `source` column.
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenarios_dir().join("spark_two_streams_min_watermark.ron");
    let scenario = scenario.to_str().unwrap();
    let generate = tidemark(dir.path(), &["generate", scenario, "--out", "trace.csv"]);
    assert_eq!(generate.status.code(), Some(0), "{}", stderr(&generate));
    let run = tidemark(dir.path(), &["run", scenario, "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&run)).unwrap();
    let run_dropped = report["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "micro_batch.dropped_late")
        .unwrap()["value"]
        .as_f64()
        .unwrap();
    let base = ["replay", "--trace", "trace.csv", "--runner", "micro-batch"];
    let with_scenario: Vec<&str> = base
        .iter()
        .copied()
        .chain(["--scenario", scenario])
        .collect();
    let text = std::fs::read_to_string(scenario).unwrap();
    for setting in [
        "Tumbling(size: \"5m\")",
        "ProcessingTime(\"1m\")",
        "watermark_delay: \"1m\"",
    ] {
        assert!(text.contains(setting), "the flags below mirror {setting}");
    }
    let from_trace: Vec<&str> = base
        .iter()
        .copied()
        .chain([
            "--window",
            "tumbling:5m",
            "--watermark-delay",
            "1m",
            "--trigger",
            "1m",
        ])
        .collect();
    for args in [with_scenario, from_trace] {
        let out = tidemark(dir.path(), &args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let dropped = stdout(&out)
            .lines()
            .filter(|l| l.contains(r#""type":"dropped""#))
            .count();
        assert_eq!(dropped as f64, run_dropped, "{args:?}");
    }
}

#[test]
fn a_replay_says_when_it_leaves_the_scenarios_faults_out() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.csv"),
        "id,key,value,event_time,arrival_time\n1,a,1,0,0\n",
    )
    .unwrap();
    let scenario = scenarios_dir().join("crash_exactly_once.ron");
    let out = tidemark(
        dir.path(),
        &[
            "replay",
            "--trace",
            "t.csv",
            "--scenario",
            scenario.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("without the scenario's 1 fault(s)"),
        "{}",
        stderr(&out)
    );
}

/// `tidemark compare`: a replay agrees with itself in any line order and at another clock;
/// a result changed and a drop missing are listed with their files and lines, exit 1.
#[test]
fn compare_finds_agreement_and_lists_differences() {
    let dir = tempfile::tempdir().unwrap();
    let trace = scenarios_dir().join("traces/orders.csv");
    let simulated = dir.path().join("simulated.jsonl");
    let out = tidemark(
        dir.path(),
        &[
            "replay",
            "--trace",
            trace.to_str().unwrap(),
            "--window",
            "tumbling:1h",
            "--watermark-delay",
            "5m",
            "--emit",
            simulated.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&simulated).unwrap();
    assert!(text.contains("\"dropped\""), "the day drops some orders");
    // The engine's clock is not ours, and it writes in its own order.
    let mut engine_lines: Vec<String> = text
        .lines()
        .map(|l| l.replace("\"emit_ms\":17", "\"emit_ms\":99"))
        .collect();
    engine_lines.reverse();
    let engine = dir.path().join("engine.jsonl");
    std::fs::write(&engine, engine_lines.join("\n")).unwrap();
    let same = tidemark(dir.path(), &["compare", "simulated.jsonl", "engine.jsonl"]);
    assert_eq!(same.status.code(), Some(0), "{}", stdout(&same));
    assert!(
        stdout(&same).starts_with("agree: the same "),
        "{}",
        stdout(&same)
    );

    let first_drop = engine_lines
        .iter()
        .position(|l| l.contains("\"dropped\""))
        .unwrap();
    engine_lines.remove(first_drop);
    let first_result = engine_lines
        .iter()
        .position(|l| l.contains("\"result\""))
        .unwrap();
    engine_lines[first_result] = engine_lines[first_result].replace("\"count\":", "\"count\":1");
    std::fs::write(&engine, engine_lines.join("\n")).unwrap();
    let differ = tidemark(dir.path(), &["compare", "simulated.jsonl", "engine.jsonl"]);
    assert_eq!(differ.status.code(), Some(1), "{}", stdout(&differ));
    let report = stdout(&differ);
    assert!(report.starts_with("disagree: 3 of "), "{report}");
    assert_eq!(
        report.matches("only in simulated.jsonl:").count(),
        2,
        "{report}"
    );
    assert_eq!(
        report.matches("only in engine.jsonl:").count(),
        1,
        "{report}"
    );

    std::fs::write(&engine, "{\"type\":\"result\"}\nnot json\n").unwrap();
    let bad = tidemark(dir.path(), &["compare", "simulated.jsonl", "engine.jsonl"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("engine.jsonl:2: not a JSON object"),
        "{}",
        stderr(&bad)
    );
}
