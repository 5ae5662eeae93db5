//! tidemark: a simulator of batch, micro-batch and streaming data-processing architectures.
//!
//! A seeded workload ([`workload`]) produces events with event-time skew, late arrivals and
//! duplicates, lazily in arrival order; the [`oracle`] computes the exact answer to the
//! scenario's [`query`]; [`run`] turns a [`scenario::Scenario`] into a [`report::Report`].
//! Nothing here knows about a terminal or a GUI: the CLI and the app sit on top.
//!
//! ```
//! use tidemark::measure::catalogue::{Metric, ScenarioMetric};
//! use tidemark::compose::run::run_scenario;
//! use tidemark::compose::scenario::Scenario;
//!
//! let scenario = Scenario::default_scenario(); // one day of FreshMart orders
//! let output = run_scenario(&scenario, &mut |_share_done| {});
//! assert!(output.report.passed());
//! assert_eq!(
//!     output.report.get(Metric::Scenario(ScenarioMetric::Windows)),
//!     Some(24.0)
//! );
//! ```

// The layers, bottom to top: each uses only those above it in this list.
pub mod compose;
pub mod engine;
pub mod experiment;
pub mod explore;
#[cfg(feature = "gui")]
pub mod gui;
pub mod input;
pub mod measure;
pub mod render;
pub mod runner;

pub mod fuzzing;
