//! The central views: models compared, the watermark lab, the sweep; and the top bar.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{Bar, BarChart, Legend, Line, Plot, PlotPoints, Points, Polygon};

use super::{TidemarkApp, View};
use crate::explore::lab::{Fate, LabData, LabEvent, PlaybackCommand, clock};
use crate::explore::lessons::LESSONS;
use crate::input::time::{Dur, Ts};
use crate::measure::catalogue::{Model, ModelMetric, Unit};
use crate::measure::report::display_value;
use crate::measure::report::human_duration;

/// One colour per model, the same as in the exported charts.
pub fn colour(model: Model) -> Color32 {
    let c = crate::render::charts::model_colour(model);
    Color32::from_rgb(c.0, c.1, c.2)
}

/// A model's line, in its colour, never drawn as a band; the architectures dashed or dotted,
/// so that a line lying on another (Kappa on streaming) still shows.
fn model_line<'a>(model: Model, points: PlotPoints<'a>) -> Line<'a> {
    let style = match model {
        Model::Lambda => egui_plot::LineStyle::dashed_loose(),
        Model::Kappa => egui_plot::LineStyle::dotted_dense(),
        Model::Hybrid => egui_plot::LineStyle::dashed_dense(),
        Model::PlainMicroBatch => egui_plot::LineStyle::dotted_loose(),
        Model::Batch | Model::MicroBatch | Model::Streaming => egui_plot::LineStyle::Solid,
    };
    Line::new(model.name(), points)
        .color(colour(model))
        .width(2.0)
        .style(style)
        .allow_band(false)
}

/// Grid marks at the given values inside the visible range (a fixed set reads better than
/// egui_plot's own spacing on short axes and log axes).
fn marks_at(
    values: &'static [f64],
    step: f64,
) -> impl Fn(egui_plot::GridInput) -> Vec<egui_plot::GridMark> {
    move |input| {
        let (lo, hi) = input.bounds;
        (values.iter())
            .filter(|&&v| v >= lo && v <= hi)
            .map(|&value| egui_plot::GridMark {
                value,
                step_size: step,
            })
            .collect()
    }
}

/// Hover text for the point of a line near the pointer (the model and its x and y), none
/// elsewhere.
fn near_a_line<'a>(
    text: impl Fn(&str, egui_plot::PlotPoint) -> String + 'a,
) -> impl Fn(&egui_plot::HoverPosition<'_>) -> Option<String> + 'a {
    move |position| match position {
        egui_plot::HoverPosition::NearDataPoint {
            plot_name,
            position,
            ..
        } => Some(text(plot_name, *position)),
        egui_plot::HoverPosition::Elsewhere { .. } => None,
    }
}

/// The tallest of `bars`.
fn tallest(bars: &[Bar]) -> f64 {
    bars.iter().map(|b| b.value).fold(0.0, f64::max)
}

/// Writes each bar's value just above it.
fn label_bars(plot: &mut egui_plot::PlotUi<'_>, bars: &[Bar], unit: Unit) {
    for bar in bars {
        let at = egui_plot::PlotPoint::new(bar.argument, bar.value);
        plot.text(
            egui_plot::Text::new(
                format!("value {}", bar.argument),
                at,
                display_value(Some(bar.value), unit),
            )
            .anchor(egui::Align2::CENTER_BOTTOM),
        );
    }
}

/// A share as a whole percentage.
fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// Shares from 0 to 100 % by quarters.
const QUARTERS: &[f64] = &[0.0, 0.25, 0.5, 0.75, 1.0];

/// Durations on a log10(ms) axis: 1 s, 10 s, 1 min, 10 min, 1 h, 6 h, 1 d, 1 w.
const LOG_DURATIONS: &[f64] = &[
    3.0, 4.0, 4.778_151, 5.778_151, 6.556_303, 7.334_454, 7.936_514, 8.781_612,
];

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
            ui.label(format!("ran in {} ms", f.took_ms));
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

/// The moment the lab shows: an hour earlier or later, or one typed ("23:00",
/// "2026-03-17 23:00"). True when it changed.
fn jump_controls(app: &mut TidemarkApp, ui: &mut egui::Ui) -> bool {
    let mut changed = false;
    let start = app.scenario.workload.start;
    let shown = app.lab.as_ref().map(|l| l.hour);
    ui.horizontal_wrapped(|ui| {
        if ui.button("< earlier hour").clicked()
            && let Some(hour) = shown
        {
            app.lab_around = Some(hour - Dur::from_hours(1));
            changed = true;
        }
        let label = ui.label("show the hour around");
        let field = ui
            .add(egui::TextEdit::singleline(&mut app.lab_jump).desired_width(130.0))
            .labelled_by(label.id);
        if field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            match crate::explore::lab::parse_moment(&app.lab_jump, start) {
                Ok(t) => {
                    app.lab_around = Some(t);
                    app.lab_jump_error = None;
                    changed = true;
                }
                Err(message) => app.lab_jump_error = Some(message),
            }
        }
        if ui.button("later hour >").clicked()
            && let Some(hour) = shown
        {
            app.lab_around = Some(hour + Dur::from_hours(1));
            changed = true;
        }
        if let Some(hour) = shown {
            ui.label(format!(
                "showing {} UTC",
                crate::explore::lab::date_and_clock(hour)
            ));
        }
        let label = ui.label("span");
        let span = app
            .persisted
            .lab_span
            .unwrap_or(crate::explore::lab::DEFAULT_SPAN);
        egui::ComboBox::from_id_salt("lab span")
            .selected_text(human_duration(span))
            .show_ui(ui, |ui| {
                for minutes in [30, 90, 180, 360] {
                    let choice = Dur::from_mins(minutes);
                    if ui
                        .selectable_label(choice == span, human_duration(choice))
                        .clicked()
                    {
                        app.persisted.lab_span = Some(choice);
                        changed = true;
                    }
                }
            })
            .response
            .labelled_by(label.id);
        if app.lab_pending() {
            ui.spinner();
        } else if let Some(ms) = app.lab_took_ms {
            ui.label(format!("lab in {ms} ms"));
        }
        if let Some(error) = &app.lab_jump_error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
    });
    changed
}

