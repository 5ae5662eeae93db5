//! Watermark generation, kept apart from the window operator (as Flink and Arroyo do):
//! bounded out-of-orderness per partition, idleness, and the minimum across partitions.

use serde::{Deserialize, Serialize};

use crate::input::time::{Dur, Ts};

/// When watermarks are emitted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum WatermarkEmit {
    /// After every event (a punctuated generator emitting from `onEvent`).
    PerEvent,
    /// Every interval of processing time: Flink's `pipeline.auto-watermark-interval`
    /// (200 ms by default) calling `onPeriodicEmit`.
    Periodic(Dur),
    /// Flink's default: periodic every 200 ms.
    #[default]
    Default,
}

impl WatermarkEmit {
    /// The periodic interval, if any (`PerEvent` has none).
    pub fn interval(self) -> Option<Dur> {
        match self {
            WatermarkEmit::PerEvent => None,
            WatermarkEmit::Periodic(d) => Some(d),
            WatermarkEmit::Default => Some(Dur(200)),
        }
    }
}

/// Which of Flink's two bounded-out-of-orderness formulas the job uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum WatermarkFormula {
    /// DataStream API, `WatermarkStrategy.forBoundedOutOfOrderness(d)`:
    /// `BoundedOutOfOrdernessWatermarks` emits `max − d − 1 ms`.
    #[default]
    DataStream,
    /// Flink SQL, `WATERMARK FOR ts AS ts - INTERVAL 'd'`: the expression's value, `max − d`.
    Sql,
}

impl WatermarkFormula {
    /// How far the watermark stays behind the largest event time for a bound of `bound`.
    fn lag_ms(self, bound: Dur) -> i64 {
        match self {
            WatermarkFormula::DataStream => bound.as_ms() + 1,
            WatermarkFormula::Sql => bound.as_ms(),
        }
    }
}

/// Flink's bounded-out-of-orderness watermark: the largest timestamp seen minus a lag (see
/// `WatermarkFormula`), and `Long.MIN_VALUE` before any event.
#[derive(Clone, Copy, Debug)]
pub struct BoundedOutOfOrderness {
    max_timestamp: i64,
    lag_ms: i64,
}

impl BoundedOutOfOrderness {
    /// A DataStream generator tolerating events up to `bound` out of order.
    pub fn new(bound: Dur) -> Self {
        Self::with_formula(bound, WatermarkFormula::DataStream)
    }

    /// A generator with `bound` and the given formula.
    pub fn with_formula(bound: Dur, formula: WatermarkFormula) -> Self {
        let lag_ms = formula.lag_ms(bound);
        // Flink starts at Long.MIN_VALUE + bound + 1 so that the first watermark is MIN_VALUE.
        BoundedOutOfOrderness {
            max_timestamp: i64::MIN.saturating_add(lag_ms),
            lag_ms,
        }
    }

    /// Flink's `onEvent`: remember the largest timestamp.
    pub fn on_event(&mut self, timestamp: Ts) {
        self.max_timestamp = self.max_timestamp.max(timestamp.as_ms());
    }

    /// Flink's `onPeriodicEmit` value: `maxTimestamp - outOfOrdernessMillis - 1` (DataStream)
    /// or `maxTimestamp - d` (SQL).
    pub fn current(&self) -> Ts {
        Ts(self.max_timestamp.saturating_sub(self.lag_ms))
    }
}

/// Flink's `WatermarksWithIdleness.IdlenessTimer`, on the simulated processing clock: the
/// first periodic check that sees no new event starts the clock; a later check more than
/// the timeout after that declares the partition idle.
#[derive(Clone, Copy, Debug)]
struct IdlenessTimer {
    counter: u64,
    last_counter: u64,
    start_of_inactivity: Option<Ts>,
    timeout: Dur,
}

impl IdlenessTimer {
    fn new(timeout: Dur) -> Self {
        IdlenessTimer {
            counter: 0,
            last_counter: 0,
            start_of_inactivity: None,
            timeout,
        }
    }

    fn activity(&mut self) {
        self.counter += 1;
    }

