//! What comes in: time, events, generated workloads and recorded traces, and the checks and
//! limits every input passes before any work starts.

pub mod event;
pub mod limits;
pub mod sim;
pub mod time;
pub mod trace;
pub mod validation;
pub mod workload;
