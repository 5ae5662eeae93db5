//! The discrete-event core: a simulated clock and a queue of `(time, sequence, action)`.
//!
//! Actions scheduled for the same instant pop in the order they were scheduled (the sequence
//! number breaks ties), so a run is deterministic by construction, as in nexosim and simcore.

mod calendar;

pub use calendar::CalendarQueue;

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::input::time::{Dur, Ts};

/// A queue of items ordered by `(time, insertion sequence)`; the earliest pops first.
#[derive(Clone, Debug)]
pub struct EventQueue<A> {
    heap: BinaryHeap<Entry<A>>,
    next_seq: u64,
}

#[derive(Clone, Debug)]
struct Entry<A> {
    time: Ts,
    seq: u64,
    item: A,
}

impl<A> PartialEq for Entry<A> {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl<A> Eq for Entry<A> {}
impl<A> PartialOrd for Entry<A> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<A> Ord for Entry<A> {
    /// Reversed so that the max-heap pops the earliest `(time, seq)`.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

impl<A> Default for EventQueue<A> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }
}

impl<A> EventQueue<A> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Schedules `item` at `time`; among equal times, earlier pushes pop first.
    pub fn push(&mut self, time: Ts, item: A) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { time, seq, item });
    }

    /// The time of the earliest item, if any.
    pub fn peek_time(&self) -> Option<Ts> {
        self.heap.peek().map(|e| e.time)
    }

    /// Removes and returns the earliest item with its time.
    pub fn pop(&mut self) -> Option<(Ts, A)> {
        self.heap.pop().map(|e| (e.time, e.item))
    }

    /// Items waiting.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

/// A simulation: the clock plus the queue of scheduled actions. The clock only moves forward,
/// to the time of each action as it is stepped.
#[derive(Debug)]
pub struct Simulation<A> {
    now: Ts,
    queue: EventQueue<A>,
}

impl<A> Simulation<A> {
    /// A simulation whose clock starts at `start`.
    pub fn new(start: Ts) -> Self {
        Simulation {
            now: start,
            queue: EventQueue::new(),
        }
    }

    /// The current simulated time.
    pub fn time(&self) -> Ts {
        self.now
    }

    /// Schedules `action` at `at`; a time in the past is clamped to now (it runs next).
    pub fn schedule_at(&mut self, at: Ts, action: A) {
        self.queue.push(at.max(self.now), action);
    }

    /// Schedules `action` after `delay` from now.
    pub fn schedule_in(&mut self, delay: Dur, action: A) {
        self.schedule_at(self.now + delay, action);
    }

    /// The time of the next action, if any.
    pub fn next_time(&self) -> Option<Ts> {
        self.queue.peek_time()
    }

    /// Advances the clock to the next action and returns it.
    pub fn step(&mut self) -> Option<(Ts, A)> {
        let (time, action) = self.queue.pop()?;
        self.now = time;
        Some((time, action))
    }

    /// Like [`step`](Self::step), but only for actions at or before `until`; when none is
    /// left the clock moves to `until`.
    pub fn step_until(&mut self, until: Ts) -> Option<(Ts, A)> {
        match self.queue.peek_time() {
            Some(t) if t <= until => self.step(),
            _ => {
                self.now = self.now.max(until);
                None
            }
        }
    }

    /// Actions still scheduled.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_pop_in_insertion_order() {
        let mut q = EventQueue::new();
        q.push(Ts(10), "b1");
        q.push(Ts(5), "a");
        q.push(Ts(10), "b2");
        q.push(Ts(10), "b3");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            order,
            vec![(Ts(5), "a"), (Ts(10), "b1"), (Ts(10), "b2"), (Ts(10), "b3")]
        );
    }

    #[test]
    fn clock_follows_the_actions_and_never_goes_back() {
        let mut sim = Simulation::new(Ts(0));
        sim.schedule_at(Ts(100), 'x');
        sim.schedule_in(Dur(50), 'y');
        assert_eq!(sim.step(), Some((Ts(50), 'y')));
        assert_eq!(sim.time(), Ts(50));
        sim.schedule_at(Ts(10), 'z'); // in the past: runs now
        assert_eq!(sim.step(), Some((Ts(50), 'z')));
        assert_eq!(sim.step_until(Ts(80)), None);
        assert_eq!(sim.time(), Ts(80));
        assert_eq!(sim.step_until(Ts(200)), Some((Ts(100), 'x')));
        assert_eq!(sim.pending(), 0);
    }
}
