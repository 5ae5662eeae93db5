//! The watermark lab's data: a slice of the workload around an hour boundary (where the
//! 23:58-order-arriving-at-00:03 story happens) run through the streaming model, with every
//! event classified, the watermark over processing time, and when each window fired; and the
//! playback clock that steps through it. No UI here: the app draws it.

use std::collections::BTreeMap;

use crate::compose::scenario::Scenario;
use crate::engine::ResultKind;
use crate::engine::output::{Emission, StreamOutput};
use crate::engine::window::Window;
use crate::input::event::{Event, KeyTable};
use crate::input::time::{Dur, Ts};
use crate::input::workload::Generator;
use crate::runner::streaming::{StreamingRunner, StreamingSpec};

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

/// One event of the lab.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LabEvent {
    /// Event time.
    pub event_time: Ts,
    /// Processing time it reached the job.
    pub arrival_time: Ts,
    /// What happened to it.
    pub fate: Fate,
}

/// A window of the lab and when the watermark fired it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LabWindow {
    /// The window.
    pub window: Window,
    /// First on-time result (processing time), if it fired.
    pub fired_at: Option<Ts>,
}

/// Everything the lab draws.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LabData {
    /// Events in arrival order.
    pub events: Vec<LabEvent>,
    /// The watermark after each change: (processing time, watermark).
    pub watermark: Vec<(Ts, Ts)>,
    /// Windows in start order.
    pub windows: Vec<LabWindow>,
    /// The processing-time span shown.
    pub from: Ts,
    /// End of the span shown.
    pub to: Ts,
}

/// How many events the lab shows at most.
pub const MAX_LAB_EVENTS: usize = 20_000;

#[derive(Default)]
struct Recorder {
    fired: BTreeMap<Window, Ts>,
    dropped: Vec<u64>,
}

impl StreamOutput for Recorder {
    fn result(&mut self, emission: &Emission) {
        if emission.result.kind == ResultKind::OnTime && emission.after_event_id.is_some() {
            self.fired
                .entry(emission.result.window)
                .or_insert(emission.emit_time);
        }
    }
    fn dropped(&mut self, event: &Event, _at: Ts) {
        self.dropped.push(event.id);
    }
}

impl LabData {
    /// Runs the lab: the events arriving from 50 minutes before the hour nearest the middle of
    /// the horizon to 40 minutes after it, through `spec`.
    pub fn compute(scenario: &Scenario, spec: &StreamingSpec) -> LabData {
        let middle = scenario.workload.start + Dur(scenario.workload.duration.as_ms() / 2);
        let hour = (middle + Dur::from_mins(30)).floor_to(Dur::from_hours(1));
        let (from, to) = (hour - Dur::from_mins(50), hour + Dur::from_mins(40));
        let mut generator = Generator::new(&scenario.workload, scenario.seed);
        let keys: KeyTable = generator.keys().clone();
        let mut runner = StreamingRunner::new(spec, &scenario.query);
        let mut recorder = Recorder::default();
        let mut data = LabData {
            from,
            to,
            ..LabData::default()
        };
        let mut ids = Vec::new();
        for event in generator.by_ref() {
            if event.arrival_time >= to || data.events.len() >= MAX_LAB_EVENTS {
                break;
            }
            let before = runner.watermark();
            runner.on_event(&event, &keys, &mut recorder);
            let after = runner.watermark();
            if event.arrival_time < from {
                continue;
            }
            if after != before || data.watermark.is_empty() {
                data.watermark.push((event.arrival_time, after));
            }
            let fate = if event.event_time <= before {
                Fate::LateButKept
            } else {
                Fate::OnTime
            };
            ids.push(event.id);
            data.events.push(LabEvent {
                event_time: event.event_time,
                arrival_time: event.arrival_time,
                fate,
            });
        }
        for (event, id) in data.events.iter_mut().zip(&ids) {
            if recorder.dropped.contains(id) {
                event.fate = Fate::Dropped;
            }
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
            .map(|window| LabWindow {
                window,
                fired_at: recorder.fired.get(&window).copied(),
            })
            .collect();
        data
    }

    /// The watermark at processing time `t`.
    pub fn watermark_at(&self, t: Ts) -> Option<Ts> {
        let after = self.watermark.partition_point(|(at, _)| *at <= t);
        after.checked_sub(1).map(|i| self.watermark[i].1)
    }
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
    /// A paused playback at `cursor`, at 5 simulated minutes per second.
    pub fn new(cursor: Ts) -> Self {
        Playback {
            cursor,
            playing: false,
            speed: 300_000.0,
        }
    }

    /// Applies `command`, keeping the cursor within `[from, to]`.
    pub fn apply(&mut self, command: PlaybackCommand, from: Ts, to: Ts) {
        match command {
            PlaybackCommand::Play => self.playing = true,
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
        let (from, to) = (Ts(0), Ts(10 * 60_000));
        let mut p = Playback::new(from);
        p.apply(PlaybackCommand::Step, from, to);
        assert_eq!(p.cursor, Ts(60_000));
        p.tick(1.0, from, to);
        assert_eq!(p.cursor, Ts(60_000), "paused: time does not move");
        p.apply(PlaybackCommand::Play, from, to);
        p.tick(1.0, from, to);
        assert_eq!(p.cursor, Ts(360_000));
        p.tick(10.0, from, to);
        assert_eq!((p.cursor, p.playing), (to, false));
        p.apply(PlaybackCommand::Seek(Ts(-5)), from, to);
        assert_eq!(p.cursor, from);
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
        assert!(lab.events.iter().any(|e| e.fate == Fate::LateButKept));
        let wm = lab.watermark_at(lab.to).unwrap();
        assert!(wm > lab.from - Dur::from_hours(1));
    }
}
