//! The lazy, seeded generator: events come out in arrival order while only the events still
//! "in flight" (happened, not yet arrived) are held in memory.

use std::f64::consts::TAU;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::weighted::WeightedAliasIndex;
use rand_distr::{Distribution, Exp, Exp1, LogNormal, Pareto};

use super::spec::{DelayDist, Popularity, RateProfile, SourceSpec, ValueDist, WorkloadSpec};
use crate::input::event::{Event, KeyId, KeyTable};
use crate::input::sim::CalendarQueue;
use crate::input::time::{Dur, Ts};

/// The generator's random numbers: xoshiro256++, fast and portable (the same stream on
/// every platform for a seed).
type Rng64 = Xoshiro256PlusPlus;

/// z such that P(Z <= z) = 0.99 for a standard normal: turns (median, p99) into sigma.
const Z_99: f64 = 2.326_347_874_040_840_8;
const DAY_MS: f64 = 86_400_000.0;

/// Width of the bins over which a source's rate is bounded for thinning.
const BIN_MS: f64 = 60_000.0;
/// At most this many bins per source; longer horizons get wider bins.
const MAX_BINS: f64 = 1_000_000.0;

/// Generates a workload's events in non-decreasing arrival order.
///
/// Each source is a non-homogeneous Poisson process (Lewis–Shedler thinning against a
/// per-minute envelope of its rate); each event gets a delay and waits in a queue keyed by
/// arrival time until no event yet to be generated can arrive before it, so memory holds
/// only what is in flight.
pub struct Generator {
    rng: Rng64,
    start: Ts,
    horizon_ms: f64,
    sources: Vec<SourceState>,
    /// Every arrival pushed is at or after the last one popped (an event arrives at or after
    /// it happens, and only arrivals before the next event happens are popped), so a calendar
    /// queue serves, with O(1) pushes and pops.
    in_flight: CalendarQueue<Event>,
    next_id: u64,
    last_popped_ms: i64,
    keys: KeyTable,
}

struct SourceState {
    spec: SourceSpec,
    /// Offset of the next event from the workload start, in fractional milliseconds:
    /// exponential gaps at high rates are below a millisecond, so rounding each gap would
    /// bias the rate; one f64 over years keeps sub-microsecond precision.
    next_offset_ms: Option<f64>,
    /// Rate bounds per bin of the horizon, for thinning.
    bins: Vec<RateBounds>,
    bin_ms: f64,
    /// `1 / bin_ms`: bin lookups multiply instead of dividing.
    bins_per_ms: f64,
    key_ids: Vec<KeyId>,
    /// Per-key device clock offset, indexed like `key_ids`.
    key_clock_offset: Vec<Dur>,
    /// Alias table over key ranks (O(1) per draw) when popularity is Zipf.
    zipf: Option<WeightedAliasIndex<f64>>,
    values: Option<LogNormal<f64>>,
    delay: DelaySampler,
    retry_gap: Exp<f64>,
}

/// Bounds of a source's rate (events per ms) within one bin.
#[derive(Clone, Copy, Debug)]
struct RateBounds {
    /// At least the rate anywhere in the bin: candidates are drawn at this rate.
    envelope: f64,
    /// Mean gap between candidates, `1 / envelope` (a multiply on the hot path, not a divide).
    mean_gap: f64,
    /// At most the rate anywhere in the bin: candidates below it are accepted unevaluated.
    floor: f64,
}

enum DelaySampler {
    None,
    Fixed(i64),
    Exponential(Exp<f64>),
    LogNormal(LogNormal<f64>),
    Pareto(Pareto<f64>),
}

/// The lognormal with the given median and 99th percentile.
fn lognormal(median: f64, p99: f64) -> Option<LogNormal<f64>> {
    let mu = median.ln();
    LogNormal::new(mu, (p99.ln() - mu) / Z_99).ok()
}

