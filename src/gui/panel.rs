//! The scenario panel: pick or open a scenario, edit what matters, see every problem beside
//! its field in the words `tidemark validate` uses.

use eframe::egui::{self, RichText};

use super::form::{ERROR, Form};
use super::{BUILT_IN, FileAction, Parked, TidemarkApp, settings};
use crate::compose::scenario::Scenario;
use crate::engine::window::WindowSpec;
use crate::input::time::Dur;
use crate::input::trace::Epoch;
use crate::input::workload::recorded::TraceOrigin;
use crate::input::workload::spec::{DelayDist, RateProfile};
use crate::measure::report::group_thousands;
use crate::runner::micro_batch::Trigger;

/// Draws the panel; true when the scenario was edited.
pub fn scenario_panel(app: &mut TidemarkApp, ui: &mut egui::Ui) -> bool {
    let mut edited = false;
    ui.heading("Scenario");
    let mut picked = None;
    let modified = if app.persisted.modified {
        " (modified)"
    } else {
        ""
    };
    let label = ui.label(format!("built-in or file{modified}"));
    egui::ComboBox::from_id_salt("scenario picker")
        .width(ui.available_width() - 8.0)
        .selected_text(app.persisted.scenario_name.clone())
        .show_ui(ui, |ui| {
            for (group, members) in grouped() {
                ui.label(RichText::new(*group).strong());
                for (name, text, description) in members {
                    let chosen = app.persisted.scenario_name == *name;
                    if ui
                        .selectable_label(chosen, *name)
                        .on_hover_text(description.as_str())
                        .clicked()
                    {
                        picked = Some((*name, *text));
                    }
                    ui.label(RichText::new(description.as_str()).weak().small());
                }
            }
        })
        .response
        .labelled_by(label.id);
    if let Some((name, text)) = picked {
        app.load(name, text);
    }
    ui.horizontal(|ui| {
        let label = ui.label("file");
        ui.text_edit_singleline(&mut app.open_path)
            .labelled_by(label.id);
    });
    ui.horizontal(|ui| {
        if ui
            .button("Open")
            .on_hover_text("read the file named above")
            .clicked()
        {
            match std::fs::read_to_string(&app.open_path) {
                Ok(text) => {
                    let path = app.open_path.clone();
                    app.load(&path, &text);
                }
                Err(e) => app.status = format!("cannot open {}: {e}", app.open_path),
            }
        }
        if ui
            .button("Browse...")
            .on_hover_text("choose a scenario file to open")
            .clicked()
        {
            app.choose_file(FileAction::Open);
        }
        if ui
            .button("Save")
            .on_hover_text("write the scenario to the file named above")
            .clicked()
        {
            if app.open_path.trim().is_empty() {
                // A built-in has no file: ask where, never write over another one.
                app.choose_file(FileAction::Save);
            } else {
                app.save_scenario();
            }
        }
        if ui.button("Save as...").clicked() {
            app.choose_file(FileAction::Save);
        }
    });
    ui.label(RichText::new(app.scenario.description.clone()).italics());
    ui.separator();

    let mut choose_trace = false;
    let mut form = Form::new(&mut app.typed, &app.problems);
    let scenario = &mut app.scenario;

    let mut replications = u32::try_from(scenario.replications).unwrap_or(u32::MAX);
    let hint = format!(
        "independent runs of the workload on seeds derived from the scenario's: each figure their mean ± its 95% interval, each plot's band their range. Unless the scenario says, the app runs as many as fit {} events, at most {} (the default day: 5)",
        group_thousands(super::APP_REPLICATION_EVENTS as i64),
        super::APP_MAX_REPLICATIONS
    );
    let most = crate::input::limits::MAX_REPLICATIONS as u32;
    form.count(
        ui,
        "replications",
        &hint,
        "replications",
        &mut replications,
        1..=most,
    );
    scenario.replications = replications as usize;
    ui.separator();

    ui.strong("Workload");
    if let Some(trace) = &scenario.workload.trace {
        let size = trace.found.as_ref().map_or(String::new(), |found| {
            format!(
                ": {} events, {} keys",
                group_thousands(found.rows as i64),
                found.keys.len()
            )
        });
        ui.label(format!("recorded trace {}{size}", trace.path.display()));
    }
    let mut reread_trace = None;
    ui.horizontal(|ui| {
        if ui
            .button("Use a trace...")
            .on_hover_text("run every model on your own events: a CSV or JSON Lines file with id,key,value,event_time,arrival_time, in arrival order")
            .clicked()
        {
            choose_trace = true;
        }
        // The trace in use says its own unit; the box shows it, and sets the next one's.
        if let Some(trace) = &scenario.workload.trace {
            app.trace_in_seconds = trace.epoch == Some(Epoch::Seconds);
        }
        if ui
            .checkbox(&mut app.trace_in_seconds, "times in epoch seconds")
            .on_hover_text("times written as plain numbers count seconds since 1970 (Unix time, fractions allowed), not milliseconds: `epoch: Seconds` on the trace")
            .changed()
        {
            // Read again from where it was found (the path may be the scenario file's).
            reread_trace = scenario.workload.trace.as_ref().map(|t| match &t.found {
                Some(found) => match &found.origin {
                    TraceOrigin::File(file) => file.display().to_string(),
                    TraceOrigin::Shipped(name) => (*name).to_owned(),
                },
                None => t.path.display().to_string(),
            });
        }
    });
    if let Some(source) = scenario.workload.sources.first_mut() {
        let rate = match &mut source.rate {
            RateProfile::Constant { per_minute } => per_minute,
            RateProfile::Diurnal {
                mean_per_minute, ..
            } => mean_per_minute,
        };
        let at = "workload.sources[0]";
        let hint = "the first source's mean arrival rate";
        form.number(
            ui,
            "orders per minute",
            hint,
            &format!("{at}.rate"),
            rate,
            "",
        );
        form.edited |= ui
            .add(egui::Slider::new(&mut source.offline.share, 0.0..=0.5).text("offline share"))
            .on_hover_text("share of events from phones that went offline: they arrive late, up to 'offline max'")
            .changed();
        form.problems(ui, &format!("{at}.offline.share"));
        form.edited |= ui
            .add(egui::Slider::new(&mut source.duplicates.share, 0.0..=0.2).text("retried share"))
            .on_hover_text("share of events sent twice by a retrying client (same id)")
            .changed();
        form.problems(ui, &format!("{at}.duplicates"));
        let hint = "the latest an offline phone's events arrive";
        form.duration(
            ui,
            "offline max",
            hint,
            &format!("{at}.offline.max"),
            &mut source.offline.max,
        );
        let path = format!("{at}.delay.median");
        let hint = "half the events arrive within this of happening";
        match &mut source.delay {
            DelayDist::LogNormal { median, p99 } => {
                form.duration(ui, "delay median", hint, &path, median);
                let hint = "99 % of the events arrive within this";
                form.duration(ui, "delay p99", hint, &format!("{at}.delay.p99"), p99);
            }
            DelayDist::Exponential { mean } => form.duration(ui, "delay mean", hint, &path, mean),
            _ => {}
        }
    }

    ui.separator();
    ui.strong("Query");
    let kinds = ["tumbling", "sliding", "session"];
    let current = match scenario.query.window {
        WindowSpec::Tumbling { .. } => "tumbling",
        WindowSpec::Sliding { .. } => "sliding",
        WindowSpec::Session { .. } => "session",
        WindowSpec::Global => "global",
    };
    let mut chosen = current;
    egui::ComboBox::from_label("windows")
        .selected_text(current)
        .show_ui(ui, |ui| {
            for kind in kinds {
                ui.selectable_value(&mut chosen, kind, kind);
            }
        });
    if chosen != current {
        let size = scenario.query.window.length().unwrap_or(Dur::from_hours(1));
        scenario.query.window = match chosen {
            "sliding" => WindowSpec::Sliding {
                size,
                slide: Dur(size.as_ms() / 4).max(Dur(1)),
                offset: Dur::ZERO,
            },
            "session" => WindowSpec::Session {
                gap: Dur(size.as_ms() / 4).max(Dur(1)),
            },
            _ => WindowSpec::Tumbling {
                size,
                offset: Dur::ZERO,
            },
        };
        form.typed.forget("query.window");
        form.edited = true;
    }
    match &mut scenario.query.window {
        WindowSpec::Tumbling { size, .. } => {
            form.duration(ui, "window size", "TUMBLE(ts, size)", "query.window", size);
        }
        WindowSpec::Sliding { size, slide, .. } => {
            form.duration(
                ui,
                "window size",
                "HOP(ts, slide, size)",
                "query.window",
                size,
            );
            let hint = "a window starts every slide; an event is in size/slide windows";
            form.duration(ui, "window slide", hint, "query.window.slide", slide);
        }
        WindowSpec::Session { gap } => {
            let hint = "a key's session closes after this long without its events";
            form.duration(ui, "session gap", hint, "query.window", gap);
        }
        WindowSpec::Global => form.problems(ui, "query.window"),
    }

    ui.separator();
    ui.strong("Models");
    form.edited |= model_toggles(scenario, &mut app.parked, ui);
    if let Some(spec) = &mut scenario.streaming {
        let hint =
            "forBoundedOutOfOrderness: how far behind the largest event time the watermark stays";
        let path = "streaming.watermark_delay";
        form.duration(ui, "watermark delay", hint, path, &mut spec.watermark_delay);
        let hint = "Flink's allowedLateness: windows stay open this long after the watermark passes their end";
        let path = "streaming.allowed_lateness";
        form.duration(
            ui,
            "allowed lateness",
            hint,
            path,
            &mut spec.allowed_lateness,
        );
    }
    if let Some(spec) = &mut scenario.micro_batch {
        let hint = "Spark's trigger interval";
        let every = match &mut spec.trigger {
            Trigger::ProcessingTime(d) | Trigger::AvailableNow { every: d } => d,
        };
        form.duration(ui, "trigger interval", hint, "micro_batch.trigger", every);
        let hint = "withWatermark(eventTime, delay)";
        let path = "micro_batch.watermark_delay";
        form.duration(
            ui,
            "micro-batch watermark",
            hint,
            path,
            &mut spec.watermark_delay,
        );
    }
    if let Some(spec) = &mut scenario.batch {
        let hint = "when a period's run starts after the period ends (6h: 06:00 the next day)";
        form.duration(ui, "batch runs at", hint, "batch.at", &mut spec.at);
    }
    ui.separator();
    settings::groups(&mut form, ui, scenario);
    edited |= form.edited;
    let elsewhere: Vec<String> = (form.not_shown().iter())
        .filter(|p| !p.path.starts_with("requirement"))
        .map(|p| format!("{}: {}", p.path, p.message))
        .collect();
    edited |= super::advisor::requirement_section(app, ui);
    if choose_trace {
        app.choose_file(FileAction::Trace);
    }
    if let Some(path) = reread_trace {
        app.use_trace(&path);
    }
    if !elsewhere.is_empty() {
        ui.separator();
        ui.strong("Problems with settings not shown here");
        for problem in elsewhere {
            ui.label(RichText::new(problem).color(ERROR));
        }
    }
    edited
}

