//! The watermark lab view: events, watermark and windows over processing time, events by
//! hand, Spark beside Flink, the equivalent job, lessons' captions.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{Legend, Line, Plot, PlotPoints, Points, Polygon};

use super::TidemarkApp;
use super::plots::*;
use crate::explore::lab::{Fate, LabData, LabEvent, PlaybackCommand, clock};
use crate::explore::lessons::LESSONS;
use crate::input::time::{Dur, Ts};
use crate::measure::report::human_duration;

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
        // Thinned at high rates: the counts are of the events drawn.
        let drawn = match lab.one_in {
            1 => String::new(),
            k => format!(" (1 in {k} drawn)"),
        };
        let why_thinned = "at this rate the span holds more events than can be drawn: they are \
                           drawn 1 in so many (by id), and every dropped event is drawn";
        let on_time = ui
            .label(RichText::new(format!("on time {}{drawn}", count(Fate::OnTime))).color(ON_TIME));
        let kept = ui.label(
            RichText::new(format!("late but kept {}{drawn}", count(Fate::LateButKept)))
                .color(LATE_KEPT),
        );
        if lab.one_in > 1 {
            on_time.on_hover_text(why_thinned);
            kept.on_hover_text(why_thinned);
        }
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
    let canvas = Canvas::of(&lab, oldest_drawn);
    let edge = canvas.edge;
    let minutes = |t: Ts| canvas.minutes(t);
    let clock_at = |m: f64| canvas.clock_at(m);
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
    let point = |e: &LabEvent| canvas.point(e);
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
    let mut plot = canvas.plot("lab").height(height);
    // Two half-height plots have no room for legends: a key line says it instead.
    if lab.spark.is_none() {
        plot = plot.legend(Legend::default().position(egui_plot::Corner::LeftTop));
    }
    let response = plot
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
        spark_plot(ui, &lab, spark, &shown, &differing, canvas);
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
            ui.label(format!("lab in {}", super::views::took(ms)));
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

/// The lab's coordinates: minutes of processing time from the span's start on x, event time
/// on y in the same minutes, events far behind held at the lower `edge`.
#[derive(Clone, Copy)]
struct Canvas {
    from: Ts,
    to: Ts,
    /// Where events hours behind are drawn.
    edge: f64,
    /// The bottom of the event-time axis: the oldest event drawn.
    lowest: f64,
}

impl Canvas {
    /// The canvas of `lab`, with events older than `oldest_drawn` at the edge.
    fn of(lab: &LabData, oldest_drawn: Ts) -> Canvas {
        let mut canvas = Canvas {
            from: lab.from,
            to: lab.to,
            edge: 0.0,
            lowest: 0.0,
        };
        canvas.edge = canvas.minutes(oldest_drawn);
        canvas.lowest = (lab.events.iter())
            .map(|e| canvas.minutes(e.event_time).max(canvas.edge))
            .fold(0.0_f64, f64::min)
            - 1.0;
        canvas
    }

    /// `t` in minutes from the span's start.
    fn minutes(self, t: Ts) -> f64 {
        (t.as_ms().saturating_sub(self.from.as_ms())) as f64 / 60_000.0
    }

    /// The clock time `minutes` from the span's start.
    fn clock_at(self, minutes: f64) -> String {
        clock(self.from + Dur((minutes * 60_000.0).round() as i64))
    }

    /// Where `event` is drawn: arrival across, event time up (held at the edge).
    fn point(self, event: &LabEvent) -> [f64; 2] {
        [
            self.minutes(event.arrival_time),
            self.minutes(event.event_time).max(self.edge),
        ]
    }

    /// A plot on this canvas, linked to the lab's other plot: clock-time axes, fixed over the
    /// whole span so that playback does not rescale them (zoom and pan stay).
    fn plot(self, id: &str) -> Plot<'static> {
        Plot::new(id)
            .link_axis(egui::Id::unique("lab axes"), [true, true])
            .link_cursor(egui::Id::unique("lab axes"), [true, true])
            .x_axis_label("processing time (UTC)")
            .y_axis_label("event time (UTC)")
            .default_x_bounds(0.0, self.minutes(self.to).max(1.0))
            .default_y_bounds(self.lowest, self.minutes(self.to).max(self.lowest + 1.0))
            .x_axis_formatter(move |mark, _| self.clock_at(mark.value))
            .y_axis_formatter(move |mark, _| self.clock_at(mark.value))
    }
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
    canvas: Canvas,
) {
    let edge = canvas.edge;
    let minutes = |t: Ts| canvas.minutes(t);
    let clock_at = |m: f64| canvas.clock_at(m);
    let point = |e: &LabEvent| canvas.point(e);
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
    canvas
        .plot("lab spark")
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

/// Window bands: open, fired but taking late events, closed.
const OPEN: Color32 = Color32::from_rgb(200, 220, 250);

const LATENESS: Color32 = Color32::from_rgb(250, 210, 120);

const CLOSED: Color32 = Color32::from_gray(200);

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
