//! The compare view: the models' summary side by side, why results are wrong, and the time
//! plots with what happened when.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{Bar, BarChart, FilledArea, Legend, Plot, PlotPoints};

use super::TidemarkApp;
use super::plots::*;
use crate::compose::run::RunOutput;
use crate::input::time::{Dur, Ts};
use crate::measure::catalogue::{Metric, Model, ModelMetric};
use crate::measure::interval::Spread;
use crate::measure::report::human_duration;

/// Figures shown in the summary table, with the app's shorter labels.
const SUMMARY: &[(&str, ModelMetric)] = &[
    ("event -> visible, median", ModelMetric::EventLatencyP50),
    ("event -> visible, p99", ModelMetric::EventLatencyP99),
    ("window end -> first result", ModelMetric::ResultDelayP50),
    ("window end -> correct final", ModelMetric::FinalDelayP50),
    ("correct at the end", ModelMetric::CorrectShare),
    (
        "  wrong: dropped or unread events",
        ModelMetric::WrongByDrops,
    ),
    (
        "  wrong: a retry counted again",
        ModelMetric::WrongByRetries,
    ),
    (
        "  wrong: late firings appended",
        ModelMetric::WrongByAppendedFirings,
    ),
    ("  wrong: a fault", ModelMetric::WrongByFaults),
    ("  wrong: no single cause", ModelMetric::WrongByOther),
    ("  never served", ModelMetric::MissingCells),
    ("dropped late", ModelMetric::DroppedLate),
    ("value dropped", ModelMetric::DroppedLateValue),
    ("events in final results", ModelMetric::CountedEvents),
    ("held, never emitted", ModelMetric::PendingEvents),
    ("state peak", ModelMetric::StatePeak),
    ("consumer lag peak", ModelMetric::BacklogPeak),
    ("cost a year", ModelMetric::CostPerYear),
    // Shown only when some model has them: faults and architectures.
    ("lost to faults", ModelMetric::FaultLostEvents),
    (
        "counted beyond fault-free",
        ModelMetric::FaultDuplicatedEvents,
    ),
    ("fault -> caught up", ModelMetric::FaultRecoveryTime),
    ("results the batch changed", ModelMetric::LayerDisagreements),
    ("replay caught up after", ModelMetric::CatchUpTime),
    ("lost to retention", ModelMetric::LostToRetention),
];

/// A summary figure as shown: a result that came before its window ended (update mode emits
/// as rows change) reads as early, not as a negative delay.
/// Over replications the value is their mean, followed by `± half-width` of its 95 %
/// interval when it varied.
fn summary_value(metric: ModelMetric, value: Option<f64>, spread: Option<&Spread>) -> String {
    let early = matches!(
        metric,
        ModelMetric::ResultDelayP50 | ModelMetric::ResultDelayP99 | ModelMetric::ResultDelayMax
    );
    let shown = match value {
        Some(ms) if early && ms < 0.0 => {
            format!("{} before the end", human_duration(Dur(-ms as i64)))
        }
        _ => app_value(value, metric.unit()),
    };
    match spread.filter(|s| s.varied()).and_then(|s| s.half_width) {
        Some(h) => format!(
            "{shown} ± {}",
            app_value(Some(h), metric.unit().of_difference())
        ),
        None => shown,
    }
}

