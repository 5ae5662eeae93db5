//! Built-in lessons for the watermark lab: each is a shipped scenario, the moment to show,
//! events to add by hand, and what to look at. The app's Lessons menu opens them.

use crate::explore::lab::HandEvent;
use crate::explore::lab::parse_moment_near;
use crate::input::time::Ts;

/// One lesson.
#[derive(Clone, Copy, Debug)]
pub struct Lesson {
    /// Its title in the menu.
    pub title: &'static str,
    /// The shipped scenario it opens: its file name in `scenarios/` and its text.
    pub scenario: (&'static str, &'static str),
    /// The moment to show (`2026-03-17 23:00`); none: the middle of the workload.
    pub around: Option<&'static str>,
    /// Events to add by hand: (key, event time, arrival), clock times near `around`.
    pub added: &'static [(&'static str, &'static str, &'static str)],
    /// What to look at, and what to try.
    pub look_at: &'static str,
    /// Spark drawn beside Flink.
    pub spark: bool,
}

impl Lesson {
    /// Its scenario, read.
    pub fn scenario(&self) -> crate::compose::scenario::Scenario {
        let (name, text) = self.scenario;
        crate::compose::scenario::Scenario::from_ron(text, name)
            .expect("shipped scenarios are valid")
    }

    /// The lab request the lesson opens with on its `scenario`: the streaming job (with
    /// `delay` as its watermark bound, if given), its moment, its events, Spark beside Flink if
    /// asked.
    pub fn request(
        &self,
        scenario: &crate::compose::scenario::Scenario,
        delay: Option<crate::input::time::Dur>,
    ) -> crate::explore::lab::LabRequest {
        let mut spec = crate::explore::lab::flink_job(scenario);
        if let Some(d) = delay {
            spec.watermark_delay = d;
        }
        let spark =
            (self.spark).then(|| crate::explore::lab::spark_beside(scenario, spec.watermark_delay));
        crate::explore::lab::LabRequest {
            spec,
            around: self.moment(),
            added: self.hand_events(),
            spark,
            span: None,
        }
    }

    /// The moment to show, read.
    pub fn moment(&self) -> Option<Ts> {
        let text = self.around?;
        Some(parse_moment_near(text, Ts(0)).expect("lesson moments are written to be read"))
    }

    /// The events to add, read with their clock times nearest the moment shown.
    pub fn hand_events(&self) -> Vec<HandEvent> {
        let near = self.moment().unwrap_or(Ts(0));
        let read = |t| parse_moment_near(t, near).expect("lesson times are written to be read");
        (self.added.iter())
            .map(|&(key, event, arrival)| HandEvent {
                key: key.to_owned(),
                event_time: read(event),
                arrival_time: read(arrival),
            })
            .collect()
    }
}

/// A shipped scenario's file name and text.
macro_rules! shipped {
    ($file:literal) => {
        ($file, include_str!(concat!("../../scenarios/", $file)))
    };
}

