//! The watermark lab's data: a slice of the workload around an hour boundary (where the
//! 23:58-order-arriving-at-00:03 story happens) run through the streaming model, with every
//! event classified, the watermark over processing time, and when each window fired; and the
//! playback clock that steps through it. No UI here: the app draws it.

use std::collections::BTreeMap;

use crate::compose::scenario::Scenario;
use crate::engine::ResultKind;
use crate::engine::output::{Emission, StreamOutput};
use crate::engine::window::{Window, WindowSpec};
use crate::input::event::{Event, KeyId, KeyTable};
use crate::input::time::{Dur, Ts};
use crate::runner::Runner;
use crate::runner::micro_batch::MicroBatchSpec;
use crate::runner::streaming::StreamingSpec;

pub use super::lab_checkpoints::LabCheckpoints;

/// How an event fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Arrived with its event time still ahead of the watermark.
    OnTime,
    /// Behind the watermark when it arrived, yet its window still took it.
    LateButKept,
    /// Behind the watermark and its window gone: the late side output.
    Dropped,
}

/// An event the user adds to the lab by hand, to see its fate under the lab's settings.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HandEvent {
    /// Its key (a new name is a new key).
    pub key: String,
    /// When it happened.
    pub event_time: Ts,
    /// When it reached the job.
    pub arrival_time: Ts,
}

/// What the lab is asked to show.
#[derive(Clone, Debug, PartialEq)]
pub struct LabRequest {
    /// The streaming job's settings.
    pub spec: StreamingSpec,
    /// The moment to show (none: the middle of the workload).
    pub around: Option<Ts>,
    /// Events added by hand, mixed into the workload by arrival time.
    pub added: Vec<HandEvent>,
    /// Spark Structured Streaming's micro-batches on the same events, beside Flink (none:
    /// Flink alone).
    pub spark: Option<MicroBatchSpec>,
    /// The processing time shown around the hour (none: 90 minutes), five ninths of it
    /// before the hour.
    pub span: Option<Dur>,
}

impl LabRequest {
    /// The lab of `spec` around the middle of the workload, with nothing added.
    pub fn of(spec: StreamingSpec) -> Self {
        LabRequest {
            spec,
            around: None,
            added: Vec::new(),
            spark: None,
            span: None,
        }
    }
}

/// Ids of hand-added events count down from here, far above any generated id.
const FIRST_HAND_ID: u64 = u64::MAX;

/// One event of the lab.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LabEvent {
    /// Its id.
    pub id: u64,
    /// Its key.
    pub key: KeyId,
    /// The value it carries.
    pub value: f64,
    /// The watermark when it reached the job (none before every partition has a record).
    pub watermark: Option<Ts>,
    /// Event time.
    pub event_time: Ts,
    /// Processing time it reached the job.
    pub arrival_time: Ts,
    /// What happened to it.
    pub fate: Fate,
    /// Added by hand.
    pub by_hand: bool,
}

/// A window of the lab: when the watermark fired it, when it closed, and its late firings.
#[derive(Clone, Debug, PartialEq)]
pub struct LabWindow {
    /// The window.
    pub window: Window,
    /// First on-time result (processing time), if it fired.
    pub fired_at: Option<Ts>,
    /// When the watermark reached its end - 1 ms + allowed lateness: from then on its events
    /// are dropped (Flink isElementLate). Between firing and closing it takes late events.
    pub closed_at: Option<Ts>,
    /// Its late firings (processing time): one per late event it took.
    pub late_firings: Vec<Ts>,
    /// Its early (speculative) firings before the watermark reached its end.
    pub early_firings: Vec<Ts>,
}

/// Everything the lab draws.
#[derive(Clone, Debug, PartialEq)]
pub struct LabData {
    /// Events in arrival order.
    pub events: Vec<LabEvent>,
    /// The watermark after each change: (processing time, watermark).
    pub watermark: Vec<(Ts, Ts)>,
    /// Windows in start order.
    pub windows: Vec<LabWindow>,
    /// The hour the span is around.
    pub hour: Ts,
    /// The processing-time span shown.
    pub from: Ts,
    /// End of the span shown.
    pub to: Ts,
    /// The keys' names.
    pub keys: KeyTable,
    /// The job's allowed lateness.
    pub allowed_lateness: Dur,
    /// The query's windows.
    pub window: WindowSpec,
    /// Spark on the same events, when asked for.
    pub spark: Option<SparkSide>,
    /// Events are drawn 1 in this many (1: all), where the span would hold more than
    /// [`MAX_LAB_EVENTS`]; every event added by hand or dropped by either engine is drawn.
    pub one_in: u64,
}

/// Spark Structured Streaming on the lab's events: a watermark per micro-batch, and the late
/// filter of each batch using the watermark of the batch before
/// (`spark.sql.streaming.statefulOperator.allowMultiple`).
#[derive(Clone, Debug, PartialEq)]
pub struct SparkSide {
    /// Whether Spark dropped each event, aligned with [`LabData::events`].
    pub dropped: Vec<bool>,
    /// Each micro-batch in the span: its start, and the watermark its late filter used
    /// (none before the first batch with data).
    pub batches: Vec<(Ts, Option<Ts>)>,
    /// The trigger interval.
    pub trigger: Dur,
}

