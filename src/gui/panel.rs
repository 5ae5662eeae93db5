//! The scenario panel: pick or open a scenario, edit what matters, see every problem beside
//! its field in the words `tidemark validate` uses.

use eframe::egui::{self, Color32, RichText};

use super::{BUILT_IN, TidemarkApp};
use crate::engine::window::WindowSpec;
use crate::input::time::Dur;
use crate::input::workload::spec::{DelayDist, RateProfile};
use crate::runner::micro_batch::Trigger;

const ERROR: Color32 = Color32::from_rgb(200, 40, 40);

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
        if ui.button("Open").clicked() {
            match std::fs::read_to_string(&app.open_path) {
                Ok(text) => {
                    let path = app.open_path.clone();
                    app.load(&path, &text);
                }
                Err(e) => app.status = format!("cannot open {}: {e}", app.open_path),
            }
        }
        if ui.button("Save").clicked() {
            app.save_scenario();
        }
    });
    ui.label(RichText::new(app.scenario.description.clone()).italics());
    ui.separator();

    ui.strong("Workload");
    if let Some(source) = app.scenario.workload.sources.first_mut() {
        let rate = match &mut source.rate {
            RateProfile::Constant { per_minute } => per_minute,
            RateProfile::Diurnal {
                mean_per_minute, ..
            } => mean_per_minute,
        };
        ui.horizontal(|ui| {
            let label = ui.label("orders per minute");
            edited |= ui
                .add(egui::DragValue::new(rate).speed(1.0))
                .labelled_by(label.id)
                .changed();
        });
        edited |= ui
            .add(egui::Slider::new(&mut source.offline.share, 0.0..=0.5).text("offline share"))
            .changed();
        edited |= ui
            .add(egui::Slider::new(&mut source.duplicates.share, 0.0..=0.2).text("retried share"))
            .changed();
    }
    for path in [
        "workload.sources[0].rate",
        "workload.sources[0].offline.share",
        "workload.sources[0].duplicates",
    ] {
        problems_at(app, ui, path);
    }
    edited |= duration_field(
        app,
        ui,
        "offline max",
        "workload.sources[0].offline.max",
        |s| s.workload.sources.first_mut().map(|x| &mut x.offline.max),
    );
    edited |= duration_field(
        app,
        ui,
        "delay median",
        "workload.sources[0].delay.median",
        |s| match s.workload.sources.first_mut().map(|x| &mut x.delay) {
            Some(DelayDist::LogNormal { median, .. }) => Some(median),
            Some(DelayDist::Exponential { mean }) => Some(mean),
            _ => None,
        },
    );
    edited |= duration_field(
        app,
        ui,
        "delay p99",
        "workload.sources[0].delay.p99",
        |s| match s.workload.sources.first_mut().map(|x| &mut x.delay) {
            Some(DelayDist::LogNormal { p99, .. }) => Some(p99),
            _ => None,
        },
    );

    ui.separator();
    ui.strong("Query");
    let kinds = ["tumbling", "sliding", "session"];
    let current = match app.scenario.query.window {
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
        let size = app
            .scenario
            .query
            .window
            .length()
            .unwrap_or(Dur::from_hours(1));
        app.scenario.query.window = match chosen {
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
        app.field_text.remove("window size");
        app.field_text.remove("window slide");
        edited = true;
    }
    edited |= duration_field(app, ui, "window size", "query.window", |s| {
        match &mut s.query.window {
            WindowSpec::Tumbling { size, .. } | WindowSpec::Sliding { size, .. } => Some(size),
            WindowSpec::Session { gap } => Some(gap),
            WindowSpec::Global => None,
        }
    });
    edited |= duration_field(
        app,
        ui,
        "window slide",
        "query.window.slide",
        |s| match &mut s.query.window {
            WindowSpec::Sliding { slide, .. } => Some(slide),
            _ => None,
        },
    );

    ui.separator();
    ui.strong("Models");
    edited |= model_toggles(app, ui);
    edited |= duration_field(
        app,
        ui,
        "watermark delay",
        "streaming.watermark_delay",
        |s| s.streaming.as_mut().map(|x| &mut x.watermark_delay),
    );
    edited |= duration_field(
        app,
        ui,
        "allowed lateness",
        "streaming.allowed_lateness",
        |s| s.streaming.as_mut().map(|x| &mut x.allowed_lateness),
    );
    edited |= duration_field(app, ui, "trigger interval", "micro_batch.trigger", |s| {
        s.micro_batch.as_mut().map(|m| match &mut m.trigger {
            Trigger::ProcessingTime(d) | Trigger::AvailableNow { every: d } => d,
        })
    });
    edited |= duration_field(
        app,
        ui,
        "micro-batch watermark",
        "micro_batch.watermark_delay",
        |s| s.micro_batch.as_mut().map(|m| &mut m.watermark_delay),
    );
    edited |= duration_field(app, ui, "batch runs at", "batch.at", |s| {
        s.batch.as_mut().map(|b| &mut b.at)
    });

    ui.separator();
    ui.strong("Cost");
    if let Some(cost) = &mut app.scenario.cost {
        ui.horizontal(|ui| {
            let label = ui.label("$ per node-hour");
            edited |= ui
                .add(egui::DragValue::new(&mut cost.price_per_node_hour).speed(0.1))
                .labelled_by(label.id)
                .changed();
        });
        ui.horizontal(|ui| {
            let label = ui.label("nodes");
            edited |= ui
                .add(egui::DragValue::new(&mut cost.nodes).range(1..=1000))
                .labelled_by(label.id)
                .changed();
        });
    } else {
        ui.label("no prices in this scenario: costs are not compared");
        // The domain text's example price; every figure then says what it costs.
        if ui.button("Add a price ($4 per node-hour)").clicked() {
            app.scenario.cost = Some(crate::compose::cost::CostSpec {
                price_per_node_hour: 4.0,
                nodes: 1,
                billing: Default::default(),
                orchestration_per_run: 0.0,
                storage_per_gb_month: 0.0,
            });
            edited = true;
        }
    }
    problems_at(app, ui, "cost");

    let elsewhere: Vec<_> = (app.problems.iter())
        .filter(|p| !FIELD_PATHS.iter().any(|f| concerns(&p.path, f)))
        .collect();
    if !elsewhere.is_empty() {
        ui.separator();
        ui.strong("Problems with settings not shown here");
        for p in elsewhere {
            ui.label(RichText::new(format!("{}: {}", p.path, p.message)).color(ERROR));
        }
    }
    edited
}

