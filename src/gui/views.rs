//! The top bar and the sweep view.

use eframe::egui;
use egui_plot::{Plot, PlotPoints};

use super::plots::*;
use super::{TidemarkApp, View};
use crate::explore::lessons::LESSONS;
use crate::explore::sweep::Parameter;
use crate::input::time::Dur;
use crate::measure::catalogue::{Metric, Model, ModelMetric};
use crate::measure::report::human_duration;

/// Views, progress, export.
pub fn top_bar(app: &mut TidemarkApp, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        for (view, name) in [
            (View::Compare, "Compare models"),
            (View::Lab, "Watermark lab"),
            (View::Sweep, "Sweep"),
            (View::Advise, "Advisor"),
        ] {
            ui.selectable_value(&mut app.persisted.view, view, name);
        }
        ui.menu_button("Lessons", |ui| {
            for (index, lesson) in LESSONS.iter().enumerate() {
                if ui.button(lesson.title).clicked() {
                    app.open_lesson(index);
                    ui.close();
                }
            }
        });
        ui.separator();
        if app.running() {
            ui.add(
                egui::ProgressBar::new(app.worker.progress())
                    .desired_width(160.0)
                    .show_percentage(),
            );
            if ui.button("Cancel").clicked() {
                app.worker.cancel();
                app.waiting_run = None;
                app.figures_stale = true;
                app.edited_at = None;
            }
        } else if let Some(f) = &app.finished {
            ui.label(format!("ran in {}", took(f.took_ms)));
        }
        ui.separator();
        let label = ui.label("export to");
        ui.add(egui::TextEdit::singleline(&mut app.persisted.export_dir).desired_width(140.0))
            .labelled_by(label.id);
        if ui.button("Export").clicked() {
            app.export();
        }
        ui.label(app.status.clone());
    });
}

