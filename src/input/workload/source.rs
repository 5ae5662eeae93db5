//! One source's draws: its rate (a non-homogeneous Poisson process, thinned against a
//! per-bin envelope), its keys, values, delays and retries. Each bin of the horizon is a
//! slice drawn from a sub-stream of its own, so slices can be drawn on every core.

use std::f64::consts::TAU;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::weighted::WeightedAliasIndex;
use rand_distr::{Distribution, Exp, Exp1, LogNormal, Pareto};

use super::spec::{DelayDist, Popularity, RateProfile, SourceSpec, ValueDist};
use crate::input::event::{KeyId, KeyTable};
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

/// Sub-stream seeds. Slice `k` of source `s` draws from xoshiro256++ seeded (by rand's
/// `seed_from_u64`) with `mix(mix(seed + φ·(s + 1)) + φ·(k + 1))`, where `mix` is SplitMix64's
/// finaliser and φ = 0x9E3779B97F4A7C15 (wrapping arithmetic); the source's per-key clock
/// offsets use slice index `KEYS`, which no horizon reaches. Any slice can so be drawn
/// again on its own, on any thread.
pub fn sub_stream_seed(seed: u64, source: usize, slice: u64) -> u64 {
    const PHI: u64 = 0x9E37_79B9_7F4A_7C15;
    let per_source = mix(seed.wrapping_add(PHI.wrapping_mul(source as u64 + 1)));
    mix(per_source.wrapping_add(PHI.wrapping_mul(slice.wrapping_add(1))))
}

/// The slice index whose sub-stream draws a source's per-key clock offsets.
pub const KEYS: u64 = u64::MAX - 1;

/// SplitMix64's output function (Steele, Lea & Flood 2014): a bijection that spreads
/// neighbouring inputs over the whole range.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// How the horizon is cut into slices: each bin into `per_bin` equal ones, so that no slice
/// holds more than a few thousand events (the bin's rate bounds serve every slice in it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Slicing {
    pub bin_ms: f64,
    pub per_bin: usize,
}

impl Slicing {
    /// The bin slice `k` lies in.
    pub fn bin(self, k: usize) -> usize {
        k / self.per_bin
    }

    /// Where slice `k` starts, in milliseconds after the workload start (bin edges exact).
    pub fn start_ms(self, k: usize) -> f64 {
        let within = (k % self.per_bin) as f64 * self.bin_ms / self.per_bin as f64;
        self.bin(k) as f64 * self.bin_ms + within
    }

    /// The width of a slice, in milliseconds.
    pub fn slice_ms(self) -> f64 {
        self.bin_ms / self.per_bin as f64
    }
}

/// An event of one slice, before it has an id: offsets in fractional milliseconds from the
/// workload start (exponential gaps at high rates are below a millisecond, so rounding each
/// gap would bias the rate; one f64 over years keeps sub-microsecond precision).
#[derive(Clone, Copy, Debug)]
pub struct Drawn {
    pub offset_ms: f64,
    pub key: KeyId,
    pub value: f64,
    /// The device's clock offset for its key.
    pub skew: Dur,
    pub delay: Dur,
    /// A retry's arrival after the first, when the event is sent twice.
    pub retry_after: Option<Dur>,
}

/// What a source draws from: fixed when the run starts, shared by every slice's draw.
pub struct SourceState {
    spec: SourceSpec,
    start: Ts,
    horizon_ms: f64,
    /// Rate bounds per bin (slice) of the horizon, for thinning.
    bins: Vec<RateBounds>,
    bin_ms: f64,
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

impl SourceState {
    /// Source `index` of a workload starting at `start` and lasting `duration`, seeded with
    /// `seed`; its keys are interned in `keys`.
    pub fn new(
        spec: &SourceSpec,
        index: usize,
        (start, duration): (Ts, Dur),
        keys: &mut KeyTable,
        seed: u64,
    ) -> Self {
        let rng = &mut Rng64::seed_from_u64(sub_stream_seed(seed, index, KEYS));
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
            start,
            horizon_ms,
            bins,
            bin_ms,
            key_ids,
            key_clock_offset,
            zipf,
            values,
            delay,
            retry_gap: Exp::new(1.0 / spec.duplicates.retry_after.as_ms().max(1) as f64)
                .expect("positive retry mean"),
        }
    }

    /// The clock offset of the device behind `key` (tests: an event's true time).
    #[cfg(test)]
    pub fn skew_of(&self, key: KeyId) -> Dur {
        let local = self
            .key_ids
            .iter()
            .position(|&k| k == key)
            .expect("a key of this source");
        self.key_clock_offset[local]
    }

    /// Bins of the horizon.
    pub fn bins(&self) -> usize {
        self.bins.len()
    }

    /// The width of a bin, in milliseconds.
    pub fn bin_ms(&self) -> f64 {
        self.bin_ms
    }

    /// Events expected in bin `b` at most (its envelope over its width).
    pub fn most_events_in_bin(&self, b: usize) -> f64 {
        self.bins
            .get(b)
            .map_or(0.0, |bounds| bounds.envelope * self.bin_ms)
    }

    /// Slice `k`'s events as source `index` of a run seeded with `seed`, in the order they
    /// happen, appended to `out`: thinning against the envelope of the bin the slice lies
    /// in, the process starting afresh at the slice's edge (it is memoryless).
    pub fn draw_slice(
        &self,
        (seed, index): (u64, usize),
        slicing: Slicing,
        k: usize,
        out: &mut Vec<Drawn>,
    ) {
        let Some(&bounds) = self.bins.get(slicing.bin(k)) else {
            return;
        };
        if bounds.envelope <= 0.0 {
            return;
        }
        let rng = &mut Rng64::seed_from_u64(sub_stream_seed(seed, index, k as u64));
        let end = slicing.start_ms(k + 1).min(self.horizon_ms);
        let mut t = slicing.start_ms(k);
        // Room for the expected count and a few deviations more: no regrowth (and copy) as
        // the slice fills, in nearly every slice.
        let expected = bounds.envelope * (end - t);
        out.reserve((expected + 4.0 * expected.sqrt() + 16.0) as usize);
        loop {
            t += <Exp1 as Distribution<f64>>::sample(&Exp1, rng) * bounds.mean_gap;
            if t >= end {
                break;
            }
            // A flat bin (constant rate, no burst edge) accepts every candidate.
            if bounds.floor < bounds.envelope {
                let u = rng.random::<f64>() * bounds.envelope;
                let rate = rate_per_minute(&self.spec, self.start, t) / 60_000.0;
                if u >= bounds.floor && u >= rate {
                    continue;
                }
            }
            out.push(self.draw_event(t, rng));
        }
    }

    /// The event that happens at `offset_ms`: its key, value, delay and retry.
    fn draw_event(&self, offset_ms: f64, rng: &mut Rng64) -> Drawn {
        let local = self.pick_key(rng);
        let value = self.sample_value(rng);
        let delay = self.sample_delay(rng);
        let duplicates = &self.spec.duplicates;
        let retry_after = (duplicates.share > 0.0 && rng.random_bool(duplicates.share))
            .then(|| Dur(self.retry_gap.sample(rng).round() as i64));
        Drawn {
            offset_ms,
            key: self.key_ids[local],
            value,
            skew: self.key_clock_offset[local],
            delay,
            retry_after,
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
}
