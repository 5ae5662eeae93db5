//! Parameter sweeps, run in parallel with rayon. Each point is its own scenario run with the
//! scenario's seed (over its replications, each figure with its interval), and rayon's
//! `collect` keeps input order, so the result is the same at any thread count.

use rayon::prelude::*;

use crate::compose::scenario::Scenario;
use crate::experiment::run_replicated;
use crate::input::time::Dur;
use crate::measure::catalogue::{Metric, ModelMetric};

/// A setting a sweep varies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parameter {
    /// The streaming and micro-batch watermark delays.
    WatermarkDelay,
    /// The streaming job's allowed lateness.
    AllowedLateness,
    /// The micro-batch trigger interval (or the available-now schedule).
    Trigger,
    /// How long after its period the batch job runs.
    BatchAt,
    /// The streaming job's idleness timeout.
    IdleTimeout,
}

impl Parameter {
    /// Every setting a sweep can vary, with its name.
    pub const ALL: [(&'static str, Parameter); 5] = [
        ("watermark_delay", Parameter::WatermarkDelay),
        ("allowed_lateness", Parameter::AllowedLateness),
        ("trigger", Parameter::Trigger),
        ("batch_at", Parameter::BatchAt),
        ("idle_timeout", Parameter::IdleTimeout),
    ];

    /// A range worth a first look (from, to, step): a class can press Run at once.
    pub fn default_range(self) -> (Dur, Dur, Dur) {
        let m = Dur::from_mins;
        match self {
            Parameter::WatermarkDelay | Parameter::AllowedLateness => (Dur::ZERO, m(30), m(5)),
            Parameter::Trigger => (Dur::from_secs(30), m(10), Dur::from_secs(90)),
            Parameter::BatchAt => (Dur::ZERO, Dur::from_hours(12), Dur::from_hours(2)),
            Parameter::IdleTimeout => (Dur::from_secs(10), m(10), Dur::from_secs(110)),
        }
    }

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, p)| *p == self)
            .map_or("", |(n, _)| n)
    }

    /// Sets it to `value` in `scenario`; false when the scenario has no model it applies to.
    pub fn apply(self, scenario: &mut Scenario, value: Dur) -> bool {
        use crate::runner::micro_batch::Trigger;
        let mut applied = false;
        match self {
            Parameter::WatermarkDelay => {
                if let Some(s) = &mut scenario.streaming {
                    s.watermark_delay = value;
                    applied = true;
                }
                if let Some(m) = &mut scenario.micro_batch {
                    m.watermark_delay = value;
                    applied = true;
                }
            }
            Parameter::AllowedLateness => {
                if let Some(s) = &mut scenario.streaming {
                    s.allowed_lateness = value;
                    applied = true;
                }
            }
            Parameter::IdleTimeout => {
                if let Some(s) = &mut scenario.streaming {
                    s.idle_timeout = Some(value);
                    applied = true;
                }
            }
            Parameter::Trigger => {
                if let Some(m) = &mut scenario.micro_batch {
                    m.trigger = match m.trigger {
                        Trigger::ProcessingTime(_) => Trigger::ProcessingTime(value),
                        Trigger::AvailableNow { .. } => Trigger::AvailableNow { every: value },
                    };
                    applied = true;
                }
            }
            Parameter::BatchAt => {
                if let Some(b) = &mut scenario.batch {
                    b.at = value;
                    applied = true;
                }
            }
        }
        applied
    }
}

/// One `--vary name=values`: the setting and the values it takes.
#[derive(Clone, Debug, PartialEq)]
pub struct Vary {
    /// The setting.
    pub parameter: Parameter,
    /// Its values, in order.
    pub values: Vec<Dur>,
}

/// The most points one `--vary` may produce.
const MAX_VALUES: usize = 1_000;

/// The most points a grid (the product of the values) may have: each is a whole run.
const MAX_POINTS: usize = 10_000;

impl std::str::FromStr for Vary {
    type Err = String;

