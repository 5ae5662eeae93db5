//! A sweep run elsewhere, a point at a time (on a Spark cluster, say). `--plan` writes each
//! point as a line of JSON holding its values and its whole scenario, so that a worker needs
//! the binary alone; `--point` runs such lines and writes each report as a line; `--merge`
//! reads those back into the very grid a local sweep computes, after checking that they are
//! this plan's, every point once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::sweep::{GridPoint, Vary, plan_grid, run_point};
use crate::compose::scenario::Scenario;
use crate::input::time::Dur;
use crate::measure::report::Report;

/// One line of a plan: a point to run.
#[derive(Debug, Deserialize, Serialize)]
pub struct PlannedPoint {
    /// The plan it belongs to (see [`plan_id`]).
    pub plan: String,
    /// Its place in the sweep's order, from 0, of `points`.
    pub point: usize,
    pub points: usize,
    /// The value of each varied setting, in milliseconds, in `--vary` order.
    pub values_ms: Vec<i64>,
    /// The point's scenario as RON (its settings applied, a trace's path made absolute).
    pub scenario: String,
}

/// One line a worker writes: a point's report.
#[derive(Debug, Deserialize, Serialize)]
pub struct PointResult {
    pub plan: String,
    pub point: usize,
    pub values_ms: Vec<i64>,
    pub report: Report,
}

/// The plan as JSON Lines, one point per line, in the sweep's order.
pub fn plan(scenario: &Scenario, vary: &[Vary]) -> Result<String, String> {
    let planned = planned_points(scenario, vary)?;
    Ok(planned
        .iter()
        .map(|p| serde_json::to_string(p).expect("a plan line serializes") + "\n")
        .collect())
}

fn planned_points(scenario: &Scenario, vary: &[Vary]) -> Result<Vec<PlannedPoint>, String> {
    let grid = plan_grid(scenario, vary)?;
    let points = grid.len();
    let mut texts = Vec::with_capacity(points);
    for (values, mut point) in grid {
        if let Some(trace) = &mut point.workload.trace
            && let Some(crate::input::workload::recorded::TraceOrigin::File(file)) =
                trace.found.as_ref().map(|found| &found.origin)
        {
            // A worker reads the trace where this machine does: a shared folder on a cluster.
            trace.path = std::path::absolute(file).unwrap_or_else(|_| file.clone());
        }
        let text = ron::ser::to_string(&point).map_err(|e| format!("cannot write a point: {e}"))?;
        texts.push((values.iter().map(|d| d.as_ms()).collect::<Vec<_>>(), text));
    }
    let id = plan_id(&texts);
    Ok(texts
        .into_iter()
        .enumerate()
        .map(|(point, (values_ms, scenario))| PlannedPoint {
            plan: id.clone(),
            point,
            points,
            values_ms,
            scenario,
        })
        .collect())
}

/// What tells two plans apart: FNV-1a (64 bits) over every point's values and scenario, in
/// hex. Results of an edited scenario or another grid so never merge into this one.
fn plan_id(points: &[(Vec<i64>, String)]) -> String {
    let mut hash: u64 = 0xCBF2_9CE4_8422_2325;
    for (values, scenario) in points {
        let bytes = values.iter().flat_map(|v| v.to_le_bytes());
        for byte in bytes.chain(scenario.bytes()).chain([0xFF]) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3);
        }
    }
    format!("{hash:016x}")
}

/// Runs one plan line and gives the result line (without its newline).
pub fn run_planned(line: &str) -> Result<String, String> {
    let planned: PlannedPoint =
        serde_json::from_str(line).map_err(|e| format!("not a line of a sweep plan: {e}"))?;
    let scenario = Scenario::from_ron(&planned.scenario, &format!("point {}", planned.point))
        .map_err(|e| e.to_string())?;
    let result = PointResult {
        plan: planned.plan,
        point: planned.point,
        values_ms: planned.values_ms,
        report: run_point(&scenario),
    };
    Ok(serde_json::to_string(&result).expect("a report serializes"))
}

