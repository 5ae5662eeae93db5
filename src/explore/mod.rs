//! Exploring around one run: sweeps over settings, the advisor, the watermark lab, replays of
//! recorded traces, checks against a real engine's output, and the benchmarks.

pub mod advise;
pub mod agreement;
pub mod bench;
pub mod export;
pub mod job_text;
pub mod lab;
mod lab_checkpoints;
pub mod lessons;
pub mod replay;
pub mod sweep;
pub mod sweep_plan;
