//! The panel's collapsed groups: every setting of each model a scenario runs (Kafka and
//! the Flink job, its faults, the Spark job, the batch job, the scheduled loop, the
//! architectures' layers) and the prices. Hover a setting for the engine option it stands for.

use eframe::egui::{self, CollapsingHeader, RichText};

use super::form::Form;
use crate::compose::cost::{Billing, CostSpec, PRICE_PRESETS};
use crate::compose::scenario::Scenario;
use crate::engine::operator::FiringMode;
use crate::engine::watermark::{WatermarkEmit, WatermarkFormula};
use crate::input::time::Dur;
use crate::measure::sink::SinkMode;
use crate::runner::batch::{BatchSpec, PlainMicroBatchSpec};
use crate::runner::fault::{Delivery, Fault, RestartFrom};
use crate::runner::micro_batch::{MicroBatchSpec, OutputMode, Trigger, WatermarkPolicy};
use crate::runner::streaming::StreamingSpec;

/// Draws every group, collapsed; a group whose settings have a problem says so in its title.
pub fn groups(form: &mut Form, ui: &mut egui::Ui, scenario: &mut Scenario) {
    section(
        ui,
        form,
        "Kafka and the Flink job",
        "streaming",
        |form, ui| match &mut scenario.streaming {
            Some(spec) => {
                streaming(form, ui, "streaming", spec);
                faults(form, ui, "streaming.faults", &mut spec.faults);
            }
            None => off(ui, "streaming"),
        },
    );
    section(
        ui,
        form,
        "The Spark job",
        "micro_batch",
        |form, ui| match &mut scenario.micro_batch {
            Some(spec) => micro_batch(form, ui, spec),
            None => off(ui, "micro-batch"),
        },
    );
    section(
        ui,
        form,
        "The batch job",
        "batch",
        |form, ui| match &mut scenario.batch {
            Some(spec) => batch(form, ui, "batch", spec),
            None => off(ui, "batch"),
        },
    );
    section(
        ui,
        form,
        "The scheduled loop",
        "plain_micro_batch",
        |form, ui| match &mut scenario.plain_micro_batch {
            Some(spec) => plain_loop(form, ui, spec),
            None => off(ui, "scheduled loop"),
        },
    );
    section(ui, form, "Lambda, Kappa, hybrid", "kappa", |form, ui| {
        architectures(form, ui, scenario)
    });
    section(ui, form, "Prices and billing", "cost", |form, ui| {
        prices(form, ui, &mut scenario.cost)
    });
}

/// A group, collapsed until opened; its title counts the problems inside.
fn section(
    ui: &mut egui::Ui,
    form: &mut Form,
    title: &str,
    path: &str,
    body: impl FnOnce(&mut Form, &mut egui::Ui),
) {
    let problems = (form.problems.iter())
        .filter(|p| super::form::concerns(&p.path, path))
        .count();
    let title = match problems {
        0 => RichText::new(title),
        1 => RichText::new(format!("{title} - 1 problem")).color(super::form::ERROR),
        n => RichText::new(format!("{title} - {n} problems")).color(super::form::ERROR),
    };
    CollapsingHeader::new(title)
        .id_salt(path)
        .default_open(false)
        .show(ui, |ui| body(form, ui));
}

fn off(ui: &mut egui::Ui, model: &str) {
    ui.label(RichText::new(format!("{model} is switched off (Models, above)")).weak());
}

const SINKS: &[(Option<SinkMode>, &str)] = &[
    (None, "by firing mode"),
    (Some(SinkMode::Upsert), "upsert"),
    (Some(SinkMode::Append), "append"),
];

