//! Charts of a run, as SVG and PNG (plotters, pure Rust, with an embedded font): latency
//! CDF per model, correctness over processing time, dropped-late events, and cost.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::compose::models::Outcome;
use crate::explore::sweep::GridPoint;
use crate::input::time::Ts;
use crate::measure::catalogue::{Model, ModelMetric};
use crate::measure::oracle::TruthCell;

const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const SIZE: (u32, u32) = (900, 500);

/// One colour per model, the same in every chart (and in the app).
pub fn model_colour(model: Model) -> RGBColor {
    match model {
        Model::Batch => RGBColor(31, 119, 180),
        Model::PlainMicroBatch => RGBColor(148, 103, 189),
        Model::MicroBatch => RGBColor(255, 127, 14),
        Model::Streaming => RGBColor(44, 160, 44),
        Model::Lambda => RGBColor(214, 39, 40),
        Model::Kappa => RGBColor(23, 190, 207),
        Model::Hybrid => RGBColor(140, 86, 75),
    }
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is compiled in; a failure here is a build defect, and the PNGs would only
        // lack text.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// The charts of a run.
#[derive(Clone, Copy, Debug)]
enum Chart {
    Latency,
    Correctness,
    Dropped,
    Cost,
}

impl Chart {
    const ALL: [(Chart, &'static str); 4] = [
        (Chart::Latency, "latency"),
        (Chart::Correctness, "correctness"),
        (Chart::Dropped, "dropped"),
        (Chart::Cost, "cost"),
    ];

    fn draw<DB: DrawingBackend>(
        self,
        root: &DrawingArea<DB, Shift>,
        models: &[Outcome],
        truth: &[TruthCell],
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        match self {
            Chart::Latency => latency_cdf(root, models),
            Chart::Correctness => correctness_over_time(root, models, truth),
            Chart::Dropped => bars(
                root,
                models,
                "Events dropped as late or never read",
                "events",
                |m| Some(m.stats.dropped as f64),
            ),
            Chart::Cost => bars(root, models, "Cost a year ($)", "dollars a year", |m| {
                m.cost_per_year
            }),
        }
    }
}

/// Writes `latency`, `correctness`, `dropped` and `cost` charts, each as `.svg` and `.png`,
/// into `dir`; returns the files written.
pub fn write_charts(
    dir: &Path,
    models: &[Outcome],
    truth: &[TruthCell],
) -> io::Result<Vec<PathBuf>> {
    register_font();
    let mut written = Vec::new();
    for (chart, name) in Chart::ALL {
        let svg = dir.join(format!("{name}.svg"));
        render(
            chart,
            SVGBackend::new(&svg, SIZE).into_drawing_area(),
            models,
            truth,
        )?;
        let png = dir.join(format!("{name}.png"));
        write_png(&png, |root| render(chart, root, models, truth))?;
        written.push(svg);
        written.push(png);
    }
    Ok(written)
}

/// The instructor's trade-off curves of a sweep, as SVG and PNG: the share of results right
/// and the share of events dropped as late, against result latency (window end to the correct
/// result, median), a line per model the sweep moves, a dot per point.
pub fn write_tradeoff_charts(dir: &Path, points: &[GridPoint]) -> io::Result<Vec<PathBuf>> {
    register_font();
    let mut models: Vec<Model> = points.iter().flat_map(|p| p.report.models()).collect();
    models.sort();
    models.dedup();
    let curve = |metric: ModelMetric| {
        let lines: Vec<_> = models
            .iter()
            .map(|&model| {
                let mut line: Vec<(f64, f64)> = points
                    .iter()
                    .filter_map(|p| {
                        let get = |m| p.report.model(model, m);
                        Some((get(ModelMetric::FinalDelayP50)? / 60_000.0, get(metric)?))
                    })
                    .collect();
                line.sort_by(|a, b| a.0.total_cmp(&b.0));
                (model, line)
            })
            .collect();
        // A model the swept settings do not touch is a single dot: leave it out when others move.
        let moved: Vec<_> = lines
            .iter()
            .filter(|(_, l)| l.windows(2).any(|w| w[0] != w[1]))
            .cloned()
            .collect();
        if moved.is_empty() { lines } else { moved }
    };
    let mut written = Vec::new();
    let charts = [
        (
            "tradeoff_correct",
            "Right at the end, against result latency",
            "share of results right",
            ModelMetric::CorrectShare,
        ),
        (
            "tradeoff_dropped",
            "Dropped as late, against result latency",
            "share of events dropped",
            ModelMetric::DroppedLateShare,
        ),
    ];
    for (name, caption, y_desc, metric) in charts {
        let series = curve(metric);
        let all = series.iter().flat_map(|(_, l)| l.iter().copied());
        let (x, y) = (padded(all.clone().map(|p| p.0)), padded(all.map(|p| p.1)));
        let frame = Frame {
            caption,
            x_desc: "window end -> correct result, median (minutes)",
            y_desc,
            x,
            y: y.start.max(0.0)..y.end.min(1.0),
            dots: true,
        };
        let svg = dir.join(format!("{name}.svg"));
        let root = SVGBackend::new(&svg, SIZE).into_drawing_area();
        line_chart(&root, &frame, series.clone()).map_err(|e| io::Error::other(e.to_string()))?;
        root.present()
            .map_err(|e| io::Error::other(e.to_string()))?;
        drop(root);
        let png = dir.join(format!("{name}.png"));
        write_png(&png, |root| {
            line_chart(&root, &frame, series).map_err(|e| io::Error::other(e.to_string()))?;
            root.present().map_err(|e| io::Error::other(e.to_string()))
        })?;
        written.push(svg);
        written.push(png);
    }
    Ok(written)
}

/// Draws with `draw` on an RGB bitmap of [`SIZE`] and writes it to `path` as PNG, encoded as
/// plotters' own writer (through `image`) encodes it: fast compression, adaptive filtering.
fn write_png(
    path: &Path,
    draw: impl FnOnce(DrawingArea<BitMapBackend<'_>, Shift>) -> io::Result<()>,
) -> io::Result<()> {
    let mut pixels = vec![0u8; SIZE.0 as usize * SIZE.1 as usize * 3];
    draw(BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area())?;
    let file = io::BufWriter::new(std::fs::File::create(path)?);
    let mut encoder = png::Encoder::new(file, SIZE.0, SIZE.1);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    encoder.set_filter(png::FilterType::Sub);
    encoder.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
    let mut writer = encoder.write_header().map_err(io::Error::other)?;
    writer.write_image_data(&pixels).map_err(io::Error::other)?;
    writer.finish().map_err(io::Error::other)
}

/// The span of `values` with a margin of a tenth on each side (one unit when they are equal).
fn padded(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    let margin = if hi > lo {
        (hi - lo) / 10.0
    } else {
        lo.abs().max(1e-3) / 10.0
    };
    lo - margin..hi + margin
}

/// Titles and ranges of a line chart.
struct Frame<'a> {
    caption: &'a str,
    x_desc: &'a str,
    y_desc: &'a str,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    /// A dot on every point (few points, each one a run).
    dots: bool,
}

/// Draws `chart` on `root` and writes it out.
fn render<DB: DrawingBackend>(
    chart: Chart,
    root: DrawingArea<DB, Shift>,
    models: &[Outcome],
    truth: &[TruthCell],
) -> io::Result<()>
where
    DB::ErrorType: 'static,
{
    chart
        .draw(&root, models, truth)
        .map_err(|e| io::Error::other(e.to_string()))?;
    root.present().map_err(|e| io::Error::other(e.to_string()))
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Lines, one per model, in `frame`.
fn line_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    frame: &Frame,
    series: Vec<(Model, Vec<(f64, f64)>)>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(root)
        .caption(frame.caption, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(frame.x.clone(), frame.y.clone())?;
    chart
        .configure_mesh()
        .x_desc(frame.x_desc)
        .y_desc(frame.y_desc)
        .draw()?;
    for (model, points) in series {
        let colour = model_colour(model);
        if frame.dots {
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, colour.filled())))?;
        }
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(2)))?
            .label(model.name())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], colour.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE)
        .draw()?;
    Ok(())
}

