//! The lazy, seeded event stream: each slice of the horizon (a minute, or wider over long
//! horizons) is drawn from sub-streams of its own, a batch of slices at a time on every core,
//! and merged in arrival order while only the events still "in flight" (drawn, not yet
//! arrived) are held in memory. The same events at any thread count and any batch size.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::Arc;

use rayon::prelude::*;

use super::source::{Drawn, Slicing, SourceState};
use super::spec::WorkloadSpec;
use crate::input::event::{Event, KeyTable};
use crate::input::sim::CalendarQueue;
use crate::input::time::{Dur, Ts};

/// Events a slice holds at most, expected: bins at higher rates are cut into more slices.
const MOST_EVENTS_PER_SLICE: f64 = 4_096.0;
/// Events a batch of slices aims at: enough to keep every core busy between merges, few
/// enough that a batch's buffers stay a megabyte or two.
const EVENTS_PER_BATCH: f64 = 32_768.0;
/// The span of a batch at most: its arrivals stay within the calendar queue's near and far
/// tiers (about a minute) instead of its heap.
const MOST_MS_PER_BATCH: f64 = 30_000.0;

/// Generates a workload's events in non-decreasing arrival order.
///
/// Each source is a non-homogeneous Poisson process (Lewis–Shedler thinning against a
/// per-minute envelope of its rate), drawn slice by slice; each event gets a delay and
/// waits in a queue keyed by arrival time until no event of a slice yet to be drawn can
/// arrive before it. Ties in arrival time pop in draw order (slice, then the order events
/// happen in, then source), whatever the batches, so the stream is one fixed sequence.
pub struct Generator {
    start: Ts,
    horizon_ms: f64,
    /// Shared by the checkpoints taken of this generator: it never changes.
    drawer: Arc<Drawer>,
    slices: usize,
    /// The first slice not yet drawn.
    next_slice: usize,
    /// Slices drawn at a time.
    batch: usize,
    /// The batch drawn while the one before it was merged, not yet loaded.
    ahead: Option<Vec<(Vec<Event>, u64)>>,
    merge: Merge,
    /// Events merged and final, in arrival order, handed out one by one.
    ready: VecDeque<Event>,
    last_popped_ms: i64,
    keys: KeyTable,
}

/// What draws slices: fixed once the run starts, so it can draw on other threads while the
/// batch before is merged.
struct Drawer {
    seed: u64,
    start: Ts,
    sources: Vec<SourceState>,
    slicing: Slicing,
    /// True when a batch holds enough events to be worth spreading over the cores.
    parallel: bool,
}

/// The merge of a batch's slices with the events carried from earlier batches.
#[derive(Clone)]
struct Merge {
    /// Events drawn in earlier batches and not yet released. Every arrival pushed is at or
    /// after the last one popped (an event arrives at or after it happens, and only arrivals
    /// up to the start of the next slice are released), so a calendar queue serves, with
    /// O(1) pushes and pops.
    in_flight: CalendarQueue<Event>,
    /// The slices of the batch loaded last, each sorted by arrival, with what is released.
    runs: Vec<Run>,
    /// The next arrival of the events carried (rank 0) and of each run (rank index + 1):
    /// the earliest on top, the lower rank first on ties (a tournament over the heads, not
    /// a scan of every run per event).
    heads: BinaryHeap<Reverse<(i64, usize)>>,
    /// Arrivals up to this time are final (none once every slice is drawn).
    release_until: Option<i64>,
    next_id: u64,
}

/// One slice's events, sorted by arrival, ids counted from 0 within it.
#[derive(Clone)]
struct Run {
    events: Vec<Event>,
    /// The first not yet released.
    next: usize,
    /// The id of the slice's first event in the whole stream.
    first_id: u64,
}

/// The rank in `heads` of the events carried from earlier batches: drawn before the
/// batch, they go first on ties.
const CARRIED: usize = 0;

impl Generator {
    /// A generator for `spec`, seeded with `seed`. The spec must have passed validation;
    /// parameters that could not build a distribution fall back to the plainest one.
    pub fn new(spec: &WorkloadSpec, seed: u64) -> Generator {
        Self::with_batch(spec, seed, None)
    }

