//! The top bar and the sweep view.

use eframe::egui;
use egui_plot::{Legend, Line, Plot, PlotPoints};

use super::plots::*;
use super::{TidemarkApp, View};
use crate::explore::lessons::LESSONS;
use crate::measure::catalogue::Unit;
use crate::measure::report::display_value;

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
