//! Runners drive the engine from the arrival stream, each on its own schedule and with its
//! own capacity model.

pub mod batch;
pub mod micro_batch;
pub mod streaming;