/// The models side by side: a summary table and the plots.
pub fn compare(app: &mut TidemarkApp, ui: &mut egui::Ui) {
    let Some(finished) = app.finished.clone() else {
        ui.label("Running the scenario…");
        return;
    };
    let output = &finished.output;
    let models: Vec<Model> = output.models.iter().map(|m| m.name).collect();
    let replications = output.report.replications;
    if let Some(reason) = app.stale_reason() {
        egui::Frame::group(ui.style())
            .fill(ui.visuals().warn_fg_color.gamma_multiply(0.15))
            .show(ui, |ui| {
                ui.colored_label(ui.visuals().warn_fg_color, format!("stale - {reason}"));
            });
    }
    egui::ScrollArea::vertical().show(ui, |ui| {
        if replications > 1 {
            ui.label(format!(
                "{replications} replications: each figure their mean ± its 95% interval (alone: the same in each); the bands span them"
            ))
            .on_hover_text("independent runs of the workload on seeds derived from the scenario's; `replications` in the panel");
        }
        egui::Grid::new("summary").striped(true).show(ui, |ui| {
            ui.strong("");
            for m in &models {
                ui.label(RichText::new(m.name()).color(colour(*m)).strong())
                    .on_hover_text(m.description());
            }
            ui.end_row();
            for &(label, metric) in SUMMARY {
                let values: Vec<_> = models
                    .iter()
                    .map(|&m| output.report.model(m, metric))
                    .collect();
                if values.iter().all(Option::is_none) {
                    continue;
                }
                ui.label(label).on_hover_text(format!(
                    "{} (<model>.{})",
                    metric.label(),
                    metric.name()
                ));
                for (&m, value) in models.iter().zip(values) {
                    let spread = output.report.spread(Metric::Model(m, metric));
                    ui.label(summary_value(metric, value, spread));
                }
                ui.end_row();
            }
        });
        why_not_all_correct(ui, output, &models);
        ui.separator();
        model_key(app, ui, &models);
        let shown: Vec<&crate::compose::models::Outcome> = (output.models.iter())
            .filter(|m| !app.hidden_models.contains(&m.name))
            .collect();
        let marks = timeline(&finished);
        let half = (ui.available_width() / 2.0 - 8.0).max(200.0);
        ui.horizontal(|ui| {
            ui.vertical(|ui| {
                ui.set_width(half);
                ui.strong("Event time -> visible (share of events, log time)");
                // log10 of milliseconds: seconds and days on one axis.
                let duration_at = |x: f64| human_duration(Dur(10f64.powf(x).round() as i64));
                Plot::new("latency")
                    // The wheel scrolls the page, not the plot (drag pans, ctrl+wheel zooms).
                    .allow_scroll(false)
                    .height(220.0)
                    .x_axis_label("event time -> visible")
                    // The marks stand about a unit apart; egui_plot fades the labels of marks
                    // whose step looks narrow (a range from 1 ms to a day), so say 2.
                    .x_grid_spacer(marks_at(LOG_DURATIONS, 2.0))
                    .x_axis_formatter(|mark, range| {
                        log_duration_name(mark.value, range.end() - range.start()).to_owned()
                    })
                    .y_grid_spacer(marks_at(QUARTERS, 0.25))
                    .y_axis_formatter(|mark, _| percent(mark.value))
                    .include_y(0.0)
                    .include_y(1.0)
                    .label_formatter(near_a_line(move |name, point| {
                        format!(
                            "{name}\n{} of events visible within {}",
                            percent(point.y),
                            duration_at(point.x)
                        )
                    }))
                    .show(ui, |plot| {
                        draw_bands(plot, &finished.bands.latency, output, &shown);
                        for m in &shown {
                            let h = &m.stats.event_latency_ms;
                            // Visible before it happened (a clock ahead): drawn at 1 ms.
                            let points: PlotPoints = (0..=100)
                                .filter_map(|i| {
                                    let q = i as f64 / 100.0;
                                    h.quantile(q).map(|ms| [(ms.max(1) as f64).log10(), q])
                                })
                                .collect();
                            plot.line(model_line(m.name, points));
                        }
                    });
            });
            ui.vertical(|ui| {
                ui.set_width(half);
                ui.strong("Ended windows served correctly, over processing time");
                Plot::new("correctness")
                    .allow_scroll(false)
                    .height(220.0)
                    .x_axis_label("hours")
                    .y_grid_spacer(marks_at(QUARTERS, 0.25))
                    .y_axis_formatter(|mark, _| percent(mark.value))
                    .include_y(0.0)
                    .include_y(1.0)
                    .label_formatter(near_a_line(|name, point| {
                        format!("{name}\nat {:.1} h: {} correct", point.x, percent(point.y))
                    }))
                    .link_axis(egui::Id::unique("processing time"), [true, false])
                    .show(ui, |plot| {
                        draw_timeline(plot, &marks, output, 1.0);
                        draw_bands(plot, &finished.bands.correctness, output, &shown);
                        for (m, points) in output.models.iter().zip(&finished.correctness) {
                            if shown.iter().any(|s| s.name == m.name) {
                                plot.line(model_line(m.name, PlotPoints::from(points.clone())));
                            }
                        }
                    });
            });
        });
        ui.horizontal(|ui| {
            ui.vertical(|ui| {
                ui.set_width(half);
                ui.strong("State (open window x key) over processing time");
                Plot::new("state")
                    .allow_scroll(false)
                    .height(180.0)
                    .y_grid_spacer(round_marks)
                    .y_axis_formatter(|mark, _| whole(mark.value))
                    .x_axis_label("hours")
                    .label_formatter(near_a_line(|name, point| {
                        format!("{name}\nat {:.1} h: {:.0} states", point.x, point.y)
                    }))
                    .link_axis(egui::Id::unique("processing time"), [true, false])
                    .show(ui, |plot| {
                        let peak = shown.iter().map(|m| m.stats.state_peak).max();
                        draw_timeline(plot, &marks, output, peak.unwrap_or(1) as f64);
                        for m in &shown {
                            let points: PlotPoints = m
                                .stats
                                .samples
                                .iter()
                                .map(|s| [hours(s.time, output), s.state_cells as f64])
                                .collect();
                            plot.line(model_line(m.name, points));
                        }
                    });
            });
            ui.vertical(|ui| {
                ui.set_width(half);
                ui.strong("Dropped late, and cost a year ($)");
                model_bars(ui, "dropped late", output, ModelMetric::DroppedLate);
                // Each bar's value over it: $166 beside $35,040 still reads.
                if !model_bars(ui, "cost a year", output, ModelMetric::CostPerYear) {
                    ui.label("cost: this scenario has no prices");
                }
            });
        });
    });
}