/// The form that adds an event by hand, and the list of those added, each with its fate
/// under the lab's settings. Returns true when the list changed.
fn hand_events(app: &mut TidemarkApp, ui: &mut egui::Ui, lab: Option<&LabData>) -> bool {
    let mut changed = false;
    ui.horizontal_wrapped(|ui| {
        ui.label("add an event by hand:");
        let names = ["key", "event time", "arrives"];
        for (field, name) in app.lab_form.iter_mut().zip(names) {
            let label = ui.label(name);
            ui.add(egui::TextEdit::singleline(field).desired_width(110.0))
                .labelled_by(label.id);
        }
        if ui.button("Add").clicked() {
            match app.add_hand_event() {
                Ok(()) => changed = true,
                Err(message) => app.lab_form_error = Some(message),
            }
        }
        if let Some(error) = &app.lab_form_error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
    });
    let mut remove = None;
    for (i, hand) in app.persisted().lab_added.iter().enumerate() {
        ui.horizontal_wrapped(|ui| {
            let fate = lab
                .and_then(|l| l.hand_event(hand))
                .map_or("outside the span shown", |e| fate_name(e.fate));
            ui.label(format!(
                "by hand: {} at {}, arrives {}: {fate}",
                hand.key,
                clock(hand.event_time),
                clock(hand.arrival_time),
            ));
            if ui.small_button("remove").clicked() {
                remove = Some(i);
            }
        });
    }
    if let Some(i) = remove {
        app.remove_hand_event(i);
        changed = true;
    }
    changed
}

/// The lab's settings as the real engines' jobs: Flink SQL and PySpark, each copyable.
fn equivalent_job(app: &TidemarkApp, ui: &mut egui::Ui) {
    use crate::explore::job_text::{flink_sql, pyspark};
    egui::CollapsingHeader::new("The equivalent job: Flink SQL and PySpark").show(ui, |ui| {
        let query = &app.scenario.query;
        let delay = app.lab_knobs[0].value;
        let texts = [
            ("Flink SQL", flink_sql(query, &app.lab_settings())),
            (
                "PySpark",
                pyspark(query, delay, app.scenario.micro_batch.as_ref()),
            ),
        ];
        ui.columns(2, |columns| {
            for ((name, text), ui) in texts.iter().zip(columns) {
                ui.horizontal(|ui| {
                    ui.strong(*name);
                    if ui.small_button("Copy").clicked() {
                        ui.ctx().copy_text(text.clone());
                    }
                });
                // Read-only code: kept as written (no wrapping), scrolled when long.
                egui::ScrollArea::both()
                    .id_salt(*name)
                    .max_height(170.0)
                    .show(ui, |ui| {
                        ui.add(
                            egui::TextEdit::multiline(&mut text.as_str())
                                .code_editor()
                                .desired_width(f32::INFINITY),
                        );
                    });
            }
        });
    });
}

