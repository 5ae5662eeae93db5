//! tidemark: a simulator of batch, micro-batch and streaming data-processing architectures.
//!
//! A seeded workload ([`workload`]) produces events with event-time skew, late arrivals and
//! duplicates, lazily in arrival order; the [`oracle`] computes the exact answer to the
//! scenario's [`query`]; [`run`] turns a [`scenario::Scenario`] into a [`report::Report`].
//! Nothing here knows about a terminal or a GUI: the CLI and the app sit on top.
//!
//! ```
//! use tidemark::catalogue::{Metric, ScenarioMetric};
//! use tidemark::run::run_scenario;
//! use tidemark::scenario::Scenario;
//!
//! let scenario = Scenario::default_scenario(); // one day of FreshMart orders
//! let output = run_scenario(&scenario, &mut |_share_done| {});
//! assert!(output.report.passed());
//! assert_eq!(
//!     output.report.get(Metric::Scenario(ScenarioMetric::Windows)),
//!     Some(24.0)
//! );
//! ```

pub mod advise;
pub mod aggregate;
pub mod architecture;
pub mod bench;
pub mod catalogue;
pub mod charts;
pub mod cost;
pub mod engine;
pub mod event;
pub mod fault;
pub mod fuzzing;
#[cfg(feature = "gui")]
pub mod gui;
pub mod id_set;
pub mod lab;
pub mod limits;
pub mod metrics;
pub mod models;
pub mod oracle;
pub mod query;
pub mod replay;
pub mod report;
pub mod requirement;
pub mod ron_locate;
pub mod run;
pub mod runner;
pub mod scenario;
pub mod sim;
pub mod sink;
pub mod sweep;
pub mod time;
pub mod trace;
pub mod validation;
pub mod window;
pub mod workload;