/// The lessons, in teaching order.
pub const LESSONS: &[Lesson] = &[
    Lesson {
        title: "1. The 23:58 delivery",
        scenario: shipped!("lesson_2358_delivery.ron"),
        around: Some("2026-03-18 00:00"),
        added: &[("delivery-2358", "23:58", "00:03")],
        look_at: "The ringed delivery was marked at 23:58 and reached Kafka at 00:03. With the \
                  5-minute bound the watermark is about 23:58 when it arrives: the 23:00 window \
                  is still open and counts it (hover it). Set the lab watermark delay to 2m: \
                  the watermark has passed 23:59:59.999, the window has fired, and Flink drops \
                  the delivery to its late side output.",
        spark: false,
    },
    Lesson {
        title: "2. Too small or too large a watermark",
        scenario: shipped!("state_growth_watermark_delay.ron"),
        around: None,
        added: &[],
        look_at: "One-minute windows with a 1-hour bound: nothing is dropped, but each window \
                  fires only an hour after it ends, its state held all that time (60 windows \
                  for each of 40 stores): of the 90 minutes shown, only the windows that ended \
                  in the first half hour have fired by its end. Set the lab watermark delay to \
                  5s: windows fire seconds after they end, and the orders delayed longer turn \
                  red (dropped).",
        spark: false,
    },
    Lesson {
        title: "3. Phones offline for hours",
        scenario: shipped!("mobile_offline_skew.ron"),
        around: None,
        added: &[],
        look_at: "The red dots on the lower edge are taps from phones that were offline for 1 \
                  to 8 hours: their windows closed long ago, so every one is dropped (hover one \
                  for its times). Only a watermark hours long would keep them, and it would hold \
                  every window that long: this is a job for a batch correction run.",
        spark: false,
    },
    Lesson {
        title: "4. An idle Kafka partition stalls every window",
        scenario: shipped!("kafka_idle_partition_stall.ron"),
        around: None,
        added: &[],
        look_at: "Three stores write to 8 partitions, so five never get a record. The watermark \
                  is the minimum over partitions: it never moves ('no watermark yet'), and no \
                  window fires. Lesson 5 adds withIdleness.",
        spark: false,
    },
    Lesson {
        title: "5. Idleness lets the watermark move",
        scenario: shipped!("kafka_idle_partition_fixed.ron"),
        around: None,
        added: &[],
        look_at: "The same topic with withIdleness(1 minute): a partition without records for a \
                  minute no longer holds the watermark, which now follows the busy partitions, \
                  and each 5-minute window fires about 30 s after it ends.",
        spark: false,
    },
    Lesson {
        title: "6. Allowed lateness and late firings",
        scenario: shipped!("flink_late_firings_append_sink.ron"),
        around: None,
        added: &[],
        look_at: "Amber bands: windows that have fired but, for their hour of allowed lateness, \
                  still take late orders; each late order fires its window again (amber \
                  diamonds). Into an append sink every firing adds the whole total again: see \
                  Compare models, and flink_late_firings_upsert_sink.ron for the upsert sink.",
        spark: false,
    },
    Lesson {
        title: "7. Flink and Spark part ways",
        scenario: shipped!("kafka_idle_partition_wakes_up.ron"),
        around: None,
        added: &[],
        look_at: "The same events through Flink (above) and Spark Structured Streaming \
                  (below). Flink's idleness lets its watermark follow the busy store \
                  partitions, so the orders a kiosk flushes on waking are dropped. Spark keeps a \
                  watermark per input stream and takes the minimum, and each micro-batch filters \
                  late rows with the watermark of the batch before: the kiosk stream holds it \
                  back, and Spark keeps the ringed orders that Flink drops (hover one).",
        spark: true,
    },
    Lesson {
        title: "8. Spark without no-data batches",
        scenario: shipped!("spark_no_data_batches_off.ron"),
        around: Some("2026-03-17 04:00"),
        added: &[],
        look_at: "A quiet night with spark.sql.streaming.noDataMicroBatches.enabled = false. \
                  Below, each grey line is a micro-batch: none runs between orders, so the \
                  watermark Spark filters with (orange, the one of the batch before) moves only \
                  when an order comes, and a window the watermark has passed is written only by \
                  the batch after, which waits for yet another order (Compare models: results \
                  half an hour late and more). Flink's watermark (above) moves with each order.",
        spark: true,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::lab::{Fate, LabData};
    use crate::input::time::Dur;

    /// The lab of `lesson` with its own settings, or the watermark bound `delay`.
    fn lab(lesson: &Lesson, delay: Option<Dur>) -> LabData {
        let scenario = lesson.scenario();
        let request = lesson.request(&scenario, delay);
        LabData::compute_around(&scenario, &request, &mut || true).unwrap()
    }

    fn dropped(lab: &LabData) -> usize {
        lab.events
            .iter()
            .filter(|e| e.fate == Fate::Dropped)
            .count()
    }

    #[test]
    fn each_lesson_shows_what_its_text_says() {
        let [
            delivery,
            bounds,
            offline,
            stall,
            idleness,
            lateness,
            engines,
            quiet,
        ] = LESSONS
        else {
            panic!("eight lessons");
        };
        // 1: the delivery is kept at 5 minutes and dropped at 2.
        let fate = |delay| {
            let lab = lab(delivery, delay);
            lab.events.iter().find(|e| e.by_hand).unwrap().fate
        };
        assert_eq!(fate(None), Fate::OnTime);
        assert_eq!(fate(Some(Dur::from_secs(120))), Fate::Dropped);
        // 2: 5 s drops orders and fires at once; the scenario's hour drops none, fires late.
        let (small, large) = (lab(bounds, Some(Dur::from_secs(5))), lab(bounds, None));
        assert!(dropped(&small) > 10, "{}", dropped(&small));
        assert_eq!(dropped(&large), 0);
        // Each window fires an hour after its end: only those that ended in the first half
        // hour of the 90 minutes shown have fired by its end.
        let fired: Vec<_> = (large.windows.iter())
            .filter_map(|w| Some((w.window.end, w.fired_at?)))
            .collect();
        assert!(!fired.is_empty() && large.windows.len() > fired.len());
        assert!(
            fired.iter().all(|&(end, at)| at - end >= Dur::from_mins(60)
                && end < large.from + Dur::from_mins(30))
        );
        let w = small.windows.iter().find(|w| w.fired_at.is_some()).unwrap();
        assert!(w.fired_at.unwrap() - w.window.end < Dur::from_secs(30));
        // 3: the hours-late taps are dropped, far below the span.
        let offline = lab(offline, None);
        let far_behind = (offline.events.iter())
            .filter(|e| e.event_time < offline.from - Dur::from_hours(1))
            .collect::<Vec<_>>();
        assert!(far_behind.len() > 20);
        assert!(far_behind.iter().all(|e| e.fate == Fate::Dropped));
        // 4 and 5: no watermark and no firing without idleness; both with it.
        let stall = lab(stall, None);
        assert!(stall.watermark.is_empty() && stall.windows.iter().all(|w| w.fired_at.is_none()));
        let idleness = lab(idleness, None);
        assert!(!idleness.watermark.is_empty());
        assert!(idleness.windows.iter().any(|w| w.fired_at.is_some()));
        // 6: late firings within the allowed lateness.
        let lateness = lab(lateness, None);
        assert!(lateness.windows.iter().any(|w| !w.late_firings.is_empty()));
        // 7: Spark keeps kiosk orders that Flink drops, and never the other way round.
        let engines = lab(engines, None);
        let (flink_only, spark_only) = engines.spark.as_ref().unwrap().differences(&engines.events);
        assert!(
            flink_only >= 10 && spark_only == 0,
            "{flink_only} {spark_only}"
        );
        // 8: with no-data batches off, most triggers of the quiet span run no batch.
        let quiet = lab(quiet, None);
        let spark = quiet.spark.as_ref().unwrap();
        let triggers = ((quiet.to - quiet.from).as_ms() / spark.trigger.as_ms()) as usize;
        assert!(
            spark.batches.len() * 2 < triggers,
            "{} of {triggers}",
            spark.batches.len()
        );
        assert!(
            spark
                .batches
                .windows(2)
                .any(|b| b[1].0 - b[0].0 > spark.trigger * 5)
        );
    }

    #[test]
    fn every_lesson_opens_a_shipped_scenario() {
        for lesson in LESSONS {
            let path = format!(
                "{}/scenarios/{}",
                env!("CARGO_MANIFEST_DIR"),
                lesson.scenario.0
            );
            assert!(std::path::Path::new(&path).exists(), "{}", lesson.title);
            // Reading it panics on a scenario that no longer parses.
            lesson.scenario();
            assert!(lesson.look_at.is_ascii(), "{}", lesson.title);
        }
    }
}