    /// Like [`new`](Self::new), drawing `batch` slices at a time (tests: any batch gives the
    /// same events).
    fn with_batch(spec: &WorkloadSpec, seed: u64, batch: Option<usize>) -> Generator {
        let mut keys = KeyTable::new();
        let span = (spec.start, spec.duration);
        let sources: Vec<SourceState> = (spec.sources.iter().enumerate())
            .map(|(index, s)| SourceState::new(s, index, span, &mut keys, seed))
            .collect();
        let slicing = slicing(&sources);
        let slices = sources.iter().map(SourceState::bins).max().unwrap_or(0) * slicing.per_bin;
        let per_slice = spec.expected_events() / slices.max(1) as f64;
        let fitting = (EVENTS_PER_BATCH / per_slice.max(1.0))
            .min(MOST_MS_PER_BATCH / slicing.slice_ms())
            .max(1.0);
        let batch = batch.unwrap_or(fitting as usize).max(1);
        Generator {
            start: spec.start,
            horizon_ms: spec.duration.as_ms() as f64,
            drawer: Arc::new(Drawer {
                seed,
                start: spec.start,
                sources,
                slicing,
                parallel: batch > 1 && batch as f64 * per_slice >= MOST_EVENTS_PER_SLICE,
            }),
            slices,
            next_slice: 0,
            batch,
            ahead: None,
            merge: Merge {
                in_flight: CalendarQueue::new(spec.start),
                runs: Vec::new(),
                heads: BinaryHeap::new(),
                release_until: Some(spec.start.as_ms()),
                next_id: 0,
            },
            ready: VecDeque::new(),
            last_popped_ms: spec.start.as_ms(),
            keys,
        }
    }

    /// The names of the keys; ids are stable for the whole run.
    pub fn keys(&self) -> &KeyTable {
        &self.keys
    }

    /// Share of the horizon generated so far, 0..1 (for progress bars).
    pub fn progress(&self) -> f64 {
        let done = (self.last_popped_ms - self.start.as_ms()) as f64;
        (done / self.horizon_ms).clamp(0.0, 1.0)
    }

    /// Events drawn but not yet handed out: the generator's memory.
    pub fn in_flight(&self) -> usize {
        let unreleased: usize = (self.merge.runs.iter())
            .map(|r| r.events.len() - r.next)
            .sum();
        let ahead: usize = self.ahead.iter().flatten().map(|(e, _)| e.len()).sum();
        self.merge.in_flight.len() + unreleased + ahead + self.ready.len()
    }

    /// A generator that goes on from here with the same events, taken only where that is
    /// cheap: between batches, when every event merged has been handed out (none otherwise).
    /// It holds the events in flight, not the batch drawn ahead: that one is drawn again
    /// (any batch gives the same events). The lab restores from these, the way Flink
    /// restores a job from a checkpoint.
    pub fn checkpoint(&self) -> Option<Generator> {
        if !self.ready.is_empty() {
            return None;
        }
        let ahead = self.ahead.as_ref().map_or(0, Vec::len);
        Some(Generator {
            start: self.start,
            horizon_ms: self.horizon_ms,
            drawer: self.drawer.clone(),
            slices: self.slices,
            next_slice: self.next_slice - ahead,
            batch: self.batch,
            ahead: None,
            merge: self.merge.clone(),
            ready: VecDeque::new(),
            last_popped_ms: self.last_popped_ms,
            keys: self.keys.clone(),
        })
    }

    /// The time from which slices are still to be drawn (none once all are).
    fn undrawn_from(&self) -> Option<i64> {
        (self.next_slice < self.slices)
            .then(|| self.start.as_ms() + self.drawer.slicing.start_ms(self.next_slice) as i64)
    }

    /// The next batch's slices, marked drawn; none once every slice is.
    fn take_batch(&mut self) -> Option<std::ops::Range<usize>> {
        let slices = self.next_slice..(self.next_slice + self.batch).min(self.slices);
        self.next_slice = slices.end;
        (!slices.is_empty()).then_some(slices)
    }

