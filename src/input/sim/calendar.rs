//! A calendar queue for times that only move forward: O(1) pushes and pops for items due
//! within the next four minutes, a heap for the rare ones due later.

use super::EventQueue;
use crate::input::time::Ts;

/// Milliseconds covered by the ring of one-millisecond buckets (about 4.4 minutes: network
/// delays and short outages stay in the ring; only hours-late flushes use the heap).
const RING_MS: usize = 1 << 18;
const NONE: u32 = u32::MAX;

/// A first-in first-out queue per millisecond, for monotone use: nothing may be pushed
/// before the time of the last item popped. Items with equal times pop in push order,
/// exactly like [`EventQueue`], which it replaces where the hot path needs speed.
#[derive(Debug)]
pub struct CalendarQueue<T> {
    /// The earliest time still held in the ring; every ring item is in `[base, base + RING_MS)`.
    base: i64,
    /// Bucket `t % RING_MS`: first and last node of its list in `nodes` (side by side, one
    /// cache line touched per bucket).
    ends: Vec<[u32; 2]>,
    /// One bit per bucket: set when the bucket holds anything.
    occupied: Vec<u64>,
    /// One bit per word of `occupied`: set when the word is not zero, so that finding the
    /// next item after a quiet stretch reads 64 words, not 4,096.
    summary: Vec<u64>,
    nodes: Vec<Node<T>>,
    free: Vec<u32>,
    /// Items due at or after `base + RING_MS`.
    later: EventQueue<T>,
    len: usize,
    /// The earliest time held, when known (kept by push and pop, found by `peek_time`).
    first: Option<i64>,
}

#[derive(Debug)]
struct Node<T> {
    item: Option<T>,
    next: u32,
}

impl<T> CalendarQueue<T> {
    /// An empty queue whose first item may be due no earlier than `start`.
    pub fn new(start: Ts) -> Self {
        CalendarQueue {
            base: start.as_ms(),
            ends: vec![[NONE; 2]; RING_MS],
            occupied: vec![0; RING_MS / 64],
            summary: vec![0; RING_MS / 64 / 64],
            nodes: Vec::new(),
            free: Vec::new(),
            later: EventQueue::new(),
            len: 0,
            first: None,
        }
    }

    /// Items held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds `item` due at `time`, which must not be before the last item popped.
    pub fn push(&mut self, time: Ts, item: T) {
        debug_assert!(
            time.as_ms() >= self.base,
            "calendar queue pushed into the past"
        );
        self.len += 1;
        let t = time.as_ms().max(self.base);
        if self.len == 1 {
            self.first = Some(t);
        } else if let Some(first) = self.first {
            self.first = Some(first.min(t));
        }
        if t - self.base >= RING_MS as i64 {
            self.later.push(Ts(t), item);
        } else {
            self.push_ring(t, item);
        }
    }

    fn push_ring(&mut self, t: i64, item: T) {
        let node = Node {
            item: Some(item),
            next: NONE,
        };
        let index = match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = node;
                i
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        };
        let bucket = t as usize % RING_MS;
        let ends = &mut self.ends[bucket];
        match ends[1] {
            NONE => ends[0] = index,
            tail => self.nodes[tail as usize].next = index,
        }
        ends[1] = index;
        self.occupied[bucket / 64] |= 1 << (bucket % 64);
        self.summary[bucket / 64 / 64] |= 1 << (bucket / 64 % 64);
    }

    /// The time of the earliest item, if any.
    pub fn peek_time(&mut self) -> Option<Ts> {
        if self.len == 0 {
            return None;
        }
        let t = match self.first {
            Some(t) => t,
            None => self
                .first_occupied()
                .unwrap_or_else(|| self.later.peek_time().expect("items are somewhere").as_ms()),
        };
        self.first = Some(t);
        Some(Ts(t))
    }

    /// Removes and returns the earliest item with its time.
    pub fn pop(&mut self) -> Option<(Ts, T)> {
        let t = self.peek_time()?.as_ms();
        self.advance_to(t);
        let bucket = t as usize % RING_MS;
        let index = self.ends[bucket][0];
        let node = &mut self.nodes[index as usize];
        let item = node.item.take().expect("a listed node holds an item");
        self.ends[bucket][0] = node.next;
        if node.next == NONE {
            self.ends[bucket][1] = NONE;
            self.occupied[bucket / 64] &= !(1 << (bucket % 64));
            if self.occupied[bucket / 64] == 0 {
                self.summary[bucket / 64 / 64] &= !(1 << (bucket / 64 % 64));
            }
            self.first = None;
        }
        self.free.push(index);
        self.len -= 1;
        Some((Ts(t), item))
    }

    /// The time of the first occupied ring bucket at or after `base`, going round the ring.
    fn first_occupied(&self) -> Option<i64> {
        let start = self.base as usize % RING_MS;
        let bucket = self
            .first_occupied_from(start)
            .or_else(|| self.first_occupied_from(0))?;
        let distance = (bucket + RING_MS - start) % RING_MS;
        Some(self.base + distance as i64)
    }

    /// The first occupied bucket at or after `from`, without going round.
    fn first_occupied_from(&self, from: usize) -> Option<usize> {
        let word_index = from / 64;
        let word = self.occupied[word_index] & (!0u64 << (from % 64));
        if word != 0 {
            return Some(word_index * 64 + word.trailing_zeros() as usize);
        }
        let next_word = word_index + 1;
        let mut group = next_word / 64;
        let mut words = self.summary.get(group)? & (!0u64 << (next_word % 64));
        loop {
            if words != 0 {
                let w = group * 64 + words.trailing_zeros() as usize;
                return Some(w * 64 + self.occupied[w].trailing_zeros() as usize);
            }
            group += 1;
            words = *self.summary.get(group)?;
        }
    }

    /// Moves `base` to `t` and brings the items that came within the ring's reach into it,
    /// before anything else is pushed, so equal times keep their push order.
    fn advance_to(&mut self, t: i64) {
        self.base = t;
        while let Some(due) = self.later.peek_time() {
            if due.as_ms() - self.base >= RING_MS as i64 {
                break;
            }
            let (due, item) = self.later.pop().expect("peeked");
            self.push_ring(due.as_ms(), item);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the mix of near and far times, the calendar queue pops exactly what the
        /// reference heap pops, in the same order, equal times in push order.
        #[test]
        fn pops_like_the_event_queue(ops in proptest::collection::vec((0i64..200_000, any::<bool>()), 1..400)) {
            let mut calendar = CalendarQueue::new(Ts(0));
            let mut reference = EventQueue::new();
            let mut now = 0i64;
            for (i, (delay, pop)) in ops.into_iter().enumerate() {
                if pop {
                    prop_assert_eq!(calendar.peek_time(), reference.peek_time());
                    let a = calendar.pop();
                    let b = reference.pop();
                    prop_assert_eq!(&a, &b);
                    if let Some((t, _)) = a { now = t.as_ms(); }
                } else {
                    // Mostly near, sometimes beyond the ring, sometimes equal to now.
                    let t = now + if delay % 3 == 0 { 0 } else { delay };
                    calendar.push(Ts(t), i);
                    reference.push(Ts(t), i);
                }
                prop_assert_eq!(calendar.len(), reference.len());
            }
            while let Some(b) = reference.pop() {
                prop_assert_eq!(calendar.pop(), Some(b));
            }
            prop_assert!(calendar.is_empty());
        }
    }
}