/// The Flink job's settings at `path` (the scenario's, or an architecture's own layer).
fn streaming(form: &mut Form, ui: &mut egui::Ui, path: &str, spec: &mut StreamingSpec) {
    let at = |field: &str| format!("{path}.{field}");
    form.count(
        ui,
        "Kafka partitions",
        "each record goes to murmur2(key) % partitions; each partition holds its own watermark back",
        &at("partitions"),
        &mut spec.partitions,
        1..=4096,
    );
    form.optional_duration(
        ui,
        "idle partitions stop holding the watermark",
        "WatermarkStrategy.withIdleness(timeout): a partition without records this long is idle",
        &at("idle_timeout"),
        &mut spec.idle_timeout,
        Dur::from_mins(1),
    );
    form.count(
        ui,
        "parallelism",
        "parallel subtasks of the window operator (keys spread by Flink's key groups)",
        &at("parallelism"),
        &mut spec.parallelism,
        1..=4096,
    );
    form.optional_number(
        ui,
        "limited capacity",
        "records each subtask processes per second; off: unlimited",
        &at("capacity_per_second"),
        &mut spec.capacity_per_second,
        1000.0,
        " /s",
    );
    form.optional_duration(
        ui,
        "early firings",
        "ContinuousEventTimeTrigger-style speculative results this long after a pane's first event",
        &at("early_firing"),
        &mut spec.early_firing,
        Dur::from_mins(1),
    );
    form.choice(
        ui,
        "firing mode",
        "FIRE keeps the window's contents; FIRE_AND_PURGE clears them, so later firings carry only new events",
        &at("firing_mode"),
        &mut spec.firing_mode,
        &[
            (FiringMode::Accumulating, "accumulating (FIRE)"),
            (FiringMode::Discarding, "discarding (FIRE_AND_PURGE)"),
        ],
    );
    form.choice(
        ui,
        "sink",
        "upsert replaces a (window, key) row; append adds every firing. By firing mode: upsert for accumulating, append for discarding",
        &at("sink"),
        &mut spec.sink,
        SINKS,
    );
    form.choice(
        ui,
        "watermark formula",
        "DataStream's BoundedOutOfOrdernessWatermarks emits max - delay - 1 ms; Flink SQL's WATERMARK FOR emits max - delay",
        &at("watermark_formula"),
        &mut spec.watermark_formula,
        &[
            (WatermarkFormula::DataStream, "DataStream (max - delay - 1 ms)"),
            (WatermarkFormula::Sql, "SQL (max - delay)"),
        ],
    );
    let mut emits = vec![
        (
            WatermarkEmit::Default,
            "every 200 ms (Flink's default)".to_owned(),
        ),
        (WatermarkEmit::PerEvent, "after every event".to_owned()),
    ];
    if let WatermarkEmit::Periodic(every) = spec.watermark_emit {
        emits.push((spec.watermark_emit, format!("every {every}")));
    }
    let emits: Vec<(WatermarkEmit, &str)> = emits.iter().map(|(e, s)| (*e, s.as_str())).collect();
    form.choice(
        ui,
        "watermarks emitted",
        "pipeline.auto-watermark-interval (periodic), or a punctuated generator (per event)",
        &at("watermark_emit"),
        &mut spec.watermark_emit,
        &emits,
    );
}

