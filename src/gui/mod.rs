//! The desktop app (feature `gui`): a scenario panel on the left, and three views — the
//! models compared side by side, the watermark lab, and the watermark sweep. Simulations run
//! on a worker thread; parameter changes re-run them after a short pause.

mod advisor;
mod compare;
mod form;
mod lab_view;
mod panel;
mod plots;
mod settings;
mod views;
pub mod worker;

use std::path::PathBuf;
use std::sync::Arc;

use eframe::egui;
use serde::{Deserialize, Serialize};

use crate::compose::run::RunOutput;
use crate::compose::scenario::{DEFAULT_SCENARIO, Scenario};
use crate::explore::lab::{
    HandEvent, LabCheckpoints, LabData, LabRequest, Playback, PlaybackCommand, spark_beside,
};
use crate::explore::lessons::{LESSONS, Lesson};
use crate::explore::sweep::{GridPoint, Parameter, Vary};
use crate::input::time::Dur;
use crate::input::validation::Problem;
use worker::{Done, Job, Worker};

/// A shipped scenario compiled into the app: its file name and text.
macro_rules! built_in {
    ($file:literal) => {
        ($file, include_str!(concat!("../../scenarios/", $file)))
    };
}

/// Scenarios built into the app, by file name. The week at production scale is not among them:
/// it holds some 6 GB while it runs (the day about 1 GB).
pub const BUILT_IN: &[(&str, &str)] = &[
    DEFAULT_SCENARIO,
    built_in!("lesson_2358_delivery.ron"),
    built_in!("lesson_measured_day.ron"),
    built_in!("cost_17_minutes_a_day.ron"),
    built_in!("freshmart_cancellation_dashboard.ron"),
    built_in!("freshmart_daily_orders.ron"),
    built_in!("freshmart_finance_pnl.ron"),
    built_in!("freshmart_fraud_check.ron"),
    built_in!("freshmart_ops_dashboard.ron"),
    built_in!("batch_now_relative_rerun.ron"),
    built_in!("checkpoint_incompatible_upgrade.ron"),
    built_in!("consumer_lag_catch_up.ron"),
    built_in!("crash_at_least_once.ron"),
    built_in!("crash_auto_commit.ron"),
    built_in!("crash_exactly_once.ron"),
    built_in!("flash_sale_consumer_lag.ron"),
    built_in!("flink_late_firings_append_sink.ron"),
    built_in!("flink_late_firings_upsert_sink.ron"),
    built_in!("flink_restart_forgets_watermark.ron"),
    built_in!("kafka_idle_partition_fixed.ron"),
    built_in!("kafka_idle_partition_stall.ron"),
    built_in!("kafka_idle_partition_wakes_up.ron"),
    built_in!("kafka_retention_expired.ron"),
    built_in!("lambda_kappa_hybrid.ron"),
    built_in!("mobile_offline_skew.ron"),
    built_in!("processing_time_windows.ron"),
    built_in!("spark_available_now_watermark.ron"),
    built_in!("spark_no_data_batches_off.ron"),
    built_in!("spark_two_streams_max_watermark.ron"),
    built_in!("spark_two_streams_min_watermark.ron"),
    built_in!("state_growth_watermark_delay.ron"),
    built_in!("production_day_1000_per_second.ron"),
    built_in!("your_own_trace.ron"),
];

/// The views of the central area.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum View {
    /// Models side by side.
    #[default]
    Compare,
    /// Events, watermark and windows over processing time.
    Lab,
    /// The watermark trade-off curve.
    Sweep,
    /// The cheapest model that meets the requirement.
    Advise,
}

/// What survives a restart: the scenario being edited and the view.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Persisted {
    /// The scenario as RON.
    pub scenario_ron: Option<String>,
    /// Its name in the picker.
    pub scenario_name: String,
    /// The view shown.
    pub view: View,
    /// The folder exports go to.
    pub export_dir: String,
    /// Events added to the lab by hand.
    pub lab_added: Vec<HandEvent>,
    /// The moment the lab shows.
    pub lab_around: Option<crate::input::time::Ts>,
    /// The lesson open.
    pub lesson: Option<usize>,
    /// Spark drawn beside Flink in the lab.
    pub lab_spark: bool,
    /// Edited since it was loaded or saved.
    pub modified: bool,
    /// The processing time the lab shows (none: 90 minutes).
    pub lab_span: Option<Dur>,
}