fn latency_cdf<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, models: &[Outcome]) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let minutes = |ms: i64| ms as f64 / 60_000.0;
    let max = models
        .iter()
        .filter_map(|m| m.stats.event_latency_ms.quantile(0.99))
        .max()
        .map_or(1.0, |ms| minutes(ms).max(0.01))
        * 1.05;
    let series = models
        .iter()
        .filter(|m| !m.stats.event_latency_ms.is_empty())
        .map(|m| {
            let h = &m.stats.event_latency_ms;
            let points = (0..=200)
                .filter_map(|i| {
                    let q = i as f64 / 200.0;
                    h.quantile(q).map(|ms| (minutes(ms).clamp(0.0, max), q))
                })
                .collect();
            (m.name, points)
        })
        .collect();
    let frame = Frame {
        caption: "Event time -> visible: share of events (CDF)",
        x_desc: "minutes after the event happened",
        y_desc: "share visible",
        x: 0.0..max,
        y: 0.0..1.0,
        dots: false,
    };
    line_chart(root, &frame, series)
}

/// Shares of ended windows served correctly, sampled over processing time.
pub struct CorrectnessSeries {
    /// The moments sampled, ascending.
    pub times: Vec<Ts>,
    /// Per model, the share at each moment (`None` before any window ended).
    pub shares: Vec<Vec<Option<f64>>>,
}