/// One bar per model that has `metric` (over replications: its mean, with its 95 % interval
/// as an error bar), in the model's slot and colour, its name under it and its value over
/// it; false (nothing drawn) when no model has one.
fn model_bars(ui: &mut egui::Ui, title: &str, output: &RunOutput, metric: ModelMetric) -> bool {
    let unit = metric.unit();
    let report = &output.report;
    let ink = ui.visuals().text_color();
    let bars: Vec<Bar> = (output.models.iter().enumerate())
        .filter_map(|(i, m)| {
            let bar = Bar::new(i as f64, report.model(m.name, metric)?);
            Some(bar.name(m.name.name()).fill(colour(m.name)))
        })
        .collect();
    let errors: Vec<(f64, f64, f64)> = (output.models.iter().enumerate())
        .filter_map(|(i, m)| {
            let spread = report.spread(Metric::Model(m.name, metric))?;
            Some((i as f64, spread.lower()?, spread.upper()?))
        })
        .filter(|(_, low, high)| high > low)
        .collect();
    let tops: Vec<f64> = (bars.iter())
        .map(|bar| {
            let error = errors.iter().find(|(x, _, _)| *x == bar.argument);
            error.map_or(bar.value, |&(_, _, high)| high.max(bar.value))
        })
        .collect();
    let tallest = tops.iter().copied().fold(0.0, f64::max);
    if bars.is_empty() {
        return false;
    }
    // One bar or seven: each keeps its width, with room on both sides.
    let slots = output.models.len() as f64;
    Plot::new(title)
        .allow_scroll(false)
        .height(85.0)
        .include_x(-0.75)
        .include_x(slots - 0.25)
        // Values over the bars, names under them: no axes to squeeze.
        .show_axes([false, false])
        .include_y(-tallest * 0.5)
        .include_y(tallest * 1.4)
        .show(ui, |plot| {
            label_bars(plot, &bars, &tops, unit);
            plot.bar_chart(BarChart::new(title, bars));
            for (x, low, high) in errors {
                // The interval, with short caps at its ends.
                let segments = [
                    [[x, low], [x, high]],
                    [[x - 0.08, low], [x + 0.08, low]],
                    [[x - 0.08, high], [x + 0.08, high]],
                ];
                for points in segments {
                    let line = egui_plot::Line::new(
                        format!("{title} 95% interval"),
                        PlotPoints::from(points.to_vec()),
                    );
                    plot.line(line.color(ink).width(1.5).allow_hover(false));
                }
            }
        });
    true
}