/// The built-in scenarios by what they teach, each with its one-line description.
type Entry = (&'static str, &'static str, String);

/// Read once: the descriptions come from parsing each scenario.
fn grouped() -> &'static [(&'static str, Vec<Entry>)] {
    static GROUPED: std::sync::OnceLock<Vec<(&'static str, Vec<Entry>)>> =
        std::sync::OnceLock::new();
    GROUPED.get_or_init(group_built_ins)
}

fn group_built_ins() -> Vec<(&'static str, Vec<Entry>)> {
    // By file-name prefix, in the order a newcomer would look.
    const GROUPS: &[(&str, &[&str])] = &[
        ("FreshMart requirements", &["freshmart_"]),
        ("Lessons and costs", &["lesson_", "cost_"]),
        ("Kafka", &["kafka_"]),
        ("Spark", &["spark_"]),
        ("Flink", &["flink_", "state_growth"]),
        (
            "Faults and load",
            &["crash_", "checkpoint_", "consumer_lag", "flash_sale"],
        ),
        ("Architectures", &["lambda_"]),
        ("Production scale", &["production_"]),
        ("Your own data", &["your_"]),
    ];
    let describe = |text: &str, name: &str| {
        crate::compose::scenario::Scenario::from_ron(text, name)
            .map(|s| s.description)
            .unwrap_or_default()
    };
    let group_of = |name: &str| {
        (GROUPS.iter())
            .find(|(_, prefixes)| prefixes.iter().any(|p| name.starts_with(p)))
            .map_or("Error library", |(group, _)| group)
    };
    let mut groups: Vec<(&'static str, Vec<Entry>)> = (GROUPS.iter())
        .map(|(g, _)| (*g, Vec::new()))
        .chain(std::iter::once(("Error library", Vec::new())))
        .collect();
    for &(name, text) in BUILT_IN {
        let group = group_of(name);
        if let Some((_, members)) = groups.iter_mut().find(|(g, _)| *g == group) {
            members.push((name, text, describe(text, name)));
        }
    }
    groups.retain(|(_, members)| !members.is_empty());
    groups
}

/// Checkboxes that switch each model on and off (its settings kept while off).
fn model_toggles(scenario: &mut Scenario, parked: &mut Parked, ui: &mut egui::Ui) -> bool {
    let mut edited = false;
    macro_rules! toggle {
        ($ui:expr, $label:expr, $field:ident) => {
            let mut on = scenario.$field.is_some();
            let model = crate::measure::catalogue::Model::from_name(stringify!($field));
            let hint = model.map_or("", |m| m.description());
            if $ui.checkbox(&mut on, $label).on_hover_text(hint).changed() {
                if on {
                    scenario.$field = parked.$field.take();
                } else {
                    parked.$field = scenario.$field.take();
                }
                edited = true;
            }
        };
    }
    ui.horizontal_wrapped(|ui| {
        toggle!(ui, "batch", batch);
        toggle!(ui, "loop", plain_micro_batch);
        toggle!(ui, "micro-batch", micro_batch);
        toggle!(ui, "streaming", streaming);
    });
    ui.horizontal(|ui| {
        toggle!(ui, "lambda", lambda);
        toggle!(ui, "kappa", kappa);
        toggle!(ui, "hybrid", hybrid);
    });
    edited
}