impl SparkSide {
    /// Events Flink drops and Spark keeps, and events Spark drops and Flink keeps.
    pub fn differences(&self, events: &[LabEvent]) -> (usize, usize) {
        let mut flink_only = 0;
        let mut spark_only = 0;
        for (event, &spark) in events.iter().zip(&self.dropped) {
            match (event.fate == Fate::Dropped, spark) {
                (true, false) => flink_only += 1,
                (false, true) => spark_only += 1,
                _ => {}
            }
        }
        (flink_only, spark_only)
    }
}

/// The lab's Flink job: the scenario's streaming job, or one with a 5-minute bound.
pub fn flink_job(scenario: &Scenario) -> StreamingSpec {
    (scenario.streaming.clone()).unwrap_or_else(|| StreamingSpec::with_delay(Dur::from_mins(5)))
}

/// The Spark job set beside the lab's Flink job: the scenario's micro-batches (or a 1-minute
/// trigger in update mode) with the lab's watermark delay.
pub fn spark_beside(scenario: &Scenario, delay: Dur) -> MicroBatchSpec {
    let mut spec = (scenario.micro_batch.clone()).unwrap_or_else(|| {
        MicroBatchSpec::replay(
            Dur::from_mins(1),
            delay,
            crate::runner::micro_batch::OutputMode::Update,
        )
    });
    spec.watermark_delay = delay;
    spec
}

/// The watermark before any has been emitted (Flink's `Long.MIN_VALUE`).
const NO_WATERMARK: Ts = Ts(i64::MIN);

/// The processing time the lab shows by default: 50 minutes before the hour, 40 after.
pub const DEFAULT_SPAN: Dur = Dur::from_mins(90);

/// How many events the lab shows at most.
pub const MAX_LAB_EVENTS: usize = 20_000;

/// Events drawn 1 in how many for a span of `span`: all when the workload's rate fills it
/// with at most [`MAX_LAB_EVENTS`], else as many as fill a quarter of it (the rest is for the
/// dropped events, all drawn).
fn one_in(scenario: &Scenario, span: Dur) -> u64 {
    let duration = scenario.workload.duration.as_ms().max(1) as f64;
    let expected = scenario.workload.expected_events() * span.as_ms() as f64 / duration;
    if expected <= MAX_LAB_EVENTS as f64 {
        1
    } else {
        (expected / (MAX_LAB_EVENTS as f64 / 4.0)).ceil() as u64
    }
}

/// What a job of the lab did: its firings, its drops, and (Spark) each batch's start with
/// its watermark.
#[derive(Clone, Default)]
pub(super) struct Recorder {
    fired: BTreeMap<Window, Ts>,
    late: BTreeMap<Window, Vec<Ts>>,
    early: BTreeMap<Window, Vec<Ts>>,
    /// By (id, arrival): a retried copy shares its original's id.
    dropped: std::collections::HashSet<(u64, Ts)>,
    /// Each micro-batch's start and watermark (a micro-batch samples as it starts).
    batches: Vec<(Ts, Ts)>,
}

impl Recorder {
    /// A copy without the drops: what a checkpoint keeps (the lab looks up only the drops
    /// of events arriving after it).
    pub(super) fn without_drops(&self) -> Recorder {
        Recorder {
            fired: self.fired.clone(),
            late: self.late.clone(),
            early: self.early.clone(),
            dropped: Default::default(),
            batches: self.batches.clone(),
        }
    }
}

impl StreamOutput for Recorder {
    fn result(&mut self, emission: &Emission) {
        let window = emission.result.window;
        match emission.result.kind {
            ResultKind::OnTime if emission.after_event_id.is_some() => {
                self.fired.entry(window).or_insert(emission.emit_time);
            }
            ResultKind::Late => self
                .late
                .entry(window)
                .or_default()
                .push(emission.emit_time),
            ResultKind::Early => self
                .early
                .entry(window)
                .or_default()
                .push(emission.emit_time),
            ResultKind::OnTime => {}
        }
    }
    fn dropped(&mut self, event: &Event, _at: Ts) {
        self.dropped.insert((event.id, event.arrival_time));
    }
    fn sample(&mut self, sample: &crate::engine::output::Sample) {
        self.batches.push((sample.time, sample.watermark));
    }
}

impl LabData {
    /// Runs the lab around the hour nearest the middle of the horizon (see
    /// [`compute_around`](Self::compute_around)).
    pub fn compute(scenario: &Scenario, spec: &StreamingSpec) -> LabData {
        Self::compute_around(scenario, &LabRequest::of(spec.clone()), &mut || true)
            .expect("a lab that is never cancelled finishes")
    }

    /// Runs the lab: the events arriving from 50 minutes before the hour nearest `around` (by
    /// default the middle of the horizon; kept within it) to 40 minutes after it, with the
    /// events added by hand, through the request's job. `go_on` is asked now and then; `None`
    /// when it says stop.
    pub fn compute_around(
        scenario: &Scenario,
        request: &LabRequest,
        go_on: &mut dyn FnMut() -> bool,
    ) -> Option<LabData> {
        Self::compute_from_checkpoints(scenario, request, &mut LabCheckpoints::default(), go_on)
    }

