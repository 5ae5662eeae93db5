//! The background worker: simulations run off the UI thread. Jobs go in through a channel;
//! only the newest waiting job runs, and a newer one cancels the one running. Results come
//! back through a channel the UI drains each frame; the worker asks egui for a repaint.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use crate::compose::run::RunOutput;
use crate::compose::scenario::Scenario;
use crate::experiment::{Keep, run_replicated_unless_cancelled};
use crate::explore::lab::{LabCheckpoints, LabData, LabRequest};
use crate::explore::sweep::{GridPoint, Vary, run_grid};

/// Work for the worker.
pub enum Job {
    /// Run the scenario (every model, over its replications) and the lab on it, with the
    /// lab's own settings.
    Run {
        /// The scenario.
        scenario: Box<Scenario>,
        /// What the lab shows.
        lab: Box<LabRequest>,
    },
    /// A sweep: one setting over its values, every model at each (`tidemark sweep`).
    Sweep(Box<Scenario>, Vary),
    /// The advisor's candidates, measured against the scenario's requirement.
    Advise(Box<Scenario>),
    /// The lab alone, with its own settings, around a moment (none: the middle).
    Lab {
        /// The scenario whose workload the lab replays.
        scenario: Box<Scenario>,
        /// What it shows.
        request: Box<LabRequest>,
    },
}

/// What the worker finished.
pub enum Done {
    /// A run, with how long it took.
    Run {
        /// The job's generation.
        generation: u64,
        /// Everything the first replication produced, with the report of them all.
        output: Box<RunOutput>,
        /// The other replications, for the plots' bands.
        others: Vec<RunOutput>,
        /// The scenario run (the panel's may have changed since).
        scenario: Box<Scenario>,
        /// The lab on the same scenario, with the lab's settings.
        lab: LabData,
        /// Wall-clock time of the run.
        took: Duration,
    },
    /// A lab.
    Lab {
        /// The job's generation.
        generation: u64,
        /// The lab.
        lab: LabData,
        /// Wall-clock time it took.
        took: Duration,
    },
    /// A sweep.
    Sweep {
        /// The job's generation.
        generation: u64,
        /// The setting varied and a point per value, or why the sweep cannot run.
        points: Result<(Vary, Vec<GridPoint>), String>,
    },
    /// The advice, or why there is none (the `tidemark advise` message).
    Advise {
        /// The job's generation.
        generation: u64,
        /// The advice.
        advice: Result<crate::explore::advise::Advice, String>,
    },
}

/// The UI's handle on the worker thread.
pub struct Worker {
    jobs: Sender<(u64, Job)>,
    done: Receiver<Done>,
    generation: Arc<AtomicU64>,
    progress: Arc<AtomicU32>,
}

impl Worker {
    /// Starts the worker; `repaint` is called when something is done. Its labs replay from
    /// `checkpoints`, shared with the app's other workers.
    pub fn start(
        repaint: impl Fn() + Send + 'static,
        checkpoints: Arc<Mutex<LabCheckpoints>>,
    ) -> Worker {
        let (jobs, job_rx) = channel::<(u64, Job)>();
        let (done_tx, done) = channel();
        let generation = Arc::new(AtomicU64::new(0));
        let progress = Arc::new(AtomicU32::new(0));
        let (current, shared_progress) = (generation.clone(), progress.clone());
        std::thread::Builder::new()
            .name("tidemark-worker".into())
            .spawn(move || {
                while let Ok(mut next) = job_rx.recv() {
                    // Only the newest waiting job is worth running.
                    while let Ok(newer) = job_rx.try_recv() {
                        next = newer;
                    }
                    let (generation, job) = next;
                    let stale = || current.load(Ordering::Relaxed) != generation;
                    // The lab's scenario and settings, to prepare every hour of after.
                    let mut lab_shown = None;
                    // Another hour of the scenario on screen is replayed from the checkpoint
                    // before it, not from the start (a poisoned lock: a lab panicked; its
                    // checkpoints are dropped).
                    let checkpoints = || {
                        checkpoints.lock().unwrap_or_else(|poisoned| {
                            let mut held = poisoned.into_inner();
                            *held = LabCheckpoints::default();
                            held
                        })
                    };
                    let finished = match job {
                        Job::Run { scenario, lab } => {
                            let started = Instant::now();
                            let replicated =
                                run_replicated_unless_cancelled(&scenario, Keep::All, &|done| {
                                    shared_progress
                                        .store((done * 1000.0) as u32, Ordering::Relaxed);
                                    !stale()
                                });
                            let lab = replicated.as_ref().and_then(|_| {
                                LabData::compute_from_checkpoints(
                                    &scenario,
                                    &lab,
                                    &mut checkpoints(),
                                    &mut || !stale(),
                                )
                            });
                            replicated.zip(lab).map(|(replicated, lab)| {
                                let mut output = replicated.first;
                                output.report = replicated.report;
                                Done::Run {
                                    generation,
                                    lab,
                                    output: Box::new(output),
                                    others: replicated.others,
                                    scenario,
                                    took: started.elapsed(),
                                }
                            })
                        }
                        Job::Lab { scenario, request } => {
                            lab_shown = Some((scenario.clone(), request.clone()));
                            let started = Instant::now();
                            LabData::compute_from_checkpoints(
                                &scenario,
                                &request,
                                &mut checkpoints(),
                                &mut || !stale(),
                            )
                            .map(|lab| Done::Lab {
                                generation,
                                lab,
                                took: started.elapsed(),
                            })
                        }
                        Job::Sweep(scenario, vary) => Some(Done::Sweep {
                            generation,
                            points: run_grid(&scenario, std::slice::from_ref(&vary), &|| {})
                                .map(|points| (vary, points)),
                        }),
                        Job::Advise(scenario) => Some(Done::Advise {
                            generation,
                            advice: crate::explore::advise::advise(&scenario, &|_, _| {})
                                .map_err(|e| e.to_string()),
                        }),
                    };
                    let shown = finished.is_some();
                    if let Some(done) = finished
                        && done_tx.send(done).is_err()
                    {
                        return;
                    }
                    repaint();
                    // After a lab of the lab's own, while nothing else is asked: checkpoints to
                    // the end of the run and the lab of every hour from them, so that any
                    // hour the user moves the lab to next is shown at once.
                    if let Some((scenario, request)) = lab_shown.filter(|_| shown) {
                        checkpoints().prepare_every_hour(&scenario, &request, &mut || !stale());
                    }
                }
            })
            .expect("the worker thread starts");
        Worker {
            jobs,
            done,
            generation,
            progress,
        }
    }

    /// Queues `job`, cancelling whatever runs; returns its generation.
    pub fn submit(&self, job: Job) -> u64 {
        let generation = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
        self.progress.store(0, Ordering::Relaxed);
        let _ = self.jobs.send((generation, job));
        generation
    }

    /// Cancels the running job.
    pub fn cancel(&self) {
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    /// The newest generation handed out.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    /// Share of the running job done, 0..1.
    pub fn progress(&self) -> f32 {
        self.progress.load(Ordering::Relaxed) as f32 / 1000.0
    }

    /// Results ready now.
    pub fn drain(&self) -> Vec<Done> {
        self.done.try_iter().collect()
    }
}