/// Events the app's replications of a scenario may generate in all, run-in and run-out
/// included: the default day (about 160,000 events with them) gets 5 replications,
/// re-plotted within about 250 ms on two cores.
pub const APP_REPLICATION_EVENTS: f64 = 800_000.0;

/// The most replications the app runs unless the scenario says.
pub const APP_MAX_REPLICATIONS: usize = 10;

/// A scenario that does not say how many replications (one) runs as many in the app as fit
/// [`APP_REPLICATION_EVENTS`], up to [`APP_MAX_REPLICATIONS`]: its figures carry intervals
/// while an edit still re-plots at once. A recorded trace is the same every time: one.
pub fn with_app_replications(scenario: &mut Scenario) {
    if scenario.replications > 1 || scenario.workload.trace.is_some() {
        return;
    }
    let events = scenario.run_workload().expected_events().max(1.0);
    scenario.replications =
        ((APP_REPLICATION_EVENTS / events) as usize).clamp(1, APP_MAX_REPLICATIONS);
}

/// The last finished run.
pub struct Finished {
    /// Everything the first replication produced, with the report of them all (means and
    /// intervals).
    pub output: RunOutput,
    /// The scenario it ran: what the figures belong to.
    pub scenario: Scenario,
    /// How long it took, in milliseconds.
    pub took_ms: u128,
    /// Per model (in `output.models` order), the share of ended windows served correctly
    /// over processing time, as plotted: hours, share.
    pub correctness: Vec<Vec<[f64; 2]>>,
    /// Per model, the band the replications' curves span (empty from one replication).
    pub bands: compare::Bands,
}

/// One of the lab's own settings (watermark delay, allowed lateness): as typed and as read.
#[derive(Clone, Debug, Default)]
pub struct LabKnob {
    /// The duration in force.
    pub value: Dur,
    /// The text in its field.
    pub text: String,
    /// Why the text could not be read.
    pub error: Option<String>,
}

impl LabKnob {
    /// Sets it (and its field) to `value`.
    pub fn set(&mut self, value: Dur) {
        *self = LabKnob {
            value,
            text: value.to_string(),
            error: None,
        };
    }

    /// Reads what was typed: a duration that is not negative.
    pub fn read_text(&mut self) -> bool {
        match Dur::parse(self.text.trim()) {
            Ok(d) if d >= Dur::ZERO => {
                self.value = d;
                self.error = None;
                true
            }
            Ok(d) => {
                self.error = Some(format!("{d} is negative: write 0s or more, like 5m"));
                false
            }
            Err(message) => {
                self.error = Some(message);
                false
            }
        }
    }
}

