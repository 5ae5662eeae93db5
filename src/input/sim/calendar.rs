//! A calendar queue for times that only move forward: O(1) pushes and pops. Items due within
//! half a second wait in one-millisecond buckets; those due later wait, unsorted, in the
//! quarter-second span they fall in and are spread into the buckets when it comes near; the
//! rare ones more than a minute ahead wait in a heap.

use super::EventQueue;
use crate::input::time::Ts;

/// Width of a far span, in milliseconds.
const SPAN_MS: i64 = 256;
/// Milliseconds covered by the near buckets: two spans, so that one span can be spread in
/// while the one before it is still being popped.
const NEAR_MS: i64 = 2 * SPAN_MS;
/// Far spans held before the heap takes over (about a minute).
const FAR_SPANS: usize = 256;
const FAR_MS: i64 = FAR_SPANS as i64 * SPAN_MS;
const NONE: u32 = u32::MAX;

/// A first-in first-out queue per millisecond, for monotone use: nothing may be pushed
/// before the time of the last item popped. Items with equal times pop in push order,
/// exactly like [`EventQueue`], which it replaces where the hot path needs speed.
///
/// Why three tiers: a push into a millisecond bucket seconds ahead touches memory no other
/// push is near (a cache miss each way); an append to the end of its span's list touches
/// one of a few hundred hot list ends, and the spread into buckets later reads that list in
/// order. Push order survives every move: a span's list and the heap keep it, and items are
/// moved in before anything else can be pushed at their times.
#[derive(Clone, Debug)]
pub struct CalendarQueue<T> {
    /// The time of the last item popped: nothing is held before it.
    base: i64,
    /// Items before `reach` (a multiple of `SPAN_MS`, at most `base + NEAR_MS`) are in the
    /// near buckets; items in `[reach, reach + FAR_MS)` in the far spans; later ones in `later`.
    reach: i64,
    /// Near bucket `t % NEAR_MS`: first and last node of its list in `nodes`.
    ends: Vec<[u32; 2]>,
    /// One bit per near bucket: set when the bucket holds anything.
    near_occupied: [u64; NEAR_MS as usize / 64],
    nodes: Vec<Node<T>>,
    free: Vec<u32>,
    near_len: usize,
    /// Far span `(t / SPAN_MS) % FAR_SPANS`: its items in push order.
    far: Vec<Vec<(i64, T)>>,
    /// One bit per far span: set when the span holds anything.
    far_occupied: Vec<u64>,
    far_len: usize,
    /// Items due at or after `reach + FAR_MS`.
    later: EventQueue<T>,
    len: usize,
    /// The earliest time held, when known (kept by push and pop, found by `peek_time`).
    first: Option<i64>,
}

#[derive(Clone, Debug)]
struct Node<T> {
    item: Option<T>,
    next: u32,
}