/// A fate in a few words.
fn fate_name(fate: Fate) -> &'static str {
    match fate {
        Fate::OnTime => "on time",
        Fate::LateButKept => "late but kept",
        Fate::Dropped => "dropped",
    }
}

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
fn summary_value(metric: ModelMetric, value: Option<f64>) -> String {
    let early = matches!(
        metric,
        ModelMetric::ResultDelayP50 | ModelMetric::ResultDelayP99 | ModelMetric::ResultDelayMax
    );
    match value {
        Some(ms) if early && ms < 0.0 => {
            format!("{} before the end", human_duration(Dur(-ms as i64)))
        }
        _ => display_value(value, metric.unit()),
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
    if let Some(reason) = app.stale_reason() {
        egui::Frame::group(ui.style())
            .fill(ui.visuals().warn_fg_color.gamma_multiply(0.15))
            .show(ui, |ui| {
                ui.colored_label(ui.visuals().warn_fg_color, format!("stale - {reason}"));
            });
    }
    egui::ScrollArea::vertical().show(ui, |ui| {
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
                for value in values {
                    ui.label(summary_value(metric, value));
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
        let marks = timeline(app, output);
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
                    .x_grid_spacer(marks_at(LOG_DURATIONS, 1.0))
                    .x_axis_formatter(move |mark, _| duration_at(mark.value))
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
                let truth = &output.truth;
                let from = truth
                    .iter()
                    .map(|c| c.window.end)
                    .filter(|t| t.as_ms() < i64::MAX)
                    .min();
                let to = output
                    .models
                    .iter()
                    .flat_map(|m| m.stats.table.cells().filter_map(|(_, h)| h.settled_at()))
                    .max();
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
                        let (Some(from), Some(to)) = (from, to.max(from)) else {
                            return;
                        };
                        for m in &shown {
                            let points: PlotPoints = (0..=80)
                                .filter_map(|i| {
                                    let t = Ts(from.as_ms() + (to.as_ms() - from.as_ms()) * i / 80);
                                    m.stats
                                        .table
                                        .correct_share_at(truth, t)
                                        .map(|s| [hours(t, output), s])
                                })
                                .collect();
                            plot.line(model_line(m.name, points));
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
                let dropped: Vec<Bar> = output
                    .models
                    .iter()
                    .enumerate()
                    .map(|(i, m)| {
                        Bar::new(i as f64, m.stats.dropped as f64)
                            .name(m.name.name())
                            .fill(colour(m.name))
                    })
                    .collect();
                let names: Vec<&'static str> =
                    output.models.iter().map(|m| m.name.name()).collect();
                let name_of =
                    move |mark: egui_plot::GridMark, _: &std::ops::RangeInclusive<f64>| {
                        let i = mark.value.round();
                        if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                            names.get(i as usize).copied().unwrap_or("").to_owned()
                        } else {
                            String::new()
                        }
                    };
                // One bar or seven: each keeps its width, with room on both sides.
                let slots = output.models.len() as f64;
                Plot::new("dropped")
                    .allow_scroll(false)
                    .height(85.0)
                    .include_x(-0.75)
                    .include_x(slots - 0.25)
                    .x_axis_formatter(name_of.clone())
                    .include_y(0.0)
                    .include_y(tallest(&dropped) * 1.4)
                    .show(ui, |plot| {
                        label_bars(plot, &dropped, Unit::Count);
                        plot.bar_chart(BarChart::new("dropped late", dropped));
                    });
                let cost: Vec<Bar> = output
                    .models
                    .iter()
                    .enumerate()
                    .filter_map(|(i, m)| {
                        m.cost_per_year.map(|c| {
                            Bar::new(i as f64, c)
                                .name(m.name.name())
                                .fill(colour(m.name))
                        })
                    })
                    .collect();
                if cost.is_empty() {
                    ui.label("cost: this scenario has no prices");
                    return;
                }
                Plot::new("cost")
                    .allow_scroll(false)
                    .height(85.0)
                    .include_x(-0.75)
                    .include_x(slots - 0.25)
                    .x_axis_formatter(name_of)
                    .include_y(0.0)
                    .include_y(tallest(&cost) * 1.4)
                    .show(ui, |plot| {
                        // Each bar's value over it: $166 beside $35,040 still reads.
                        label_bars(plot, &cost, Unit::Money);
                        plot.bar_chart(BarChart::new("cost a year", cost));
                    });
            });
        });
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
fn timeline(app: &TidemarkApp, output: &crate::compose::run::RunOutput) -> Vec<(Ts, String)> {
    use crate::runner::fault::Fault;
    let scenario = &app.scenario;
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
    for (at, what) in marks {
        let x = hours(*at, output);
        plot.vline(
            egui_plot::VLine::new(what.clone(), x)
                .color(Color32::from_gray(170))
                .style(egui_plot::LineStyle::dashed_dense())
                .width(1.0),
        );
        plot.text(
            egui_plot::Text::new(
                format!("{what} label"),
                egui_plot::PlotPoint::new(x, top),
                what.clone(),
            )
            .anchor(egui::Align2::LEFT_TOP)
            .color(Color32::from_gray(200)),
        );
    }
}

/// Hours since the start of the workload.
fn hours(t: Ts, output: &crate::compose::run::RunOutput) -> f64 {
    let start = output.truth.first().map_or(t, |c| c.window.start);
    (t.as_ms() - start.as_ms()) as f64 / 3_600_000.0
}

/// The watermark lab: events by event time against processing time, the watermark, windows.
pub fn lab(app: &mut TidemarkApp, ui: &mut egui::Ui) {
    let mut changed = false;
    ui.horizontal_wrapped(|ui| {
        let names = ["lab watermark delay", "lab allowed lateness"];
        for (knob, name) in app.lab_knobs.iter_mut().zip(names) {
            let label = ui.label(name);
            let field = ui
                .add(egui::TextEdit::singleline(&mut knob.text).desired_width(70.0))
                .labelled_by(label.id);
            if field.changed() {
                changed |= knob.read_text();
            }
            if let Some(error) = &knob.error {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
        }
        changed |= ui
            .checkbox(&mut app.persisted.lab_spark, "Spark beside Flink")
            .on_hover_text(
                "the same events through Spark Structured Streaming's micro-batches: a \
                 watermark per batch, the batch before's filtering late rows",
            )
            .changed();
    });
    if let Some(lesson) = app.lesson.and_then(|i| LESSONS.get(i)) {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.label(RichText::new(lesson.title).strong());
            ui.label(lesson.look_at);
        });
    }
    changed |= jump_controls(app, ui);
    let lab = app.lab.clone();
    changed |= hand_events(app, ui, lab.as_deref());
    equivalent_job(app, ui);
    if changed || (app.lab.is_none() && !app.lab_pending()) {
        app.recompute_lab();
    }
    let Some(lab) = app.lab.clone() else {
        ui.label("Running the lab…");
        return;
    };
    ui.horizontal_wrapped(|ui| {
        if ui
            .button(if app.playback.playing {
                "Pause"
            } else {
                "Play"
            })
            .clicked()
        {
            let command = if app.playback.playing {
                PlaybackCommand::Pause
            } else {
                PlaybackCommand::Play
            };
            app.playback(command);
        }
        if ui.button("Step 1 min").clicked() {
            app.playback(PlaybackCommand::Step);
        }
        if ui.button("Next event").clicked()
            && let Some(t) = lab.next_arrival_after(app.playback.cursor)
        {
            app.playback(PlaybackCommand::Seek(t));
        }
        if ui.button("Next firing").clicked()
            && let Some(t) = lab.next_firing_after(app.playback.cursor)
        {
            app.playback(PlaybackCommand::Seek(t));
        }
        // Simulated time per real second.
        let speeds = [(1.0, "x1"), (10.0, "x10"), (60.0, "x60"), (600.0, "x600")];
        let current = app.playback.speed / 1_000.0;
        let label = ui.label("speed");
        egui::ComboBox::from_id_salt("lab speed")
            .selected_text(
                speeds
                    .iter()
                    .find(|(factor, _)| *factor == current)
                    .map_or("custom", |(_, name)| name),
            )
            .show_ui(ui, |ui| {
                for (factor, name) in speeds {
                    if ui.selectable_label(factor == current, name).clicked() {
                        app.playback(PlaybackCommand::SetSpeed(factor * 1_000.0));
                    }
                }
            })
            .response
            .labelled_by(label.id);
        let span = (lab.to - lab.from).as_ms() as f64 / 60_000.0;
        let mut minutes = (app.playback.cursor - lab.from).as_ms() as f64 / 60_000.0;
        // Separate widgets (not the slider's own text), so that the row wraps between them.
        let label = ui.label("processing time");
        if ui
            .add(egui::Slider::new(&mut minutes, 0.0..=span).show_value(false))
            .labelled_by(label.id)
            .changed()
        {
            app.playback(PlaybackCommand::Seek(
                lab.from + Dur((minutes * 60_000.0) as i64),
            ));
        }
        ui.label(format!("now {}", clock(app.playback.cursor)));
    });
    let cursor = app.playback.cursor;
    let shown: Vec<_> = lab
        .events
        .iter()
        .filter(|e| e.arrival_time <= cursor)
        .collect();
    // Events from devices hours behind would squash the picture: they are drawn on its lower
    // edge (hover shows their real times).
    let oldest_drawn = lab.from - Dur::from_mins(60);
    let behind: Vec<&LabEvent> = (shown.iter().copied())
        .filter(|e| e.event_time < oldest_drawn)
        .collect();
    let count = |fate: Fate| shown.iter().filter(|e| e.fate == fate).count();
    ui.horizontal_wrapped(|ui| {
        if lab.events.is_empty() {
            ui.label("no events arrive in this span: jump to another hour");
        }
        ui.label(RichText::new(format!("on time {}", count(Fate::OnTime))).color(ON_TIME));
        ui.label(
            RichText::new(format!("late but kept {}", count(Fate::LateButKept))).color(LATE_KEPT),
        );
        ui.label(RichText::new(format!("dropped {}", count(Fate::Dropped))).color(DROPPED));
        ui.label(match lab.watermark_at(cursor) {
            Some(wm) => format!("watermark {}", clock(wm)),
            None => "no watermark yet (a partition has sent nothing)".to_owned(),
        });
        let lateness = behind.iter().map(|e| e.arrival_time - e.event_time);
        if let (Some(least), Some(most)) = (lateness.clone().min(), lateness.max()) {
            let dropped = behind.iter().filter(|e| e.fate == Fate::Dropped).count();
            ui.label(format!(
                "+{} events {} to {} late ({dropped} dropped), drawn on the lower edge",
                behind.len(),
                human_duration(least),
                human_duration(most),
            ));
        }
    });
    let minutes = |t: Ts| (t.as_ms().saturating_sub(lab.from.as_ms())) as f64 / 60_000.0;
    let clock_at = |minutes: f64| clock(lab.from + Dur((minutes * 60_000.0).round() as i64));
    let edge = minutes(oldest_drawn);
    // The axis starts at the oldest event shown (the edge when some are hours behind).
    let lowest = (lab.events.iter())
        .map(|e| minutes(e.event_time).max(edge))
        .fold(0.0_f64, f64::min)
        - 1.0;
    // The events of each fate, in the order their points are drawn (hover finds them by index).
    let fates = [
        (Fate::OnTime, ON_TIME, "on time"),
        (Fate::LateButKept, LATE_KEPT, "late but kept"),
        (Fate::Dropped, DROPPED, "dropped"),
    ];
    let by_fate: Vec<Vec<&LabEvent>> = fates
        .iter()
        .map(|(fate, _, _)| shown.iter().copied().filter(|e| e.fate == *fate).collect())
        .collect();
    let hand_shown: Vec<&LabEvent> = shown.iter().copied().filter(|e| e.by_hand).collect();
    pinned_explanation(app, ui, &lab);
    let point = |e: &LabEvent| [minutes(e.arrival_time), minutes(e.event_time).max(edge)];
    // Beside Spark, Flink takes the upper half; the two plots zoom and pan together.
    let height = match &lab.spark {
        Some(_) => (ui.available_height() / 2.0 - 24.0).max(140.0),
        None => ui.available_height(),
    };
    let differing: Vec<[f64; 2]> = (lab.spark.iter())
        .flat_map(|spark| shown.iter().zip(&spark.dropped))
        .filter(|(e, spark_dropped)| (e.fate == Fate::Dropped) != **spark_dropped)
        .map(|(e, _)| point(e))
        .collect();
    if lab.spark.is_some() {
        colour_key(ui);
    }
    let mut plot = Plot::new("lab")
        .height(height)
        .link_axis(egui::Id::unique("lab axes"), [true, true])
        .link_cursor(egui::Id::unique("lab axes"), [true, true]);
    // Two half-height plots have no room for legends: a key line says it instead.
    if lab.spark.is_none() {
        plot = plot.legend(Legend::default().position(egui_plot::Corner::LeftTop));
    }
    let response = plot
        .x_axis_label("processing time (UTC)")
        .y_axis_label("event time (UTC)")
        // Fixed axes over the whole span, so playback does not rescale them; zoom and pan stay.
        .default_x_bounds(0.0, minutes(lab.to).max(1.0))
        .default_y_bounds(lowest, minutes(lab.to).max(lowest + 1.0))
        .x_axis_formatter(move |mark, _| clock_at(mark.value))
        .y_axis_formatter(move |mark, _| clock_at(mark.value))
        .label_formatter(|position| match position {
            egui_plot::HoverPosition::NearDataPoint {
                plot_name,
                index,
                position,
            } => match fates.iter().position(|(_, _, name)| name == plot_name) {
                Some(fate) => Some(lab.explain(by_fate[fate].get(*index)?)),
                None if *plot_name == "added by hand" => Some(lab.explain(hand_shown.get(*index)?)),
                None => Some(format!(
                    "{plot_name}\nat {}: {}",
                    clock_at(position.x),
                    clock_at(position.y)
                )),
            },
            egui_plot::HoverPosition::Elsewhere { position } => Some(format!(
                "arrival {}\nevent time {}",
                clock_at(position.x),
                clock_at(position.y)
            )),
        })
        .show(ui, |plot| {
            // Each window's band over processing time: open until it fires, then (with
            // allowed lateness) still taking late events until it closes, then closed.
            let mut on_time_firings = Vec::new();
            let mut late_firings = Vec::new();
            let mut early_firings = Vec::new();
            for w in lab.windows.iter().filter(|w| w.window.end > oldest_drawn) {
                let (y0, y1) = (minutes(w.window.start).max(edge), minutes(w.window.end));
                let fired = w.fired_at.filter(|&f| f <= cursor);
                let closed = w.closed_at.filter(|&c| c <= cursor);
                let phases = [
                    ("open window", Some(lab.from), fired.or(Some(cursor)), OPEN),
                    (
                        "allowed lateness",
                        fired,
                        closed.or(fired.map(|_| cursor)),
                        LATENESS,
                    ),
                    ("closed window", closed, closed.map(|_| cursor), CLOSED),
                ];
                for (name, from, to, fill) in phases {
                    let (Some(from), Some(to)) = (from, to) else {
                        continue;
                    };
                    let (x0, x1) = (minutes(from).max(0.0), minutes(to).max(0.0));
                    if x1 <= x0 {
                        continue;
                    }
                    let band: PlotPoints = vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1]].into();
                    plot.polygon(
                        Polygon::new(name, band)
                            .fill_color(fill.gamma_multiply(0.35))
                            // The legend shows the stroke's colour: the band's own.
                            .stroke(egui::Stroke::new(1.0, fill)),
                    );
                }
                if let Some(f) = fired {
                    on_time_firings.push([minutes(f), y1]);
                }
                late_firings.extend(
                    (w.late_firings.iter())
                        .filter(|&&t| t <= cursor)
                        .map(|&t| [minutes(t), y1]),
                );
                early_firings.extend(
                    (w.early_firings.iter())
                        .filter(|&&t| t <= cursor)
                        .map(|&t| [minutes(t), y1]),
                );
            }
            for (name, points, colour) in [
                ("early firing", early_firings, EARLY),
                ("on-time firing", on_time_firings, ON_TIME),
                ("late firing", late_firings, LATE_KEPT),
            ] {
                if points.is_empty() {
                    continue;
                }
                plot.points(
                    Points::new(name, PlotPoints::from(points))
                        .shape(egui_plot::MarkerShape::Diamond)
                        .color(colour)
                        .radius(5.0),
                );
            }
            // Events added by hand: a ring around their dot, drawn first so that hovering the
            // dot itself still explains it.
            let by_hand: PlotPoints = (hand_shown.iter())
                .map(|e| [minutes(e.arrival_time), minutes(e.event_time).max(edge)])
                .collect();
            if !differing.is_empty() {
                plot.points(differing_rings(&differing));
            }
            plot.points(
                Points::new("added by hand", by_hand)
                    .shape(egui_plot::MarkerShape::Circle)
                    .filled(false)
                    .color(HAND)
                    .radius(10.0),
            );
            for ((_, colour, name), events) in fates.iter().zip(&by_fate) {
                let points: PlotPoints = events
                    .iter()
                    .map(|e| [minutes(e.arrival_time), minutes(e.event_time).max(edge)])
                    .collect();
                plot.points(Points::new(*name, points).color(*colour).radius(2.5));
            }
            let steps = step_line(
                (lab.watermark.iter())
                    .filter(|(at, _)| *at <= cursor)
                    .map(|&(at, wm)| [minutes(at), minutes(wm).max(edge)]),
            );
            plot.line(
                Line::new("watermark", PlotPoints::from(steps))
                    .color(FLINK_WATERMARK)
                    .width(2.0)
                    // A staircase: each vertical step is a real jump, not a band of samples.
                    .allow_band(false)
                    // Hovering near the line explains the event there, which tells the
                    // watermark it met; the line's own value is in the status line.
                    .allow_hover(false),
            );
        });
    if let Some(spark) = &lab.spark {
        spark_plot(ui, &lab, spark, &shown, &differing, [lowest, edge]);
    }
    // A click pins the event under the pointer (within 12 px), or unpins.
    if response.response.clicked()
        && let Some(pointer) = response.response.interact_pointer_pos()
    {
        let on_screen = |e: &LabEvent| {
            let [x, y] = point(e);
            (response.transform)
                .position_from_point(&egui_plot::PlotPoint::new(x, y))
                .distance(pointer)
        };
        app.lab_pinned = (shown.iter())
            .map(|e| (on_screen(e), e))
            .filter(|(d, _)| *d <= 12.0)
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, e)| (e.id, e.arrival_time));
    }
}

