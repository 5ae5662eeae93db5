//! The real app driven through egui_kittest: load, edit, wait for the worker, check state.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

use super::*;
use crate::explore::lab::Fate;
use crate::measure::catalogue::{Model, ModelMetric};

fn harness(name: &str) -> Harness<'static, TidemarkApp> {
    harness_of_size(name, egui::Vec2::new(1280.0, 800.0))
}

fn harness_of_size(name: &str, size: egui::Vec2) -> Harness<'static, TidemarkApp> {
    let text = BUILT_IN
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap()
        .1
        .to_owned();
    Harness::builder()
        .with_size(size)
        .build_eframe(move |cc| TidemarkApp::new(cc, Some((name.to_owned(), text))))
}

/// Steps until the worker has delivered (bounded: the UI keeps requesting repaints). The
/// bound guards against a hang, not a speed: a debug build on a loaded 2-core machine has
/// taken over 120 s for the measured day's replications.
fn wait_for_run(harness: &mut Harness<'static, TidemarkApp>) {
    wait_while(harness, "run", 300, TidemarkApp::running);
}

/// Steps while `busy` (a worker's job is out), for at most `seconds`.
fn wait_while(
    harness: &mut Harness<'static, TidemarkApp>,
    job: &str,
    seconds: u64,
    busy: fn(&TidemarkApp) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    harness.step();
    while busy(harness.state()) {
        assert!(Instant::now() < deadline, "the {job} did not finish");
        std::thread::sleep(Duration::from_millis(20));
        harness.step();
    }
    harness.step();
}

/// Replaces the text of the field labelled `label`, as a user selecting it and typing would.
fn set_text(harness: &mut Harness<'static, TidemarkApp>, label: &str, text: &str) {
    harness.get_by_label(label).focus();
    harness.step();
    harness.get_by_label(label).set_text_value_accesskit(text);
    harness.step();
    harness.step();
}

#[test]
fn a_longer_watermark_delay_drops_fewer_late_events() {
    let mut harness = harness("mobile_offline_skew.ron");
    wait_for_run(&mut harness);
    let before = harness
        .state()
        .metric(Model::Streaming, ModelMetric::DroppedLate)
        .unwrap();
    assert!(before > 0.0);
    set_text(&mut harness, "watermark delay", "9h");
    // Until the run is back, the figures say they belong to the previous settings.
    assert!(
        harness
            .query_by_label_contains("stale - updating")
            .is_some()
    );
    // Debounce, then the run.
    std::thread::sleep(Duration::from_millis(400));
    wait_for_run(&mut harness);
    assert_eq!(
        harness
            .state()
            .scenario
            .streaming
            .as_ref()
            .unwrap()
            .watermark_delay,
        crate::input::time::Dur::from_hours(9)
    );
    let after = harness
        .state()
        .metric(Model::Streaming, ModelMetric::DroppedLate)
        .unwrap();
    assert!(after < before, "dropped {before} with 5m, {after} with 9h");
    assert!(harness.query_by_label_contains("stale - ").is_none());
}

#[test]
fn the_watermark_lab_steps_its_scrubber() {
    let mut harness = harness("freshmart_compare_models.ron");
    wait_for_run(&mut harness);
    harness.get_by_label("Watermark lab").click();
    harness.step();
    // The lab opens at the end of its span, where a step has nowhere to go: rewind first.
    let end = harness.state().playback.cursor;
    assert_eq!(Some(end), harness.state().lab.as_ref().map(|l| l.to));
    let start = harness.state().lab.as_ref().unwrap().from;
    harness.state_mut().playback = crate::explore::lab::Playback::new(start);
    harness.get_by_label("Step 1 min").click();
    harness.step();
    assert_eq!(
        harness.state().playback.cursor,
        start + crate::explore::lab::STEP
    );
    assert!(
        harness
            .state()
            .lab
            .as_ref()
            .is_some_and(|lab| !lab.events.is_empty())
    );
}

