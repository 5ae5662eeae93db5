//! A progress bar that appears only when work lasts more than a second and stderr is a
//! terminal, so short runs and CI logs stay clean.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

const SHOW_AFTER: Duration = Duration::from_secs(1);
const STEPS: u64 = 1_000;

pub struct Progress {
    bar: ProgressBar,
    started: Instant,
    shown: bool,
    interactive: bool,
}

impl Progress {
    pub fn new(message: &str) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(STEPS), ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template(
            "{msg} [{bar:40}] {percent:>3}% {elapsed_precise} (eta {eta})",
        )
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message(message.to_owned());
        Progress {
            bar,
            started: Instant::now(),
            shown: false,
            interactive: std::io::stderr().is_terminal(),
        }
    }

    /// Sets the share done, 0..1.
    pub fn set(&mut self, done: f64) {
        if !self.shown && self.interactive && self.started.elapsed() >= SHOW_AFTER {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown = true;
        }
        self.bar
            .set_position((done.clamp(0.0, 1.0) * STEPS as f64) as u64);
    }

    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}
