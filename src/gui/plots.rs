//! What the views' plots share: model colours and lines, fate colours, grid marks, hover
//! text, value labels on bars, staircases.

use eframe::egui::{self, Color32};
use egui_plot::{Bar, Line, PlotPoints};

use crate::measure::catalogue::{Model, Unit};
use crate::measure::report::display_value;

/// One colour per model, the same as in the exported charts.
pub fn colour(model: Model) -> Color32 {
    let c = crate::render::charts::model_colour(model);
    Color32::from_rgb(c.0, c.1, c.2)
}

/// A model's line, in its colour, never drawn as a band; the architectures dashed or dotted,
/// so that a line lying on another (Kappa on streaming) still shows.
pub(super) fn model_line<'a>(model: Model, points: PlotPoints<'a>) -> Line<'a> {
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
pub(super) fn marks_at(
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

/// About five grid marks at round values (1, 2 or 5 times a power of ten) over the range
/// shown: egui_plot's own spacing labels only 0 on a short axis.
pub(super) fn round_marks(input: egui_plot::GridInput) -> Vec<egui_plot::GridMark> {
    let (lo, hi) = input.bounds;
    let span = (hi - lo).max(1e-9);
    let rough = span / 5.0;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|&s| s >= rough)
        .unwrap_or(10.0 * power);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last)
        .map(|i| egui_plot::GridMark {
            value: i as f64 * step,
            step_size: step,
        })
        .collect()
}

/// A figure as the app shows it: as in the text report, but amounts grouped too
/// (`3,007,280.69`; the report keeps `3007280.69`, byte for byte as it always was).
pub(super) fn app_value(value: Option<f64>, unit: Unit) -> String {
    match (value, unit) {
        (Some(v), Unit::Value) => crate::measure::report::grouped_hundredths(v),
        _ => display_value(value, unit),
    }
}

/// A count on an axis: whole numbers with thousands separated, nothing between them.
pub(super) fn whole(value: f64) -> String {
    if (value - value.round()).abs() > 1e-6 {
        return String::new();
    }
    crate::measure::report::group_thousands(value.round() as i64)
}

/// Hover text for the point of a line near the pointer (the model and its x and y), none
/// elsewhere.
pub(super) fn near_a_line<'a>(
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

/// Writes each bar's value just above its top (the bar's, or its error bar's, in `tops`)
/// and its name just under it.
pub(super) fn label_bars(plot: &mut egui_plot::PlotUi<'_>, bars: &[Bar], tops: &[f64], unit: Unit) {
    for (bar, &top) in bars.iter().zip(tops) {
        let at = egui_plot::PlotPoint::new(bar.argument, top);
        plot.text(
            egui_plot::Text::new(
                format!("value {}", bar.argument),
                at,
                app_value(Some(bar.value), unit),
            )
            .anchor(egui::Align2::CENTER_BOTTOM),
        );
        plot.text(
            egui_plot::Text::new(
                format!("name {}", bar.argument),
                egui_plot::PlotPoint::new(bar.argument, 0.0),
                bar.name.as_str(),
            )
            .anchor(egui::Align2::CENTER_TOP),
        );
    }
}

/// A share as a whole percentage.
pub(super) fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// Shares from 0 to 100 % by quarters.
pub(super) const QUARTERS: &[f64] = &[0.0, 0.25, 0.5, 0.75, 1.0];

/// Durations on a log10(ms) axis: 1 s, 10 s, 1 min, 10 min, 1 h, 6 h, 1 d, 1 w.
pub(super) const LOG_DURATIONS: &[f64] = &[
    3.0, 4.0, 4.778_151, 5.778_151, 6.556_303, 7.334_454, 7.936_514, 8.781_612,
];

/// The names of [`LOG_DURATIONS`] on an axis: short, so that a day's range still reads.
const LOG_DURATION_NAMES: &[&str] = &["1 s", "10 s", "1 min", "10 min", "1 h", "6 h", "1 d", "1 w"];

/// An axis mark of [`LOG_DURATIONS`] by its short name, on an axis spanning `span` log
/// units: past 4.5 of them (milliseconds to days) every other name is left out, so that
/// none overprints its neighbour at half a 1024-pixel window.
pub(super) fn log_duration_name(x: f64, span: f64) -> &'static str {
    (LOG_DURATIONS.iter().zip(LOG_DURATION_NAMES).enumerate())
        .find(|(_, (v, _))| (**v - x).abs() < 1e-6)
        .filter(|(i, _)| span <= 4.5 || i % 2 == 0)
        .map_or("", |(_, (_, name))| name)
}

/// A value that changes at points, as a staircase: flat until the next change, then up. Equal
/// values and repeated times add no point (zero-length segments draw as wide smears).
pub(super) fn step_line(changes: impl Iterator<Item = [f64; 2]>) -> Vec<[f64; 2]> {
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

pub(super) const ON_TIME: Color32 = Color32::from_rgb(40, 160, 60);

pub(super) const LATE_KEPT: Color32 = Color32::from_rgb(240, 150, 20);

pub(super) const DROPPED: Color32 = Color32::from_rgb(210, 40, 40);
