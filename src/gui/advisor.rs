//! The advisor in the app: the scenario's requirement, editable, and the cheapest model that
//! meets it, with the reason each other candidate fails (`tidemark advise`, the same words).

use eframe::egui::{self, Color32, RichText};

use super::TidemarkApp;
use crate::compose::requirement::Requirement;
use crate::input::time::Dur;
use crate::measure::catalogue::ModelMetric;

/// Latencies a requirement can name, with the words the panel shows.
const LATENCIES: &[(ModelMetric, &str)] = &[
    (ModelMetric::EventLatencyP99, "event time -> visible, p99"),
    (
        ModelMetric::EventLatencyP50,
        "event time -> visible, median",
    ),
    (
        ModelMetric::ResultDelayMax,
        "window end -> first result, max",
    ),
    (
        ModelMetric::ResultDelayP99,
        "window end -> first result, p99",
    ),
    (
        ModelMetric::FinalDelayP99,
        "window end -> correct final, p99",
    ),
];

/// The advisor view; true when the requirement was edited.
pub fn advisor(app: &mut TidemarkApp, ui: &mut egui::Ui) -> bool {
    let edited = requirement_editor(app, ui);
    let ready = app.scenario.requirement.is_some() && app.scenario.cost.is_some();
    // Opening the view (or changing the requirement) asks for advice: it takes a moment.
    if ready && !edited && app.advice.is_none() && !app.advising() {
        app.start_advise();
    }
    ui.horizontal(|ui| {
        if ui
            .add_enabled(ready && !app.advising(), egui::Button::new("Advise"))
            .on_disabled_hover_text(
                "the advisor needs a requirement and prices (Cost in the panel)",
            )
            .clicked()
        {
            app.start_advise();
        }
        if app.advising() {
            ui.spinner();
            ui.label("measuring every candidate in parallel...");
        }
    });
    match &app.advice {
        None => {
            ui.label("The advisor tries each model over a grid of its settings and recommends the cheapest that meets the requirement.");
        }
        Some(Err(why)) => {
            ui.colored_label(Color32::from_rgb(200, 40, 40), why);
        }
        Some(Ok(advice)) => {
            ui.separator();
            ui.label(
                RichText::new(format!("recommendation: {}", advice.recommendation())).strong(),
            );
            // Long verdicts wrap in their column rather than leave the window.
            // What the first four columns leave (they take about 480 points, 600 with the
            // intervals of replications).
            let taken = if advice.replications > 1 {
                610.0
            } else {
                490.0
            };
            let verdict_width = ui.available_width() - taken;
            let verdict_of = |v: &crate::explore::advise::Verdict| {
                if v.failures.is_empty() {
                    "meets".to_owned()
                } else {
                    v.failures.join("; ")
                }
            };
            egui::ScrollArea::vertical().show(ui, |ui| {
                if verdict_width < 260.0 {
                    // Too narrow for a verdict column: each candidate on a line, its verdict
                    // wrapped under it.
                    for (i, v) in advice.verdicts.iter().enumerate() {
                        let best = i == 0 && v.failures.is_empty();
                        let name = RichText::new(&v.settings);
                        ui.horizontal_wrapped(|ui| {
                            ui.label(if best { name.strong() } else { name });
                            ui.label(format!(
                                "latency {}, {} correct, {} a year",
                                v.latency.shown, v.correct_share.shown, v.cost_per_year.shown
                            ));
                        });
                        ui.indent(("verdict", i), |ui| {
                            ui.add(egui::Label::new(RichText::new(verdict_of(v)).weak()).wrap());
                        });
                    }
                    return;
                }
                egui::Grid::new("verdicts").striped(true).show(ui, |ui| {
                    for h in ["candidate", "latency", "correct", "cost a year", "verdict"] {
                        ui.strong(h);
                    }
                    ui.end_row();
                    for (i, v) in advice.verdicts.iter().enumerate() {
                        let best = i == 0 && v.failures.is_empty();
                        let name = RichText::new(&v.settings);
                        ui.label(if best { name.strong() } else { name });
                        ui.label(&v.latency.shown);
                        ui.label(&v.correct_share.shown);
                        ui.label(&v.cost_per_year.shown);
                        ui.vertical(|ui| {
                            ui.set_width(verdict_width);
                            ui.add(egui::Label::new(verdict_of(v)).wrap());
                        });
                        ui.end_row();
                    }
                });
            });
        }
    }
    edited
}

/// The requirement in the panel, collapsed like the other groups; true when it changed.
pub fn requirement_section(app: &mut TidemarkApp, ui: &mut egui::Ui) -> bool {
    let mut changed = false;
    egui::CollapsingHeader::new("Requirement")
        .id_salt("requirement")
        .show(ui, |ui| {
            changed = requirement_editor(app, ui);
            for p in (app.problems.iter()).filter(|p| p.path.starts_with("requirement")) {
                ui.colored_label(super::form::ERROR, p.message.as_str());
            }
        });
    changed
}

/// The requirement's fields (or a button that adds one); true when it changed.
fn requirement_editor(app: &mut TidemarkApp, ui: &mut egui::Ui) -> bool {
    let Some(requirement) = &mut app.scenario.requirement else {
        ui.label("This scenario states no requirement.");
        if ui
            .button("Add a requirement (results within 10 min, 99 % correct)")
            .clicked()
        {
            app.scenario.requirement = Some(Requirement {
                latency: ModelMetric::EventLatencyP99.name().to_owned(),
                max_latency: Dur::from_mins(10),
                min_correct_share: 0.99,
                budget_per_year: None,
            });
            return true;
        }
        return false;
    };
    let mut changed = false;
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("latency");
        let current = LATENCIES
            .iter()
            .find(|(m, _)| m.name() == requirement.latency)
            .map_or(requirement.latency.as_str(), |(_, words)| words);
        egui::ComboBox::from_id_salt("requirement latency")
            .selected_text(current)
            .show_ui(ui, |ui| {
                for (metric, words) in LATENCIES {
                    if ui
                        .selectable_label(requirement.latency == metric.name(), *words)
                        .clicked()
                    {
                        requirement.latency = metric.name().to_owned();
                        changed = true;
                    }
                }
            })
            .response
            .labelled_by(label.id);
        let label = ui.label("at most");
        let mut minutes = requirement.max_latency.as_ms() as f64 / 60_000.0;
        if ui
            .add(
                egui::DragValue::new(&mut minutes)
                    .range(0.0..=100_000.0)
                    .suffix(" min"),
            )
            .labelled_by(label.id)
            .changed()
        {
            requirement.max_latency = Dur((minutes * 60_000.0).round() as i64);
            changed = true;
        }
        let label = ui.label("correct at least");
        let mut percent = requirement.min_correct_share * 100.0;
        if ui
            .add(
                egui::DragValue::new(&mut percent)
                    .range(0.0..=100.0)
                    .suffix(" %"),
            )
            .labelled_by(label.id)
            .changed()
        {
            requirement.min_correct_share = percent / 100.0;
            changed = true;
        }
        let mut budgeted = requirement.budget_per_year.is_some();
        if ui.checkbox(&mut budgeted, "budget a year").changed() {
            requirement.budget_per_year = budgeted.then_some(50_000.0);
            changed = true;
        }
        if let Some(budget) = &mut requirement.budget_per_year {
            changed |= ui
                .add(egui::DragValue::new(budget).range(0.0..=1e9).prefix("$"))
                .changed();
        }
    });
    changed
}
