//! The arrival stream a run reads: generated from the workload's sources, or read from its
//! recorded trace — the same events, in arrival order, either way.

use crate::input::event::{Event, KeyTable};
use crate::input::workload::recorded::TraceEvents;
use crate::input::workload::{Generator, WorkloadSpec};

/// A workload's events, in arrival order.
pub enum Arrivals {
    Generated(Generator),
    Recorded { events: TraceEvents, keys: KeyTable },
}

impl Arrivals {
    /// The events of `spec` (a trace must have been read: the scenario's validation says so).
    pub fn new(spec: &WorkloadSpec, seed: u64) -> Arrivals {
        match spec
            .trace
            .as_ref()
            .and_then(|t| Some((t, t.found.as_ref()?)))
        {
            Some((trace, found)) => Arrivals::Recorded {
                events: found.events(&trace.path, trace.epoch),
                keys: found.keys.clone(),
            },
            None => Arrivals::Generated(Generator::new(spec, seed)),
        }
    }

    /// Every key, with the ids the events carry.
    pub fn keys(&self) -> &KeyTable {
        match self {
            Arrivals::Generated(generator) => generator.keys(),
            Arrivals::Recorded { keys, .. } => keys,
        }
    }

    /// A stream that goes on from here with the same events, where one is cheap to take (see
    /// [`Generator::checkpoint`]); none for a trace, which is read from its file.
    pub fn checkpoint(&self) -> Option<Arrivals> {
        match self {
            Arrivals::Generated(generator) => generator.checkpoint().map(Arrivals::Generated),
            Arrivals::Recorded { .. } => None,
        }
    }

    /// Share of the workload read so far, 0..1 (for progress bars).
    pub fn progress(&self) -> f64 {
        match self {
            Arrivals::Generated(generator) => generator.progress(),
            Arrivals::Recorded { events, .. } => events.progress(),
        }
    }
}

impl Iterator for Arrivals {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        match self {
            Arrivals::Generated(generator) => generator.next(),
            Arrivals::Recorded { events, .. } => events.next(),
        }
    }
}