    /// `name=FROM..TO/STEP` (TO included) or `name=A,B,C`.
    fn from_str(text: &str) -> Result<Self, String> {
        let (name, values) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}`: write NAME=FROM..TO/STEP or NAME=A,B,C"))?;
        let parameter = Parameter::ALL
            .iter()
            .find(|(n, _)| *n == name.trim())
            .map(|(_, p)| *p)
            .ok_or_else(|| {
                let names: Vec<_> = Parameter::ALL.iter().map(|(n, _)| *n).collect();
                format!("unknown setting `{name}`; known: {}", names.join(", "))
            })?;
        let parse = |d: &str| Dur::parse(d.trim()).map_err(|e| format!("`{d}`: {e}"));
        let values = if let Some((range, step)) = values.split_once('/') {
            let (from, to) = range
                .split_once("..")
                .ok_or_else(|| format!("`{values}`: a range is FROM..TO/STEP, e.g. 0s..60m/5m"))?;
            let (from, to, step) = (parse(from)?, parse(to)?, parse(step)?);
            if step <= Dur::ZERO || to < from {
                return Err(format!(
                    "`{values}`: the step must be positive and FROM <= TO"
                ));
            }
            let count = ((to.as_ms() - from.as_ms()) / step.as_ms()) as usize + 1;
            if count > MAX_VALUES {
                return Err(format!(
                    "`{values}` has {count} values; at most {MAX_VALUES}"
                ));
            }
            (0..count)
                .map(|i| from + Dur(step.as_ms() * i as i64))
                .collect()
        } else {
            values
                .split(',')
                .map(parse)
                .collect::<Result<Vec<_>, _>>()?
        };
        if values.iter().any(|v| *v < Dur::ZERO) {
            return Err(format!("`{text}`: values must not be negative"));
        }
        Ok(Vary { parameter, values })
    }
}

/// One point of a sweep: the values of each varied setting, and the run's report.
#[derive(Clone, Debug, PartialEq)]
pub struct GridPoint {
    /// One value per `Vary`, in the order given.
    pub values: Vec<Dur>,
    /// The run's report.
    pub report: crate::measure::report::Report,
}

/// Every combination of the values of `vary`, each run as its own scenario in parallel;
/// `done` hears each finished point. Errors name a setting no model of the scenario has.
pub fn run_grid(
    scenario: &Scenario,
    vary: &[Vary],
    done: &(dyn Fn() + Sync),
) -> Result<Vec<GridPoint>, String> {
    Ok(plan_grid(scenario, vary)?
        .into_par_iter()
        .map(|(values, point)| {
            let report = run_point(&point);
            done();
            GridPoint { values, report }
        })
        .collect())
}

/// One point's report: the scenario with its values set, over its replications.
pub fn run_point(point: &Scenario) -> crate::measure::report::Report {
    run_replicated(point, &|_| {}).report
}

/// Every combination of the values of `vary`, in the order the sweep reports them, each
/// with its scenario (expectations left out: a point is not a test).
pub fn plan_grid(scenario: &Scenario, vary: &[Vary]) -> Result<Vec<(Vec<Dur>, Scenario)>, String> {
    let points: f64 = vary.iter().map(|v| v.values.len() as f64).product();
    if points > MAX_POINTS as f64 {
        let sizes: Vec<String> = vary.iter().map(|v| v.values.len().to_string()).collect();
        return Err(format!(
            "the grid has {} = {points} points; at most {MAX_POINTS}: vary fewer settings or use coarser steps",
            sizes.join(" × ")
        ));
    }
    let mut grid: Vec<Vec<Dur>> = vec![Vec::new()];
    for v in vary {
        grid = grid
            .into_iter()
            .flat_map(|point| {
                v.values.iter().map(move |&value| {
                    let mut next = point.clone();
                    next.push(value);
                    next
                })
            })
            .collect();
    }
    let mut points = Vec::with_capacity(grid.len());
    for values in grid {
        let mut point = scenario.clone();
        point.expect.clear();
        for (v, &value) in vary.iter().zip(&values) {
            if !v.parameter.apply(&mut point, value) {
                return Err(format!(
                    "{} has no model with `{}`",
                    scenario.name,
                    v.parameter.name()
                ));
            }
        }
        if let Some(problem) = point.problems().first() {
            return Err(format!(
                "at {}: {}: {}",
                describe(vary, &values),
                problem.path,
                problem.message
            ));
        }
        points.push((values, point));
    }
    Ok(points)
}

/// `watermark_delay=5m, trigger=1m`.
pub fn describe(vary: &[Vary], values: &[Dur]) -> String {
    vary.iter()
        .zip(values)
        .map(|(v, d)| format!("{}={d}", v.parameter.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The figures a sweep shows per model.
pub const SWEEP_METRICS: [ModelMetric; 8] = [
    ModelMetric::DroppedLateShare,
    ModelMetric::CorrectShare,
    ModelMetric::ResultDelayP50,
    ModelMetric::FinalDelayP50,
    ModelMetric::EventLatencyP99,
    ModelMetric::LateFirings,
    ModelMetric::StatePeak,
    ModelMetric::CostPerYear,
];

/// True when the sweep's points are over several replications.
fn replicated(points: &[GridPoint]) -> bool {
    points.first().is_some_and(|p| p.report.replications > 1)
}

/// The sweep as CSV: a row per point and model; over replications each figure is the mean,
/// followed by the half-width of its 95 % interval (`<metric>_ci95`).
pub fn grid_csv(vary: &[Vary], points: &[GridPoint]) -> String {
    let replicated = replicated(points);
    let mut out = vary
        .iter()
        .map(|v| format!("{}_ms", v.parameter.name()))
        .chain(["model".to_owned()])
        .chain(SWEEP_METRICS.iter().flat_map(|m| {
            let ci = replicated.then(|| format!("{}_ci95", m.name()));
            std::iter::once(m.name().to_owned()).chain(ci)
        }))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    let raw = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    for p in points {
        for model in p.report.models() {
            let mut row: Vec<String> = p.values.iter().map(|d| d.as_ms().to_string()).collect();
            row.push(model.name().to_owned());
            row.extend(SWEEP_METRICS.iter().flat_map(|&m| {
                let metric = Metric::Model(model, m);
                let ci =
                    replicated.then(|| raw(p.report.spread(metric).and_then(|s| s.half_width)));
                std::iter::once(raw(p.report.get(metric))).chain(ci)
            }));
            out.push_str(&row.join(","));
            out.push('\n');
        }
    }
    out
}

/// The sweep as an aligned table for people.
pub fn grid_table(vary: &[Vary], points: &[GridPoint]) -> String {
    use crate::measure::report::display_spread;
    // Over replications a cell holds `mean ± half-width`.
    let width = if replicated(points) { 24 } else { 18 };
    let mut out = format!("{:<36} {:<18}", "point", "model");
    for m in SWEEP_METRICS {
        out.push_str(&format!(" {:>width$}", m.name()));
    }
    out.push('\n');
    for p in points {
        for model in p.report.models() {
            out.push_str(&format!("{:<36} {model:<18}", describe(vary, &p.values)));
            for m in SWEEP_METRICS {
                let metric = Metric::Model(model, m);
                let shown = display_spread(p.report.get(metric), p.report.spread(metric), m.unit());
                out.push_str(&format!(" {shown:>width$}"));
            }
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::catalogue::Model;

    #[test]
    fn a_longer_watermark_drops_less_and_waits_longer_at_any_thread_count() {
        let scenario = Scenario::default_scenario();
        let vary: Vary = "watermark_delay=0s,10m,2h".parse().unwrap();
        let grid = || run_grid(&scenario, std::slice::from_ref(&vary), &|| {}).unwrap();
        let points = grid();
        let get = |i: usize, m| points[i].report.model(Model::Streaming, m).unwrap();
        let dropped = |i| get(i, ModelMetric::DroppedLateShare);
        assert!(dropped(0) > dropped(1) && dropped(1) >= dropped(2));
        let delay = |i| get(i, ModelMetric::ResultDelayP50);
        assert!(delay(0) < delay(2));
        let one_thread = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        assert_eq!(points, one_thread.install(grid));
    }
}