/// A sweep worth showing a class: one setting over a range (the five `tidemark sweep` varies),
/// every model the scenario runs, correctness and dropped share each on its own axis, every
/// point marked with its value (over replications: their mean, with its 95 % interval as an
/// error bar), and the knee — the first value whose correctness, at the low end of its
/// interval, is within half a point of the model's best — ringed.
pub fn sweep(app: &mut TidemarkApp, ui: &mut egui::Ui) {
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("vary");
        let mut chosen = app.sweep_parameter;
        egui::ComboBox::from_id_salt("sweep setting")
            .selected_text(chosen.name())
            .show_ui(ui, |ui| {
                for (name, parameter) in Parameter::ALL {
                    ui.selectable_value(&mut chosen, parameter, name);
                }
            })
            .response
            .labelled_by(label.id);
        if chosen != app.sweep_parameter {
            app.sweep_parameter = chosen;
            let (from, to, step) = chosen.default_range();
            app.sweep_range = [from.to_string(), to.to_string(), step.to_string()];
        }
        for (text, name) in app.sweep_range.iter_mut().zip(["from", "to", "step"]) {
            let label = ui.label(name);
            ui.add(egui::TextEdit::singleline(text).desired_width(60.0))
                .labelled_by(label.id);
        }
        if ui
            .add_enabled(!app.sweeping(), egui::Button::new("Run sweep"))
            .clicked()
        {
            app.start_sweep();
        }
        if app.sweeping() {
            ui.spinner();
            ui.label("running every value in parallel...");
        }
    });
    // Opening the view runs the sweep shown, so a class sees a curve at once.
    if app.sweep.is_none() && !app.sweeping() {
        app.start_sweep();
    }
    let (vary, points) = match &app.sweep {
        None => {
            ui.label("Every model runs at each value of the setting...");
            return;
        }
        Some(Err(why)) => {
            ui.colored_label(ui.visuals().error_fg_color, why);
            return;
        }
        Some(Ok((vary, points))) => (vary.clone(), points.clone()),
    };
    let models: Vec<Model> = Model::ALL
        .into_iter()
        .filter(|&m| {
            points
                .iter()
                .any(|p| p.report.model(m, ModelMetric::CorrectShare).is_some())
        })
        .collect();
    let name = vary.parameter.name();
    let minutes = |d: Dur| d.as_ms() as f64 / 60_000.0;
    let series = |m: Model, metric: ModelMetric| -> Vec<[f64; 2]> {
        (points.iter())
            .filter_map(|p| Some([minutes(p.values[0]), p.report.model(m, metric)?]))
            .collect()
    };
    // Each point's 95 % interval (x, low, high); none from one replication.
    let intervals = |m: Model, metric: ModelMetric| -> Vec<[f64; 3]> {
        (points.iter())
            .filter_map(|p| {
                let s = p.report.spread(Metric::Model(m, metric))?;
                Some([minutes(p.values[0]), s.lower()?, s.upper()?])
            })
            .collect()
    };
    let replications = points.first().map_or(1, |p| p.report.replications);
    ui.horizontal_wrapped(|ui| {
        for &m in &models {
            ui.label(egui::RichText::new(m.name()).color(colour(m)).strong());
        }
        if replications > 1 {
            ui.label(format!(
                "({replications} replications at each value: their mean, with its 95% interval; ringed: the knee, the first value whose correctness at the low end of its interval is within half a point of the best)"
            ));
        } else {
            ui.label("(ringed: the knee, the first value within half a point of the best correctness)");
        }
    });
    let half = (ui.available_width() / 2.0 - 8.0).max(200.0);
    // As tall as the window allows (labels of lines that meet need the room), within reason.
    let height = (ui.available_height() - 60.0).clamp(260.0, 440.0);
    ui.horizontal(|ui| {
        for (title, metric) in [
            ("correct at the end", ModelMetric::CorrectShare),
            (
                "dropped late (share of arrivals)",
                ModelMetric::DroppedLateShare,
            ),
        ] {
            ui.vertical(|ui| {
                ui.set_width(half);
                ui.strong(format!("{title}, by {name}"));
                let mut plot = Plot::new(format!("sweep {title}"))
                    .height(height)
                    .allow_scroll(false)
                    .x_axis_label(format!("{name} (minutes)"))
                    // Dropped shares are fractions of a percent: two decimals.
                    .y_axis_formatter(move |mark, _| share_text(metric, mark.value))
                    .label_formatter(near_a_line(move |model, point| {
                        format!(
                            "{model}\n{name} {:.1} min: {}",
                            point.x,
                            share_text(metric, point.y)
                        )
                    }));
                if metric == ModelMetric::CorrectShare {
                    plot = plot.include_y(0.0).include_y(1.0);
                }
                let lines: Vec<(Model, Vec<[f64; 2]>)> =
                    models.iter().map(|&m| (m, series(m, metric))).collect();
                // A label is about 16 points tall: in plot units, that share of the y span.
                let ys = lines.iter().flat_map(|(_, l)| l.iter().map(|p| p[1]));
                let (low, high) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
                    (a.min(y), b.max(y))
                });
                let span = if metric == ModelMetric::CorrectShare {
                    high.max(1.0) - low.min(0.0)
                } else {
                    (high - low).max(f64::EPSILON)
                };
                let label_height = span * 16.0 / f64::from(height);
                plot.show(ui, |plot| {
                    for (m, [x, y], anchor) in value_labels(&lines, label_height) {
                        plot.text(
                            // Unnamed: value labels stay out of the legend.
                            egui_plot::Text::new(
                                "",
                                egui_plot::PlotPoint::new(x, y),
                                share_text(metric, y),
                            )
                            .anchor(anchor)
                            .color(colour(m)),
                        );
                    }
                    for (m, line) in lines {
                        let errors = intervals(m, metric);
                        for &[x, low, high] in &errors {
                            let bar = vec![[x, low], [x, high]];
                            plot.line(
                                egui_plot::Line::new("", PlotPoints::from(bar))
                                    .color(colour(m).gamma_multiply(0.7))
                                    .width(1.5)
                                    .allow_hover(false),
                            );
                        }
                        if metric == ModelMetric::CorrectShare
                            && let Some(knee) = knee(&line, &errors)
                        {
                            plot.points(
                                egui_plot::Points::new("", vec![knee])
                                    .filled(false)
                                    .radius(9.0)
                                    .color(colour(m)),
                            );
                        }
                        plot.points(
                            egui_plot::Points::new(m.name(), line.clone())
                                .radius(3.5)
                                .color(colour(m)),
                        );
                        plot.line(model_line(m, line.into()));
                    }
                });
            });
        }
    });
}