    fn check_if_idle(&mut self, now: Ts) -> bool {
        if self.counter != self.last_counter {
            self.last_counter = self.counter;
            self.start_of_inactivity = None;
            return false;
        }
        match self.start_of_inactivity {
            None => {
                self.start_of_inactivity = Some(now);
                false
            }
            Some(since) => now - since > self.timeout,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Partition {
    generator: BoundedOutOfOrderness,
    idleness: Option<IdlenessTimer>,
    /// The partial watermark last emitted by this partition.
    watermark: i64,
    idle: bool,
}

/// Several partitions (Kafka partitions, source splits), each with its own generator; the
/// combined watermark is Flink's `CombinedWatermarkStatus`: the minimum over partitions that
/// are not idle, never moving backwards, held still while every partition is idle.
#[derive(Clone, Debug)]
pub struct PartitionedWatermarks {
    partitions: Vec<Partition>,
    combined: i64,
}

impl PartitionedWatermarks {
    /// `partitions` partitions with bound `bound` and `formula`; `idle_timeout` enables
    /// idleness.
    pub fn new(
        partitions: usize,
        bound: Dur,
        formula: WatermarkFormula,
        idle_timeout: Option<Dur>,
    ) -> Self {
        let partition = Partition {
            generator: BoundedOutOfOrderness::with_formula(bound, formula),
            idleness: idle_timeout.map(IdlenessTimer::new),
            watermark: i64::MIN,
            idle: false,
        };
        PartitionedWatermarks {
            partitions: vec![partition; partitions.max(1)],
            combined: i64::MIN,
        }
    }

    /// The combined watermark.
    pub fn current(&self) -> Ts {
        Ts(self.combined)
    }

    /// True while partition `index` is marked idle.
    pub fn is_idle(&self, index: usize) -> bool {
        self.partitions[index].idle
    }

    /// An event with `timestamp` read from `partition`. With `emit` (per-event emission) the
    /// partition emits its watermark at once; returns the combined watermark if it advanced.
    pub fn on_event(&mut self, partition: usize, timestamp: Ts, emit: bool) -> Option<Ts> {
        let p = &mut self.partitions[partition];
        p.generator.on_event(timestamp);
        if let Some(timer) = &mut p.idleness {
            timer.activity();
        }
        if !emit {
            return None;
        }
        Self::emit_partial(p);
        self.update_combined()
    }

    /// A periodic emission at processing time `now` (Flink's `onPeriodicEmit` through
    /// `WatermarksWithIdleness`): idle partitions are marked idle, the others emit (when
    /// `emit`; a per-event generator emits nothing periodically). Returns the combined
    /// watermark if it advanced.
    pub fn on_periodic(&mut self, now: Ts, emit: bool) -> Option<Ts> {
        for p in &mut self.partitions {
            let idle_now = p.idleness.as_mut().is_some_and(|t| t.check_if_idle(now));
            if idle_now {
                p.idle = true;
            } else if emit {
                Self::emit_partial(p);
            }
        }
        self.update_combined()
    }

    /// After a periodic check with no new event, the earliest processing time at which a
    /// later check could mark a partition idle (`None`: no check can change anything).
    pub fn next_idleness_change(&self) -> Option<Ts> {
        self.partitions
            .iter()
            .filter(|p| !p.idle)
            .filter_map(|p| p.idleness.as_ref())
            .map(|timer| match timer.start_of_inactivity {
                // The next check starts the inactivity clock.
                None => Ts(i64::MIN),
                // Idle at the first check more than the timeout after the clock started.
                Some(since) => since + timer.timeout + Dur(1),
            })
            .min()
    }

    /// The partition emits its generator's watermark, which also marks it active again
    /// (Flink's `WatermarkOutputMultiplexer`); partial watermarks only move forward.
    fn emit_partial(p: &mut Partition) {
        p.idle = false;
        p.watermark = p.watermark.max(p.generator.current().as_ms());
    }

    fn update_combined(&mut self) -> Option<Ts> {
        let active_minimum = self
            .partitions
            .iter()
            .filter(|p| !p.idle)
            .map(|p| p.watermark)
            .min()?;
        if active_minimum > self.combined {
            self.combined = active_minimum;
            Some(Ts(active_minimum))
        } else {
            None
        }
    }
}

/// Kafka's default partitioner for keyed records: `murmur2(key bytes) & 0x7fffffff % n`
/// (`Utils.murmur2` / `BuiltInPartitioner.partitionForKey`).
pub fn kafka_partition(key: &str, partitions: usize) -> usize {
    ((murmur2(key.as_bytes()) & 0x7fff_ffff) as usize) % partitions.max(1)
}

/// Kafka's `Utils.murmur2` (seed 0x9747b28c), bit for bit.
fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let length = data.len() as u32;
    let mut h: u32 = SEED ^ length;
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let rest = chunks.remainder();
    if rest.len() >= 3 {
        h ^= (rest[2] as u32) << 16;
    }
    if rest.len() >= 2 {
        h ^= (rest[1] as u32) << 8;
    }
    if !rest.is_empty() {
        h ^= rest[0] as u32;
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Ts {
        Ts::parse(text).unwrap()
    }

    #[test]
    fn bounded_out_of_orderness_is_max_minus_bound_minus_one() {
        let mut g = BoundedOutOfOrderness::new(Dur::from_mins(5));
        assert_eq!(g.current(), Ts(i64::MIN));
        g.on_event(at("2026-03-18T00:03:00Z"));
        g.on_event(at("2026-03-17T23:58:00Z")); // older: the max stays
        assert_eq!(g.current(), at("2026-03-17T23:57:59.999Z"));
    }

    #[test]
    fn the_sql_formula_is_max_minus_bound_without_the_millisecond() {
        let mut g = BoundedOutOfOrderness::with_formula(Dur::from_mins(5), WatermarkFormula::Sql);
        assert_eq!(g.current(), Ts(i64::MIN));
        g.on_event(at("2026-03-18T00:03:00Z"));
        assert_eq!(g.current(), at("2026-03-17T23:58:00Z"));
    }

    #[test]
    fn the_combined_watermark_is_the_minimum_and_an_empty_partition_stalls_it() {
        let mut w = PartitionedWatermarks::new(2, Dur::ZERO, WatermarkFormula::DataStream, None);
        assert_eq!(
            w.on_event(0, Ts(1_000), true),
            None,
            "partition 1 has seen nothing"
        );
        assert_eq!(w.on_event(0, Ts(5_000), true), None);
        assert_eq!(w.current(), Ts(i64::MIN));
        assert_eq!(w.on_event(1, Ts(3_000), true), Some(Ts(2_999)));
        assert_eq!(w.on_event(1, Ts(9_000), true), Some(Ts(4_999)));
    }

    #[test]
    fn an_idle_partition_stops_holding_the_watermark_after_the_timeout() {
        // Partition 1 never sends; timeout 1 s; periodic emission every 200 ms.
        let mut w = PartitionedWatermarks::new(
            2,
            Dur::ZERO,
            WatermarkFormula::DataStream,
            Some(Dur::from_secs(1)),
        );
        w.on_event(0, Ts(10_000), false);
        let mut advanced_at = None;
        for tick in 1..=10 {
            let now = Ts(tick * 200);
            w.on_event(0, Ts(10_000 + tick), false); // partition 0 stays busy
            if let Some(wm) = w.on_periodic(now, true) {
                advanced_at.get_or_insert((now, wm));
            }
        }
        // Check 1 (200 ms) starts partition 1's inactivity clock; the first check more than
        // 1 s later is at 1,400 ms: partition 1 goes idle, and partition 0 alone sets the
        // watermark to its max minus one.
        assert_eq!(advanced_at, Some((Ts(1_400), Ts(10_006))));
        assert!(w.is_idle(1) && !w.is_idle(0));
        // An event on partition 1 makes it active again: it holds the watermark only once it
        // emits, and the combined watermark never goes back.
        w.on_event(1, Ts(5_000), false);
        assert_eq!(w.on_periodic(Ts(2_200), true), None);
        assert!(!w.is_idle(1));
        assert_eq!(
            w.current(),
            Ts(10_009),
            "still the last value partition 0 alone set"
        );
    }

    #[test]
    fn kafka_murmur2_matches_kafka() {
        // Values from Kafka's UtilsTest.testMurmur2.
        let cases: [(&[u8], i32); 5] = [
            (b"21", -973_932_308),
            (b"foobar", -790_332_482),
            (b"a-little-bit-long-string", -985_981_536),
            (b"a-little-bit-longer-string", -1_486_304_829),
            (b"abc", 479_470_107),
        ];
        for (input, expected) in cases {
            assert_eq!(
                murmur2(input),
                expected,
                "{}",
                String::from_utf8_lossy(input)
            );
        }
    }
}