/// What the colours of the two plots mean, in one line (they have no room for legends).
fn colour_key(ui: &mut egui::Ui) {
    ui.horizontal_wrapped(|ui| {
        let keys = [
            ("on time / kept", ON_TIME),
            ("late but kept, allowed lateness", LATE_KEPT),
            ("dropped", DROPPED),
            ("Flink's watermark", FLINK_WATERMARK),
            ("Spark's late filter", SPARK_WATERMARK),
            ("fares differently", DIFFERS),
            ("added by hand", HAND),
        ];
        for (name, colour) in keys {
            ui.label(RichText::new(name).color(colour));
        }
    });
}

/// A value that changes at points, as a staircase: flat until the next change, then up. Equal
/// values and repeated times add no point (zero-length segments draw as wide smears).
fn step_line(changes: impl Iterator<Item = [f64; 2]>) -> Vec<[f64; 2]> {
    let mut steps: Vec<[f64; 2]> = Vec::new();
    for [x, y] in changes {
        match steps.last_mut() {
            Some(last) if last[1] == y => {}
            Some(last) if last[0] == x => last[1] = y,
            Some(&mut [_, before]) => {
                steps.push([x, before]);
                steps.push([x, y]);
            }
            None => steps.push([x, y]),
        }
    }
    steps
}

