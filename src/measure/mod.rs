//! What a run measures: the exact truth, what readers of each model's serving table saw, the
//! figures computed from both, the catalogue naming them, the expectations checked against
//! them, their spread over replications, and the report.

pub mod catalogue;
pub mod expectation;
pub mod interval;
pub mod metrics;
pub mod oracle;
pub mod period;
pub mod report;
pub mod sink;