/// Per model, the band a plotted curve spans over the replications: its lowest and highest
/// value at each x.
#[derive(Clone, Debug, Default)]
pub struct Band {
    /// Where the band is measured.
    pub xs: Vec<f64>,
    /// The lowest replication's value at each x.
    pub low: Vec<f64>,
    /// The highest replication's value at each x.
    pub high: Vec<f64>,
}

/// The bands of the compare view's curves, per model in `output.models` order; none from
/// one replication.
#[derive(Clone, Debug, Default)]
pub struct Bands {
    /// The latency distribution: x log10 of milliseconds, y the share of events visible.
    pub latency: Vec<Band>,
    /// Ended windows served correctly: x hours, y the share.
    pub correctness: Vec<Band>,
}

impl Bands {
    /// The bands `first` and `others` (replications of one scenario) span, computed once per
    /// run.
    pub fn of(first: &RunOutput, others: &[RunOutput]) -> Bands {
        if others.is_empty() {
            return Bands::default();
        }
        let runs: Vec<&RunOutput> = std::iter::once(first).chain(others).collect();
        let latency = (0..first.models.len())
            .map(|i| latency_band(runs.iter().map(|r| &r.models[i].stats.event_latency_ms)))
            .collect();
        let correctness =
            match crate::render::charts::correctness_series(&first.models, &first.truth, 80) {
                Some(series) => (0..first.models.len())
                    .map(|i| {
                        let shares: Vec<Vec<Option<f64>>> = (runs.iter())
                            .map(|r| {
                                r.models[i]
                                    .stats
                                    .table
                                    .correct_shares_at(&r.truth, &series.times)
                            })
                            .collect();
                        let mut band = Band::default();
                        for (j, &t) in series.times.iter().enumerate() {
                            let at_t = shares.iter().filter_map(|s| s[j]);
                            let (low, high) = at_t
                                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                                    (l.min(v), h.max(v))
                                });
                            if low <= high {
                                band.xs.push(hours(t, first));
                                band.low.push(low);
                                band.high.push(high);
                            }
                        }
                        band
                    })
                    .collect(),
                None => Vec::new(),
            };
        Bands {
            latency,
            correctness,
        }
    }
}

/// The band the replications' latency distributions span: at each of 80 latencies (log10 ms,
/// from the shortest to the longest any had) the least and the most share of events visible
/// within it.
fn latency_band<'a>(
    histograms: impl Iterator<Item = &'a crate::measure::metrics::SignedHistogram>,
) -> Band {
    // Each distribution as the plotted curve: (log10 ms, share) at every hundredth.
    let curves: Vec<Vec<(f64, f64)>> = histograms
        .map(|h| {
            (0..=100)
                .filter_map(|i| {
                    let q = f64::from(i) / 100.0;
                    h.quantile(q).map(|ms| ((ms.max(1) as f64).log10(), q))
                })
                .collect()
        })
        .collect();
    let all = curves.iter().flatten().map(|&(x, _)| x);
    let (from, to) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| {
        (l.min(x), h.max(x))
    });
    let mut band = Band::default();
    if !(from < to) {
        return band;
    }
    for i in 0..=80 {
        let x = from + (to - from) * f64::from(i) / 80.0;
        // A curve's share at x: the largest share whose latency is within x.
        let shares = curves.iter().map(|c| {
            c.iter()
                .take_while(|&&(cx, _)| cx <= x)
                .last()
                .map_or(0.0, |&(_, q)| q)
        });
        let (low, high) = shares.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
        band.xs.push(x);
        band.low.push(low);
        band.high.push(high);
    }
    band
}

/// The bands of the models shown, under their lines, in each model's colour made faint.
fn draw_bands(
    plot: &mut egui_plot::PlotUi<'_>,
    bands: &[Band],
    output: &RunOutput,
    shown: &[&crate::compose::models::Outcome],
) {
    for (m, band) in output.models.iter().zip(bands) {
        if band.xs.is_empty() || !shown.iter().any(|s| s.name == m.name) {
            continue;
        }
        let area = FilledArea::new(
            format!("{} band", m.name.name()),
            &band.xs,
            &band.low,
            &band.high,
        );
        plot.add(area.fill_color(colour(m.name).gamma_multiply(0.25)));
    }
}