    /// Like [`compute_around`](Self::compute_around), replaying from the last of
    /// `checkpoints` before the span instead of from the start, and saving new ones along
    /// the way: the same lab, in a fraction of the time on a long run.
    pub fn compute_from_checkpoints(
        scenario: &Scenario,
        request: &LabRequest,
        checkpoints: &mut LabCheckpoints,
        go_on: &mut dyn FnMut() -> bool,
    ) -> Option<LabData> {
        let (spec, around) = (&request.spec, request.around);
        let start = scenario.workload.start;
        let end = start + scenario.workload.duration;
        let middle = start + Dur(scenario.workload.duration.as_ms() / 2);
        let around = around.unwrap_or(middle).clamp(start, end);
        let hour = (around + Dur::from_mins(30)).floor_to(Dur::from_hours(1));
        let span = request.span.unwrap_or(DEFAULT_SPAN).as_ms();
        let (from, to) = (hour - Dur(span / 9 * 5), hour + Dur(span / 9 * 4));
        checkpoints.settle_on(scenario, request);
        if let Some(lab) = checkpoints.shown(from, to) {
            return Some(lab);
        }
        let mut replay = checkpoints.start_before(scenario, request, from);
        let mut keys: KeyTable = replay.keys().clone();
        let mut added: Vec<Event> = (request.added.iter().zip(0..))
            .map(|(hand, n)| Event {
                id: FIRST_HAND_ID - n,
                key: keys.intern(&hand.key),
                value: 1.0,
                event_time: hand.event_time,
                arrival_time: hand.arrival_time,
                source: 0,
            })
            .collect();
        added.sort_by_key(|e| e.arrival_time);
        let mut data = LabData {
            events: Vec::new(),
            watermark: Vec::new(),
            windows: Vec::new(),
            hour,
            from,
            to,
            keys: keys.clone(),
            allowed_lateness: spec.allowed_lateness,
            window: scenario.query.window,
            spark: None,
            one_in: one_in(scenario, to - from),
        };
        loop {
            checkpoints.maybe_save(&replay);
            let Some(event) = replay.next_event(&added) else {
                break;
            };
            if event.arrival_time >= to || data.events.len() >= MAX_LAB_EVENTS {
                break;
            }
            // Replaying the hours before the slice is the long part: check at the first event
            // and every 65,536 after.
            if replay.replayed % 65_536 == 1 && !go_on() {
                return None;
            }
            let before = replay.flink.0.watermark();
            replay.feed(&event, &keys);
            let after = replay.flink.0.watermark();
            if event.arrival_time < from {
                continue;
            }
            // Ts::MIN: no watermark yet (a partition has sent nothing); nothing to draw.
            if after != NO_WATERMARK && data.watermark.last().is_none_or(|&(_, w)| w != after) {
                data.watermark.push((event.arrival_time, after));
            }
            let by_hand = event.id > FIRST_HAND_ID - request.added.len() as u64;
            // Every event either engine drops is drawn (Flink drops on arrival, Spark's next
            // batch by a filter already fixed); the others 1 in `one_in`, by id.
            let dropped = event.event_time <= before
                && (replay.flink.1.dropped).contains(&(event.id, event.arrival_time));
            let spark_drops =
                (replay.spark.as_ref()).is_some_and(|(job, _)| job.will_drop(event.event_time));
            if !(by_hand || dropped || spark_drops || event.id.is_multiple_of(data.one_in)) {
                continue;
            }
            let fate = if event.event_time <= before {
                Fate::LateButKept
            } else {
                Fate::OnTime
            };
            data.events.push(LabEvent {
                id: event.id,
                key: event.key,
                value: event.value,
                watermark: (before != NO_WATERMARK).then_some(before),
                event_time: event.event_time,
                arrival_time: event.arrival_time,
                fate,
                by_hand,
            });
        }
        let (flink_recorder, spark) = (&mut replay.flink.1, replay.spark);
        for event in &mut data.events {
            if flink_recorder
                .dropped
                .contains(&(event.id, event.arrival_time))
            {
                event.fate = Fate::Dropped;
            }
        }
        if let Some((mut job, mut out)) = spark {
            // The batches that read the span's arrivals run by its end.
            Runner::advance_to(&mut job, to, &mut out);
            let mut batches = Vec::new();
            let mut previous: Option<Ts> = None;
            for &(start, watermark) in &out.batches {
                if start >= from && start <= to {
                    batches.push((start, previous));
                }
                previous = (watermark != NO_WATERMARK).then_some(watermark);
            }
            let dropped = (data.events.iter())
                .map(|e| out.dropped.contains(&(e.id, e.arrival_time)))
                .collect();
            data.spark = Some(SparkSide {
                dropped,
                batches,
                trigger: request
                    .spark
                    .as_ref()
                    .map_or(Dur::ZERO, |s| s.trigger.interval()),
            });
        }
        // Every window an event shown falls in.
        let windows: Vec<Window> = data
            .events
            .iter()
            .flat_map(|e| {
                let mut ws = Vec::new();
                scenario.query.window.assign(e.event_time, |w| ws.push(w));
                ws
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        data.windows = windows
            .into_iter()
            .map(|window| {
                // Flink isElementLate / cleanup time: window end - 1 ms + allowed lateness.
                let cleanup = window.end - Dur(1) + spec.allowed_lateness;
                LabWindow {
                    window,
                    fired_at: flink_recorder.fired.get(&window).copied(),
                    // The watermark never goes back: the first point at or past cleanup.
                    closed_at: (data.watermark)
                        .get(data.watermark.partition_point(|&(_, w)| w < cleanup))
                        .map(|&(at, _)| at),
                    late_firings: flink_recorder.late.remove(&window).unwrap_or_default(),
                    early_firings: flink_recorder.early.remove(&window).unwrap_or_default(),
                }
            })
            .collect();
        checkpoints.keep(&data);
        Some(data)
    }

    /// Why `event` fared as it did, in Flink's terms: its windows, the watermark when it
    /// arrived, and the rule that decided.
    pub fn explain(&self, event: &LabEvent) -> String {
        let mut windows = Vec::new();
        self.window.assign(event.event_time, |w| windows.push(w));
        let span = |w: &Window| format!("[{}, {})", clock(w.start), clock(w.end));
        let names: Vec<String> = windows.iter().map(span).collect();
        let watermark = event.watermark.map_or("none yet".to_owned(), clock);
        let who = if event.by_hand {
            "added by hand".to_owned()
        } else {
            format!("id {}", event.id)
        };
        let head = format!(
            "{who}, key {}, value {:.2}\nevent time {}, arrived {} ({} late)\nwindow {}, watermark on arrival {}",
            self.keys.name(event.key),
            event.value,
            clock(event.event_time),
            clock(event.arrival_time),
            crate::measure::report::human_duration(event.arrival_time - event.event_time),
            names.join(", "),
            watermark,
        );
        let lateness = self.allowed_lateness;
        let why = match (event.fate, windows.first()) {
            (Fate::OnTime, _) => {
                "on time: its event time was still ahead of the watermark".to_owned()
            }
            (Fate::LateButKept, Some(w)) => format!(
                "late but kept: the watermark had passed its event time, but {} stays open until the watermark reaches {} (window end - 1 ms + allowed lateness {lateness})",
                span(w),
                clock(w.end - Dur(1) + lateness),
            ),
            (Fate::Dropped, Some(w)) => format!(
                "dropped: {} was closed when it arrived (Flink isElementLate: window end - 1 ms + allowed lateness {lateness} = {} <= watermark {watermark}); it went to the late side output",
                span(w),
                clock(w.end - Dur(1) + lateness),
            ),
            (_, None) => String::new(),
        };
        format!("{head}\n{why}")
    }

    /// The lab's event for one added by hand, if it arrived within the span shown.
    pub fn hand_event(&self, hand: &HandEvent) -> Option<&LabEvent> {
        self.events.iter().find(|e| {
            e.by_hand
                && self.keys.name(e.key) == hand.key
                && (e.event_time, e.arrival_time) == (hand.event_time, hand.arrival_time)
        })
    }

    /// How Spark treated the `index`-th event, beside Flink's fate.
    pub fn explain_spark(&self, index: usize) -> Option<String> {
        let spark = self.spark.as_ref()?;
        let event = self.events.get(index)?;
        let dropped = *spark.dropped.get(index)?;
        let mut windows = Vec::new();
        self.window.assign(event.event_time, |w| windows.push(w));
        let span = |w: &Window| format!("[{}, {})", clock(w.start), clock(w.end));
        let names: Vec<String> = windows.iter().map(span).collect();
        // The batch that reads an arrival is the first to start after it.
        let batch = (spark.batches.iter()).find(|(start, _)| *start > event.arrival_time);
        let read = batch.map_or("a batch after the span".to_owned(), |(start, watermark)| {
            format!(
                "the micro-batch at {}, whose late filter used the watermark of the batch before: {}",
                clock(*start),
                watermark.map_or("none yet".to_owned(), clock)
            )
        });
        let fate = if dropped { "dropped" } else { "kept" };
        let flink = match event.fate {
            Fate::Dropped => "dropped",
            Fate::OnTime | Fate::LateButKept => "kept",
        };
        Some(format!(
            "Spark: {fate} (Flink: {flink})\nevent time {}, arrived {}, window {}\nread by {read}\nrule: a row is late when its window's end <= that watermark; Spark has no allowed lateness",
            clock(event.event_time),
            clock(event.arrival_time),
            names.join(", "),
        ))
    }

    /// The first firing of any window (early, on time or late) after processing time `t`.
    pub fn next_firing_after(&self, t: Ts) -> Option<Ts> {
        (self.windows.iter())
            .flat_map(|w| {
                (w.early_firings
                    .iter()
                    .chain(&w.fired_at)
                    .chain(&w.late_firings))
                .copied()
            })
            .filter(|&f| f > t)
            .min()
    }

    /// The first arrival after processing time `t` (events are in arrival order).
    pub fn next_arrival_after(&self, t: Ts) -> Option<Ts> {
        let next = self.events.partition_point(|e| e.arrival_time <= t);
        self.events.get(next).map(|e| e.arrival_time)
    }

    /// The watermark at processing time `t`.
    pub fn watermark_at(&self, t: Ts) -> Option<Ts> {
        let after = self.watermark.partition_point(|(at, _)| *at <= t);
        after.checked_sub(1).map(|i| self.watermark[i].1)
    }
}

/// A moment to show, as people write it: `23:00` (that time on the day `day` starts), or
/// `2026-03-17 23:00` / RFC 3339.
pub fn parse_moment(text: &str, day: Ts) -> Result<Ts, String> {
    let text = text.trim();
    let hint = "write a time like 23:00 or 2026-03-17 23:00";
    if let Some(since_midnight) = parse_clock(text) {
        return Ok(day.floor_to(Dur::from_hours(24)) + since_midnight);
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M") {
        return Ok(Ts(t.and_utc().timestamp_millis()));
    }
    Ts::parse(text).map_err(|_| format!("cannot read \"{text}\": {hint}"))
}

/// A moment as people write it, a clock time (`23:58`, `00:03:30`) being the one nearest
/// `near` (so that around midnight, 23:58 is the evening before and 00:03 the night after).
pub fn parse_moment_near(text: &str, near: Ts) -> Result<Ts, String> {
    let Some(since_midnight) = parse_clock(text.trim()) else {
        return parse_moment(text, near);
    };
    let day = Dur::from_hours(24);
    let same_day = near.floor_to(day) + since_midnight;
    Ok([same_day - day, same_day, same_day + day]
        .into_iter()
        .min_by_key(|t| (*t - near).as_ms().abs())
        .unwrap_or(same_day))
}

/// A clock time `HH:MM` or `HH:MM:SS` as the time since midnight.
fn parse_clock(text: &str) -> Option<Dur> {
    use chrono::Timelike as _;
    let time = chrono::NaiveTime::parse_from_str(text, "%H:%M")
        .or_else(|_| chrono::NaiveTime::parse_from_str(text, "%H:%M:%S"))
        .ok()?;
    Some(Dur(i64::from(time.num_seconds_from_midnight()) * 1_000))
}

/// `t` as a date and a time of day (UTC), to the minute: `2026-03-17 23:00`.
pub fn date_and_clock(t: Ts) -> String {
    utc(t, "%Y-%m-%d %H:%M")
}

/// `t` as a clock time of day (UTC), to the second: `23:58:07`.
pub fn clock(t: Ts) -> String {
    utc(t, "%H:%M:%S")
}

/// `t` in UTC in chrono's `format` (milliseconds when it is beyond chrono's range).
fn utc(t: Ts, format: &str) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(t.as_ms())
        .map_or_else(|| t.to_string(), |d| d.format(format).to_string())
}

/// Playback of the lab on processing time, as a state machine the UI drives with commands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Playback {
    /// The processing time shown.
    pub cursor: Ts,
    /// Playing or paused.
    pub playing: bool,
    /// Simulated milliseconds per real second while playing.
    pub speed: f64,
}

