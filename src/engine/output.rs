//! What runners produce, and where it goes: results with the processing time they left and
//! became visible, dropped events, and samples of state and backlog. The metrics, the replay
//! writer and the fault wrapper all take a runner's output through [`StreamOutput`].

use crate::engine::WindowResult;
use crate::input::event::{Event, KeyId};
use crate::input::time::Ts;

/// A result as it leaves the processor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Emission {
    /// Processing time the operator emitted it.
    pub emit_time: Ts,
    /// Processing time it became visible in the sink.
    pub visible_time: Ts,
    /// The event whose processing caused it (for a micro-batch, the batch's last event);
    /// `None` at the end of input or for a batch without data.
    pub after_event_id: Option<u64>,
    /// The micro-batch that emitted it: the trigger interval it read, `floor(start - 1 ms / T)`.
    pub batch: Option<i64>,
    /// What was emitted.
    pub result: WindowResult,
}

/// State size and backlog at a moment of processing time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// When.
    pub time: Ts,
    /// (window, key) pairs holding state.
    pub state_cells: usize,
    /// Records waiting for a subtask (consumer lag).
    pub backlog: usize,
    /// The operator's watermark.
    pub watermark: Ts,
}

/// Where a runner sends what it produces.
pub trait StreamOutput {
    /// A window result.
    fn result(&mut self, emission: &Emission);
    /// An event dropped as late (the late side output), at processing time `at`.
    fn dropped(&mut self, event: &Event, at: Ts);
    /// An event one of whose windows refused it as late while another took it (Spark drops
    /// late rows per window).
    fn dropped_from_window(&mut self, _event: &Event, _window: crate::engine::window::Window) {}
    /// A sample of state size and backlog.
    fn sample(&mut self, _sample: &Sample) {}
    /// A session of `key` merged into a larger one: a row written for it is now stale.
    fn merged_away(&mut self, _window: crate::engine::window::Window, _key: KeyId) {}
    /// The input has ended: what follows is fired by the final watermark alone.
    fn end_of_input(&mut self) {}
}

/// Everything a run produced, kept in memory (tests, small replays).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Collected {
    /// Results in emission order.
    pub emissions: Vec<Emission>,
    /// Dropped events with the time they were dropped.
    pub dropped: Vec<(Event, Ts)>,
    /// Samples in time order.
    pub samples: Vec<Sample>,
}

impl StreamOutput for Collected {
    fn result(&mut self, emission: &Emission) {
        self.emissions.push(*emission);
    }
    fn dropped(&mut self, event: &Event, at: Ts) {
        self.dropped.push((*event, at));
    }
    fn sample(&mut self, sample: &Sample) {
        self.samples.push(*sample);
    }
}