/// The models shown in the plots: each name toggles its model (a click isolates what is left).
fn model_key(app: &mut TidemarkApp, ui: &mut egui::Ui, models: &[Model]) {
    ui.horizontal_wrapped(|ui| {
        ui.label("show:");
        for &m in models {
            let shown = !app.hidden_models.contains(&m);
            let text = RichText::new(m.name()).color(if shown {
                colour(m)
            } else {
                ui.visuals().weak_text_color()
            });
            if ui
                .selectable_label(shown, text)
                .on_hover_text("click to hide or show it in the plots below")
                .clicked()
                && !app.hidden_models.remove(&m)
            {
                app.hidden_models.insert(m);
            }
        }
    });
}

/// "Why not 100 %": each model's wrong and missing results, stacked by cause.
fn why_not_all_correct(
    ui: &mut egui::Ui,
    output: &crate::compose::run::RunOutput,
    models: &[Model],
) {
    let causes = [
        (
            ModelMetric::WrongByDrops,
            "dropped or unread events",
            DROPPED,
        ),
        (
            ModelMetric::WrongByRetries,
            "a retry counted again",
            Color32::from_rgb(150, 90, 220),
        ),
        (
            ModelMetric::WrongByAppendedFirings,
            "late firings appended",
            LATE_KEPT,
        ),
        (
            ModelMetric::WrongByFaults,
            "a fault",
            Color32::from_rgb(120, 120, 120),
        ),
        (
            ModelMetric::WrongByOther,
            "no single cause",
            Color32::from_rgb(90, 160, 200),
        ),
        (
            ModelMetric::MissingCells,
            "never served",
            Color32::from_rgb(200, 200, 90),
        ),
    ];
    let value = |m: Model, metric| output.report.model(m, metric).unwrap_or(0.0);
    let any_wrong = models
        .iter()
        .any(|&m| causes.iter().any(|&(metric, _, _)| value(m, metric) > 0.0));
    if !any_wrong {
        return;
    }
    let widest = (models.iter())
        .map(|&m| {
            causes
                .iter()
                .map(|&(metric, _, _)| value(m, metric))
                .sum::<f64>()
        })
        .fold(0.0, f64::max);
    ui.separator();
    ui.strong("Why not 100 %: results wrong or never served, by cause");
    let names: Vec<&'static str> = models.iter().map(|m| m.name()).collect();
    let mut charts: Vec<BarChart> = Vec::new();
    // Causes no model has stay out of the picture and its legend.
    let present = causes
        .into_iter()
        .filter(|&(metric, _, _)| models.iter().any(|&m| value(m, metric) > 0.0));
    for (metric, name, colour) in present {
        let bars: Vec<Bar> = (models.iter().enumerate())
            .map(|(i, &m)| {
                Bar::new(i as f64, value(m, metric))
                    .name(names[i])
                    .fill(colour.gamma_multiply(0.8))
            })
            .collect();
        let chart = BarChart::new(name, bars)
            .horizontal()
            .color(colour)
            .width(0.6);
        let below: Vec<&BarChart> = charts.iter().collect();
        let chart = chart.stack_on(&below);
        charts.push(chart);
    }
    Plot::new("why not 100")
        .height(40.0 + 26.0 * models.len() as f64 as f32)
        .legend(Legend::default().position(egui_plot::Corner::RightBottom))
        .x_axis_label("results")
        .y_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                names.get(i as usize).copied().unwrap_or("").to_owned()
            } else {
                String::new()
            }
        })
        .include_x(0.0)
        // Room on the right for the legend, off the bars.
        .include_x(widest * 1.8)
        .allow_scroll(false)
        .show(ui, |plot| {
            for chart in charts {
                plot.bar_chart(chart);
            }
        });
}