/// The app.
pub struct TidemarkApp {
    persisted: Persisted,
    /// The scenario as edited.
    pub scenario: Scenario,
    /// What is typed into the panel's fields, and why it does not read.
    typed: form::Typed,
    /// The scenario's validation problems.
    pub problems: Vec<Problem>,
    /// Model sections switched off, kept to switch back on.
    parked: Parked,
    worker: Worker,
    /// Generation of the run we wait for, if any.
    waiting_run: Option<u64>,
    waiting_sweep: Option<u64>,
    /// When an edit was made, in egui time: the run starts after a pause.
    edited_at: Option<f64>,
    /// The last finished run.
    pub finished: Option<Arc<Finished>>,
    /// The lab of the last run (recomputed live by the lab's sliders).
    pub lab: Option<Arc<LabData>>,
    /// Lab overrides of the streaming settings.
    pub lab_knobs: [LabKnob; 2],
    /// The scenario's (watermark delay, allowed lateness) the lab's knobs last followed.
    lab_follows: Option<(crate::input::time::Dur, crate::input::time::Dur)>,
    /// The lab's own worker (a lab job never cancels a run), and the lab job waited for.
    lab_worker: Worker,
    waiting_lab: Option<u64>,
    /// The moment the lab shows (none: the middle of the workload).
    pub lab_around: Option<crate::input::time::Ts>,
    /// The text typed to jump there, and why it could not be read.
    pub lab_jump: String,
    /// See [`lab_jump`](Self::lab_jump).
    pub lab_jump_error: Option<String>,
    /// The event pinned in the lab, by (id, arrival): retried copies share an id.
    pub lab_pinned: Option<(u64, crate::input::time::Ts)>,
    /// How long the last lab recomputed on its own took (milliseconds).
    pub lab_took_ms: Option<u128>,
    /// Plain-number times in the trace used next are epoch seconds (the panel's tick box,
    /// which shows the trace in use's own setting when there is one).
    pub trace_in_seconds: bool,
    /// The figures shown are not those of the settings shown (edited since, or the run was
    /// cancelled or could not start).
    pub figures_stale: bool,
    /// Models hidden from the compare view's plots.
    pub hidden_models: std::collections::BTreeSet<crate::measure::catalogue::Model>,
    /// The lesson open, as an index of [`LESSONS`].
    pub lesson: Option<usize>,
    /// The form adding an event by hand: key, event time, arrival, and why it was refused.
    pub lab_form: [String; 3],
    /// See [`lab_form`](Self::lab_form).
    pub lab_form_error: Option<String>,
    /// The lab's playback.
    pub playback: Playback,
    /// The last sweep.
    pub sweep: Option<Result<(Vary, Vec<GridPoint>), String>>,
    /// The setting the sweep varies, and its range as typed (from, to, step).
    pub sweep_parameter: Parameter,
    /// See [`sweep_parameter`](Self::sweep_parameter).
    pub sweep_range: [String; 3],
    /// The advisor's worker, the job waited for, and its last answer.
    advise_worker: Worker,
    waiting_advice: Option<u64>,
    /// The last advice, or why there is none.
    pub advice: Option<Result<crate::explore::advise::Advice, String>>,
    /// A one-line status (exports, files).
    pub status: String,
    open_path: String,
    /// The file dialog open, and what its choice is for.
    file_dialog: Option<(FileAction, egui_file::FileDialog)>,
}

/// What a file chosen in the dialog is for.
#[derive(Clone, Copy, PartialEq)]
pub enum FileAction {
    Open,
    Save,
    /// A trace to use as the workload.
    Trace,
}

/// Models switched off in the app, kept to switch back on. A model the scenario never had
/// starts with the engines' defaults (architectures: layers from the scenario's own batch and
/// streaming jobs, a week of retention).
struct Parked {
    batch: Option<crate::runner::batch::BatchSpec>,
    plain_micro_batch: Option<crate::runner::batch::PlainMicroBatchSpec>,
    micro_batch: Option<crate::runner::micro_batch::MicroBatchSpec>,
    streaming: Option<crate::runner::streaming::StreamingSpec>,
    lambda: Option<crate::compose::architecture::LambdaSpec>,
    kappa: Option<crate::compose::architecture::KappaSpec>,
    hybrid: Option<crate::compose::architecture::HybridSpec>,
}