/// What the UI can ask of the playback.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PlaybackCommand {
    /// Start moving.
    Play,
    /// Stop moving.
    Pause,
    /// Move one step (one minute of processing time).
    Step,
    /// Jump to a processing time.
    Seek(Ts),
    /// Change the speed.
    SetSpeed(f64),
}

/// One step of the playback.
pub const STEP: Dur = Dur::from_mins(1);

impl Playback {
    /// A paused playback at `cursor`, at 10 simulated minutes per second (x600).
    pub fn new(cursor: Ts) -> Self {
        Playback {
            cursor,
            playing: false,
            speed: 600_000.0,
        }
    }

    /// Applies `command`, keeping the cursor within `[from, to]`.
    pub fn apply(&mut self, command: PlaybackCommand, from: Ts, to: Ts) {
        match command {
            // Play at the end of the span starts it over.
            PlaybackCommand::Play => {
                if self.cursor >= to {
                    self.cursor = from;
                }
                self.playing = true;
            }
            PlaybackCommand::Pause => self.playing = false,
            PlaybackCommand::Step => self.cursor += STEP,
            PlaybackCommand::Seek(t) => self.cursor = t,
            PlaybackCommand::SetSpeed(s) => self.speed = s.max(0.0),
        }
        self.cursor = self.cursor.clamp(from, to);
    }