/// The grid from the result lines of this scenario's and `vary`'s plan, in the sweep's
/// order; refused, with what to do, when a line is not of this plan, a point is missing or
/// a point came back twice with different figures.
pub fn merge(scenario: &Scenario, vary: &[Vary], results: &str) -> Result<Vec<GridPoint>, String> {
    let planned = planned_points(scenario, vary)?;
    let id = planned.first().map_or_else(String::new, |p| p.plan.clone());
    let mut found: BTreeMap<usize, Report> = BTreeMap::new();
    for (n, line) in results.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("results line {}", n + 1);
        let result: PointResult =
            serde_json::from_str(line).map_err(|e| format!("{at}: not a point's result: {e}"))?;
        let Some(expected) = planned.get(result.point) else {
            return Err(format!(
                "{at}: point {} is not in this sweep of {} points",
                result.point,
                planned.len()
            ));
        };
        if result.plan != id || result.values_ms != expected.values_ms {
            return Err(format!(
                "{at}: the result of another plan ({}, this one is {id}): plan again with \
                 this scenario and --vary, and run that plan",
                result.plan
            ));
        }
        // A task Spark ran twice (a speculative copy) gives the same report: keep one.
        if let Some(earlier) = found.insert(result.point, result.report)
            && Some(&earlier) != found.get(&result.point)
        {
            return Err(format!(
                "{at}: point {} came back twice with different figures",
                result.point
            ));
        }
    }
    let missing: Vec<String> = (0..planned.len())
        .filter(|p| !found.contains_key(p))
        .map(|p| p.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{} of {} points have no result (points {}): run their plan lines again and add \
             the results",
            missing.len(),
            planned.len(),
            missing.join(", ")
        ));
    }
    Ok(planned
        .into_iter()
        .zip(found.into_values())
        .map(|(p, report)| GridPoint {
            values: p.values_ms.into_iter().map(Dur).collect(),
            report,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::sweep::run_grid;

    fn small() -> (Scenario, Vec<Vary>) {
        let mut scenario = Scenario::default_scenario();
        scenario.replications = 2;
        (scenario, vec!["watermark_delay=0s,10m".parse().unwrap()])
    }

    #[test]
    fn points_run_from_the_plan_merge_into_the_local_sweep_in_any_order() {
        let (scenario, vary) = small();
        let plan = plan(&scenario, &vary).unwrap();
        let mut results: Vec<String> = plan.lines().map(|l| run_planned(l).unwrap()).collect();
        results.reverse();
        results.push(results[0].clone()); // a speculative copy
        let merged = merge(&scenario, &vary, &results.join("\n")).unwrap();
        assert_eq!(merged, run_grid(&scenario, &vary, &|| {}).unwrap());
    }

    #[test]
    fn results_of_another_plan_or_with_points_missing_are_refused() {
        let (scenario, vary) = small();
        let plan = plan(&scenario, &vary).unwrap();
        let first = run_planned(plan.lines().next().unwrap()).unwrap();
        let missing = merge(&scenario, &vary, &first).unwrap_err();
        assert!(missing.contains("points 1"), "{missing}");
        let mut other = scenario.clone();
        other.seed += 1;
        let foreign = merge(&other, &vary, &first).unwrap_err();
        assert!(foreign.contains("results line 1") && foreign.contains("another plan"));
        let garbled = merge(&scenario, &vary, "{\"plan\": 3}").unwrap_err();
        assert!(
            garbled.starts_with("results line 1: not a point's result"),
            "{garbled}"
        );
    }

    #[test]
    fn every_shipped_scenario_reads_back_from_its_plan_line_unchanged() {
        for entry in std::fs::read_dir("scenarios").unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "ron") {
                continue;
            }
            let mut scenario = Scenario::from_file(&path).unwrap();
            let planned = planned_points(&scenario, &[]).unwrap();
            let mut back = Scenario::from_ron(&planned[0].scenario, "plan line").unwrap();
            // The same events: a trace read from its absolute path finds what it found.
            if let (Some(ours), Some(theirs)) = (&scenario.workload.trace, &mut back.workload.trace)
            {
                let read = |t: &crate::input::workload::recorded::RecordedTrace| {
                    let found = t.found.clone().expect("read");
                    (found.rows, found.keys, found.first_event, found.last_event)
                };
                assert_eq!(read(ours), read(theirs), "{}", path.display());
                theirs.path = ours.path.clone();
            }
            scenario.expect.clear();
            assert_eq!(back, scenario, "{}", path.display());
        }
    }
}