/// The Flink job's faults: each editable and removable, and one of each kind to add.
fn faults(form: &mut Form, ui: &mut egui::Ui, path: &str, list: &mut Vec<Fault>) {
    ui.strong("Faults");
    let mut remove = None;
    for (i, fault) in list.iter_mut().enumerate() {
        let at = |field: &str| format!("{path}[{i}].{field}");
        ui.horizontal(|ui| {
            ui.label(RichText::new(fault_name(fault)).strong());
            if ui.small_button("remove").clicked() {
                remove = Some(i);
            }
        });
        ui.indent(format!("{path}[{i}]"), |ui| match fault {
            Fault::Crash {
                at: when,
                down_for,
                checkpoint_every,
                delivery,
            } => {
                form.duration(ui, "at", "from the workload start", &at("at"), when);
                form.duration(ui, "down for", "until the restart", &at("down_for"), down_for);
                form.duration(
                    ui,
                    "checkpoint every",
                    "execution.checkpointing.interval",
                    &at("checkpoint_every"),
                    checkpoint_every,
                );
                let auto = match delivery {
                    Delivery::AutoCommit { every } => *every,
                    _ => Dur::from_secs(5),
                };
                form.choice(
                    ui,
                    "delivery",
                    "exactly once: state and offsets from the checkpoint, a transactional sink; at least once: results after the checkpoint are written again; auto-commit: offsets committed on a timer, state lost",
                    &at("delivery"),
                    delivery,
                    &[
                        (Delivery::ExactlyOnce, "exactly once"),
                        (Delivery::AtLeastOnce, "at least once"),
                        (Delivery::AutoCommit { every: auto }, "auto-commit"),
                    ],
                );
            }
            Fault::Stop {
                at: when,
                down_for,
                retention,
                restart_from,
            } => {
                form.duration(ui, "at", "from the workload start", &at("at"), when);
                form.duration(ui, "stopped for", "offsets and state saved", &at("down_for"), down_for);
                form.duration(ui, "retention", "Kafka's retention.ms", &at("retention"), retention);
                form.choice(
                    ui,
                    "restart from",
                    "where the job restarts when its saved offsets are gone",
                    &at("restart_from"),
                    restart_from,
                    &[
                        (RestartFrom::Latest, "latest offset"),
                        (RestartFrom::Earliest, "earliest retained"),
                        (RestartFrom::Backfill, "backfill from the lake"),
                    ],
                );
            }
            Fault::IncompatibleCheckpoint { at: when, down_for } => {
                form.duration(ui, "at", "from the workload start", &at("at"), when);
                form.duration(ui, "upgrade takes", "the job restarts empty from the latest offsets", &at("down_for"), down_for);
            }
            Fault::CapacityDrop {
                at: when,
                lasting,
                capacity_per_second,
            } => {
                form.duration(ui, "at", "from the workload start", &at("at"), when);
                form.duration(ui, "lasting", "how long capacity stays low", &at("lasting"), lasting);
                form.number(
                    ui,
                    "capacity",
                    "records a subtask processes per second meanwhile",
                    &at("capacity_per_second"),
                    capacity_per_second,
                    " /s",
                );
            }
            Fault::ProcessingTimeWindows => {
                ui.label("windows by arrival (processing time) instead of event time");
            }
        });
    }
    if let Some(i) = remove {
        list.remove(i);
        form.typed.forget(path);
        form.edited = true;
    }
    form.problems(ui, path);
    let one_hour = Dur::from_hours(1);
    let kinds = [
        Fault::Crash {
            at: one_hour,
            down_for: Dur::from_mins(5),
            checkpoint_every: Dur::from_mins(1),
            delivery: Delivery::ExactlyOnce,
        },
        Fault::Stop {
            at: one_hour,
            down_for: Dur::from_hours(2),
            retention: Dur::from_hours(1),
            restart_from: RestartFrom::Latest,
        },
        Fault::IncompatibleCheckpoint {
            at: one_hour,
            down_for: Dur::from_mins(10),
        },
        Fault::CapacityDrop {
            at: one_hour,
            lasting: Dur::from_mins(30),
            capacity_per_second: 1.0,
        },
        Fault::ProcessingTimeWindows,
    ];
    ui.horizontal_wrapped(|ui| {
        ui.label("add");
        for kind in kinds {
            if ui.small_button(fault_name(&kind)).clicked() {
                // Faults are kept in time order, as validation asks.
                let at = kind.span().map(|(from, _)| from);
                let place = list
                    .iter()
                    .position(|f| f.span().map(|(from, _)| from) > at)
                    .unwrap_or(list.len());
                list.insert(place, kind);
                form.typed.forget(path);
                form.edited = true;
            }
        }
    });
}

fn fault_name(fault: &Fault) -> &'static str {
    match fault {
        Fault::Crash { .. } => "crash",
        Fault::Stop { .. } => "stop",
        Fault::IncompatibleCheckpoint { .. } => "incompatible upgrade",
        Fault::CapacityDrop { .. } => "capacity drop",
        Fault::ProcessingTimeWindows => "processing-time windows",
    }
}

