//! The lab's replay of the workload through its jobs, and the checkpoints saved along it, so
//! that the lab can show any hour of a long run by replaying only from the checkpoint before
//! it — the way Flink restores a job from its last checkpoint instead of from the start of
//! the topic. A checkpoint is the whole replay state (the event stream's position with its
//! events in flight, each job's state and what the lab records of it), so the lab from a
//! checkpoint is the lab replayed from the start, event for event.

use crate::compose::scenario::Scenario;
use crate::input::event::{Event, KeyTable};
use crate::input::time::{Dur, Ts};
use crate::input::workload::Arrivals;
use crate::runner::Runner;
use crate::runner::micro_batch::MicroBatchRunner;
use crate::runner::streaming::StreamingRunner;

use super::lab::{LabData, LabRequest, Recorder};

/// Events replayed between two checkpoints, about: a tenth of a second's replay before the
/// span shown, from some 170 checkpoints of the production day (86 million events) holding
/// 0.3 GB with Spark beside Flink (its events arrived, not yet read by a micro-batch, are most
/// of it), 0.1 GB without.
const EVENTS_PER_CHECKPOINT: f64 = 500_000.0;

/// The workload merged with the events added by hand, through Flink (and Spark beside it).
pub(super) struct Replay {
    arrivals: Arrivals,
    /// The next workload event, read ahead to merge with the hand-added ones.
    peeked: Option<Event>,
    /// The hand-added events replayed so far (they are sorted by arrival).
    added_done: usize,
    pub flink: (StreamingRunner, Recorder),
    pub spark: Option<(MicroBatchRunner, Recorder)>,
    /// Events replayed so far.
    pub replayed: u64,
    /// The arrival of the last event replayed.
    last_arrival: Option<Ts>,
}

impl Replay {
    /// A replay of `scenario`'s workload from its start, through `request`'s jobs.
    pub fn new(scenario: &Scenario, request: &LabRequest) -> Replay {
        let streams = scenario.workload.sources.len();
        Replay {
            arrivals: Arrivals::new(&scenario.workload, scenario.seed),
            peeked: None,
            added_done: 0,
            flink: (
                StreamingRunner::new(&request.spec, &scenario.query),
                Recorder::default(),
            ),
            spark: (request.spark.as_ref()).map(|s| {
                (
                    MicroBatchRunner::new(s, &scenario.query, streams),
                    Recorder::default(),
                )
            }),
            replayed: 0,
            last_arrival: None,
        }
    }

    /// The workload's keys.
    pub fn keys(&self) -> &KeyTable {
        self.arrivals.keys()
    }

    /// The next event in arrival order, the workload's first on a tie with one added by hand.
    pub fn next_event(&mut self, added: &[Event]) -> Option<Event> {
        if self.peeked.is_none() {
            self.peeked = self.arrivals.next();
        }
        let hand = added.get(self.added_done);
        let event = match (self.peeked, hand) {
            (Some(generated), Some(hand)) if hand.arrival_time < generated.arrival_time => {
                self.added_done += 1;
                Some(*hand)
            }
            (Some(_), _) => self.peeked.take(),
            (None, Some(hand)) => {
                self.added_done += 1;
                Some(*hand)
            }
            (None, None) => None,
        };
        if let Some(e) = &event {
            self.last_arrival = Some(e.arrival_time);
            self.replayed += 1;
        }
        event
    }

    /// Feeds `event` to the jobs.
    pub fn feed(&mut self, event: &Event, keys: &KeyTable) {
        let (flink, recorder) = &mut self.flink;
        flink.on_event(event, keys, recorder);
        if let Some((job, out)) = &mut self.spark {
            Runner::on_event(job, event, keys, out);
        }
    }

    /// The replay as it stands, where the stream can be saved cheaply (between its batches),
    /// the drops recorded so far left out.
    fn checkpoint(&self) -> Option<Replay> {
        Some(Replay {
            arrivals: self.arrivals.checkpoint()?,
            peeked: self.peeked,
            added_done: self.added_done,
            flink: without_drops(&self.flink),
            spark: self.spark.as_ref().map(without_drops),
            replayed: self.replayed,
            last_arrival: self.last_arrival,
        })
    }
}

/// A job and its record, the drops left out.
fn without_drops<J: Clone>((job, recorder): &(J, Recorder)) -> (J, Recorder) {
    (job.clone(), recorder.without_drops())
}

/// Checkpoints of the lab's replay for one scenario and one set of lab settings.
pub struct LabCheckpoints {
    /// Events replayed between two checkpoints, about.
    events_apart: f64,
    /// The scenario and the settings they were taken with (the moment and span left out:
    /// they change what the lab shows, not the replay).
    taken_of: Option<(Scenario, LabRequest)>,
    /// The processing time between two checkpoints, at least.
    every: Dur,
    /// When the first is due.
    first_due: Ts,
    /// In replay order.
    saved: Vec<Replay>,
    /// Labs already shown with these settings, at most [`LABS_KEPT`], the oldest first.
    labs: Vec<LabData>,
}