#[test]
fn the_lab_jumps_to_the_hour_typed_off_the_ui_thread() {
    let mut harness = harness("freshmart_compare_models.ron");
    wait_for_run(&mut harness);
    harness.get_by_label("Watermark lab").click();
    harness.step();
    let midnight =
        harness.state().scenario.workload.start + crate::input::time::Dur::from_hours(24);
    set_text(&mut harness, "show the hour around", "23:40");
    harness.get_by_label("show the hour around").focus();
    harness.key_press(egui::Key::Enter);
    let deadline = Instant::now() + Duration::from_secs(120);
    harness.step();
    while harness.state().lab_pending() {
        assert!(Instant::now() < deadline, "the lab did not finish");
        std::thread::sleep(Duration::from_millis(20));
        harness.step();
    }
    harness.step();
    let lab = harness.state().lab.clone().unwrap();
    // 23:40 is nearest midnight: the slice runs from 23:10 to 00:40.
    assert_eq!(lab.from, midnight - crate::input::time::Dur::from_mins(50));
    assert_eq!(harness.state().lab_jump_error, None);
    set_text(&mut harness, "show the hour around", "noonish");
    harness.get_by_label("show the hour around").focus();
    harness.key_press(egui::Key::Enter);
    harness.step();
    assert!(
        harness
            .state()
            .lab_jump_error
            .as_ref()
            .is_some_and(|e| e.contains("23:00"))
    );
}

/// The default scenario's wrong results by cause: most are retried checkouts counted twice,
/// not the orders dropped late a user would blame.
#[test]
fn the_wrong_results_are_split_by_cause_with_the_retries_first() {
    let mut harness = harness("freshmart_compare_models.ron");
    wait_for_run(&mut harness);
    let app = harness.state();
    let figure = |metric| app.metric(Model::Streaming, metric).unwrap();
    let (wrong, retries, drops) = (
        figure(ModelMetric::WrongCells),
        figure(ModelMetric::WrongByRetries),
        figure(ModelMetric::WrongByDrops),
    );
    assert!(
        retries > drops && retries > wrong / 2.0,
        "{retries} {drops} {wrong}"
    );
    let causes = [
        ModelMetric::WrongByDrops,
        ModelMetric::WrongByRetries,
        ModelMetric::WrongByAppendedFirings,
        ModelMetric::WrongByFaults,
        ModelMetric::WrongByOther,
    ];
    assert_eq!(causes.iter().map(|&m| figure(m)).sum::<f64>(), wrong);
    assert!(harness.query_by_label_contains("Why not 100 %").is_some());
    // The row's tooltip says what it counts.
    harness
        .get_by_label("  wrong: a retry counted again")
        .hover();
    // Tooltips wait half a second: step a second of frames.
    for _ in 0..60 {
        harness.step();
    }
    assert!(
        harness
            .query_by_label_contains("wrong: a retried copy counted again")
            .is_some()
    );
}

