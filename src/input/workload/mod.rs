//! Workloads: what a scenario says about its events ([`spec`]), the lazy, seeded generator
//! that produces them in arrival order ([`generator`]), a recorded trace instead
//! ([`recorded`]), and the arrival stream a run reads, whichever it is ([`arrivals`]).

pub mod arrivals;
pub mod generator;
pub mod recorded;
mod source;
pub mod spec;

pub use arrivals::Arrivals;
pub use generator::Generator;
pub use spec::WorkloadSpec;