/// Labs kept for showing again at once: every hour of a day, twice over.
const LABS_KEPT: usize = 50;

impl Default for LabCheckpoints {
    fn default() -> Self {
        Self::apart(EVENTS_PER_CHECKPOINT)
    }
}

impl LabCheckpoints {
    /// None yet, to be saved about `events` apart.
    pub(super) fn apart(events: f64) -> Self {
        LabCheckpoints {
            events_apart: events,
            taken_of: None,
            every: Dur::ZERO,
            first_due: Ts(0),
            saved: Vec::new(),
            labs: Vec::new(),
        }
    }

    /// Keeps the checkpoints if they were taken of `scenario` with `request`'s settings,
    /// else drops them (and the labs kept) to take new ones.
    pub(super) fn settle_on(&mut self, scenario: &Scenario, request: &LabRequest) {
        let settings = LabRequest {
            around: None,
            span: None,
            ..request.clone()
        };
        let same = (self.taken_of.as_ref()).is_some_and(|(s, r)| s == scenario && r == &settings);
        if !same {
            let events = scenario.workload.expected_events().max(1.0);
            let every = scenario.workload.duration.as_ms() as f64 * self.events_apart / events;
            let every = Dur(every as i64).max(Dur::from_mins(1));
            *self = LabCheckpoints {
                taken_of: Some((scenario.clone(), settings)),
                every,
                first_due: scenario.workload.start + every,
                ..Self::apart(self.events_apart)
            };
        }
    }

    /// The lab already shown of the span `from..to`, if it is kept.
    pub(super) fn shown(&self, from: Ts, to: Ts) -> Option<LabData> {
        (self.labs.iter())
            .find(|lab| (lab.from, lab.to) == (from, to))
            .cloned()
    }

    /// Keeps `lab` to show again at once.
    pub(super) fn keep(&mut self, lab: &LabData) {
        if self.labs.len() == LABS_KEPT {
            self.labs.remove(0);
        }
        self.labs.push(lab.clone());
    }

    /// Forgets the labs kept, not the checkpoints (the bench times the replays).
    pub fn forget_labs(&mut self) {
        self.labs.clear();
    }

    /// The replay to start from for a lab whose first shown arrival is `from`: the last
    /// checkpoint before it, or the start of the workload ([`settle_on`](Self::settle_on)
    /// first).
    pub(super) fn start_before(
        &self,
        scenario: &Scenario,
        request: &LabRequest,
        from: Ts,
    ) -> Replay {
        let before = self
            .saved
            .partition_point(|r| r.last_arrival.is_none_or(|t| t < from));
        match before.checked_sub(1) {
            Some(i) => self.saved[i]
                .checkpoint()
                .expect("a checkpoint saves again"),
            None => Replay::new(scenario, request),
        }
    }

    /// Saves `replay` if it has gone past the last checkpoint by `every` and can be saved.
    pub(super) fn maybe_save(&mut self, replay: &Replay) {
        let Some(at) = replay.last_arrival else {
            return;
        };
        let due = match self.saved.last() {
            Some(last) if last.replayed >= replay.replayed => return,
            Some(last) => last.last_arrival.map_or(at, |t| t + self.every),
            None => self.first_due,
        };
        if at >= due
            && let Some(checkpoint) = replay.checkpoint()
        {
            self.saved.push(checkpoint);
        }
    }

    /// Replays `scenario` on to the last hour the lab can show, saving checkpoints, then
    /// makes the lab of every hour from them, to be shown at once — unless the workload is
    /// too small to save any checkpoint (the app does this while nothing else is asked);
    /// stops early when `go_on` says so.
    pub fn prepare_every_hour(
        &mut self,
        scenario: &Scenario,
        request: &LabRequest,
        go_on: &mut dyn FnMut() -> bool,
    ) {
        if scenario.workload.expected_events() < 2.0 * self.events_apart {
            return;
        }
        let start = scenario.workload.start;
        let hours = (scenario.workload.duration.as_ms() as u64).div_ceil(3_600_000) as i64;
        // The last hour first: its replay saves the checkpoints on the way.
        for hour in std::iter::once(hours).chain(0..hours) {
            let at = LabRequest {
                around: Some(start + Dur::from_hours(hour)),
                ..request.clone()
            };
            if LabData::compute_from_checkpoints(scenario, &at, self, go_on).is_none() {
                return;
            }
        }
    }

    /// Checkpoints held (tests, and the bench).
    pub fn len(&self) -> usize {
        self.saved.len()
    }

    /// True when none is held.
    pub fn is_empty(&self) -> bool {
        self.saved.is_empty()
    }
}