impl Generator {
    /// A generator for `spec`, seeded with `seed`. The spec must have passed validation;
    /// parameters that could not build a distribution fall back to the plainest one.
    pub fn new(spec: &WorkloadSpec, seed: u64) -> Generator {
        let mut rng = Rng64::seed_from_u64(seed);
        let mut keys = KeyTable::new();
        let sources: Vec<SourceState> = spec
            .sources
            .iter()
            .map(|s| SourceState::new(s, spec.start, spec.duration, &mut keys, &mut rng))
            .collect();
        let mut generator = Generator {
            rng,
            start: spec.start,
            horizon_ms: spec.duration.as_ms() as f64,
            sources,
            in_flight: CalendarQueue::new(spec.start),
            next_id: 0,
            last_popped_ms: spec.start.as_ms(),
            keys,
        };
        for index in 0..generator.sources.len() {
            generator.schedule_next(index, 0.0);
        }
        generator
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

    /// Events generated but not yet arrived: the generator's memory.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Draws source `index`'s first event after `from_ms`, if it happens within the horizon.
    fn schedule_next(&mut self, index: usize, from_ms: f64) {
        let (start, horizon_ms) = (self.start, self.horizon_ms);
        let source = &mut self.sources[index];
        source.next_offset_ms = source.next_offset(&mut self.rng, start, horizon_ms, from_ms);
    }

    /// The source whose next event happens first (lowest index on ties).
    fn next_source(&self) -> Option<(usize, f64)> {
        let mut best: Option<(usize, f64)> = None;
        for (index, source) in self.sources.iter().enumerate() {
            if let Some(t) = source.next_offset_ms
                && best.is_none_or(|(_, b)| t < b)
            {
                best = Some((index, t));
            }
        }
        best
    }

    fn arrive(&mut self, event: Event) {
        self.in_flight.push(event.arrival_time, event);
    }

    fn generate_one(&mut self, index: usize, offset_ms: f64) {
        let source = &mut self.sources[index];
        let rng = &mut self.rng;
        let true_time = self.start + Dur(offset_ms as i64);
        let local_key = source.pick_key(rng);
        let id = self.next_id;
        self.next_id += 1;
        let event = Event {
            id,
            key: source.key_ids[local_key],
            value: source.sample_value(rng),
            // The device stamps the event with its own, possibly skewed, clock.
            event_time: true_time + source.key_clock_offset[local_key],
            arrival_time: true_time + source.sample_delay(rng),
            source: index as u16,
        };
        let retry = (source.spec.duplicates.share > 0.0
            && rng.random_bool(source.spec.duplicates.share))
        .then(|| Event {
            arrival_time: event.arrival_time + Dur(source.retry_gap.sample(rng).round() as i64),
            ..event
        });
        self.arrive(event);
        if let Some(again) = retry {
            self.arrive(again);
        }
        self.schedule_next(index, offset_ms);
    }
}

impl Iterator for Generator {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        loop {
            let next = self.next_source();
            let due_ms = |offset_ms: f64| (self.start + Dur(offset_ms as i64)).as_ms();
            // Every event still to be generated happens, so arrives, at or after its true
            // time: an arrival no later than that is final.
            if let Some(arrival) = self.in_flight.peek_time()
                && next.is_none_or(|(_, offset)| arrival.as_ms() <= due_ms(offset))
            {
                let (time, event) = self.in_flight.pop()?;
                self.last_popped_ms = time.as_ms();
                return Some(event);
            }
            let (index, offset) = next?;
            self.last_popped_ms = due_ms(offset);
            self.generate_one(index, offset);
        }
    }
}

