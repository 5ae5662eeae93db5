//! Faults in the streaming job, declared in the scenario at a time counted from the workload
//! start: a crash restarted from the last checkpoint or committed offset, a stop longer than
//! the log's retention, an upgrade that makes the checkpoint unreadable, a capacity drop, and
//! windowing by processing time. A fault-free twin runs beside the faulted job, so what a fault
//! costs is measured rather than estimated: events lost and duplicated are the difference
//! between the two serving tables at the end. The job that suffers them is
//! in `runner/faulted.rs`.

use serde::{Deserialize, Serialize};

use crate::input::time::Dur;
use crate::input::validation::Problems;

/// Something that goes wrong with the streaming job.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Fault {
    /// The processor crashes at `at`, stays down `down_for`, and restarts from its last
    /// checkpoint (taken every `checkpoint_every` from the workload start) or committed offset.
    Crash {
        /// When, from the workload start.
        at: Dur,
        /// How long the job is down.
        down_for: Dur,
        /// Checkpoint interval (Flink's `execution.checkpointing.interval`).
        #[serde(default = "one_minute")]
        checkpoint_every: Dur,
        /// What the restart restores and how the sink takes repeated writes.
        #[serde(default)]
        delivery: Delivery,
    },
    /// The job is stopped at `at` (offsets and state saved) for `down_for`, while the broker
    /// deletes records older than `retention`.
    Stop {
        /// When, from the workload start.
        at: Dur,
        /// How long the job is stopped.
        down_for: Dur,
        /// Kafka's `retention.ms`.
        retention: Dur,
        /// Where the job restarts when its saved offsets are gone.
        #[serde(default)]
        restart_from: RestartFrom,
    },
    /// An upgrade at `at` makes the checkpoint incompatible: it is deleted, and the job
    /// restarts empty from the latest offsets after `down_for`.
    IncompatibleCheckpoint {
        /// When, from the workload start.
        at: Dur,
        /// How long the upgrade takes.
        down_for: Dur,
    },
    /// From `at`, for `lasting`, each subtask processes only `capacity_per_second` records.
    CapacityDrop {
        /// When, from the workload start.
        at: Dur,
        /// How long.
        lasting: Dur,
        /// Records a subtask processes per second meanwhile.
        capacity_per_second: f64,
    },
    /// The job windows by processing time (the record's arrival) instead of event time.
    ProcessingTimeWindows,
}

/// Delivery guarantee of a crashed job's restart, as in the consumer-offset section of the
/// domain text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Delivery {
    /// State and offsets restored from the checkpoint; results written after it are in an
    /// aborted transaction (Flink's two-phase-commit sink) and never seen.
    #[default]
    ExactlyOnce,
    /// State and offsets restored; results written after the checkpoint stay, and are
    /// written again (offsets are committed only after the write).
    AtLeastOnce,
    /// Offsets committed on a timer before the write (`enable.auto.commit`, every `every`);
    /// nothing else is saved: state in memory is lost with the crash.
    AutoCommit {
        /// `auto.commit.interval.ms` (Kafka's default: 5 s).
        #[serde(default = "five_seconds")]
        every: Dur,
    },
}

/// Where a job restarts when the broker no longer holds its saved offsets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum RestartFrom {
    /// Delete the checkpoint, start empty at the latest offset: the stop's records are lost.
    #[default]
    Latest,
    /// Delete the checkpoint, start empty at the earliest retained record.
    Earliest,
    /// Keep the state and read the missing records from the lake (a backfill).
    Backfill,
}

fn one_minute() -> Dur {
    Dur::from_mins(1)
}

fn five_seconds() -> Dur {
    Dur::from_secs(5)
}

impl Fault {
    /// When the fault starts and when it is over (the job running again, or capacity back).
    pub fn span(&self) -> Option<(Dur, Dur)> {
        match *self {
            Fault::Crash { at, down_for, .. }
            | Fault::Stop { at, down_for, .. }
            | Fault::IncompatibleCheckpoint { at, down_for } => Some((at, at + down_for)),
            Fault::CapacityDrop { at, lasting, .. } => Some((at, at + lasting)),
            Fault::ProcessingTimeWindows => None,
        }
    }

    /// True for the faults after which the job restarts.
    pub fn stops_the_job(&self) -> bool {
        matches!(
            self,
            Fault::Crash { .. } | Fault::Stop { .. } | Fault::IncompatibleCheckpoint { .. }
        )
    }

    /// Checks the fault's values, recording problems under `path`.
    fn validate(&self, path: &str, problems: &mut Problems) {
        let mut positive = |field: &str, d: Dur| {
            problems.check(d > Dur::ZERO, &format!("{path}.{field}"), || {
                format!("{field} {d} must be positive")
            });
        };
        match *self {
            Fault::Crash {
                down_for,
                checkpoint_every,
                delivery,
                ..
            } => {
                positive("down_for", down_for);
                positive("checkpoint_every", checkpoint_every);
                if let Delivery::AutoCommit { every } = delivery {
                    positive("delivery.every", every);
                }
            }
            Fault::Stop {
                down_for,
                retention,
                ..
            } => {
                positive("down_for", down_for);
                positive("retention", retention);
            }
            Fault::IncompatibleCheckpoint { down_for, .. } => positive("down_for", down_for),
            Fault::CapacityDrop {
                lasting,
                capacity_per_second,
                ..
            } => {
                positive("lasting", lasting);
                crate::runner::check_capacity(Some(capacity_per_second), path, problems);
            }
            Fault::ProcessingTimeWindows => {}
        }
        if let Some((at, _)) = self.span() {
            problems.check(at >= Dur::ZERO, &format!("{path}.at"), || {
                format!("at {at} must not be negative (it counts from the workload start)")
            });
        }
    }
}

/// Checks every fault, and that faults which stop the job do not overlap.
pub fn validate_faults(faults: &[Fault], path: &str, problems: &mut Problems) {
    let mut previous_end: Option<Dur> = None;
    for (i, fault) in faults.iter().enumerate() {
        let here = format!("{path}[{i}]");
        fault.validate(&here, problems);
        let Some((at, end)) = fault.span().filter(|_| fault.stops_the_job()) else {
            continue;
        };
        if let Some(before) = previous_end {
            problems.check(at >= before, &format!("{here}.at"), || {
                format!("at {at} falls before the previous fault is over ({before}); list faults in time order, one at a time")
            });
        }
        previous_end = Some(end);
    }
}