/// Save writes only to the file shown: after picking a built-in it asks for a path instead
/// of overwriting the file opened before; an edit marks the scenario modified until saved.
#[test]
fn save_after_picking_a_built_in_asks_for_a_path() {
    let dir = std::env::temp_dir().join(format!("tidemark-save-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let opened = dir.join("mine.ron");
    let mine = BUILT_IN
        .iter()
        .find(|(n, _)| *n == "mobile_offline_skew.ron")
        .unwrap()
        .1;
    std::fs::write(&opened, mine).unwrap();
    let mut harness = harness("freshmart_compare_models.ron");
    wait_for_run(&mut harness);
    set_text(&mut harness, "file", opened.to_str().unwrap());
    harness.get_by_label("Open").click();
    wait_for_run(&mut harness);
    assert_eq!(harness.state().scenario.name, "mobile_offline_skew");
    let (name, text) = BUILT_IN[0];
    harness.state_mut().load(name, text);
    wait_for_run(&mut harness);
    harness.get_by_label("Save").click();
    harness.step();
    harness.step();
    // The file dialog asks where, in the scenarios folder, named after the scenario.
    assert!(
        harness
            .query_by_label_contains("Save the scenario as")
            .is_some()
    );
    harness.get_by_label("Cancel").click();
    harness.step();
    harness.step();
    assert!(
        harness
            .query_by_label_contains("Save the scenario as")
            .is_none()
    );
    assert_eq!(std::fs::read_to_string(&opened).unwrap(), mine);
    set_text(&mut harness, "watermark delay", "7m");
    assert!(harness.state().persisted().modified);
    assert!(harness.query_by_label_contains("(modified)").is_some());
    let copy = dir.join("copy.ron");
    set_text(&mut harness, "file", copy.to_str().unwrap());
    harness.get_by_label("Save").click();
    harness.step();
    assert!(!harness.state().persisted().modified);
    let saved = crate::compose::scenario::Scenario::from_ron(
        &std::fs::read_to_string(&copy).unwrap(),
        "copy.ron",
    )
    .unwrap();
    assert_eq!(
        saved.streaming.unwrap().watermark_delay,
        crate::input::time::Dur::from_mins(7)
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The advisor in the app recommends what `tidemark advise` does, on the three FreshMart
/// requirements: batch for the P&L, micro-batch for the dashboard, streaming for fraud.
#[test]
fn the_advisor_recommends_as_the_command_line_does() {
    for (name, model) in [
        ("freshmart_finance_pnl.ron", "batch"),
        ("freshmart_ops_dashboard.ron", "micro-batch"),
        ("freshmart_fraud_check.ron", "streaming"),
    ] {
        let mut harness = harness(name);
        wait_for_run(&mut harness);
        harness.get_by_label("Advisor").click();
        harness.step();
        harness.get_by_label("Advise").click();
        wait_while(&mut harness, "advisor", 300, TidemarkApp::advising);
        let scenario = harness.state().scenario.clone();
        let expected = crate::explore::advise::advise(&scenario, &|_, _| {})
            .unwrap()
            .recommendation();
        assert!(expected.starts_with(&format!("{model} ")), "{expected}");
        let shown = format!("recommendation: {expected}");
        assert!(harness.query_by_label(&shown).is_some(), "{name}: {shown}");
    }
}

/// The picker groups the built-ins by what they teach, each with its description.
#[test]
fn the_picker_groups_built_ins_with_their_descriptions() {
    let mut harness = harness("freshmart_compare_models.ron");
    wait_for_run(&mut harness);
    harness.get_by_label("built-in or file").click();
    harness.step();
    harness.step();
    for group in [
        "FreshMart requirements",
        "Lessons and costs",
        "Kafka",
        "Spark",
        "Error library",
    ] {
        assert!(harness.query_by_label(group).is_some(), "{group}");
    }
    assert!(
        harness
            .query_by_label_contains("A 17-minute daily batch job at $4/hour")
            .is_some()
    );
}

/// Steps until the sweep has delivered.
fn wait_for_sweep(harness: &mut Harness<'static, TidemarkApp>) {
    wait_while(harness, "sweep", 300, TidemarkApp::sweeping);
}

/// A sweep over allowed lateness, set in the view: every value runs, and with an upsert sink
/// more lateness leaves more results right.
#[test]
fn a_sweep_over_allowed_lateness_runs_every_value() {
    let mut harness = harness("flink_late_firings_upsert_sink.ron");
    wait_for_run(&mut harness);
    harness.get_by_label("Sweep").click();
    // Opening the view runs the watermark sweep shown: let it finish.
    wait_for_sweep(&mut harness);
    assert!(matches!(harness.state().sweep, Some(Ok(_))));
    harness.state_mut().sweep_parameter = crate::explore::sweep::Parameter::AllowedLateness;
    harness.step();
    set_text(&mut harness, "from", "0s");
    set_text(&mut harness, "to", "60m");
    set_text(&mut harness, "step", "20m");
    harness.get_by_label("Run sweep").click();
    wait_for_sweep(&mut harness);
    let Some(Ok((vary, points))) = harness.state().sweep.clone() else {
        panic!(
            "no sweep: {:?}",
            harness.state().sweep.as_ref().map(|r| r.as_ref().err())
        );
    };
    assert_eq!(vary.parameter.name(), "allowed_lateness");
    assert_eq!(points.len(), 4);
    let correct: Vec<f64> = (points.iter())
        .map(|p| {
            p.report
                .model(Model::Streaming, ModelMetric::CorrectShare)
                .unwrap()
        })
        .collect();
    assert!(
        correct.windows(2).all(|w| w[1] >= w[0]) && correct[3] > correct[0],
        "{correct:?}"
    );
    assert!(
        harness
            .query_by_label_contains("correct at the end, by allowed_lateness")
            .is_some()
    );
    // A range that does not read says so instead of running.
    set_text(&mut harness, "step", "soon");
    harness.get_by_label("Run sweep").click();
    harness.step();
    assert!(matches!(harness.state().sweep, Some(Err(_))));
}

/// Steps until the lab has delivered.
fn wait_for_lab(harness: &mut Harness<'static, TidemarkApp>) {
    wait_while(harness, "lab", 300, TidemarkApp::lab_pending);
}

/// The domain text's delivery marked at 23:58 that reaches Kafka at 00:03, added with the
/// lab's form (its defaults): on time under the lesson's 5-minute bound, dropped under 2
/// minutes, with Flink's rule; it stays in the saved view until removed.
#[test]
fn the_2358_delivery_added_by_hand_is_kept_at_5_minutes_and_dropped_at_2() {
    let mut harness = harness("lesson_2358_delivery.ron");
    wait_for_run(&mut harness);
    harness.get_by_label("Watermark lab").click();
    wait_for_lab(&mut harness);
    set_text(&mut harness, "event time", "23:58");
    set_text(&mut harness, "arrives", "00:03");
    harness.get_by_label("Add").click();
    wait_for_lab(&mut harness);
    let fate = |harness: &Harness<'static, TidemarkApp>| {
        let app = harness.state();
        let lab = app.lab.clone().unwrap();
        let hand = &app.persisted().lab_added[0];
        let event = *lab.hand_event(hand).unwrap();
        (event.fate, lab.explain(&event))
    };
    assert_eq!(fate(&harness).0, Fate::OnTime, "{}", fate(&harness).1);
    assert!(
        harness
            .query_by_label_contains("arrives 00:03:00: on time")
            .is_some()
    );
    set_text(&mut harness, "lab watermark delay", "2m");
    wait_for_lab(&mut harness);
    let (dropped, why) = fate(&harness);
    assert_eq!(dropped, Fate::Dropped, "{why}");
    assert!(why.contains("isElementLate"), "{why}");
    assert!(
        harness
            .query_by_label_contains("arrives 00:03:00: dropped")
            .is_some()
    );
    // Pinned, the explanation stays above the picture until unpinned.
    let hand = harness.state().persisted().lab_added[0].clone();
    let lab = harness.state().lab.clone().unwrap();
    let event = lab.hand_event(&hand).unwrap();
    harness.state_mut().lab_pinned = Some((event.id, event.arrival_time));
    harness.step();
    assert!(
        harness
            .query_by_label_contains("added by hand, key delivery-2358")
            .is_some()
    );
    harness.get_by_label("unpin").click();
    harness.step();
    assert_eq!(harness.state().lab_pinned, None);
    // An arrival outside the span shown is refused with the span.
    set_text(&mut harness, "arrives", "03:00");
    harness.get_by_label("Add").click();
    harness.step();
    assert!(
        (harness.state().lab_form_error.as_ref()).is_some_and(|e| e.contains("outside the span"))
    );
    assert_eq!(harness.state().persisted().lab_added.len(), 1);
    harness.get_by_label("remove").click();
    harness.step();
    assert!(harness.state().persisted().lab_added.is_empty());
}

/// Every lesson opens from the menu into the lab, with its text and its events by hand.
#[test]
fn each_lesson_opens_in_the_lab_with_its_text() {
    let mut harness = harness("freshmart_compare_models.ron");
    wait_for_run(&mut harness);
    for (index, lesson) in crate::explore::lessons::LESSONS.iter().enumerate() {
        harness.get_by_label("Lessons").click();
        harness.step();
        harness.step();
        harness.get_by_label(lesson.title).click();
        wait_for_run(&mut harness);
        wait_for_lab(&mut harness);
        let app = harness.state();
        assert_eq!(app.lesson, Some(index));
        assert_eq!(app.persisted().scenario_name, lesson.scenario.0);
        assert_eq!(app.persisted().view, View::Lab);
        let lab = app.lab.clone().unwrap();
        for hand in &app.persisted().lab_added {
            assert!(lab.hand_event(hand).is_some(), "{}", lesson.title);
        }
        // Beside Spark, the events whose fate differs are counted above Spark's plot.
        assert_eq!(lab.spark.is_some(), lesson.spark, "{}", lesson.title);
        if let Some(spark) = &lab.spark {
            let (flink_only, spark_only) = spark.differences(&lab.events);
            // The lesson on the two engines shows events whose fate differs.
            assert!(flink_only + spark_only > 0 || !lesson.title.contains("part ways"));
            let count = format!("{} events fare differently", flink_only + spark_only);
            assert!(harness.query_by_label_contains(&count).is_some(), "{count}");
        }
        assert!(
            harness
                .query_by_label_contains(&lesson.look_at[..40])
                .is_some(),
            "{}",
            lesson.title
        );
    }
}

/// The scenarios at production scale: 86 million events take minutes in a debug build, so
/// the walk below leaves them to the progress-and-cancel test and to the release checks.
fn at_production_scale(name: &str) -> bool {
    name.starts_with("production_")
}

/// Every built-in scenario opens in the lab, drawn, without a panic (overflow checks on in a
/// debug build).
#[test]
fn every_built_in_scenario_opens_in_the_lab() {
    let mut harness = harness("freshmart_compare_models.ron");
    wait_for_run(&mut harness);
    harness.get_by_label("Watermark lab").click();
    for &(name, text) in BUILT_IN.iter().filter(|(n, _)| !at_production_scale(n)) {
        harness.state_mut().load(name, text);
        wait_for_run(&mut harness);
        wait_for_lab(&mut harness);
        let lab = harness.state().lab.clone();
        assert!(lab.is_some_and(|l| l.from < l.to), "{name}");
        // Played to the end and drawn again.
        harness
            .state_mut()
            .playback(PlaybackCommand::Seek(crate::input::time::Ts(0)));
        harness.step();
    }
}

/// The production day opens from the scenario list: its run shows its progress while the
/// window goes on drawing, and Cancel stops it and says the figures are the earlier ones.
#[test]
fn the_production_day_runs_with_its_progress_and_can_be_cancelled() {
    let mut harness = harness("freshmart_compare_models.ron");
    wait_for_run(&mut harness);
    let name = "production_day_1000_per_second.ron";
    assert!(at_production_scale(name));
    let text = BUILT_IN.iter().find(|(n, _)| *n == name).unwrap().1;
    harness.state_mut().load(name, text);
    let deadline = Instant::now() + Duration::from_secs(300);
    harness.step();
    while harness.state().worker.progress() == 0.0 {
        assert!(
            Instant::now() < deadline,
            "the production day shows no progress"
        );
        std::thread::sleep(Duration::from_millis(50));
        harness.step();
    }
    // The window is not blocked: frames are drawn while the run goes on.
    harness.step();
    assert!(harness.state().running());
    harness.get_by_label("Cancel").click();
    harness.step();
    harness.step();
    assert!(!harness.state().running());
    assert_eq!(
        harness.state().stale_reason(),
        Some("cancelled: the figures are from the previous settings")
    );
}

#[test]
fn an_invalid_value_shows_its_message_and_nothing_breaks() {
    let mut harness = harness("freshmart_compare_models.ron");
    wait_for_run(&mut harness);
    set_text(&mut harness, "window size", "5x");
    assert!(
        harness
            .query_by_label_contains("malformed duration")
            .is_some()
    );
    assert!(
        harness.state().scenario.problems().is_empty(),
        "the bad text is not applied"
    );
}

/// A rule broken by a field's value is said under that field, and goes when it is fixed.
#[test]
fn a_rule_error_sits_under_its_field_and_goes_when_fixed() {
    let mut harness = harness("freshmart_compare_models.ron");
    wait_for_run(&mut harness);
    set_text(&mut harness, "watermark delay", "-5m");
    let message = "watermark_delay -5m must not be negative";
    let said = harness.get_by_label_contains(message).rect();
    let field = harness.get_by_label("watermark delay").rect();
    let next = harness.get_by_label("allowed lateness").rect();
    assert!(
        field.max.y <= said.min.y && said.max.y <= next.min.y,
        "{field:?} {said:?} {next:?}"
    );
    assert!(
        harness
            .query_by_label_contains("Problems with settings not shown")
            .is_none()
    );
    assert!(harness.query_by_label_contains("stale - not run").is_some());
    set_text(&mut harness, "watermark delay", "5m");
    assert!(harness.query_by_label_contains(message).is_none());
}

#[test]
fn a_faulted_job_shows_what_the_fault_cost_and_a_clean_one_does_not() {
    let mut faulted = harness("crash_at_least_once.ron");
    wait_for_run(&mut faulted);
    assert!(
        faulted
            .query_by_label("counted beyond fault-free")
            .is_some()
    );
    let duplicated = faulted
        .state()
        .metric(Model::Streaming, ModelMetric::FaultDuplicatedEvents);
    // The mean over the app's 3 replications (the shipped seed alone duplicates 3,000+).
    assert!(duplicated.unwrap() >= 2000.0);
    let mut clean = harness("freshmart_compare_models.ron");
    wait_for_run(&mut clean);
    assert!(clean.query_by_label("counted beyond fault-free").is_none());
}

#[test]
fn an_architecture_switched_on_runs_beside_the_models() {
    let mut harness = harness("freshmart_compare_models.ron");
    wait_for_run(&mut harness);
    assert_eq!(
        harness
            .state()
            .metric(Model::Hybrid, ModelMetric::CorrectShare),
        None
    );
    harness.get_by_label("hybrid").click();
    harness.step();
    std::thread::sleep(Duration::from_millis(400));
    wait_for_run(&mut harness);
    // The stream's speed with the batch's corrections: exact at the end.
    assert_eq!(
        harness
            .state()
            .metric(Model::Hybrid, ModelMetric::CorrectShare),
        Some(1.0)
    );
    assert!(
        harness
            .state()
            .metric(Model::Streaming, ModelMetric::CorrectShare)
            .unwrap()
            < 1.0
    );
}

/// At 1024x700 the lab, with Spark beside Flink and the equivalent job open, stays within
/// the window: every row wraps rather than pushing the picture off the right edge.
#[test]
fn the_lab_fits_a_1024_by_700_window() {
    let name = "kafka_idle_partition_wakes_up.ron";
    let text = BUILT_IN.iter().find(|(n, _)| *n == name).unwrap().1;
    let mut harness = Harness::builder()
        .with_size(egui::Vec2::new(1024.0, 700.0))
        .build_eframe(move |cc| TidemarkApp::new(cc, Some((name.to_owned(), text.to_owned()))));
    wait_for_run(&mut harness);
    harness.state_mut().persisted.view = View::Lab;
    harness.state_mut().persisted.lab_spark = true;
    harness.state_mut().recompute_lab();
    wait_for_lab(&mut harness);
    harness
        .get_by_label("The equivalent job: Flink SQL and PySpark")
        .click();
    for _ in 0..3 {
        harness.step();
    }
    assert!(
        harness
            .query_by_label_contains("fare differently")
            .is_some()
    );
    let used = harness.ctx.globally_used_rect();
    assert!(used.max.x <= 1024.0, "{used:?}");
}

/// The collapsed groups reach the settings the first panel does not: a fault added to the
/// Flink job, its rule error under its field until fixed, removed again; a price list.
#[test]
fn faults_and_prices_are_edited_in_their_groups() {
    // Tall enough that the open groups need no scrolling.
    let tall = egui::Vec2::new(1280.0, 2000.0);
    let mut harness = harness_of_size("freshmart_compare_models.ron", tall);
    wait_for_run(&mut harness);
    assert!(
        harness.query_by_label("Kafka partitions").is_none(),
        "collapsed"
    );
    harness
        .get_by_label("Kafka and the Flink job")
        .click_accesskit();
    harness.step();
    harness.step();
    assert!(harness.query_by_label("Kafka partitions").is_some());
    harness.get_by_label("crash").click_accesskit();
    harness.step();
    harness.step();
    let faults = |h: &Harness<'static, TidemarkApp>| {
        h.state()
            .scenario
            .streaming
            .as_ref()
            .unwrap()
            .faults
            .clone()
    };
    assert_eq!(faults(&harness).len(), 1);
    set_text(&mut harness, "down for", "0s");
    let message = harness
        .state()
        .problems
        .iter()
        .find(|p| p.path == "streaming.faults[0].down_for")
        .expect("a zero outage is refused")
        .message
        .clone();
    let said = harness.get_by_label_contains(&message).rect();
    let field = harness.get_by_label("down for").rect();
    let next = harness.get_by_label("checkpoint every").rect();
    assert!(field.max.y <= said.min.y && said.max.y <= next.min.y);
    set_text(&mut harness, "down for", "5m");
    assert!(harness.query_by_label_contains(&message).is_none());
    harness.get_by_label("remove").click_accesskit();
    harness.step();
    assert!(faults(&harness).is_empty());

    harness.get_by_label("Prices and billing").click_accesskit();
    harness.step();
    harness.step();
    harness.get_by_label("price list").click();
    harness.step();
    harness.step();
    harness
        .get_by_label("Confluent Cloud for Apache Flink")
        .click_accesskit();
    harness.step();
    harness.step();
    let cost = harness.state().scenario.cost.clone().unwrap();
    assert_eq!(cost.price_per_node_hour, 0.21);
    assert_eq!(cost.billing, crate::compose::cost::Billing::PerMinute);
    assert!(
        harness
            .query_by_label_contains("docs.confluent.io")
            .is_some()
    );
}

/// A model the scenario never had switches on with the engines' defaults.
#[test]
fn every_model_can_be_switched_on() {
    let parked = Parked::default();
    assert!(parked.batch.is_some() && parked.plain_micro_batch.is_some());
    assert!(parked.micro_batch.is_some() && parked.streaming.is_some());
    assert!(parked.lambda.is_some() && parked.kappa.is_some() && parked.hybrid.is_some());
}

/// eframe's storage, in memory: what a relaunch reads back.
#[derive(Default)]
struct Memory(std::collections::BTreeMap<String, String>);

impl eframe::Storage for Memory {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn flush(&mut self) {}
}

/// A file opened and edited comes back after a relaunch as it was: its name, its file (Save
/// writes there), its edits and the modified mark.
#[test]
fn the_scenario_is_restored_exactly_after_relaunch() {
    let path = "scenarios/mobile_offline_skew.ron";
    let text = std::fs::read_to_string(path).unwrap();
    let mut first = Harness::builder()
        .with_size(egui::Vec2::new(1280.0, 800.0))
        .build_eframe(move |cc| TidemarkApp::new(cc, Some((path.to_owned(), text))));
    wait_for_run(&mut first);
    set_text(&mut first, "watermark delay", "7m");
    let mut storage = Memory::default();
    eframe::App::save(first.state_mut(), &mut storage);
    let storage: &'static Memory = Box::leak(Box::new(storage));
    let mut second = Harness::builder()
        .with_size(egui::Vec2::new(1280.0, 800.0))
        .build_eframe(move |cc| {
            cc.storage = Some(storage);
            TidemarkApp::new(cc, None)
        });
    wait_for_run(&mut second);
    let (before, after) = (first.state(), second.state());
    assert_eq!(after.scenario, before.scenario);
    assert_eq!(after.scenario.name, "mobile_offline_skew");
    assert_eq!(after.persisted().scenario_name, path);
    assert_eq!(after.open_path, path);
    assert!(after.persisted().modified);
    assert!(second.query_by_label_contains("(modified)").is_some());
}

/// "Use a trace...": the user's own events become the workload of every model; a trace out
/// of arrival order is refused with its line, the workload kept.
/// A trace in epoch seconds: refused with the reason until "times in epoch seconds" is
/// ticked, then read as seconds; unticking it reads the trace in use again.
#[test]
fn a_trace_in_epoch_seconds_is_read_once_the_box_is_ticked() {
    let mut harness = harness("freshmart_compare_models.ron");
    wait_for_run(&mut harness);
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("seconds.csv");
    std::fs::write(
        &trace,
        "id,key,value,event_time,arrival_time\n1,a,1,1773705600,1773705601.5\n",
    )
    .unwrap();
    let trace = trace.to_str().unwrap();
    harness.state_mut().use_trace(trace);
    assert!(harness.state().status.contains("look like epoch seconds"));
    assert!(harness.state().scenario.workload.trace.is_none());
    harness.get_by_label("times in epoch seconds").click();
    harness.step();
    harness.state_mut().use_trace(trace);
    let used = harness.state().scenario.workload.trace.clone().unwrap();
    assert_eq!(used.epoch, Some(crate::input::trace::Epoch::Seconds));
    assert_eq!(
        harness.state().scenario.workload.start,
        crate::input::time::Ts::parse("2026-03-17T00:00:00Z").unwrap()
    );
    harness.step();
    // Unticked, the trace in use is read again as milliseconds: refused, so it stays.
    harness.get_by_label("times in epoch seconds").click();
    harness.step();
    assert!(harness.state().status.contains("look like epoch seconds"));
    assert_eq!(
        harness
            .state()
            .scenario
            .workload
            .trace
            .as_ref()
            .unwrap()
            .epoch,
        Some(crate::input::trace::Epoch::Seconds)
    );
}

#[test]
fn a_trace_becomes_the_workload() {
    let mut harness = harness("freshmart_compare_models.ron");
    wait_for_run(&mut harness);
    let dir = tempfile::tempdir().unwrap();
    let unsorted = dir.path().join("unsorted.csv");
    std::fs::write(
        &unsorted,
        "id,key,value,event_time,arrival_time\n\
         1,a,1,2026-03-17T00:00:00Z,2026-03-17T00:00:05Z\n\
         2,a,1,2026-03-17T00:00:01Z,2026-03-17T00:00:02Z\n",
    )
    .unwrap();
    harness.state_mut().use_trace(unsorted.to_str().unwrap());
    assert!(harness.state().status.contains(":3: field `arrival_time`"));
    assert!(harness.state().scenario.workload.trace.is_none());
    harness.state_mut().use_trace("scenarios/traces/orders.csv");
    std::thread::sleep(Duration::from_millis(50));
    harness.step();
    wait_for_run(&mut harness);
    let events = harness
        .state()
        .finished
        .as_ref()
        .unwrap()
        .output
        .report
        .get(crate::measure::catalogue::Metric::Scenario(
            crate::measure::catalogue::ScenarioMetric::Events,
        ));
    assert_eq!(events, Some(2997.0));
    assert!(
        harness
            .query_by_label_contains("recorded trace scenarios/traces/orders.csv: 2,997 events")
            .is_some()
    );
}

/// The default day runs 5 replications in the app: each summary figure with its interval,
/// the dropped and cost bars with theirs, the curves with the band they span; a recorded
/// trace, the same every time, runs once and shows none.
#[test]
fn the_figures_carry_their_replications_intervals_and_bands() {
    let mut day = harness("freshmart_compare_models.ron");
    wait_for_run(&mut day);
    let app = day.state();
    assert_eq!(app.scenario.replications, 5);
    let finished = app.finished.as_ref().unwrap();
    assert_eq!(finished.output.report.replications, 5);
    assert!(
        day.query_by_label_contains("5 replications: each figure their mean ± its 95% interval")
            .is_some()
    );
    let correct = finished
        .output
        .report
        .spread(crate::measure::catalogue::Metric::Model(
            Model::Streaming,
            ModelMetric::CorrectShare,
        ))
        .unwrap();
    let shown = format!(
        "{} ± {}",
        plots::app_value(Some(correct.mean), crate::measure::catalogue::Unit::Share),
        plots::app_value(correct.half_width, crate::measure::catalogue::Unit::Share)
    );
    assert!(day.query_by_label(&shown).is_some(), "{shown}");
    let bands = &finished.bands;
    assert_eq!(bands.latency.len(), 3);
    assert_eq!(bands.correctness.len(), 3);
    for band in bands.latency.iter().chain(&bands.correctness) {
        assert!(band.low.iter().zip(&band.high).all(|(l, h)| l <= h));
    }
    let streaming = &bands.latency[2];
    assert!(
        streaming
            .low
            .iter()
            .zip(&streaming.high)
            .any(|(l, h)| l < h),
        "the replications' distributions differ"
    );

    let mut trace = harness("your_own_trace.ron");
    wait_for_run(&mut trace);
    let app = trace.state();
    assert_eq!(app.scenario.replications, 1);
    let finished = app.finished.as_ref().unwrap();
    assert!(finished.bands.latency.is_empty());
    assert!(
        trace
            .query_by_label_contains("replications: each figure")
            .is_none()
    );
}