impl SourceState {
    fn new(
        spec: &SourceSpec,
        start: Ts,
        duration: Dur,
        keys: &mut KeyTable,
        rng: &mut Rng64,
    ) -> Self {
        let count = spec.keys.count.max(1);
        let width = count.to_string().len();
        let key_ids: Vec<KeyId> = (1..=count)
            .map(|i| keys.intern(&format!("{}{i:0width$}", spec.keys.prefix)))
            .collect();
        let skew = spec.clock_skew.as_ms();
        let key_clock_offset = key_ids
            .iter()
            .map(|_| {
                Dur(if skew > 0 {
                    rng.random_range(-skew..=skew)
                } else {
                    0
                })
            })
            .collect();
        let zipf = match spec.keys.popularity {
            Popularity::Uniform => None,
            // Zipf: the key of rank k has weight 1 / k^exponent.
            Popularity::Zipf { exponent } => {
                WeightedAliasIndex::new((1..=count).map(|k| (k as f64).powf(-exponent)).collect())
                    .ok()
            }
        };
        let values = match spec.values {
            ValueDist::LogNormal { median, p99 } => lognormal(median, p99),
            _ => None,
        };
        let delay = match spec.delay {
            DelayDist::None => DelaySampler::None,
            DelayDist::Fixed(d) => DelaySampler::Fixed(d.as_ms()),
            DelayDist::Exponential { mean } => Exp::new(1.0 / mean.as_ms().max(1) as f64)
                .map_or(DelaySampler::None, DelaySampler::Exponential),
            DelayDist::LogNormal { median, p99 } => {
                lognormal(median.as_ms() as f64, p99.as_ms() as f64)
                    .map_or(DelaySampler::None, DelaySampler::LogNormal)
            }
            DelayDist::Pareto { scale, shape } => Pareto::new(scale.as_ms() as f64, shape)
                .map_or(DelaySampler::None, DelaySampler::Pareto),
        };
        let horizon_ms = duration.as_ms() as f64;
        let bin_ms = BIN_MS.max(horizon_ms / MAX_BINS);
        let bins = (0..(horizon_ms / bin_ms).ceil() as usize)
            .map(|i| {
                rate_bounds(
                    spec,
                    start,
                    i as f64 * bin_ms,
                    ((i + 1) as f64 * bin_ms).min(horizon_ms),
                )
            })
            .collect();
        SourceState {
            spec: spec.clone(),
            next_offset_ms: None,
            bins,
            bin_ms,
            bins_per_ms: 1.0 / bin_ms,
            key_ids,
            key_clock_offset,
            zipf,
            values,
            delay,
            retry_gap: Exp::new(1.0 / spec.duplicates.retry_after.as_ms().max(1) as f64)
                .expect("positive retry mean"),
        }
    }

    /// The next accepted event after `from_ms`, or none past the horizon: thinning against
    /// each bin's envelope, restarting at bin edges (the process is memoryless).
    fn next_offset(
        &self,
        rng: &mut Rng64,
        start: Ts,
        horizon_ms: f64,
        from_ms: f64,
    ) -> Option<f64> {
        let mut t = from_ms;
        loop {
            // Signed conversions (one instruction each; t >= 0 here) where unsigned ones
            // cost a dozen: the same bin for every t a horizon can hold.
            let mut bin = (t * self.bins_per_ms) as i64;
            if (bin + 1) as f64 * self.bin_ms <= t {
                bin += 1; // the product rounded down at a bin edge
            }
            let Some(&bounds) = self.bins.get(bin as usize) else {
                break None;
            };
            let bin_end = (bin + 1) as f64 * self.bin_ms;
            if bounds.envelope <= 0.0 {
                t = bin_end;
                continue;
            }
            let candidate = t + <Exp1 as Distribution<f64>>::sample(&Exp1, rng) * bounds.mean_gap;
            if candidate >= bin_end {
                t = bin_end;
                continue;
            }
            t = candidate;
            if t >= horizon_ms {
                break None;
            }
            // A flat bin (constant rate, no burst edge) accepts every candidate.
            if bounds.floor >= bounds.envelope {
                break Some(t);
            }
            let u = rng.random::<f64>() * bounds.envelope;
            if u < bounds.floor || u < rate_per_minute(&self.spec, start, t) / 60_000.0 {
                break Some(t);
            }
        }
    }