/// Rings around the events whose fate differs between Flink and Spark.
fn differing_rings(points: &[[f64; 2]]) -> Points<'static> {
    Points::new("fares differently", PlotPoints::from(points.to_vec()))
        .filled(false)
        .color(DIFFERS)
        .radius(7.0)
}

/// Spark Structured Streaming on the same events, under Flink's plot and linked to it: kept
/// and dropped rows, the watermark each batch's late filter used, the trigger grid.
fn spark_plot(
    ui: &mut egui::Ui,
    lab: &LabData,
    spark: &crate::explore::lab::SparkSide,
    shown: &[&LabEvent],
    differing: &[[f64; 2]],
    [lowest, edge]: [f64; 2],
) {
    let minutes = |t: Ts| (t.as_ms().saturating_sub(lab.from.as_ms())) as f64 / 60_000.0;
    let clock_at = |minutes: f64| clock(lab.from + Dur((minutes * 60_000.0).round() as i64));
    let point = |e: &LabEvent| [minutes(e.arrival_time), minutes(e.event_time).max(edge)];
    let (flink_only, spark_only) = spark.differences(
        shown
            .iter()
            .copied()
            .copied()
            .collect::<Vec<_>>()
            .as_slice(),
    );
    let spark_dropped = spark
        .dropped
        .iter()
        .take(shown.len())
        .filter(|d| **d)
        .count();
    ui.label(format!(
        "Spark Structured Streaming, a micro-batch every {}: kept {}, dropped {spark_dropped}; {} events fare differently ({flink_only} dropped by Flink only, {spark_only} by Spark only)",
        human_duration(spark.trigger),
        shown.len() - spark_dropped,
        flink_only + spark_only,
    ));
    // Indices into `shown` by Spark's fate, in drawing order (hover finds them by index).
    let (kept, dropped): (Vec<usize>, Vec<usize>) =
        (0..shown.len()).partition(|&i| !spark.dropped[i]);
    let cursor = shown.last().map_or(lab.from, |e| e.arrival_time);
    Plot::new("lab spark")
        .link_axis(egui::Id::unique("lab axes"), [true, true])
        .link_cursor(egui::Id::unique("lab axes"), [true, true])
        .x_axis_label("processing time (UTC)")
        .y_axis_label("event time (UTC)")
        .default_x_bounds(0.0, minutes(lab.to).max(1.0))
        .default_y_bounds(lowest, minutes(lab.to).max(lowest + 1.0))
        .x_axis_formatter(move |mark, _| clock_at(mark.value))
        .y_axis_formatter(move |mark, _| clock_at(mark.value))
        .label_formatter(|position| match position {
            egui_plot::HoverPosition::NearDataPoint {
                plot_name, index, ..
            } => match *plot_name {
                "Spark kept" => lab.explain_spark(*kept.get(*index)?),
                "Spark dropped" => lab.explain_spark(*dropped.get(*index)?),
                _ => None,
            },
            egui_plot::HoverPosition::Elsewhere { position } => Some(format!(
                "arrival {}\nevent time {}",
                clock_at(position.x),
                clock_at(position.y)
            )),
        })
        .show(ui, |plot| {
            // The trigger grid, when its lines stay apart.
            if spark.batches.len() <= 120 {
                for &(start, _) in spark.batches.iter().filter(|(s, _)| *s <= cursor) {
                    plot.vline(
                        egui_plot::VLine::new("micro-batch", minutes(start))
                            .color(Color32::from_gray(110))
                            .width(0.5),
                    );
                }
            }
            if !differing.is_empty() {
                plot.points(differing_rings(differing));
            }
            for (name, indices, colour) in [
                ("Spark kept", &kept, ON_TIME),
                ("Spark dropped", &dropped, DROPPED),
            ] {
                let points: PlotPoints = indices.iter().map(|&i| point(shown[i])).collect();
                plot.points(Points::new(name, points).color(colour).radius(2.5));
            }
            // The watermark each batch's late filter used, from its start to the next.
            let steps = step_line(
                (spark.batches.iter())
                    .filter(|(s, _)| *s <= cursor)
                    .filter_map(|&(start, w)| Some([minutes(start), minutes(w?).max(edge)])),
            );
            plot.line(
                Line::new("Spark's late filter", PlotPoints::from(steps))
                    .color(SPARK_WATERMARK)
                    .width(2.0)
                    .allow_band(false)
                    .allow_hover(false),
            );
        });
}