    /// Advances a playing cursor by `seconds` of real time; stops at `to`.
    pub fn tick(&mut self, seconds: f64, from: Ts, to: Ts) {
        if !self.playing {
            return;
        }
        self.cursor = (self.cursor + Dur((seconds * self.speed) as i64)).clamp(from, to);
        if self.cursor >= to {
            self.playing = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_playback_steps_plays_and_stops_at_the_end() {
        let (from, to) = (Ts(0), Ts(30 * 60_000));
        let mut p = Playback::new(from);
        p.apply(PlaybackCommand::Step, from, to);
        assert_eq!(p.cursor, Ts(60_000));
        p.tick(1.0, from, to);
        assert_eq!(p.cursor, Ts(60_000), "paused: time does not move");
        p.apply(PlaybackCommand::Play, from, to);
        p.tick(1.0, from, to);
        assert_eq!(p.cursor, Ts(660_000));
        p.tick(10.0, from, to);
        assert_eq!((p.cursor, p.playing), (to, false));
        p.apply(PlaybackCommand::Seek(Ts(-5)), from, to);
        assert_eq!(p.cursor, from);
        p.apply(PlaybackCommand::Seek(to), from, to);
        p.apply(PlaybackCommand::Play, from, to);
        assert_eq!(
            (p.cursor, p.playing),
            (from, true),
            "play at the end starts over"
        );
    }

    #[test]
    fn the_lab_shows_late_orders_kept_and_dropped_around_midnight() {
        let scenario = Scenario::default_scenario();
        let spec = scenario.streaming.clone().unwrap();
        let lab = LabData::compute(&scenario, &spec);
        assert!(!lab.events.is_empty() && !lab.watermark.is_empty());
        // The hour ending at noon fires a few minutes after noon (the 5-minute bound).
        let noon = scenario.workload.start + Dur::from_hours(12);
        let fired = lab
            .windows
            .iter()
            .find(|w| w.window.end == noon)
            .and_then(|w| w.fired_at)
            .unwrap();
        assert!(
            fired > noon + Dur::from_mins(5) && fired < noon + Dur::from_mins(6),
            "{fired}"
        );
        // Phones that were offline arrive behind the watermark (kept while their window is
        // open, dropped after; a 5-minute bound keeps few: the allowed-lateness test has them).
        assert!(lab.events.iter().any(|e| e.fate != Fate::OnTime));
        let wm = lab.watermark_at(lab.to).unwrap();
        assert!(wm > lab.from - Dur::from_hours(1));
        let first = lab.events[0].arrival_time;
        assert_eq!(lab.next_arrival_after(lab.from), Some(first));
        assert!(lab.next_arrival_after(first).unwrap() > first);
        assert_eq!(lab.next_arrival_after(lab.to), None);
    }

    #[test]
    fn a_window_closes_allowed_lateness_after_it_fires_and_fires_again_for_late_events() {
        let scenario = Scenario::default_scenario();
        let mut spec = scenario.streaming.clone().unwrap();
        spec.allowed_lateness = Dur::from_mins(10);
        let lab = LabData::compute(&scenario, &spec);
        let noon = scenario.workload.start + Dur::from_hours(12);
        let w = lab.windows.iter().find(|w| w.window.end == noon).unwrap();
        let (fired, closed) = (w.fired_at.unwrap(), w.closed_at.unwrap());
        // Fired when the watermark reached 11:59:59.999 (about 12:05), closed when it reached
        // 12:09:59.999 (about 12:15): ten minutes of processing time taking late events.
        assert!(closed - fired > Dur::from_mins(9) && closed - fired < Dur::from_mins(11));
        assert!(w.late_firings.iter().all(|&t| t >= fired && t <= closed));
        let before = fired - Dur(1);
        let next = lab.next_firing_after(before).unwrap();
        assert!(next > before && next <= fired);
        assert_eq!(lab.next_firing_after(lab.to), None);
    }

    /// Early firings (a processing-time trigger before the window's end) are kept per window.
    #[test]
    fn early_firings_come_before_the_window_ends() {
        let text = include_str!("../../scenarios/freshmart_fraud_check.ron");
        let scenario = Scenario::from_ron(text, "fraud.ron").unwrap();
        let spec = scenario.streaming.clone().unwrap();
        assert!(spec.early_firing.is_some());
        let lab = LabData::compute(&scenario, &spec);
        let early: Vec<_> = (lab.windows.iter())
            .flat_map(|w| w.early_firings.iter().map(move |&t| (w, t)))
            .collect();
        assert!(!early.is_empty());
        assert!(
            early
                .iter()
                .all(|(w, t)| w.fired_at.is_none_or(|f| *t <= f))
        );
    }

    #[test]
    fn each_fate_is_explained_by_its_rule() {
        let scenario = Scenario::default_scenario();
        let mut spec = scenario.streaming.clone().unwrap();
        spec.allowed_lateness = Dur::ZERO;
        let lab = LabData::compute(&scenario, &spec);
        let dropped = lab.events.iter().find(|e| e.fate == Fate::Dropped);
        let kept = lab.events.iter().find(|e| e.fate == Fate::OnTime).unwrap();
        assert!(
            lab.explain(kept)
                .contains("on time: its event time was still ahead of the watermark")
        );
        if let Some(dropped) = dropped {
            let text = lab.explain(dropped);
            assert!(
                text.contains("dropped: [") && text.contains("isElementLate"),
                "{text}"
            );
            // The app's bundled fonts draw it (a missing glyph panics in a debug build).
            assert!(text.is_ascii(), "{text}");
        }
    }

    #[test]
    fn the_lab_shows_the_hour_asked_for_and_can_be_stopped() {
        let scenario = Scenario::default_scenario();
        let spec = scenario.streaming.clone().unwrap();
        let day = scenario.workload.start;
        let midnight = parse_moment("23:30", day).unwrap() + Dur::from_mins(30);
        let request = LabRequest {
            around: Some(midnight),
            ..LabRequest::of(spec.clone())
        };
        let lab = LabData::compute_around(&scenario, &request, &mut || true).unwrap();
        assert_eq!(
            (lab.from, lab.to),
            (midnight - Dur::from_mins(50), midnight + Dur::from_mins(40))
        );
        assert!(
            lab.events
                .iter()
                .all(|e| e.arrival_time >= lab.from && e.arrival_time < lab.to)
        );
        assert_eq!(
            parse_moment("2026-03-17 23:30", day).unwrap(),
            parse_moment("23:30", day).unwrap()
        );
        assert!(
            parse_moment("half past", day)
                .unwrap_err()
                .contains("23:00")
        );
        // Three hours shown: 100 minutes before the hour, 80 after.
        let wide = LabRequest {
            span: Some(Dur::from_hours(3)),
            ..request
        };
        let lab = LabData::compute_around(&scenario, &wide, &mut || true).unwrap();
        assert_eq!(lab.hour, midnight);
        assert_eq!(
            (lab.from, lab.to),
            (
                midnight - Dur::from_mins(100),
                midnight + Dur::from_mins(80)
            )
        );
        let request = LabRequest::of(spec);
        assert!(LabData::compute_around(&scenario, &request, &mut || false).is_none());
    }

    /// The domain text's story: a delivery marked at 23:58 reaches Kafka at 00:03, amid a
    /// steady stream of deliveries whose latest event time is about 00:03. Hourly windows; with
    /// a 5-minute bound the watermark is about 23:58 when it arrives (on time); with a 2-minute
    /// bound it is about 00:01, past 23:59:59.999, the end of [23:00, 00:00) minus 1 ms, and
    /// the window is gone (dropped).
    #[test]
    fn the_2358_delivery_is_kept_with_a_5_minute_bound_and_dropped_with_2() {
        let text = include_str!("../../scenarios/lesson_2358_delivery.ron");
        let scenario = Scenario::from_ron(text, "lesson.ron").unwrap();
        assert_eq!(scenario.query.window.length(), Some(Dur::from_hours(1)));
        let midnight = scenario.workload.start + Dur::from_hours(2);
        let order = HandEvent {
            key: "delivery-2358".into(),
            event_time: parse_moment_near("23:58", midnight).unwrap(),
            arrival_time: parse_moment_near("00:03", midnight).unwrap(),
        };
        assert_eq!(order.event_time, midnight - Dur::from_mins(2));
        assert_eq!(order.arrival_time, midnight + Dur::from_mins(3));
        let fate_with = |bound: Dur| {
            let mut spec = scenario.streaming.clone().unwrap();
            spec.watermark_delay = bound;
            spec.allowed_lateness = Dur::ZERO;
            let request = LabRequest {
                spec,
                around: Some(midnight),
                added: vec![order.clone()],
                spark: None,
                span: None,
            };
            let lab = LabData::compute_around(&scenario, &request, &mut || true).unwrap();
            let mine: Vec<_> = lab.events.iter().filter(|e| e.by_hand).collect();
            assert_eq!(mine.len(), 1);
            assert_eq!(lab.keys.name(mine[0].key), "delivery-2358");
            (mine[0].fate, lab.explain(mine[0]))
        };
        let (kept, why) = fate_with(Dur::from_mins(5));
        assert_eq!(kept, Fate::OnTime, "{why}");
        assert!(why.starts_with("added by hand, key delivery-2358"), "{why}");
        let (dropped, why) = fate_with(Dur::from_mins(2));
        assert_eq!(dropped, Fate::Dropped, "{why}");
        assert!(
            why.contains("dropped: [23:00:00, 00:00:00) was closed")
                && why.contains("23:59:59 <= watermark"),
            "{why}"
        );
    }

    /// The lab replayed from a checkpoint is the lab replayed from the start, whichever
    /// hours were asked for before (later, earlier, the same again), with Spark beside Flink
    /// and an event added by hand.
    #[test]
    fn the_lab_from_a_checkpoint_is_the_lab_from_the_start() {
        for file in [
            "kafka_idle_partition_wakes_up.ron",
            "mobile_offline_skew.ron",
        ] {
            let path = format!("{}/scenarios/{file}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).unwrap();
            let scenario = Scenario::from_ron(&text, &path).unwrap();
            let mut spec = scenario.streaming.clone().unwrap();
            spec.allowed_lateness = Dur::from_mins(10);
            let start = scenario.workload.start;
            let request = LabRequest {
                spark: Some(spark_beside(&scenario, spec.watermark_delay)),
                added: vec![HandEvent {
                    key: "by-hand".into(),
                    event_time: start + Dur::from_mins(170),
                    arrival_time: start + Dur::from_mins(185),
                }],
                ..LabRequest::of(spec)
            };
            let mut checkpoints = LabCheckpoints::apart(500.0);
            for hour in [2, 1, 3, 3, 0] {
                let request = LabRequest {
                    around: Some(start + Dur::from_hours(hour)),
                    ..request.clone()
                };
                let fresh = LabData::compute_around(&scenario, &request, &mut || true);
                let restored = LabData::compute_from_checkpoints(
                    &scenario,
                    &request,
                    &mut checkpoints,
                    &mut || true,
                );
                assert!(fresh.as_ref().is_some_and(|lab| !lab.events.is_empty()));
                assert!(fresh == restored, "{file}, hour {hour}");
            }
            assert!(checkpoints.len() >= 3, "{file}: {}", checkpoints.len());
            // Every hour prepared to be shown at once is the lab of that hour.
            checkpoints.prepare_every_hour(&scenario, &request, &mut || true);
            for hour in [4, 7] {
                let request = LabRequest {
                    around: Some(start + Dur::from_hours(hour)),
                    ..request.clone()
                };
                let fresh = LabData::compute_around(&scenario, &request, &mut || true);
                let kept = LabData::compute_from_checkpoints(
                    &scenario,
                    &request,
                    &mut checkpoints,
                    &mut || false,
                );
                assert!(fresh == kept, "{file}, hour {hour} kept");
            }
        }
    }

    /// Where a span would hold more events than the lab draws, they are thinned (1 in k, by
    /// id) but every event either engine drops is kept. Against a narrow span that is not
    /// thinned: the wide one's events there are exactly the narrow one's that either engine
    /// drops or whose id k divides, with the same fates.
    #[test]
    fn a_busy_span_is_thinned_but_keeps_every_dropped_event() {
        let path = format!(
            "{}/scenarios/mobile_offline_skew.ron",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let mut scenario = Scenario::from_ron(&text, &path).unwrap();
        scenario.workload.duration = Dur::from_hours(4);
        for source in &mut scenario.workload.sources {
            source.rate = crate::input::workload::spec::RateProfile::Constant { per_minute: 300.0 };
        }
        let spec = scenario.streaming.clone().unwrap();
        let request = |span: Dur| LabRequest {
            spark: Some(spark_beside(&scenario, Dur::from_secs(5))),
            span: Some(span),
            ..LabRequest::of(spec.clone())
        };
        let lab = |span| LabData::compute_around(&scenario, &request(span), &mut || true).unwrap();
        let (wide, narrow) = (lab(DEFAULT_SPAN), lab(Dur::from_mins(4)));
        let k = wide.one_in;
        assert!(k > 2 && narrow.one_in == 1, "1 in {k}");
        assert!(wide.events.len() < MAX_LAB_EVENTS, "{}", wide.events.len());
        // The narrow span's last micro-batch has not run by its end: compared before it.
        let until = narrow.to - narrow.spark.as_ref().unwrap().trigger;
        let fates = |lab: &LabData| -> Vec<(u64, Ts, Fate, bool)> {
            let spark = lab.spark.as_ref().unwrap();
            (lab.events.iter().zip(&spark.dropped))
                .filter(|(e, _)| e.arrival_time >= narrow.from && e.arrival_time < until)
                .map(|(e, &spark_dropped)| (e.id, e.arrival_time, e.fate, spark_dropped))
                .collect()
        };
        let all = fates(&narrow);
        let expected: Vec<_> = (all.iter().copied())
            .filter(|&(id, _, fate, spark_dropped)| {
                fate == Fate::Dropped || spark_dropped || id % k == 0
            })
            .collect();
        assert!(expected.iter().any(|e| e.2 == Fate::Dropped) && expected.iter().any(|e| e.3));
        assert!(expected.iter().any(|e| e.2 == Fate::LateButKept));
        assert!(
            expected.len() < all.len() / 2,
            "{} of {}",
            expected.len(),
            all.len()
        );
        assert_eq!(fates(&wide), expected);
    }

    /// Flink and Spark part ways on shipped scenarios. Waking kiosks: Flink's idleness lets the
    /// watermark follow the busy partitions, so the kiosks' flushed orders are dropped; Spark
    /// keeps one watermark per input stream and takes the minimum (multipleWatermarkPolicy
    /// "min"), so the kiosk stream holds it back and keeps them. Allowed lateness: Flink keeps
    /// late orders for an hour after a window's end, Spark has no allowed lateness.
    #[test]
    fn flink_and_spark_part_ways_on_waking_kiosks_and_on_allowed_lateness() {
        let compare = |file: &str| {
            let path = format!("{}/scenarios/{file}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).unwrap();
            let scenario = Scenario::from_ron(&text, &path).unwrap();
            let spec = scenario.streaming.clone().unwrap();
            let request = LabRequest {
                spark: Some(spark_beside(&scenario, spec.watermark_delay)),
                ..LabRequest::of(spec)
            };
            let lab = LabData::compute_around(&scenario, &request, &mut || true).unwrap();
            let spark = lab.spark.as_ref().unwrap();
            assert_eq!(spark.dropped.len(), lab.events.len());
            assert!(
                spark
                    .batches
                    .windows(2)
                    .all(|b| b[1].0 - b[0].0 == spark.trigger)
            );
            spark.differences(&lab.events)
        };
        let (flink_only, spark_only) = compare("kafka_idle_partition_wakes_up.ron");
        assert!(
            flink_only >= 10 && spark_only == 0,
            "{flink_only} {spark_only}"
        );
        let (flink_only, spark_only) = compare("flink_late_firings_upsert_sink.ron");
        assert!(
            flink_only == 0 && spark_only >= 10,
            "{flink_only} {spark_only}"
        );
    }

    #[test]
    fn an_idle_partition_leaves_no_watermark_rather_than_the_smallest_time() {
        // Eight partitions, three stores: five partitions never see a record, so the
        // watermark stays at Long.MIN_VALUE throughout.
        let text = include_str!("../../scenarios/kafka_idle_partition_stall.ron");
        let scenario = Scenario::from_ron(text, "stall.ron").unwrap();
        let spec = scenario.streaming.clone().unwrap();
        let lab = LabData::compute(&scenario, &spec);
        assert!(!lab.events.is_empty());
        assert!(lab.watermark.iter().all(|&(_, w)| w != NO_WATERMARK));
        assert!(lab.events.iter().all(|e| e.watermark != Some(NO_WATERMARK)));
        assert_eq!(lab.watermark_at(lab.to), None);
        assert_eq!(clock(Ts(0)), "00:00:00");
    }
}