fn micro_batch(form: &mut Form, ui: &mut egui::Ui, spec: &mut MicroBatchSpec) {
    let every = match spec.trigger {
        Trigger::ProcessingTime(d) | Trigger::AvailableNow { every: d } => d,
    };
    form.choice(
        ui,
        "trigger",
        "Trigger.ProcessingTime: a batch at each multiple of the interval; Trigger.AvailableNow started by a scheduler: each run takes all that is available and stops",
        "micro_batch.trigger",
        &mut spec.trigger,
        &[
            (Trigger::ProcessingTime(every), "ProcessingTime"),
            (Trigger::AvailableNow { every }, "AvailableNow, scheduled"),
        ],
    );
    form.choice(
        ui,
        "output mode",
        "append: each (window, key) once, when the watermark passes its end; update: every changed row each batch; complete: the whole table each batch",
        "micro_batch.output_mode",
        &mut spec.output_mode,
        &[
            (OutputMode::Append, "append"),
            (OutputMode::Update, "update"),
            (OutputMode::Complete, "complete"),
        ],
    );
    form.flag(
        ui,
        "no-data batches",
        "spark.sql.streaming.noDataMicroBatches.enabled: a batch without new data when the watermark moved, so windows are emitted and evicted",
        "micro_batch.no_data_batches",
        &mut spec.no_data_batches,
    );
    form.choice(
        ui,
        "several streams' watermark",
        "spark.sql.streaming.multipleWatermarkPolicy: the slowest stream (min, the default) or the fastest (max) sets it",
        "micro_batch.watermark_policy",
        &mut spec.watermark_policy,
        &[(WatermarkPolicy::Min, "min"), (WatermarkPolicy::Max, "max")],
    );
    form.duration(
        ui,
        "batch overhead",
        "fixed cost of every batch: planning, scheduling, committing offsets and state",
        "micro_batch.batch_overhead",
        &mut spec.batch_overhead,
    );
    form.count(
        ui,
        "executor cores",
        "cores working on a batch",
        "micro_batch.parallelism",
        &mut spec.parallelism,
        1..=4096,
    );
    form.optional_number(
        ui,
        "limited capacity",
        "records per second per core; off: unlimited",
        "micro_batch.capacity_per_second",
        &mut spec.capacity_per_second,
        1000.0,
        " /s",
    );
    form.duration(
        ui,
        "sink delay",
        "from the end of a batch to its rows being visible",
        "micro_batch.sink_delay",
        &mut spec.sink_delay,
    );
}

/// The batch job's settings at `path` (the scenario's, or an architecture's own layer).
fn batch(form: &mut Form, ui: &mut egui::Ui, path: &str, spec: &mut BatchSpec) {
    let at = |field: &str| format!("{path}.{field}");
    form.duration(
        ui,
        "period",
        "the period one run covers, and how often runs come (24h: daily)",
        &at("every"),
        &mut spec.every,
    );
    form.durations(
        ui,
        "corrections",
        "re-runs of the same period, from its first run (4h, 48h)",
        &at("corrections"),
        &mut spec.corrections,
    );
    form.duration(
        ui,
        "cluster start-up",
        "before the work begins; billed",
        &at("startup"),
        &mut spec.startup,
    );
    form.optional_number(
        ui,
        "limited capacity",
        "records per second the job reads; off: unlimited",
        &at("capacity_per_second"),
        &mut spec.capacity_per_second,
        1000.0,
        " /s",
    );
    form.choice(
        ui,
        "sink",
        "MERGE by (window, key) replaces what a re-run recomputes; INSERT adds its rows again",
        &at("sink"),
        &mut spec.sink,
        &[
            (SinkMode::Upsert, "upsert (MERGE)"),
            (SinkMode::Append, "append (INSERT)"),
        ],
    );
    form.flag(
        ui,
        "count each event id once",
        "SELECT DISTINCT over the lake, as a job over a deduplicated table does",
        &at("dedupe"),
        &mut spec.dedupe,
    );
    form.flag(
        ui,
        "range from NOW() (the mistake)",
        "WHERE event_time >= NOW() - period instead of the run date's period: a re-run gives another answer",
        &at("window_from_now"),
        &mut spec.window_from_now,
    );
    form.duration(
        ui,
        "sink delay",
        "from the end of a run to its rows being visible",
        &at("sink_delay"),
        &mut spec.sink_delay,
    );
}