/// The explanation of the event pinned by a click, kept above the picture until unpinned.
fn pinned_explanation(app: &mut TidemarkApp, ui: &mut egui::Ui, lab: &LabData) {
    let Some((id, arrival)) = app.lab_pinned else {
        ui.label("hover a dot to see why it fared as it did; click it to pin the explanation");
        return;
    };
    let pinned = (lab.events.iter()).find(|e| (e.id, e.arrival_time) == (id, arrival));
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.strong("pinned");
            if ui.small_button("unpin").clicked() {
                app.lab_pinned = None;
            }
        });
        match pinned {
            Some(event) => ui.label(lab.explain(event)),
            None => ui.label("the pinned event is not in the span shown"),
        };
    });
}

/// Window bands: open, fired but taking late events, closed.
const OPEN: Color32 = Color32::from_rgb(200, 220, 250);
const LATENESS: Color32 = Color32::from_rgb(250, 210, 120);
const CLOSED: Color32 = Color32::from_gray(200);
const ON_TIME: Color32 = Color32::from_rgb(40, 160, 60);
const LATE_KEPT: Color32 = Color32::from_rgb(240, 150, 20);
const DROPPED: Color32 = Color32::from_rgb(210, 40, 40);
/// The ring around an event whose fate differs between the engines.
const DIFFERS: Color32 = Color32::from_rgb(250, 220, 40);
/// A speculative firing before the window's end.
const EARLY: Color32 = Color32::from_rgb(90, 200, 230);
/// Flink's watermark.
const FLINK_WATERMARK: Color32 = Color32::from_rgb(30, 60, 200);
/// Spark's late-filter watermark.
const SPARK_WATERMARK: Color32 = Color32::from_rgb(230, 120, 30);
/// The ring around an event added by hand.
const HAND: Color32 = Color32::from_rgb(230, 40, 200);