    /// Loads the batch drawn ahead (or draws one) and merges what it releases into `ready`,
    /// while the batch after it is drawn on the other cores when batches are big enough;
    /// false once every event is out. Merging a batch and drawing the next one
    /// share nothing, so the events are the same whichever finishes first.
    fn refill(&mut self) -> bool {
        let drawn = match self.ahead.take() {
            Some(drawn) => drawn,
            None => match self.take_batch() {
                Some(slices) => self.drawer.draw(slices),
                None => return false,
            },
        };
        // No event of a slice not yet loaded can arrive before that slice starts.
        self.merge.load(drawn, self.undrawn_from());
        // Drawn ahead only where batches are drawn on every core: otherwise the next batch
        // is drawn when it is needed, and memory stays one batch.
        let next = if self.drawer.parallel {
            self.take_batch()
        } else {
            None
        };
        let (drawer, merge, ready) = (&self.drawer, &mut self.merge, &mut self.ready);
        self.ahead = match next {
            Some(slices) => {
                Some(rayon::join(|| drawer.draw(slices), || merge.release_into(ready)).0)
            }
            None => {
                merge.release_into(ready);
                None
            }
        };
        true
    }

    /// Slice `k`'s events (tests).
    #[cfg(test)]
    fn slice_events(&self, k: usize) -> (Vec<Event>, u64) {
        self.drawer.slice_events(k)
    }
}

impl Drawer {
    /// The slices' events, each slice sorted by arrival where it was drawn (ties in draw
    /// order), on every core when worth it; with the ids each used.
    fn draw(&self, slices: std::ops::Range<usize>) -> Vec<(Vec<Event>, u64)> {
        let sorted = |k| {
            let (events, count) = self.slice_events(k);
            let start = self.start + Dur(self.slicing.start_ms(k) as i64);
            (by_arrival(events, start.as_ms()), count)
        };
        if self.parallel {
            slices.into_par_iter().map(sorted).collect()
        } else {
            slices.map(sorted).collect()
        }
    }

    /// Slice `k`'s events of every source in the order they happen (the lower source first
    /// on ties), ids counted from 0 within the slice, each retry right after its first
    /// send; and how many ids the slice used.
    fn slice_events(&self, k: usize) -> (Vec<Event>, u64) {
        let drawn: Vec<Vec<Drawn>> = (self.sources.iter().enumerate())
            .map(|(index, source)| {
                let mut out = Vec::new();
                source.draw_slice((self.seed, index), self.slicing, k, &mut out);
                out
            })
            .collect();
        let mut heads = vec![0; drawn.len()];
        let mut events = Vec::with_capacity(drawn.iter().map(Vec::len).sum());
        let mut id = 0;
        loop {
            let mut next: Option<(usize, f64)> = None;
            for (index, source) in drawn.iter().enumerate() {
                if let Some(d) = source.get(heads[index])
                    && next.is_none_or(|(_, t)| d.offset_ms < t)
                {
                    next = Some((index, d.offset_ms));
                }
            }
            let Some((index, _)) = next else {
                break;
            };
            let d = drawn[index][heads[index]];
            heads[index] += 1;
            let true_time = self.start + Dur(d.offset_ms as i64);
            let event = Event {
                id,
                key: d.key,
                value: d.value,
                // The device stamps the event with its own, possibly skewed, clock.
                event_time: true_time + d.skew,
                arrival_time: true_time + d.delay,
                source: index as u16,
            };
            events.push(event);
            if let Some(gap) = d.retry_after {
                events.push(Event {
                    arrival_time: event.arrival_time + gap,
                    ..event
                });
            }
            id += 1;
        }
        (events, id)
    }
}

impl Merge {
    /// A batch's slices, in slice order, ids following the slices before; arrivals up to
    /// `release_until` are final.
    fn load(&mut self, drawn: Vec<(Vec<Event>, u64)>, release_until: Option<i64>) {
        for (events, count) in drawn {
            if let Some(first) = events.first() {
                let rank = self.runs.len() + 1;
                self.heads.push(Reverse((first.arrival_time.as_ms(), rank)));
            }
            self.runs.push(Run {
                events,
                next: 0,
                first_id: self.next_id,
            });
            self.next_id += count;
        }
        if let Some(t) = self.in_flight.peek_time() {
            self.heads.push(Reverse((t.as_ms(), CARRIED)));
        }
        self.release_until = release_until;
    }

    /// Every final event of the batch loaded, in arrival order, into `ready`; the rest are
    /// carried.
    fn release_into(&mut self, ready: &mut VecDeque<Event>) {
        while let Some(event) = self.release_next() {
            ready.push_back(event);
        }
        self.carry_over();
    }