fn plain_loop(form: &mut Form, ui: &mut egui::Ui, spec: &mut PlainMicroBatchSpec) {
    let path = "plain_micro_batch";
    form.duration(
        ui,
        "interval",
        "how often the loop runs",
        &format!("{path}.interval"),
        &mut spec.interval,
    );
    form.duration(
        ui,
        "look back",
        "how far back by event time each run re-reads (the overlap)",
        &format!("{path}.lookback"),
        &mut spec.lookback,
    );
    form.duration(
        ui,
        "overhead",
        "fixed cost of each run",
        &format!("{path}.overhead"),
        &mut spec.overhead,
    );
}

/// Each architecture's layers: the scenario's own jobs unless the file gives one its own.
fn architectures(form: &mut Form, ui: &mut egui::Ui, scenario: &mut Scenario) {
    let own = |has: bool| {
        if has {
            "its own (below)"
        } else {
            "the job above"
        }
    };
    if let Some(lambda) = &mut scenario.lambda {
        ui.strong("Lambda");
        ui.label(format!(
            "speed layer: {}; batch layer: {}",
            own(lambda.speed.is_some()),
            own(lambda.batch.is_some())
        ));
        if let Some(speed) = &mut lambda.speed {
            CollapsingHeader::new("its speed layer")
                .id_salt("lambda.speed")
                .show(ui, |ui| {
                    streaming(form, ui, "lambda.speed", speed);
                    faults(form, ui, "lambda.speed.faults", &mut speed.faults);
                });
        }
        if let Some(layer) = &mut lambda.batch {
            CollapsingHeader::new("its batch layer")
                .id_salt("lambda.batch")
                .show(ui, |ui| batch(form, ui, "lambda.batch", layer));
        }
        form.problems(ui, "lambda");
    }
    if let Some(kappa) = &mut scenario.kappa {
        ui.strong("Kappa");
        ui.label(format!("pipeline: {}", own(kappa.streaming.is_some())));
        form.duration(
            ui,
            "log retention",
            "Kafka's retention.ms: how far back the pipeline can replay",
            "kappa.retention",
            &mut kappa.retention,
        );
        form.optional_duration(
            ui,
            "reprocess from the log",
            "when the new pipeline starts replaying, from the workload start",
            "kappa.reprocess_at",
            &mut kappa.reprocess_at,
            Dur::from_hours(12),
        );
        form.optional_number(
            ui,
            "replay capacity",
            "records per second each subtask reads while catching up; off: the pipeline's own",
            "kappa.replay_capacity_per_second",
            &mut kappa.replay_capacity_per_second,
            5000.0,
            " /s",
        );
        if let Some(pipeline) = &mut kappa.streaming {
            CollapsingHeader::new("its pipeline")
                .id_salt("kappa.streaming")
                .show(ui, |ui| {
                    streaming(form, ui, "kappa.streaming", pipeline);
                    faults(form, ui, "kappa.streaming.faults", &mut pipeline.faults);
                });
        }
        form.problems(ui, "kappa");
    }
    if let Some(hybrid) = &mut scenario.hybrid {
        ui.strong("Hybrid");
        ui.label(format!(
            "streaming path: {}; batch path: {}",
            own(hybrid.streaming.is_some()),
            own(hybrid.batch.is_some())
        ));
        if let Some(layer) = &mut hybrid.batch {
            CollapsingHeader::new("its batch path")
                .id_salt("hybrid.batch")
                .show(ui, |ui| batch(form, ui, "hybrid.batch", layer));
        }
        form.problems(ui, "hybrid");
    }
    if scenario.lambda.is_none() && scenario.kappa.is_none() && scenario.hybrid.is_none() {
        ui.label(RichText::new("no architecture is switched on (Models, above)").weak());
    }
}

