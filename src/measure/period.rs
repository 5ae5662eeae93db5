//! The measured period: the span of a run whose figures are reported, inside traffic that
//! runs before it (the run-in) and after it (the run-out), so that no figure holds the
//! start of an empty system or the end of a finite input.

use crate::engine::window::Window;
use crate::input::time::Ts;

/// `[start, end)` of event time (and of processing time, for samples and runs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    /// First instant measured.
    pub start: Ts,
    /// First instant after it.
    pub end: Ts,
}

impl Period {
    /// An event counts when it happened in the period (by its event time).
    pub fn holds_time(&self, t: Ts) -> bool {
        (self.start..self.end).contains(&t)
    }

    /// A window counts when it ends in the period: `start < end of window <= end`.
    pub fn holds_window(&self, window: Window) -> bool {
        window.end > self.start && window.end <= self.end
    }
}

/// True when `period` is none (the whole input is measured) or holds `t`.
pub fn measured_time(period: Option<Period>, t: Ts) -> bool {
    period.is_none_or(|p| p.holds_time(t))
}

/// True when `period` is none or holds `window`.
pub fn measured_window(period: Option<Period>, window: Window) -> bool {
    period.is_none_or(|p| p.holds_window(window))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_count_by_event_time_and_windows_by_their_end() {
        let h = |hours: i64| Ts(hours * 3_600_000);
        let day = Period {
            start: h(0),
            end: h(24),
        };
        assert!(day.holds_time(h(0)) && day.holds_time(Ts(h(24).as_ms() - 1)));
        assert!(!day.holds_time(h(24)) && !day.holds_time(Ts(-1)));
        let window = |from: i64, to: i64| Window {
            start: h(from),
            end: h(to),
        };
        // [23:00, 24:00) is the day's last hour; [-1:00, 0:00) the day before's.
        assert!(day.holds_window(window(23, 24)));
        assert!(!day.holds_window(window(-1, 0)));
        // A sliding window that began the evening before but ends at 00:30 is the day's.
        assert!(day.holds_window(Window {
            start: h(-1),
            end: Ts(1_800_000)
        }));
        assert!(!day.holds_window(window(24, 25)));
        assert!(measured_time(None, h(99)));
    }
}