    /// The next event the batch releases: the earliest arrival among the events carried
    /// (drawn before the batch, so first on ties) and the heads of its slices (the earlier
    /// slice first on ties), if no slice still to be drawn can arrive before it.
    fn release_next(&mut self) -> Option<Event> {
        let &Reverse((time, rank)) = self.heads.peek()?;
        // Every event of a slice still to be drawn happens, so arrives, at or after the
        // slice's start: an arrival no later than that is final.
        if self.release_until.is_some_and(|until| time > until) {
            return None;
        }
        // The top is replaced by its source's next arrival (one sift), or removed.
        let mut top = self.heads.peek_mut().expect("peeked above");
        let next = if rank == CARRIED {
            let event = self.in_flight.pop().map(|(_, event)| event);
            (event, self.in_flight.peek_time().map(Ts::as_ms))
        } else {
            let run = &mut self.runs[rank - 1];
            let event = run.events[run.next];
            run.next += 1;
            let id = event.id + run.first_id;
            let next = run.events.get(run.next).map(|e| e.arrival_time.as_ms());
            (Some(Event { id, ..event }), next)
        };
        match next.1 {
            Some(t) => top.0 = (t, rank),
            None => {
                std::collections::binary_heap::PeekMut::pop(top);
            }
        }
        next.0
    }

    /// What the batch did not release waits with the events carried, in draw order.
    fn carry_over(&mut self) {
        self.heads.clear();
        // The batch stopped before its first arrival past `release_until`.
        if let Some(until) = self.release_until {
            self.in_flight.move_to(Ts(until));
        }
        for run in self.runs.drain(..) {
            for event in &run.events[run.next..] {
                let event = Event {
                    id: event.id + run.first_id,
                    ..*event
                };
                self.in_flight.push(event.arrival_time, event);
            }
        }
    }
}

/// `events` in arrival order, ties in their order: a stable LSD radix sort (`radsort`) on
/// the arrival's offset from the slice's start (never negative: an event arrives at or
/// after it happens, in the slice) — a few passes over the bytes that differ, where a
/// comparison sort took some 200 instructions an event.
fn by_arrival(mut events: Vec<Event>, slice_start: i64) -> Vec<Event> {
    radsort::sort_by_key(&mut events, |e| {
        (e.arrival_time.as_ms() - slice_start) as u64
    });
    events
}

/// Each bin cut into as many slices as keep the busiest one within `MOST_EVENTS_PER_SLICE`
/// (no slice shorter than a millisecond).
fn slicing(sources: &[SourceState]) -> Slicing {
    let bin_ms = sources.first().map_or(60_000.0, SourceState::bin_ms);
    let bins = sources.iter().map(SourceState::bins).max().unwrap_or(0);
    let busiest = (0..bins)
        .map(|b| sources.iter().map(|s| s.most_events_in_bin(b)).sum::<f64>())
        .fold(0.0, f64::max);
    let per_bin = (busiest / MOST_EVENTS_PER_SLICE)
        .ceil()
        .clamp(1.0, bin_ms.max(1.0));
    Slicing {
        bin_ms,
        per_bin: per_bin as usize,
    }
}