    fn pick_key(&self, rng: &mut Rng64) -> usize {
        match &self.zipf {
            // Index 0 is rank 1, the hottest key.
            Some(alias) => alias.sample(rng),
            None => rng.random_range(0..self.key_ids.len()),
        }
    }

    fn sample_value(&self, rng: &mut Rng64) -> f64 {
        let raw = match self.spec.values {
            ValueDist::Constant(v) => return v,
            ValueDist::Uniform { min, max } => {
                if min < max {
                    rng.random_range(min..=max)
                } else {
                    min
                }
            }
            ValueDist::LogNormal { median, .. } => self.values.map_or(median, |d| d.sample(rng)),
        };
        round(raw * 100.0) / 100.0
    }

    fn sample_delay(&self, rng: &mut Rng64) -> Dur {
        let offline = &self.spec.offline;
        if offline.share > 0.0 && rng.random_bool(offline.share) {
            return Dur(rng.random_range(offline.min.as_ms().max(0)..=offline.max.as_ms().max(0)));
        }
        let ms = match &self.delay {
            DelaySampler::None => 0.0,
            DelaySampler::Fixed(ms) => *ms as f64,
            DelaySampler::Exponential(d) => d.sample(rng),
            DelaySampler::LogNormal(d) => d.sample(rng),
            DelaySampler::Pareto(d) => d.sample(rng),
        };
        // Heavy tails can overflow: no delay beyond a year; never a negative one, which the
        // arrival queue (monotone) could not take. (+0.5 then truncation rounds a
        // non-negative value without a libm call.)
        Dur((ms.clamp(0.0, 365.0 * DAY_MS) + 0.5) as i64)
    }
}

/// `x.round()` (half away from zero), bit for bit, without the libm call that cost 3 % of
/// the generator's time: truncation through `i64` is exact below 2^52, where the
/// fraction `x - t` is exact too; from 2^52 up every f64 is already whole.
fn round(x: f64) -> f64 {
    if x.is_nan() || x.abs() >= 4_503_599_627_370_496.0 {
        return x; // NaN, whole or infinite
    }
    let t = ((x as i64) as f64).copysign(x);
    match x - t {
        d if d >= 0.5 => t + 1.0,
        d if d <= -0.5 => t - 1.0,
        _ => t,
    }
}

/// The source's rate at `offset_ms` after the workload start, in events per minute.
fn rate_per_minute(spec: &SourceSpec, start: Ts, offset_ms: f64) -> f64 {
    let factor: f64 = spec
        .bursts
        .iter()
        .filter(|b| {
            let at = b.at.as_ms() as f64;
            offset_ms >= at && offset_ms < at + b.duration.as_ms() as f64
        })
        .map(|b| b.factor)
        .product();
    base_rate_per_minute(&spec.rate, start, offset_ms) * factor
}

/// The rate profile alone (no bursts) at `offset_ms` after the start, in events per minute.
fn base_rate_per_minute(rate: &RateProfile, start: Ts, offset_ms: f64) -> f64 {
    match *rate {
        RateProfile::Constant { per_minute } => per_minute,
        RateProfile::Diurnal {
            mean_per_minute,
            peak_to_trough,
            peak_at,
        } => {
            // A cosine over the UTC day: mean preserved, (1 + a) / (1 - a) = peak_to_trough.
            let amplitude = (peak_to_trough - 1.0) / (peak_to_trough + 1.0);
            let time_of_day = (start.as_ms() as f64 + offset_ms).rem_euclid(DAY_MS);
            let phase = (time_of_day - peak_at.as_ms() as f64) / DAY_MS;
            mean_per_minute * (1.0 + amplitude * (TAU * phase).cos())
        }
    }
}