/// A duration as text (`5m`, `1h30m`): applied when it parses, its error shown beside it.
fn duration_field(
    app: &mut TidemarkApp,
    ui: &mut egui::Ui,
    name: &'static str,
    path: &str,
    field: impl FnOnce(&mut crate::compose::scenario::Scenario) -> Option<&mut Dur>,
) -> bool {
    let Some(value) = field(&mut app.scenario) else {
        return false;
    };
    let text = app
        .field_text
        .entry(name)
        .or_insert_with(|| value.to_string());
    let mut edited = false;
    ui.horizontal(|ui| {
        let label = ui.label(name);
        if ui
            .add(egui::TextEdit::singleline(text).desired_width(90.0))
            .labelled_by(label.id)
            .changed()
        {
            match Dur::parse(text) {
                Ok(d) => {
                    *value = d;
                    app.field_errors.remove(name);
                    edited = true;
                }
                Err(message) => {
                    app.field_errors.insert(name, message);
                }
            }
        }
    });
    if let Some(message) = app.field_errors.get(name) {
        ui.label(RichText::new(message.as_str()).color(ERROR));
    }
    problems_at(app, ui, path);
    edited
}

/// True when the problem at `problem` concerns the field at `field` (or a part of it).
fn concerns(problem: &str, field: &str) -> bool {
    problem
        .strip_prefix(field)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// The scenario's problems with the field at `path`, under that field.
fn problems_at(app: &TidemarkApp, ui: &mut egui::Ui, path: &str) {
    for p in app.problems.iter().filter(|p| concerns(&p.path, path)) {
        ui.label(RichText::new(p.message.as_str()).color(ERROR));
    }
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

/// Where the panel's fields are in the scenario: their problems show beside them, the rest
/// at the end of the panel.
const FIELD_PATHS: &[&str] = &[
    "workload.sources[0].rate",
    "workload.sources[0].offline.share",
    "workload.sources[0].duplicates",
    "workload.sources[0].offline.max",
    "workload.sources[0].delay.median",
    "workload.sources[0].delay.p99",
    "query.window",
    "streaming.watermark_delay",
    "streaming.allowed_lateness",
    "micro_batch.trigger",
    "micro_batch.watermark_delay",
    "batch.at",
    "cost",
];

/// Checkboxes that switch each model on and off (its settings kept while off).
fn model_toggles(app: &mut TidemarkApp, ui: &mut egui::Ui) -> bool {
    let mut edited = false;
    macro_rules! toggle {
        ($ui:expr, $label:expr, $field:ident) => {
            let mut on = app.scenario.$field.is_some();
            let available = on || app.parked.$field.is_some();
            if $ui
                .add_enabled(available, egui::Checkbox::new(&mut on, $label))
                .changed()
            {
                if on {
                    app.scenario.$field = app.parked.$field.take();
                } else {
                    app.parked.$field = app.scenario.$field.take();
                }
                edited = true;
            }
        };
    }
    ui.horizontal(|ui| {
        toggle!(ui, "batch", batch);
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