/// How long a run took, in the unit people read it in (`850 ms`, `27.38 s`).
pub(super) fn took(ms: u128) -> String {
    human_duration(Dur(i64::try_from(ms).unwrap_or(i64::MAX)))
}

/// A share as the sweep shows it: whole percents for correctness, two decimals for drops.
fn share_text(metric: ModelMetric, share: f64) -> String {
    match metric {
        ModelMetric::CorrectShare => percent(share),
        _ => format!("{:.2}%", share * 100.0),
    }
}

/// Where each point's value label goes so that labels of lines that meet do not overlap:
/// at each x, from the highest value down, above its point if that clears the label
/// before; else below it; else left out (its value is still on hover). A label is
/// `height` tall in plot units.
fn value_labels(
    lines: &[(Model, Vec<[f64; 2]>)],
    height: f64,
) -> Vec<(Model, [f64; 2], egui::Align2)> {
    let mut points: Vec<(Model, [f64; 2])> = lines
        .iter()
        .flat_map(|(m, line)| line.iter().map(move |&p| (*m, p)))
        .collect();
    // By x, then from the top down (stable: models keep their order on ties).
    points.sort_by(|a, b| a.1[0].total_cmp(&b.1[0]).then(b.1[1].total_cmp(&a.1[1])));
    let (above, below) = (egui::Align2::CENTER_BOTTOM, egui::Align2::CENTER_TOP);
    let mut labels: Vec<(Model, [f64; 2], egui::Align2)> = Vec::new();
    for (m, p) in points {
        // The lowest edge of the last label at this x.
        let floor = labels
            .last()
            .filter(|(_, q, _)| q[0] == p[0])
            .map(|&(_, q, anchor)| if anchor == above { q[1] } else { q[1] - height });
        let anchor = match floor {
            Some(floor) if p[1] + height > floor => {
                if p[1] > floor {
                    continue;
                }
                below
            }
            _ => above,
        };
        labels.push((m, p, anchor));
    }
    labels
}

/// The first point whose share is within half a percentage point of the best; over
/// replications (`intervals`: x, low, high) its share at the low end of its interval.
fn knee(points: &[[f64; 2]], intervals: &[[f64; 3]]) -> Option<[f64; 2]> {
    let best = points
        .iter()
        .map(|p| p[1])
        .fold(f64::NEG_INFINITY, f64::max);
    let low_end = |p: &[f64; 2]| {
        (intervals.iter())
            .find(|i| i[0] == p[0])
            .map_or(p[1], |i| i[1])
    };
    points.iter().copied().find(|p| low_end(p) >= best - 0.005)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_knee_over_replications_is_judged_at_the_low_end_of_its_interval() {
        let line = [[0.0, 0.90], [5.0, 0.978], [10.0, 0.98]];
        // One run: 97.8 % is within half a point of 98 %.
        assert_eq!(knee(&line, &[]), Some([5.0, 0.978]));
        // Its interval reaches down to 96 %: the knee is the next value.
        let intervals = [[5.0, 0.96, 0.996], [10.0, 0.977, 0.983]];
        assert_eq!(knee(&line, &intervals), Some([10.0, 0.98]));
    }

    #[test]
    fn value_labels_of_lines_that_meet_go_above_below_or_not_at_all() {
        let (above, below) = (egui::Align2::CENTER_BOTTOM, egui::Align2::CENTER_TOP);
        let lines = vec![
            (Model::Batch, vec![[0.0, 1.0], [5.0, 1.0]]),
            (Model::MicroBatch, vec![[0.0, 0.77]]),
            (Model::Streaming, vec![[0.0, 0.76], [5.0, 0.5]]),
            (Model::Lambda, vec![[0.0, 0.75]]),
        ];
        // Labels 0.06 tall: 0.77 clears 1.0's label; 0.76 does not, so goes below; 0.75
        // would overlap both, so only its hover shows it.
        assert_eq!(
            value_labels(&lines, 0.06),
            vec![
                (Model::Batch, [0.0, 1.0], above),
                (Model::MicroBatch, [0.0, 0.77], above),
                (Model::Streaming, [0.0, 0.76], below),
                (Model::Batch, [5.0, 1.0], above),
                (Model::Streaming, [5.0, 0.5], above),
            ]
        );
    }
}