/// Prices: a vendor's preset (with its source) or the user's own, and how time is billed.
fn prices(form: &mut Form, ui: &mut egui::Ui, cost: &mut Option<CostSpec>) {
    let Some(spec) = cost else {
        ui.label("no prices in this scenario: costs are not compared");
        if ui
            .button("Add prices (the course example, $4 per node-hour)")
            .clicked()
        {
            *cost = Some(CostSpec {
                price_per_node_hour: 4.0,
                nodes: 1,
                billing: Billing::default(),
                orchestration_per_run: 0.0,
                storage_per_gb_month: 0.0,
            });
            form.edited = true;
        }
        return;
    };
    let chosen = (PRICE_PRESETS.iter()).find(|p| {
        p.billing == spec.billing
            && p.price_per_node_hour
                .is_none_or(|x| x == spec.price_per_node_hour)
    });
    let label = ui.label("price list");
    egui::ComboBox::from_id_salt("price preset")
        .selected_text(chosen.map_or("your own", |p| p.name))
        .width(ui.available_width() - 8.0)
        .show_ui(ui, |ui| {
            for preset in PRICE_PRESETS {
                if ui
                    .selectable_label(chosen.is_some_and(|c| c.name == preset.name), preset.name)
                    .on_hover_text(preset.source)
                    .clicked()
                {
                    if let Some(price) = preset.price_per_node_hour {
                        spec.price_per_node_hour = price;
                    }
                    spec.billing = preset.billing;
                    form.typed.forget("cost");
                    form.edited = true;
                }
            }
        })
        .response
        .labelled_by(label.id);
    if let Some(preset) = chosen {
        ui.label(RichText::new(format!("source: {}", preset.source)).small());
        ui.label(RichText::new(preset.note).small().weak());
    }
    form.number(
        ui,
        "$ per node-hour",
        "the price of one node (CFU, KPU, worker) for an hour",
        "cost.price_per_node_hour",
        &mut spec.price_per_node_hour,
        "",
    );
    form.count(
        ui,
        "nodes",
        "nodes in each cluster",
        "cost.nodes",
        &mut spec.nodes,
        1..=10_000,
    );
    let minimum = match spec.billing {
        Billing::PerSecond { minimum } => minimum,
        _ => Dur::ZERO,
    };
    form.choice(
        ui,
        "billed",
        "the increment compute time is rounded up to",
        "cost.billing",
        &mut spec.billing,
        &[
            (Billing::PerSecond { minimum }, "per second"),
            (Billing::PerMinute, "per started minute"),
            (Billing::PerHour, "per started hour"),
        ],
    );
    if let Billing::PerSecond { minimum } = &mut spec.billing {
        form.duration(
            ui,
            "minimum per start",
            "the least a cluster start is billed for (managed Flink: 10 minutes)",
            "cost.billing.minimum",
            minimum,
        );
    }
    form.number(
        ui,
        "$ per run",
        "a fixed charge per job run or always-on application, e.g. the scheduler's",
        "cost.orchestration_per_run",
        &mut spec.orchestration_per_run,
        "",
    );
    form.number(
        ui,
        "$ per GB-month",
        "state, log or lake storage",
        "cost.storage_per_gb_month",
        &mut spec.storage_per_gb_month,
        "",
    );
}

/// A model's settings when it is switched on for the first time in the app: the engines'
/// defaults, as a scenario file that names only the required fields gets them.
pub fn fresh<T: serde::de::DeserializeOwned>(ron: &str) -> Option<T> {
    ron::from_str(ron).ok()
}