impl<T> CalendarQueue<T> {
    /// An empty queue whose first item may be due no earlier than `start`.
    pub fn new(start: Ts) -> Self {
        let base = start.as_ms();
        CalendarQueue {
            base,
            reach: span_start(base),
            ends: vec![[NONE; 2]; NEAR_MS as usize],
            near_occupied: [0; NEAR_MS as usize / 64],
            nodes: Vec::new(),
            free: Vec::new(),
            near_len: 0,
            far: (0..FAR_SPANS).map(|_| Vec::new()).collect(),
            far_occupied: vec![0; FAR_SPANS / 64],
            far_len: 0,
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
        if t < self.reach {
            self.push_near(t, item);
        } else if t < self.reach + FAR_MS {
            self.push_far(t, item);
        } else {
            self.later.push(Ts(t), item);
        }
    }

    fn push_near(&mut self, t: i64, item: T) {
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
        let bucket = t.rem_euclid(NEAR_MS) as usize;
        let ends = &mut self.ends[bucket];
        match ends[1] {
            NONE => ends[0] = index,
            tail => self.nodes[tail as usize].next = index,
        }
        ends[1] = index;
        self.near_occupied[bucket / 64] |= 1 << (bucket % 64);
        self.near_len += 1;
    }

    fn push_far(&mut self, t: i64, item: T) {
        let span = far_span(t);
        self.far[span].push((t, item));
        self.far_occupied[span / 64] |= 1 << (span % 64);
        self.far_len += 1;
    }

    /// The time of the earliest item, if any.
    pub fn peek_time(&mut self) -> Option<Ts> {
        if self.len == 0 {
            return None;
        }
        let t = match self.first {
            Some(t) => t,
            None => self.find_first(),
        };
        self.first = Some(t);
        Some(Ts(t))
    }

    /// The earliest time held, looked for tier by tier (every near item is before every far
    /// one, every far one before every later one).
    fn find_first(&self) -> i64 {
        if self.near_len > 0 {
            return self.first_near();
        }
        if self.far_len > 0 {
            let span = self.first_far_span();
            return self.far[span]
                .iter()
                .map(|&(t, _)| t)
                .min()
                .expect("occupied");
        }
        self.later.peek_time().expect("items are somewhere").as_ms()
    }

    /// Moves on to `time`, before which nothing is held or will be pushed, as if an item due
    /// then had been popped: the tiers follow, so later pushes land near, not in the heap.
    pub fn move_to(&mut self, time: Ts) {
        let t = time.as_ms();
        if t <= self.base {
            return;
        }
        debug_assert!(
            self.peek_time().is_none_or(|first| first.as_ms() >= t),
            "calendar queue moved past an item it holds"
        );
        self.advance_to(t);
    }

    /// Removes and returns the earliest item with its time.
    pub fn pop(&mut self) -> Option<(Ts, T)> {
        let t = self.peek_time()?.as_ms();
        self.advance_to(t);
        let bucket = t.rem_euclid(NEAR_MS) as usize;
        let index = self.ends[bucket][0];
        let node = &mut self.nodes[index as usize];
        let item = node.item.take().expect("a listed node holds an item");
        self.ends[bucket][0] = node.next;
        if node.next == NONE {
            self.ends[bucket][1] = NONE;
            self.near_occupied[bucket / 64] &= !(1 << (bucket % 64));
            self.first = None;
        }
        self.free.push(index);
        self.near_len -= 1;
        self.len -= 1;
        Some((Ts(t), item))
    }

    /// The time of the first occupied near bucket, going round from `base`.
    fn first_near(&self) -> i64 {
        let start = self.base.rem_euclid(NEAR_MS) as usize;
        let bucket = first_set(&self.near_occupied, start)
            .or_else(|| first_set(&self.near_occupied, 0))
            .expect("a near item is held");
        let distance = (bucket + NEAR_MS as usize - start) % NEAR_MS as usize;
        self.base + distance as i64
    }

    /// The first occupied far span, going round from `reach`'s.
    fn first_far_span(&self) -> usize {
        let start = far_span(self.reach);
        first_set(&self.far_occupied, start)
            .or_else(|| first_set(&self.far_occupied, 0))
            .expect("a far item is held")
    }

    /// Moves `base` to `t`, the earliest time held, and the near buckets' reach as far as
    /// they cover, spreading each far span in as it comes near and taking from the heap what
    /// comes within the far spans' reach, before anything else is pushed.
    fn advance_to(&mut self, t: i64) {
        self.base = t;
        if self.near_len == 0 && self.far_len == 0 && span_start(t) > self.reach {
            // Nothing between: jump over the quiet stretch.
            self.reach = span_start(t);
            self.take_from_later();
        }
        let target = span_start(self.base + NEAR_MS);
        while self.reach < target {
            // Empty spans are passed in one step, up to the next one holding anything or
            // the reach at which the heap's first item comes into the far spans.
            let next = (target.min(self.next_occupied_span())).min(self.later_comes_in_at());
            if next > self.reach {
                self.reach = next;
            } else {
                self.spread_span();
                self.reach += SPAN_MS;
            }
            self.take_from_later();
        }
    }

    /// The start of the first far span at or after `reach` that holds anything.
    fn next_occupied_span(&self) -> i64 {
        if self.far_len == 0 {
            return i64::MAX;
        }
        let distance = (self.first_far_span() + FAR_SPANS - far_span(self.reach)) % FAR_SPANS;
        self.reach + distance as i64 * SPAN_MS
    }

    /// The reach at which the heap's first item falls within the far spans.
    fn later_comes_in_at(&self) -> i64 {
        (self.later.peek_time()).map_or(i64::MAX, |due| span_start(due.as_ms() - FAR_MS) + SPAN_MS)
    }

    /// Moves the heap's items due before the far spans' end into their spans.
    fn take_from_later(&mut self) {
        let end = self.reach + FAR_MS;
        while let Some(due) = self.later.peek_time()
            && due.as_ms() < end
        {
            let (due, item) = self.later.pop().expect("peeked");
            self.push_far(due.as_ms(), item);
        }
    }

    /// Spreads the far span starting at `reach` into the near buckets, in push order.
    fn spread_span(&mut self) {
        let span = far_span(self.reach);
        if self.far[span].is_empty() {
            return;
        }
        let mut items = std::mem::take(&mut self.far[span]);
        self.far_len -= items.len();
        self.far_occupied[span / 64] &= !(1 << (span % 64));
        for (t, item) in items.drain(..) {
            self.push_near(t, item);
        }
        // The emptied list keeps its memory for the span that will next use this slot.
        self.far[span] = items;
    }
}

/// The start of the far span holding `t`.
fn span_start(t: i64) -> i64 {
    t - t.rem_euclid(SPAN_MS)
}

/// The slot of the far span holding `t`.
fn far_span(t: i64) -> usize {
    t.div_euclid(SPAN_MS).rem_euclid(FAR_SPANS as i64) as usize
}

/// The first set bit at or after `from` in `words`, without going round.
fn first_set(words: &[u64], from: usize) -> Option<usize> {
    let mut index = from / 64;
    let mut word = *words.get(index)? & (!0u64 << (from % 64));
    loop {
        if word != 0 {
            return Some(index * 64 + word.trailing_zeros() as usize);
        }
        index += 1;
        word = *words.get(index)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the mix of near and far times, the calendar queue pops exactly what the
        /// reference heap pops, in the same order, equal times in push order; moved on to a
        /// time no later than anything held, it goes on doing so.
        #[test]
        fn pops_like_the_event_queue(
            start in -5_000i64..5_000,
            ops in proptest::collection::vec((0i64..4_000_000, 0u8..5), 1..400),
        ) {
            let mut calendar = CalendarQueue::new(Ts(start));
            let mut reference = EventQueue::new();
            let mut now = start;
            for (i, (delay, op)) in ops.into_iter().enumerate() {
                if op == 4 {
                    let first = reference.peek_time().map_or(i64::MAX, |t| t.as_ms());
                    now = (now + delay % 100_000).min(first).max(now);
                    calendar.move_to(Ts(now));
                } else if op == 3 {
                    prop_assert_eq!(calendar.peek_time(), reference.peek_time());
                    let a = calendar.pop();
                    let b = reference.pop();
                    prop_assert_eq!(&a, &b);
                    if let Some((t, _)) = a { now = t.as_ms(); }
                } else {
                    // Equal to now, in the near buckets, in the far spans, or in the heap.
                    let t = now + match delay % 4 {
                        0 => 0,
                        1 => delay % 600,
                        2 => delay % 300_000,
                        _ => delay,
                    };
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