/// The instructor's trade-off: dropped-late share and correctness against result latency as
/// the watermark delay grows, computed in parallel.
pub fn sweep(app: &mut TidemarkApp, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        if ui
            .add_enabled(!app.sweeping(), egui::Button::new("Run sweep"))
            .clicked()
        {
            app.start_sweep();
        }
        if app.sweeping() {
            ui.spinner();
            ui.label("running nine watermark delays in parallel…");
        }
    });
    let Some(points) = app.sweep.clone() else {
        ui.label("The sweep runs the streaming model at watermark delays from 0 s to 1 h.");
        return;
    };
    egui::Grid::new("sweep table").striped(true).show(ui, |ui| {
        for h in [
            "watermark delay",
            "dropped late",
            "correct",
            "window end -> first result",
        ] {
            ui.strong(h);
        }
        ui.end_row();
        for p in &points {
            ui.label(p.watermark_delay.to_string());
            ui.label(display_value(Some(p.dropped_share), Unit::Share));
            ui.label(display_value(Some(p.correct_share), Unit::Share));
            ui.label(display_value(Some(p.result_delay_p50_ms), Unit::Ms));
            ui.end_row();
        }
    });
    Plot::new("trade-off")
        .legend(Legend::default())
        .x_axis_label("window end -> first result, median (minutes)")
        .y_axis_label("share")
        .show(ui, |plot| {
            let at = |p: &crate::explore::sweep::SweepPoint| p.result_delay_p50_ms / 60_000.0;
            let dropped: PlotPoints = points.iter().map(|p| [at(p), p.dropped_share]).collect();
            let correct: PlotPoints = points.iter().map(|p| [at(p), p.correct_share]).collect();
            plot.line(
                Line::new("dropped late", dropped)
                    .color(DROPPED)
                    .width(2.0)
                    .allow_band(false),
            );
            plot.line(
                Line::new("correct at the end", correct)
                    .color(ON_TIME)
                    .width(2.0),
            );
        });
}
