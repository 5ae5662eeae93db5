//! `replay`: a recorded trace through one runner, every result and drop as JSON Lines.

use super::*;

pub(super) fn replay(args: &ReplayArgs) -> Result<(), Failure> {
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
    let epoch = args.epoch.or_else(|| {
        let trace = scenario.as_ref()?.workload.trace.as_ref()?;
        trace.epoch
    });
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
            replay_streaming(&args.trace, epoch, &query, &spec, out)
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
            replay_micro_batch(&args.trace, epoch, &query, &spec, streams, out)
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
pub(super) fn refuse_replay(problems: Problems) -> Result<(), Failure> {
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