impl Default for Parked {
    fn default() -> Self {
        use settings::fresh;
        Parked {
            // A daily job at 06:00, a 1-minute Spark trigger and Flink with a 5-minute bound.
            batch: fresh(r#"(at: "6h")"#),
            plain_micro_batch: fresh(r#"(interval: "1m", lookback: "10m")"#),
            micro_batch: fresh(r#"(trigger: ProcessingTime("1m"), watermark_delay: "10m")"#),
            streaming: Some(crate::runner::streaming::StreamingSpec::with_delay(
                Dur::from_mins(5),
            )),
            lambda: Some(Default::default()),
            kappa: fresh(r#"(retention: "168h")"#),
            hybrid: Some(Default::default()),
        }
    }
}

/// Pause after the last edit before re-running, in seconds.
const DEBOUNCE_S: f64 = 0.3;

impl TidemarkApp {
    /// The app, with `initial` (name, RON) or else the last scenario or the default one.
    pub fn new(cc: &eframe::CreationContext<'_>, initial: Option<(String, String)>) -> Self {
        let mut persisted: Persisted = cc
            .storage
            .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
            .unwrap_or_default();
        if persisted.export_dir.is_empty() {
            persisted.export_dir = "tidemark-export".into();
        }
        let (name, text) = initial
            .or_else(|| {
                persisted
                    .scenario_ron
                    .clone()
                    .map(|ron| (persisted.scenario_name.clone(), ron))
            })
            .unwrap_or_else(|| (DEFAULT_SCENARIO.0.to_owned(), DEFAULT_SCENARIO.1.to_owned()));
        // What is shown is what runs: a text that no longer reads falls back to the default
        // scenario under its own name.
        let (name, text, mut scenario) = match Scenario::from_ron(&text, &name) {
            Ok(scenario) => (name, text, scenario),
            Err(_) => (
                DEFAULT_SCENARIO.0.to_owned(),
                DEFAULT_SCENARIO.1.to_owned(),
                Scenario::default_scenario(),
            ),
        };
        with_app_replications(&mut scenario);
        if name != persisted.scenario_name {
            // The lab's moment, hand-added events and lesson belonged to another scenario.
            persisted.lab_added.clear();
            persisted.lab_around = None;
            persisted.lesson = None;
        }
        // A file (not a built-in) is saved back where it came from.
        let open_path = if BUILT_IN.iter().any(|(n, _)| *n == name) {
            String::new()
        } else {
            name.clone()
        };
        persisted.scenario_ron = Some(text);
        persisted.scenario_name = name;
        let ctx = cc.egui_ctx.clone();
        // The run's lab and the lab's own jobs replay from the same checkpoints.
        let checkpoints = Arc::new(std::sync::Mutex::new(LabCheckpoints::default()));
        let worker = Worker::start(
            {
                let ctx = ctx.clone();
                move || ctx.request_repaint()
            },
            checkpoints.clone(),
        );
        let advise_worker = Worker::start(
            {
                let ctx = ctx.clone();
                move || ctx.request_repaint()
            },
            checkpoints.clone(),
        );
        let lab_worker = Worker::start(move || ctx.request_repaint(), checkpoints);
        let (lab_around, lesson) = (persisted.lab_around, persisted.lesson);
        let mut app = TidemarkApp {
            persisted,
            scenario,
            typed: form::Typed::default(),
            problems: Vec::new(),
            parked: Parked::default(),
            worker,
            waiting_run: None,
            waiting_sweep: None,
            edited_at: None,
            finished: None,
            lab: None,
            lab_knobs: Default::default(),
            lab_follows: None,
            lab_worker,
            waiting_lab: None,
            lab_around,
            lab_jump: String::new(),
            lab_jump_error: None,
            lab_form: ["delivery-2358".into(), "23:58".into(), "00:03".into()],
            lab_form_error: None,
            lab_took_ms: None,
            trace_in_seconds: false,
            figures_stale: false,
            hidden_models: Default::default(),
            lab_pinned: None,
            lesson,
            playback: Playback::new(crate::input::time::Ts(0)),
            sweep: None,
            sweep_parameter: Parameter::WatermarkDelay,
            sweep_range: {
                let (from, to, step) = Parameter::WatermarkDelay.default_range();
                [from.to_string(), to.to_string(), step.to_string()]
            },
            advise_worker,
            waiting_advice: None,
            advice: None,
            status: String::new(),
            open_path,
            file_dialog: None,
        };
        app.scenario_replaced();
        app.start_run();
        app
    }

    /// True while a run is on its way.
    pub fn running(&self) -> bool {
        self.waiting_run.is_some() || self.edited_at.is_some()
    }

    /// True while a sweep is on its way.
    pub fn sweeping(&self) -> bool {
        self.waiting_sweep.is_some()
    }

    /// `model`'s `metric` in the last finished run.
    pub fn metric(
        &self,
        model: crate::measure::catalogue::Model,
        metric: crate::measure::catalogue::ModelMetric,
    ) -> Option<f64> {
        self.finished
            .as_ref()
            .and_then(|f| f.output.report.model(model, metric))
    }

    fn start_run(&mut self) {
        self.edited_at = None;
        if !self.problems.is_empty() || self.typed.has_errors() {
            return;
        }
        self.follow_scenario_in_lab();
        self.waiting_run = Some(self.worker.submit(Job::Run {
            scenario: Box::new(self.scenario.clone()),
            lab: Box::new(self.lab_request()),
        }));
    }

    /// The lab's own knobs follow the scenario only when its values changed: what the user set
    /// in the lab stays.
    fn follow_scenario_in_lab(&mut self) {
        let job = crate::explore::lab::flink_job(&self.scenario);
        let settings = Some((job.watermark_delay, job.allowed_lateness));
        if settings != self.lab_follows {
            self.lab_follows = settings;
            self.lab_knobs[0].set(job.watermark_delay);
            self.lab_knobs[1].set(job.allowed_lateness);
        }
    }

    /// The streaming settings the lab runs with: the scenario's, with the lab's delay and
    /// lateness.
    pub fn lab_settings(&self) -> crate::runner::streaming::StreamingSpec {
        let mut spec = crate::explore::lab::flink_job(&self.scenario);
        spec.watermark_delay = self.lab_knobs[0].value;
        spec.allowed_lateness = self.lab_knobs[1].value;
        spec
    }

    /// What the lab is to show: its settings, its moment and the events added by hand.
    fn lab_request(&self) -> LabRequest {
        LabRequest {
            spec: self.lab_settings(),
            around: self.lab_around,
            added: self.persisted.lab_added.clone(),
            spark: (self.persisted.lab_spark)
                .then(|| spark_beside(&self.scenario, self.lab_knobs[0].value)),
            span: self.persisted.lab_span,
        }
    }

    /// Measures the advisor's candidates on a worker of its own (a run is not cancelled).
    pub fn start_advise(&mut self) {
        self.waiting_advice = Some(
            self.advise_worker
                .submit(Job::Advise(Box::new(self.scenario.clone()))),
        );
    }

    /// True while the advisor measures.
    pub fn advising(&self) -> bool {
        self.waiting_advice.is_some()
    }

    /// Runs the sweep the view describes (`tidemark sweep --vary NAME=FROM..TO/STEP`); a
    /// range that does not read is said instead.
    pub fn start_sweep(&mut self) {
        let [from, to, step] = &self.sweep_range;
        let text = format!("{}={from}..{to}/{step}", self.sweep_parameter.name());
        let vary = match text.parse::<Vary>() {
            Ok(vary) => vary,
            Err(why) => {
                self.sweep = Some(Err(why));
                return;
            }
        };
        self.waiting_sweep = Some(
            self.worker
                .submit(Job::Sweep(Box::new(self.scenario.clone()), vary)),
        );
        // A sweep supersedes a run in flight: run again after it.
        if self.waiting_run.take().is_some() {
            self.edited_at = Some(0.0);
        }
    }

    /// The scenario changed in a way the fields must follow (loaded, picked).
    fn scenario_replaced(&mut self) {
        self.typed.clear();
        self.parked = Parked::default();
        self.problems = self.scenario.problems();
        // The lab follows the scenario's streaming job (or Flink's default) afresh.
        self.lab_follows = None;
        self.follow_scenario_in_lab();
        self.sweep = None;
        self.advice = None;
    }

    /// An edit: validate now, run after the pause.
    fn edited(&mut self, now: f64) {
        self.figures_stale = true;
        self.persisted.modified = true;
        self.problems = self.scenario.problems();
        self.edited_at = Some(now);
        self.persisted.scenario_ron =
            ron::ser::to_string_pretty(&self.scenario, Default::default()).ok();
    }

    fn load(&mut self, name: &str, text: &str) {
        self.load_as(name, text, None);
    }

    /// Loads a scenario, for lesson `lesson` if any: the lab shows the lesson's moment and
    /// events by hand, or else the middle of the new workload and none.
    fn load_as(&mut self, name: &str, text: &str, lesson: Option<usize>) {
        match Scenario::from_ron(text, name) {
            Ok(mut scenario) => {
                with_app_replications(&mut scenario);
                self.figures_stale = true;
                let taught = lesson.and_then(|i| LESSONS.get(i));
                self.persisted.modified = false;
                // A built-in has no file: Save asks for a path rather than overwrite another.
                if BUILT_IN.iter().any(|(n, _)| *n == name) {
                    self.open_path.clear();
                }
                self.lesson = lesson;
                self.lab_around = taught.and_then(Lesson::moment);
                self.persisted.lab_added = taught.map(Lesson::hand_events).unwrap_or_default();
                if let Some(lesson) = taught {
                    self.persisted.lab_spark = lesson.spark;
                }
                self.lab_form_error = None;
                self.scenario = scenario;
                self.persisted.scenario_name = name.to_owned();
                self.persisted.scenario_ron = Some(text.to_owned());
                self.scenario_replaced();
                self.start_run();
                self.status = format!("loaded {name}");
            }
            Err(e) => self.status = e.to_string(),
        }
    }

    /// Runs the lab again with its own delay and lateness (the sliders) around the moment
    /// chosen, on the lab's worker: replaying the hours before a late slice of a busy workload
    /// takes a while, and a newer request cancels it.
    pub fn recompute_lab(&mut self) {
        self.waiting_lab = Some(self.lab_worker.submit(Job::Lab {
            scenario: Box::new(self.scenario.clone()),
            request: Box::new(self.lab_request()),
        }));
    }

    /// Opens lesson `index` of [`LESSONS`]: its scenario, in the lab, at its moment, with its
    /// events added by hand and its text shown above the picture.
    pub fn open_lesson(&mut self, index: usize) {
        let Some(lesson) = LESSONS.get(index) else {
            return;
        };
        let (name, text) = lesson.scenario;
        self.load_as(name, text, Some(index));
        self.persisted.view = View::Lab;
    }

    /// Writes the scenario to the file shown; a built-in (no file yet) asks for a path.
    pub fn save_scenario(&mut self) {
        let path = self.open_path.trim().to_owned();
        if path.is_empty() {
            self.status =
                "type a path in 'file' to save this scenario (a built-in has none)".into();
            return;
        }
        let text =
            ron::ser::to_string_pretty(&self.scenario, Default::default()).unwrap_or_default();
        self.status = match std::fs::write(&path, text) {
            Ok(()) => {
                self.persisted.modified = false;
                self.persisted.scenario_name = path.clone();
                format!("saved {path}")
            }
            Err(e) => format!("cannot save {path}: {e}"),
        };
    }

    /// Opens the file dialog, in the folder of the file shown (or `scenarios`).
    pub fn choose_file(&mut self, action: FileAction) {
        let shown = PathBuf::from(self.open_path.trim());
        let folder = (shown.parent())
            .filter(|p| p.is_dir())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("scenarios"));
        let scenarios =
            Box::new(|path: &std::path::Path| path.extension().is_some_and(|e| e == "ron"));
        let mut dialog = match action {
            FileAction::Open => egui_file::FileDialog::open_file().title("Open a scenario"),
            FileAction::Trace => egui_file::FileDialog::open_file().title("Use a trace"),
            FileAction::Save => egui_file::FileDialog::save_file()
                .title("Save the scenario as")
                .default_filename(format!("{}.ron", self.scenario.name)),
        }
        .initial_path(folder)
        .show_files_filter(scenarios)
        .show_new_folder(false)
        .show_rename(false);
        dialog.open();
        self.file_dialog = Some((action, dialog));
    }

    /// Makes the trace at `path` the workload: every model runs on its events, over the
    /// hours they happen in; a trace that does not read is said, the workload kept.
    pub fn use_trace(&mut self, path: &str) {
        let mut scenario = self.scenario.clone();
        scenario.workload = crate::input::workload::WorkloadSpec {
            trace: Some(crate::input::workload::recorded::RecordedTrace {
                path: PathBuf::from(path),
                epoch: self
                    .trace_in_seconds
                    .then_some(crate::input::trace::Epoch::Seconds),
                found: None,
            }),
            ..Default::default()
        };
        // A recorded trace is the same events in every replication: one run.
        scenario.replications = 1;
        match scenario.read_trace(std::path::Path::new("")) {
            Ok(()) => {
                self.scenario = scenario;
                self.typed.clear();
                self.status = format!("the workload is now {path}");
                // Edited at time 0: the pause is long over, the run starts at once.
                self.edited(0.0);
            }
            Err(e) => self.status = e.to_string(),
        }
    }

    /// Shows the file dialog, if open, and acts on the file chosen.
    fn show_file_dialog(&mut self, ctx: &egui::Context) {
        let Some((action, dialog)) = &mut self.file_dialog else {
            return;
        };
        let action = *action;
        let chosen = match dialog.show(ctx).state() {
            egui_file::State::Open => return,
            egui_file::State::Selected => dialog.path().map(|p| p.display().to_string()),
            _ => None,
        };
        self.file_dialog = None;
        let Some(path) = chosen else {
            return;
        };
        if action != FileAction::Trace {
            self.open_path = path.clone();
        }
        match action {
            FileAction::Save => self.save_scenario(),
            FileAction::Open => match std::fs::read_to_string(&path) {
                Ok(text) => self.load(&path, &text),
                Err(e) => self.status = format!("cannot open {path}: {e}"),
            },
            FileAction::Trace => self.use_trace(&path),
        }
    }

    /// Why the figures shown are not those of the settings shown, if they are not.
    pub fn stale_reason(&self) -> Option<&'static str> {
        if !self.figures_stale {
            None
        } else if !self.problems.is_empty() || self.typed.has_errors() {
            Some(
                "not run: fix the settings marked in red; the figures are from the last valid settings",
            )
        } else if self.running() || self.edited_at.is_some() {
            Some("updating: the figures are from the previous settings")
        } else {
            Some("cancelled: the figures are from the previous settings")
        }
    }

    /// What survives a restart.
    pub fn persisted(&self) -> &Persisted {
        &self.persisted
    }

    /// Adds the event the lab's form describes, if it reads well and arrives within the span
    /// shown; the lab then runs again with it.
    pub fn add_hand_event(&mut self) -> Result<(), String> {
        use crate::explore::lab::{date_and_clock, parse_moment_near};
        let Some(lab) = &self.lab else {
            return Err("wait for the lab to finish".into());
        };
        let [key, event, arrival] = &self.lab_form;
        let near = lab.from + crate::input::time::Dur((lab.to - lab.from).as_ms() / 2);
        let key = key.trim();
        if key.is_empty() {
            return Err("give the event a key (a new name is a new key)".into());
        }
        let event_time = parse_moment_near(event, near).map_err(|e| format!("event time: {e}"))?;
        let arrival_time = parse_moment_near(arrival, near).map_err(|e| format!("arrives: {e}"))?;
        if arrival_time < lab.from || arrival_time >= lab.to {
            return Err(format!(
                "it arrives at {}, outside the span shown ({} to {}): jump to that hour first",
                date_and_clock(arrival_time),
                date_and_clock(lab.from),
                date_and_clock(lab.to),
            ));
        }
        self.persisted.lab_added.push(HandEvent {
            key: key.to_owned(),
            event_time,
            arrival_time,
        });
        self.lab_form_error = None;
        Ok(())
    }

    /// Removes the `index`-th event added by hand.
    pub fn remove_hand_event(&mut self, index: usize) {
        if index < self.persisted.lab_added.len() {
            self.persisted.lab_added.remove(index);
        }
    }

    /// True while a lab is on its way.
    pub fn lab_pending(&self) -> bool {
        self.waiting_lab.is_some()
    }

    fn export(&mut self) {
        let dir = PathBuf::from(&self.persisted.export_dir);
        let result = (|| -> std::io::Result<()> {
            std::fs::create_dir_all(&dir)?;
            std::fs::write(
                dir.join("scenario.ron"),
                ron::ser::to_string_pretty(&self.scenario, Default::default())
                    .map_err(std::io::Error::other)?,
            )?;
            if let Some(f) = &self.finished {
                for (format, ext) in crate::measure::report::Format::ALL {
                    std::fs::write(
                        dir.join(format!("report.{ext}")),
                        f.output.report.render(format),
                    )?;
                }
                crate::render::charts::write_charts(&dir, &f.output.models, &f.output.truth)?;
            }
            Ok(())
        })();
        self.status = match result {
            Ok(()) => format!(
                "exported the scenario, the report and the charts to {}",
                dir.display()
            ),
            Err(e) => format!("export failed: {e}"),
        };
    }

    /// Applies what the worker finished.
    fn drain_worker(&mut self) {
        for done in self.advise_worker.drain() {
            if let Done::Advise { generation, advice } = done
                && Some(generation) == self.waiting_advice
            {
                self.waiting_advice = None;
                self.advice = Some(advice);
            }
        }
        for done in self.lab_worker.drain() {
            if let Done::Lab {
                generation,
                lab,
                took,
            } = done
                && Some(generation) == self.waiting_lab
            {
                self.waiting_lab = None;
                self.lab_took_ms = Some(took.as_millis());
                self.playback = Playback::new(lab.to);
                self.lab = Some(Arc::new(lab));
            }
        }
        for done in self.worker.drain() {
            match done {
                Done::Run {
                    generation,
                    output,
                    others,
                    scenario,
                    lab,
                    took,
                } if Some(generation) == self.waiting_run => {
                    self.waiting_run = None;
                    // A lab asked for since the run started is newer than the run's.
                    if self.waiting_lab.is_none() {
                        // Start at the end: the whole story at a glance; the scrubber goes back.
                        self.playback = Playback::new(lab.to);
                        self.lab = Some(Arc::new(lab));
                    }
                    self.figures_stale = false;
                    self.finished = Some(Arc::new(Finished {
                        correctness: compare::correctness_points(&output),
                        bands: compare::Bands::of(&output, &others),
                        output: *output,
                        scenario: *scenario,
                        took_ms: took.as_millis(),
                    }));
                }
                Done::Sweep { generation, points } if Some(generation) == self.waiting_sweep => {
                    self.waiting_sweep = None;
                    self.sweep = Some(points);
                }
                _ => {}
            }
        }
    }

    /// Applies a playback command within the lab's span.
    fn playback(&mut self, command: PlaybackCommand) {
        if let Some(lab) = &self.lab {
            self.playback.apply(command, lab.from, lab.to);
        }
    }
}

impl eframe::App for TidemarkApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.drain_worker();
        let now = ctx.input(|i| i.time);
        if let Some(at) = self.edited_at
            && now - at >= DEBOUNCE_S
        {
            self.start_run();
        }
        if self.edited_at.is_some() {
            ctx.request_repaint_after(std::time::Duration::from_millis(50));
        }
        if self.running() || self.sweeping() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
        if self.playback.playing
            && let Some(lab) = &self.lab
        {
            let dt = ctx.input(|i| i.stable_dt) as f64;
            self.playback.tick(dt.min(0.1), lab.from, lab.to);
            ctx.request_repaint();
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let now = ui.input(|i| i.time);
        egui::Panel::top("views").show(ui, |ui| views::top_bar(self, ui));
        egui::Panel::left("scenario")
            .resizable(true)
            .default_size(330.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    if panel::scenario_panel(self, ui) {
                        self.edited(now);
                    }
                });
            });
        egui::CentralPanel::default_margins().show(ui, |ui| match self.persisted.view {
            View::Compare => compare::compare(self, ui),
            View::Lab => lab_view::lab(self, ui),
            View::Sweep => views::sweep(self, ui),
            View::Advise => {
                // A changed requirement is an edit: saved, and the old advice dropped.
                if advisor::advisor(self, ui) {
                    self.edited(now);
                    self.advice = None;
                }
            }
        });
        self.show_file_dialog(ui.ctx());
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.persisted.lab_around = self.lab_around;
        self.persisted.lesson = self.lesson;
        eframe::set_value(storage, eframe::APP_KEY, &self.persisted);
    }
}

/// True when a display is there to open a window on.
pub fn display_available() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

/// Opens the app with `initial` (name, RON), or the last or default scenario.
pub fn run(initial: Option<(String, String)>) -> Result<(), String> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1280.0, 800.0])
            .with_title("tidemark"),
        ..Default::default()
    };
    eframe::run_native(
        "tidemark",
        options,
        Box::new(move |cc| Ok(Box::new(TidemarkApp::new(cc, initial)))),
    )
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests;