impl Iterator for Generator {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                self.last_popped_ms = event.arrival_time.as_ms();
                return Some(event);
            }
            if !self.refill() {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::workload::spec::{
        Burst, DelayDist, Duplicates, KeySpec, Offline, Popularity, RateProfile, SourceSpec,
        ValueDist,
    };

    fn source(rate_per_minute: f64) -> SourceSpec {
        SourceSpec {
            name: "orders".into(),
            rate: RateProfile::Constant {
                per_minute: rate_per_minute,
            },
            bursts: vec![],
            keys: KeySpec {
                count: 10,
                prefix: "k".into(),
                popularity: Popularity::Uniform,
            },
            values: ValueDist::Constant(1.0),
            delay: DelayDist::None,
            offline: Offline::default(),
            clock_skew: Dur::ZERO,
            duplicates: Duplicates::default(),
        }
    }

    fn workload(sources: Vec<SourceSpec>, duration: Dur) -> WorkloadSpec {
        WorkloadSpec {
            start: Ts::parse("2026-03-17T00:00:00Z").unwrap(),
            duration,
            sources,
            trace: None,
        }
    }

    fn delays(spec: &WorkloadSpec, seed: u64) -> Vec<i64> {
        let mut d: Vec<i64> = Generator::new(spec, seed)
            .map(|e| (e.arrival_time - e.event_time).as_ms())
            .collect();
        d.sort_unstable();
        d
    }

    fn quantile(sorted: &[i64], q: f64) -> f64 {
        sorted[((sorted.len() - 1) as f64 * q).round() as usize] as f64
    }

    fn within(actual: f64, expected: f64, tolerance: f64) -> bool {
        (actual - expected).abs() <= tolerance * expected
    }

    #[test]
    fn lognormal_delay_has_the_configured_median_and_p99() {
        let mut s = source(100_000.0 / 60.0);
        s.delay = DelayDist::LogNormal {
            median: Dur::from_secs(2),
            p99: Dur::from_secs(45),
        };
        let d = delays(&workload(vec![s], Dur::from_hours(1)), 7);
        assert!(
            within(d.len() as f64, 100_000.0, 0.02),
            "{} events",
            d.len()
        );
        let (p50, p99) = (quantile(&d, 0.5), quantile(&d, 0.99));
        assert!(within(p50, 2_000.0, 0.03), "median {p50}");
        assert!(within(p99, 45_000.0, 0.06), "p99 {p99}");
    }

    #[test]
    fn exponential_and_pareto_delays_match_their_quantiles() {
        let mut s = source(100_000.0 / 60.0);
        s.delay = DelayDist::Exponential {
            mean: Dur::from_secs(10),
        };
        let d = delays(&workload(vec![s.clone()], Dur::from_hours(1)), 1);
        // Exponential median = mean · ln 2.
        assert!(within(quantile(&d, 0.5), 10_000.0 * 2f64.ln(), 0.03));
        s.delay = DelayDist::Pareto {
            scale: Dur::from_secs(1),
            shape: 2.0,
        };
        let d = delays(&workload(vec![s], Dur::from_hours(1)), 1);
        // Pareto quantile q = scale · (1 - q)^(-1/shape): median √2 s, p99 10 s.
        assert!(within(quantile(&d, 0.5), 1_000.0 * 2f64.sqrt(), 0.03));
        assert!(within(quantile(&d, 0.99), 10_000.0, 0.08));
    }

    #[test]
    fn zipf_keys_are_skewed_and_uniform_keys_are_not() {
        let mut s = source(20_000.0 / 60.0);
        let counts = |s: &SourceSpec| {
            let mut c = [0u32; 10];
            for e in Generator::new(&workload(vec![s.clone()], Dur::from_hours(1)), 3) {
                c[e.key.0 as usize] += 1;
            }
            c
        };
        let uniform = counts(&s);
        assert!(
            uniform.iter().all(|&n| within(n as f64, 2_000.0, 0.1)),
            "{uniform:?}"
        );
        s.keys.popularity = Popularity::Zipf { exponent: 1.0 };
        let zipf = counts(&s);
        // With exponent 1 over 10 keys, rank 1 holds 1/H(10) ≈ 34% and rank 10 about 3.4%.
        assert!(within(zipf[0] as f64, 20_000.0 * 0.341, 0.08), "{zipf:?}");
        assert!(zipf[0] > 8 * zipf[9], "{zipf:?}");
    }

    #[test]
    fn arrivals_are_in_order_and_duplicates_share_everything_but_arrival() {
        let mut s = source(2_000.0 / 60.0);
        s.delay = DelayDist::Exponential {
            mean: Dur::from_secs(5),
        };
        s.offline = Offline {
            share: 0.05,
            min: Dur::from_hours(1),
            max: Dur::from_hours(3),
        };
        s.duplicates = Duplicates {
            share: 0.1,
            retry_after: Dur::from_secs(20),
        };
        let events: Vec<Event> =
            Generator::new(&workload(vec![s], Dur::from_hours(2)), 5).collect();
        assert!(
            events
                .windows(2)
                .all(|w| w[0].arrival_time <= w[1].arrival_time)
        );
        let mut by_id = std::collections::BTreeMap::<u64, Vec<Event>>::new();
        for e in &events {
            by_id.entry(e.id).or_default().push(*e);
        }
        let dups: Vec<_> = by_id.values().filter(|v| v.len() == 2).collect();
        let share = dups.len() as f64 / by_id.len() as f64;
        assert!(within(share, 0.1, 0.2), "duplicate share {share}");
        for pair in dups {
            assert_eq!(
                (pair[0].key, pair[0].value, pair[0].event_time),
                (pair[1].key, pair[1].value, pair[1].event_time)
            );
            assert!(pair[1].arrival_time >= pair[0].arrival_time);
        }
        let offline = events
            .iter()
            .filter(|e| e.arrival_time - e.event_time >= Dur::from_hours(1))
            .count();
        assert!(offline > 0, "some events arrive hours late");
    }

    #[test]
    fn bursts_and_diurnal_curves_shape_the_rate() {
        let mut s = source(100.0);
        s.bursts = vec![Burst {
            at: Dur::from_mins(30),
            duration: Dur::from_mins(10),
            factor: 10.0,
        }];
        let spec = workload(vec![s.clone()], Dur::from_hours(1));
        let start = spec.start;
        let in_burst = Generator::new(&spec, 9)
            .filter(|e| {
                let m = (e.event_time - start).as_ms() / 60_000;
                (30..40).contains(&m)
            })
            .count();
        assert!(
            within(in_burst as f64, 10_000.0, 0.05),
            "{in_burst} in the burst"
        );

        s.bursts.clear();
        s.rate = RateProfile::Diurnal {
            mean_per_minute: 100.0,
            peak_to_trough: 5.0,
            peak_at: Dur::from_hours(19),
        };
        let spec = workload(vec![s], Dur::from_hours(24));
        let mut per_hour = [0u32; 24];
        for e in Generator::new(&spec, 9) {
            per_hour[((e.event_time - spec.start).as_ms() / 3_600_000) as usize] += 1;
        }
        let total: u32 = per_hour.iter().sum();
        assert!(within(total as f64, 144_000.0, 0.02), "{total}");
        let (peak, trough) = (per_hour[18] + per_hour[19], per_hour[6] + per_hour[7]);
        let ratio = peak as f64 / trough as f64;
        assert!(ratio > 4.0 && ratio < 6.0, "peak/trough {ratio}");
    }

    #[test]
    fn same_seed_same_events_other_seed_other_events() {
        let mut s = source(500.0);
        s.delay = DelayDist::Exponential {
            mean: Dur::from_secs(3),
        };
        s.clock_skew = Dur::from_secs(30);
        let spec = workload(vec![s, source(50.0)], Dur::from_hours(1));
        let a: Vec<Event> = Generator::new(&spec, 1).collect();
        let b: Vec<Event> = Generator::new(&spec, 1).collect();
        let c: Vec<Event> = Generator::new(&spec, 2).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn memory_is_a_batch_of_slices_not_the_total() {
        let mut s = source(10_000.0);
        s.delay = DelayDist::Fixed(Dur::from_secs(6));
        let mut generator = Generator::new(&workload(vec![s], Dur::from_hours(1)), 4);
        let mut most = 0;
        while generator.next().is_some() {
            most = most.max(generator.in_flight());
        }
        // 10k/min: 20-second slices of about 3,333 events (at most 4,096), drawn one at a
        // time (a batch spans at most 30 s), beside the 1,000 of the 6 s delay still in
        // flight: never the 600k of the hour.
        assert!(most > 3_000 && most < 6_000, "{most} in flight at most");
    }

    /// A hostile mix: bursts, a diurnal source, offline devices, duplicates and skew.
    fn mixed_workload(rate: f64, hours: i64) -> WorkloadSpec {
        let mut a = source(rate);
        a.delay = DelayDist::LogNormal {
            median: Dur::from_secs(2),
            p99: Dur::from_mins(3),
        };
        a.offline = Offline {
            share: 0.02,
            min: Dur::from_mins(5),
            max: Dur::from_hours(2),
        };
        a.duplicates = Duplicates {
            share: 0.05,
            retry_after: Dur::from_secs(20),
        };
        a.clock_skew = Dur::from_secs(40);
        a.bursts = vec![Burst {
            at: Dur::from_mins(17),
            duration: Dur::from_mins(23),
            factor: 4.0,
        }];
        let mut b = source(rate / 3.0);
        b.rate = RateProfile::Diurnal {
            mean_per_minute: rate / 3.0,
            peak_to_trough: 3.0,
            peak_at: Dur::from_hours(1),
        };
        b.delay = DelayDist::Fixed(Dur::ZERO);
        workload(vec![a, b], Dur::from_hours(hours))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(12))]
        /// The stream is one fixed sequence: the same events in the same order however many
        /// slices are drawn at a time and on however many threads.
        #[test]
        fn the_same_events_at_any_batch_and_thread_count(
            seed in proptest::prelude::any::<u64>(),
            batch in 1usize..40,
            threads in 1usize..5,
        ) {
            let spec = mixed_workload(300.0, 2);
            let reference: Vec<Event> = Generator::with_batch(&spec, seed, Some(1)).collect();
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let other: Vec<Event> =
                pool.install(|| Generator::with_batch(&spec, seed, Some(batch)).collect());
            proptest::prop_assert_eq!(reference, other);
        }
    }

    /// A checkpoint goes on with exactly the events the stream had still to hand out,
    /// wherever it was taken, with or without a batch drawn ahead.
    #[test]
    fn a_checkpoint_goes_on_with_the_rest_of_the_stream() {
        let spec = mixed_workload(3_000.0, 2);
        for batch in [1, 7] {
            let mut generator = Generator::with_batch(&spec, 5, Some(batch));
            generator.drawer = Arc::new(Drawer {
                parallel: true,
                ..Arc::try_unwrap(generator.drawer).ok().expect("one owner")
            });
            let mut seen: Vec<Event> = Vec::new();
            let mut checkpoints = Vec::new();
            while let Some(event) = generator.next() {
                seen.push(event);
                if let Some(checkpoint) = generator.checkpoint() {
                    checkpoints.push((seen.len(), checkpoint));
                }
            }
            assert!(checkpoints.len() > 10, "{} checkpoints", checkpoints.len());
            for (done, checkpoint) in checkpoints.into_iter().step_by(5) {
                let rest: Vec<Event> = checkpoint.collect();
                assert_eq!(rest, seen[done..], "batch {batch}, after {done} events");
            }
        }
    }

    #[test]
    fn any_slice_can_be_drawn_again_on_its_own() {
        let spec = mixed_workload(300.0, 2);
        let all: Vec<Event> = Generator::new(&spec, 11).collect();
        let generator = Generator::new(&spec, 11);
        // Slice 30 (minute 30, inside the burst) alone: the events that happen in it.
        let (alone, count) = generator.slice_events(30);
        let from = spec.start + Dur::from_mins(30);
        let mut happened: Vec<Event> = (all.iter())
            .filter(|e| {
                let true_time = e.event_time - generator_skew(&generator, e);
                true_time >= from && true_time < from + Dur::from_mins(1)
            })
            .copied()
            .collect();
        assert!(count > 1_000, "{count} events in a minute at 4× 400/min");
        let first_id = happened.iter().map(|e| e.id).min().unwrap();
        happened.sort_by_key(|e| (e.id, e.arrival_time));
        let mut alone: Vec<Event> = (alone.into_iter())
            .map(|e| Event {
                id: e.id + first_id,
                ..e
            })
            .collect();
        alone.sort_by_key(|e| (e.id, e.arrival_time));
        assert_eq!(alone, happened);
    }

    /// The clock offset of an event's key (the true time is its event time less it).
    fn generator_skew(generator: &Generator, event: &Event) -> Dur {
        let source = &generator.drawer.sources[event.source as usize];
        source.skew_of(event.key)
    }

    #[test]
    fn sub_stream_seeds_differ_by_source_and_slice() {
        use super::super::source::{KEYS, sub_stream_seed};
        let seeds: std::collections::BTreeSet<u64> = (0..4)
            .flat_map(|s| {
                (0..1_000)
                    .chain([KEYS])
                    .map(move |k| sub_stream_seed(7, s, k))
            })
            .collect();
        assert_eq!(seeds.len(), 4 * 1_001);
        assert_ne!(sub_stream_seed(7, 0, 0), sub_stream_seed(8, 0, 0));
    }
}
