//! Workloads: what a scenario says about its events ([`spec`]) and the lazy, seeded
//! generator that produces them in arrival order ([`generator`]).

pub mod generator;
pub mod spec;

pub use generator::Generator;
pub use spec::WorkloadSpec;