/// Bounds of the source's rate over `[from_ms, to_ms)` after the workload start.
fn rate_bounds(spec: &SourceSpec, start: Ts, from_ms: f64, to_ms: f64) -> RateBounds {
    let (mut high, mut low) = match spec.rate {
        RateProfile::Constant { per_minute } => (per_minute, per_minute),
        RateProfile::Diurnal { .. } => {
            // Within a bin (far shorter than half a day) the cosine is monotone except around
            // its peak or trough: bound by the ends, and by the extreme if it falls inside.
            let a = base_rate_per_minute(&spec.rate, start, from_ms);
            let b = base_rate_per_minute(&spec.rate, start, to_ms);
            let (extreme_high, extreme_low) = diurnal_extremes(spec, start, from_ms, to_ms);
            (
                a.max(b).max(extreme_high.unwrap_or(0.0)),
                a.min(b).min(extreme_low.unwrap_or(f64::INFINITY)),
            )
        }
    };
    for burst in &spec.bursts {
        let (at, end) = (
            burst.at.as_ms() as f64,
            (burst.at + burst.duration).as_ms() as f64,
        );
        if end <= from_ms || at >= to_ms {
            continue;
        }
        if at <= from_ms && end >= to_ms {
            high *= burst.factor;
            low *= burst.factor;
        } else {
            high *= burst.factor.max(1.0);
            low *= burst.factor.min(1.0);
        }
    }
    let envelope = high / 60_000.0;
    RateBounds {
        envelope,
        mean_gap: 1.0 / envelope,
        floor: low / 60_000.0,
    }
}

/// The diurnal rate at its peak and trough, for those of them inside `[from_ms, to_ms)`.
fn diurnal_extremes(
    spec: &SourceSpec,
    start: Ts,
    from_ms: f64,
    to_ms: f64,
) -> (Option<f64>, Option<f64>) {
    let RateProfile::Diurnal {
        mean_per_minute,
        peak_to_trough,
        peak_at,
    } = spec.rate
    else {
        return (None, None);
    };
    let amplitude = (peak_to_trough - 1.0) / (peak_to_trough + 1.0);
    let inside = |time_of_day_ms: f64| {
        // First offset >= from_ms at that time of day.
        let from_abs = start.as_ms() as f64 + from_ms;
        let delta = (time_of_day_ms - from_abs).rem_euclid(DAY_MS);
        from_ms + delta < to_ms
    };
    let peak = peak_at.as_ms() as f64;
    let trough = peak + DAY_MS / 2.0;
    (
        inside(peak).then_some(mean_per_minute * (1.0 + amplitude)),
        inside(trough).then_some(mean_per_minute * (1.0 - amplitude)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::workload::spec::{Burst, Duplicates, KeySpec, Offline};

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

    proptest::proptest! {
        /// The libm-free `round` is `f64::round`, bit for bit, near halves and zeros too.
        #[test]
        fn round_is_f64_round(x in proptest::num::f64::ANY, whole in -1e6f64..1e6) {
            for x in [x, whole.trunc() + 0.5, whole.trunc() - 0.5, whole / 1e6, whole] {
                proptest::prop_assert_eq!(round(x).to_bits(), x.round().to_bits(), "{}", x);
            }
        }
    }

    #[test]
    fn round_keeps_the_edge_cases_of_f64_round() {
        for x in [
            0.499_999_999_999_999_94,
            -0.499_999_999_999_999_94,
            0.5,
            -0.5,
            -0.0,
            0.0,
            -0.3,
            2.5,
            -2.5,
            4_503_599_627_370_495.5,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::NAN,
        ] {
            assert_eq!(round(x).to_bits(), x.round().to_bits(), "{x}");
        }
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
    fn memory_is_the_events_in_flight_not_the_total() {
        let mut s = source(10_000.0);
        s.delay = DelayDist::Fixed(Dur::from_secs(6));
        let mut generator = Generator::new(&workload(vec![s], Dur::from_hours(1)), 4);
        let mut most = 0;
        while generator.next().is_some() {
            most = most.max(generator.in_flight());
        }
        // 10k/min with a 6 s delay: about 1,000 events in flight, never the 600k total.
        assert!(most > 800 && most < 1_400, "{most} in flight at most");
    }
}