/// What happened when, for the time plots: each fault, each batch run and correction, the
/// Kappa replay and its switch-over, as (processing time, what).
fn timeline(finished: &super::Finished) -> Vec<(Ts, String)> {
    use crate::runner::fault::Fault;
    let (scenario, output) = (&finished.scenario, &finished.output);
    let start = scenario.workload.start;
    let end = start + scenario.workload.duration;
    let mut marks = Vec::new();
    for fault in scenario.streaming.iter().flat_map(|s| &s.faults) {
        let (at, what) = match fault {
            Fault::Crash { at, down_for, .. } => (*at, format!("crash, {down_for} down")),
            Fault::Stop { at, down_for, .. } => (*at, format!("stop, {down_for}")),
            Fault::IncompatibleCheckpoint { at, .. } => (*at, "checkpoint lost".to_owned()),
            Fault::CapacityDrop { at, lasting, .. } => (*at, format!("slowdown, {lasting}")),
            Fault::ProcessingTimeWindows => continue,
        };
        marks.push((start + at, what));
    }
    // A few days of runs at most: more would be a comb, not marks.
    if let Some(batch) = &scenario.batch
        && batch.every > Dur::ZERO
        && scenario.workload.duration.as_ms() / batch.every.as_ms() <= 7
    {
        let mut period_end = start.floor_to(batch.every) + batch.every;
        while period_end <= end {
            let run = period_end + batch.at;
            marks.push((run, "batch run".to_owned()));
            for &again in &batch.corrections {
                marks.push((run + again, "correction".to_owned()));
            }
            period_end += batch.every;
        }
    }
    if let Some(at) = scenario.kappa.as_ref().and_then(|k| k.reprocess_at) {
        marks.push((start + at, "Kappa replay starts".to_owned()));
        let took = output.report.model(Model::Kappa, ModelMetric::CatchUpTime);
        if let Some(ms) = took {
            marks.push((start + at + Dur(ms as i64), "Kappa switches".to_owned()));
        }
    }
    marks
}

/// Draws `marks` as dashed vertical lines labelled at height `top` (a value of the data: a
/// label at the plot's edge would widen the bounds it is placed by, frame after frame).
fn draw_timeline(
    plot: &mut egui_plot::PlotUi<'_>,
    marks: &[(Ts, String)],
    output: &crate::compose::run::RunOutput,
    top: f64,
) {
    let bounds = plot.plot_bounds();
    let width = bounds.width().max(1e-9);
    let mut sorted: Vec<&(Ts, String)> = marks.iter().collect();
    sorted.sort_by_key(|(at, _)| *at);
    // Labels of marks close together step down a line each instead of overprinting.
    let (mut last_x, mut row) = (f64::NEG_INFINITY, 0);
    for (at, what) in sorted {
        let x = hours(*at, output);
        row = if x - last_x < 0.12 * width {
            row + 1
        } else {
            0
        };
        last_x = x;
        plot.vline(
            egui_plot::VLine::new(what.clone(), x)
                .color(Color32::from_gray(170))
                .style(egui_plot::LineStyle::dashed_dense())
                .width(1.0),
        );
        // Near the right edge the label reads leftwards, so it is not cut off.
        let anchor = if x > bounds.max()[0] - 0.12 * width {
            egui::Align2::RIGHT_TOP
        } else {
            egui::Align2::LEFT_TOP
        };
        plot.text(
            egui_plot::Text::new(
                format!("{what} label"),
                egui_plot::PlotPoint::new(x, top * (1.0 - 0.12 * row as f64)),
                what.clone(),
            )
            .anchor(anchor)
            .color(Color32::from_gray(200)),
        );
    }
}

/// Each model's share of ended windows served correctly over processing time, as plotted
/// (hours, share): computed once per run, not on every frame.
pub fn correctness_points(output: &RunOutput) -> Vec<Vec<[f64; 2]>> {
    use crate::render::charts::{CorrectnessSeries, correctness_series};
    let Some(CorrectnessSeries { times, shares }) =
        correctness_series(&output.models, &output.truth, 80)
    else {
        return vec![Vec::new(); output.models.len()];
    };
    (shares.into_iter())
        .map(|shares| {
            (times.iter().zip(shares))
                .filter_map(|(&t, share)| share.map(|s| [hours(t, output), s]))
                .collect()
        })
        .collect()
}

/// Hours since the start of the workload.
fn hours(t: Ts, output: &RunOutput) -> f64 {
    let start = output.truth.first().map_or(t, |c| c.window.start);
    (t.as_ms() - start.as_ms()) as f64 / 3_600_000.0
}