/// Each model's share of ended windows served correctly at `steps + 1` even moments from the
/// first window's end to the last change readers saw, one pass per model; `None` when no
/// window ended.
pub fn correctness_series(
    models: &[Outcome],
    truth: &[TruthCell],
    steps: u32,
) -> Option<CorrectnessSeries> {
    let first_end = (truth.iter().map(|c| c.window.end))
        .filter(|e| e.as_ms() < i64::MAX)
        .min();
    let last_visible = (models.iter())
        .flat_map(|m| m.stats.table.cells().filter_map(|(_, h)| h.settled_at()))
        .filter(|t| t.as_ms() < i64::MAX)
        .max();
    let (Some(from), Some(to)) = (first_end, last_visible.max(first_end)) else {
        return None;
    };
    let span = (to.as_ms() - from.as_ms()) as f64;
    let times: Vec<Ts> = (0..=steps)
        .map(|i| Ts(from.as_ms() + (span * f64::from(i) / f64::from(steps)) as i64))
        .collect();
    let shares = (models.iter())
        .map(|m| m.stats.table.correct_shares_at(truth, &times))
        .collect();
    Some(CorrectnessSeries { times, shares })
}

fn correctness_over_time<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    models: &[Outcome],
    truth: &[TruthCell],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let Some(CorrectnessSeries { times, shares }) = correctness_series(models, truth, 120) else {
        return Ok(());
    };
    let from = times[0];
    let hours = |t: Ts| (t.as_ms() - from.as_ms()) as f64 / 3_600_000.0;
    let to = times[times.len() - 1];
    let series = (models.iter().zip(shares))
        .map(|(m, shares)| {
            let points = (times.iter().zip(shares))
                .filter_map(|(&t, share)| share.map(|share| (hours(t), share)))
                .collect();
            (m.name, points)
        })
        .collect();
    let frame = Frame {
        caption: "Ended windows served correctly, over processing time",
        x_desc: "hours after the first window ended",
        y_desc: "share correct",
        x: 0.0..hours(to).max(0.01),
        y: 0.0..1.0,
        dots: false,
    };
    line_chart(root, &frame, series)
}

/// Bars, one per model, of `value`.
fn bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    models: &[Outcome],
    caption: &str,
    y_desc: &str,
    value: impl Fn(&Outcome) -> Option<f64>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let values: Vec<(usize, &Outcome, f64)> = models
        .iter()
        .enumerate()
        .filter_map(|(i, m)| value(m).map(|v| (i, m, v)))
        .collect();
    let top = values
        .iter()
        .map(|(_, _, v)| *v)
        .fold(0.0, f64::max)
        .max(1.0)
        * 1.15;
    let mut chart = ChartBuilder::on(root)
        .caption(caption, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..models.len().max(1) as f64, 0.0..top)?;
    let names: Vec<&str> = models.iter().map(|m| m.name.name()).collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(names.len().max(1) * 2 + 1)
        .x_label_formatter(&|x| {
            let i = x.floor() as usize;
            if (x - i as f64 - 0.5).abs() < 0.26 {
                names.get(i).copied().unwrap_or("").to_owned()
            } else {
                String::new()
            }
        })
        .y_desc(y_desc)
        .draw()?;
    for (i, m, v) in values {
        let colour = model_colour(m.name);
        chart.draw_series([Rectangle::new(
            [(i as f64 + 0.2, 0.0), (i as f64 + 0.8, v)],
            colour.filled(),
        )])?;
        chart.draw_series([Text::new(
            format!("{v:.0}"),
            (i as f64 + 0.35, v + top * 0.02),
            ("sans-serif", 16),
        )])?;
    }
    Ok(())
}
